r"""Empirical risk and empirical fairness risk, with confidence intervals.

Chapter 2 of the book ("From empirical risk to empirical fairness risk")
derives every function here. A model is a real-valued score :math:`f`; its
decision is :math:`\hat Y = \mathbb{1}\{f(X) > 0\}`, so binary predictions in
{0, 1} can be passed wherever scores are expected.

Label conventions: labels are :math:`y \in \{0, 1\}` everywhere; margin losses
use the signed label :math:`\tilde y = 2y - 1 \in \{-1, +1\}`. The losses are

- ``"zero_one"``: :math:`\mathbb{1}\{\mathbb{1}\{f > 0\} \neq y\}`;
- ``"hinge"``: :math:`\max(0, 1 - \tilde y f)`;
- ``"linear"``: :math:`(1 - \tilde y f)/2`, the linear loss of Donini et al.
  (2018); it lies in [0, 1] when :math:`f \in [-1, 1]`;
- ``"logistic"``: :math:`\log(1 + e^{-\tilde y f})` (natural logarithm);
- ``"squared"``: :math:`(1 - \tilde y f)^2 = (\tilde y - f)^2`;
- or a callable ``loss(y, scores)`` that receives the 0/1 labels and the
  scores as float arrays and returns the per-sample losses.

The fairness risk follows Donini et al. (2018): equal opportunity asks that
the risk on the positives of each group,
:math:`L^+_s(f) = \mathbb{E}[\ell(f(X), Y) \mid Y = 1, S = s]`, be the same
for all groups; demographic parity asks the same of
:math:`\mathbb{E}[\ell(f(X), 1) \mid S = s]` (our rewriting: the loss against
the favourable label, on everyone in the group). With the 0-1 loss the two
gaps are the DEO and the DP difference of :mod:`fairtutor.metrics`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._validation import (
    SmallGroupWarning,
    _unique_labels,
    as_1d_array,
    check_binary,
    check_groups,
    check_random_state,
    check_same_length,
    resolve_pos_label,
)
from .metrics import demographic_parity_difference, equal_opportunity_difference

__all__ = [
    "LOSSES",
    "empirical_risk",
    "fairness_risk",
    "fairness_confidence_interval",
    "hoeffding_radius",
    "FairnessRisk",
    "FairnessInterval",
    "SmallGroupWarning",
]

CONSTRAINTS = ("equal_opportunity", "demographic_parity")
METHODS = ("hoeffding", "bootstrap")


def _zero_one(y, f):
    return ((f > 0).astype(np.float64) != y).astype(np.float64)


def _hinge(y, f):
    return np.maximum(0.0, 1.0 - (2 * y - 1) * f)


def _linear(y, f):
    return (1.0 - (2 * y - 1) * f) / 2.0


def _logistic(y, f):
    return np.logaddexp(0.0, -(2 * y - 1) * f)


def _squared(y, f):
    return (1.0 - (2 * y - 1) * f) ** 2


#: The named losses, as functions ``loss(y, scores)`` of 0/1 labels and scores.
LOSSES = {
    "zero_one": _zero_one,
    "hinge": _hinge,
    "linear": _linear,
    "logistic": _logistic,
    "squared": _squared,
}


@dataclass(frozen=True)
class FairnessRisk:
    """Group-conditional risks and their largest gap.

    Derived in :ref:`chapter 2, § The fairness risk <sec-empirical-fairness-risk>`.

    Returned by :func:`fairness_risk`; ``float(result)`` is the gap. Fields:

    - ``group_risks``: a pandas Series, the empirical risk of each group
      (indexed by group label), on the positives of the group for equal
      opportunity, on the whole group for demographic parity;
    - ``counts``: a pandas Series, how many examples each risk averages
      (:math:`n_s^+` or :math:`n_s`);
    - ``gap``: ``group_risks.max() - group_risks.min()``, the empirical
      fairness risk (a float);
    - ``constraint``: ``"equal_opportunity"`` or ``"demographic_parity"``;
    - ``loss``: the name of the loss (``"callable"`` for a user function).
    """

    group_risks: pd.Series
    counts: pd.Series
    gap: float
    constraint: str
    loss: str

    def __float__(self):
        return float(self.gap)


@dataclass(frozen=True)
class FairnessInterval:
    """An estimate of a fairness gap and a confidence interval around it.

    Derived in :ref:`chapter 2, § How far is the empirical DEO from the true DEO?
    <sec-empirical-deo-interval>`

    Returned by :func:`fairness_confidence_interval`. Fields:

    - ``estimate``: the empirical gap (DEO or DP difference) on the sample;
    - ``low``, ``high``: the interval; it contains the population gap with
      probability at least ``1 - delta`` (Hoeffding) or approximately so
      (bootstrap of the signed differences, also when the gap is 0);
    - ``delta``: the failure probability;
    - ``method``: ``"hoeffding"`` or ``"bootstrap"``;
    - ``constraint``: ``"equal_opportunity"`` or ``"demographic_parity"``;
    - ``group_rates``: a pandas Series, the rate of each group (true-positive
      rate or selection rate);
    - ``group_counts``: a pandas Series, the number of examples behind each
      rate (:math:`n_s^+` or :math:`n_s`);
    - ``group_radii``: a pandas Series, the Hoeffding radius of each group's
      rate (NaN for the bootstrap).
    """

    estimate: float
    low: float
    high: float
    delta: float
    method: str
    constraint: str
    group_rates: pd.Series
    group_counts: pd.Series
    group_radii: pd.Series

    @property
    def width(self):
        """``high - low``."""
        return self.high - self.low

    def contains(self, value):
        """Whether ``value`` lies in ``[low, high]``."""
        return bool(self.low <= value <= self.high)


def _check_loss(loss):
    if callable(loss):
        return loss, "callable"
    if isinstance(loss, str) and loss in LOSSES:
        return LOSSES[loss], loss
    raise ValueError(f"unknown loss {loss!r}; use one of {', '.join(LOSSES)} or a callable")


def _check_choice(value, name, choices):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"unknown {name} {value!r}; use one of {', '.join(choices)}")
    return value


def _per_sample_losses(loss_fn, y, scores):
    values = np.asarray(loss_fn(y.astype(np.float64), scores), dtype=np.float64)
    if values.shape != scores.shape:
        raise ValueError(
            f"the loss returned shape {values.shape}, expected one value per sample {scores.shape}"
        )
    if not np.all(np.isfinite(values)):
        raise ValueError("the loss returned NaN or infinite values")
    return values


def _scores(values, name):
    scores = as_1d_array(values, name).astype(np.float64)
    if not np.all(np.isfinite(scores)):
        raise ValueError(f"{name} contains infinite values")
    return scores


def empirical_risk(y_true, scores, *, loss="zero_one", pos_label=None) -> float:
    r"""Average loss of a score on a sample, :math:`\hat L(f)`.

    Derived in :ref:`chapter 2, § Risk and empirical risk <sec-empirical-risk>`.

    .. math::
        \hat L(f) = \frac{1}{n} \sum_{i=1}^n \ell(f(x_i), y_i)

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels in {0, 1} (any two labels, the larger one taken as
        positive, e.g. {-1, +1}).
    scores : array-like of shape (n_samples,)
        Real scores :math:`f(x_i)`, or 0/1 predictions (read as scores, so
        the 0-1 loss of a prediction is its error).
    loss : str or callable, default="zero_one"
        One of ``"zero_one"``, ``"hinge"``, ``"linear"``, ``"logistic"``,
        ``"squared"`` (see the module docstring), or a callable
        ``loss(y, scores)`` returning per-sample losses.
    pos_label : int, str or bool, default=None
        The label read as :math:`y = 1`. ``None``: the larger label, as in
        scikit-learn (1 for {0, 1} and {-1, 1}; a ``PositiveLabelWarning``
        names the label taken for other labels, e.g. {1, 2} or strings).

    Returns
    -------
    float
        The empirical risk.

    Examples
    --------
    >>> from fairtutor.risk import empirical_risk
    >>> empirical_risk([1, 0, 1, 0], [2.0, -1.0, -0.5, 0.5])
    0.5
    >>> empirical_risk([1, 0, 1, 0], [2.0, -1.0, -0.5, 0.5], loss="hinge")
    0.75
    """
    loss_fn, _ = _check_loss(loss)
    y = _binary_labels(y_true, pos_label)
    scores = _scores(scores, "scores")
    check_same_length(y_true=y, scores=scores)
    return float(_per_sample_losses(loss_fn, y, scores).mean())


def _binary_labels(y_true, pos_label=None, warn=True):
    y = as_1d_array(y_true, "y_true", numeric=False)
    labels, _ = _unique_labels(y, "y_true")
    if labels.size > 2:
        return check_binary(y, "y_true")  # raises: more than two labels
    pos_label = resolve_pos_label(labels, pos_label, "y_true", warn=warn)
    return check_binary(y, "y_true", pos_label=pos_label)


def fairness_risk(
    y_true,
    y_pred_or_scores,
    *,
    sensitive_features,
    loss="zero_one",
    constraint="equal_opportunity",
    pos_label=None,
) -> FairnessRisk:
    r"""Group-conditional empirical risks and their largest gap.

    Derived in :ref:`chapter 2, § The fairness risk <sec-empirical-fairness-risk>`.

    For equal opportunity, the risk of group :math:`s` is measured on its
    positives,

    .. math::
        \hat L^+_s(f) = \frac{1}{n_s^+} \sum_{i:\, y_i = 1,\, s_i = s}
        \ell(f(x_i), 1),

    and for demographic parity on all its members with the favourable label,
    :math:`\hat L_s(f) = \frac{1}{n_s} \sum_{i:\, s_i = s} \ell(f(x_i), 1)`.
    The empirical fairness risk is the largest gap, :math:`\max_s \hat L_s -
    \min_s \hat L_s`. With ``loss="zero_one"`` and 0/1 predictions the risk
    is one minus the true-positive rate (resp. the selection rate), so the gap
    equals :func:`~fairtutor.metrics.equal_opportunity_difference` (resp.
    :func:`~fairtutor.metrics.demographic_parity_difference`).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels in {0, 1}. For demographic parity they are only checked.
    y_pred_or_scores : array-like of shape (n_samples,)
        Real scores or 0/1 predictions.
    sensitive_features : array-like of shape (n_samples,)
        Group membership; any number (at least two) of groups.
    loss : str or callable, default="zero_one"
        As in :func:`empirical_risk`.
    constraint : {"equal_opportunity", "demographic_parity"}
        Which fairness notion the risks express.
    pos_label : int, str or bool, default=None
        The favourable label of ``y_true`` (see :func:`empirical_risk`).

    Returns
    -------
    FairnessRisk
        With ``group_risks``, ``counts`` and ``gap`` (``float(result)`` is
        the gap).

    Raises
    ------
    ValueError
        On bad input, an unknown loss or constraint, or, for equal
        opportunity, a group without positives (its risk is undefined).

    Examples
    --------
    >>> from fairtutor.risk import fairness_risk
    >>> y_true = [1, 1, 0, 1, 1, 0]
    >>> y_pred = [1, 1, 0, 1, 0, 0]
    >>> group = ["a", "a", "a", "b", "b", "b"]
    >>> result = fairness_risk(y_true, y_pred, sensitive_features=group)
    >>> result.group_risks.tolist(), result.gap
    ([0.0, 0.5], 0.5)
    >>> linear = fairness_risk(y_true, [0.9, 0.1, -1, 0.4, -0.2, -1],
    ...                        sensitive_features=group, loss="linear")
    >>> linear.group_risks.round(4).tolist(), round(float(linear), 4)
    ([0.25, 0.45], 0.2)
    """
    loss_fn, loss_name = _check_loss(loss)
    constraint = _check_choice(constraint, "constraint", CONSTRAINTS)
    y = _binary_labels(y_true, pos_label, warn=constraint == "equal_opportunity")
    scores = _scores(y_pred_or_scores, "y_pred_or_scores")
    check_same_length(y_true=y, y_pred_or_scores=scores)
    groups, codes = check_groups(sensitive_features, y.shape[0])
    mask = (y == 1) if constraint == "equal_opportunity" else np.ones(y.shape[0], bool)
    losses = _per_sample_losses(loss_fn, np.ones_like(y), scores)
    counts = np.bincount(codes[mask], minlength=groups.size)
    if np.any(counts == 0):
        empty = ", ".join(map(str, groups[counts == 0]))
        raise ValueError(
            f"group(s) {empty} have no positive labels in y_true, so their risk on "
            "positives (equal opportunity) is undefined"
        )
    risks = np.bincount(codes[mask], weights=losses[mask], minlength=groups.size) / counts
    name = getattr(sensitive_features, "name", None) or "group"
    index = pd.Index(groups, name=name)
    return FairnessRisk(
        group_risks=pd.Series(risks, index=index, name="risk"),
        counts=pd.Series(counts.astype(np.int64), index=index, name="count"),
        gap=float(risks.max() - risks.min()),
        constraint=constraint,
        loss=loss_name,
    )


def hoeffding_radius(n, delta, *, n_bounds=1):
    r"""Radius :math:`\sqrt{\log(2m/\delta) / (2n)}` of Hoeffding's inequality.

    Derived in :ref:`chapter 2, § Risk and empirical risk <sec-empirical-risk>`
    (:prf:ref:`thm-empirical-finite-class`).

    With probability at least :math:`1 - \delta`, the means of :math:`n`
    independent variables with values in [0, 1] lie within this radius of
    their expectations for all :math:`m` = ``n_bounds`` such means at once
    (Hoeffding's inequality for each, and the union bound over the
    :math:`m` events).

    Parameters
    ----------
    n : int or array-like of int
        Sample size(s), each at least 1.
    delta : float
        Failure probability, in (0, 1).
    n_bounds : int, default=1
        The number :math:`m` of means bounded simultaneously (the number of
        groups, or the size of a finite model class).

    Returns
    -------
    float or numpy.ndarray
        The radius (or radii, with the shape of ``n``).

    Examples
    --------
    >>> from fairtutor.risk import hoeffding_radius
    >>> round(hoeffding_radius(1000, 0.05), 4)
    0.0429
    >>> hoeffding_radius([100, 400], 0.05, n_bounds=2).round(4)
    array([0.148, 0.074])
    """
    delta = _check_delta(delta)
    if not (isinstance(n_bounds, (int, np.integer)) and n_bounds >= 1):
        raise ValueError(f"n_bounds must be a positive integer, got {n_bounds!r}")
    n_array = np.asarray(n, dtype=np.float64)
    if np.any(~np.isfinite(n_array)) or np.any(n_array < 1):
        raise ValueError(f"n must hold sample sizes of at least 1, got {n!r}")
    radius = np.sqrt(np.log(2 * n_bounds / delta) / (2 * n_array))
    return float(radius) if radius.ndim == 0 else radius


def _check_delta(delta):
    if isinstance(delta, bool) or not isinstance(delta, (int, float, np.floating, np.integer)):
        raise ValueError(f"delta must be a number in (0, 1), got {delta!r}")
    if not 0 < delta < 1:
        raise ValueError(f"delta must be in (0, 1), got {delta!r}")
    return float(delta)


def _gap_interval_from_boxes(low, high):
    r"""Range of :math:`\max_s t_s - \min_s t_s` over the box of group rates.

    ``low`` and ``high`` have shape (..., K): each group's rate lies in
    ``[low[..., s], high[..., s]]``. The smallest gap over the box is
    :math:`\max(0, \max_s l_s - \min_s h_s)`; the largest is
    :math:`\max_{s \ne s'} (h_s - l_{s'})`.
    """
    lower = np.maximum(0.0, low.max(axis=-1) - high.min(axis=-1))
    pairs = high[..., :, None] - low[..., None, :]
    k = low.shape[-1]
    pairs = np.where(np.eye(k, dtype=bool), -np.inf, pairs)
    upper = pairs.max(axis=(-2, -1))
    return lower, upper


def fairness_confidence_interval(
    y_true,
    y_pred,
    *,
    sensitive_features,
    delta=0.05,
    method="hoeffding",
    constraint="equal_opportunity",
    n_resamples=2000,
    random_state=None,
    pos_label=None,
) -> FairnessInterval:
    r"""Estimate of a fairness gap (DEO or DP) with a confidence interval.

    Derived in :ref:`chapter 2, § How far is the empirical DEO from the true DEO?
    <sec-empirical-deo-interval>` (:prf:ref:`thm-empirical-deo-interval`).

    ``method="hoeffding"``: each group rate :math:`\hat r_s` (true-positive
    rate on the :math:`n_s^+` positives of group :math:`s`, or selection rate
    on its :math:`n_s` members) is within
    :math:`t_s = \sqrt{\log(2K/\delta)/(2 n_s^+)}` of its population value
    for all :math:`K` groups at once, with probability at least
    :math:`1 - \delta` (Hoeffding and the union bound; the classifier must not
    depend on this sample). On that event each rate lies in
    :math:`[l_s, h_s] = [\hat r_s - t_s, \hat r_s + t_s] \cap [0, 1]`, and the
    interval returned is the range of the gap over these boxes,

    .. math::
        \Bigl[\max\bigl(0, \max_s l_s - \min_s h_s\bigr),\;
        \max_{s \ne s'} (h_s - l_{s'})\Bigr],

    contained in :math:`\widehat{\mathrm{DEO}} \pm (t_{(1)} + t_{(2)})`, the
    estimate plus or minus the sum of the two largest radii.

    ``method="bootstrap"``: a bootstrap of the **signed** differences, not of
    the gap itself. Each group's positives (or members) are resampled with
    their count kept, giving rates :math:`\hat r_s^*`; with the errors
    :math:`e_s = \hat r_s^* - \hat r_s`, the radius :math:`c` is the
    :math:`1 - \delta` quantile over ``n_resamples`` resamples of
    :math:`\max_s e_s - \min_s e_s = \max_{s, s'} \lvert (\hat r_s^* - \hat
    r_{s'}^*) - (\hat r_s - \hat r_{s'}) \rvert`, the largest error of a signed
    pairwise difference. The interval is
    :math:`[\max(0, \widehat{\mathrm{DEO}} - c), \min(1, \widehat{\mathrm{DEO}} + c)]`:
    whenever every signed difference :math:`r_s - r_{s'}` lies within
    :math:`c` of its estimate, the gap :math:`\max_{s, s'} \lvert r_s -
    r_{s'}\rvert` lies within :math:`c` of :math:`\widehat{\mathrm{DEO}}`.
    Its level is approximate (it rests on the bootstrap distribution of the
    errors, and fails for groups with few positives or rates near 0 or 1),
    but unlike a percentile interval of the resampled gap
    :math:`\lvert \hat r_a^* - \hat r_b^* \rvert` it keeps its level when the
    true gap is 0. That percentile interval's lower end is the
    :math:`\delta/2` quantile of :math:`\lvert \hat r_a^* - \hat r_b^*
    \rvert`, which is positive with high probability, so it excludes 0: it
    covers a perfectly fair classifier almost never once the groups have
    many positives (chapter 2 measures this).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary labels in {0, 1}.
    y_pred : array-like of shape (n_samples,)
        Binary predictions in {0, 1} of a classifier trained on other data.
    sensitive_features : array-like of shape (n_samples,)
        Group membership; any number (at least two) of groups.
    delta : float, default=0.05
        Failure probability, in (0, 1): the interval has level ``1 - delta``.
    method : {"hoeffding", "bootstrap"}, default="hoeffding"
        How the interval is built.
    constraint : {"equal_opportunity", "demographic_parity"}
        DEO (true-positive rates) or DP difference (selection rates).
    n_resamples : int, default=2000
        Bootstrap resamples (ignored by Hoeffding).
    random_state : None, int or numpy.random.Generator
        Seed of the bootstrap.
    pos_label : int, str or bool, default=None
        The favourable label of ``y_true`` and ``y_pred`` (``None``: the
        larger label, as in :mod:`fairtutor.metrics`).

    Returns
    -------
    FairnessInterval
        ``estimate``, ``low``, ``high`` and the per-group rates, counts and
        radii.

    Raises
    ------
    ValueError
        On bad input, ``delta`` outside (0, 1), an unknown method or
        constraint, or a group without positives (equal opportunity).

    Warns
    -----
    SmallGroupWarning
        Hoeffding: when a group's clipped box :math:`[l_s, h_s]` is all of
        [0, 1] (its radius is at least :math:`\max(\hat r_s, 1 - \hat r_s)`),
        so that the bound says nothing about its rate (the interval then rests on the other groups
        only; it is the whole of [0, 1] when that makes it vacuous).
        Bootstrap: when a group's rate is 0 or 1, so that every resample
        repeats it and the interval ignores that group's uncertainty.

    Examples
    --------
    >>> import numpy as np
    >>> from fairtutor.risk import fairness_confidence_interval
    >>> rng = np.random.default_rng(0)
    >>> group = np.repeat(["a", "b"], 2000)
    >>> y_true = rng.integers(0, 2, 4000)
    >>> # true-positive rates 0.8 and 0.6: the population DEO is 0.2
    >>> y_pred = (rng.random(4000) < np.where(group == "a", 0.8, 0.6)).astype(int)
    >>> ci = fairness_confidence_interval(y_true, y_pred, sensitive_features=group)
    >>> round(ci.estimate, 4), round(ci.low, 4), round(ci.high, 4)
    (0.2084, 0.1154, 0.3014)
    >>> boot = fairness_confidence_interval(y_true, y_pred, sensitive_features=group,
    ...                                     method="bootstrap", random_state=0)
    >>> round(boot.low, 4), round(boot.high, 4)
    (0.1689, 0.2479)
    >>> # a perfectly fair classifier (both rates 0.7): the interval keeps 0 in
    >>> fair = (rng.random(4000) < 0.7).astype(int)
    >>> fair_boot = fairness_confidence_interval(y_true, fair, sensitive_features=group,
    ...                                          method="bootstrap", random_state=0)
    >>> fair_boot.contains(0.0), fair_boot.low
    (True, 0.0)
    """
    delta = _check_delta(delta)
    method = _check_choice(method, "method", METHODS)
    constraint = _check_choice(constraint, "constraint", CONSTRAINTS)
    if (
        isinstance(n_resamples, bool)
        or not isinstance(n_resamples, (int, np.integer))
        or n_resamples < 10
    ):
        raise ValueError(f"n_resamples must be an integer of at least 10, got {n_resamples!r}")
    gap_fn = (
        equal_opportunity_difference
        if constraint == "equal_opportunity"
        else demographic_parity_difference
    )
    # The metric validates the inputs and raises on a group without positives.
    with warnings.catch_warnings():
        # This function warns about small groups itself, with the interval.
        warnings.simplefilter("ignore", SmallGroupWarning)
        estimate = gap_fn(
            y_true, y_pred, sensitive_features=sensitive_features, pos_label=pos_label
        )
    if pos_label is None:  # the label the metric took (it warned if that was a guess)
        both = np.concatenate(
            [
                as_1d_array(y_true, "y_true", numeric=False).astype(object),
                as_1d_array(y_pred, "y_pred", numeric=False).astype(object),
            ]
        )
        pos_label = resolve_pos_label(
            _unique_labels(both, "y_true and y_pred")[0], None, "y_true and y_pred", warn=False
        )
    risk = fairness_risk(
        y_true,
        check_binary(y_pred, "y_pred", pos_label=pos_label),
        sensitive_features=sensitive_features,
        constraint=constraint,
        pos_label=pos_label,
    )
    rates = 1.0 - risk.group_risks.to_numpy()
    counts = risk.counts.to_numpy()
    index = risk.group_risks.index
    who = "positives" if constraint == "equal_opportunity" else "members"

    if method == "hoeffding":
        radii = hoeffding_radius(counts, delta, n_bounds=int(counts.size))
        low_s = np.clip(rates - radii, 0.0, 1.0)
        high_s = np.clip(rates + radii, 0.0, 1.0)
        low, high = _gap_interval_from_boxes(low_s, high_s)
        low, high = float(low), float(min(high, 1.0))
        # A box that is already all of [0, 1] says nothing about that rate; this
        # happens as soon as t_s >= max(rate, 1 - rate), well before t_s >= 1.
        vacuous = (low_s <= 0.0) & (high_s >= 1.0)
        if vacuous.any():
            described = ", ".join(
                f"{g} ({n} {who})" for g, n in zip(index[vacuous], counts[vacuous], strict=True)
            )
            whole = low == 0.0 and high == 1.0
            warnings.warn(
                f"group(s) {described} are too small: their Hoeffding box is all of [0, 1] at "
                f"delta={delta:g}, so the bound says nothing about their rate"
                + (
                    "; the interval [0, 1] is vacuous"
                    if whole
                    else "; the interval rests on the other groups only"
                ),
                SmallGroupWarning,
                stacklevel=2,
            )
        radii_series = pd.Series(radii, index=index, name="radius")
    else:
        rng = check_random_state(random_state)
        draws = rng.binomial(counts, rates, size=(int(n_resamples), counts.size)) / counts
        errors = draws - rates
        # the largest error of a signed pairwise difference, in each resample
        radius = float(np.quantile(errors.max(axis=1) - errors.min(axis=1), 1 - delta))
        low, high = max(0.0, float(estimate) - radius), min(1.0, float(estimate) + radius)
        degenerate = (rates == 0) | (rates == 1)
        if degenerate.any():
            described = ", ".join(
                f"{g} ({n} {who}, rate {r:g})"
                for g, n, r in zip(
                    index[degenerate], counts[degenerate], rates[degenerate], strict=True
                )
            )
            warnings.warn(
                f"group(s) {described}: every bootstrap resample repeats this rate, so the "
                "interval ignores their uncertainty; use method='hoeffding'",
                SmallGroupWarning,
                stacklevel=2,
            )
        radii_series = pd.Series(np.nan, index=index, name="radius")

    return FairnessInterval(
        estimate=float(estimate),
        low=low,
        high=high,
        delta=delta,
        method=method,
        constraint=constraint,
        group_rates=pd.Series(rates, index=index, name="rate"),
        group_counts=risk.counts.rename("count"),
        group_radii=radii_series,
    )
