"""The contract every fairtutor estimator follows, written once.

Every model of the library (``LinearFERM``, ``KernelFERM``,
``FairLogisticRegression``, ``ReweighingClassifier``,
``GroupThresholdClassifier``, ``BarycenterPostprocessor``,
``WassersteinFairRegressor``, ``FairRepresentationLearner``) validates its
inputs here, so they all behave alike:

- ``X`` goes through scikit-learn's public ``validate_data``, which sets
  ``n_features_in_`` and ``feature_names_in_`` and names the argument in its
  NaN/inf errors;
- ``sensitive_features`` are *values* (one per row), parsed by one function,
  one parser (``check_groups``): several columns mean
  intersectional groups, a string gets "pass the column's values, not its
  name", and leaving it out raises the same ``ValueError`` everywhere;
- a binary target is parsed by one function with ``pos_label`` (the
  favourable label; by default the larger label, as in scikit-learn, with a
  :class:`PositiveLabelWarning` when the labels are not 0/1, -1/1 or
  booleans and the choice matters);
- each class declares its parameters once, in a ``_parameter_table`` checked
  at ``fit`` (:func:`check_params`), so ``KernelFERM(gamma=-1)`` fails with a
  message naming the fairtutor parameter;
- ``sample_weight`` is checked by :func:`check_sample_weight` and passed to
  a base learner only when it accepts it (:func:`fit_base`).

``tests/test_common.py`` runs every estimator through the same checks.
"""

from __future__ import annotations

import inspect
import numbers
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from sklearn.utils import get_tags
from sklearn.utils.validation import has_fit_parameter, validate_data

from ._validation import PositiveLabelWarning, as_1d_array, check_groups, warn_small_groups

__all__ = [
    "Constraint",
    "PositiveLabelWarning",
    "CONSTRAINTS",
    "Interval",
    "Options",
    "InstanceOf",
    "HasMethods",
    "check_params",
    "check_sample_weight",
    "fit_base",
    "require_sensitive_features",
    "validate_X",
    "n_rows",
    "take_rows",
    "deprecated_rename",
]

#: The fairness notions a fairtutor model can be asked to satisfy.
Constraint = Literal["demographic_parity", "equal_opportunity"]
CONSTRAINTS: tuple[str, ...] = ("demographic_parity", "equal_opportunity")


# ---------------------------------------------------------------- parameters
@dataclass(frozen=True)
class Interval:
    """A real (or integer, with ``integer=True``) number between two bounds.

    ``closed`` says which bounds belong to the interval: ``"both"``,
    ``"left"``, ``"right"`` or ``"neither"``; ``None`` means unbounded.
    Booleans and NaN are refused.
    """

    low: float | None = None
    high: float | None = None
    closed: Literal["both", "left", "right", "neither"] = "both"
    integer: bool = False

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is a finite number of the right kind inside the bounds."""
        kind = numbers.Integral if self.integer else numbers.Real
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, kind):
            return False
        value = float(value)
        if not np.isfinite(value):
            return False
        if self.low is not None:
            if value < self.low or (value == self.low and self.closed in ("right", "neither")):
                return False
        if self.high is not None:
            if value > self.high or (value == self.high and self.closed in ("left", "neither")):
                return False
        return True

    def describe(self) -> str:
        """The interval in words, for error messages (e.g. "a number in (0, 1]")."""
        what = "an integer" if self.integer else "a number"
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        if self.low is not None and self.high is not None:
            return f"{what} in {left}{self.low:g}, {self.high:g}{right}"
        if self.low is not None:
            return f"{what} {'>=' if left == '[' else '>'} {self.low:g}"
        if self.high is not None:
            return f"{what} {'<=' if right == ']' else '<'} {self.high:g}"
        return f"a finite {'integer' if self.integer else 'number'}"


@dataclass(frozen=True)
class Options:
    """One of a fixed set of values (compared with ``==``; ``None`` allowed)."""

    values: tuple

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is one of the allowed values (same type, or both strings)."""
        return any(
            value is v
            or (type(value) is type(v) and value == v)
            or (isinstance(value, str) and isinstance(v, str) and value == v)
            for v in self.values
        )

    def describe(self) -> str:
        """The allowed values in words, for error messages."""
        return "one of " + ", ".join(repr(v) for v in self.values)


