r"""In-processing: put fairness into the training objective.

Chapter 7 of the book ("The three families side by side") derives the
representative of this family: logistic regression whose empirical risk is
penalized by the squared gap between the groups' mean predicted
probabilities,

.. math::
    J(w, b) = \frac{1}{n} \sum_{i=1}^n \ell(y_i, z_i)
    + \frac{\lVert w \rVert^2}{2 C n}
    + \lambda \, \frac{2}{K - 1} \sum_{k=1}^K (m_k - \bar m)^2,
    \qquad z_i = \langle w, x_i \rangle + b,

where :math:`\ell` is the logistic loss, :math:`m_k` the mean of
:math:`\sigma(z_i)` (or of :math:`z_i`) over the examples of group :math:`k`
(all of them for demographic parity, the positive ones for equal
opportunity) and :math:`\bar m` the average of the :math:`K` group means.
With two groups the penalty is :math:`\lambda (m_a - m_b)^2`. The first two
terms are scikit-learn's ``LogisticRegression(C=C)`` objective divided by
``C n``, so ``lam=0`` gives the same model. The penalty is a smooth
surrogate of the demographic-parity (or equal-opportunity) gap of the
decisions, in the spirit of the relaxations of Zafar et al. (2017) and
Donini et al. (2018); this particular squared-gap form is the book's choice.
The objective is minimized by L-BFGS with its analytic gradient.
"""

from __future__ import annotations

import warnings
from functools import partial
from typing import Literal

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from ._validation import check_binary_target
from .base import (
    CONSTRAINTS,
    Constraint,
    Interval,
    Options,
    check_params,
    check_sample_weight,
    check_weighted_classes,
    deprecated_rename,
    fit_groups,
    require_sensitive_features,
    validate_X,
)

__all__ = ["FairLogisticRegression", "fair_logistic_objective", "group_mean_penalty"]

_PENALTIES = CONSTRAINTS
_RELAXATIONS = ("proba", "score")


def group_mean_penalty(values, codes, n_groups, weights=None):
    r"""The squared-gap penalty and its gradient with respect to ``values``.

    Derived in :ref:`chapter 7, § In-processing <sec-three-families-in>`.

    ``P = 2 / (K - 1) * sum_k (m_k - mean_k m_k)^2`` where ``m_k`` is the mean
    of ``values`` over the samples with ``codes == k``. It equals the mean over
    pairs of groups of :math:`(m_k - m_l)^2`, hence :math:`(m_a - m_b)^2` for
    two groups.

    Parameters
    ----------
    values : ndarray of shape (n,)
        The quantity whose group means are compared.
    codes : ndarray of shape (n,)
        Group index in ``0 .. n_groups - 1`` of each value; every group must
        be present.
    n_groups : int
        Number of groups ``K``, at least 2.
    weights : ndarray of shape (n,) or None, default=None
        Sample weights: the group means become weighted means.

    Returns
    -------
    penalty : float
        The value of ``P``.
    gradient : ndarray of shape (n,)
        ``dP / d values``: ``4 / (K - 1) * (m_k - mean m) / n_k`` for a value
        of group ``k``.

    Examples
    --------
    >>> import numpy as np
    >>> from fairtutor.inprocessing import group_mean_penalty
    >>> penalty, gradient = group_mean_penalty(np.array([1.0, 0.0, 0.0, 0.0]),
    ...                                        np.array([0, 0, 1, 1]), 2)
    >>> penalty
    0.25
    >>> gradient
    array([ 0.5,  0.5, -0.5, -0.5])
    """
    if weights is None:
        counts = np.bincount(codes, minlength=n_groups).astype(np.float64)
        means = np.bincount(codes, weights=values, minlength=n_groups) / counts
    else:
        counts = np.bincount(codes, weights=weights, minlength=n_groups)
        means = np.bincount(codes, weights=weights * values, minlength=n_groups) / counts
    centred = means - means.mean()
    penalty = 2.0 / (n_groups - 1) * float(centred @ centred)
    gradient = (4.0 / (n_groups - 1) * centred / counts)[codes]
    if weights is not None:
        gradient = gradient * weights
    return penalty, gradient


