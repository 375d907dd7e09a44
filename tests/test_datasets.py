"""Tests of fairtutor.datasets: the bundled loaders, the fetchers and the generators.

Row counts, group sizes and base rates are checked against the numbers the
data sets' documentation publishes (and PROVENANCE.md of the shared data).
"""

from __future__ import annotations

import gzip
import os
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fairtutor import datasets
from fairtutor.datasets import (
    _base,
    _fetch,
    fetch_compas,
    fetch_law_school,
    get_data_home,
    load_adult,
    load_communities_crime,
    load_drug,
    load_german,
    load_student,
    make_biased_classification,
    make_biased_regression,
    make_multitask_biased,
    make_preprocessor,
)

LOADERS = [load_adult, load_german, load_communities_crime, load_drug, load_student]
BUNCH_FIELDS = {
    "data",
    "target",
    "sensitive",
    "feature_names",
    "target_name",
    "sensitive_name",
    "frame",
    "DESCR",
}


# ------------------------------------------------------------- common contract


@pytest.mark.parametrize("loader", LOADERS, ids=lambda f: f.__name__)
def test_bunch_fields_and_consistency(loader):
    bunch = loader()
    assert BUNCH_FIELDS <= set(bunch)
    n = len(bunch.data)
    assert len(bunch.target) == len(bunch.sensitive) == n
    assert bunch.feature_names == list(bunch.data.columns)
    assert bunch.sensitive.name == bunch.sensitive_name
    assert bunch.sensitive_name not in bunch.data.columns
    assert not bunch.data.isna().any().any()
    assert not bunch.sensitive.isna().any()
    assert not np.asarray(pd.isna(bunch.target)).any()
    assert len(bunch.frame) == n
    assert set(bunch.data.columns) <= set(bunch.frame.columns)
    assert bunch.sensitive_name in bunch.frame.columns
    # The DESCR credits UCI and links the license.
    assert "creativecommons.org/licenses/by/4.0" in bunch.DESCR
    assert "doi.org/10.24432" in bunch.DESCR
    # The docstring carries the attribution too.
    assert "CC BY 4.0" in loader.__doc__


@pytest.mark.parametrize("loader", LOADERS, ids=lambda f: f.__name__)
def test_return_X_y_matches_bunch(loader):
    bunch = loader()
    X, y, s = loader(return_X_y=True)
    pd.testing.assert_frame_equal(X, bunch.data)
    pd.testing.assert_series_equal(y, bunch.target)
    pd.testing.assert_series_equal(s, bunch.sensitive)


@pytest.mark.parametrize("loader", LOADERS, ids=lambda f: f.__name__)
def test_bundled_load_is_fast(loader):
    loader()  # warm the imports and the file cache
    start = time.perf_counter()
    loader()
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"{loader.__name__} took {elapsed:.2f} s"


@pytest.mark.parametrize("loader", LOADERS, ids=lambda f: f.__name__)
def test_unknown_sensitive_raises(loader):
    with pytest.raises(ValueError, match="unknown sensitive='religion'"):
        loader(sensitive="religion")


@pytest.mark.parametrize("loader", LOADERS, ids=lambda f: f.__name__)
def test_preprocessor_gives_finite_standardized_features(loader):
    bunch = loader()
    pre = make_preprocessor(bunch).fit(bunch.data)
    Z = pre.transform(bunch.data)
    assert isinstance(Z, np.ndarray) and Z.shape[0] == len(bunch.data)
    assert np.isfinite(Z).all()
    numeric = pre.output_indices_.get("numeric", slice(0, 0))
    np.testing.assert_allclose(Z[:, numeric].mean(axis=0), 0.0, atol=1e-9)


# ----------------------------------------------------------------- per data set


