"""fairtutor.metrics: agreement with fairlearn, and clear errors on bad input."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import fairlearn.metrics as flm

from fairtutor import metrics

PAIRS = [
    ("demographic_parity_difference", flm.demographic_parity_difference),
    ("equal_opportunity_difference", flm.equal_opportunity_difference),
    ("equalized_odds_difference", flm.equalized_odds_difference),
]


def random_problem(seed, n=300, n_groups=3):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 2, n)
    y_pred = rng.integers(0, 2, n)
    groups = rng.choice(np.array(["a", "b", "c", "d"])[:n_groups], n)
    # Make sure each group has both labels, so every rate is defined.
    for i, g in enumerate(np.unique(groups)):
        idx = np.flatnonzero(groups == g)
        y_true[idx[0]], y_true[idx[1]] = 0, 1
    return y_true, y_pred, groups


@pytest.mark.parametrize("name,reference", PAIRS)
@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("n_groups", [2, 3, 4])
def test_equals_fairlearn(name, reference, seed, n_groups):
    y_true, y_pred, groups = random_problem(seed, n_groups=n_groups)
    ours = getattr(metrics, name)(y_true, y_pred, sensitive_features=groups)
    theirs = reference(y_true, y_pred, sensitive_features=groups)
    assert abs(ours - theirs) <= 1e-12


def test_selection_rate_equals_fairlearn():
    y_true, y_pred, _ = random_problem(0)
    assert abs(metrics.selection_rate(y_true, y_pred) - flm.selection_rate(y_true, y_pred)) <= 1e-12


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_equals_fairlearn_property(data):
    n = data.draw(st.integers(8, 60))
    y_true = np.array(data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    y_pred = np.array(data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    groups = np.array(data.draw(st.lists(st.sampled_from([0, 1, 2]), min_size=n, max_size=n)))
    if np.unique(groups).size < 2:
        return
    dp = metrics.demographic_parity_difference(y_true, y_pred, sensitive_features=groups)
    assert abs(dp - flm.demographic_parity_difference(
        y_true, y_pred, sensitive_features=groups)) <= 1e-12
    has_pos = all(y_true[groups == g].sum() > 0 for g in np.unique(groups))
    if has_pos:
        deo = metrics.equal_opportunity_difference(y_true, y_pred, sensitive_features=groups)
        assert abs(deo - flm.equal_opportunity_difference(
            y_true, y_pred, sensitive_features=groups)) <= 1e-12


def test_accepts_lists_series_and_other_labels():
    y_true, y_pred, groups = random_problem(1)
    expected = metrics.equal_opportunity_difference(y_true, y_pred, sensitive_features=groups)
    as_lists = metrics.equal_opportunity_difference(
        list(y_true), list(y_pred), sensitive_features=list(groups))
    as_series = metrics.equal_opportunity_difference(
        pd.Series(y_true), pd.Series(y_pred), sensitive_features=pd.Series(groups, name="g"))
    signed = metrics.equal_opportunity_difference(
        2 * y_true - 1, 2 * y_pred - 1, sensitive_features=groups)
    as_bool = metrics.equal_opportunity_difference(
        y_true.astype(bool), y_pred.astype(bool), sensitive_features=groups)
    assert expected == as_lists == as_series == signed == as_bool


def test_string_labels_with_pos_label():
    y_true = np.array(["yes", "no", "yes", "yes", "no", "yes"])
    y_pred = np.array(["yes", "no", "no", "yes", "yes", "yes"])
    groups = ["a", "a", "a", "b", "b", "b"]
    deo = metrics.equal_opportunity_difference(y_true, y_pred, sensitive_features=groups,
                                               pos_label="yes")
    assert deo == pytest.approx(0.5)


def test_group_report_rows_and_values():
    y_true, y_pred, groups = random_problem(2)
    report = metrics.group_report(y_true, y_pred, sensitive_features=groups)
    assert list(report.columns) == ["size", "base_rate", "selection_rate", "tpr", "fpr", "accuracy"]
    assert report["size"].sum() == len(y_true)
    frame = flm.MetricFrame(
        metrics={"selection_rate": flm.selection_rate, "tpr": flm.true_positive_rate,
                 "fpr": flm.false_positive_rate},
        y_true=y_true, y_pred=y_pred, sensitive_features=groups)
    for column in ["selection_rate", "tpr", "fpr"]:
        np.testing.assert_allclose(report[column].to_numpy(),
                                   frame.by_group[column].to_numpy(), atol=1e-12)
    assert report["tpr"].max() - report["tpr"].min() == pytest.approx(
        metrics.equal_opportunity_difference(y_true, y_pred, sensitive_features=groups))


def test_group_report_marks_undefined_rates_as_nan():
    report = metrics.group_report([1, 1, 0, 0], [1, 0, 0, 1], sensitive_features=[0, 0, 1, 1])
    assert np.isnan(report.loc[1, "tpr"]) and np.isnan(report.loc[0, "fpr"])


BAD = {
    "lengths differ": (([1, 0, 1], [1, 0], [0, 0, 1]), "different lengths"),
    "groups length": (([1, 0, 1], [1, 0, 1], [0, 1]), "different lengths"),
    "one group": (([1, 0, 1], [1, 0, 1], [0, 0, 0]), "at least 2"),
    "nan in y_pred": (([1, 0, 1], [1.0, np.nan, 1.0], [0, 1, 1]), "NaN"),
    "nan in groups": (([1, 0, 1], [1, 0, 1], [0.0, np.nan, 1.0]), "NaN"),
    "not binary": (([1, 0, 1], [1, 2, 0], [0, 1, 1]), "binary"),
    "continuous scores": (([1, 0, 1], [0.2, 0.7, 0.9], [0, 1, 1]), "binary"),
}


@pytest.mark.parametrize("name", [p[0] for p in PAIRS] + ["group_report"])
@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_raises_clear_error(name, case):
    (y_true, y_pred, groups), message = BAD[case]
    with pytest.raises(ValueError, match=message):
        getattr(metrics, name)(y_true, y_pred, sensitive_features=groups)


@pytest.mark.parametrize("name", ["equal_opportunity_difference", "equalized_odds_difference"])
def test_group_without_positives_is_named(name):
    with pytest.raises(ValueError, match=r"group\(s\) b have no positive labels"):
        getattr(metrics, name)([1, 0, 0, 0], [1, 0, 1, 0], sensitive_features=list("aabb"))


def test_group_without_negatives_for_equalized_odds():
    with pytest.raises(ValueError, match="no negative labels"):
        metrics.equalized_odds_difference([1, 0, 1, 1], [1, 0, 1, 0],
                                          sensitive_features=list("aabb"))


def test_unknown_pos_label():
    with pytest.raises(ValueError, match="pos_label"):
        metrics.demographic_parity_difference([0, 1], [0, 1], sensitive_features=[0, 1],
                                              pos_label="yes")


def test_empty_input():
    with pytest.raises(ValueError, match="empty"):
        metrics.selection_rate([], [])