def fair_logistic_objective(
    theta,
    X,
    y01,
    codes,
    n_groups,
    *,
    lam,
    C,
    constraint="demographic_parity",
    relaxation="proba",
    fit_intercept=True,
    positive=None,
    sample_weight=None,
):
    r"""The penalized objective :math:`J` and its gradient: what L-BFGS minimizes.

    Derived in :ref:`chapter 7, § In-processing <sec-three-families-in>`.
    :class:`FairLogisticRegression` minimizes exactly this function, so the
    chapter's by-hand objective, the tests and the estimator share one source.

    .. math::
        J(w, b) = \frac{1}{n} \sum_{i=1}^n \bigl(\log(1 + e^{z_i}) - y_i z_i\bigr)
        + \frac{\lVert w \rVert^2}{2 C n} + \lambda P,
        \qquad z_i = \langle w, x_i \rangle + b,

    where :math:`P` is :func:`group_mean_penalty` of :math:`\sigma(z_i)`
    (``relaxation="proba"``) or of :math:`z_i` (``"score"``) over all examples
    (demographic parity) or the positive ones (equal opportunity).

    Parameters
    ----------
    theta : ndarray of shape (n_features + 1,) or (n_features,)
        The weights ``w`` followed by the intercept ``b`` (no intercept when
        ``fit_intercept=False``).
    X : ndarray of shape (n_samples, n_features)
        Training features.
    y01 : ndarray of shape (n_samples,)
        Labels coded 0 and 1 (floats).
    codes : ndarray of shape (n_samples,)
        Group index in ``0 .. n_groups - 1`` of each example; with
        ``constraint="equal_opportunity"`` every group needs a positive.
    n_groups : int
        Number of groups ``K``, at least 2.
    lam : float
        Weight :math:`\lambda \ge 0` of the penalty.
    C : float
        Inverse ridge strength, as in scikit-learn.
    constraint : {"demographic_parity", "equal_opportunity"}, default="demographic_parity"
        Which examples the group means run over.
    relaxation : {"proba", "score"}, default="proba"
        Penalize the group means of :math:`\sigma(z)` or of :math:`z`.
    fit_intercept : bool, default=True
        Whether ``theta`` ends with an intercept.
    positive : ndarray of bool of shape (n_samples,), default=None
        Which examples have the favourable label, whose group means the
        equal-opportunity penalty compares; ``None`` means ``y01 == 1``.
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights :math:`v_i` of the examples: the loss becomes
        :math:`\frac1n \sum_i v_i (\log(1 + e^{z_i}) - y_i z_i)` and the group
        means are weighted means.

    Returns
    -------
    value : float
        :math:`J(w, b)`.
    gradient : ndarray of the shape of ``theta``
        Its gradient.

    Examples
    --------
    >>> import numpy as np
    >>> from fairtutor.inprocessing import fair_logistic_objective
    >>> X = np.array([[1.0], [2.0], [0.0], [1.0]])
    >>> y01 = np.array([1.0, 0.0, 1.0, 0.0])
    >>> codes = np.array([0, 0, 1, 1])
    >>> value, grad = fair_logistic_objective(np.zeros(2), X, y01, codes, 2, lam=1.0, C=1.0)
    >>> round(value, 6)   # log 2: every probability is 1/2, so no gap
    0.693147
    >>> grad.round(4)
    array([0.25, 0.  ])
    """
    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    w, b = theta[:d], (theta[d] if fit_intercept else 0.0)
    ridge = 1.0 / (C * n)
    v = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    z = X @ w + b
    loss = float(np.mean(v * (np.logaddexp(0.0, z) - y01 * z)))
    dz = v * (expit(z) - y01) / n
    value = loss + 0.5 * ridge * float(w @ w)
    grad_w = X.T @ dz + ridge * w
    grad_b = dz.sum()
    if lam > 0:
        if constraint == "equal_opportunity":
            mask = y01 == 1 if positive is None else np.asarray(positive, dtype=bool)
        else:
            mask = slice(None)
        z_pen = z[mask]
        use_proba = relaxation == "proba"
        stat = expit(z_pen) if use_proba else z_pen
        pen, dstat = group_mean_penalty(
            stat, codes[mask], n_groups, None if sample_weight is None else v[mask]
        )
        dz_pen = dstat * (stat * (1.0 - stat)) if use_proba else dstat
        value += lam * pen
        grad_w = grad_w + lam * (X[mask].T @ dz_pen)
        grad_b += lam * dz_pen.sum()
    grad = np.append(grad_w, grad_b) if fit_intercept else grad_w
    return value, grad


