"""Group fairness metrics for classifiers and regressors.

Chapter 1 of the book ("Measuring fairness") derives every function here from
its population definition. Signatures follow fairlearn's convention,
``metric(y_true, y_pred, *, sensitive_features)``, and every difference is the
largest value over groups minus the smallest, so any number of groups works.

Labels and predictions must be binary; ``pos_label`` names the positive
class, i.e. the favourable decision such as "loan granted". By default it is
the larger label, as in scikit-learn: 1 for 0/1 labels; with other labels
(``{1, 2}``, strings) a ``PositiveLabelWarning`` says which label was taken,
wherever the result depends on it. Every metric takes ``sample_weight``, and
warns (``SmallGroupWarning``) when a group's rate rests on fewer than 30
examples.

For real-valued predictions (chapter 4), :func:`ks_unfairness` and
:func:`wasserstein_unfairness` compare the whole distribution of the
prediction across groups: demographic parity for regression asks that it be
the same in every group.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._validation import (
    _unique_labels,
    as_1d_array,
    check_binary,
    check_groups,
    check_same_length,
    format_values,
    resolve_pos_label,
    warn_small_groups,
)
from .base import check_sample_weight

__all__ = [
    "selection_rate",
    "demographic_parity_difference",
    "equal_opportunity_difference",
    "equalized_odds_difference",
    "group_report",
    "ks_unfairness",
    "wasserstein_unfairness",
]


def _prepare(
    y_true,
    y_pred,
    sensitive_features,
    pos_label,
    sample_weight=None,
    *,
    pos_label_matters=True,
    min_groups=2,
):
    """Validate the inputs; return 0/1 arrays, groups, codes and weights.

    ``pos_label=None`` takes the larger of the labels of ``y_true`` and
    ``y_pred`` together (1 for 0/1 labels), warning when the labels are not
    0/1, -1/1 or booleans and the result depends on the choice.
    """
    y_true = as_1d_array(y_true, "y_true", numeric=False)
    y_pred = as_1d_array(y_pred, "y_pred", numeric=False)
    check_same_length(y_true=y_true, y_pred=y_pred)
    for values, name in ((y_true, "y_true"), (y_pred, "y_pred")):
        labels, _ = _unique_labels(values, name)
        if labels.size > 2:
            raise ValueError(
                f"{name} must be binary, got {labels.size} distinct values "
                f"({format_values(labels)})"
            )
    if pos_label is None:
        both = np.concatenate([y_true.astype(object), y_pred.astype(object)])
        labels, _ = _unique_labels(both, "y_true and y_pred")
        if labels.size > 2:
            raise ValueError(
                f"y_true and y_pred hold {labels.size} labels together "
                f"({format_values(labels)}); a binary metric needs the same two"
            )
        pos_label = resolve_pos_label(labels, None, "y_true and y_pred", warn=pos_label_matters)
    y_true = check_binary(y_true, "y_true", pos_label=pos_label)
    y_pred = check_binary(y_pred, "y_pred", pos_label=pos_label)
    groups, codes = check_groups(sensitive_features, y_true.shape[0], min_groups=min_groups)
    weights = check_sample_weight(sample_weight, y_true.shape[0])
    if weights is None:
        weights = np.ones(y_true.shape[0])
    return y_true, y_pred, groups, codes, weights


def _group_means(values, codes, n_groups, mask=None, weights=None):
    """Weighted mean of ``values`` in each group, restricted to ``mask``; counts too.

    ``counts`` are numbers of examples (not weights): what a small-group
    warning is about.
    """
    if mask is None:
        mask = np.ones(values.shape[0], dtype=bool)
    if weights is None:
        weights = np.ones(values.shape[0])
    counts = np.bincount(codes[mask], minlength=n_groups)
    totals = np.bincount(codes[mask], weights=weights[mask], minlength=n_groups)
    sums = np.bincount(codes[mask], weights=weights[mask] * values[mask], minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / totals, counts


def _rates_given(y_true, y_pred, groups, codes, label, rate_name, weights=None):
    """P(y_pred = 1 | y_true = label, group) for each group, with a clear error."""
    rates, counts = _group_means(
        y_pred, codes, groups.size, mask=(y_true == label), weights=weights
    )
    kind = "positive" if label == 1 else "negative"
    empty = groups[counts == 0]
    if empty.size:
        raise ValueError(
            f"group(s) {format_values(empty)} have no {kind} labels in y_true, "
            f"so their {rate_name} is undefined"
        )
    if not np.isfinite(rates).all():
        raise ValueError(
            f"group(s) {format_values(groups[~np.isfinite(rates)])} have zero total "
            f"sample_weight on their {kind} labels, so their {rate_name} is undefined"
        )
    warn_small_groups(groups, counts, who=f"{kind} labels", stacklevel=4)
    return rates


def selection_rate(
    y_true: Any, y_pred: Any, *, pos_label: Any = None, sample_weight: Any = None
) -> float:
    r"""Fraction of predictions equal to the positive label.

    Derived in :ref:`chapter 1, § Demographic parity <sec-measuring-dp>`.

    The empirical estimate of :math:`\mathbb{P}(\hat{Y} = 1)`. ``y_true`` is
    accepted only to share the signature of the other metrics; it is checked
    for length but otherwise unused.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels (unused, kept for a uniform signature).
    y_pred : array-like of shape (n_samples,)
        Binary predictions.
    pos_label : int, str or bool, default=None
        The label of the favourable decision. ``None``: the larger label, as
        in scikit-learn (1 for 0/1 labels, with a ``PositiveLabelWarning``
        when the labels are not 0/1, -1/1 or booleans).
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample: every rate becomes a weighted mean (as in
        fairlearn's metrics with ``sample_weight``).

    Returns
    -------
    float
        The selection rate, in [0, 1].

    Examples
    --------
    >>> from fairtutor.metrics import selection_rate
    >>> selection_rate([0, 1, 1, 0], [1, 1, 0, 0])
    0.5
    """
    y_true, y_pred, _, _, weights = _prepare(
        y_true, y_pred, np.zeros(len(y_true)), pos_label, sample_weight, min_groups=1
    )
    return float(np.average(y_pred, weights=weights))


def demographic_parity_difference(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    pos_label: Any = None,
    sample_weight: Any = None,
) -> float:
    r"""Largest gap in selection rate between groups.

    Derived in :ref:`chapter 1, § Demographic parity <sec-measuring-dp>`.

    .. math::
        \max_{s} \hat{\mathbb{P}}(\hat{Y}=1 \mid S=s)
        - \min_{s} \hat{\mathbb{P}}(\hat{Y}=1 \mid S=s)

    Zero means the classifier satisfies demographic parity on this sample.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels (checked for length, otherwise unused).
    y_pred : array-like of shape (n_samples,)
        Binary predictions.
    sensitive_features : array-like of shape (n_samples,)
        Group membership; any number (at least two) of groups.
    pos_label : int, str or bool, default=None
        The label of the favourable decision. ``None``: the larger label, as
        in scikit-learn (1 for 0/1 labels, with a ``PositiveLabelWarning``
        when the labels are not 0/1, -1/1 or booleans).
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample: every rate becomes a weighted mean (as in
        fairlearn's metrics with ``sample_weight``).

    Returns
    -------
    float
        The demographic parity difference, in [0, 1].

    Examples
    --------
    >>> from fairtutor.metrics import demographic_parity_difference
    >>> y_pred = [1, 1, 0, 1, 0, 0]
    >>> group = ["a", "a", "a", "b", "b", "b"]
    >>> round(demographic_parity_difference(y_pred, y_pred, sensitive_features=group), 4)
    0.3333
    """
    # The gap is the same whichever label is positive: no warning needed.
    y_true, y_pred, groups, codes, weights = _prepare(
        y_true, y_pred, sensitive_features, pos_label, sample_weight, pos_label_matters=False
    )
    rates, counts = _group_means(y_pred, codes, groups.size, weights=weights)
    warn_small_groups(groups, counts, stacklevel=3)
    return float(rates.max() - rates.min())


def equal_opportunity_difference(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    pos_label: Any = None,
    sample_weight: Any = None,
) -> float:
    r"""Largest gap in true-positive rate between groups (the DEO).

    Derived in :ref:`chapter 1, § Equal opportunity <sec-measuring-eo>`.

    .. math::
        \max_{s} \hat{\mathbb{P}}(\hat{Y}=1 \mid Y=1, S=s)
        - \min_{s} \hat{\mathbb{P}}(\hat{Y}=1 \mid Y=1, S=s)

    With two groups this is the *difference of equal opportunity* (DEO) that
    Donini et al. (2018) report.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary true labels; every group needs at least one positive.
    y_pred : array-like of shape (n_samples,)
        Binary predictions.
    sensitive_features : array-like of shape (n_samples,)
        Group membership; any number (at least two) of groups.
    pos_label : int, str or bool, default=None
        The label of the favourable decision. ``None``: the larger label, as
        in scikit-learn (1 for 0/1 labels, with a ``PositiveLabelWarning``
        when the labels are not 0/1, -1/1 or booleans).
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample: every rate becomes a weighted mean (as in
        fairlearn's metrics with ``sample_weight``).

    Returns
    -------
    float
        The equal opportunity difference, in [0, 1].

    Raises
    ------
    ValueError
        If a group has no positive label, its true-positive rate is undefined.

    Examples
    --------
    >>> from fairtutor.metrics import equal_opportunity_difference
    >>> y_true = [1, 1, 0, 1, 1, 0]
    >>> y_pred = [1, 1, 0, 1, 0, 0]
    >>> group = ["a", "a", "a", "b", "b", "b"]
    >>> equal_opportunity_difference(y_true, y_pred, sensitive_features=group)
    0.5
    """
    y_true, y_pred, groups, codes, weights = _prepare(
        y_true, y_pred, sensitive_features, pos_label, sample_weight
    )
    tpr = _rates_given(y_true, y_pred, groups, codes, 1, "true-positive rate", weights)
    return float(tpr.max() - tpr.min())


def equalized_odds_difference(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    pos_label: Any = None,
    sample_weight: Any = None,
) -> float:
    r"""The larger of the true-positive-rate gap and the false-positive-rate gap.

    Derived in :ref:`chapter 1, § Equalized odds <sec-measuring-eodds>`.

    Equalized odds asks for equal true-positive *and* false-positive rates in
    every group; this reports the worse of the two gaps (fairlearn's
    ``agg="worst_case"``).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary true labels; every group needs at least one positive and one
        negative.
    y_pred : array-like of shape (n_samples,)
        Binary predictions.
    sensitive_features : array-like of shape (n_samples,)
        Group membership; any number (at least two) of groups.
    pos_label : int, str or bool, default=None
        The label of the favourable decision. ``None``: the larger label, as
        in scikit-learn (1 for 0/1 labels, with a ``PositiveLabelWarning``
        when the labels are not 0/1, -1/1 or booleans).
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample: every rate becomes a weighted mean (as in
        fairlearn's metrics with ``sample_weight``).

    Returns
    -------
    float
        The equalized odds difference, in [0, 1].

    Examples
    --------
    >>> from fairtutor.metrics import equalized_odds_difference
    >>> y_true = [1, 1, 0, 1, 1, 0]
    >>> y_pred = [1, 1, 1, 1, 0, 0]
    >>> group = ["a", "a", "a", "b", "b", "b"]
    >>> equalized_odds_difference(y_true, y_pred, sensitive_features=group)
    1.0
    """
    # Swapping the labels swaps the TPR and FPR gaps: the worse one is unchanged.
    y_true, y_pred, groups, codes, weights = _prepare(
        y_true, y_pred, sensitive_features, pos_label, sample_weight, pos_label_matters=False
    )
    tpr = _rates_given(y_true, y_pred, groups, codes, 1, "true-positive rate", weights)
    fpr = _rates_given(y_true, y_pred, groups, codes, 0, "false-positive rate", weights)
    return float(max(tpr.max() - tpr.min(), fpr.max() - fpr.min()))


def group_report(
    y_true: Any,
    y_pred: Any,
    *,
    sensitive_features: Any,
    pos_label: Any = None,
    sample_weight: Any = None,
) -> pd.DataFrame:
    """One row per group: size, base rate, selection rate, TPR, FPR, accuracy.

    Derived in :ref:`chapter 1, § All groups at a glance <sec-measuring-group-report>`.

    A rate that is undefined in a group (a TPR in a group with no positives,
    say) is reported as NaN here rather than raising: the report is for
    looking, the ``*_difference`` functions are for deciding.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Binary true labels.
    y_pred : array-like of shape (n_samples,)
        Binary predictions.
    sensitive_features : array-like of shape (n_samples,)
        Group membership; any number (at least two) of groups.
    pos_label : int, str or bool, default=None
        The label of the favourable decision. ``None``: the larger label, as
        in scikit-learn (1 for 0/1 labels, with a ``PositiveLabelWarning``
        when the labels are not 0/1, -1/1 or booleans).
    sample_weight : array-like of shape (n_samples,), default=None
        Weight of each sample: every rate becomes a weighted mean (as in
        fairlearn's metrics with ``sample_weight``).

    Returns
    -------
    pandas.DataFrame
        Indexed by group, with columns ``size``, ``base_rate``,
        ``selection_rate``, ``tpr``, ``fpr`` and ``accuracy``.

    Examples
    --------
    >>> from fairtutor.metrics import group_report
    >>> report = group_report([1, 0, 1, 0], [1, 0, 0, 0], sensitive_features=["a", "a", "b", "b"])
    >>> report["tpr"].tolist()
    [1.0, 0.0]
    """
    y_true, y_pred, groups, codes, weights = _prepare(
        y_true, y_pred, sensitive_features, pos_label, sample_weight
    )
    n_groups = groups.size
    base_rate, size = _group_means(y_true, codes, n_groups, weights=weights)
    selection, _ = _group_means(y_pred, codes, n_groups, weights=weights)
    tpr, _ = _group_means(y_pred, codes, n_groups, mask=(y_true == 1), weights=weights)
    fpr, _ = _group_means(y_pred, codes, n_groups, mask=(y_true == 0), weights=weights)
    accuracy, _ = _group_means(
        (y_true == y_pred).astype(np.float64), codes, n_groups, weights=weights
    )
    name = getattr(sensitive_features, "name", None) or "group"
    return pd.DataFrame(
        {
            "size": size.astype(np.int64),
            "base_rate": base_rate,
            "selection_rate": selection,
            "tpr": tpr,
            "fpr": fpr,
            "accuracy": accuracy,
        },
        index=pd.Index(groups, name=name),
    )


# --------------------------------------------------------------------------
# Demographic parity for real-valued predictions (chapter 4)
# --------------------------------------------------------------------------


def _sorted_groups(y_pred, sensitive_features):
    """Validate real-valued predictions and return each group's sorted values."""
    y_pred = as_1d_array(y_pred, "y_pred").astype(np.float64, copy=False)
    if np.isinf(y_pred).any():
        raise ValueError(f"y_pred contains infinite values ({int(np.isinf(y_pred).sum())})")
    groups, codes = check_groups(sensitive_features, y_pred.shape[0])
    return groups, [np.sort(y_pred[codes == k]) for k in range(groups.size)]


def ks_unfairness(y_pred: Any, *, sensitive_features: Any) -> float:
    r"""Largest Kolmogorov-Smirnov distance between the groups' prediction distributions.

    Derived in chapter 4, :prf:ref:`Demographic parity of a regressor <def-wasserstein-dp>`.

    .. math::
        \mathrm{KS}(\hat f) = \max_{s, s'} \sup_{t \in \mathbb{R}}
        \bigl|\hat F_{s}(t) - \hat F_{s'}(t)\bigr|,

    where :math:`\hat F_s` is the empirical distribution function of the
    predictions in group :math:`s`. It is 0 when every group has the same
    empirical distribution (demographic parity on the sample) and 1 when two
    groups' predictions do not overlap. With two groups it equals the
    statistic of ``scipy.stats.ks_2samp``. The maximum over pairs is
    computed in one pass: at each point it is the largest minus the smallest
    :math:`\hat F_s(t)`.

    Parameters
    ----------
    y_pred : array-like of shape (n_samples,)
        Real-valued predictions.
    sensitive_features : array-like of shape (n_samples,)
        Group membership; any number (at least two) of groups.

    Returns
    -------
    float
        The KS unfairness, in [0, 1].

    Examples
    --------
    >>> from fairtutor.metrics import ks_unfairness
    >>> y_pred = [1.0, 2.0, 3.0, 2.5, 3.5, 4.5]
    >>> round(ks_unfairness(y_pred, sensitive_features=[0, 0, 0, 1, 1, 1]), 4)
    0.6667
    """
    _, samples = _sorted_groups(y_pred, sensitive_features)
    grid = np.concatenate(samples)
    highest = np.zeros(grid.size)
    lowest = np.ones(grid.size)
    for x in samples:
        F = np.searchsorted(x, grid, side="right") / x.size
        np.maximum(highest, F, out=highest)
        np.minimum(lowest, F, out=lowest)
    return float(np.max(highest - lowest))


def _wasserstein_1d_sorted(x, y, p):
    """W_p between the empirical measures of two sorted samples, via quantiles.

    The quantile functions are steps with jumps at k/n and l/m; on the common
    denominator n*m the merged levels are integers, so the pieces are exact.
    """
    n, m = x.size, y.size
    levels = np.union1d(
        np.arange(1, n + 1, dtype=np.int64) * m, np.arange(1, m + 1, dtype=np.int64) * n
    )
    widths = np.diff(levels, prepend=0) / (n * m)
    gap = np.abs(x[-(-levels // m) - 1] - y[-(-levels // n) - 1])
    return float(np.sum(widths * gap**p) ** (1.0 / p))


def wasserstein_unfairness(y_pred: Any, *, sensitive_features: Any, p: float = 1) -> float:
    r"""Largest Wasserstein-p distance between the groups' prediction distributions.

    Derived in chapter 4, :prf:ref:`Wasserstein distances through quantile functions
    <prop-wasserstein-quantiles>`.

    .. math::
        \max_{s, s'} W_p(\hat\nu_s, \hat\nu_{s'}), \qquad
        W_p^p(\mu, \nu) = \int_0^1 |Q_\mu(u) - Q_\nu(u)|^p \, du,

    where :math:`\hat\nu_s` is the empirical distribution of the predictions
    in group :math:`s` and :math:`Q` a quantile function (in one dimension the
    optimal coupling is the monotone one). Computed exactly from the step
    quantile functions, for groups of any sizes. With two groups and ``p=1``
    it equals ``scipy.stats.wasserstein_distance``; ``ot.wasserstein_1d``
    returns its ``p``-th power.

    Unlike :func:`ks_unfairness` it is in the units of the predictions and
    tells how far the predictions must move, not only whether the
    distributions differ.

    Parameters
    ----------
    y_pred : array-like of shape (n_samples,)
        Real-valued predictions.
    sensitive_features : array-like of shape (n_samples,)
        Group membership; any number (at least two) of groups.
    p : float, default=1
        Order of the distance, at least 1.

    Returns
    -------
    float
        The Wasserstein unfairness, non-negative.

    Examples
    --------
    >>> from fairtutor.metrics import wasserstein_unfairness
    >>> wasserstein_unfairness([0.0, 1.0, 2.0, 3.0], sensitive_features=["a", "a", "b", "b"])
    2.0
    """
    if not np.isfinite(p) or p < 1:
        raise ValueError(f"p must be a number >= 1, got {p!r}")
    _, samples = _sorted_groups(y_pred, sensitive_features)
    return max(
        _wasserstein_1d_sorted(a, b, p) for i, a in enumerate(samples) for b in samples[i + 1 :]
    )
