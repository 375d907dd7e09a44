"""Fair empirical risk minimization with the orthogonality constraint.

Chapter 3 of the book ("Fair ERM and the orthogonality constraint") derives
everything here, following Donini et al. (NeurIPS 2018). Replacing the 0-1
loss by the *linear* loss in the equal-opportunity constraint turns it into a
linear constraint on the weights of ``f(x) = <w, phi(x)> + b``::

    |<w, u>| <= epsilon,   u = u_a - u_b,

where ``u_g`` is the mean feature vector of the positive examples of group
``g``. With more than two groups the constraint bounds every pairwise gap,
``max_{g, h} |<w, u_g - u_h>| <= epsilon``; with ``epsilon = 0`` this says that
``w`` is orthogonal to the span of the group-difference vectors, which does
not depend on the order of the group labels.

- :func:`fairness_direction` computes the difference vectors.
- :class:`LinearFERM` wraps any linear classifier. With ``epsilon=0`` the
  constraint is a pre-processing: project the data onto the orthogonal
  complement of the span and train the classifier there (``transform`` gives
  that fair representation).
- :class:`KernelFERM` solves the kernel problem exactly as a standard SVM with
  the projected kernel ``K'(x, x') = K(x, x') - k_u(x) k_u(x') / ||u||^2``.

Both accept ``epsilon > 0``: the data's component along the span is shrunk by
a factor ``c`` in ``[0, 1]``, found by bisection so that the largest pairwise
gap equals ``epsilon``. For two groups this solves the constrained problem
exactly, because the shrinkage is the Lagrange multiplier of the constraint in
disguise (chapter 3 proves it); for more groups the result is feasible and
invariant to relabelling the groups, but one common shrinkage of the whole
span is not in general the exact optimum of the pairwise constraints. Unlike
the original code (two groups, ``epsilon=0``, a generic QP solver), any number
of groups works and the solvers are scikit-learn's.
"""

from __future__ import annotations

import warnings
from functools import partial
from typing import Literal

import numpy as np
from scipy.linalg.blas import dger
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, TransformerMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import pairwise_kernels
from sklearn.svm import SVC
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._validation import base_estimator_has, check_binary_target, check_groups
from .base import (
    CONSTRAINTS,
    Constraint,
    HasMethods,
    Interval,
    Options,
    check_params,
    check_sample_weight,
    check_weighted_classes,
    fit_base,
    fit_groups,
    require_sensitive_features,
    validate_X,
)

__all__ = [
    "fairness_direction",
    "shrink_along_span",
    "linear_fit_at",
    "kernel_fit_at",
    "LinearFERM",
    "KernelFERM",
]

_CONSTRAINTS = CONSTRAINTS
# Relative size below which a difference vector counts as zero (groups that
# already have equal means) or a direction as linearly dependent on others.
_RANK_RTOL = 1e-10
# Stopping rule of the epsilon > 0 search: |<w, u>| within this relative
# distance below epsilon, a bracket on c^2 narrower than 1e-6, or this many fits.
_EPS_RTOL = 1e-3
_MAX_BISECTION = 30


def _validate(estimator, X, y=None, reset=True):
    """``validate_data`` for dense float input (see :func:`fairtutor.base.validate_X`)."""
    if reset and y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y is None"
        )
    return validate_X(estimator, X, reset=reset, y=y)


def _check_constraint(constraint):
    if constraint not in _CONSTRAINTS:
        raise ValueError(
            f"constraint must be one of {', '.join(map(repr, _CONSTRAINTS))}, got {constraint!r}"
        )


def _check_epsilon(epsilon):
    if not Interval(0, None).accepts(epsilon):
        raise ValueError(f"epsilon must be a non-negative number, got {epsilon!r}")
    return float(epsilon)


def _binary_target(y, pos_label=None, constraint="equal_opportunity"):
    """Return ``(classes, y_pos, pos_label)``: 1 in ``y_pos`` marks the positive label.

    The choice of the positive label matters only for equal opportunity (whose
    means are over the positives), so only then does a non-0/1 label warn.
    """
    return check_binary_target(y, "y", pos_label=pos_label, warn=constraint == "equal_opportunity")


def _membership(y01, codes, n_groups, constraint, groups, sample_weight=None):
    """Weight matrix ``A`` (n, n_groups - 1): column j averages group j+1 minus group 0.

    For equal opportunity the averages are over positive examples only, for
    demographic parity over all examples of the group. ``A.T @ X`` gives the
    difference vectors; with a kernel, ``K @ A`` gives ``<phi(x_i), u_j>``.
    """
    mask = (y01 == 1) if constraint == "equal_opportunity" else np.ones(y01.shape, bool)
    counts = np.bincount(codes[mask], minlength=n_groups)
    empty = groups[counts == 0]
    if empty.size:
        raise ValueError(
            f"group(s) {', '.join(map(str, empty))} have no positive examples (y == 1); "
            "the equal-opportunity constraint needs the mean of each group's positives"
        )
    weights = np.zeros((y01.shape[0], n_groups))
    rows = np.flatnonzero(mask)
    if sample_weight is None:
        weights[rows, codes[rows]] = 1.0 / counts[codes[rows]]
    else:  # weighted group means
        totals = np.bincount(codes[rows], weights=sample_weight[rows], minlength=n_groups)
        with np.errstate(divide="ignore", invalid="ignore"):
            weights[rows, codes[rows]] = sample_weight[rows] / totals[codes[rows]]
    return weights[:, 1:] - weights[:, [0]]


