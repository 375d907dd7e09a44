"""COMPAS and Law School: data sets fairtutor may not redistribute, read from a data home.

ProPublica's terms forbid sub-licensing the COMPAS file, and the LSAC data are
copyrighted with all rights reserved, so neither ships with fairtutor. As in
scikit-learn's ``fetch_*`` functions, each file lives in a *data home* folder:

1. the ``data_home`` argument, else
2. the ``FAIRTUTOR_DATA`` environment variable, else
3. ``~/fairtutor_data``.

Inside it the layout is ``compas/compas-scores-two-years.csv`` and
``law_school/law_data.csv``. A file found there is checked against the
SHA-256 checksum of the public file; a missing file is downloaded from its
public source only when ``download_if_missing=True`` (the default), and
otherwise the error says exactly where to put it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd

from ._base import check_option, make_bunch

__all__ = ["fetch_compas", "fetch_law_school", "get_data_home"]

COMPAS_FILE = ("compas", "compas-scores-two-years.csv")
COMPAS_URL = (
    "https://raw.githubusercontent.com/propublica/compas-analysis/master/"
    "compas-scores-two-years.csv"
)
COMPAS_SHA256 = "c451db85908b2f7fef1d83203bedf6b71ecda0d5af468d82ae62178f91d0cc7d"

LAW_FILE = ("law_school", "law_data.csv")
LAW_URL = "https://raw.githubusercontent.com/mkusner/counterfactual-fairness/master/law_data.csv"
LAW_SHA256 = "cbf494af5e0ac317015cf64945a20587c08ec77118e183d3ddb0026719956d88"


def get_data_home(data_home=None):
    """The folder where ``fetch_*`` functions look for (and store) their files.

    Parameters
    ----------
    data_home : str or path-like, optional
        Returned as a ``Path`` (with ``~`` expanded) when given. Otherwise the
        environment variable ``FAIRTUTOR_DATA`` if set, else ``~/fairtutor_data``.

    Returns
    -------
    path : pathlib.Path
        The folder; it is not created here.

    Examples
    --------
    >>> from fairtutor.datasets import get_data_home
    >>> str(get_data_home("/tmp/my_data"))
    '/tmp/my_data'
    """
    if data_home is None:
        data_home = os.environ.get("FAIRTUTOR_DATA") or Path("~") / "fairtutor_data"
    return Path(data_home).expanduser()


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(url, path, sha256):
    """Download ``url`` to ``path`` through a temporary file; check the checksum first."""
    # Folders made here are removed again when the download fails, so an
    # offline attempt leaves no empty data-home folders behind.
    made = [d for d in (path.parent, *path.parent.parents) if not d.exists()]
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    os.close(handle)
    done = False
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(tmp, "wb") as out:
            shutil.copyfileobj(response, out)
        digest = _sha256(tmp)
        if digest != sha256:
            raise ValueError(
                f"the file downloaded from {url} has SHA-256 {digest}, expected {sha256}: "
                "the public copy has changed, so fairtutor did not keep it"
            )
        os.replace(tmp, path)
        done = True
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
        if not done:
            for folder in made:  # deepest first
                try:
                    folder.rmdir()
                except OSError:
                    break


def _locate(data_home, parts, url, sha256, download_if_missing, fetcher):
    """Return the verified path of a data-home file, downloading it if allowed."""
    home = get_data_home(data_home)
    path = home.joinpath(*parts)
    how = (
        f"download {url} and save it as {path} (or point data_home= or the FAIRTUTOR_DATA "
        f"environment variable at a folder holding {'/'.join(parts)})"
    )
    if not path.is_file():
        if not download_if_missing:
            raise FileNotFoundError(
                f"{fetcher} needs the file {path}, which does not exist, and "
                f"download_if_missing=False; {how}"
            )
        try:
            _download(url, path, sha256)
        except (urllib.error.URLError, OSError) as exc:
            raise OSError(
                f"{fetcher} could not download {url} ({exc}); without network access, {how}"
            ) from None
    digest = _sha256(path)
    if digest != sha256:
        raise ValueError(
            f"the file {path} is corrupt or not the expected version: its SHA-256 checksum is "
            f"{digest}, expected {sha256}; delete it and {how}"
        )
    return path


def _check_races(values):
    """Check the form of ``races=`` before any file is read (its names are checked later)."""
    if values is None:
        return None
    if isinstance(values, str):
        raise ValueError(
            f"races must be a list of at least two race names, got the string {values!r}"
        )
    values = list(values)
    if len(values) < 2 or len(set(values)) != len(values):
        raise ValueError(f"races must name at least two distinct races; got {values!r}")
    return values


def _restrict(frame, column, values):
    if values is None:
        return frame
    values = list(values)
    known = set(frame[column].unique())
    unknown = [v for v in values if v not in known]
    if unknown or len(values) < 2:
        raise ValueError(
            f"races must name at least two of {', '.join(sorted(known))}; got {values!r}"
        )
    return frame[frame[column].isin(values)].reset_index(drop=True)


# -------------------------------------------------------------------- COMPAS

_COMPAS_FEATURES = [
    "sex",
    "age",
    "age_cat",
    "race",
    "juv_fel_count",
    "juv_misd_count",
    "juv_other_count",
    "priors_count",
    "c_charge_degree",
]
# Only these columns are read: names, dates of birth, case numbers and every
# other identifying column of the file never enter memory.
_COMPAS_COLUMNS = _COMPAS_FEATURES + [
    "days_b_screening_arrest",
    "is_recid",
    "score_text",
    "decile_score",
    "two_year_recid",
]

_COMPAS_DESCR = """COMPAS recidivism data set (ProPublica)
=======================================

