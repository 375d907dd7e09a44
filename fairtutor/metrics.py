"""Group fairness metrics for classifiers and regressors.

Chapter 1 of the book ("Measuring fairness") derives every function here from
its population definition. Signatures follow fairlearn's convention,
``metric(y_true, y_pred, *, sensitive_features)``, and every difference is the
largest value over groups minus the smallest, so any number of groups works.

Labels and predictions must be binary; ``pos_label`` (default 1) names the
positive class, i.e. the favourable decision such as "loan granted".

For real-valued predictions (chapter 4), :func:`ks_unfairness` and
:func:`wasserstein_unfairness` compare the whole distribution of the
prediction across groups: demographic parity for regression asks that it be
the same in every group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._validation import as_1d_array, check_binary, check_groups, check_same_length

__all__ = [
    "selection_rate",
    "demographic_parity_difference",
    "equal_opportunity_difference",
    "equalized_odds_difference",
    "group_report",
    "ks_unfairness",
    "wasserstein_unfairness",
]


def _prepare(y_true, y_pred, sensitive_features, pos_label):
    """Validate the three inputs and return 0/1 arrays plus group codes."""
    y_true = as_1d_array(y_true, "y_true", numeric=False)
    y_pred = as_1d_array(y_pred, "y_pred", numeric=False)
    check_same_length(y_true=y_true, y_pred=y_pred)
    y_true = check_binary(y_true, "y_true", pos_label=pos_label)
    y_pred = check_binary(y_pred, "y_pred", pos_label=pos_label)
    groups, codes = check_groups(sensitive_features, y_true.shape[0])
    return y_true, y_pred, groups, codes


def _group_means(values, codes, n_groups, mask=None):
    """Mean of ``values`` in each group, restricted to ``mask``; counts too."""
    if mask is None:
        mask = np.ones(values.shape[0], dtype=bool)
    counts = np.bincount(codes[mask], minlength=n_groups)
    sums = np.bincount(codes[mask], weights=values[mask], minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts, counts


def _rates_given(y_true, y_pred, groups, codes, label, rate_name):
    """P(y_pred = 1 | y_true = label, group) for each group, with a clear error."""
    rates, counts = _group_means(y_pred, codes, groups.size, mask=(y_true == label))
    empty = groups[counts == 0]
    if empty.size:
        kind = "positive" if label == 1 else "negative"
        raise ValueError(
            f"group(s) {', '.join(map(str, empty))} have no {kind} labels in y_true, "
            f"so their {rate_name} is undefined"
        )
    return rates


def selection_rate(y_true, y_pred, *, pos_label=1):
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
    pos_label : int or str, default=1
        The label of the favourable decision.

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
    y_true = as_1d_array(y_true, "y_true", numeric=False)
    y_pred = as_1d_array(y_pred, "y_pred", numeric=False)
    check_same_length(y_true=y_true, y_pred=y_pred)
    return float(check_binary(y_pred, "y_pred", pos_label=pos_label).mean())


def demographic_parity_difference(y_true, y_pred, *, sensitive_features, pos_label=1):
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
    pos_label : int or str, default=1
        The label of the favourable decision.

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
    y_true, y_pred, groups, codes = _prepare(y_true, y_pred, sensitive_features, pos_label)
    rates, _ = _group_means(y_pred, codes, groups.size)
    return float(rates.max() - rates.min())


def equal_opportunity_difference(y_true, y_pred, *, sensitive_features, pos_label=1):
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
    pos_label : int or str, default=1
        The label of the favourable outcome.

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
    y_true, y_pred, groups, codes = _prepare(y_true, y_pred, sensitive_features, pos_label)
    tpr = _rates_given(y_true, y_pred, groups, codes, 1, "true-positive rate")
    return float(tpr.max() - tpr.min())


def equalized_odds_difference(y_true, y_pred, *, sensitive_features, pos_label=1):
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
    pos_label : int or str, default=1
        The label of the favourable outcome.

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
    y_true, y_pred, groups, codes = _prepare(y_true, y_pred, sensitive_features, pos_label)
    tpr = _rates_given(y_true, y_pred, groups, codes, 1, "true-positive rate")
    fpr = _rates_given(y_true, y_pred, groups, codes, 0, "false-positive rate")
    return float(max(tpr.max() - tpr.min(), fpr.max() - fpr.min()))


def group_report(y_true, y_pred, *, sensitive_features, pos_label=1):
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
    pos_label : int or str, default=1
        The label of the favourable outcome.

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
    y_true, y_pred, groups, codes = _prepare(y_true, y_pred, sensitive_features, pos_label)
    n_groups = groups.size
    base_rate, size = _group_means(y_true, codes, n_groups)
    selection, _ = _group_means(y_pred, codes, n_groups)
    tpr, _ = _group_means(y_pred, codes, n_groups, mask=(y_true == 1))
    fpr, _ = _group_means(y_pred, codes, n_groups, mask=(y_true == 0))
    accuracy, _ = _group_means((y_true == y_pred).astype(np.float64), codes, n_groups)
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


def ks_unfairness(y_pred, *, sensitive_features):
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
    levels = np.union1d(np.arange(1, n + 1, dtype=np.int64) * m,
                        np.arange(1, m + 1, dtype=np.int64) * n)
    widths = np.diff(levels, prepend=0) / (n * m)
    gap = np.abs(x[-(-levels // m) - 1] - y[-(-levels // n) - 1])
    return float(np.sum(widths * gap ** p) ** (1.0 / p))


def wasserstein_unfairness(y_pred, *, sensitive_features, p=1):
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
    return max(_wasserstein_1d_sorted(a, b, p)
               for i, a in enumerate(samples) for b in samples[i + 1:])