def test_adult_published_counts():
    train, test = load_adult(split="train"), load_adult(split="test")
    assert len(train.data) == 30_162 and len(test.data) == 15_060
    both = load_adult(split="all")
    assert len(both.data) == 45_222
    assert both.split.value_counts().to_dict() == {"train": 30_162, "test": 15_060}
    assert train.data.shape[1] == 13  # 14 census attributes minus sex
    assert train.target_name == "income>50K"
    assert set(train.target.unique()) == {0, 1}
    # Published proportion of incomes above $50K after dropping '?': 24.9% / 24.6%.
    assert round(train.target.mean(), 3) == 0.249
    assert round(test.target.mean(), 3) == 0.246
    assert train.sensitive.value_counts().to_dict() == {"Male": 20_380, "Female": 9_782}
    race = load_adult(sensitive="race")
    assert race.sensitive.nunique() == 5 and "race" not in race.data.columns
    assert "sex" in race.data.columns
    assert "sex" in load_adult(include_sensitive=True).data.columns


def test_adult_split_errors_and_test_labels():
    with pytest.raises(ValueError, match="unknown split='validation'"):
        load_adult(split="validation")
    # The '.' that ends each label of adult.test is stripped: both classes present.
    assert set(load_adult(split="test").target.unique()) == {0, 1}


def test_german_counts_and_sensitive_sources():
    german = load_german()
    assert german.data.shape == (1_000, 19)
    assert german.target.sum() == 700  # 700 good, 300 bad
    assert german.sensitive.value_counts().to_dict() == {"Male": 690, "Female": 310}
    assert "personal_status" not in german.data.columns  # it encodes sex exactly
    assert "personal_status" in load_german(include_sensitive=True).data.columns
    by_age = load_german(sensitive="age")
    assert by_age.sensitive.value_counts().to_dict() == {">25": 810, "<=25": 190}
    assert "age" not in by_age.data.columns and "personal_status" in by_age.data.columns


def test_communities_crime_columns_and_groups():
    cc = load_communities_crime()
    assert len(cc.data) == 1_994
    # 128 columns - 5 identifiers - 23 with missing values - target - racepctblack
    assert cc.data.shape[1] == 98
    for dropped in [
        "state",
        "county",
        "community",
        "communityname",
        "fold",
        "LemasSwornFT",
        "OtherPerCap",
        "racepctblack",
        "ViolentCrimesPerPop",
    ]:
        assert dropped not in cc.data.columns
    assert cc.target_name == "ViolentCrimesPerPop"
    assert cc.target.between(0, 1).all()
    assert cc.sensitive.value_counts().to_dict() == {"low": 1_024, "high": 970}
    assert cc.target[cc.sensitive == "high"].mean() > cc.target[cc.sensitive == "low"].mean()
    quartile = load_communities_crime(sensitive="racepctblack_quartile")
    assert sorted(quartile.sensitive.unique()) == ["Q1", "Q2", "Q3", "Q4"]
    share = load_communities_crime(include_sensitive=True).data["racepctblack"]
    medians = share.groupby(quartile.sensitive).median()
    assert medians.is_monotonic_increasing


def test_drug_single_and_multitask_targets():
    drug = load_drug()
    assert drug.data.shape == (1_885, 11)
    assert drug.target_name == "Cannabis"
    assert drug.sensitive.value_counts().to_dict() == {"Male": 943, "Female": 942}
    assert "Gender" not in drug.data.columns and "Ethnicity" in drug.data.columns
    # Documented class counts for cannabis: CL3..CL6 = 211 + 140 + 185 + 463.
    assert drug.target.sum() == 211 + 140 + 185 + 463
    assert load_drug(target="cannabis").target.equals(drug.target)  # case-insensitive
    multi = load_drug(target="all", sensitive="ethnicity")
    assert multi.target.shape == (1_885, 18)
    assert "Semer" not in multi.target.columns  # the fictitious drug
    assert multi.target_name == list(multi.target.columns)
    assert set(np.unique(multi.target.to_numpy())) == {0, 1}
    assert multi.sensitive.value_counts().to_dict() == {"White": 1_720, "Non-white": 165}
    assert multi.frame.shape == (1_885, 11 + 1 + 18)
    assert sorted(drug.data["Country"].unique())[:2] == ["Australia", "Canada"]


