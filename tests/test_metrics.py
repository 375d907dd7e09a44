"""fairtutor.metrics: agreement with fairlearn, and clear errors on bad input."""

import fairlearn.metrics as flm
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score

from fairtutor import metrics
from fairtutor._validation import PositiveLabelWarning, SmallGroupWarning

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
    for g in np.unique(groups):
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
    assert (
        abs(dp - flm.demographic_parity_difference(y_true, y_pred, sensitive_features=groups))
        <= 1e-12
    )
    has_pos = all(y_true[groups == g].sum() > 0 for g in np.unique(groups))
    if has_pos:
        deo = metrics.equal_opportunity_difference(y_true, y_pred, sensitive_features=groups)
        assert (
            abs(deo - flm.equal_opportunity_difference(y_true, y_pred, sensitive_features=groups))
            <= 1e-12
        )


def test_accepts_lists_series_and_other_labels():
    y_true, y_pred, groups = random_problem(1)
    expected = metrics.equal_opportunity_difference(y_true, y_pred, sensitive_features=groups)
    as_lists = metrics.equal_opportunity_difference(
        list(y_true), list(y_pred), sensitive_features=list(groups)
    )
    as_series = metrics.equal_opportunity_difference(
        pd.Series(y_true), pd.Series(y_pred), sensitive_features=pd.Series(groups, name="g")
    )
    signed = metrics.equal_opportunity_difference(
        2 * y_true - 1, 2 * y_pred - 1, sensitive_features=groups
    )
    as_bool = metrics.equal_opportunity_difference(
        y_true.astype(bool), y_pred.astype(bool), sensitive_features=groups
    )
    assert expected == as_lists == as_series == signed == as_bool


def test_string_labels_with_pos_label():
    y_true = np.array(["yes", "no", "yes", "yes", "no", "yes"])
    y_pred = np.array(["yes", "no", "no", "yes", "yes", "yes"])
    groups = ["a", "a", "a", "b", "b", "b"]
    deo = metrics.equal_opportunity_difference(
        y_true, y_pred, sensitive_features=groups, pos_label="yes"
    )
    assert deo == pytest.approx(0.5)


def test_group_report_rows_and_values():
    y_true, y_pred, groups = random_problem(2)
    report = metrics.group_report(y_true, y_pred, sensitive_features=groups)
    assert list(report.columns) == ["size", "base_rate", "selection_rate", "tpr", "fpr", "accuracy"]
    assert report["size"].sum() == len(y_true)
    frame = flm.MetricFrame(
        metrics={
            "selection_rate": flm.selection_rate,
            "tpr": flm.true_positive_rate,
            "fpr": flm.false_positive_rate,
        },
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=groups,
    )
    for column in ["selection_rate", "tpr", "fpr"]:
        np.testing.assert_allclose(
            report[column].to_numpy(), frame.by_group[column].to_numpy(), atol=1e-12
        )
    assert report["tpr"].max() - report["tpr"].min() == pytest.approx(
        metrics.equal_opportunity_difference(y_true, y_pred, sensitive_features=groups)
    )


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
        metrics.equalized_odds_difference(
            [1, 0, 1, 1], [1, 0, 1, 0], sensitive_features=list("aabb")
        )


def test_unknown_pos_label():
    with pytest.raises(ValueError, match="pos_label"):
        metrics.demographic_parity_difference(
            [0, 1], [0, 1], sensitive_features=[0, 1], pos_label="yes"
        )


def test_empty_input():
    with pytest.raises(ValueError, match="empty"):
        metrics.selection_rate([], [])


# ---------------------------------------------------------------- sample_weight
WEIGHTED = PAIRS + [("selection_rate", flm.selection_rate)]


@pytest.mark.parametrize("name,reference", WEIGHTED)
@pytest.mark.parametrize("seed", range(3))
def test_weighted_metrics_equal_fairlearn(name, reference, seed):
    y_true, y_pred, groups = random_problem(seed, n_groups=3)
    weights = np.random.default_rng(100 + seed).exponential(size=y_true.size)
    kwargs = {} if name == "selection_rate" else {"sensitive_features": groups}
    ours = getattr(metrics, name)(y_true, y_pred, sample_weight=weights, **kwargs)
    theirs = reference(y_true, y_pred, sample_weight=weights, **kwargs)
    assert abs(ours - theirs) <= 1e-12
    # and the weights matter: the unweighted value differs
    assert ours != getattr(metrics, name)(y_true, y_pred, **kwargs)


def test_weighted_group_report_equals_fairlearn_metric_frame():
    y_true, y_pred, groups = random_problem(7, n_groups=3)
    weights = np.random.default_rng(7).exponential(size=y_true.size)
    report = metrics.group_report(y_true, y_pred, sensitive_features=groups, sample_weight=weights)
    frame = flm.MetricFrame(
        metrics={
            "selection_rate": flm.selection_rate,
            "tpr": flm.true_positive_rate,
            "fpr": flm.false_positive_rate,
            "accuracy": accuracy_score,
        },
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=groups,
        sample_params={
            name: {"sample_weight": weights}
            for name in ("selection_rate", "tpr", "fpr", "accuracy")
        },
    )
    for column in ("selection_rate", "tpr", "fpr", "accuracy"):
        np.testing.assert_allclose(
            report[column].to_numpy(), frame.by_group[column].to_numpy(), rtol=0, atol=1e-12
        )
    assert report["size"].tolist() == [int((groups == g).sum()) for g in "abc"]


