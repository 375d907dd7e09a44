"""Tests of fairtutor.datasets: the bundled loaders, the fetchers and the generators.

Row counts, group sizes and base rates are checked against the numbers the
data sets' documentation publishes (and PROVENANCE.md of the shared data).
"""

from __future__ import annotations

import gzip
import shutil
import time

import numpy as np
import pandas as pd
import pytest

from fairtutor import datasets
from fairtutor.datasets import (
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
from fairtutor.datasets import _base

LOADERS = [load_adult, load_german, load_communities_crime, load_drug, load_student]
BUNCH_FIELDS = {"data", "target", "sensitive", "feature_names", "target_name",
                "sensitive_name", "frame", "DESCR"}


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
    for dropped in ["state", "county", "community", "communityname", "fold",
                    "LemasSwornFT", "OtherPerCap", "racepctblack", "ViolentCrimesPerPop"]:
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
        "U": 452, "R": 197}
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
    listed = dict(line.split()[::-1] for line in
                  (_base.DATA_DIR / "SHA256SUMS").read_text().splitlines())
    assert listed == _base.BUNDLED_SHA256
    assert sorted(p.name for p in _base.DATA_DIR.glob("*.gz")) == sorted(
        f"{name}.gz" for name in _base.BUNDLED_SHA256)


def test_all_public_names_exported():
    for name in ["load_adult", "load_german", "load_communities_crime", "load_drug",
                 "load_student", "make_preprocessor", "make_biased_classification",
                 "make_biased_regression", "make_multitask_biased"]:
        assert name in datasets.__all__ and callable(getattr(datasets, name))


# ------------------------------------------------------------------- synthetic

def test_make_biased_regression_group_laws():
    X, y, s = make_biased_regression(40_000, mean_shift=1.5, scale_ratio=3.0, noise=0.0,
                                     random_state=1)
    assert X.shape == (40_000, 4) and y.shape == s.shape == (40_000,)
    np.testing.assert_allclose(y[s == 0].mean(), 0.0, atol=0.03)
    np.testing.assert_allclose(y[s == 1].mean(), 1.5, atol=0.05)
    np.testing.assert_allclose(y[s == 1].std() / y[s == 0].std(), 3.0, rtol=0.03)
    # The first feature is the proxy of the group.
    assert X[s == 1, 0].mean() - X[s == 0, 0].mean() > 0.9


def test_make_biased_regression_three_groups_and_determinism():
    a = make_biased_regression(300, group_weights=(1, 1, 1), random_state=5)
    b = make_biased_regression(300, group_weights=(1, 1, 1), random_state=5)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert set(np.unique(a[2])) == {0, 1, 2}


@pytest.mark.parametrize("kwargs, message", [
    ({"scale_ratio": 0.0}, "scale_ratio must be positive"),
    ({"noise": -1.0}, "noise must be non-negative"),
    ({"n_samples": 0}, "n_samples must be a positive integer"),
    ({"group_weights": (1.0,)}, "at least two entries"),
])
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
    _, Y0, s0 = make_multitask_biased(5_000, n_features=8, n_tasks=4, leakage=0.0,
                                      random_state=0)
    assert np.abs(Y0[s0 == 1].mean(axis=0) - Y0[s0 == 0].mean(axis=0)).max() < 0.05
    # Identical tasks when task_similarity = 1 (labels differ only by sampling).
    _, Y1, _ = make_multitask_biased(5_000, task_similarity=1.0, random_state=0)
    corr = np.corrcoef(Y1.T)
    assert corr[np.triu_indices(3, 1)].min() > 0.3


@pytest.mark.parametrize("kwargs, message", [
    ({"task_similarity": 1.5}, "task_similarity must lie in"),
    ({"n_tasks": 0}, "n_tasks must be a positive integer"),
    ({"noise": -0.1}, "noise must be non-negative"),
])
def test_make_multitask_biased_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_multitask_biased(**kwargs)


def test_make_biased_classification_is_unchanged():
    X, y, s = make_biased_classification(500, random_state=0)
    assert X.shape == (500, 4)
    assert y[s == 0].mean() > y[s == 1].mean()
