"""Input validation shared by every fairtutor module.

Each helper raises a ``ValueError`` whose message names the problem, so a
student sees "sensitive_features has 99 entries but y_true has 100" rather than
a silently wrong number or a broadcasting error deep inside numpy.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import column_or_1d

__all__ = [
    "as_1d_array",
    "check_binary",
    "check_binary_target",
    "check_groups",
    "check_same_length",
    "check_random_state",
    "encode_known_groups",
    "format_values",
    "resolve_pos_label",
    "warn_small_groups",
    "PositiveLabelWarning",
    "SmallGroupWarning",
]


def as_1d_array(values, name, *, numeric=True, allow_nan=False):
    """Return ``values`` as a 1-D numpy array, or raise a clear ``ValueError``.

    Lists, tuples, numpy arrays, pandas Series and single-column DataFrames
    are accepted.
    """
    if isinstance(values, pd.DataFrame):
        if values.shape[1] != 1:
            raise ValueError(
                f"{name} must be one-dimensional, got a DataFrame with {values.shape[1]} columns"
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


def format_values(values, limit=5):
    """``"0, 2"`` for ``[np.int64(0), np.int64(2)]``: values as a reader writes them.

    Error messages print labels with this helper, never with numpy's
    ``repr`` (which shows ``np.int64(0)`` since numpy 2).
    """
    values = list(values.tolist() if isinstance(values, np.ndarray) else values)
    shown = ", ".join(str(v) for v in values[:limit])
    return shown + (", ..." if len(values) > limit else "")


def _label_kind(value):
    if isinstance(value, (str, np.str_, bytes)):
        return "str"
    if isinstance(value, (bool, np.bool_, numbers.Number)):
        return "number"
    return type(value).__name__


def _check_one_label_type(array, name):
    """Refuse object arrays that mix text and numbers (``1`` and ``"1"``).

    Sorting such labels fails and comparing them as text would merge ``1``
    with ``"1"``: two different values would silently become one group.
    """
    if array.dtype != object:
        return
    kinds = {}
    for value in array:
        kinds.setdefault(_label_kind(value), value)
        if len(kinds) > 1:
            break
    if len(kinds) > 1:
        examples = ", ".join(f"{repr(v)} ({k})" for k, v in kinds.items())
        raise ValueError(
            f"{name} mixes label types: {examples}. Convert them to one type first "
            f"(e.g. .astype(str)), so that 1 and '1' are not mistaken for each other"
        )


def _unique_labels(array, name="labels"):
    _check_one_label_type(array, name)
    groups, codes = np.unique(array, return_inverse=True)
    return groups, codes.reshape(-1)


#: Labels read as "0 = unfavourable, 1 = favourable" without asking.
_STANDARD_LABEL_SETS = ({0, 1}, {-1, 1})


def resolve_pos_label(labels, pos_label, name, *, warn=True):
    """The positive (favourable) label among ``labels`` (sorted, at most two).

    ``pos_label=None`` follows scikit-learn: the larger label is positive,
    which is 1 for {0, 1} and {-1, 1} and ``True`` for booleans. With any
    other labels (``{1, 2}``, strings) that choice is alphabetical, not
    meaningful, so a :class:`PositiveLabelWarning` says which label was taken
    (only when ``warn``: callers pass ``warn=False`` where the result does
    not depend on the choice, as for demographic parity).
    """
    values = labels.tolist()
    if pos_label is not None:
        if pos_label not in values:
            raise ValueError(
                f"pos_label={pos_label!r} is not one of the labels of {name}: "
                f"{format_values(values)}"
            )
        return values[values.index(pos_label)]
    if labels.dtype == bool or all(isinstance(v, (bool, np.bool_)) for v in values):
        return True
    numeric = all(_label_kind(v) == "number" for v in values)
    if numeric and any(set(values) <= s for s in _STANDARD_LABEL_SETS):
        return 1
    if len(values) < 2:
        raise ValueError(
            f"{name} holds a single label ({format_values(values)}) that is not 0/1: "
            "pass pos_label= to say whether it is the favourable one"
        )
    if warn:
        warnings.warn(
            f"{name} has labels {format_values(values)}: taking the larger, "
            f"{values[-1]!r}, as the positive (favourable) label, as scikit-learn does. "
            f"Pass pos_label= to choose it explicitly.",
            PositiveLabelWarning,
            stacklevel=4,
        )
    return values[-1]


class PositiveLabelWarning(UserWarning):
    """Labels are not 0/1 (or -1/1, or booleans) and no ``pos_label`` was given."""


def check_binary(values, name, *, pos_label=1):
    """Check that ``values`` holds at most two labels and return it as 0/1.

    The label ``pos_label`` becomes 1 and the other label becomes 0;
    ``pos_label=None`` chooses it as :func:`resolve_pos_label` does.
    """
    array = as_1d_array(values, name, numeric=False)
    if array.dtype == bool and pos_label in (0, 1):
        array = array.astype(np.int64)
    labels, _ = _unique_labels(array, name)
    if labels.size > 2:
        raise ValueError(
            f"{name} must be binary, got {labels.size} distinct values ({format_values(labels)})"
        )
    if pos_label is None:
        pos_label = resolve_pos_label(labels, None, name)
    elif labels.size == 2 and pos_label not in labels.tolist():
        raise ValueError(
            f"pos_label={pos_label!r} is not one of the labels of {name}: {format_values(labels)}"
        )
    return (array == pos_label).astype(np.int64)


def check_binary_target(y, name="y", *, pos_label=None, warn=True):
    """The one parser of a binary classification target.

    Returns ``(classes, y_pos, pos_label)``: the two sorted labels (like
    scikit-learn's ``classes_``), a 0/1 array that is 1 where ``y`` equals the
    positive label, and that label (see :func:`resolve_pos_label`). A
    regression target, one class or three classes raise a ``ValueError``
    worded so that scikit-learn's estimator checks recognize it.
    """
    if y is None:
        raise ValueError(
            f"{name} is missing: the estimator requires y to be passed, but the target y is None"
        )
    if np.ndim(np.asarray(y)) == 2 and np.shape(y)[1] == 1:
        y = column_or_1d(np.asarray(y), warn=True)  # DataConversionWarning, as scikit-learn
    y = as_1d_array(y, name, numeric=False)
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError(f"Input {name} contains infinity or NaN")
    _check_one_label_type(y, name)
    kind = type_of_target(y, input_name=name)
    if kind not in ("binary", "multiclass"):
        raise ValueError(
            f"Unknown label type: {name} must hold class labels, got a {kind} target "
            "(is this a regression target?)"
        )
    classes, codes = _unique_labels(y, name)
    if classes.size == 1:
        raise ValueError(
            f"{name} has a single class ({format_values(classes)}): a binary classifier "
            "can't train when only one class is present"
        )
    if classes.size > 2:
        raise ValueError(
            f"Only binary classification is supported: {name} must be binary, got "
            f"{classes.size} classes ({format_values(classes)})"
        )
    pos_label = resolve_pos_label(classes, pos_label, name, warn=warn)
    y_pos = (codes == classes.tolist().index(pos_label)).astype(np.int64)
    return classes, y_pos, pos_label


def _merge_columns(frame, name):
    """One label per row from several columns (intersectional groups, as fairlearn)."""
    columns = [frame.iloc[:, j] for j in range(frame.shape[1])]
    for column in columns:
        if column.isna().any():
            raise ValueError(f"{name} contains missing values ({int(column.isna().sum())})")

    def escape(value):
        return str(value).replace("\\", "\\\\").replace(",", "\\,")

    return np.array(
        [
            ",".join(escape(v) for v in row)
            for row in zip(*(c.tolist() for c in columns), strict=True)
        ],
        dtype=object,
    )


def check_groups(sensitive_features, n_samples=None, *, min_groups=2, name="sensitive_features"):
    """Validate group labels and return ``(groups, codes)``.

    ``groups`` holds the sorted distinct labels and ``codes[i]`` is the index
    of sample ``i``'s group in ``groups``. Any hashable labels are accepted
    (strings, integers, booleans, categoricals); missing values are rejected,
    and so are labels that mix text and numbers. Several columns (a
    DataFrame or a 2-D array) define intersectional groups, one per
    combination of values, labelled ``"a,b"`` as in fairlearn.
    """
    if sensitive_features is None:
        raise ValueError(
            f"{name} is required: pass the group of each sample, e.g. {name}=df['sex']"
        )
    if isinstance(sensitive_features, (str, bytes)):
        raise ValueError(
            f"{name}={sensitive_features!r} is a string: pass the column's values "
            f"(e.g. {name}=df[{sensitive_features!r}]), not its name"
        )
    if not isinstance(sensitive_features, (pd.Series, pd.DataFrame)):
        array = np.asarray(sensitive_features)
        if array.ndim == 2 and array.shape[1] > 1 and array.shape[0] > 0:
            sensitive_features = pd.DataFrame(array)
        elif array.ndim == 0:
            raise ValueError(
                f"{name} must be one value per sample, got the single value {sensitive_features!r}"
            )
    if isinstance(sensitive_features, (pd.Series, pd.DataFrame)):
        series = sensitive_features
        if isinstance(series, pd.DataFrame):
            if series.shape[1] == 0:
                raise ValueError(f"{name} has no column")
            if series.shape[1] > 1:
                array = _merge_columns(series, name)
                series = None
            else:
                series = series.iloc[:, 0]
        if series is not None:
            if series.isna().any():
                raise ValueError(f"{name} contains missing values ({int(series.isna().sum())})")
            array = series.to_numpy()
            if array.dtype.kind not in "biufcUSO":
                array = np.asarray(series.astype(object))
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
    if (
        array.dtype.kind in "iu"
        and array.size
        and 0 <= array.min()
        and array.max() <= 4 * array.size + 1024
    ):
        # Small non-negative integer labels (the common 0..K-1 coding): one
        # counting pass instead of np.unique's sort, same result.
        present = np.bincount(array) > 0
        groups = np.flatnonzero(present).astype(array.dtype)
        codes = (np.cumsum(present) - 1)[array]
    else:
        groups, codes = _unique_labels(array, name)
    if groups.size < min_groups:
        raise ValueError(
            f"{name} has {groups.size} group(s) ({format_values(groups)}) among "
            f"{array.shape[0]} sample(s); at least {min_groups} are needed to compare groups"
        )
    return groups, codes.reshape(-1)


class SmallGroupWarning(UserWarning):
    """A group is too small for its rate to say much.

    Derived in :ref:`chapter 2, § How far is the empirical DEO from the true DEO?
    <sec-empirical-deo-interval>`.

    Raised as a warning (not an error) so that a reader still gets the
    number; turn it into an error with
    ``warnings.simplefilter("error", SmallGroupWarning)``.
    """


#: Below this many examples behind a group's rate, metrics and estimators
#: warn: the standard error of a rate estimated from n examples can reach
#: 0.5 / sqrt(n), i.e. 0.09 at n = 30 (the classic rule of thumb).
SMALL_GROUP_SIZE = 30


def warn_small_groups(
    groups, counts, *, who="examples", where="", threshold=SMALL_GROUP_SIZE, stacklevel=3, what=None
):
    """Warn (:class:`SmallGroupWarning`) about groups whose count is below ``threshold``."""
    counts = np.asarray(counts)
    small = counts < threshold
    if not small.any():
        return
    small_groups = np.asarray(groups)[small].tolist()
    described = ", ".join(
        f"{g} ({format_values([n])} {who})"
        for g, n in zip(small_groups, counts[small], strict=True)
    )
    if what is None:
        what = (
            f"their rates are noisy (standard error up to "
            f"{0.5 / np.sqrt(max(counts[small].min(), 1)):.2f}); see "
            "fairtutor.risk.fairness_confidence_interval for an interval"
        )
    warnings.warn(
        f"{where}group(s) {described} have fewer than {threshold} {who}: {what}",
        SmallGroupWarning,
        stacklevel=stacklevel,
    )


def encode_known_groups(
    sensitive_features, known_groups, n_samples, *, seen_in="in fit", min_groups=1
):
    """Index into ``known_groups`` (the fitted ``groups_``) of each sample's group.

    For predict-time data: a batch may hold only some of the fitted groups
    (``min_groups=1``), but a group never seen when fitting raises a
    ``ValueError`` naming it, since the model has nothing learned for it.
    """
    groups, codes = check_groups(sensitive_features, n_samples, min_groups=min_groups)
    known = np.asarray(known_groups).tolist()
    index = {(_label_kind(g), g): i for i, g in enumerate(known)}
    unseen = [g for g in groups.tolist() if (_label_kind(g), g) not in index]
    if unseen:
        raise ValueError(
            f"group(s) {format_values(unseen, limit=10)} were not seen {seen_in} "
            f"(known groups: {format_values(known, limit=10)})"
        )
    mapping = np.array([index[(_label_kind(g), g)] for g in groups.tolist()], dtype=np.int64)
    if np.array_equal(mapping, np.arange(len(known))):
        return codes  # the batch has every fitted group: its codes already are the indices
    return mapping[codes]


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
