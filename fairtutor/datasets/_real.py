"""Loaders for the real data sets that ship with fairtutor (all from UCI, CC BY 4.0).

Each loader reads its verified file (see :mod:`fairtutor.datasets._base`),
applies the preprocessing that the fairness literature uses, and returns a
scikit-learn ``Bunch``. The raw column(s) from which the sensitive attribute is
derived are left out of ``data`` unless ``include_sensitive=True``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ._base import UCI_LICENSE, check_option, make_bunch, read_bundled, read_bundled_csv

__all__ = ["load_adult", "load_german", "load_communities_crime", "load_drug", "load_student"]

_ATTRIBUTION = (
    "Source: UCI Machine Learning Repository (https://archive.ics.uci.edu), "
    "{doi}. License: " + UCI_LICENSE + ". fairtutor ships the unmodified file(s) "
    "compressed with gzip and checks their SHA-256 checksums when loading; the "
    "preprocessing described here is applied on loading."
)

# --------------------------------------------------------------------- Adult

_ADULT_COLUMNS = [
    "age",
    "workclass",
    "fnlwgt",
    "education",
    "education_num",
    "marital_status",
    "occupation",
    "relationship",
    "race",
    "sex",
    "capital_gain",
    "capital_loss",
    "hours_per_week",
    "native_country",
    "income",
]

_ADULT_DESCR = """Adult (census income) data set
==============================

Predict whether a person's income exceeds $50,000 a year from a 1994 US
census extract (Current Population Survey), extracted by Barry Becker and
Ronny Kohavi (1996).

- Rows: 30,162 in the official training file and 15,060 in the official test
  file after dropping every row with a missing value ('?'); 48,842 rows before.
- Features: 14 census attributes (6 numeric, 8 categorical) minus the
  sensitive attribute: age, workclass, fnlwgt (a census sampling weight, not a
  property of the person), education, education_num (the same information as
  education, coded as a number), marital_status, occupation, relationship,
  race, sex, capital_gain, capital_loss, hours_per_week, native_country.
- Target ``income>50K``: 1 if the income exceeds $50K (the favourable
  outcome), else 0. The trailing '.' of the labels in the test file is removed.
- Sensitive attribute: ``sex`` (Female, Male; the default, as in Donini et
  al. 2018) or ``race`` (the five census categories).
- ``split``: 'train', 'test' or 'all' (train then test; ``bunch.split`` says
  which file each row comes from).

Care needed: the incomes are from 1994 and are not adjusted for inflation;
$50K then is roughly $100K today, so about a quarter of the people are
positives. The categories for sex and race are those of the 1994 survey. The
data set has been the default fairness benchmark for years; Ding et al. (2021,
"Retiring Adult") show that conclusions drawn on it can change on newer census
data.

Citation: Becker, B. and Kohavi, R. (1996). Adult. UCI Machine Learning
Repository. https://doi.org/10.24432/C5XW20