def _prepare_fit(
    X, y, sensitive_features, constraint, *, pos_label=None, owner=None, sample_weight=None
):
    """Shared validation of fit inputs: returns classes, y_pos, groups, A, pos_label."""
    _check_constraint(constraint)
    require_sensitive_features(
        owner if owner is not None else "fairness_direction",
        sensitive_features,
        "fit" if owner is not None else "call",
    )
    classes, y01, pos_label = _binary_target(y, pos_label, constraint)
    groups, codes = (
        fit_groups(sensitive_features, X.shape[0], owner)
        if owner is not None
        else check_groups(sensitive_features, X.shape[0])
    )
    weights = _membership(y01, codes, groups.size, constraint, groups, sample_weight)
    return classes, y01, groups, weights, pos_label


def fairness_direction(
    X: object,
    y: object,
    *,
    sensitive_features: object,
    constraint: Constraint = "equal_opportunity",
    pos_label: object = None,
) -> np.ndarray:
    """The group-difference vectors whose orthogonality makes a linear model fair.

    Derived in :ref:`chapter 3, § From the fair ERM problem to a linear constraint
    <sec-fair-erm-linear-constraint>` (demographic parity: :ref:`§ Variants
    <fair-erm-variants>`).

    For equal opportunity, ``u_g`` is the mean of the rows of ``X`` whose label
    is positive and whose group is ``g``; for demographic parity it is the
    mean over all rows of group ``g``. With groups ``g_0 < g_1 < ... < g_{K-1}``
    (sorted labels) the function returns the ``K - 1`` differences
    ``u_{g_k} - u_{g_0}``, one per group against the first (reference) group.
    A linear score ``<w, x> + b`` satisfies the linear-loss fairness
    constraint exactly when ``<w, u> = 0`` for every returned row ``u``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Features (for a kernel model, apply the feature map first).
    y : array-like of shape (n_samples,)
        Binary labels.
    sensitive_features : array-like of shape (n_samples,) or (n_samples, n_columns)
        Group of each sample (any hashable labels, at least two groups).
    constraint : {"equal_opportunity", "demographic_parity"}, default="equal_opportunity"
        Which group means to compare.
    pos_label : int, str or bool, default=None
        The favourable label, whose examples equal opportunity averages.
        ``None``: the larger label, as in scikit-learn.

    Returns
    -------
    directions : ndarray of shape (n_groups - 1, n_features)
        Row ``k - 1`` is ``u_{g_k} - u_{g_0}``. With two groups this is a
        single row, the ``u`` of Donini et al. (2018).

    Raises
    ------
    ValueError
        If lengths differ, ``y`` is not binary, there is a single group, or a
        group has no positive example (equal opportunity).

    Examples
    --------
    >>> import numpy as np
    >>> from fairtutor.ferm import fairness_direction
    >>> X = np.array([[1.0, 0.0], [3.0, 1.0], [0.0, 2.0], [5.0, 5.0]])
    >>> y = np.array([1, 1, 1, 0])
    >>> s = np.array(["a", "a", "b", "b"])
    >>> fairness_direction(X, y, sensitive_features=s)  # [0, 2] - mean of [1, 0], [3, 1]
    array([[-2. ,  1.5]])
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be two-dimensional, got shape {X.shape}")
    y = np.asarray(y)
    if y.ndim != 1:
        y = y.reshape(-1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"inputs have different lengths: X has {X.shape[0]} rows, y has {y.shape[0]}"
        )
    _, _, _, weights, _ = _prepare_fit(X, y, sensitive_features, constraint, pos_label=pos_label)
    return weights.T @ X


def _orthonormal_basis(directions):
    """Orthonormal basis (n_features, rank) of the span of the rows of ``directions``."""
    scale = max(1.0, float(np.abs(directions).max(initial=0.0)))
    left, sing, _ = np.linalg.svd(directions.T, full_matrices=False)
    keep = sing > _RANK_RTOL * scale * max(directions.shape)
    return left[:, keep]


def _pairwise_gap(values):
    """Largest ``|<w, u_g - u_h>|`` over pairs of groups.

    ``values`` holds ``<w, u_k - u_0>`` for k = 1..K-1; with ``<w, u_0 - u_0> = 0``
    added, the largest pairwise gap is their range (max minus min). It does not
    depend on which group is the reference, unlike ``max_k |values_k|``, which
    can be half of it when K > 2.
    """
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    return float(max(values.max(initial=0.0), 0.0) - min(values.min(initial=0.0), 0.0))


def _warn_if_not_ridge(estimator):
    """Warn when the epsilon > 0 path cannot be exact for this base learner.

    Shrinking the data along ``u`` acts on the solution only through an
    ``||w||^2`` penalty (chapter 3); without one (``penalty=None``, ``C=inf``)
    or with an L1 part, the search returns a feasible model that can be far
    from the constrained optimum.
    """
    params = estimator.get_params(deep=False) if hasattr(estimator, "get_params") else {}
    penalty = params.get("penalty", "l2")
    l1_ratio = params.get("l1_ratio", None)
    C = params.get("C", 1.0)
    no_ridge = (
        penalty is None
        or penalty in ("none", "l1", "elasticnet")
        or (l1_ratio is not None and l1_ratio != 0)
        or (isinstance(C, (int, float)) and not np.isfinite(C))
    )
    if no_ridge:
        warnings.warn(
            f"LinearFERM(epsilon > 0) is exact only for a learner with an ||w||^2 penalty; "
            f"{type(estimator).__name__} with penalty={penalty!r}, l1_ratio={l1_ratio!r}, "
            f"C={C!r} gets a feasible model that need not be the constrained optimum",
            UserWarning,
            stacklevel=3,
        )


def _warn_already_fair(model):
    warnings.warn(
        f"{type(model).__name__}: the groups' means coincide (u = 0), so every model "
        "already satisfies the constraint; fitting the unconstrained model",
        UserWarning,
        stacklevel=3,
    )


def _bisect_shrinkage(fit_at, epsilon):
    """Find the shrinkage c in [0, 1] at which the fit's largest pairwise gap is epsilon.

    ``fit_at(c)`` fits the model on data whose component along the span of
    the directions is multiplied by ``c`` and returns ``(state, violation)``.
    The violation is non-increasing in the penalty ``1/c^2 - 1`` (chapter 3),
    so a bracketing root search on ``c^2`` (regula falsi with the Illinois
    modification, which keeps bisection's guarantee and converges much
    faster) finds where the constraint becomes active. Only feasible fits are
    returned. Returns ``(state, c, n_fits)``.
    """
    state, value = fit_at(1.0)
    if value <= epsilon:
        return state, 1.0, 1
    low_state, _ = fit_at(0.0)
    best = (low_state, 0.0)
    # g(t) = violation(c = sqrt(t)) - epsilon: g(0) = -epsilon, g(1) > 0.
    low, g_low, high, g_high = 0.0, -epsilon, 1.0, value - epsilon
    n_fits, side = 2, 0
    for _ in range(_MAX_BISECTION):
        mid = (low * g_high - high * g_low) / (g_high - g_low)
        if not low < mid < high:
            mid = 0.5 * (low + high)
        state, value = fit_at(np.sqrt(mid))
        n_fits += 1
        g_mid = value - epsilon
        if g_mid <= 0:
            best = (state, np.sqrt(mid))
            if value >= (1.0 - _EPS_RTOL) * epsilon:
                break
            low, g_low = mid, g_mid
            if side == -1:
                g_high *= 0.5
            side = -1
        else:
            high, g_high = mid, g_mid
            if side == 1:
                g_low *= 0.5
            side = 1
        if high - low < 1e-6:  # solver noise can stall the search: keep the feasible end
            break
    return best[0], best[1], n_fits


def shrink_along_span(X, basis, shrinkage):
    """``X`` with its component along the span of ``basis`` multiplied by ``shrinkage``.

    Derived in :ref:`chapter 3, § ε > 0 <sec-fair-erm-epsilon>`.

    With ``P`` the projection onto the orthogonal complement of the span
    and ``Pi = I - P``, the rows become ``x P + c x Pi``. ``shrinkage=0`` is the
    fair representation of :ref:`§ Linear models <sec-fair-erm-linear>`
    (:meth:`LinearFERM.transform`), ``shrinkage=1`` leaves ``X`` unchanged.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Features.
    basis : ndarray of shape (n_features, rank)
        Orthonormal basis of the span of the group-difference directions.
    shrinkage : float
        The factor ``c`` in ``[0, 1]``.

    Returns
    -------
    X_shrunk : ndarray of shape (n_samples, n_features)
        A new array (``X`` itself when ``basis`` has no column).

    Examples
    --------
    >>> import numpy as np
    >>> from fairtutor.ferm import shrink_along_span
    >>> X = np.array([[1.0, 2.0], [3.0, -1.0]])
    >>> shrink_along_span(X, np.array([[1.0], [0.0]]), 0.5)   # halve the first axis
    array([[ 0.5,  2. ],
           [ 1.5, -1. ]])
    """
    if basis.shape[1] == 0:
        return X
    out = (X @ basis) @ basis.T  # the component along the span
    out *= shrinkage - 1.0
    out += X  # one n x d array, no other temporaries
    return out


def linear_fit_at(shrinkage, *, estimator, X, y, basis, directions, sample_weight=None, owner=None):
    """Fit a clone of a linear ``estimator`` with the span shrunk by ``shrinkage``.

    Derived in :ref:`chapter 3, § ε > 0 <sec-fair-erm-epsilon>`
    (``shrinkage=0``: :ref:`§ Linear models <sec-fair-erm-linear>`).

    One step of :class:`LinearFERM`. Training on ``x P + c x Pi`` (see
    :func:`shrink_along_span`) and mapping the weights back,
    ``w = v P + c v Pi``, solves the ridge problem with the extra penalty
    ``(1 / c^2 - 1) ||Pi w||^2``; :class:`LinearFERM` searches the ``c`` at
    which the largest pairwise gap equals ``epsilon``.

    Parameters
    ----------
    shrinkage : float
        The factor ``c`` in ``[0, 1]``.
    estimator : estimator object
        Linear classifier exposing ``coef_`` and ``intercept_`` once fitted;
        it is cloned, not modified.
    X : ndarray of shape (n_samples, n_features)
        Training features.
    y : ndarray of shape (n_samples,)
        Binary labels.
    basis : ndarray of shape (n_features, rank)
        Orthonormal basis of the span of ``directions``.
    directions : ndarray of shape (n_groups - 1, n_features)
        The group-difference vectors of :func:`fairness_direction`.
    sample_weight : ndarray of shape (n_samples,), default=None
        Passed to the estimator's ``fit``.
    owner : estimator, default=None
        The estimator named in the error raised when ``estimator`` does not
        accept ``sample_weight``.

    Returns
    -------
    state : tuple ``(fitted, coef)``
        The fitted clone and the weights ``coef`` of shape (1, n_features) in
        the original coordinates.
    gap : float
        The largest pairwise gap ``max_{g, h} |<coef, u_g - u_h>|``.

    Raises
    ------
    ValueError
        If the fitted estimator has no ``coef_`` or ``intercept_``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from fairtutor.ferm import fairness_direction, linear_fit_at
    >>> rng = np.random.default_rng(0)
    >>> s = rng.integers(0, 2, 300)
    >>> X = rng.normal(size=(300, 3)) + s[:, None] * [1.0, 0.0, 0.0]
    >>> y = (X[:, 0] + X[:, 1] + rng.normal(size=300) > 0.5).astype(int)
    >>> u = fairness_direction(X, y, sensitive_features=s)
    >>> basis = (u / np.linalg.norm(u)).T
    >>> (fitted, coef), gap = linear_fit_at(0.0, estimator=LogisticRegression(), X=X, y=y,
    ...                                     basis=basis, directions=u)
    >>> bool(gap < 1e-10)     # shrinkage 0: w is orthogonal to u
    True
    """
    fitted = fit_base(
        clone(estimator),
        shrink_along_span(X, basis, shrinkage),
        y,
        sample_weight,
        owner if owner is not None else estimator,
    )
    if not (hasattr(fitted, "coef_") and hasattr(fitted, "intercept_")):
        raise ValueError(
            f"LinearFERM needs a linear estimator exposing coef_ and intercept_, "
            f"got {type(fitted).__name__}"
        )
    coef = np.asarray(fitted.coef_, dtype=np.float64).reshape(1, -1)
    coef = coef - (1.0 - shrinkage) * ((coef @ basis) @ basis.T)
    return (fitted, coef), _pairwise_gap(directions @ coef[0])


_LINEAR_FERM_PARAMETERS: dict[str, list] = {
    "estimator": [
        Options((None,)),
        HasMethods(("fit",), "a scikit-learn classifier (an object with fit)"),
    ],
    "constraint": [Options(CONSTRAINTS)],
    "epsilon": [Interval(0, None)],
}


class LinearFERM(MetaEstimatorMixin, ClassifierMixin, TransformerMixin, BaseEstimator):
    """Linear fair ERM: any linear classifier under the orthogonality constraint.

    Derived in :ref:`chapter 3, § Linear models <sec-fair-erm-linear>`
    (``epsilon=0``) and :ref:`§ ε > 0 <sec-fair-erm-epsilon>`; one fit is
    :func:`linear_fit_at`.

    Fits ``estimator`` on data whose component along the group-difference
    directions (see :func:`fairness_direction`) is removed (``epsilon=0``)
    or shrunk just enough that every pairwise gap ``|<w, u_g - u_h>|`` is at
    most ``epsilon`` (``epsilon > 0``; with two groups, ``|<w, u>| <= epsilon``). The
    resulting linear score ``<coef_, x> + intercept_`` satisfies the
    linear-loss fairness constraint of Donini et al. (2018); predictions need
    no sensitive attribute.

    Parameters
    ----------
    estimator : classifier with ``coef_`` and ``intercept_``, default=None
        The linear learner, cloned before fitting. ``None`` means
        ``LogisticRegression()``. With ``epsilon > 0`` it must penalize
        ``||w||^2`` (logistic regression, linear SVM): the shrinkage acts
        through that penalty, and ``fit`` warns when the estimator's
        ``penalty``/``l1_ratio``/``C`` show that it has none.
    constraint : {"equal_opportunity", "demographic_parity"}, default="equal_opportunity"
        Equal opportunity compares the means of the positive examples of each
        group, demographic parity the means of all examples.
    epsilon : float, default=0.0
        Tolerance of the constraint ``max_{g, h} |<w, u_g - u_h>| <= epsilon``
        over all pairs of groups (``|<w, u>| <= epsilon`` for two groups), the
        scale of ``<w, u>``: twice the linear-loss risk gap. Zero gives the
        pre-processing (projection) solution. For two groups a positive value
        is solved exactly (up to a relative bisection tolerance of 1e-3); for
        more groups the whole span is shrunk by one factor, which keeps every
        pairwise gap within ``epsilon`` and does not depend on the order of the
        group labels, but is in general not the exact constrained optimum.
    pos_label : int, str or bool, default=None
        The favourable label, whose examples the equal-opportunity constraint
        averages. ``None``: the larger label, as in scikit-learn (1 for 0/1
        labels; a ``PositiveLabelWarning`` names the label taken otherwise).

    Attributes
    ----------
    estimator_ : classifier
        The fitted clone of ``estimator``, trained on ``transform(X)``.
    classes_ : ndarray of shape (2,)
        The labels; ``classes_[1]`` is the positive class.
    groups_ : ndarray
        The sorted group labels seen in ``fit``; ``groups_[0]`` is the reference.
    directions_ : ndarray of shape (n_groups - 1, n_features)
        The difference vectors ``u_k`` computed on the training data.
    basis_ : ndarray of shape (n_features, rank)
        Orthonormal basis of their span (``rank = 0`` when ``u = 0``).
    shrinkage_ : float
        The factor ``c`` applied to the component along the span (0 for
        ``epsilon=0``, 1 when the unconstrained model is already feasible).
    coef_ : ndarray of shape (1, n_features)
        Weights of the score in the original feature space.
    intercept_ : ndarray of shape (1,)
        Its intercept.
    constraint_values_ : ndarray of shape (n_groups - 1,)
        ``<coef_, u_k>`` for each direction ``u_k = u_{g_k} - u_{g_0}``: zero
        up to rounding when ``epsilon=0``.
    pairwise_gap_ : float
        ``max_{g, h} |<coef_, u_g - u_h>|``, the range of
        ``[0, *constraint_values_]``: the quantity bounded by ``epsilon``.
    n_fits_ : int
        Number of fits of the base estimator (more than one only when
        ``epsilon > 0`` and the constraint is active).
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Names of the features seen in ``fit``, when ``X`` has column names.
    pos_label_ : int, str or bool
        The favourable label the constraint used (see ``pos_label``).

    See Also
    --------
    KernelFERM : the same constraint for a kernel SVM.
    fairness_direction : the vectors ``u``.

    Notes
    -----
    Route ``sensitive_features`` inside a ``Pipeline`` or ``GridSearchCV``
    with scikit-learn's metadata routing::

        sklearn.set_config(enable_metadata_routing=True)
        model = LinearFERM().set_fit_request(sensitive_features=True)

    Examples
    --------
    >>> import numpy as np
    >>> from fairtutor.ferm import LinearFERM
    >>> rng = np.random.default_rng(0)
    >>> s = rng.integers(0, 2, 300)
    >>> X = rng.normal(size=(300, 3)) + s[:, None] * [1.0, 0.0, 0.5]
    >>> y = (X[:, 0] + rng.normal(size=300) > 0.5).astype(int)
    >>> model = LinearFERM().fit(X, y, sensitive_features=s)
    >>> bool(abs(model.constraint_values_[0]) < 1e-10)
    True
    >>> model.predict(X[:3]).shape
    (3,)
    """

    _parameter_table = _LINEAR_FERM_PARAMETERS

    def __init__(
        self,
        estimator: object = None,
        constraint: Constraint = "equal_opportunity",
        epsilon: float = 0.0,
        pos_label: object = None,
    ) -> None:
        self.estimator = estimator
        self.constraint = constraint
        self.epsilon = epsilon
        self.pos_label = pos_label

    def _transform(self, X, shrinkage):
        return shrink_along_span(X, self.basis_, shrinkage)

    def fit(self, X, y, *, sensitive_features=None, sample_weight=None) -> "LinearFERM":
        """Fit the base estimator under the orthogonality constraint.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training features.
        y : array-like of shape (n_samples,)
            Binary labels.
        sensitive_features : array-like of shape (n_samples,) or (n_samples, n_columns)
            Group of each sample (required); several columns define
            intersectional groups.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples: passed to the base estimator and used in
            the group means that define ``u``.

        Returns
        -------
        self : LinearFERM
            The fitted model.
        """
        check_params(self, self._parameter_table)
        epsilon = _check_epsilon(self.epsilon)
        X, y = _validate(self, X, y, reset=True)
        sample_weight = check_sample_weight(sample_weight, X.shape[0])
        check_weighted_classes(y, sample_weight)
        classes, _, groups, weights, pos_label = _prepare_fit(
            X,
            y,
            sensitive_features,
            self.constraint,
            pos_label=self.pos_label,
            owner=self,
            sample_weight=sample_weight,
        )
        self.pos_label_ = pos_label
        base = LogisticRegression() if self.estimator is None else self.estimator
        self.classes_, self.groups_ = classes, groups
        self.directions_ = weights.T @ X
        self.basis_ = _orthonormal_basis(self.directions_)
        if self.basis_.shape[1] == 0:
            _warn_already_fair(self)

        fit_at = partial(
            linear_fit_at,
            estimator=base,
            X=X,
            y=y,
            basis=self.basis_,
            directions=self.directions_,
            sample_weight=sample_weight,
            owner=self,
        )

        if self.basis_.shape[1] == 0:
            (fitted, coef), _ = fit_at(1.0)
            shrinkage, n_fits = 1.0, 1
        elif epsilon == 0.0:
            (fitted, coef), _ = fit_at(0.0)
            shrinkage, n_fits = 0.0, 1
        else:
            _warn_if_not_ridge(base)
            (fitted, coef), shrinkage, n_fits = _bisect_shrinkage(fit_at, epsilon)
        self.estimator_ = fitted
        self.shrinkage_ = float(shrinkage)
        self.n_fits_ = n_fits
        self.coef_ = coef
        self.intercept_ = np.asarray(fitted.intercept_, dtype=np.float64).reshape(-1)
        self.constraint_values_ = self.directions_ @ coef[0]
        self.pairwise_gap_ = _pairwise_gap(self.constraint_values_)
        return self

    def fit_transform(self, X, y=None, *, sensitive_features=None, sample_weight=None):
        """Fit, then return the fair representation of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training features.
        y : array-like of shape (n_samples,)
            Binary labels.
        sensitive_features : array-like of shape (n_samples,)
            Group of each sample (required).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights, as in ``fit``.

        Returns
        -------
        X_fair : ndarray of shape (n_samples, n_features)
            ``transform(X)`` after fitting.
        """
        return self.fit(
            X, y, sensitive_features=sensitive_features, sample_weight=sample_weight
        ).transform(X)

    def get_feature_names_out(self, input_features=None):
        """Names of the columns of ``transform(X)``: those of ``X`` (one per feature).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            The input names; by default ``feature_names_in_`` or
            ``x0, x1, ...``.

        Returns
        -------
        names : ndarray of str
            One name per feature (the projection keeps the columns).
        """
        check_is_fitted(self)
        if input_features is None:
            input_features = getattr(
                self, "feature_names_in_", [f"x{i}" for i in range(self.n_features_in_)]
            )
        if len(input_features) != self.n_features_in_:
            raise ValueError(
                f"input_features has {len(input_features)} names but the model "
                f"was fitted with {self.n_features_in_} features"
            )
        return np.asarray(input_features, dtype=object)

    def transform(self, X):
        """The fair representation: ``X`` with its component along ``u`` removed (or shrunk).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.

        Returns
        -------
        X_fair : ndarray of shape (n_samples, n_features)
            ``X - (1 - c) X B B^T`` with ``B = basis_`` and ``c = shrinkage_``.
        """
        check_is_fitted(self)
        X = _validate(self, X, reset=False)
        return self._transform(X, self.shrinkage_)

    def decision_function(self, X):
        """Score of the base estimator on the fair representation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features (no sensitive attribute needed).

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Equal to ``X @ coef_[0] + intercept_[0]``.
        """
        X_fair = self.transform(X)
        return self.estimator_.decision_function(X_fair)

    def predict(self, X):
        """Predicted labels (no sensitive attribute needed).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        X_fair = self.transform(X)
        return self.estimator_.predict(X_fair)

    @available_if(base_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities, when the base estimator provides them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.

        Returns
        -------
        proba : ndarray of shape (n_samples, 2)
            Columns in the order of ``classes_``.
        """
        X_fair = self.transform(X)
        return self.estimator_.predict_proba(X_fair)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.sparse = False
        try:  # scikit-learn >= 1.6: declare the pre-processing view
            from sklearn.utils import TransformerTags
        except ImportError:  # pragma: no cover
            return tags
        tags.transformer_tags = TransformerTags(preserves_dtype=["float64"])
        return tags


def _minus_low_rank(gram, coords, factor, overwrite=False):
    """``gram - factor * coords @ coords.T`` without an (n, n) temporary.

    The projected kernel differs from the Gram matrix by a matrix of rank
    ``coords.shape[1]`` (at most K - 1), so one rank-one BLAS update per
    column costs a copy of the Gram matrix and no more (none with
    ``overwrite=True``, when the caller no longer needs ``gram``); forming the
    outer product first would cost two more (n, n) arrays.
    """
    out = (
        np.ascontiguousarray(gram, dtype=np.float64)
        if overwrite
        else np.array(gram, dtype=np.float64, order="C", copy=True)
    )
    if factor == 0.0:
        return out
    view = out.T  # F-contiguous, so BLAS updates it in place
    for column in coords.T:
        view = dger(-factor, column, column, a=view, overwrite_a=True)
    return view.T


_KERNEL_FERM_PARAMETERS: dict[str, list] = {
    "C": [Interval(0, None, "neither")],
    "kernel": [Options(("rbf", "linear", "poly", "sigmoid"))],
    "gamma": [Options(("scale", "auto")), Interval(0, None, "neither")],
    "degree": [Interval(0, None, "left", integer=True)],
    "coef0": [Interval()],
    "constraint": [Options(CONSTRAINTS)],
    "epsilon": [Interval(0, None)],
    "tol": [Interval(0, None, "neither")],
}


def kernel_fit_at(
    shrinkage, *, gram, y, coords, expand, k_u, C=1.0, tol=1e-3, overwrite=False, sample_weight=None
):
    r"""Fit an SVM on the kernel whose span component is shrunk by ``shrinkage``.

    Derived in :ref:`chapter 3, § Kernels <sec-fair-erm-kernels>` (``shrinkage=0``)
    and :ref:`§ ε > 0 <sec-fair-erm-epsilon>`.

    One step of :class:`KernelFERM`. The SVM is trained on the precomputed kernel
    ``K - (1 - c^2) coords coords^T``, which is ``K - k_u k_u^T / ||u||^2``
    for two groups and ``c = 0``. Its dual coefficients ``alpha`` are mapped
    to the expansion ``w = sum_i beta_i phi(x_i)`` in the original kernel,
    ``beta = alpha - (1 - c^2) expand coords^T alpha``.

    Parameters
    ----------
    shrinkage : float
        The factor ``c`` in ``[0, 1]``.
    gram : ndarray of shape (n_samples, n_samples)
        The training Gram matrix ``K``.
    y : ndarray of shape (n_samples,)
        Binary labels.
    coords : ndarray of shape (n_samples, rank)
        ``<phi(x_i), e_r>`` for an orthonormal basis ``e_r`` of the span of
        the group-difference vectors (for two groups, ``k_u / ||u||``).
    expand : ndarray of shape (n_samples, rank)
        Coefficients of that basis on the training points,
        ``e_r = sum_i expand[i, r] phi(x_i)``.
    k_u : ndarray of shape (n_samples, n_groups - 1)
        ``<phi(x_i), u_k>`` for each group-difference vector.
    C : float, default=1.0
        Inverse regularization strength of the SVM.
    tol : float, default=1e-3
        Stopping tolerance of the SVM solver.
    overwrite : bool, default=False
        Project ``gram`` in place (saves one n x n copy when the caller no
        longer needs it).
    sample_weight : ndarray of shape (n_samples,), default=None
        Passed to ``SVC.fit`` (per-example scaling of ``C``).

    Returns
    -------
    state : tuple ``(svc, beta, values)``
        The fitted ``SVC``, the coefficients ``beta`` of shape (n_samples,)
        and ``values = <w, u_k>`` of shape (n_groups - 1,).
    gap : float
        The largest pairwise gap ``max_{g, h} |<w, u_g - u_h>|``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.metrics.pairwise import rbf_kernel
    >>> from fairtutor.ferm import kernel_fit_at
    >>> rng = np.random.default_rng(0)
    >>> s = rng.integers(0, 2, 200)
    >>> X = rng.normal(size=(200, 2)) + s[:, None] * [1.0, 0.0]
    >>> y = (X[:, 0] ** 2 + rng.normal(size=200) > 1).astype(int)
    >>> positive = y == 1
    >>> a = np.where(positive & (s == 1), 1 / np.sum(positive & (s == 1)), 0.0)
    >>> a -= np.where(positive & (s == 0), 1 / np.sum(positive & (s == 0)), 0.0)
    >>> K = rbf_kernel(X, X, gamma=0.5)
    >>> k_u = K @ a                           # <phi(x_i), u>, u = u_1 - u_0
    >>> norm_u = np.sqrt(a @ k_u)
    >>> (svc, beta, values), gap = kernel_fit_at(
    ...     0.0, gram=K, y=y, coords=(k_u / norm_u)[:, None],
    ...     expand=(a / norm_u)[:, None], k_u=k_u[:, None])
    >>> bool(gap < 1e-8)      # <w, u> = 0 up to rounding
    True
    """
    svc = SVC(C=C, kernel="precomputed", tol=tol)
    svc.fit(
        _minus_low_rank(gram, coords, 1.0 - shrinkage**2, overwrite=overwrite),
        y,
        sample_weight=sample_weight,
    )
    alpha = np.zeros(gram.shape[0])
    alpha[svc.support_] = svc.dual_coef_[0]
    # w = (P + c^2 Pi) Phi^T alpha  =  Phi^T beta
    beta = alpha - (1.0 - shrinkage**2) * (expand @ (coords.T @ alpha))
    values = k_u.T @ beta
    return (svc, beta, values), _pairwise_gap(values)


class KernelFERM(ClassifierMixin, BaseEstimator):
    """Kernel fair ERM: an SVM whose weight vector is orthogonal to ``u`` in feature space.

    Derived in :ref:`chapter 3, § Kernels <sec-fair-erm-kernels>` (``epsilon=0``)
    and :ref:`§ ε > 0 <sec-fair-erm-epsilon>`; one fit is :func:`kernel_fit_at`.

    Solves the FERM problem of Donini et al. (2018) with hinge loss exactly,
    as a standard SVM (``sklearn.svm.SVC(kernel="precomputed")``) on the
    projected kernel

        K'(x, x') = K(x, x') - k_u(x)^T G^+ k_u(x'),

    where ``k_u(x)`` holds ``<phi(x), u_k>`` for each group-difference vector
    ``u_k`` (computed from kernel evaluations) and ``G`` is their Gram matrix;
    with two groups this is ``K - k_u k_u^T / ||u||^2``. For ``epsilon > 0``
    the component along the span is shrunk instead of removed,
    ``K - (1 - c^2) k_u^T G^+ k_u``, with ``c`` found by bisection.

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularization strength of the SVM.
    kernel : {"rbf", "linear", "poly", "sigmoid"}, default="rbf"
        Kernel, as in ``SVC``.
    gamma : {"scale", "auto"} or float, default="scale"
        Kernel coefficient, as in ``SVC`` (``"scale"`` is
        ``1 / (n_features * X.var())`` on the training data).
    degree : int, default=3
        Degree of the polynomial kernel.
    coef0 : float, default=0.0
        Independent term of the polynomial and sigmoid kernels.
    constraint : {"equal_opportunity", "demographic_parity"}, default="equal_opportunity"
        Which group means the constraint compares.
    epsilon : float, default=0.0
        Tolerance of ``max_{g, h} |<w, u_g - u_h>| <= epsilon`` (see :class:`LinearFERM`).
    tol : float, default=1e-3
        Stopping tolerance of the SVM solver.
    pos_label : int, str or bool, default=None
        The favourable label (see :class:`LinearFERM`).

    Attributes
    ----------
    svc_ : sklearn.svm.SVC
        The SVM fitted on the projected training kernel.
    classes_ : ndarray of shape (2,)
        The labels; ``classes_[1]`` is the positive class.
    groups_ : ndarray
        The sorted group labels seen in ``fit``.
    X_fit_ : ndarray of shape (n_expansion, n_features)
        The training rows the decision function expands on: support vectors
        and the examples that define ``u``.
    dual_coef_ : ndarray of shape (n_expansion,)
        Coefficients ``beta`` of ``f(x) = sum_i beta_i K(x, X_fit_[i]) + b``
        in the original kernel, so ``w = sum_i beta_i phi(X_fit_[i])``.
    intercept_ : float
        The intercept ``b``.
    constraint_values_ : ndarray of shape (n_groups - 1,)
        ``<w, u_k>`` computed from the dual coefficients: zero up to the
        solver's rounding for ``epsilon=0``.
    pairwise_gap_ : float
        ``max_{g, h} |<w, u_g - u_h>|``, at most ``epsilon`` (see :class:`LinearFERM`).
    direction_norms_ : ndarray of shape (n_groups - 1,)
        ``||u_k||`` in feature space.
    shrinkage_ : float
        The factor ``c`` (0 for ``epsilon=0``).
    n_fits_ : int
        Number of SVM fits.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Names of the features seen in ``fit``, when ``X`` has column names.
    pos_label_ : int, str or bool
        The favourable label the constraint used (see ``pos_label``).

    See Also
    --------
    LinearFERM : the linear version, a pre-processing.

    Examples
    --------
    >>> import numpy as np
    >>> from fairtutor.ferm import KernelFERM
    >>> rng = np.random.default_rng(0)
    >>> s = rng.integers(0, 2, 200)
    >>> X = rng.normal(size=(200, 2)) + s[:, None] * [1.0, 0.0]
    >>> y = (X[:, 0] ** 2 + rng.normal(size=200) > 1).astype(int)
    >>> model = KernelFERM(C=1.0).fit(X, y, sensitive_features=s)
    >>> bool(abs(model.constraint_values_[0]) < 1e-6)
    True
    >>> model.predict(X[:3]).shape
    (3,)
    """

    _parameter_table = _KERNEL_FERM_PARAMETERS

    def __init__(
        self,
        C: float = 1.0,
        kernel: Literal["rbf", "linear", "poly", "sigmoid"] = "rbf",
        gamma: Literal["scale", "auto"] | float = "scale",
        degree: int = 3,
        coef0: float = 0.0,
        constraint: Constraint = "equal_opportunity",
        epsilon: float = 0.0,
        tol: float = 1e-3,
        pos_label: object = None,
    ) -> None:
        self.pos_label = pos_label
        self.C = C
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.constraint = constraint
        self.epsilon = epsilon
        self.tol = tol

    def _kernel(self, X, Y):
        params = {}
        if self.kernel in ("rbf", "poly", "sigmoid"):
            params["gamma"] = self._gamma
        if self.kernel in ("poly", "sigmoid"):
            params["coef0"] = self.coef0
        if self.kernel == "poly":
            params["degree"] = self.degree
        return pairwise_kernels(X, Y, metric=self.kernel, **params)

    def fit(self, X, y, *, sensitive_features=None, sample_weight=None) -> "KernelFERM":
        """Fit the SVM with the projected kernel.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training features.
        y : array-like of shape (n_samples,)
            Binary labels.
        sensitive_features : array-like of shape (n_samples,) or (n_samples, n_columns)
            Group of each sample (required).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples (they rescale ``C`` per sample, as in
            ``SVC``, and weight the group means that define ``u``).

        Returns
        -------
        self : KernelFERM
            The fitted model.
        """
        check_params(self, self._parameter_table)
        epsilon = _check_epsilon(self.epsilon)
        X, y = _validate(self, X, y, reset=True)
        sample_weight = check_sample_weight(sample_weight, X.shape[0])
        check_weighted_classes(y, sample_weight)
        classes, _, groups, weights, pos_label = _prepare_fit(
            X,
            y,
            sensitive_features,
            self.constraint,
            pos_label=self.pos_label,
            owner=self,
            sample_weight=sample_weight,
        )
        self.pos_label_ = pos_label
        if isinstance(self.gamma, str):
            if self.gamma == "scale":
                variance = X.var()
                self._gamma = 1.0 / (X.shape[1] * variance) if variance > 0 else 1.0
            elif self.gamma == "auto":
                self._gamma = 1.0 / X.shape[1]
            else:
                raise ValueError(f"gamma must be 'scale', 'auto' or a float, got {self.gamma!r}")
        else:
            self._gamma = float(self.gamma)
        self.classes_, self.groups_ = classes, groups

        gram = self._kernel(X, X)
        k_u = gram @ weights  # (n, K-1): <phi(x_i), u_k>
        g_u = weights.T @ k_u  # (K-1, K-1): <u_j, u_k>
        g_u = 0.5 * (g_u + g_u.T)
        eigval, eigvec = np.linalg.eigh(g_u)
        scale = max(float(np.abs(np.diag(gram)).max()), 1e-300)
        keep = eigval > _RANK_RTOL * scale * max(1, g_u.shape[0])
        # Orthonormal coordinates of the span: columns of k_u @ root are
        # <phi(x_i), e_r> for an orthonormal basis e_r of span{u_k}.
        root = eigvec[:, keep] / np.sqrt(eigval[keep])
        coords = k_u @ root  # (n, rank)
        expand = weights @ root  # e_r = Phi^T expand[:, r]
        self.direction_norms_ = np.sqrt(np.clip(np.diag(g_u), 0.0, None))
        if coords.shape[1] == 0:
            _warn_already_fair(self)

        fit_at = partial(
            kernel_fit_at,
            gram=gram,
            y=y,
            coords=coords,
            expand=expand,
            k_u=k_u,
            C=self.C,
            tol=self.tol,
            sample_weight=sample_weight,
        )

        # A single fit may project the Gram matrix in place; the epsilon search
        # refits from the same Gram matrix, so it projects copies.
        if coords.shape[1] == 0:
            state, _ = fit_at(1.0, overwrite=True)
            shrinkage, n_fits = 1.0, 1
        elif epsilon == 0.0:
            state, _ = fit_at(0.0, overwrite=True)
            shrinkage, n_fits = 0.0, 1
        else:
            state, shrinkage, n_fits = _bisect_shrinkage(fit_at, epsilon)
        svc, beta, values = state
        used = np.flatnonzero(beta != 0.0)
        self.svc_ = svc
        self.X_fit_ = X[used]
        self.dual_coef_ = beta[used]
        # SVC's decision is sum_i dual_i K'(x, x_i) + b with dual_i signed so
        # that positive scores mean classes_[1].
        self.intercept_ = float(svc.intercept_[0])
        self.constraint_values_ = values
        self.pairwise_gap_ = _pairwise_gap(values)
        self.shrinkage_ = float(shrinkage)
        self.n_fits_ = n_fits
        return self

    def decision_function(self, X):
        """Signed score ``f(x) = <w, phi(x)> + b``; positive means ``classes_[1]``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features (no sensitive attribute needed).

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            The fair score.
        """
        check_is_fitted(self)
        X = _validate(self, X, reset=False)
        return self._kernel(X, self.X_fit_) @ self.dual_coef_ + self.intercept_

    def predict(self, X):
        """Predicted labels (no sensitive attribute needed).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        check_is_fitted(self)
        return self.classes_[(self.decision_function(X) > 0).astype(int)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.sparse = False
        return tags
