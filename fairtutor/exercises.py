"""Checks for the book's exercises, with feedback a student can act on.

Every exercise in the chapter notebooks ends with a locked *check cell* (an
nbgrader test cell) that calls these helpers. Each raises an
``AssertionError`` whose message says what was expected and what was found,
e.g. ``deo: expected a value in [0, 1], got 1.7``, instead of a bare
``assert`` failure.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "ExerciseError",
    "require",
    "check_number",
    "check_in_range",
    "check_close",
    "check_array_close",
    "check_shape",
    "check_type",
    "check_true",
]


class ExerciseError(AssertionError):
    """A check cell's verdict on a wrong or missing answer.

    A subclass of ``AssertionError`` so that nbgrader counts it as a failed
    test; tests tell it apart from an accidental ``NameError`` or a bug in a
    check cell.
    """


def _fail(name, message):
    raise ExerciseError(f"{name}: {message}")


def require(namespace, *names):
    """Return the answers ``names`` from ``namespace``, or say which is missing.

    Check cells call ``require(globals(), "deo_answer")`` instead of using
    ``deo_answer`` directly, so an unanswered exercise fails with a sentence
    the student can act on rather than a ``NameError``.

    Examples
    --------
    >>> from fairtutor.exercises import require
    >>> require({"deo_answer": 0.25}, "deo_answer")
    0.25
    >>> require({}, "deo_answer")
    Traceback (most recent call last):
    ...
    fairtutor.exercises.ExerciseError: deo_answer: not defined yet; define `deo_answer` in the solution cell above and run it
    """
    values = []
    for name in names:
        if name not in namespace:
            _fail(name, f"not defined yet; define `{name}` in the solution cell above and run it")
        values.append(namespace[name])
    return values[0] if len(values) == 1 else tuple(values)


def check_number(name, value):
    """Check that ``value`` is one finite real number and return it as float.

    Examples
    --------
    >>> from fairtutor.exercises import check_number
    >>> check_number("rate", 0.25)
    0.25
    """
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if hasattr(value, "item") and not isinstance(value, (list, tuple)):
        try:
            value = value.item()
        except (ValueError, TypeError):
            pass
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        _fail(name, f"expected a real number, got {type(value).__name__} {value!r}")
    if not np.isfinite(value):
        _fail(name, f"expected a finite number, got {value}")
    return float(value)


def check_in_range(name, value, low, high):
    """Check that ``value`` is a number in the closed interval [low, high].

    Examples
    --------
    >>> from fairtutor.exercises import check_in_range
    >>> check_in_range("probability", 1.7, 0, 1)
    Traceback (most recent call last):
    ...
    fairtutor.exercises.ExerciseError: probability: expected a value in [0, 1], got 1.7
    """
    value = check_number(name, value)
    if not low <= value <= high:
        _fail(name, f"expected a value in [{low}, {high}], got {value:g}")
    return value


def check_close(name, value, expected, *, atol=1e-8, rtol=1e-6):
    """Check that the number ``value`` equals ``expected`` up to tolerance.

    Examples
    --------
    >>> from fairtutor.exercises import check_close
    >>> check_close("deo", 0.30000000001, 0.3)
    0.30000000001
    """
    value = check_number(name, value)
    expected = float(expected)
    if not np.isclose(value, expected, atol=atol, rtol=rtol):
        _fail(name, f"expected {expected:.6g}, got {value:.6g} "
                    f"(difference {value - expected:+.3g})")
    return value


def check_shape(name, value, shape):
    """Check that ``value`` is array-like with the given shape.

    ``None`` in ``shape`` matches any length along that axis.

    Examples
    --------
    >>> import numpy as np
    >>> from fairtutor.exercises import check_shape
    >>> check_shape("w", np.zeros(3), (3,)).shape
    (3,)
    """
    try:
        array = np.asarray(value)
    except Exception:  # noqa: BLE001 - any failure means "not array-like"
        _fail(name, f"expected an array, got {type(value).__name__}")
    expected = tuple(shape)
    if array.ndim != len(expected) or any(
        e is not None and e != a for e, a in zip(expected, array.shape)
    ):
        shown = tuple("any" if e is None else e for e in expected)
        _fail(name, f"expected shape {shown}, got {array.shape}")
    return array


def check_array_close(name, value, expected, *, atol=1e-8, rtol=1e-6):
    """Check element-wise closeness of two arrays of the same shape.

    Examples
    --------
    >>> from fairtutor.exercises import check_array_close
    >>> check_array_close("rates", [0.5, 0.25], [0.5, 0.25]).tolist()
    [0.5, 0.25]
    """
    expected = np.asarray(expected, dtype=float)
    array = check_shape(name, value, expected.shape).astype(float)
    if not np.all(np.isfinite(array)):
        _fail(name, "contains NaN or infinite values")
    bad = ~np.isclose(array, expected, atol=atol, rtol=rtol)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        _fail(name, f"{int(bad.sum())} of {array.size} entries differ; first at index "
                    f"{index}: expected {expected[index]:.6g}, got {array[index]:.6g}")
    return array


def check_type(name, value, types):
    """Check that ``value`` is an instance of ``types``.

    Examples
    --------
    >>> from fairtutor.exercises import check_type
    >>> check_type("answer", "equal opportunity", str)
    'equal opportunity'
    """
    if not isinstance(value, types):
        wanted = (" or ".join(t.__name__ for t in types)
                  if isinstance(types, tuple) else types.__name__)
        _fail(name, f"expected {wanted}, got {type(value).__name__} {value!r}")
    return value


def check_true(condition, message):
    """Fail with ``message`` unless ``condition`` holds.

    Examples
    --------
    >>> from fairtutor.exercises import check_true
    >>> check_true(1 + 1 == 2, "arithmetic is broken")
    """
    if not bool(condition):
        raise ExerciseError(message)