def test_integer_weights_equal_repeated_rows():
    y_true, y_pred, groups = random_problem(3)
    counts = np.random.default_rng(3).integers(0, 4, y_true.size)
    counts[:6] = 1  # keep the rows that give every group both labels
    for name, _ in PAIRS:
        weighted = getattr(metrics, name)(
            y_true, y_pred, sensitive_features=groups, sample_weight=counts
        )
        repeated = getattr(metrics, name)(
            np.repeat(y_true, counts),
            np.repeat(y_pred, counts),
            sensitive_features=np.repeat(groups, counts),
        )
        assert abs(weighted - repeated) <= 1e-12


@pytest.mark.parametrize(
    "weights,message",
    [
        ([1.0, 2.0], "sample_weight has 2 entries"),
        ([1.0, -1.0, 1.0, 1.0], "negative"),
        ([1.0, np.inf, 1.0, 1.0], "infinite"),
        ([0.0, 0.0, 0.0, 0.0], "sums to zero"),
    ],
)
def test_bad_sample_weight(weights, message):
    with pytest.raises(ValueError, match=message):
        metrics.demographic_parity_difference(
            [1, 0, 1, 0], [1, 0, 0, 1], sensitive_features=list("aabb"), sample_weight=weights
        )


# ---------------------------------------------------------------- pos_label
def test_labels_one_two_take_the_larger_as_positive_and_say_so():
    y_true = np.array([2, 2, 1, 2, 2, 1])
    y_pred = np.array([2, 2, 1, 2, 1, 1])
    group = list("aaabbb")
    with pytest.warns(PositiveLabelWarning, match="taking the larger, 2"):
        default = metrics.equal_opportunity_difference(y_true, y_pred, sensitive_features=group)
    explicit = metrics.equal_opportunity_difference(
        y_true, y_pred, sensitive_features=group, pos_label=2
    )
    assert default == explicit == 0.5
    # pos_label=1 measures the other rate: TPR of label 1 is 1 in both groups
    assert (
        metrics.equal_opportunity_difference(y_true, y_pred, sensitive_features=group, pos_label=1)
        == 0.0
    )


def test_string_labels_need_pos_label_to_be_explicit():
    y_true = np.array(["low", "high", "high", "low", "high", "high"])
    y_pred = np.array(["low", "high", "low", "low", "high", "high"])
    group = list("aaabbb")
    zero_one = metrics.equal_opportunity_difference(
        (y_true == "high").astype(int), (y_pred == "high").astype(int), sensitive_features=group
    )
    assert (
        metrics.equal_opportunity_difference(
            y_true, y_pred, sensitive_features=group, pos_label="high"
        )
        == zero_one
        == 0.5
    )
    with pytest.warns(PositiveLabelWarning, match="'low'"):
        metrics.equal_opportunity_difference(y_true, y_pred, sensitive_features=group)
    report = metrics.group_report(y_true, y_pred, sensitive_features=group, pos_label="high")
    assert report["tpr"].tolist() == [0.5, 1.0]
    # demographic parity does not depend on the choice: no warning
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", PositiveLabelWarning)
        metrics.demographic_parity_difference(y_true, y_pred, sensitive_features=group)


def test_boolean_labels_are_read_as_true_positive():
    y_true = np.array([True, True, False, True, True, False])
    y_pred = np.array([True, True, False, True, False, False])
    assert (
        metrics.equal_opportunity_difference(y_true, y_pred, sensitive_features=list("aaabbb"))
        == 0.5
    )


def test_error_messages_print_values_not_numpy_reprs():
    with pytest.raises(ValueError) as info:
        metrics.selection_rate([0, 2], np.array([0, 2]), pos_label=1)
    assert "0, 2" in str(info.value) and "np.int64" not in str(info.value)


# ---------------------------------------------------------------- groups
def test_one_and_text_one_are_not_merged():
    groups = np.array([1, 1, "1", "1", 2, 2, "2", "2"], dtype=object)
    with pytest.raises(ValueError, match="mixes label types"):
        metrics.demographic_parity_difference(
            [1] * 8, [1, 0, 1, 1, 0, 0, 1, 0], sensitive_features=groups
        )


def test_column_name_instead_of_values():
    with pytest.raises(ValueError, match="pass the column's values"):
        metrics.demographic_parity_difference([1, 0], [1, 0], sensitive_features="sex")


def test_several_columns_are_intersectional_groups_as_in_fairlearn():
    rng = np.random.default_rng(0)
    n = 400
    frame = pd.DataFrame({"sex": rng.choice(["F", "M"], n), "race": rng.choice(["x", "y"], n)})
    y_true, y_pred = rng.integers(0, 2, n), rng.integers(0, 2, n)
    ours = metrics.demographic_parity_difference(y_true, y_pred, sensitive_features=frame)
    theirs = flm.demographic_parity_difference(y_true, y_pred, sensitive_features=frame)
    assert abs(ours - theirs) <= 1e-12
    report = metrics.group_report(y_true, y_pred, sensitive_features=frame)
    assert report.index.tolist() == ["F,x", "F,y", "M,x", "M,y"]


def test_small_groups_warn_in_metrics():
    y_true = np.r_[np.ones(100, int), np.zeros(100, int), [1] * 5 + [0] * 5]
    y_pred = y_true.copy()
    group = np.r_[np.zeros(200, int), np.ones(10, int)]
    with pytest.warns(SmallGroupWarning, match=r"group\(s\) 1 \(10 examples\)"):
        metrics.demographic_parity_difference(y_true, y_pred, sensitive_features=group)
    with pytest.warns(SmallGroupWarning, match=r"1 \(5 positive labels\)"):
        metrics.equal_opportunity_difference(y_true, y_pred, sensitive_features=group)
