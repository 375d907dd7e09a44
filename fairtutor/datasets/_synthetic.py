"""Synthetic data sets whose bias is set by the caller, so the book can show
what each fairness metric detects when the truth is known."""

from __future__ import annotations

import numpy as np

from .._validation import check_random_state

__all__ = ["make_biased_classification"]


def _group_shifts(group_weights):
    """Validate group proportions; group g gets the shift g / (k - 1) in [0, 1]."""
    weights = np.asarray(group_weights, dtype=float)
    if weights.ndim != 1 or weights.size < 2:
        raise ValueError("group_weights needs at least two entries, one per group")
    if np.any(weights <= 0) or not np.all(np.isfinite(weights)):
        raise ValueError(f"group_weights must be positive and finite, got {weights.tolist()}")
    weights = weights / weights.sum()
    shifts = np.arange(weights.size) / (weights.size - 1)
    return weights, shifts


def make_biased_classification(n_samples=1000, n_features=4, *, group_weights=(0.6, 0.4),
                               label_bias=1.0, proxy_strength=1.0, signal=2.0,
                               random_state=None):
    r"""A binary classification problem in which one group is disadvantaged.

    Each sample belongs to a group :math:`s \in \{0, \dots, k-1\}` drawn with
    probabilities ``group_weights``; write :math:`t_s = s / (k - 1)`, so the
    first group has :math:`t_s = 0` and the last :math:`t_s = 1`. A latent
    "merit" :math:`z \sim \mathcal{N}(0, I_d)` drives the label:

    .. math::
        \mathbb{P}(Y = 1 \mid z, s) = \sigma\bigl(\text{signal}\cdot
        \langle \beta, z\rangle - \text{label\_bias}\cdot t_s\bigr),
        \qquad \beta = (1, \dots, 1)/\sqrt{d},

    so groups with larger :math:`t_s` have lower base rates (historical bias
    in the labels). The observed features are :math:`x = z -
    \text{proxy\_strength}\cdot t_s\, e_1`: the first feature leaks the
    group, as a postcode or a first name would, even if :math:`s` itself is
    never given to the model. The shift points the same way as the label
    bias, so a model that learns from the features inherits the bias.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of samples.
    n_features : int, default=4
        Number of features :math:`d`.
    group_weights : sequence of float, default=(0.6, 0.4)
        Group proportions (normalized to sum to one); its length is the
        number of groups.
    label_bias : float, default=1.0
        How much lower the logit of a positive label is in the last group.
    proxy_strength : float, default=1.0
        How far the first feature is shifted down in the last group.
    signal : float, default=2.0
        Strength of the dependence of the label on the merit.
    random_state : int, numpy Generator or None, default=None
        Seed for reproducible data.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Features.
    y : ndarray of shape (n_samples,)
        Binary labels in {0, 1}; 1 is the favourable outcome.
    s : ndarray of shape (n_samples,)
        Group labels in {0, ..., k - 1}.

    Examples
    --------
    >>> from fairtutor.datasets import make_biased_classification
    >>> X, y, s = make_biased_classification(500, random_state=0)
    >>> X.shape, y.shape, s.shape
    ((500, 4), (500,), (500,))
    >>> bool(y[s == 0].mean() > y[s == 1].mean())
    True
    """
    if int(n_samples) != n_samples or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    if int(n_features) != n_features or n_features < 1:
        raise ValueError(f"n_features must be a positive integer, got {n_features!r}")
    n_samples, n_features = int(n_samples), int(n_features)
    weights, shifts = _group_shifts(group_weights)
    rng = check_random_state(random_state)

    s = rng.choice(weights.size, size=n_samples, p=weights)
    t = shifts[s]
    z = rng.standard_normal((n_samples, n_features))
    beta = np.full(n_features, 1.0 / np.sqrt(n_features))
    logit = signal * (z @ beta) - label_bias * t
    y = (rng.random(n_samples) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    X = z.copy()
    X[:, 0] -= proxy_strength * t
    return X, y, s.astype(np.int64)