Defendants scored by the COMPAS risk assessment tool in Broward County,
Florida, in 2013-2014, with whether they were charged with a new offence
within two years; assembled by ProPublica for "Machine Bias" (Angwin,
Larson, Mattu and Kirchner, 2016) from public records.

- Rows: 7,214 in the file; 6,172 after ProPublica's standard filter (the
  COMPAS screening within 30 days of the arrest, ``is_recid != -1``, charge
  degree not 'O' (ordinary traffic offences), a score present), which
  fetch_compas applies.
- Features: sex, age, age_cat, race, juv_fel_count, juv_misd_count,
  juv_other_count, priors_count, c_charge_degree (F felony, M misdemeanour),
  minus the sensitive attribute. Names, first and last names, dates of birth,
  case numbers and dates are never read from the file.
- Target ``two_year_recid``: 1 if the person was charged with a new offence
  within two years. Note that 1 is the *unfavourable* outcome here, unlike the
  book's convention; use ``1 - y`` where a favourable positive class matters.
- Sensitive attribute: ``race`` (default; African-American, Caucasian,
  Hispanic, Other, Asian, Native American; ``races=`` keeps only some of them,
  e.g. the usual African-American vs Caucasian comparison) or ``sex``.
- ``bunch.scores``: the COMPAS decile score (1-10) and its text category (Low,
  Medium, High), the tool's output that ProPublica audited, not features.

License and terms: the file comes from the repository propublica/compas-analysis
under ProPublica's Data Terms of Use: credit ProPublica, no sub-licensing, no
changes except corrections. It has no license file. fairtutor therefore does
not ship it; fetch_compas reads or downloads it into your data home.

Care needed: "recidivism" here is a new charge, not a new offence; arrests
reflect policing, which differs between groups, so the label itself is biased.
Bao et al. (2021, "It's COMPASlicated") argue that the data set should not be
used to benchmark new fairness algorithms: the measurement errors in its
labels and features, its narrow context (pretrial risk in one county) and the
distance between a classifier's accuracy and the decisions judges actually
make mean that improvements measured on it say little about justice. The book
uses it only to show how a fairness audit works, following ProPublica.

