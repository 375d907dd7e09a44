"""Input validation shared by every fairtutor module.

Each helper raises a ``ValueError`` whose message names the problem, so a
student sees "sensitive_features has 99 entries but y_true has 100" rather than
a silently wrong number or a broadcasting error deep inside numpy.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

__all__ = [
    "as_1d_array",
    "check_binary",
    "check_groups",
    "check_same_length",
    "check_random_state",
]


def as_1d_array(values, name, *, numeric=True, allow_nan=False):
    """Return ``values`` as a 1-D numpy array, or raise a clear ``ValueError``.

    Lists, tuples, numpy arrays, pandas Series and single-column DataFrames
    are accepted.
    """
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise ValueError(
                f"{name} must be one-dimensional, got a DataFrame with "
                f"{values.shape[1]} columns"
            )
        values = values.iloc[:, 0]
    if isinstance(values, pd.Series):
        values = values.to_numpy()
    array = np.asarray(values)
    if array.ndim == 2 and 1 in array.shape and array.size > 0:
        array = array.reshape(-1)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} is empty")
    if numeric:
        if array.dtype == bool:
            array = array.astype(np.int64)
        elif not np.issubdtype(array.dtype, np.number):
            try:
                array = array.astype(np.float64)
            except (TypeError, ValueError):
                raise ValueError(f"{name} must be numeric, got dtype {array.dtype}") from None
    if not allow_nan:
        if np.issubdtype(array.dtype, np.floating) and np.isnan(array).any():
            raise ValueError(f"{name} contains NaN ({int(np.isnan(array).sum())} values)")
        if array.dtype == object and pd.isna(array).any():
            raise ValueError(f"{name} contains missing values ({int(pd.isna(array).sum())})")
    return array


def check_same_length(**arrays):
    """Raise a ``ValueError`` naming the arrays when their lengths differ."""
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(f"inputs have different lengths: {described}")


def check_binary(values, name, *, pos_label=1):
    """Check that ``values`` holds at most two labels and return it as 0/1.

    The label ``pos_label`` becomes 1 and the other label becomes 0.
    """
    array = as_1d_array(values, name, numeric=False)
    if array.dtype == bool:
        array = array.astype(np.int64)
    labels = np.unique(array)
    if labels.size > 2:
        shown = ", ".join(str(v) for v in labels[:5])
        more = ", ..." if labels.size > 5 else ""
        raise ValueError(
            f"{name} must be binary, got {labels.size} distinct values ({shown}{more})"
        )
    if labels.size == 2 and pos_label not in labels:
        raise ValueError(
            f"pos_label={pos_label!r} is not one of the labels of {name}: "
            f"{labels[0]!r}, {labels[1]!r}"
        )
    return (array == pos_label).astype(np.int64)


def check_groups(sensitive_features, n_samples=None, *, min_groups=2,
                 name="sensitive_features"):
    """Validate group labels and return ``(groups, codes)``.

    ``groups`` holds the sorted distinct labels and ``codes[i]`` is the index
    of sample ``i``'s group in ``groups``. Any hashable labels are accepted
    (strings, integers, booleans); missing values are rejected.
    """
    if isinstance(sensitive_features, (pd.Series, pd.DataFrame)):
        series = sensitive_features
        if isinstance(series, pd.DataFrame):
            if series.shape[1] != 1:
                raise ValueError(
                    f"{name} must be a single column, got {series.shape[1]} columns"
                )
            series = series.iloc[:, 0]
        if series.isna().any():
            raise ValueError(f"{name} contains missing values ({int(series.isna().sum())})")
        array = series.to_numpy()
    else:
        array = np.asarray(sensitive_features)
        if array.ndim == 2 and 1 in array.shape:
            array = array.reshape(-1)
        if array.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
        if array.dtype.kind == "f" and np.isnan(array).any():
            raise ValueError(f"{name} contains NaN ({int(np.isnan(array).sum())} values)")
        if array.dtype == object and pd.isna(array).any():
            raise ValueError(f"{name} contains missing values ({int(pd.isna(array).sum())})")
    if n_samples is not None and array.shape[0] != n_samples:
        raise ValueError(
            f"inputs have different lengths: {name} has {array.shape[0]} entries "
            f"but there are {n_samples} samples"
        )
    if array.dtype.kind in "iu" and array.size and 0 <= array.min() \
            and array.max() <= 4 * array.size + 1024:
        # Small non-negative integer labels (the common 0..K-1 coding): one
        # counting pass instead of np.unique's sort, same result.
        present = np.bincount(array) > 0
        groups = np.flatnonzero(present).astype(array.dtype)
        codes = (np.cumsum(present) - 1)[array]
    else:
        groups, codes = _unique_labels(array)
    if groups.size < min_groups:
        raise ValueError(
            f"{name} has {groups.size} group(s) ({', '.join(map(str, groups))}); "
            f"at least {min_groups} are needed to compare groups"
        )
    return groups, codes.reshape(-1)


def _unique_labels(array):
    try:
        groups, codes = np.unique(array, return_inverse=True)
    except TypeError:
        # Mixed label types (e.g. 1 and "a") cannot be sorted: compare as text.
        groups, codes = np.unique(array.astype(str), return_inverse=True)
    return groups, codes


def encode_known_groups(sensitive_features, known_groups, n_samples, *, seen_in="in fit",
                        min_groups=1):
    """Index into ``known_groups`` (the fitted ``groups_``) of each sample's group.

    For predict-time data: a batch may hold only some of the fitted groups
    (``min_groups=1``), but a group never seen when fitting raises a
    ``ValueError`` naming it, since the model has nothing learned for it.
    """
    groups, codes = check_groups(sensitive_features, n_samples, min_groups=min_groups)
    index = {g: i for i, g in enumerate(np.asarray(known_groups).tolist())}
    unseen = [g for g in groups.tolist() if g not in index]
    if unseen:
        raise ValueError(
            f"group(s) {', '.join(map(str, unseen))} were not seen {seen_in} "
            f"(known groups: {', '.join(map(str, known_groups))})")
    return np.array([index[g] for g in groups.tolist()], dtype=np.int64)[codes]


def check_random_state(seed):
    """Turn ``seed`` into a ``numpy.random.Generator``."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, numbers.Integral):
        return np.random.default_rng(seed)
    if isinstance(seed, np.random.RandomState):
        return np.random.default_rng(seed.randint(0, 2**31 - 1))
    raise ValueError(f"random_state must be None, an int or a numpy Generator, got {seed!r}")


def base_estimator_has(name):
    """Condition for ``available_if``: the meta-estimator's base model has ``name``.

    Looks at the fitted ``estimator_`` when there is one, otherwise at the
    ``estimator`` parameter, whose default (``None``) means a
    ``LogisticRegression``. So ``predict_proba`` exists on a wrapper exactly
    when it exists on what the wrapper fits.
    """
    def check(meta):
        if hasattr(meta, "estimator_"):
            return hasattr(meta.estimator_, name)
        if meta.estimator is None:
            return hasattr(LogisticRegression(), name)
        return hasattr(meta.estimator, name)
    return check
