"""Synthetic data sets whose bias is set by the caller.

With them the book can show what each fairness metric detects when the truth is known.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_random_state

__all__ = ["make_biased_classification", "make_biased_regression", "make_multitask_biased"]


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


def make_biased_classification(
    n_samples=1000,
    n_features=4,
    *,
    group_weights=(0.6, 0.4),
    label_bias=1.0,
    proxy_strength=1.0,
    signal=2.0,
    random_state=None,
):
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


def _check_size(value, name):
    if int(value) != value or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def make_biased_regression(
    n_samples=1000,
    n_features=4,
    *,
    group_weights=(0.6, 0.4),
    mean_shift=1.0,
    scale_ratio=2.0,
    noise=0.5,
    proxy_strength=1.0,
    random_state=None,
):
    r"""A regression problem whose target is shifted and rescaled by group.

    Groups :math:`s \in \{0, \dots, k-1\}` are drawn with probabilities
    ``group_weights`` and :math:`t_s = s / (k - 1)` as in
    :func:`make_biased_classification`. With a latent merit
    :math:`z \sim \mathcal{N}(0, I_d)` and :math:`\beta = (1, \dots, 1)/\sqrt d`,

    .. math::
        y = m_s + \sigma_s \bigl(\langle \beta, z\rangle + \text{noise}\cdot
        \xi\bigr), \qquad m_s = \text{mean\_shift}\cdot t_s, \quad
        \sigma_s = \text{scale\_ratio}^{\,t_s}, \quad \xi \sim \mathcal{N}(0, 1),

    and the features are :math:`x = z + \text{proxy\_strength}\cdot t_s\, e_1`.
    The regression function :math:`f^*(x, s) = \mathbb{E}[Y \mid X=x, S=s] =
    m_s + \sigma_s \langle \beta, x - \text{proxy\_strength}\cdot t_s e_1
    \rangle` then has, within group :math:`s`, the Gaussian law
    :math:`\mathcal{N}(m_s, \sigma_s^2)`. Its Wasserstein-2 barycenter with
    weights :math:`p_s` is :math:`\mathcal{N}(\sum_s p_s m_s, (\sum_s p_s
    \sigma_s)^2)`, a closed form against which the Wasserstein chapter checks
    its estimators.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of samples.
    n_features : int, default=4
        Number of features :math:`d`.
    group_weights : sequence of float, default=(0.6, 0.4)
        Group proportions (normalized to sum to one); its length is the
        number of groups.
    mean_shift : float, default=1.0
        Difference between the target means of the last and the first group.
    scale_ratio : float, default=2.0
        Ratio of the target's standard deviation in the last group to that in
        the first group; must be positive.
    noise : float, default=0.5
        Standard deviation of the noise relative to the signal (before the
        group scale :math:`\sigma_s` is applied); must be non-negative.
    proxy_strength : float, default=1.0
        How far the first feature is shifted in the last group.
    random_state : int, numpy Generator or None, default=None
        Seed for reproducible data.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Features.
    y : ndarray of shape (n_samples,)
        Real-valued target.
    s : ndarray of shape (n_samples,)
        Group labels in {0, ..., k - 1}.

    Examples
    --------
    >>> from fairtutor.datasets import make_biased_regression
    >>> X, y, s = make_biased_regression(20000, noise=0.0, random_state=0)
    >>> round(float(y[s == 1].mean() - y[s == 0].mean()), 1)
    1.0
    >>> [round(float(y[s == g].std()), 1) for g in (0, 1)]
    [1.0, 2.0]
    """
    n_samples = _check_size(n_samples, "n_samples")
    n_features = _check_size(n_features, "n_features")
    if not np.isfinite(scale_ratio) or scale_ratio <= 0:
        raise ValueError(f"scale_ratio must be positive, got {scale_ratio!r}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be non-negative, got {noise!r}")
    weights, shifts = _group_shifts(group_weights)
    rng = check_random_state(random_state)

    s = rng.choice(weights.size, size=n_samples, p=weights)
    t = shifts[s]
    z = rng.standard_normal((n_samples, n_features))
    beta = np.full(n_features, 1.0 / np.sqrt(n_features))
    xi = rng.standard_normal(n_samples)
    y = mean_shift * t + scale_ratio**t * (z @ beta + noise * xi)
    X = z.copy()
    X[:, 0] += proxy_strength * t
    return X, y, s.astype(np.int64)


def make_multitask_biased(
    n_samples=1000,
    n_features=10,
    n_tasks=3,
    *,
    n_latent=4,
    group_weights=(0.6, 0.4),
    leakage=1.5,
    task_similarity=0.7,
    signal=3.0,
    noise=0.3,
    random_state=None,
):
    r"""Several related classification tasks sharing a latent representation that leaks the group.

    A latent representation :math:`h \in \mathbb{R}^r` (``n_latent``)
    carries both what the tasks need and the group: with :math:`t_s = s /
    (k-1)` and a fixed unit direction :math:`u`,

    .. math::
        h = \zeta + \text{leakage}\cdot t_s\, u, \qquad \zeta \sim
        \mathcal{N}(0, I_r).

    The features are a random linear mixing of the latent plus noise,
    :math:`x = A h + \text{noise}\cdot \epsilon` with :math:`A \in
    \mathbb{R}^{d \times r}`, and task :math:`j` has the label

    .. math::
        \mathbb{P}(Y_j = 1 \mid h) = \sigma(\text{signal}\cdot\langle w_j,
        h\rangle), \qquad w_j \propto \sqrt{\rho}\, w_0 + \sqrt{1-\rho}\,
        v_j,

    where :math:`w_0` is shared by all tasks, :math:`v_j` is specific to task
    :math:`j`, :math:`\rho` is ``task_similarity`` and every :math:`w_j` has
    unit norm. The direction :math:`u` is :math:`w_0`, so the group shifts the
    latent along what all tasks use: every task has a group gap in base
    rates, and a representation learned for the tasks encodes the group
    unless it is made fair. Set ``leakage=0`` for unbiased tasks.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of samples.
    n_features : int, default=10
        Number of observed features :math:`d`.
    n_tasks : int, default=3
        Number of binary tasks.
    n_latent : int, default=4
        Dimension :math:`r` of the latent representation.
    group_weights : sequence of float, default=(0.6, 0.4)
        Group proportions (normalized to sum to one); its length is the
        number of groups.
    leakage : float, default=1.5
        How far the last group's latent is shifted along the shared direction.
    task_similarity : float, default=0.7
        :math:`\rho \in [0, 1]`: 1 makes all tasks identical, 0 makes their
        directions independent apart from the shared group shift.
    signal : float, default=3.0
        Strength of the dependence of the labels on the latent.
    noise : float, default=0.3
        Standard deviation of the noise added to the features.
    random_state : int, numpy Generator or None, default=None
        Seed for reproducible data (the mixing matrix and task directions are
        drawn from it too).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Features.
    Y : ndarray of shape (n_samples, n_tasks)
        Binary labels in {0, 1}, one column per task.
    s : ndarray of shape (n_samples,)
        Group labels in {0, ..., k - 1}.

    Examples
    --------
    >>> from fairtutor.datasets import make_multitask_biased
    >>> X, Y, s = make_multitask_biased(2000, random_state=0)
    >>> X.shape, Y.shape
    ((2000, 10), (2000, 3))
    >>> gaps = Y[s == 1].mean(axis=0) - Y[s == 0].mean(axis=0)
    >>> bool((gaps > 0.1).all())
    True
    """
    n_samples = _check_size(n_samples, "n_samples")
    n_features = _check_size(n_features, "n_features")
    n_tasks = _check_size(n_tasks, "n_tasks")
    n_latent = _check_size(n_latent, "n_latent")
    if not 0.0 <= task_similarity <= 1.0:
        raise ValueError(f"task_similarity must lie in [0, 1], got {task_similarity!r}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be non-negative, got {noise!r}")
    weights, shifts = _group_shifts(group_weights)
    rng = check_random_state(random_state)

    shared = rng.standard_normal(n_latent)
    shared /= np.linalg.norm(shared)
    specific = rng.standard_normal((n_tasks, n_latent))
    specific /= np.linalg.norm(specific, axis=1, keepdims=True)
    W = np.sqrt(task_similarity) * shared + np.sqrt(1.0 - task_similarity) * specific
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    A = rng.standard_normal((n_features, n_latent)) / np.sqrt(n_latent)

    s = rng.choice(weights.size, size=n_samples, p=weights)
    t = shifts[s]
    H = rng.standard_normal((n_samples, n_latent)) + leakage * t[:, None] * shared
    X = H @ A.T + noise * rng.standard_normal((n_samples, n_features))
    prob = 1.0 / (1.0 + np.exp(-signal * (H @ W.T)))
    Y = (rng.random((n_samples, n_tasks)) < prob).astype(np.int64)
    return X, Y, s.astype(np.int64)