"""


def _read_adult(name, skiprows):
    frame = read_bundled_csv(
        name,
        header=None,
        names=_ADULT_COLUMNS,
        skipinitialspace=True,
        na_values="?",
        skiprows=skiprows,
    )
    frame = frame.dropna().reset_index(drop=True)
    income = frame.pop("income").str.rstrip(".")
    frame["income>50K"] = (income == ">50K").astype(np.int64)
    return frame


def load_adult(*, split="train", sensitive="sex", include_sensitive=False, return_X_y=False):
    """Load the Adult census income data set (UCI, CC BY 4.0).

    Binary classification: does a person earn more than $50K a year? Rows
    with a missing value are dropped, leaving 30,162 training and 15,060 test
    rows, the official split that the fairness literature uses.

    Source: UCI Machine Learning Repository, doi:10.24432/C5XW20, licensed
    under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/);
    Becker and Kohavi (1996). ``DESCR`` gives the caveats.

    Parameters
    ----------
    split : {"train", "test", "all"}, default="train"
        Which official file to return ("all" stacks train then test). Each
        split's frames are indexed from 0, so ``pd.concat`` of a train and a
        test frame needs ``ignore_index=True``; ``split="all"`` does exactly
        that.
    sensitive : {"sex", "race"}, default="sex"
        The sensitive attribute: sex (Female, Male) or race (the five census
        categories).
    include_sensitive : bool, default=False
        Keep the sensitive column among the features.
    return_X_y : bool, default=False
        Return ``(X, y, s)`` instead of a Bunch.

    Returns
    -------
    bunch : sklearn.utils.Bunch
        With ``data`` (DataFrame of features), ``target`` (Series of 0/1,
        name ``"income>50K"``), ``sensitive`` (Series), ``feature_names``,
        ``target_name``, ``sensitive_name``, ``frame`` (features, sensitive
        attribute and target together), ``split`` (Series: "train" or "test"
        for each row) and ``DESCR``.
    (X, y, s) : tuple of DataFrame, Series, Series
        If ``return_X_y`` is true.

    Examples
    --------
    >>> from fairtutor.datasets import load_adult
    >>> adult = load_adult()
    >>> adult.data.shape
    (30162, 13)
    >>> adult.sensitive.value_counts().to_dict()
    {'Male': 20380, 'Female': 9782}
    >>> X, y, s = load_adult(split="test", return_X_y=True)
    >>> len(y), round(float(y.mean()), 3)
    (15060, 0.246)
    """
    check_option(split, ("train", "test", "all"), "split")
    check_option(sensitive, ("sex", "race"), "sensitive")
    frames = []
    if split in ("train", "all"):
        frames.append(_read_adult("adult.data", None).assign(split="train"))
    if split in ("test", "all"):
        frames.append(_read_adult("adult.test", 1).assign(split="test"))
    frame = pd.concat(frames, ignore_index=True)
    which = frame.pop("split")
    target = frame.pop("income>50K")
    return make_bunch(
        features=frame,
        target=target,
        sensitive=frame[sensitive].rename(sensitive),
        sensitive_sources=[sensitive],
        include_sensitive=include_sensitive,
        descr=_ADULT_DESCR + _ATTRIBUTION.format(doi="doi:10.24432/C5XW20"),
        return_X_y=return_X_y,
        split=which,
    )


# -------------------------------------------------------------------- German

_GERMAN_COLUMNS = [
    "checking_status",
    "duration",
    "credit_history",
    "purpose",
    "credit_amount",
    "savings",
    "employment_since",
    "installment_rate",
    "personal_status",
    "other_debtors",
    "residence_since",
    "property",
    "age",
    "other_installment_plans",
    "housing",
    "existing_credits",
    "job",
    "num_dependents",
    "telephone",
    "foreign_worker",
    "credit",
]

# personal_status codes of the UCI documentation: A91 male divorced/separated,
# A92 female divorced/separated/married, A93 male single, A94 male
# married/widowed, A95 female single.
_GERMAN_SEX = {"A91": "Male", "A92": "Female", "A93": "Male", "A94": "Male", "A95": "Female"}

_GERMAN_DESCR = """German credit data set (Statlog)
================================

Classify 1,000 loan applicants of a southern German bank as good or bad
credit risks; collected by Hans Hofmann (University of Hamburg, 1994).

- Rows: 1,000 (700 good, 300 bad); no missing values.
- Features: 20 attributes (7 numeric, 13 categorical) minus the source of the
  sensitive attribute. The categorical values keep the codes of the UCI
  documentation (e.g. checking_status 'A11' means "< 0 DM"); look them up in
  the data set's page on UCI.
- Target ``good_credit``: 1 for a good risk (the favourable outcome), 0 for a
  bad one (label 2 in the file).
- Sensitive attribute: ``sex`` (the default), derived from ``personal_status``
  (A91, A93, A94 male; A92, A95 female), which is then dropped from the
  features because it encodes sex exactly; or ``age``, binary: '>25' and
  '<=25' (the threshold of Kamiran and Calders, 2012), which drops the numeric
  age.

Care needed: 1,000 rows is small; group statistics for the 310 women or the
190 applicants aged 25 or less have large standard errors. The
``personal_status`` attribute mixes sex with marital status and does not
separate single from married women. The cost matrix of the documentation
counts a bad applicant classified as good five times as costly as the
reverse. Groemping (2019) documents coding errors in this version of the data
("South German Credit Data: Correcting a Widely Used Data Set"); fairtutor
ships the widely used original, unchanged.

Citation: Hofmann, H. (1994). Statlog (German Credit Data). UCI Machine
Learning Repository. https://doi.org/10.24432/C5NC77