@dataclass(frozen=True)
class InstanceOf:
    """An instance of some type(s), described in words."""

    types: tuple
    description: str

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is an instance of one of ``types``."""
        return isinstance(value, self.types)

    def describe(self) -> str:
        """The expected value in words (``description``), for error messages."""
        return self.description


@dataclass(frozen=True)
class HasMethods:
    """An object with the given methods (duck typing, as scikit-learn's meta-estimators)."""

    methods: tuple
    description: str

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` has every method of ``methods`` (callable attributes)."""
        return all(callable(getattr(value, m, None)) for m in self.methods)

    def describe(self) -> str:
        """The expected value in words (``description``), for error messages."""
        return self.description


def check_params(estimator: Any, table: Mapping[str, Sequence[Any]]) -> None:
    """Check each parameter of ``estimator`` against its rules in ``table``.

    ``table`` maps a parameter name to a list of rules (:class:`Interval`,
    :class:`Options`, :class:`InstanceOf`); the value must satisfy one. The
    error names the class and the parameter, e.g. ``KernelFERM: gamma must
    be one of 'scale', 'auto' or a number > 0, got -1.0``.

    Examples
    --------
    >>> from fairtutor.base import Interval, Options, check_params
    >>> from fairtutor.ferm import KernelFERM
    >>> table = {"gamma": [Options(("scale", "auto")), Interval(0, None, "neither")]}
    >>> check_params(KernelFERM(gamma=0.5), table)     # fine: returns None
    >>> check_params(KernelFERM(gamma=-1.0), table)
    Traceback (most recent call last):
    ...
    ValueError: KernelFERM: gamma must be one of 'scale', 'auto' or a number > 0, got -1.0
    """
    for name, rules in table.items():
        value = getattr(estimator, name)
        if not any(rule.accepts(value) for rule in rules):
            allowed = " or ".join(rule.describe() for rule in rules)
            raise ValueError(f"{type(estimator).__name__}: {name} must be {allowed}, got {value!r}")


def deprecated_rename(
    estimator: Any, old: str, new: str, *, version: str = "0.3", stacklevel: int = 3
) -> Any:
    """Value of parameter ``new``, taking the deprecated ``old`` when it was set.

    The old name keeps working with a ``FutureWarning``; giving both is an
    error. The old parameter's default is the string ``"deprecated"``.
    """
    old_value = getattr(estimator, old)
    if isinstance(old_value, str) and old_value == "deprecated":
        return getattr(estimator, new)
    warnings.warn(
        f"{type(estimator).__name__}({old}=...) is deprecated and will be removed in "
        f"fairtutor {version}: use {new}={old_value!r}",
        FutureWarning,
        stacklevel=stacklevel,
    )
    return old_value


# ---------------------------------------------------------------- inputs
def require_sensitive_features(
    estimator: Any, sensitive_features: Any, method: str = "fit"
) -> None:
    """The one error for a missing ``sensitive_features``, the same in every estimator."""
    if sensitive_features is None:
        name = estimator if isinstance(estimator, str) else type(estimator).__name__
        raise ValueError(
            f"sensitive_features is required: {name}.{method}(X, ..., "
            f"sensitive_features=s) with one group per row (in a Pipeline, "
            f"cross_val_score or GridSearchCV, route it with "
            f"set_{method}_request(sensitive_features=True))"
        )


def validate_X(estimator: Any, X: Any, *, reset: bool, numeric: bool = True, y: Any = None) -> Any:
    """``sklearn.utils.validation.validate_data`` with fairtutor's defaults.

    ``numeric=True``: a dense float64 array (NaN/inf refused, with the
    argument named). ``numeric=False`` (meta-estimators, whose base learner
    may take DataFrames with text columns): only ``n_features_in_`` and
    ``feature_names_in_`` are recorded and checked, ``X`` is returned as is
    (array-likes without ``shape`` become numpy arrays).
    """
    if not numeric:
        if not hasattr(X, "shape") and not hasattr(X, "iloc"):
            X = np.asarray(X)
        # 1-D numbers are a mistake (one feature or one sample?); 1-D text is
        # fine for a base pipeline that starts with a text vectorizer.
        if len(X.shape) == 1 and getattr(X, "dtype", np.dtype(object)).kind in "biuf":
            raise ValueError(
                f"Expected a 2-D X (n_samples, n_features), got shape {X.shape}. Reshape "
                "your data with X.reshape(-1, 1) for a single feature or X.reshape(1, -1) "
                "for a single sample"
            )
        validate_data(estimator, X, reset=reset, skip_check_array=True)
        return X
    kwargs = dict(accept_sparse=False, dtype=np.float64, ensure_min_samples=1)
    if y is not None and hasattr(y, "__len__") and n_rows(X) != n_rows(y):
        raise ValueError(
            f"inputs have different lengths (inconsistent numbers of samples): "
            f"X has {n_rows(X)} rows but y has {n_rows(y)} entries"
        )
    if y is None:
        return validate_data(estimator, X, reset=reset, **kwargs)
    return validate_data(estimator, X, y, reset=reset, **kwargs)


def n_rows(X: Any) -> int:
    """Number of rows of an array, DataFrame, sparse matrix or list."""
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) > 0:
        return int(shape[0])
    return len(np.asarray(X))


def take_rows(data: Any, index: np.ndarray) -> Any:
    """Rows ``index`` of an array, sparse matrix, DataFrame, Series or list."""
    if hasattr(data, "iloc"):
        return data.iloc[index]
    if hasattr(data, "tocsr"):
        return data.tocsr()[index]
    return np.asarray(data)[index]


def check_sample_weight(sample_weight: Any, n_samples: int) -> np.ndarray | None:
    """``None`` or a float64 array of ``n_samples`` finite, non-negative weights."""
    if sample_weight is None:
        return None
    weights = as_1d_array(sample_weight, "sample_weight").astype(np.float64)
    if weights.shape[0] != n_samples:
        raise ValueError(
            f"inputs have different lengths: sample_weight has {weights.shape[0]} entries "
            f"but there are {n_samples} samples"
        )
    if not np.isfinite(weights).all():
        raise ValueError("sample_weight contains infinite values")
    if (weights < 0).any():
        raise ValueError(f"sample_weight has {int((weights < 0).sum())} negative value(s)")
    if not weights.sum() > 0:
        raise ValueError("sample_weight sums to zero")
    return weights


def fit_base(estimator: Any, X: Any, y: Any, sample_weight: np.ndarray | None, owner: Any) -> Any:
    """``estimator.fit(X, y)``, with ``sample_weight`` when there is one.

    A base learner that does not accept ``sample_weight`` gets a clear error
    naming it (rather than a silent unweighted fit).
    """
    if sample_weight is None:
        return estimator.fit(X, y)
    takes_kwargs = any(
        p.kind is inspect.Parameter.VAR_KEYWORD
        for p in inspect.signature(estimator.fit).parameters.values()
    )
    if not (has_fit_parameter(estimator, "sample_weight") or takes_kwargs):
        raise ValueError(
            f"{type(owner).__name__} got sample_weight, but its base estimator "
            f"{type(estimator).__name__} does not accept sample_weight in fit"
        )
    return estimator.fit(X, y, sample_weight=sample_weight)


def accepts_sparse(estimator: Any) -> bool:
    """Whether a base estimator takes sparse ``X`` (its scikit-learn tag; False if unknown)."""
    try:
        return bool(get_tags(estimator).input_tags.sparse)
    except (AttributeError, TypeError):  # not a scikit-learn estimator: assume dense only
        return False


def check_weighted_classes(y: Any, sample_weight: np.ndarray | None) -> None:
    """Refuse weights that leave a single class with positive weight."""
    if sample_weight is None:
        return
    labels = np.unique(np.asarray(y)[sample_weight > 0])
    if labels.size < 2:
        raise ValueError(
            "all samples with positive sample_weight belong to one class "
            f"({', '.join(map(str, labels.tolist()))}): a classifier needs two"
        )


def fit_groups(
    sensitive_features: Any,
    n_samples: int,
    owner: Any,
) -> tuple[np.ndarray, np.ndarray]:
    """The groups of a training set: parsed, and a warning for any tiny group.

    A group with fewer than 30 training examples gives the model little to
    go on and its fairness constraint (a mean over the group) is noisy, so
    a :class:`~fairtutor._validation.SmallGroupWarning` names it.
    """
    require_sensitive_features(owner, sensitive_features)
    groups, codes = check_groups(sensitive_features, n_samples)
    warn_small_groups(
        groups,
        np.bincount(codes, minlength=groups.size),
        where=f"{type(owner).__name__}: ",
        stacklevel=4,
        what="what the model estimates for such a group (a mean, a rate, a "
        "quantile) is noisy, and so is its fairness",
    )
    return groups, codes
