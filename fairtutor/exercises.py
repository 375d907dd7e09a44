"""Checks for the book's exercises, with feedback a student can act on.

Every exercise in the chapter notebooks ends with a locked *check cell* (an
nbgrader test cell) that calls these helpers. Each raises an
:class:`ExerciseError` (an ``AssertionError``, so nbgrader counts a failed
test) whose message says *what* is wrong without giving the expected number
away: the wrong sign, a factor of two, an order of magnitude, the
complement of a rate, the right values in the wrong order, or simply "too
large" / "too small". A check may add a ``hint=`` sentence that points at the
likely mistake, e.g. ``hint="count only the qualified candidates"``.

The expected value never appears in a message: the check cells of a course's
graded version also hold hidden tests, and feedback that printed the number
would let a student copy it instead of computing it.
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
    "check_choice",
    "describe_difference",
]


class ExerciseError(AssertionError):
    """A check cell's verdict on a wrong or missing answer.

    A subclass of ``AssertionError`` so that nbgrader counts it as a failed
    test; tests tell it apart from an accidental ``NameError`` or a bug in a
    check cell.
    """


def _fail(name, message, hint=None):
    __tracebackhide__ = True  # the student sees the check cell's line, not ours
    text = f"{name}: {message}"
    if hint:
        text += f". Hint: {hint}"
    raise ExerciseError(text)


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
    """  # noqa: E501 - doctest matches the one-line error message verbatim
    __tracebackhide__ = True
    values = []
    for name in names:
        if name not in namespace:
            _fail(name, f"not defined yet; define `{name}` in the solution cell above and run it")
        values.append(namespace[name])
    return values[0] if len(values) == 1 else tuple(values)


def check_number(name, value, *, hint=None):
    """Check that ``value`` is one finite real number and return it as float.

    Examples
    --------
    >>> from fairtutor.exercises import check_number
    >>> check_number("rate", 0.25)
    0.25
    """
    __tracebackhide__ = True
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.item()
    if hasattr(value, "item") and not isinstance(value, (list, tuple)):
        try:
            value = value.item()
        except (ValueError, TypeError):
            pass
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        _fail(name, f"expected one real number, got {type(value).__name__} {value!r}"[:200], hint)
    if not np.isfinite(value):
        _fail(name, f"expected a finite number, got {value}", hint)
    return float(value)


def check_in_range(name, value, low, high, *, hint=None):
    """Check that ``value`` is a number in the closed interval [low, high].

    The interval is part of the question (a probability lies in [0, 1]), so
    the message states it; use :func:`check_close` to compare with a result.

    Examples
    --------
    >>> from fairtutor.exercises import check_in_range
    >>> check_in_range("probability", 1.7, 0, 1)
    Traceback (most recent call last):
    ...
    fairtutor.exercises.ExerciseError: probability: expected a value in [0, 1], got 1.7
    """
    __tracebackhide__ = True
    value = check_number(name, value, hint=hint)
    if not low <= value <= high:
        _fail(name, f"expected a value in [{low}, {high}], got {value:g}", hint)
    return value


# Plausible slips, tried in this order; each is a (test, sentence) pair on the
# answer ``v`` and the reference ``e`` (both floats, e != v up to tolerance).
_FACTORS = (2.0, 3.0, 4.0)