"""


def load_german(*, sensitive="sex", include_sensitive=False, return_X_y=False):
    """Load the German credit (Statlog) data set (UCI, CC BY 4.0).

    Binary classification of 1,000 loan applicants into good (1) and bad (0)
    credit risks.

    Source: UCI Machine Learning Repository, doi:10.24432/C5NC77, licensed
    under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/);
    Hofmann (1994). ``DESCR`` gives the caveats.

    Parameters
    ----------
    sensitive : {"sex", "age"}, default="sex"
        Sex (Female, Male), derived from ``personal_status``; or age, binary
        ('<=25', '>25').
    include_sensitive : bool, default=False
        Keep the raw column the sensitive attribute is derived from
        (``personal_status`` or ``age``) among the features.
    return_X_y : bool, default=False
        Return ``(X, y, s)`` instead of a Bunch.

    Returns
    -------
    bunch : sklearn.utils.Bunch
        With ``data``, ``target`` (0/1, name ``"good_credit"``), ``sensitive``,
        ``feature_names``, ``target_name``, ``sensitive_name``, ``frame`` and
        ``DESCR``.
    (X, y, s) : tuple of DataFrame, Series, Series
        If ``return_X_y`` is true.

    Examples
    --------
    >>> from fairtutor.datasets import load_german
    >>> german = load_german()
    >>> german.data.shape, german.sensitive.value_counts().to_dict()
    ((1000, 19), {'Male': 690, 'Female': 310})
    >>> X, y, s = load_german(sensitive="age", return_X_y=True)
    >>> s.value_counts().to_dict(), int(y.sum())
    ({'>25': 810, '<=25': 190}, 700)
    """
    check_option(sensitive, ("sex", "age"), "sensitive")
    frame = read_bundled_csv("german.data", sep=" ", header=None, names=_GERMAN_COLUMNS)
    target = (frame.pop("credit") == 1).astype(np.int64).rename("good_credit")
    if sensitive == "sex":
        s = frame["personal_status"].map(_GERMAN_SEX).rename("sex")
        sources = ["personal_status"]
    else:
        s = pd.Series(np.where(frame["age"] > 25, ">25", "<=25"), name="age")
        sources = ["age"]
    return make_bunch(
        features=frame,
        target=target,
        sensitive=s,
        sensitive_sources=sources,
        include_sensitive=include_sensitive,
        descr=_GERMAN_DESCR + _ATTRIBUTION.format(doi="doi:10.24432/C5NC77"),
        return_X_y=return_X_y,
    )


# ----------------------------------------------------- Communities and Crime

_CC_IDENTIFIERS = ["state", "county", "community", "communityname", "fold"]

_CC_DESCR = """Communities and Crime data set
==============================

Predict the rate of violent crime in 1,994 US communities from
socio-economic data of the 1990 US census, law enforcement data of the 1990
LEMAS survey and crime data of the 1995 FBI UCR; assembled by Michael Redmond
(La Salle University, 2009).

- Rows: 1,994 communities.
- Features: of the 128 columns, the identifiers state, county, community,
  communityname and fold are removed (they are not predictive: fold is a
  cross-validation split, the others name the place), then every column with
  a missing value (22 LEMAS police columns with 1,675 missing values each, and
  OtherPerCap with 1), leaving 100 columns: 99 features and the target, minus
  the sensitive attribute's source. Every value was normalized to [0, 1] by
  the data set's authors; values more than 3 standard deviations from the
  mean were clipped.
- Target ``ViolentCrimesPerPop``: violent crimes per 100,000 people,
  normalized to [0, 1] (regression).
- Sensitive attribute (derived from ``racepctblack``, the share of the
  population that is African American, which is then dropped from the
  features): ``racepctblack`` (the default) is binary, 'high' above the median
  share and 'low' at or below it; ``racepctblack_quartile`` has four groups
  'Q1' (lowest) to 'Q4' cut at the quartiles of the share (ties make them
  unequal in size).

Care needed: the other racePct* columns (white, Asian, Hispanic) remain among
the features and are strong proxies of the sensitive attribute. Because each
column was normalized on its own, values of different columns cannot be
compared (the documentation says so), which is why fairtutor does not offer
"the largest racial group of the community" as a sensitive attribute. The
crime rates were reported by police departments and some communities are
missing altogether (those with inconsistent FBI counts, many from the
Midwest). The data describe places, not people: a fairness statement here is
about how communities with a large African-American population are treated.