def test_numbers_quoted_in_descr():
    # Over-claimers: respondents who report using the fictitious drug Semeron.
    raw = _base.read_bundled_csv("drug_consumption.data", header=None)
    assert (raw[30] != "CL0").sum() == 8 and "8 respondents" in load_drug().DESCR
    # Final grades of 0 (students who missed the final exam).
    descr = load_student().DESCR
    assert (load_student(course="mat").target == 0).sum() == 38 and "38 students" in descr
    assert (load_student(course="por").target == 0).sum() == 15 and "15 in Portuguese" in descr
    # The 22 LEMAS police columns, each with 1,675 missing values.
    names = datasets._real._communities_columns()
    cc = _base.read_bundled_csv("communities.data", header=None, names=names, na_values="?")
    missing = cc.isna().sum()
    lemas = missing[missing == 1_675]
    assert len(lemas) == 22 and "22 LEMAS" in load_communities_crime().DESCR
    assert len(missing[missing > 0].drop(["county", "community"])) == 23


def test_drug_unknown_target():
    with pytest.raises(ValueError, match="unknown target='Semer'"):
        load_drug(target="Semer")


def test_student_courses_and_prior_grades():
    por, mat = load_student(), load_student(course="mat")
    assert por.data.shape == (649, 29) and mat.data.shape == (395, 29)
    assert por.target_name == "G3" and por.target.between(0, 20).all()
    assert not {"G1", "G2", "G3"} & set(por.data.columns)
    assert por.sensitive.value_counts().to_dict() == {"F": 383, "M": 266}
    with_grades = load_student(include_prior_grades=True)
    assert {"G1", "G2"} <= set(with_grades.data.columns) and "G3" not in with_grades.data
    g2 = load_student(target="G2", include_prior_grades=True)
    assert "G1" in g2.data.columns and "G2" not in g2.data.columns
    assert load_student(sensitive="address").sensitive.value_counts().to_dict() == {
        "U": 452,
        "R": 197,
    }
    assert "G1" in load_student(target="G3", include_prior_grades=True).DESCR
    with pytest.raises(ValueError, match="unknown course='bio'"):
        load_student(course="bio")
    with pytest.raises(ValueError, match="unknown target='G4'"):
        load_student(target="G4")


def test_make_preprocessor_rejects_bad_input():
    with pytest.raises(ValueError, match="make_preprocessor needs"):
        make_preprocessor(np.zeros((3, 2)))


def test_preprocessor_fitted_on_train_only_handles_unseen_categories():
    train, test = load_adult(split="train"), load_adult(split="test")
    pre = make_preprocessor(train).fit(train.data)
    Z = pre.transform(test.data)
    assert Z.shape[1] == pre.transform(train.data.iloc[:5]).shape[1]
    assert np.isfinite(Z).all()