def describe_difference(value, expected, *, atol=1e-8, rtol=1e-6):
    """Say how ``value`` differs from ``expected`` without stating ``expected``.

    Returns a short phrase, the first that applies: ``"has the wrong sign"``;
    ``"is too large (in absolute value)"`` when the reference is zero (the
    phrase does not say so, to keep "0" from being guessed for free);
    ``"looks like 1 minus the right value"`` for a rate's complement;
    ``"looks like the square of the right value"``; ``"is about 2 times too
    large"`` (factors 2, 3, 4, either way); ``"looks like the square root of
    the right value"``; ``"is about 100 times too small (off by an order of
    magnitude or more)"``; otherwise ``"is too large"`` or ``"is too small"``.

    Examples
    --------
    >>> from fairtutor.exercises import describe_difference
    >>> describe_difference(-0.25, 0.25)
    'has the wrong sign'
    >>> describe_difference(0.5, 0.25)
    'is about 2 times too large'
    >>> describe_difference(0.3, 0.25)
    'is too large'
    """

    def close(a, b):
        return bool(np.isclose(a, b, atol=atol, rtol=max(rtol, 1e-9)))

    if close(value, -expected) and not close(expected, 0.0):
        return "has the wrong sign"
    if close(expected, 0.0):
        return "is too large (in absolute value)"
    if np.sign(value) != np.sign(expected) and value != 0.0:
        return "has the wrong sign"
    if 0.0 < expected < 1.0 and close(value, 1.0 - expected):
        return "looks like 1 minus the right value (the complement: check what you count)"
    if expected > 0 and close(value, expected**2):
        return "looks like the square of the right value"
    if value != 0.0:
        for factor in _FACTORS:
            if close(value, factor * expected):
                return f"is about {factor:g} times too large"
            if close(value * factor, expected):
                return f"is about {factor:g} times too small"
    if value > 0 and close(value**2, expected):
        return "looks like the square root of the right value"
    if value != 0.0:
        ratio = abs(value / expected)
        if ratio >= 10.0 or ratio <= 0.1:
            power = int(np.round(np.log10(ratio)))
            size = "large" if ratio > 1 else "small"
            if power != 0:
                return (
                    f"is about {10.0 ** abs(power):g} times too {size} "
                    f"(off by an order of magnitude or more)"
                )
    return "is too large" if value > expected else "is too small"


def check_close(name, value, expected, *, atol=1e-8, rtol=1e-6, hint=None):
    """Check that the number ``value`` equals ``expected`` up to tolerance.

    On a mismatch the message says how the answer is off (sign, factor,
    order of magnitude, complement, "too large"/"too small"; see
    :func:`describe_difference`) but not the expected number.

    Parameters
    ----------
    name : str
        What the student called the answer, shown first in the message.
    value : float
        The student's answer.
    expected : float
        The reference, recomputed by the check cell.
    atol, rtol : float
        Tolerances of ``numpy.isclose``; state them in the exercise.
    hint : str, optional
        A sentence appended to the message on failure.

    Examples
    --------
    >>> from fairtutor.exercises import check_close
    >>> check_close("deo", 0.30000000001, 0.3)
    0.30000000001
    >>> check_close("deo", -0.3, 0.3, hint="a difference of rates is taken in absolute value")
    Traceback (most recent call last):
    ...
    fairtutor.exercises.ExerciseError: deo: has the wrong sign. Hint: a difference of rates is taken in absolute value
    """  # noqa: E501 - doctest matches the one-line error message verbatim
    __tracebackhide__ = True
    value = check_number(name, value, hint=hint)
    expected = float(expected)
    if not np.isclose(value, expected, atol=atol, rtol=rtol):
        _fail(name, describe_difference(value, expected, atol=atol, rtol=rtol), hint)
    return value


def check_shape(name, value, shape, *, hint=None):
    """Check that ``value`` is array-like with the given shape.

    ``None`` in ``shape`` matches any length along that axis.

    Examples
    --------
    >>> import numpy as np
    >>> from fairtutor.exercises import check_shape
    >>> check_shape("w", np.zeros(3), (3,)).shape
    (3,)
    """
    __tracebackhide__ = True
    try:
        array = np.asarray(value)
    except Exception:  # noqa: BLE001 - any failure means "not array-like"
        _fail(name, f"expected an array, got {type(value).__name__}", hint)
    expected = tuple(shape)
    if array.ndim != len(expected) or any(
        e is not None and e != a for e, a in zip(expected, array.shape, strict=True)
    ):
        shown = tuple("any" if e is None else e for e in expected)
        _fail(name, f"expected shape {shown}, got {array.shape}", hint)
    return array