Citation: Angwin, J., Larson, J., Mattu, S. and Kirchner, L. (2016). Machine
Bias. ProPublica. Data and analysis: https://github.com/propublica/compas-analysis
"""


def fetch_compas(
    *,
    data_home=None,
    download_if_missing=True,
    sensitive="race",
    races=None,
    include_sensitive=False,
    return_X_y=False,
):
    """Load the COMPAS recidivism data of ProPublica (not redistributed: read from a data home).

    Reads ``compas/compas-scores-two-years.csv`` from the data home (see
    :func:`get_data_home`), checks its checksum, applies ProPublica's standard
    filter (6,172 rows) and keeps only non-identifying columns: names, dates
    of birth and case numbers are never read. The file is downloaded from
    ProPublica's repository (https://github.com/propublica/compas-analysis)
    only if it is missing and ``download_if_missing`` is true.

    ProPublica's Data Terms of Use forbid sub-licensing the data, so
    fairtutor does not ship it. ``DESCR`` states the terms and why Bao et al.
    (2021) advise against COMPAS as a benchmark for new fairness methods.

    Parameters
    ----------
    data_home : str or path-like, optional
        Folder holding ``compas/compas-scores-two-years.csv``; default: the
        ``FAIRTUTOR_DATA`` environment variable, else ``~/fairtutor_data``.
    download_if_missing : bool, default=True
        Download the file into the data home when it is not there.
    sensitive : {"race", "sex"}, default="race"
        The sensitive attribute.
    races : sequence of str, optional
        Keep only the defendants of these races (at least two), e.g.
        ``("African-American", "Caucasian")``; default: all six.
    include_sensitive : bool, default=False
        Keep the sensitive column among the features.
    return_X_y : bool, default=False
        Return ``(X, y, s)`` instead of a Bunch.

    Returns
    -------
    bunch : sklearn.utils.Bunch
        With ``data``, ``target`` (0/1, name ``"two_year_recid"``; 1 = a new
        charge within two years), ``sensitive``, ``feature_names``,
        ``target_name``, ``sensitive_name``, ``frame``, ``scores`` (COMPAS
        ``decile_score`` and ``score_text``) and ``DESCR``.
    (X, y, s) : tuple of DataFrame, Series, Series
        If ``return_X_y`` is true.

    Raises
    ------
    FileNotFoundError
        If the file is absent and ``download_if_missing`` is false; the
        message says where to put it.
    OSError
        If the download fails (no network).
    ValueError
        If the file's checksum is wrong, or an argument is unknown.

    Examples
    --------
    >>> from fairtutor.datasets import fetch_compas
    >>> compas = fetch_compas(download_if_missing=False)  # doctest: +SKIP
    >>> compas.data.shape  # doctest: +SKIP
    (6172, 8)
    """
    check_option(sensitive, ("race", "sex"), "sensitive")
    races = _check_races(races)
    path = _locate(
        data_home, COMPAS_FILE, COMPAS_URL, COMPAS_SHA256, download_if_missing, "fetch_compas"
    )
    frame = pd.read_csv(path, usecols=_COMPAS_COLUMNS)
    keep = (
        frame["days_b_screening_arrest"].between(-30, 30)
        & (frame["is_recid"] != -1)
        & (frame["c_charge_degree"] != "O")
        & frame["score_text"].notna()
        & (frame["score_text"] != "N/A")
    )
    frame = _restrict(frame[keep].reset_index(drop=True), "race", races)
    scores = frame[["decile_score", "score_text"]].reset_index(drop=True)
    target = frame["two_year_recid"].astype(np.int64)
    return make_bunch(
        features=frame[_COMPAS_FEATURES],
        target=target,
        sensitive=frame[sensitive].rename(sensitive),
        sensitive_sources=[sensitive],
        include_sensitive=include_sensitive,
        descr=_COMPAS_DESCR,
        return_X_y=return_X_y,
        scores=scores,
    )


# ---------------------------------------------------------------- Law School

_LAW_DESCR = """Law School data set (LSAC Bar Passage Study, as used by Kusner et al. 2017)
===========================================================================

Students who entered US law schools in 1991, followed by the Law School
Admission Council's National Longitudinal Bar Passage Study (Wightman, 1998),
in the preprocessed form that Kusner, Loftus, Russell and Silva (2017) used
for counterfactual fairness.

- Rows: 21,791 in the file; the one row with ``region_first == 'PO'`` is
  dropped, as Kusner et al. do, leaving their 21,790 students.
- Features: LSAT (admission test score), UGPA (undergraduate grade point
  average), region_first (region of the law school), and sex or race,
  whichever is not the sensitive attribute, minus the target.
  ``sander_index`` (an admission index computed from LSAT and UGPA) is left
  out as redundant; it stays in ``frame``.
- Target: ``ZFYA`` (default; first-year average grade, standardized;
  regression), ``UGPA`` (regression; then LSAT and region predict it), or
  ``first_pf`` (1 if the student passed the bar exam on the first try).
- Sensitive attribute: ``race`` (default; White, Black, Asian, Hispanic,
  Mexican, Other, Puertorican, Amerindian; ``races=`` keeps some of them,
  e.g. White vs Black) or ``sex`` (Female, Male; coded 1 and 2 in the file).