Citation: Redmond, M. (2009). Communities and Crime. UCI Machine Learning
Repository. https://doi.org/10.24432/C53W3X; Redmond, M. and Baveja, A.
(2002). A data-driven software tool for enabling cooperative information
sharing among police departments. European Journal of Operational Research,
141(3), 660-678.

"""


def _communities_columns():
    text = read_bundled("communities.names").decode("latin-1")
    return re.findall(r"^@attribute\s+(\S+)", text, flags=re.MULTILINE)


def load_communities_crime(*, sensitive="racepctblack", include_sensitive=False, return_X_y=False):
    """Load the Communities and Crime data set (UCI, CC BY 4.0).

    Regression: predict the normalized rate of violent crime
    (``ViolentCrimesPerPop``, in [0, 1]) of 1,994 US communities. Identifier
    columns and the 23 columns with missing values are removed.

    Source: UCI Machine Learning Repository, doi:10.24432/C53W3X, licensed
    under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/);
    Redmond (2009), Redmond and Baveja (2002). ``DESCR`` gives the caveats.

    Parameters
    ----------
    sensitive : {"racepctblack", "racepctblack_quartile"}, default="racepctblack"
        Binary ('high' if the share of African-American residents is above
        the median, else 'low'), or four groups 'Q1' to 'Q4' by quartile of
        that share.
    include_sensitive : bool, default=False
        Keep the numeric ``racepctblack`` column among the features.
    return_X_y : bool, default=False
        Return ``(X, y, s)`` instead of a Bunch.

    Returns
    -------
    bunch : sklearn.utils.Bunch
        With ``data``, ``target`` (float, name ``"ViolentCrimesPerPop"``),
        ``sensitive``, ``feature_names``, ``target_name``, ``sensitive_name``,
        ``frame`` and ``DESCR``.
    (X, y, s) : tuple of DataFrame, Series, Series
        If ``return_X_y`` is true.

    Examples
    --------
    >>> from fairtutor.datasets import load_communities_crime
    >>> cc = load_communities_crime()
    >>> cc.data.shape, cc.sensitive.value_counts().to_dict()
    ((1994, 98), {'low': 1024, 'high': 970})
    >>> y, s = cc.target, cc.sensitive
    >>> bool(y[s == "high"].mean() > y[s == "low"].mean())
    True
    """
    check_option(sensitive, ("racepctblack", "racepctblack_quartile"), "sensitive")
    columns = _communities_columns()
    frame = read_bundled_csv("communities.data", header=None, names=columns, na_values="?")
    frame = frame.drop(columns=_CC_IDENTIFIERS)
    frame = frame.loc[:, ~frame.isna().any()]
    target = frame.pop("ViolentCrimesPerPop")
    share = frame["racepctblack"]
    if sensitive == "racepctblack":
        s = pd.Series(np.where(share > share.median(), "high", "low"), name=sensitive)
    else:
        s = pd.qcut(share, 4, labels=["Q1", "Q2", "Q3", "Q4"]).astype(str).rename(sensitive)
    return make_bunch(
        features=frame,
        target=target,
        sensitive=s,
        sensitive_sources=["racepctblack"],
        include_sensitive=include_sensitive,
        descr=_CC_DESCR + _ATTRIBUTION.format(doi="doi:10.24432/C53W3X"),
        return_X_y=return_X_y,
    )


# ---------------------------------------------------------------------- Drug

_DRUG_PERSON = [
    "ID",
    "Age",
    "Gender",
    "Education",
    "Country",
    "Ethnicity",
    "Nscore",
    "Escore",
    "Oscore",
    "Ascore",
    "Cscore",
    "Impulsive",
    "SS",
]
# The drug columns in the order of the file; Semer is the fictitious Semeron.
_DRUG_FILE_DRUGS = [
    "Alcohol",
    "Amphet",
    "Amyl",
    "Benzos",
    "Caff",
    "Cannabis",
    "Choc",
    "Coke",
    "Crack",
    "Ecstasy",
    "Heroin",
    "Ketamine",
    "Legalh",
    "LSD",
    "Meth",
    "Mushrooms",
    "Nicotine",
    "Semer",
    "VSA",
]
_DRUG_FILE_COLUMNS = _DRUG_PERSON + _DRUG_FILE_DRUGS
#: The 18 real drugs, the possible targets of :func:`load_drug`.
DRUGS = [d for d in _DRUG_FILE_DRUGS if d != "Semer"]
_DRUG_USER_CLASSES = ["CL3", "CL4", "CL5", "CL6"]  # last year, month, week, day

# The quantified values of the documentation, to five decimals.
_DRUG_GENDER = {0.48246: "Female", -0.48246: "Male"}
_DRUG_ETHNICITY = {
    -0.50212: "Asian",
    -1.10702: "Black",
    1.90725: "Mixed-Black/Asian",
    0.12600: "Mixed-White/Asian",
    -0.22166: "Mixed-White/Black",
    0.11440: "Other",
    -0.31685: "White",
}
_DRUG_COUNTRY = {
    -0.09765: "Australia",
    0.24923: "Canada",
    -0.46841: "New Zealand",
    -0.28519: "Other",
    0.21128: "Republic of Ireland",
    0.96082: "UK",
    -0.57009: "USA",
}

_DRUG_DESCR = """Drug consumption data set (quantified)
======================================