def check_array_close(name, value, expected, *, atol=1e-8, rtol=1e-6, hint=None):
    """Check element-wise closeness of two arrays of the same shape.

    The message says how many entries differ and, where the answer as a whole
    is off in one recognisable way (negated, scaled, right values in another
    order), which; it never prints the expected entries.

    Examples
    --------
    >>> from fairtutor.exercises import check_array_close
    >>> check_array_close("rates", [0.5, 0.25], [0.5, 0.25]).tolist()
    [0.5, 0.25]
    >>> check_array_close("rates", [0.25, 0.5], [0.5, 0.25])
    Traceback (most recent call last):
    ...
    fairtutor.exercises.ExerciseError: rates: 2 of 2 entries differ; the values are right but in the wrong order
    """  # noqa: E501 - doctest matches the one-line error message verbatim
    __tracebackhide__ = True
    expected = np.asarray(expected, dtype=float)
    array = check_shape(name, value, expected.shape, hint=hint)
    try:
        array = array.astype(float)
    except (TypeError, ValueError):
        _fail(name, f"expected numbers, got an array of {array.dtype}", hint)
    if not np.all(np.isfinite(array)):
        _fail(name, "contains NaN or infinite values", hint)
    bad = ~np.isclose(array, expected, atol=atol, rtol=rtol)
    if bad.any():
        message = f"{int(bad.sum())} of {array.size} entries differ"
        flat, reference = array.ravel(), expected.ravel()
        scale = np.vdot(reference, reference)
        if np.allclose(np.sort(flat), np.sort(reference), atol=atol, rtol=rtol):
            message += "; the values are right but in the wrong order"
        elif np.allclose(flat, -reference, atol=atol, rtol=rtol):
            message += "; every entry has the wrong sign"
        elif scale > 0 and np.allclose(
            flat, np.vdot(reference, flat) / scale * reference, atol=atol, rtol=rtol
        ):
            factor = np.vdot(reference, flat) / scale
            message += (
                "; all entries are off by the same factor "
                f"({'too large' if abs(factor) > 1 else 'too small'})"
            )
        else:
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            difference = describe_difference(array[index], expected[index], atol=atol, rtol=rtol)
            message += f"; the first is at index {index}, where {array[index]:.6g} {difference}"
        _fail(name, message, hint)
    return array


def check_type(name, value, types, *, hint=None):
    """Check that ``value`` is an instance of ``types``.

    Examples
    --------
    >>> from fairtutor.exercises import check_type
    >>> check_type("answer", "equal opportunity", str)
    'equal opportunity'
    """
    __tracebackhide__ = True
    if not isinstance(value, types):
        wanted = (
            " or ".join(t.__name__ for t in types) if isinstance(types, tuple) else types.__name__
        )
        _fail(name, f"expected {wanted}, got {type(value).__name__} {value!r}"[:200], hint)
    return value


def check_choice(name, value, expected, choices, *, hint=None):
    """Check a multiple-choice answer: one of ``choices``, and the right one.

    The message lists the allowed choices (they are part of the question)
    but not which one is right.

    Examples
    --------
    >>> from fairtutor.exercises import check_choice
    >>> notions = ("demographic parity", "equal opportunity", "equalized odds")
    >>> check_choice("most_violated", "equalized odds", "equalized odds", notions)
    'equalized odds'
    >>> check_choice("most_violated", "parity", "equalized odds", notions)
    Traceback (most recent call last):
    ...
    fairtutor.exercises.ExerciseError: most_violated: 'parity' is not one of 'demographic parity', 'equal opportunity', 'equalized odds'
    """  # noqa: E501 - doctest matches the one-line error message verbatim
    __tracebackhide__ = True
    if value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        _fail(name, f"{value!r} is not one of {allowed}"[:300], hint)
    if value != expected:
        _fail(name, f"{value!r} is a valid choice but not the right one", hint)
    return value


def check_true(condition, message):
    """Fail with ``message`` unless ``condition`` holds.

    Write a ``message`` that says what is wrong, not the expected value.

    Examples
    --------
    >>> from fairtutor.exercises import check_true
    >>> check_true(1 + 1 == 2, "arithmetic is broken")
    """
    __tracebackhide__ = True
    if not bool(condition):
        raise ExerciseError(message)
