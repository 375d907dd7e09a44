"""fairtutor.exercises: checks pass on right answers and explain wrong ones.

Every failure is an ExerciseError (an AssertionError, which nbgrader counts as
a failed test) whose message says what is wrong without the expected number.
"""

import re

import numpy as np
import pytest

from fairtutor import exercises as ex


def message(call, *args, **kwargs):
    with pytest.raises(ex.ExerciseError) as info:
        call(*args, **kwargs)
    return str(info.value)


def test_exercise_error_is_an_assertion_error():
    # nbgrader scores a test cell 0 on any exception; AssertionError keeps
    # `assert`-style checks and pytest.raises(AssertionError) working.
    assert issubclass(ex.ExerciseError, AssertionError)


def test_require_returns_answers_or_names_the_missing_one():
    assert ex.require({"a": 1, "b": 2}, "a", "b") == (1, 2)
    text = message(ex.require, {"a": 1}, "a", "deo_answer")
    assert text.startswith("deo_answer: not defined yet")
    assert "solution cell above" in text


def test_number_accepts_numpy_scalars_and_rejects_the_rest():
    assert ex.check_number("x", np.float32(0.5)) == 0.5
    assert ex.check_number("x", np.array([2.0])) == 2.0
    assert "x: expected one real number, got str" in message(ex.check_number, "x", "0.5")
    assert "got bool" in message(ex.check_number, "x", True)
    assert "got ndarray" in message(ex.check_number, "x", np.array([1.0, 2.0]))
    assert "finite" in message(ex.check_number, "x", float("nan"))


def test_in_range_message():
    assert ex.check_in_range("p", 0.3, 0, 1) == 0.3
    assert message(ex.check_in_range, "p", 1.7, 0, 1) == "p: expected a value in [0, 1], got 1.7"


@pytest.mark.parametrize(
    "value,expected,phrase",
    [
        (-0.25, 0.25, "has the wrong sign"),
        (0.3, -0.7, "has the wrong sign"),
        (0.5, 0.25, "is about 2 times too large"),
        (0.25 / 3, 0.25, "is about 3 times too small"),
        (41.7, 0.417, "is about 100 times too large (off by an order of magnitude or more)"),
        (0.00417, 0.417, "is about 100 times too small"),
        (0.75, 0.25, "looks like 1 minus the right value"),
        (0.0625, 0.25, "looks like the square of the right value"),
        (0.5, 0.25, "2 times too large"),  # a factor is named before a square root
        (0.5, 0.2501, "is too large"),  # near a factor is not that factor is not that factor
        (0.6, 0.36, "looks like the square root of the right value"),
        (0.3, 0.0, "is too large (in absolute value)"),
        (-0.3, 0.0, "is too large (in absolute value)"),
        (0.3, 0.25, "is too large"),
        (0.2, 0.25, "is too small"),
        (0.0, 0.25, "is too small"),
    ],
)
def test_close_says_what_is_wrong(value, expected, phrase):
    text = message(ex.check_close, "deo", value, expected)
    assert text.startswith("deo: ") and phrase in text


@pytest.mark.parametrize(
    "value,expected",
    [
        (0.333333, 0.416667),
        (0.3, 0.25),
        (-0.25, 0.25),
        (41.7, 0.417),
        (0.75, 0.25),
        (0.0, 0.18),
        (0.2, 0.0),
    ],
)
def test_close_never_shows_the_expected_number(value, expected):
    text = message(ex.check_close, "answer", value, expected)
    for shown in {
        f"{expected:g}",
        f"{expected:.6g}",
        f"{expected:.3g}",
        f"{expected:.2f}",
        f"{value - expected:+.3g}",
    }:
        if shown not in {"0", "0.00", "+0"}:
            assert shown not in text, (shown, text)
    assert "expected" not in text and "difference" not in text


def test_close_hint_and_tolerance():
    assert ex.check_close("deo", 0.25 + 1e-12, 0.25) == pytest.approx(0.25)
    assert ex.check_close("cover", 0.93, 0.95, atol=0.03) == 0.93
    text = message(ex.check_close, "deo", 0.3, 0.25, hint="use the true-positive rate")
    assert text == "deo: is too large. Hint: use the true-positive rate"
    # the hint also follows a type error, so the student sees it on any failure
    assert message(ex.check_close, "deo", "x", 0.25, hint="H").endswith("Hint: H")


def test_shape():
    assert message(ex.check_shape, "w", [1, 2], (3,)) == "w: expected shape (3,), got (2,)"
    assert ex.check_shape("m", np.zeros((4, 2)), (None, 2)).shape == (4, 2)
    assert "expected shape ('any', 3)" in message(ex.check_shape, "m", np.zeros((4, 2)), (None, 3))


@pytest.mark.parametrize(
    "value,phrase",
    [
        (
            [1.0, 2.0, 3.5],
            "1 of 3 entries differ; the first is at index (2,), where 3.5 is too large",
        ),
        ([3.0, 2.0, 1.0], "2 of 3 entries differ; the values are right but in the wrong order"),
        ([-1.0, -2.0, -3.0], "3 of 3 entries differ; every entry has the wrong sign"),
        (
            [2.0, 4.0, 6.0],
            "3 of 3 entries differ; all entries are off by the same factor (too large)",
        ),
        (
            [0.5, 1.0, 1.5],
            "3 of 3 entries differ; all entries are off by the same factor (too small)",
        ),
    ],
)
def test_array_close_says_how_the_array_is_off(value, phrase):
    text = message(ex.check_array_close, "v", value, [1.0, 2.0, 3.0])
    assert text == "v: " + phrase


def test_array_close_rejects_nan_and_non_numbers_and_never_shows_the_reference():
    assert "NaN" in message(ex.check_array_close, "v", [1.0, np.nan], [1.0, 2.0])
    assert "expected numbers" in message(ex.check_array_close, "v", ["a", "b"], [1.0, 2.0])
    text = message(ex.check_array_close, "v", [0.1, 0.7], [0.123456, 0.654321])
    assert not re.search(r"0\.123|0\.654", text), text
    np.testing.assert_array_equal(ex.check_array_close("v", [1, 2], [1.0, 2.0]), [1.0, 2.0])


def test_type_choice_and_true():
    assert message(ex.check_type, "answer", 3, str) == "answer: expected str, got int 3"
    assert "expected int or float" in message(ex.check_type, "answer", "3", (int, float))
    assert message(ex.check_true, False, "custom message") == "custom message"
    ex.check_true(np.bool_(True), "unused")
    choices = ("demographic parity", "equal opportunity", "equalized odds")
    assert ex.check_choice("m", "equal opportunity", "equal opportunity", choices)
    assert "not one of" in message(ex.check_choice, "m", "EO", "equal opportunity", choices)
    wrong = message(ex.check_choice, "m", "equalized odds", "equal opportunity", choices)
    assert wrong == "m: 'equalized odds' is a valid choice but not the right one"
