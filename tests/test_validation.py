"""Shared validators: every bad input gets a ValueError naming the problem."""

import numpy as np
import pandas as pd
import pytest

from fairtutor._validation import (
    PositiveLabelWarning,
    SmallGroupWarning,
    as_1d_array,
    check_binary,
    check_binary_target,
    check_groups,
    check_random_state,
    check_same_length,
    encode_known_groups,
    format_values,
    warn_small_groups,
)
from fairtutor.datasets import make_biased_classification


def test_as_1d_array_accepts_common_containers():
    for values in (
        [1, 2],
        (1, 2),
        np.array([[1], [2]]),
        pd.Series([1, 2]),
        pd.DataFrame({"a": [1, 2]}),
    ):
        np.testing.assert_array_equal(as_1d_array(values, "x"), [1, 2])


@pytest.mark.parametrize(
    "values,message",
    [
        (np.zeros((2, 2)), "one-dimensional"),
        (pd.DataFrame({"a": [1], "b": [2]}), "2 columns"),
        ([], "empty"),
        ([1.0, np.nan], "NaN"),
        (["a", "b"], "numeric"),
    ],
)
def test_as_1d_array_errors(values, message):
    with pytest.raises(ValueError, match=message):
        as_1d_array(values, "x")


def test_check_same_length_names_every_input():
    with pytest.raises(ValueError, match="a has 2, b has 3"):
        check_same_length(a=[1, 2], b=[1, 2, 3])


def test_check_binary_maps_pos_label_to_one():
    np.testing.assert_array_equal(check_binary([-1, 1, 1], "y"), [0, 1, 1])
    np.testing.assert_array_equal(check_binary(["no", "yes"], "y", pos_label="yes"), [0, 1])
    np.testing.assert_array_equal(check_binary([0, 0], "y"), [0, 0])
    with pytest.raises(ValueError, match="3 distinct values"):
        check_binary([0, 1, 2], "y")


def test_check_groups_codes_and_errors():
    groups, codes = check_groups(["b", "a", "b"])
    assert list(groups) == ["a", "b"] and list(codes) == [1, 0, 1]
    groups, codes = check_groups(pd.Series([True, False]))
    assert list(codes) == [1, 0]
    with pytest.raises(ValueError, match="missing values"):
        check_groups(pd.Series(["a", None, "b"]))
    with pytest.raises(ValueError, match="missing values"):
        check_groups(np.array(["a", None, "b"], dtype=object))
    with pytest.raises(ValueError, match=r"1 group\(s\)"):
        check_groups([1, 1, 1])
    with pytest.raises(ValueError, match="3 entries but there are 4 samples"):
        check_groups([0, 1, 0], n_samples=4)
    with pytest.raises(ValueError, match="pass the column's values"):
        check_groups("sex")
    with pytest.raises(ValueError, match="sensitive_features is required"):
        check_groups(None)


def test_several_columns_make_intersectional_groups():
    frame = pd.DataFrame({"a": [0, 1, 0, 1], "b": ["x", "x", "y", "x"]})
    groups, codes = check_groups(frame)
    assert groups.tolist() == ["0,x", "0,y", "1,x"] and codes.tolist() == [0, 2, 1, 2]
    groups2, codes2 = check_groups(frame.to_numpy())  # a 2-D array: the same
    assert groups2.tolist() == groups.tolist() and codes2.tolist() == codes.tolist()
    # a comma inside a value cannot make two combinations collide
    tricky = pd.DataFrame({"a": ["p,q", "p"], "b": ["r", "q,r"]})
    assert check_groups(tricky)[0].size == 2


def test_one_and_text_one_stay_distinct():
    mixed = np.array([1, 1, "1", "1"], dtype=object)
    with pytest.raises(ValueError, match=r"mixes label types: 1 \(number\), '1' \(str\)"):
        check_groups(mixed)
    with pytest.raises(ValueError, match="mixes label types"):
        check_binary_target(mixed)
    # known groups 1 and "1" are different groups at predict time too
    with pytest.raises(ValueError, match="were not seen"):
        encode_known_groups(np.array(["1", "1"]), np.array([1, 2]), 2)


def test_categorical_and_boolean_groups():
    groups, codes = check_groups(pd.Series(["b", "a", "b"], dtype="category"))
    assert groups.tolist() == ["a", "b"] and codes.tolist() == [1, 0, 1]
    groups, codes = check_groups(np.array([True, False, True]))
    assert groups.tolist() == [False, True]