An online survey of 1,885 adults (2011-2012) on their use of 18 legal and
illegal drugs, with their personality scores (NEO-FFI-R big five, BIS-11
impulsivity, ImpSS sensation seeking) and demographics; collected by Elaine
Fehrman, Vincent Egan and Evgeny Mirkes (Fehrman et al., 2017).

- Rows: 1,885 respondents; no missing values.
- Features: Age and Education (ordinal categories, kept as the real-valued
  quantification of the authors), Country (decoded to its name: UK, USA,
  Canada, ...), and the seven personality scores Nscore, Escore, Oscore,
  Ascore, Cscore, Impulsive, SS (standardized by the authors), and the
  demographic attribute not chosen as sensitive (Ethnicity or Gender, decoded
  to its label); the respondent ID is dropped.
- Target: for one drug (``target=``, default 'Cannabis'), 1 if the
  respondent used it in the last year or more recently (classes CL3 to CL6),
  0 otherwise (never used, used over a decade ago, or in the last decade).
  ``target='all'`` returns the 18 drugs as columns of a DataFrame: a
  multitask problem in which the tasks share the respondents.
- Sensitive attribute: ``gender`` (Female, Male; the default) or
  ``ethnicity``, binary: 'White' and 'Non-white' (the six other categories
  together: 165 respondents, too few to study one by one).

Care needed: the respondents recruited themselves online (most from the UK
and the USA); they are not a sample of any population, and 91% report their
ethnicity as White. Use is self-reported. The survey includes a fictitious
drug, Semeron, to detect over-claiming: 8 respondents claim to have used it;
fairtutor drops the Semeron column and keeps those 8 rows.
Predicting drug use of individuals raises privacy and stigma questions of its
own.

Citation: Fehrman, E., Egan, V. and Mirkes, E. (2016). Drug Consumption
(Quantified). UCI Machine Learning Repository.
https://doi.org/10.24432/C5TC7S; Fehrman, E., Muhammad, A. K., Mirkes, E.
M., Egan, V. and Gorban, A. N. (2017). The five factor model of personality
and evaluation of drug consumption risk. In Data Science, Springer, 231-242.

