r"""Post-processing: keep the trained model, change how its scores become decisions.

Chapter 7 of the book ("The three families side by side") derives the
representative of this family, group-specific thresholds in the manner of
Hardt, Price and Srebro (2016). Given a score :math:`r(x)` and the group
:math:`s`, the decision is

.. math::
    \hat Y = 1 \text{ if } r > \tau_s, \qquad
    \hat Y = 1 \text{ with probability } \alpha_s \text{ if } r = \tau_s, \qquad
    \hat Y = 0 \text{ if } r < \tau_s .

For a common target rate :math:`t` (the true-positive rate for equal
opportunity, the selection rate for demographic parity), each group accepts
its examples from the highest score down until it reaches :math:`t` exactly:
every score block above :math:`\tau_s` is accepted, and a fraction
:math:`\alpha_s` of the block at :math:`\tau_s`, the first block that reaches
the target. :math:`t` is chosen to maximize accuracy on the fitting data.
Between two consecutive *breakpoints* (the rates that deterministic
thresholds reach in some group) the expected accuracy is linear in :math:`t`;
at a breakpoint it is left-continuous and can only drop to its right, because
(for equal opportunity)
just past a group's breakpoint every negative scored between that group's
last accepted positive and its next positive is accepted at once. So the
maximum over :math:`t` is attained at a breakpoint, and scanning them finds it
exactly (chapter 7 proves it). The randomization at :math:`\tau_s` makes the
constraint hold exactly in expectation on the fitting data.

Where the accuracy cost comes from: at a rate strictly between two of its own
breakpoints, a group's rule sits on a *vertical* segment of its empirical ROC
staircase (all the negatives ranked above its next positive are already
accepted, only that positive's block is randomized). Mixing the two adjacent
deterministic thresholds instead would sit on the chord between the two ROC
vertices, with fewer false positives at the same true-positive rate, and
Hardt et al. mix any two points of the ROC convex hull, which is better still
where the staircase is not concave. Groups whose own breakpoint is the chosen
:math:`t` pay nothing; the others can pay up to the negatives between two of
their consecutive positives. ``fairlearn.postprocessing.ThresholdOptimizer``
implements the convex-hull mixture.

Equalized odds (equal true- and
false-positive rates) needs the general mixture and a linear program; use
``fairlearn.postprocessing.ThresholdOptimizer`` for it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.utils.validation import check_is_fitted

from ._validation import as_1d_array, check_binary_target, check_random_state, encode_known_groups
from .base import (
    CONSTRAINTS,
    Constraint,
    HasMethods,
    Options,
    accepts_sparse,
    check_params,
    check_sample_weight,
    check_weighted_classes,
    fit_base,
    fit_groups,
    require_sensitive_features,
    validate_X,
)

__all__ = ["GroupThresholdClassifier"]

_CONSTRAINTS = CONSTRAINTS


def _group_curve(scores, y01, constraint, weights=None):
    """Cumulative counts when accepting a group's examples from the highest score down.

    Returns the distinct scores in decreasing order and, with a leading zero,
    the cumulative counts of accepted true positives, false positives and of
    the quantity the constraint equalizes (positives for equal opportunity,
    everyone for demographic parity). With ``weights`` the counts are sums
    of weights.
    """
    order = np.argsort(-scores, kind="stable")
    s_sorted, y_sorted = scores[order], y01[order]
    w_sorted = np.ones(s_sorted.size) if weights is None else weights[order]
    # One block per distinct score (ties must be accepted together).
    starts = np.flatnonzero(np.r_[True, s_sorted[1:] != s_sorted[:-1]])
    tp = np.add.reduceat(y_sorted * w_sorted, starts)
    size = np.add.reduceat(w_sorted, starts)
    fp = size - tp
    cum_tp = np.r_[0.0, np.cumsum(tp)]
    cum_fp = np.r_[0.0, np.cumsum(fp)]
    cum_rate = cum_tp if constraint == "equal_opportunity" else cum_tp + cum_fp
    return s_sorted[starts], cum_tp, cum_fp, cum_rate


def _at_target(curve, target_count):
    """Block index, acceptance fraction, TP and FP when accepting ``target_count``.

    ``target_count`` (array) is the number of rate-counted examples to accept.
    The rule accepts every block before block ``j`` and a fraction ``alpha``
    of block ``j`` (1-based; ``j = 0`` means nothing is accepted).
    """
    _, cum_tp, cum_fp, cum_rate = curve
    target_count = np.minimum(target_count, cum_rate[-1])
    j = np.searchsorted(cum_rate, target_count, side="left")
    j = np.clip(j, 0, cum_rate.size - 1)
    prev = np.maximum(j - 1, 0)
    step = cum_rate[j] - cum_rate[prev]
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = np.where(step > 0, (target_count - cum_rate[prev]) / step, 0.0)
    alpha = np.where(j == 0, 0.0, alpha)
    # Rates computed as count / denominator * denominator may miss a block
    # boundary by one rounding error: snap those fractions to 0 or 1.
    alpha = np.where(np.abs(alpha) < 1e-9, 0.0, np.where(np.abs(alpha - 1) < 1e-9, 1.0, alpha))
    tp = cum_tp[prev] + alpha * (cum_tp[j] - cum_tp[prev])
    fp = cum_fp[prev] + alpha * (cum_fp[j] - cum_fp[prev])
    tp = np.where(j == 0, 0.0, tp)
    fp = np.where(j == 0, 0.0, fp)
    return j, alpha, tp, fp


class GroupThresholdClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    r"""Group-specific (randomized) thresholds that equalize a rate across groups.

    Derived in :ref:`chapter 7, § Post-processing <sec-three-families-post>`.

    Post-processing in the manner of Hardt, Price and Srebro (2016): the
    decisions of a score are made fair by one threshold per group, chosen to
    give every group the same true-positive rate (``"equal_opportunity"``)
    or the same selection rate (``"demographic_parity"``) on the data passed
    to ``fit``, with the highest accuracy among such rules. A randomized
    decision at each threshold makes the equality exact in expectation.
    Predictions need the sensitive attribute.

    Parameters
    ----------
    estimator : estimator or None, default=None
        ``None``: ``X`` *is* the score of the favourable label ``pos_label``
        (a 1-D array, or one column; higher means more likely favourable).
        Otherwise the score is the estimator's ``decision_function`` (or,
        without it, ``predict_proba``), oriented towards ``pos_label``.
    constraint : {"equal_opportunity", "demographic_parity"}, default="equal_opportunity"
        The rate to equalize.
    prefit : bool, default=False
        With an estimator: use it as it is (``True``) or fit a clone on
        ``(X, y)`` first (``False``). Fitting the thresholds on data the
        model was not trained on is better: the training scores are
        optimistic.
    random_state : int, numpy Generator or None, default=None
        Seed of the coin flips at the thresholds in ``predict``. With an int,
        ``predict`` returns the same decisions at every call.
    pos_label : int, str or bool, default=None
        The favourable decision, whose rate is equalized (for equal
        opportunity, among the examples with that label). ``None``: the
        larger label, as in scikit-learn.

    Attributes
    ----------
    estimator_ : estimator or None
        The (fitted) score model.
    classes_ : ndarray of shape (2,)
        The labels; ``classes_[1]`` is the favourable decision.
    groups_ : ndarray of shape (n_groups,)
        The sorted group labels seen in ``fit``.
    thresholds_ : ndarray of shape (n_groups,)
        :math:`\tau_s` (``+inf`` when the group accepts no one).
    threshold_probabilities_ : ndarray of shape (n_groups,)
        :math:`\alpha_s`, the probability of accepting a score equal to
        :math:`\tau_s`.
    target_rate_ : float
        The common rate :math:`t` in every group on the fitting data (in
        expectation over the randomization).
    fit_accuracy_ : float
        Expected accuracy of the rule on the fitting data.
    pos_label_ : int, str or bool
        The favourable label, whose rate is equalized.
    n_features_in_ : int
        Number of features (1 when ``X`` is the score).

    Examples
    --------
    >>> import numpy as np
    >>> from fairtutor.postprocessing import GroupThresholdClassifier
    >>> rng = np.random.default_rng(0)
    >>> s = rng.integers(0, 2, 2000)
    >>> y = (rng.random(2000) < 0.3 + 0.2 * s).astype(int)
    >>> score = y + 0.8 * s + rng.normal(size=2000)   # favours group 1
    >>> post = GroupThresholdClassifier(random_state=0).fit(score, y, sensitive_features=s)
    >>> p = post.acceptance_probability(score, sensitive_features=s)
    >>> tpr = [p[(y == 1) & (s == g)].mean() for g in (0, 1)]
    >>> bool(abs(tpr[0] - tpr[1]) < 1e-12), round(post.target_rate_, 4)
    (True, 0.6252)
    >>> post.thresholds_.round(4)       # group 1 needs a higher score
    array([0.8668, 1.5396])
    >>> post.predict(score[:5], sensitive_features=s[:5])
    array([1, 0, 0, 0, 0])
    """

    _parameter_table: dict[str, list] = {
        "estimator": [
            Options((None,)),
            HasMethods(("fit",), "a scikit-learn estimator (an object with fit)"),
        ],
        "constraint": [Options(CONSTRAINTS)],
        "prefit": [Options((True, False))],
    }

    def __init__(
        self,
        estimator: Any = None,
        constraint: Constraint = "equal_opportunity",
        prefit: bool = False,
        random_state: Any = None,
        pos_label: Any = None,
    ) -> None:
        self.estimator = estimator
        self.constraint = constraint
        self.prefit = prefit
        self.random_state = random_state
        self.pos_label = pos_label

    def _scores(self, X, reset=False):
        model = self.estimator_ if hasattr(self, "estimator_") else None
        if model is None:
            scores = as_1d_array(X, "X (the scores)")
            scores = scores.astype(np.float64)
            if reset:
                self.n_features_in_ = 1
            return self._finite(scores)
        X = validate_X(self, X, reset=reset, numeric=False)
        # Higher scores must mean "more likely pos_label_".
        model_classes = list(getattr(model, "classes_", self.classes_))
        if hasattr(model, "decision_function"):
            scores = np.asarray(model.decision_function(X), dtype=np.float64).reshape(-1)
            if model_classes.index(self.pos_label_) == 0:
                scores = -scores
        elif hasattr(model, "predict_proba"):
            scores = np.asarray(model.predict_proba(X), dtype=np.float64)[
                :, model_classes.index(self.pos_label_)
            ]
        else:
            raise ValueError(
                f"{type(model).__name__} has neither decision_function nor predict_proba; "
                "a score is needed to threshold"
            )
        return self._finite(scores)

    @staticmethod
    def _finite(scores):
        if not np.all(np.isfinite(scores)):
            raise ValueError("the scores contain NaN or infinite values")
        return scores

    def fit(
        self, X, y, *, sensitive_features=None, sample_weight=None
    ) -> "GroupThresholdClassifier":
        """Choose the per-group thresholds on ``(X, y)``.

        Parameters
        ----------
        X : array-like
            The scores (``estimator=None``) or the features of the estimator.
        y : array-like of shape (n_samples,)
            Binary labels.
        sensitive_features : array-like of shape (n_samples,) or (n_samples, n_columns)
            Group of each sample; at least two groups, each with a positive
            and a negative example for equal opportunity.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples: passed to the estimator's ``fit`` (when
            it is fitted here) and used in the rates and the accuracy that
            choose the thresholds.

        Returns
        -------
        self : GroupThresholdClassifier
            The fitted post-processor.
        """
        check_params(self, self._parameter_table)
        require_sensitive_features(self, sensitive_features)
        classes, y01, pos_label = check_binary_target(
            y, pos_label=self.pos_label, warn=self.constraint == "equal_opportunity"
        )
        y = as_1d_array(y, "y", numeric=False)
        y01 = y01.astype(np.float64)
        weights = check_sample_weight(sample_weight, y01.size)
        check_weighted_classes(y, weights)
        self.classes_, self.pos_label_ = classes, pos_label
        if self.estimator is None:
            self.estimator_ = None
        elif self.prefit:
            self.estimator_ = self.estimator
        else:
            self.estimator_ = fit_base(clone(self.estimator), X, y, weights, self)
        scores = self._scores(X, reset=True)
        if scores.size != y01.size:
            raise ValueError(
                f"inputs have different lengths: the scores have {scores.size} entries "
                f"but y has {y01.size}"
            )
        groups, codes = fit_groups(sensitive_features, y01.size, self)
        w = np.ones(y01.size) if weights is None else weights
        positives = np.bincount(codes, weights=w * y01, minlength=groups.size)
        sizes = np.bincount(codes, weights=w, minlength=groups.size)
        if self.constraint == "equal_opportunity" and np.any(positives == 0):
            raise ValueError(
                f"group(s) {', '.join(map(str, groups[positives == 0]))} have no positive "
                "label, so their true-positive rate is undefined"
            )
        denominators = positives if self.constraint == "equal_opportunity" else sizes
        curves = [
            _group_curve(scores[codes == k], y01[codes == k], self.constraint, w[codes == k])
            for k in range(groups.size)
        ]
        # Candidate common rates: every rate a deterministic threshold reaches in some group.
        candidates = np.unique(
            np.clip(
                np.concatenate([c[3] / d for c, d in zip(curves, denominators, strict=True)]),
                0.0,
                1.0,
            )
        )
        correct = np.zeros(candidates.size)
        for curve, d, n_k, pos_k in zip(curves, denominators, sizes, positives, strict=True):
            _, _, tp, fp = _at_target(curve, candidates * d)
            correct += tp + (n_k - pos_k - fp)
        best = int(np.argmax(correct))  # ties: the smallest rate
        target = float(candidates[best])
        thresholds, probabilities = np.empty(groups.size), np.empty(groups.size)
        for k, (curve, d) in enumerate(zip(curves, denominators, strict=True)):
            j, alpha, _, _ = _at_target(curve, np.array([target * d]))
            j, alpha = int(j[0]), float(alpha[0])
            thresholds[k] = np.inf if j == 0 else curve[0][j - 1]
            probabilities[k] = alpha
        self.groups_ = groups
        self.thresholds_ = thresholds
        self.threshold_probabilities_ = probabilities
        self.target_rate_ = target
        self.fit_accuracy_ = float(correct[best] / w.sum())
        return self

    def acceptance_probability(self, X, *, sensitive_features=None) -> np.ndarray:
        r"""Probability that the randomized rule accepts each sample.

        Parameters
        ----------
        X : array-like
            Scores or features, as in ``fit``.
        sensitive_features : array-like of shape (n_samples,)
            Group of each sample; every group must have been seen in ``fit``.

        Returns
        -------
        probability : ndarray of shape (n_samples,)
            1 above the group's threshold, :math:`\alpha_s` at it, 0 below.
        """
        check_is_fitted(self, "thresholds_")
        require_sensitive_features(self, sensitive_features, "predict")
        scores = self._scores(X)
        codes = encode_known_groups(
            sensitive_features,
            self.groups_,
            scores.size,
            seen_in="in fit, so they have no threshold",
        )
        tau = self.thresholds_[codes]
        return np.where(
            scores > tau, 1.0, np.where(scores == tau, self.threshold_probabilities_[codes], 0.0)
        )

    def predict(self, X, *, sensitive_features=None) -> np.ndarray:
        """Decisions of the randomized group-threshold rule.

        Parameters
        ----------
        X : array-like
            Scores or features, as in ``fit``.
        sensitive_features : array-like of shape (n_samples,)
            Group of each sample (required: the threshold depends on it).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        probability = self.acceptance_probability(X, sensitive_features=sensitive_features)
        rng = check_random_state(self.random_state)
        accept = rng.random(probability.size) < probability
        other = self.classes_[self.classes_ != self.pos_label_]
        return np.where(accept, self.pos_label_, other[0]).astype(self.classes_.dtype)

    def score(self, X, y, *, sensitive_features=None, sample_weight=None) -> float:
        """Accuracy of ``predict(X, sensitive_features=...)`` on ``y``.

        Parameters
        ----------
        X : array-like
            Scores or features, as in ``fit``.
        y : array-like of shape (n_samples,)
            True labels.
        sensitive_features : array-like of shape (n_samples,)
            Group of each sample (required).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        float
            The (weighted) accuracy. With ``cross_val_score`` or
            ``GridSearchCV``, route the groups to it with
            ``set_score_request(sensitive_features=True)`` (see the API page).
        """
        from sklearn.metrics import accuracy_score

        return float(
            accuracy_score(
                y,
                self.predict(X, sensitive_features=sensitive_features),
                sample_weight=sample_weight,
            )
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        # X goes to the base estimator as is (or is the 1-D score)
        tags.input_tags.sparse = self.estimator is not None and accepts_sparse(self.estimator)
        return tags