# ------------------------------------------------------------ corrupt / missing


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A private copy of the bundled data folder that a test may damage."""
    copy = tmp_path / "data"
    shutil.copytree(_base.DATA_DIR, copy)
    monkeypatch.setattr(_base, "DATA_DIR", copy)
    return copy


def test_corrupt_gzip_names_the_file(data_copy):
    path = data_copy / "german.data.gz"
    path.write_bytes(path.read_bytes()[:500])  # truncated download
    with pytest.raises(ValueError, match=r"german\.data\.gz is corrupt"):
        load_german()


def test_changed_content_fails_the_checksum(data_copy):
    path = data_copy / "student-por.csv.gz"
    text = gzip.decompress(path.read_bytes()).replace(b'"F"', b'"M"', 1)
    path.write_bytes(gzip.compress(text))  # a valid gzip file with altered data
    with pytest.raises(ValueError, match=r"student-por\.csv\.gz is corrupt.*SHA-256"):
        load_student()


def test_missing_file_names_the_file(data_copy):
    (data_copy / "drug_consumption.data.gz").unlink()
    with pytest.raises(FileNotFoundError, match=r"drug_consumption\.data\.gz is missing"):
        load_drug()


def test_sha256sums_file_agrees_with_the_loaders():
    listed = dict(
        line.split()[::-1] for line in (_base.DATA_DIR / "SHA256SUMS").read_text().splitlines()
    )
    assert listed == _base.BUNDLED_SHA256
    assert sorted(p.name for p in _base.DATA_DIR.glob("*.gz")) == sorted(
        f"{name}.gz" for name in _base.BUNDLED_SHA256
    )


def test_all_public_names_exported():
    for name in [
        "load_adult",
        "load_german",
        "load_communities_crime",
        "load_drug",
        "load_student",
        "fetch_compas",
        "fetch_law_school",
        "get_data_home",
        "make_preprocessor",
        "make_biased_classification",
        "make_biased_regression",
        "make_multitask_biased",
    ]:
        assert name in datasets.__all__ and callable(getattr(datasets, name))


# -------------------------------------------------------------------- fetchers


def _shared_data():
    """The shared raw-data folder: a sibling of the repository root (CI) or /work/shared."""
    candidates = [
        Path(__file__).resolve().parents[2] / "shared" / "data",
        Path("/work/shared/data"),
    ]
    for folder in candidates:
        if (folder / "compas" / "compas-scores-two-years.csv").is_file() and (
            folder / "law_school" / "law_data.csv"
        ).is_file():
            return folder
    return None


SHARED = _shared_data()
needs_shared = pytest.mark.skipif(SHARED is None, reason="shared raw data folder not found")
IDENTIFYING = {
    "id",
    "name",
    "first",
    "last",
    "dob",
    "c_case_number",
    "r_case_number",
    "vr_case_number",
    "compas_screening_date",
    "c_offense_date",
    "c_arrest_date",
}


@needs_shared
def test_fetch_compas_standard_filter_without_identifiers():
    compas = fetch_compas(data_home=SHARED, download_if_missing=False)
    assert BUNCH_FIELDS <= set(compas)
    assert len(compas.data) == len(compas.target) == len(compas.sensitive) == 6_172
    assert not IDENTIFYING & set(compas.frame.columns)
    assert not IDENTIFYING & set(compas.scores.columns)
    assert compas.target_name == "two_year_recid"
    assert compas.sensitive.value_counts().to_dict() == {
        "African-American": 3_175,
        "Caucasian": 2_103,
        "Hispanic": 509,
        "Other": 343,
        "Asian": 31,
        "Native American": 11,
    }
    # ProPublica: 45.5% of the 6,172 defendants recidivated within two years.
    assert round(compas.target.mean(), 3) == 0.455
    assert set(compas.scores["score_text"]) == {"Low", "Medium", "High"}
    assert compas.scores["decile_score"].between(1, 10).all()
    assert not compas.data.isna().any().any()
    assert "race" not in compas.data.columns and "sex" in compas.data.columns


@needs_shared
def test_fetch_compas_options():
    X, y, s = fetch_compas(
        data_home=SHARED,
        download_if_missing=False,
        sensitive="sex",
        races=("African-American", "Caucasian"),
        return_X_y=True,
    )
    assert len(X) == 3_175 + 2_103 and "race" in X.columns and "sex" not in X.columns
    assert s.value_counts().sum() == len(y)
    with pytest.raises(ValueError, match="races must name at least two"):
        fetch_compas(data_home=SHARED, download_if_missing=False, races=("Martian", "Caucasian"))
    with pytest.raises(ValueError, match="unknown sensitive='age'"):
        fetch_compas(data_home=SHARED, download_if_missing=False, sensitive="age")


@needs_shared
def test_fetch_law_school_kusner_version():
    law = fetch_law_school(data_home=SHARED, download_if_missing=False)
    assert law.data.shape == (21_790, 4)  # the region 'PO' row dropped, as Kusner et al.
    assert law.feature_names == ["LSAT", "UGPA", "region_first", "sex"]
    assert law.target_name == "ZFYA"
    assert law.sensitive.value_counts()["White"] == 18_284
    assert law.sensitive.nunique() == 8
    assert {"sander_index", "first_pf"} <= set(law.frame.columns)
    assert set(law.data["sex"]) == {"Female", "Male"}
    passed = fetch_law_school(
        data_home=SHARED,
        download_if_missing=False,
        target="first_pf",
        sensitive="sex",
        races=("White", "Black"),
    )
    assert set(passed.target.unique()) == {0, 1}
    assert len(passed.target) == 18_284 + 1_282
    raw = pd.read_csv(SHARED / "law_school" / "law_data.csv")
    raw = raw[raw["race"].isin(["White", "Black"]) & (raw["region_first"] != "PO")]
    expected = raw["sex"].map({1: "Female", 2: "Male"}).value_counts().to_dict()
    assert passed.sensitive.value_counts().to_dict() == expected
    with pytest.raises(ValueError, match="unknown target='LSAT'"):
        fetch_law_school(data_home=SHARED, download_if_missing=False, target="LSAT")


@pytest.mark.parametrize(
    "fetch, relative",
    [
        (fetch_compas, "compas/compas-scores-two-years.csv"),
        (fetch_law_school, "law_school/law_data.csv"),
    ],
    ids=["compas", "law_school"],
)
def test_fetch_absent_file_with_downloading_off(fetch, relative, tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        fetch(data_home=tmp_path, download_if_missing=False)
    message = str(info.value)
    assert str(tmp_path / relative) in message and "download" in message
    assert "https://" in message and "FAIRTUTOR_DATA" in message
    assert not (tmp_path / relative).exists()


def test_data_home_resolution(tmp_path, monkeypatch):
    monkeypatch.setenv("FAIRTUTOR_DATA", str(tmp_path))
    assert get_data_home() == tmp_path
    assert get_data_home(tmp_path / "other") == tmp_path / "other"
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "compas")):
        fetch_compas(download_if_missing=False)
    monkeypatch.delenv("FAIRTUTOR_DATA")
    assert get_data_home() == Path.home() / "fairtutor_data"


@needs_shared
def test_fetch_corrupt_file_names_it(tmp_path):
    target = tmp_path / "compas" / "compas-scores-two-years.csv"
    target.parent.mkdir()
    content = (SHARED / "compas" / "compas-scores-two-years.csv").read_bytes()
    target.write_bytes(content[: len(content) // 2])
    with pytest.raises(ValueError, match=r"compas-scores-two-years\.csv is corrupt"):
        fetch_compas(data_home=tmp_path, download_if_missing=False)


@needs_shared
def test_fetch_downloads_into_the_data_home(tmp_path, monkeypatch):
    # A file:// URL exercises the download path without any network access.
    source = (SHARED / "law_school" / "law_data.csv").as_uri()
    monkeypatch.setattr(_fetch, "LAW_URL", source)
    law = fetch_law_school(data_home=tmp_path, download_if_missing=True)
    assert len(law.data) == 21_790
    assert (tmp_path / "law_school" / "law_data.csv").is_file()
    assert os.listdir(tmp_path / "law_school") == ["law_data.csv"]  # no partial file left


@needs_shared
def test_fetch_rejects_a_changed_download(tmp_path, monkeypatch):
    changed = tmp_path / "changed.csv"
    changed.write_bytes((SHARED / "law_school" / "law_data.csv").read_bytes() + b"\n")
    monkeypatch.setattr(_fetch, "LAW_URL", changed.as_uri())
    home = tmp_path / "home"
    with pytest.raises(ValueError, match="the public copy has changed"):
        fetch_law_school(data_home=home, download_if_missing=True)
    assert not (home / "law_school").exists()  # no empty folder left behind


def test_fetch_download_failure_explains(tmp_path, monkeypatch):
    monkeypatch.setattr(_fetch, "COMPAS_URL", (tmp_path / "nowhere.csv").as_uri())
    with pytest.raises(OSError, match="could not download"):
        fetch_compas(data_home=tmp_path / "home", download_if_missing=True)


# ------------------------------------------------------------------- synthetic


def test_make_biased_regression_group_laws():
    X, y, s = make_biased_regression(
        40_000, mean_shift=1.5, scale_ratio=3.0, noise=0.0, random_state=1
    )
    assert X.shape == (40_000, 4) and y.shape == s.shape == (40_000,)
    np.testing.assert_allclose(y[s == 0].mean(), 0.0, atol=0.03)
    np.testing.assert_allclose(y[s == 1].mean(), 1.5, atol=0.05)
    np.testing.assert_allclose(y[s == 1].std() / y[s == 0].std(), 3.0, rtol=0.03)
    # The first feature is the proxy of the group.
    assert X[s == 1, 0].mean() - X[s == 0, 0].mean() > 0.9


def test_make_biased_regression_three_groups_and_determinism():
    a = make_biased_regression(300, group_weights=(1, 1, 1), random_state=5)
    b = make_biased_regression(300, group_weights=(1, 1, 1), random_state=5)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert set(np.unique(a[2])) == {0, 1, 2}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"scale_ratio": 0.0}, "scale_ratio must be positive"),
        ({"noise": -1.0}, "noise must be non-negative"),
        ({"n_samples": 0}, "n_samples must be a positive integer"),
        ({"group_weights": (1.0,)}, "at least two entries"),
    ],
)
def test_make_biased_regression_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_biased_regression(**kwargs)


def test_make_multitask_biased_shapes_gaps_and_leakage():
    X, Y, s = make_multitask_biased(5_000, n_features=8, n_tasks=4, random_state=0)
    assert X.shape == (5_000, 8) and Y.shape == (5_000, 4) and s.shape == (5_000,)
    assert set(np.unique(Y)) == {0, 1}
    gaps = Y[s == 1].mean(axis=0) - Y[s == 0].mean(axis=0)
    assert (gaps > 0.1).all()
    # Without leakage the gaps vanish up to sampling noise.
    _, Y0, s0 = make_multitask_biased(5_000, n_features=8, n_tasks=4, leakage=0.0, random_state=0)
    assert np.abs(Y0[s0 == 1].mean(axis=0) - Y0[s0 == 0].mean(axis=0)).max() < 0.05
    # Identical tasks when task_similarity = 1 (labels differ only by sampling).
    _, Y1, _ = make_multitask_biased(5_000, task_similarity=1.0, random_state=0)
    corr = np.corrcoef(Y1.T)
    assert corr[np.triu_indices(3, 1)].min() > 0.3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"task_similarity": 1.5}, "task_similarity must lie in"),
        ({"n_tasks": 0}, "n_tasks must be a positive integer"),
        ({"noise": -0.1}, "noise must be non-negative"),
    ],
)
def test_make_multitask_biased_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_multitask_biased(**kwargs)


def test_make_biased_classification_is_unchanged():
    X, y, s = make_biased_classification(500, random_state=0)
    assert X.shape == (500, 4)
    assert y[s == 0].mean() > y[s == 1].mean()


def test_adult_train_and_test_concatenate_like_all():
    # Each split is indexed from 0 (documented); split="all" is their concatenation.
    train = load_adult(split="train")
    test = load_adult(split="test")
    both = pd.concat([train.frame, test.frame], ignore_index=True)
    pd.testing.assert_frame_equal(both, load_adult(split="all").frame)


def test_fetchers_check_races_before_reading_and_leave_no_empty_folder(tmp_path, monkeypatch):
    import urllib.request

    from fairtutor.datasets import fetch_compas, fetch_law_school

    with pytest.raises(ValueError, match="at least two distinct races"):
        fetch_compas(data_home=tmp_path / "none", races=["Caucasian"])
    with pytest.raises(ValueError, match="list of at least two race names"):
        fetch_law_school(data_home=tmp_path / "none", races="White")

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    home = tmp_path / "home"
    with pytest.raises(OSError, match="could not download"):
        fetch_compas(data_home=home)
    with pytest.raises(OSError, match="could not download"):
        fetch_law_school(data_home=home)
    assert not home.exists()
