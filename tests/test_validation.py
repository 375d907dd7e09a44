"""Shared validators: every bad input gets a ValueError naming the problem."""

import numpy as np
import pandas as pd
import pytest

from fairtutor._validation import (as_1d_array, check_binary, check_groups, encode_known_groups,
                                   check_random_state, check_same_length)
from fairtutor.datasets import make_biased_classification


def test_as_1d_array_accepts_common_containers():
    for values in ([1, 2], (1, 2), np.array([[1], [2]]), pd.Series([1, 2]),
                   pd.DataFrame({"a": [1, 2]})):
        np.testing.assert_array_equal(as_1d_array(values, "x"), [1, 2])


@pytest.mark.parametrize("values,message", [
    (np.zeros((2, 2)), "one-dimensional"),
    (pd.DataFrame({"a": [1], "b": [2]}), "2 columns"),
    ([], "empty"),
    ([1.0, np.nan], "NaN"),
    (["a", "b"], "numeric"),
])
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
    with pytest.raises(ValueError, match="single column"):
        check_groups(pd.DataFrame({"a": [0, 1], "b": [1, 0]}))


def test_check_random_state():
    assert check_random_state(0).random() == np.random.default_rng(0).random()
    generator = np.random.default_rng(1)
    assert check_random_state(generator) is generator
    with pytest.raises(ValueError, match="random_state"):
        check_random_state("seed")


def test_make_biased_classification_is_seeded_and_biased():
    first = make_biased_classification(2000, random_state=3)
    second = make_biased_classification(2000, random_state=3)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    X, y, s = make_biased_classification(20000, group_weights=(1, 1, 1), random_state=0)
    assert set(np.unique(s)) == {0, 1, 2}
    base_rates = [y[s == g].mean() for g in range(3)]
    assert base_rates[0] > base_rates[1] > base_rates[2]
    proxy = [X[s == g, 0].mean() for g in range(3)]
    assert proxy[0] > proxy[1] > proxy[2]


@pytest.mark.parametrize("kwargs,message", [
    ({"n_samples": 0}, "n_samples"),
    ({"n_features": 2.5}, "n_features"),
    ({"group_weights": (1,)}, "at least two"),
    ({"group_weights": (1, -1)}, "positive"),
])
def test_make_biased_classification_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_biased_classification(**kwargs)


@pytest.mark.parametrize("labels", [
    np.array([3, 0, 3, 7, 0, 7, 7]),                      # gaps: groups 0, 3, 7
    np.array([1, 1, 2, 2], dtype=np.uint8),
    np.array([0, 10**9, 0, 10**9]),                        # too sparse for counting
    np.array([-1, 2, -1, 2]),                              # negative: np.unique
])
def test_check_groups_integer_fast_path_equals_unique(labels):
    groups, codes = check_groups(labels)
    expected_groups, expected_codes = np.unique(labels, return_inverse=True)
    np.testing.assert_array_equal(groups, expected_groups)
    assert groups.dtype == labels.dtype
    np.testing.assert_array_equal(codes, expected_codes.reshape(-1))


def test_encode_known_groups_maps_and_names_unseen_groups():
    known = np.array(["a", "b", "c"])
    np.testing.assert_array_equal(
        encode_known_groups(["c", "a", "c"], known, 3), [2, 0, 2])  # one batch, some groups
    with pytest.raises(ValueError, match=r"group\(s\) d were not seen at calibration"):
        encode_known_groups(["a", "d"], known, 2, seen_in="at calibration")
    with pytest.raises(ValueError, match="different lengths"):
        encode_known_groups(["a", "b"], known, 3)
    with pytest.raises(ValueError, match="at least 2"):
        encode_known_groups(["a", "a"], known, 2, min_groups=2)