"""


def _decode(values, mapping, column):
    decoded = values.round(5).map(mapping)
    if decoded.isna().any():
        unknown = sorted(set(values[decoded.isna()]))[:3]
        raise ValueError(f"unexpected values {unknown} in column {column} of the drug data")
    return decoded


def load_drug(*, target="Cannabis", sensitive="gender", include_sensitive=False, return_X_y=False):
    """Load the Drug consumption (quantified) data set (UCI, CC BY 4.0).

    Binary classification of 1,885 survey respondents: has the person used a
    drug in the last year? One drug gives one task; ``target="all"`` gives the
    18 drugs at once, a multitask problem.

    Source: UCI Machine Learning Repository, doi:10.24432/C5TC7S, licensed
    under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/);
    Fehrman et al. (2017). ``DESCR`` gives the caveats.

    Parameters
    ----------
    target : str, default="Cannabis"
        One of the 18 drugs (case-insensitive): Alcohol, Amphet, Amyl,
        Benzos, Caff, Cannabis, Choc, Coke, Crack, Ecstasy, Heroin, Ketamine,
        Legalh, LSD, Meth, Mushrooms, Nicotine, VSA; or "all" for all of them.
        The label is 1 if the drug was used in the last year, month, week or
        day (classes CL3 to CL6), else 0.
    sensitive : {"gender", "ethnicity"}, default="gender"
        Gender (Female, Male) or ethnicity, binary (White, Non-white).
    include_sensitive : bool, default=False
        Keep the decoded ``Gender`` or ``Ethnicity`` column among the
        features.
    return_X_y : bool, default=False
        Return ``(X, y, s)`` instead of a Bunch.

    Returns
    -------
    bunch : sklearn.utils.Bunch
        With ``data``, ``target`` (a 0/1 Series, or with ``target="all"`` a
        DataFrame with one 0/1 column per drug), ``sensitive``,
        ``feature_names``, ``target_name`` (the drug, or the list of drugs),
        ``sensitive_name``, ``frame`` and ``DESCR``.
    (X, y, s) : tuple
        If ``return_X_y`` is true.

    Examples
    --------
    >>> from fairtutor.datasets import load_drug
    >>> drug = load_drug()
    >>> drug.data.shape, drug.target_name, drug.sensitive.value_counts().to_dict()
    ((1885, 11), 'Cannabis', {'Male': 943, 'Female': 942})
    >>> X, Y, s = load_drug(target="all", sensitive="ethnicity", return_X_y=True)
    >>> Y.shape, s.value_counts().to_dict()
    ((1885, 18), {'White': 1720, 'Non-white': 165})
    """
    names = {d.lower(): d for d in DRUGS}
    key = str(target).lower()
    if key != "all" and key not in names:
        raise ValueError(
            f"unknown target={target!r}; choose 'all' or one of the drugs {', '.join(DRUGS)}"
        )
    check_option(sensitive, ("gender", "ethnicity"), "sensitive")
    raw = read_bundled_csv("drug_consumption.data", header=None, names=_DRUG_FILE_COLUMNS)
    features = raw[_DRUG_PERSON].drop(columns="ID").copy()
    features["Gender"] = _decode(features["Gender"], _DRUG_GENDER, "Gender")
    features["Ethnicity"] = _decode(features["Ethnicity"], _DRUG_ETHNICITY, "Ethnicity")
    features["Country"] = _decode(features["Country"], _DRUG_COUNTRY, "Country")
    users = raw[DRUGS].isin(_DRUG_USER_CLASSES).astype(np.int64)
    y = users if key == "all" else users[names[key]]
    if sensitive == "gender":
        s, sources = features["Gender"].rename("gender"), ["Gender"]
    else:
        s = features["Ethnicity"].where(features["Ethnicity"] == "White", "Non-white")
        s, sources = s.rename("ethnicity"), ["Ethnicity"]
    # The sensitive attribute the caller did not choose is an ordinary feature.
    other = "Ethnicity" if sensitive == "gender" else "Gender"
    features = features[[c for c in features.columns if c != other] + [other]]
    return make_bunch(
        features=features,
        target=y,
        sensitive=s,
        sensitive_sources=sources,
        include_sensitive=include_sensitive,
        descr=_DRUG_DESCR + _ATTRIBUTION.format(doi="doi:10.24432/C5TC7S"),
        return_X_y=return_X_y,
    )


# ------------------------------------------------------------------- Student

_STUDENT_DESCR = """Student performance data set
============================

Predict the final grade (0 to 20) of Portuguese secondary-school students in
mathematics or Portuguese from school reports and a questionnaire; collected
in 2005-2006 at two schools (Gabriel Pereira, GP, and Mousinho da Silveira,
MS) by Paulo Cortez and Alice Silva (2008).

- Rows: 395 students in mathematics (``course='mat'``) and 649 in Portuguese
  (``course='por'``, the default: more students give more reliable group
  statistics). Some students appear in both files; the files are not merged.
- Features: 30 attributes (school, sex, age, address, family, study time,
  failures, support, free time, alcohol use, health, absences, ...) minus the
  sensitive attribute; see student.txt on the UCI page for their coding.
- Target: ``G3``, the final grade (default, regression); ``G1`` and ``G2``
  (first- and second-period grades) can be chosen as targets instead.