def test_binary_target_positive_label():
    classes, y_pos, pos = check_binary_target([0, 1, 1])
    assert classes.tolist() == [0, 1] and y_pos.tolist() == [0, 1, 1] and pos == 1
    classes, y_pos, pos = check_binary_target([-1, 1, 1])
    assert pos == 1
    classes, y_pos, pos = check_binary_target([1, 2, 2], pos_label=1)
    assert y_pos.tolist() == [1, 0, 0] and pos == 1
    with pytest.warns(PositiveLabelWarning, match="taking the larger, 2"):
        assert check_binary_target([1, 2, 2])[2] == 2
    with pytest.warns(PositiveLabelWarning, match="'yes'"):
        assert check_binary_target(["no", "yes"])[2] == "yes"
    assert check_binary_target(np.array([False, True]))[2] is True


@pytest.mark.parametrize(
    "y,message",
    [
        ([1, 1, 1], r"single class \(1\)"),
        ([0, 1, 2], r"3 classes \(0, 1, 2\)"),
        ([0.5, 1.5, 2.5], "Unknown label type"),
        ([0.0, np.nan, 1.0], "NaN"),
    ],
)
def test_binary_target_errors(y, message):
    with pytest.raises(ValueError, match=message):
        check_binary_target(y)
    with pytest.raises(ValueError, match="pos_label='c' is not one of the labels of y: a, b"):
        check_binary_target(["a", "b"], pos_label="c")


def test_format_values_prints_plain_values():
    assert format_values(np.array([0, 2])) == "0, 2"
    assert format_values(range(8)) == "0, 1, 2, 3, 4, ..."


def test_small_group_warning_names_groups():
    with pytest.warns(SmallGroupWarning, match=r"group\(s\) b \(3 positives\)"):
        warn_small_groups(np.array(["a", "b"]), [40, 3], who="positives")


def test_check_random_state():
    assert check_random_state(0).random() == np.random.default_rng(0).random()
    generator = np.random.default_rng(1)
    assert check_random_state(generator) is generator
    with pytest.raises(ValueError, match="random_state"):
        check_random_state("seed")


def test_make_biased_classification_is_seeded_and_biased():
    first = make_biased_classification(2000, random_state=3)
    second = make_biased_classification(2000, random_state=3)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    X, y, s = make_biased_classification(20000, group_weights=(1, 1, 1), random_state=0)
    assert set(np.unique(s)) == {0, 1, 2}
    base_rates = [y[s == g].mean() for g in range(3)]
    assert base_rates[0] > base_rates[1] > base_rates[2]
    proxy = [X[s == g, 0].mean() for g in range(3)]
    assert proxy[0] > proxy[1] > proxy[2]


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"n_samples": 0}, "n_samples"),
        ({"n_features": 2.5}, "n_features"),
        ({"group_weights": (1,)}, "at least two"),
        ({"group_weights": (1, -1)}, "positive"),
    ],
)
def test_make_biased_classification_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_biased_classification(**kwargs)


@pytest.mark.parametrize(
    "labels",
    [
        np.array([3, 0, 3, 7, 0, 7, 7]),  # gaps: groups 0, 3, 7
        np.array([1, 1, 2, 2], dtype=np.uint8),
        np.array([0, 10**9, 0, 10**9]),  # too sparse for counting
        np.array([-1, 2, -1, 2]),  # negative: np.unique
    ],
)
def test_check_groups_integer_fast_path_equals_unique(labels):
    groups, codes = check_groups(labels)
    expected_groups, expected_codes = np.unique(labels, return_inverse=True)
    np.testing.assert_array_equal(groups, expected_groups)
    assert groups.dtype == labels.dtype
    np.testing.assert_array_equal(codes, expected_codes.reshape(-1))


def test_encode_known_groups_maps_and_names_unseen_groups():
    known = np.array(["a", "b", "c"])
    np.testing.assert_array_equal(
        encode_known_groups(["c", "a", "c"], known, 3), [2, 0, 2]
    )  # one batch, some groups
    with pytest.raises(ValueError, match=r"group\(s\) d were not seen at calibration"):
        encode_known_groups(["a", "d"], known, 2, seen_in="at calibration")
    with pytest.raises(ValueError, match="different lengths"):
        encode_known_groups(["a", "b"], known, 3)
    with pytest.raises(ValueError, match="at least 2"):
        encode_known_groups(["a", "a"], known, 2, min_groups=2)
