"""fairtutor.exercises: checks pass on right answers and explain wrong ones."""

import numpy as np
import pytest

from fairtutor import exercises as ex


def test_number_accepts_numpy_scalars_and_rejects_the_rest():
    assert ex.check_number("x", np.float32(0.5)) == 0.5
    assert ex.check_number("x", np.array([2.0])) == 2.0
    with pytest.raises(AssertionError, match="x: expected a real number, got str"):
        ex.check_number("x", "0.5")
    with pytest.raises(AssertionError, match="expected a real number, got bool"):
        ex.check_number("x", True)
    with pytest.raises(AssertionError, match="finite"):
        ex.check_number("x", float("nan"))


def test_in_range_message():
    assert ex.check_in_range("p", 0.3, 0, 1) == 0.3
    with pytest.raises(AssertionError, match=r"p: expected a value in \[0, 1\], got 1.7"):
        ex.check_in_range("p", 1.7, 0, 1)


def test_close_message_names_both_values():
    with pytest.raises(AssertionError, match=r"deo: expected 0.25, got 0.3 \(difference \+0.05\)"):
        ex.check_close("deo", 0.3, 0.25)
    assert ex.check_close("deo", 0.25 + 1e-12, 0.25) == pytest.approx(0.25)


def test_shape_and_array_close():
    with pytest.raises(AssertionError, match=r"expected shape \(3,\), got \(2,\)"):
        ex.check_shape("w", [1, 2], (3,))
    assert ex.check_shape("m", np.zeros((4, 2)), (None, 2)).shape == (4, 2)
    with pytest.raises(AssertionError, match="1 of 3 entries differ; first at index"):
        ex.check_array_close("v", [1.0, 2.0, 3.5], [1.0, 2.0, 3.0])
    with pytest.raises(AssertionError, match="NaN"):
        ex.check_array_close("v", [1.0, np.nan], [1.0, 2.0])


def test_type_and_true():
    with pytest.raises(AssertionError, match="expected str, got int 3"):
        ex.check_type("answer", 3, str)
    with pytest.raises(AssertionError, match="expected int or float"):
        ex.check_type("answer", "3", (int, float))
    with pytest.raises(AssertionError, match="custom message"):
        ex.check_true(False, "custom message")
    ex.check_true(np.bool_(True), "unused")