License and terms: the data are copyright 1998 Law School Admission Council,
all rights reserved. Public copies, including the one in Kusner et al.'s
repository (https://github.com/mkusner/counterfactual-fairness), circulate
without a license. fairtutor therefore does not ship the file;
fetch_law_school reads or downloads it into your data home.

Care needed: students who entered law school, not applicants: who was admitted
was already decided, so the data cannot tell how admission affects groups.
Grades and bar passage are outcomes of the same institutions whose fairness is
in question. The race categories are those of the 1991 survey.

Citation: Wightman, L. F. (1998). LSAC National Longitudinal Bar Passage
Study. LSAC Research Report Series; Kusner, M. J., Loftus, J., Russell, C.
and Silva, R. (2017). Counterfactual Fairness. NeurIPS 30.
"""


def fetch_law_school(
    *,
    data_home=None,
    download_if_missing=True,
    target="ZFYA",
    sensitive="race",
    races=None,
    include_sensitive=False,
    return_X_y=False,
):
    """Load the LSAC Law School data of Kusner et al. (2017), read from a data home.

    Reads ``law_school/law_data.csv`` from the data home (see
    :func:`get_data_home`), checks its checksum and drops the single row from
    region 'PO', as Kusner et al. (2017) do (21,790 students). The file is
    downloaded from Kusner et al.'s repository
    (https://github.com/mkusner/counterfactual-fairness) only if it is missing
    and ``download_if_missing`` is true.

    The data are copyright Law School Admission Council (1998), all rights
    reserved, so fairtutor does not ship them; see ``DESCR``.

    Parameters
    ----------
    data_home : str or path-like, optional
        Folder holding ``law_school/law_data.csv``; default: the
        ``FAIRTUTOR_DATA`` environment variable, else ``~/fairtutor_data``.
    download_if_missing : bool, default=True
        Download the file into the data home when it is not there.
    target : {"ZFYA", "UGPA", "first_pf"}, default="ZFYA"
        First-year average (standardized), undergraduate GPA, or first-try
        bar passage (0/1).
    sensitive : {"race", "sex"}, default="race"
        The sensitive attribute.
    races : sequence of str, optional
        Keep only the students of these races (at least two), e.g.
        ``("White", "Black")``; default: all eight.
    include_sensitive : bool, default=False
        Keep the sensitive column among the features.
    return_X_y : bool, default=False
        Return ``(X, y, s)`` instead of a Bunch.

    Returns
    -------
    bunch : sklearn.utils.Bunch
        With ``data``, ``target``, ``sensitive``, ``feature_names``,
        ``target_name``, ``sensitive_name``, ``frame`` and ``DESCR``.
    (X, y, s) : tuple of DataFrame, Series, Series
        If ``return_X_y`` is true.

    Raises
    ------
    FileNotFoundError
        If the file is absent and ``download_if_missing`` is false; the
        message says where to put it.
    OSError
        If the download fails (no network).
    ValueError
        If the file's checksum is wrong, or an argument is unknown.

    Examples
    --------
    >>> from fairtutor.datasets import fetch_law_school
    >>> law = fetch_law_school(download_if_missing=False)  # doctest: +SKIP
    >>> law.data.shape  # doctest: +SKIP
    (21790, 4)
    """
    check_option(target, ("ZFYA", "UGPA", "first_pf"), "target")
    check_option(sensitive, ("race", "sex"), "sensitive")
    races = _check_races(races)
    path = _locate(
        data_home, LAW_FILE, LAW_URL, LAW_SHA256, download_if_missing, "fetch_law_school"
    )
    frame = pd.read_csv(path, index_col=0)
    frame = frame[frame["region_first"] != "PO"].reset_index(drop=True)
    frame["sex"] = frame["sex"].map({1: "Female", 2: "Male"})
    frame = _restrict(frame, "race", races)
    y = frame[target]
    if target == "first_pf":
        y = y.astype(np.int64)
    features = [c for c in ["LSAT", "UGPA", "region_first", "race", "sex"] if c != target]
    bunch = make_bunch(
        features=frame[features],
        target=y,
        sensitive=frame[sensitive].rename(sensitive),
        sensitive_sources=[sensitive],
        include_sensitive=include_sensitive,
        descr=_LAW_DESCR,
        return_X_y=return_X_y,
    )
    if not return_X_y:
        extra = frame[[c for c in frame.columns if c not in bunch.frame.columns]]
        bunch.frame = pd.concat([bunch.frame, extra.reset_index(drop=True)], axis=1)
    return bunch