- Earlier grades: ``include_prior_grades=False`` (default) leaves the grades
  of periods before the target out of the features. G2 alone predicts G3
  almost perfectly (Cortez and Silva report it), so the task becomes "copy
  the last grade" and any group difference in G3 is simply inherited from G2;
  without them the model must predict from the student's background, which
  is where the fairness questions of the book arise. Set it to True to
  reproduce the easier setting of the original paper.
- Sensitive attribute: ``sex`` (F, M; the default), ``address`` (U urban, R
  rural) or ``school`` (GP, MS).

Care needed: two schools in one region of Portugal in one year; small groups
(e.g. 197 rural students in Portuguese). A final grade of 0 often means the
student did not sit the final exam rather than a score of zero (38 students
in mathematics, 15 in Portuguese), which makes G3 a mixture of two
processes. The questionnaire includes alcohol consumption and family
details, which call for care in how results are presented.

Citation: Cortez, P. (2008). Student Performance. UCI Machine Learning
Repository. https://doi.org/10.24432/C5TG7T; Cortez, P. and Silva, A.
(2008). Using data mining to predict secondary school student performance.
Proceedings of 5th FUture BUsiness TEChnology Conference, 5-12.

"""


def load_student(
    *,
    course="por",
    target="G3",
    sensitive="sex",
    include_prior_grades=False,
    include_sensitive=False,
    return_X_y=False,
):
    """Load the Student performance data set (UCI, CC BY 4.0).

    Regression: predict a student's grade (0 to 20) in Portuguese or
    mathematics. By default the target is the final grade ``G3`` and the
    earlier grades ``G1`` and ``G2`` are **not** features (they make the task
    nearly trivial; ``DESCR`` explains the choice).

    Source: UCI Machine Learning Repository, doi:10.24432/C5TG7T, licensed
    under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/);
    Cortez and Silva (2008). ``DESCR`` gives the caveats.

    Parameters
    ----------
    course : {"por", "mat"}, default="por"
        Portuguese (649 students) or mathematics (395 students).
    target : {"G3", "G2", "G1"}, default="G3"
        The grade to predict: final, second or first period.
    sensitive : {"sex", "address", "school"}, default="sex"
        Sex (F, M), home address (U urban, R rural) or school (GP, MS).
    include_prior_grades : bool, default=False
        Use the grades of the periods before ``target`` as features (G1 and
        G2 for G3; G1 for G2).
    include_sensitive : bool, default=False
        Keep the sensitive column among the features.
    return_X_y : bool, default=False
        Return ``(X, y, s)`` instead of a Bunch.

    Returns
    -------
    bunch : sklearn.utils.Bunch
        With ``data``, ``target`` (int grades, name ``target``), ``sensitive``,
        ``feature_names``, ``target_name``, ``sensitive_name``, ``frame`` and
        ``DESCR``.
    (X, y, s) : tuple of DataFrame, Series, Series
        If ``return_X_y`` is true.

    Examples
    --------
    >>> from fairtutor.datasets import load_student
    >>> student = load_student()
    >>> student.data.shape, student.sensitive.value_counts().to_dict()
    ((649, 29), {'F': 383, 'M': 266})
    >>> X, y, s = load_student(course="mat", include_prior_grades=True, return_X_y=True)
    >>> X.shape, list(X.columns[-2:])
    ((395, 31), ['G1', 'G2'])
    """
    check_option(course, ("por", "mat"), "course")
    check_option(target, ("G3", "G2", "G1"), "target")
    check_option(sensitive, ("sex", "address", "school"), "sensitive")
    frame = read_bundled_csv(f"student-{course}.csv", sep=";")
    grades = ["G1", "G2", "G3"]
    earlier = grades[: grades.index(target)]
    y = frame[target].astype(np.int64)
    drop = [g for g in grades if g not in earlier] if include_prior_grades else grades
    features = frame.drop(columns=drop)
    return make_bunch(
        features=features,
        target=y,
        sensitive=frame[sensitive].rename(sensitive),
        sensitive_sources=[sensitive],
        include_sensitive=include_sensitive,
        descr=_STUDENT_DESCR + _ATTRIBUTION.format(doi="doi:10.24432/C5TG7T"),
        return_X_y=return_X_y,
    )