class FairLogisticRegression(ClassifierMixin, BaseEstimator):
    r"""Logistic regression with a group-mean-gap fairness penalty.

    Derived in :ref:`chapter 7, § In-processing <sec-three-families-in>`;
    ``fit`` minimizes :func:`fair_logistic_objective` with L-BFGS.

    Minimizes the logistic loss plus the ridge term of scikit-learn's
    ``LogisticRegression`` plus ``lam`` times the squared gap between the
    groups' mean predicted probabilities (see the module docstring and
    :func:`group_mean_penalty`). The sensitive attribute is needed only to
    fit; predictions use the features alone.

    Parameters
    ----------
    constraint : {"demographic_parity", "equal_opportunity"}, default="demographic_parity"
        Compare the group means over all examples (demographic parity) or over
        the positive examples only (equal opportunity). Called ``penalty``
        before fairtutor 0.2; that name still works, with a ``FutureWarning``.
    lam : float, default=1.0
        Weight :math:`\lambda \ge 0` of the fairness penalty; 0 gives plain
        (ridge) logistic regression.
    C : float, default=1.0
        Inverse ridge strength, as in scikit-learn.
    relaxation : {"proba", "score"}, default="proba"
        Compare the means of the predicted probability :math:`\sigma(z)`
        (bounded, close to the rates of the decisions) or of the raw score
        :math:`z` (the linear relaxation of Donini et al., 2018).
    fit_intercept : bool, default=True
        Learn an intercept (not penalized by the ridge term).
    max_iter : int, default=1000
        Iterations of L-BFGS.
    tol : float, default=1e-8
        Gradient tolerance of L-BFGS (``gtol``).
    pos_label : int, str or bool, default=None
        The favourable label, whose examples equal opportunity averages over.
        ``None``: the larger label, as in scikit-learn.
    penalty : str, default="deprecated"
        Deprecated name of ``constraint``.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The labels; ``classes_[1]`` is the positive class.
    groups_ : ndarray
        The sorted group labels seen in ``fit``.
    coef_ : ndarray of shape (1, n_features)
        Weights.
    intercept_ : ndarray of shape (1,)
        Intercept (0 when ``fit_intercept=False``).
    objective_ : float
        Value of the objective at the solution.
    penalty_value_ : float
        The fairness penalty (without ``lam``) at the solution, on the
        training data.
    n_iter_ : int
        Iterations used by L-BFGS.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Names of the features seen in ``fit``, when ``X`` has column names.
    pos_label_ : int, str or bool
        The favourable label the constraint used (see ``pos_label``).

    Examples
    --------
    >>> import numpy as np
    >>> from fairtutor.inprocessing import FairLogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> s = rng.integers(0, 2, 1000)
    >>> X = rng.normal(size=(1000, 2)) + s[:, None]
    >>> y = (X[:, 0] + rng.normal(size=1000) > 0.5).astype(int)
    >>> plain = FairLogisticRegression(lam=0.0).fit(X, y, sensitive_features=s)
    >>> fair = FairLogisticRegression(lam=10.0).fit(X, y, sensitive_features=s)
    >>> round(plain.penalty_value_, 4), round(fair.penalty_value_, 4)
    (0.0778, 0.0015)
    >>> fair.predict(X[:3])
    array([1, 0, 1])
    >>> from sklearn.linear_model import LogisticRegression
    >>> sk = LogisticRegression(tol=1e-10).fit(X, y)   # lam=0: scikit-learn's model
    >>> bool(np.allclose(plain.coef_, sk.coef_, atol=1e-4))
    True
    """

    _parameter_table: dict[str, list] = {
        "constraint": [Options(CONSTRAINTS)],
        "lam": [Interval(0, None)],
        "C": [Interval(0, None, "neither")],
        "relaxation": [Options(_RELAXATIONS)],
        "fit_intercept": [Options((True, False))],
        "max_iter": [Interval(1, None, integer=True)],
        "tol": [Interval(0, None)],
    }

    def __init__(
        self,
        constraint: Constraint = "demographic_parity",
        lam: float = 1.0,
        C: float = 1.0,
        relaxation: Literal["proba", "score"] = "proba",
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float = 1e-8,
        pos_label: object = None,
        penalty: str = "deprecated",
    ) -> None:
        self.constraint = constraint
        self.pos_label = pos_label
        self.penalty = penalty
        self.lam = lam
        self.C = C
        self.relaxation = relaxation
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol

    def fit(self, X, y, *, sensitive_features=None, sample_weight=None) -> "FairLogisticRegression":
        """Minimize the penalized objective with L-BFGS.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training features.
        y : array-like of shape (n_samples,)
            Binary labels (two distinct values).
        sensitive_features : array-like of shape (n_samples,) or (n_samples, n_columns)
            Group of each sample; at least two groups, and with
            ``constraint="equal_opportunity"`` every group needs a positive.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss and in the group means; with
            ``lam=0`` the model is ``LogisticRegression`` fitted with them.

        Returns
        -------
        self : FairLogisticRegression
            The fitted model.
        """
        constraint = deprecated_rename(self, "penalty", "constraint")
        check_params(
            self,
            {**self._parameter_table, "penalty": [Options(("deprecated",)), Options(CONSTRAINTS)]},
        )
        if constraint not in CONSTRAINTS:
            raise ValueError(
                f"FairLogisticRegression: penalty must be one of "
                f"{', '.join(map(repr, CONSTRAINTS))}, got {constraint!r}"
            )
        require_sensitive_features(self, sensitive_features)
        if y is None:
            raise ValueError(
                "FairLogisticRegression requires y to be passed, but the target y is None"
            )
        X, y = validate_X(self, X, reset=True, y=y)
        classes, y_pos, pos_label = check_binary_target(
            y, pos_label=self.pos_label, warn=constraint == "equal_opportunity"
        )
        y01 = (y == classes[1]).astype(np.float64)  # the logistic model scores classes_[1]
        groups, codes = fit_groups(sensitive_features, X.shape[0], self)
        weights = check_sample_weight(sample_weight, X.shape[0])
        check_weighted_classes(y, weights)
        mask = y_pos == 1 if constraint == "equal_opportunity" else np.ones(y01.size, bool)
        counts = np.bincount(codes[mask], minlength=groups.size)
        if np.any(counts == 0):
            missing = ", ".join(map(str, groups[counts == 0]))
            raise ValueError(
                f"group(s) {missing} have no positive example, so the equal-opportunity "
                "penalty (a mean over each group's positives) is undefined"
            )
        d = X.shape[1]
        fit_b = self.fit_intercept
        objective = partial(
            fair_logistic_objective,
            X=X,
            y01=y01,
            codes=codes,
            n_groups=groups.size,
            lam=float(self.lam),
            C=float(self.C),
            constraint=constraint,
            relaxation=self.relaxation,
            fit_intercept=fit_b,
            positive=y_pos == 1,
            sample_weight=weights,
        )

        theta0 = np.zeros(d + 1 if fit_b else d)
        result = minimize(
            objective,
            theta0,
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": int(self.max_iter), "gtol": float(self.tol), "ftol": 1e-15},
        )
        if not result.success and result.nit >= self.max_iter:
            warnings.warn(
                f"L-BFGS did not converge in {self.max_iter} iterations; increase max_iter",
                ConvergenceWarning,
                stacklevel=2,
            )
        theta = result.x
        self.classes_ = classes
        self.groups_ = groups
        self.coef_ = theta[:d].reshape(1, -1)
        self.intercept_ = np.array([theta[d] if fit_b else 0.0])
        self.objective_ = float(result.fun)
        z_pen = X[mask] @ self.coef_[0] + self.intercept_[0]
        stat = expit(z_pen) if self.relaxation == "proba" else z_pen
        self.penalty_value_ = group_mean_penalty(
            stat, codes[mask], groups.size, None if weights is None else weights[mask]
        )[0]
        self.n_iter_ = int(result.nit)
        self.pos_label_ = pos_label
        return self

    def decision_function(self, X):
        """The score ``z = <w, x> + b`` (no sensitive attribute needed).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Positive scores predict ``classes_[1]``.
        """
        check_is_fitted(self, "coef_")
        X = validate_X(self, X, reset=False)
        return X @ self.coef_[0] + self.intercept_[0]

    def predict_proba(self, X):
        """Class probabilities ``[1 - sigma(z), sigma(z)]``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.

        Returns
        -------
        proba : ndarray of shape (n_samples, 2)
            Columns in the order of ``classes_``.
        """
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X):
        """Predicted labels: ``classes_[1]`` where the score is positive.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        scores = self.decision_function(X)
        return self.classes_[(scores > 0).astype(int)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False  # binary only
        tags.input_tags.sparse = False
        return tags
