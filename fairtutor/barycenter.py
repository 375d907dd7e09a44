r"""Fair regression by Wasserstein barycenters (chapter 4).

Demographic parity for a real-valued predictor asks that the distribution of
the prediction be the same in every group. Chzhen et al. (NeurIPS 2020) show
that the most accurate predictor satisfying it (in squared error) moves every
group's predictions to the Wasserstein-2 barycenter of the group
distributions, by the monotone map

.. math::
    g^*(x, s) = \sum_{s'} p_{s'}\, Q_{f|s'}\bigl(F_{f|s}(f(x, s))\bigr),

where :math:`F_{f|s}` and :math:`Q_{f|s}` are the distribution and quantile
functions of the prediction :math:`f(X, S)` in group :math:`s` and
:math:`p_s = \mathbb{P}(S = s)`. This module computes that map exactly from an
unlabeled calibration sample:

- :func:`ecdf` and :func:`quantile` -- the empirical distribution function
  and its generalized inverse;
- :func:`wasserstein_barycenter_1d` -- the exact W2 barycenter of 1-D
  empirical measures, as a discrete measure;
- :class:`BarycenterPostprocessor` -- the plug-in map fitted on raw
  predictions (for users who only have a model's outputs);
- :class:`WassersteinFairRegressor` -- a scikit-learn meta-estimator that
  fits a base regressor and calibrates the map on held-out data.

Any number of groups is supported; group weights come from the calibration
frequencies and are stored at ``fit`` time, so a prediction batch that lacks a
group is transformed exactly like one that has it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, TransformerMixin, clone
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._validation import as_1d_array, check_random_state, encode_known_groups
from .base import (
    HasMethods,
    Interval,
    Options,
    accepts_sparse,
    check_params,
    check_sample_weight,
    fit_base,
    fit_groups,
    require_sensitive_features,
    take_rows,
    validate_X,
)

__all__ = [
    "ecdf",
    "quantile",
    "wasserstein_barycenter_1d",
    "BarycenterPostprocessor",
    "WassersteinFairRegressor",
]


# --------------------------------------------------------------------------
# 1-D empirical distribution and quantile functions
# --------------------------------------------------------------------------


def _finite_sample(values, name):
    array = as_1d_array(values, name).astype(np.float64, copy=False)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains infinite values ({int(np.isinf(array).sum())})")
    return array


def _ceil_levels(n, levels):
    """``ceil(n * u)`` for levels ``u``, treating ``n * u`` within rounding of an integer as it.

    A level such as ``3 / 10`` is stored as a float slightly off ``0.3``; its
    product with 10 may come out as ``3.0000000000000004``, whose ceiling 4 would
    pick the wrong order statistic. Products within a few ulps of an integer are
    snapped to it.
    """
    x = n * levels
    nearest = np.rint(x)
    close = np.abs(x - nearest) <= 8 * np.finfo(np.float64).eps * np.maximum(np.abs(x), 1.0)
    return np.where(close, nearest, np.ceil(x)).astype(np.int64)


def ecdf(sample):
    r"""Empirical distribution function of a 1-D sample.

    Returns the function :math:`\hat F(t) = \frac{1}{N}\#\{i : x_i \le t\}`,
    vectorized over ``t``. The sample is sorted once; each evaluation is a
    binary search (``np.searchsorted``).

    Derived in :ref:`chapter 4, § Demographic parity for regression <sec-wasserstein-dp>`
    (:math:`\hat F_s`) and used in :ref:`§ The plug-in algorithm <sec-wasserstein-plugin>`.

    Parameters
    ----------
    sample : array-like of shape (n_samples,)
        The sample; finite numbers.

    Returns
    -------
    callable
        ``F(t)`` accepting a number or an array of numbers, returning floats
        in [0, 1] of the same shape.

    Examples
    --------
    >>> from fairtutor.barycenter import ecdf
    >>> F = ecdf([3.0, 1.0, 2.0, 2.0])
    >>> F([0.5, 1.0, 2.0, 2.5, 3.0]).tolist()
    [0.0, 0.25, 0.75, 0.75, 1.0]
    """
    sorted_sample = np.sort(_finite_sample(sample, "sample"))
    n = sorted_sample.size

    def F(t):
        t = np.asarray(t, dtype=np.float64)
        return np.searchsorted(sorted_sample, t, side="right") / n

    return F


def quantile(sample, levels):
    r"""Empirical quantile function (generalized inverse of the ECDF).

    .. math::
        \hat Q(u) = \inf\{t : \hat F(t) \ge u\} = x_{(\lceil N u \rceil)},
        \qquad u \in (0, 1],

    where :math:`x_{(1)} \le \dots \le x_{(N)}` is the sorted sample; at
    :math:`u = 0` we take the right limit :math:`x_{(1)}` instead of
    :math:`-\infty`. Unlike ``np.quantile`` there is no interpolation: the
    result is always a sample point, which is what optimal transport between
    empirical measures needs.

    Derived in :ref:`chapter 4, § Optimal transport on the line is sorting
    <sec-wasserstein-ot-sorting>` (:prf:ref:`prop-wasserstein-quantiles`).

    Parameters
    ----------
    sample : array-like of shape (n_samples,)
        The sample; finite numbers.
    levels : float or array-like of floats
        Levels in [0, 1].

    Returns
    -------
    float or ndarray
        The quantiles, of the shape of ``levels``.

    Examples
    --------
    >>> from fairtutor.barycenter import quantile
    >>> quantile([10.0, 30.0, 20.0, 40.0], [0.0, 0.25, 0.3, 0.5, 1.0]).tolist()
    [10.0, 10.0, 20.0, 20.0, 40.0]
    """
    sorted_sample = np.sort(_finite_sample(sample, "sample"))
    u = np.asarray(levels, dtype=np.float64)
    if np.isnan(u).any() or (u < 0).any() or (u > 1).any():
        raise ValueError("levels must lie in [0, 1]")
    k = np.clip(_ceil_levels(sorted_sample.size, u), 1, sorted_sample.size)
    result = sorted_sample[k - 1]
    return float(result) if result.ndim == 0 else result


# --------------------------------------------------------------------------
# The exact 1-D W2 barycenter
# --------------------------------------------------------------------------


def _as_weights(weights, sizes, name="weights"):
    sizes = np.asarray(sizes, dtype=np.float64)
    if weights is None:
        return sizes / sizes.sum()
    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    if w.size != sizes.size:
        raise ValueError(f"{name} has {w.size} entries but there are {sizes.size} groups")
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"{name} must be non-negative, finite and not all zero")
    return w / w.sum()


def _merged_levels(sizes):
    """Right end points of the common refinement of the grids {k / N_s}.

    Returns ``(levels, index)``: ``levels`` are the distinct values
    ``k / N_s`` in increasing order, and ``index[s][j]`` is the 0-based order
    statistic of group ``s`` that the quantile function of group ``s`` takes
    on the interval ending at ``levels[j]``. Computed in integers on the
    common denominator when it fits in int64, so equal fractions merge exactly.
    """
    sizes = [int(n) for n in sizes]
    common = math.lcm(*sizes)
    if common < 2**62 // max(sizes):
        numerators = np.unique(
            np.concatenate([np.arange(1, n + 1, dtype=np.int64) * (common // n) for n in sizes])
        )
        index = [-(-numerators // (common // n)) - 1 for n in sizes]
        return numerators / common, index
    # Too many co-prime sizes for int64: merge in floating point, snapping
    # levels closer than rounding error.
    levels = np.sort(np.concatenate([np.arange(1, n + 1) / n for n in sizes]))
    keep = np.diff(levels, append=np.inf) > 8 * np.finfo(np.float64).eps
    levels = levels[keep]
    levels[-1] = 1.0
    index = [np.clip(_ceil_levels(n, levels), 1, n) - 1 for n in sizes]
    return levels, index


def wasserstein_barycenter_1d(samples_by_group, weights=None):
    r"""Exact Wasserstein-2 barycenter of 1-D empirical measures.

    For measures :math:`\nu_1, \dots, \nu_K` on the line and weights
    :math:`p_s`, the minimizer of :math:`\nu \mapsto \sum_s p_s W_2^2(\nu_s,
    \nu)` is the measure whose quantile function is :math:`\sum_s p_s
    Q_{\nu_s}`. For empirical measures every :math:`Q_{\nu_s}` is a step
    function with jumps at the levels :math:`k / N_s`, so the barycenter is a
    discrete measure: on each interval of the merged grid of levels it puts
    the interval's length as mass on :math:`\sum_s p_s Q_{\nu_s}(u)`. No grid
    and no iterative solver are involved.

    Derived in :ref:`chapter 4, § The barycenter of the group distributions
    <sec-wasserstein-barycenter>` (:prf:ref:`prop-wasserstein-barycenter-quantiles`).

    Parameters
    ----------
    samples_by_group : dict or sequence of array-like
        One 1-D sample per group (a dict maps group names to samples); each
        sample is given uniform mass.
    weights : array-like of shape (n_groups,), optional
        Barycenter weights :math:`p_s` (normalized to sum to one). By default
        proportional to the sample sizes, i.e. the group frequencies of the
        pooled sample.

    Returns
    -------
    support : ndarray of shape (n_atoms,)
        Non-decreasing atom locations.
    masses : ndarray of shape (n_atoms,)
        Positive masses summing to one.

    Examples
    --------
    >>> from fairtutor.barycenter import wasserstein_barycenter_1d
    >>> support, masses = wasserstein_barycenter_1d([[0.0, 1.0], [2.0, 4.0, 6.0]],
    ...                                             weights=[0.5, 0.5])
    >>> support.tolist(), masses.round(4).tolist()
    ([1.0, 2.0, 2.5, 3.5], [0.3333, 0.1667, 0.1667, 0.3333])
    """
    if isinstance(samples_by_group, dict):
        names, samples = list(samples_by_group), list(samples_by_group.values())
    else:
        samples = list(samples_by_group)
        names = list(range(len(samples)))
    if not samples:
        raise ValueError("samples_by_group is empty")
    sorted_samples = [
        np.sort(_finite_sample(x, f"sample of group {g}"))
        for g, x in zip(names, samples, strict=True)
    ]
    sizes = [x.size for x in sorted_samples]
    p = _as_weights(weights, sizes)
    levels, index = _merged_levels(sizes)
    support = np.zeros(levels.size)
    for w, x, idx in zip(p, sorted_samples, index, strict=True):
        support += w * x[idx]
    masses = np.diff(levels, prepend=0.0)
    return support, masses


# --------------------------------------------------------------------------
# The plug-in post-processor
# --------------------------------------------------------------------------


def _check_sigma(sigma):
    if not Interval(0, None).accepts(sigma):
        raise ValueError(f"sigma must be a non-negative number, got {sigma!r}")


def _check_fairness(fairness):
    if not Interval(0, 1).accepts(fairness):
        raise ValueError(f"fairness must be a number in [0, 1], got {fairness!r}")


_SMALL_BATCH = 4096  # below this, plain binary searches beat sorting the batch


def _jittered(y, sigma, rng):
    """``y`` plus uniform noise on [-sigma, sigma], drawn once into a new array."""
    if sigma == 0:
        return y.copy()
    z = rng.uniform(-sigma, sigma, y.size)
    z += y
    return z


#: Entries per block of the fair-value tables: the block's scratch arrays
#: stay in the processor's cache.
_BLOCK = 1 << 16
#: Points per chunk of ``fit`` and ``transform``: a chunk's order, keys and
#: sorted copy take a few MB, reused from chunk to chunk, where arrays the
#: size of a large batch would be fresh memory each call, whose page faults
#: cost as much as the arithmetic (measured: 2**18 is the fastest at 10**6
#: predictions, ``benchmarks/bench_barycenter.py``).
_CHUNK = 1 << 18
#: Points per window of :func:`_fair_values_of_sorted`.
_MERGE_WINDOW = 2048


def _fair_values_of_sorted(sample, table, points):
    """Replace each point by ``table[np.searchsorted(sample, point, side="right")]``, in place.

    A merge of the (nearly) sorted ``points`` with the sorted ``sample``: each
    window of consecutive points is searched only in the slice of ``sample``
    between the ranks of the window's smallest and largest point (two
    vectorized searches find them), so its binary searches run in a short
    slice that stays in the processor's cache instead of the whole sample.
    The result is exact for points in any order; the order only changes the
    speed.
    """
    if points.size == 0:
        return points
    starts = np.arange(0, points.size, _MERGE_WINDOW)
    lows = np.searchsorted(sample, np.minimum.reduceat(points, starts), side="right")
    highs = np.searchsorted(sample, np.maximum.reduceat(points, starts), side="right")
    for start, low, high in zip(starts.tolist(), lows.tolist(), highs.tolist(), strict=True):
        window = points[start : start + _MERGE_WINDOW]
        ranks = np.searchsorted(sample[low:high], window, side="right")
        ranks += low
        table.take(ranks, out=window)  # the window's ranks are computed: overwrite it
    return points


def _fair_value_tables(sorted_samples, weights):
    r"""Fair value of a point of rank j in group s, for j = 0..N_s, for each group s.

    The value is :math:`\sum_t p_t\, x_t[\max(\lceil j N_t / N_s \rceil, 1) - 1]`
    (the order statistic of each group t at level :math:`j/N_s`; j = 0 takes
    the smallest value), summed over t in order. The tables are filled in
    blocks of j whose scratch arrays stay in the processor's cache. ``j *
    N_t`` is an exact float below 2**53 and the division is correctly rounded,
    so the ceiling is exact (a non-integer quotient is at least 1/N_s away
    from an integer).
    """
    tables = []
    for x_s in sorted_samples:
        n_s = x_s.size
        table = np.empty(n_s + 1)
        table[0] = 0.0
        for w, x_t in zip(weights, sorted_samples, strict=True):
            table[0] += w * x_t[0]
        for start in range(1, n_s + 1, _BLOCK):
            stop = min(start + _BLOCK, n_s + 1)
            block = table[start:stop]
            block[...] = 0.0
            j = np.arange(start, stop, dtype=np.float64)
            for w, x_t in zip(weights, sorted_samples, strict=True):
                if x_t.size == n_s:  # the order statistic j - 1 itself
                    term = x_t[start - 1 : stop - 1] * w
                else:
                    level = j * x_t.size
                    level /= n_s
                    index = np.ceil(level, out=level).astype(np.intp)
                    index -= 1
                    term = x_t.take(index)
                    term *= w
                block += term
        tables.append(table)
    return tables


class BarycenterPostprocessor(TransformerMixin, BaseEstimator):
    r"""Make raw predictions demographic-parity fair by the barycenter map.

    ``fit`` reads an unlabeled calibration sample of predictions
    :math:`f(x_i, s_i)` with their groups, adds a uniform jitter
    :math:`U(-\sigma, \sigma)` (so that no two values tie), sorts each group
    once and stores the group frequencies :math:`\hat p_s`. ``transform``
    jitters new predictions, finds their rank in their group's calibration
    sample (``np.searchsorted``), i.e. :math:`\hat F_{f|s}`, and returns

    .. math::
        (1 - \alpha)\, f + \alpha \sum_{s'} \hat p_{s'}
        \hat Q_{f|s'}\bigl(\hat F_{f|s}(f + \varepsilon)\bigr),

    with :math:`\alpha` = ``fairness``: 1 gives the fair plug-in estimator
    of Chzhen et al. (2020), 0 the input, and values in between move along
    the Wasserstein-2 geodesic between the two. The calibration sample must be
    independent of the data the model was trained on.

    The output is a **randomized** predictor, as in the paper: every call of
    ``transform`` draws fresh noise :math:`\varepsilon` for each prediction
    from the generator ``jitter_rng_``, which ``fit`` seeds from
    ``random_state`` and every call advances. The fairness guarantee needs
    this independence: it holds whether predictions are transformed in one
    batch or one at a time. The same input transformed twice can therefore
    come out different where the noise breaks a tie differently (by at most
    the gap between neighbouring fair values); refitting, or passing
    ``random_state`` to ``transform``, reproduces a call exactly.

    Derived in :ref:`chapter 4, § The plug-in algorithm <sec-wasserstein-plugin>`
    (:prf:ref:`alg-wasserstein-plugin`); the jitter in
    :ref:`§ Why the jitter <sec-wasserstein-jitter>`, the fairness guarantee in
    :ref:`§ The fairness guarantee <sec-wasserstein-guarantee>` and the ``fairness``
    path in :ref:`§ The risk-fairness trade-off <sec-wasserstein-geodesic>`.

    Parameters
    ----------
    sigma : float, default=1e-5
        Half-width of the uniform jitter, in the units of the predictions.
        Small compared with their spread; 0 disables the jitter (ties then
        break the fairness guarantee).
    random_state : int, numpy Generator or None, default=None
        Seed of the jitter. With an int, ``fit`` followed by the same
        sequence of ``transform`` calls gives the same outputs. Each call
        draws fresh noise in batch order, so reordering or splitting a batch
        moves a fair prediction by an amount of the order of the jitter's
        effect on its rank (at most a few calibration steps); ``sigma=0``
        makes ``transform`` act row by row, at the price of ties.

    Attributes
    ----------
    groups_ : ndarray of shape (n_groups,)
        The group labels seen at calibration,
        sorted.
    weights_ : ndarray of shape (n_groups,)
        The calibration frequency
        :math:`\hat p_s` of each group.
    n_calibration_ : ndarray of shape (n_groups,)
        The calibration sample size :math:`N_s`
        of each group.
    calibration_sorted_ : list of ndarray
        The jittered calibration predictions of each group,
        sorted.
    jitter_rng_ : numpy.random.Generator
        The source of the jitter of new predictions, advanced by every
        ``transform`` call.
    fair_values_ : list of ndarray
        For group ``s``, the ``N_s + 1`` values
        :math:`\sum_{s'} \hat p_{s'} \hat Q_{f|s'}(j / N_s)`,
        :math:`j = 0, \dots, N_s`: the fair prediction of a point of rank
        ``j``.

    Examples
    --------
    >>> import numpy as np
    >>> from fairtutor.barycenter import BarycenterPostprocessor
    >>> from fairtutor.metrics import ks_unfairness
    >>> rng = np.random.default_rng(0)
    >>> s = rng.integers(0, 2, 4000)
    >>> y_pred = rng.normal(loc=2.0 * s, scale=1.0 + s)
    >>> post = BarycenterPostprocessor(random_state=0).fit(
    ...     y_pred[:2000], sensitive_features=s[:2000])
    >>> fair = post.transform(y_pred[2000:], sensitive_features=s[2000:])
    >>> round(ks_unfairness(y_pred[2000:], sensitive_features=s[2000:]), 2)
    0.55
    >>> round(ks_unfairness(fair, sensitive_features=s[2000:]), 2)
    0.08
    """

    _parameter_table: dict[str, list] = {"sigma": [Interval(0, None)]}

    def __init__(self, sigma: float = 1e-5, random_state: Any = None) -> None:
        self.sigma = sigma
        self.random_state = random_state

    def fit(self, y_pred, y=None, *, sensitive_features=None) -> "BarycenterPostprocessor":
        """Calibrate on unlabeled predictions and their groups.

        Parameters
        ----------
        y_pred : array-like of shape (n_samples,)
            Predictions of the model on a calibration sample that it was not
            trained on.
        y : None
            Ignored (the calibration needs no label); present so that the
            post-processor fits in a scikit-learn ``Pipeline``.
        sensitive_features : array-like of shape (n_samples,) or (n_samples, n_columns)
            Group of each prediction; at least two groups, each with at
            least two points.

        Returns
        -------
        self : BarycenterPostprocessor
            The fitted post-processor.
        """
        check_params(self, self._parameter_table)
        require_sensitive_features(self, sensitive_features)
        y = _finite_sample(y_pred, "y_pred")
        groups, codes = fit_groups(sensitive_features, y.size, self)
        counts = np.bincount(codes, minlength=groups.size)
        small = groups[counts < 2]
        if small.size:
            raise ValueError(
                f"group(s) {', '.join(map(str, small))} have fewer than 2 calibration "
                "points; each group needs at least 2 to estimate its distribution"
            )
        rng = check_random_state(self.random_state)
        # Jitter and split by group, chunk by chunk (the noise comes in the
        # order of the sample, as one draw gives it): each group fills its own
        # contiguous slice of one array in order of appearance, and the slice
        # is then sorted in place.
        bounds = np.concatenate([[0], np.cumsum(counts)])
        by_group = np.empty(y.size)
        filled = bounds[:-1].copy()  # next free slot of each group
        code_type = np.min_scalar_type(groups.size)
        for start in range(0, y.size, _CHUNK):
            part = slice(start, start + _CHUNK)
            order = np.argsort(codes[part].astype(code_type), kind="stable")
            chunk_counts = np.bincount(codes[part], minlength=groups.size)
            # the chunk's i-th point in group order goes to its group's next slot
            first_in_chunk = np.concatenate([[0], np.cumsum(chunk_counts)[:-1]])
            destination = np.repeat(filled - first_in_chunk, chunk_counts)
            destination += np.arange(order.size)
            by_group[destination] = _jittered(y[part], self.sigma, rng).take(order)
            filled += chunk_counts
        self.calibration_sorted_ = []
        for k in range(groups.size):
            block = by_group[bounds[k] : bounds[k + 1]]
            block.sort()
            self.calibration_sorted_.append(block)
        self.groups_ = groups
        self.n_calibration_ = counts
        self.weights_ = counts / counts.sum()
        # the ceilings of _fair_value_tables are exact while j * N_t < 2**53
        if counts.max() ** 2 >= 2**53:
            raise ValueError("calibration groups larger than 9e7 points are not supported")
        self.fair_values_ = _fair_value_tables(self.calibration_sorted_, self.weights_)
        # The jitter of new predictions comes from a generator seeded here and
        # advanced by every transform call: each new prediction gets fresh
        # noise, as the estimator of Chzhen et al. requires, whether the
        # predictions arrive in one batch or one at a time.
        self.jitter_rng_ = np.random.default_rng(int(rng.integers(2**63 - 1)))
        with np.errstate(all="ignore"):
            spread = np.array([x[-1] - x[0] for x in self.calibration_sorted_])
            scale = ((2**32 - 1) // groups.size) / spread
        self._bucket_scale = np.where(np.isfinite(scale), scale, 0.0)
        self._bucket_origin = np.array([x[0] for x in self.calibration_sorted_])
        return self

    def transform(
        self, y_pred, *, sensitive_features=None, fairness=1.0, random_state=None
    ) -> np.ndarray:
        """Map predictions to the fair ones (a randomized map).

        Each call jitters the predictions with fresh noise from the generator
        ``jitter_rng_`` that ``fit`` seeded, so two calls on the same input
        can differ where the jitter breaks a tie in the calibration ranks;
        the same sequence of calls after the same ``fit`` gives the same
        outputs.

        Derived in :ref:`chapter 4, § The plug-in algorithm <sec-wasserstein-plugin>`; the
        path of ``fairness`` in :ref:`§ The risk-fairness trade-off
        <sec-wasserstein-geodesic>`.

        Parameters
        ----------
        y_pred : array-like of shape (n_samples,)
            Predictions of the same model.
        sensitive_features : array-like of shape (n_samples,)
            Group of each prediction; every group must have been seen at
            calibration (a batch may contain only some of the groups).
        fairness : float in [0, 1], default=1.0
            Position on the geodesic: 1 is fully fair, 0 returns ``y_pred``.
        random_state : int, numpy Generator or None, default=None
            Source of this call's jitter; None (the default) draws from
            ``jitter_rng_`` and advances it. Pass a seed to reproduce one
            call on its own.

        Returns
        -------
        ndarray of shape (n_samples,)
            The post-processed predictions.
        """
        check_is_fitted(self, "fair_values_")
        require_sensitive_features(self, sensitive_features, "transform")
        _check_fairness(fairness)
        y = _finite_sample(y_pred, "y_pred")
        codes = encode_known_groups(
            sensitive_features, self.groups_, y.size, seen_in="at calibration"
        )
        rng = self.jitter_rng_ if random_state is None else check_random_state(random_state)
        out = np.empty(y.size)
        for start in range(0, y.size, _CHUNK):  # the noise comes in order, as one draw gives it
            part = slice(start, start + _CHUNK)
            self._fair_values_of(_jittered(y[part], self.sigma, rng), codes[part], out=out[part])
        if fairness < 1:
            out *= fairness
            out += (1.0 - fairness) * y
        return out

    def _fair_values_of(self, z, codes, out):
        """The fair value of each jittered prediction ``z`` of group ``codes``, into ``out``.

        The rank of ``z`` in its group's sorted calibration sample, looked up
        in ``fair_values_``. For a large batch the binary searches are made
        in (almost) increasing order, where they share their cache lines: a
        linear-time radix sort on 32-bit keys (group, value bucket) orders
        the batch, and :func:`_fair_values_of_sorted` then merges each
        group's run with its sorted calibration sample. The order only
        changes the speed: every rank is an exact comparison count.
        """
        n_groups = self.groups_.size
        if z.size <= _SMALL_BATCH or n_groups > 2**16:
            for k in range(n_groups):
                where = np.flatnonzero(codes == k)
                ranks = np.searchsorted(self.calibration_sorted_[k], z.take(where), side="right")
                out[where] = self.fair_values_[k].take(ranks)
            return out
        # Key = group * per_group + value bucket, 32 bits, sorted by two stable
        # 16-bit radix passes (low half, then high half): linear time.
        per_group = (2**32 - 1) // n_groups
        with np.errstate(all="ignore"):  # overflow or NaN keys only cost speed
            bucket = z - self._bucket_origin.take(codes)
            bucket *= self._bucket_scale.take(codes)
            np.clip(bucket, 0, per_group - 1, out=bucket)
            keys = bucket.astype(np.uint32)
        keys += np.multiply(codes, per_group, dtype=np.uint32, casting="unsafe")
        order = np.argsort(keys.astype(np.uint16), kind="stable")
        keys >>= 16
        order = order.take(np.argsort(keys.take(order).astype(np.uint16), kind="stable"))
        z_sorted = z.take(order)
        bounds = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=n_groups))])
        for k in range(n_groups):
            _fair_values_of_sorted(
                self.calibration_sorted_[k],
                self.fair_values_[k],
                z_sorted[bounds[k] : bounds[k + 1]],
            )
        out[order] = z_sorted
        return out

    def fit_transform(self, y_pred, y=None, *, sensitive_features=None, fairness=1.0) -> np.ndarray:
        """Calibrate on ``y_pred`` and transform it (see the warning below).

        Transforming the calibration sample itself is what the paper warns
        against when the predictions are the model's training predictions;
        on an independent unlabeled sample it is fine.

        Parameters
        ----------
        y_pred : array-like of shape (n_samples,)
            Predictions.
        y : None
            Ignored.
        sensitive_features : array-like of shape (n_samples,)
            Groups.
        fairness : float in [0, 1], default=1.0
            Position on the geodesic.

        Returns
        -------
        ndarray of shape (n_samples,)
            The post-processed predictions.
        """
        return self.fit(y_pred, sensitive_features=sensitive_features).transform(
            y_pred, sensitive_features=sensitive_features, fairness=fairness
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The input is one prediction per row (a 1-D array), not a feature
        # matrix: scikit-learn's checks, which feed 2-D X, skip it; the
        # fairtutor contract is tested in tests/test_common.py.
        tags.input_tags.one_d_array = True
        tags.input_tags.two_d_array = False
        tags.target_tags.required = False
        return tags


# --------------------------------------------------------------------------
# The meta-estimator
# --------------------------------------------------------------------------


class WassersteinFairRegressor(RegressorMixin, BaseEstimator):
    r"""A regressor made demographic-parity fair by the barycenter map.

    ``fit`` splits the data in two: the base ``estimator`` is trained on one
    part, and a :class:`BarycenterPostprocessor` is calibrated on the
    estimator's predictions on the other part (the labels of that part are
    not used). Calibrating on the training predictions instead would use
    overfitted outputs whose distribution differs from that of new
    predictions. With ``prefit=True`` the estimator is already trained and
    ``fit(X, y=None, sensitive_features=s)`` only calibrates, on all of ``X``.

    The base estimator sees ``X`` only: add the sensitive attribute as a
    column of ``X`` if the model should use it. The post-processing always
    uses ``sensitive_features``, at fit and at predict time.

    Like the post-processor, ``predict`` is randomized: every call draws
    fresh jitter (from ``postprocessor_.jitter_rng_``), so predictions made
    one row at a time are as fair as predictions made in one batch.

    Derived in :ref:`chapter 4, § Pitfall: calibrating on the training predictions
    <sec-wasserstein-pitfall>`, which shows why ``fit`` splits the data.

    Parameters
    ----------
    estimator : regressor, default=None
        The base regressor; ``LinearRegression()`` if None.
    prefit : bool, default=False
        Whether ``estimator`` is already fitted.
    sigma : float, default=1e-5
        Half-width of the uniform jitter (see
        :class:`BarycenterPostprocessor`).
    fairness : float in [0, 1], default=1.0
        Position on the Wasserstein-2 geodesic between the base predictions
        (0) and the fair ones (1).
    calibration_size : float in (0, 1) or int >= 2, default=0.5
        Fraction (or number) of the samples kept for calibration when
        ``prefit`` is false; the split is stratified by group.
    random_state : int, numpy Generator or None, default=None
        Seed of the split and of the jitter (see
        :class:`BarycenterPostprocessor` on batch order).

    Attributes
    ----------
    estimator_ : regressor
        The fitted base regressor.
    postprocessor_ : BarycenterPostprocessor
        The calibrated :class:`BarycenterPostprocessor`.
    groups_ : ndarray of shape (n_groups,)
        The group labels seen at calibration.
    weights_ : ndarray of shape (n_groups,)
        The calibration frequency of each group.

    Examples
    --------
    >>> from fairtutor.barycenter import WassersteinFairRegressor
    >>> from fairtutor.datasets import make_biased_regression
    >>> from fairtutor.metrics import ks_unfairness
    >>> X, y, s = make_biased_regression(6000, random_state=0)
    >>> model = WassersteinFairRegressor(random_state=0).fit(
    ...     X[:4000], y[:4000], sensitive_features=s[:4000])
    >>> fair = model.predict(X[4000:], sensitive_features=s[4000:])
    >>> unfair = model.estimator_.predict(X[4000:])
    >>> round(ks_unfairness(unfair, sensitive_features=s[4000:]), 2)
    0.19
    >>> round(ks_unfairness(fair, sensitive_features=s[4000:]), 2)
    0.08
    """

    _parameter_table: dict[str, list] = {
        "estimator": [Options((None,)), HasMethods(("fit", "predict"), "a regressor")],
        "prefit": [Options((True, False))],
        "sigma": [Interval(0, None)],
        "fairness": [Interval(0, 1)],
        "calibration_size": [Interval(0, 1, "neither"), Interval(2, None, integer=True)],
    }

    def __init__(
        self,
        estimator: Any = None,
        prefit: bool = False,
        sigma: float = 1e-5,
        fairness: float = 1.0,
        calibration_size: float = 0.5,
        random_state: Any = None,
    ) -> None:
        self.estimator = estimator
        self.prefit = prefit
        self.sigma = sigma
        self.fairness = fairness
        self.calibration_size = calibration_size
        self.random_state = random_state

    def _base(self):
        if self.estimator is None:
            from sklearn.linear_model import LinearRegression

            return LinearRegression()
        return self.estimator

    def fit(
        self, X, y=None, *, sensitive_features=None, sample_weight=None
    ) -> "WassersteinFairRegressor":
        """Fit the base regressor (unless prefit) and calibrate the map.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.
        y : array-like of shape (n_samples,), optional
            Targets; required unless ``prefit`` is true (then ignored).
        sensitive_features : array-like of shape (n_samples,) or (n_samples, n_columns)
            Group of each sample.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples, passed to the base estimator's ``fit``
            (the calibration is unweighted: it estimates distributions).

        Returns
        -------
        self : WassersteinFairRegressor
            The fitted estimator.
        """
        check_params(self, self._parameter_table)
        require_sensitive_features(self, sensitive_features)
        X = validate_X(self, X, reset=True, numeric=False)
        n_samples = X.shape[0]
        weights = check_sample_weight(sample_weight, n_samples)
        groups, codes = fit_groups(sensitive_features, n_samples, self)
        rng = check_random_state(self.random_state)
        if self.prefit:
            check_is_fitted(self._base())
            self.estimator_ = self._base()
            X_cal, s_cal = X, sensitive_features
        else:
            if y is None:
                raise ValueError(
                    "WassersteinFairRegressor requires y to be passed, but the "
                    "target y is None: y is required to fit the base estimator "
                    "(prefit=False)"
                )
            if np.ndim(np.asarray(y)) == 2 and np.shape(y)[1] == 1:
                y = column_or_1d(np.asarray(y), warn=True)
            y = as_1d_array(y, "y")
            if y.shape[0] != n_samples:
                raise ValueError(
                    f"inputs have different lengths: X has {n_samples} rows but "
                    f"y has {y.shape[0]} entries"
                )
            counts = np.bincount(codes, minlength=groups.size)
            small = groups[counts < 4]
            if small.size:
                raise ValueError(
                    f"group(s) {', '.join(map(str, small))} have fewer than 4 samples: too "
                    "few to leave at least 2 for training and 2 for calibration"
                )
            split_seed = int(rng.integers(2**31 - 1))
            index = np.arange(n_samples)
            train, cal = train_test_split(
                index, test_size=self.calibration_size, random_state=split_seed, stratify=codes
            )
            X_train, y_train = take_rows(X, train), y[train]
            self.estimator_ = fit_base(
                clone(self._base()),
                X_train,
                y_train,
                None if weights is None else weights[train],
                self,
            )
            X_cal, s_cal = take_rows(X, cal), take_rows(sensitive_features, cal)
        self.postprocessor_ = BarycenterPostprocessor(
            sigma=self.sigma, random_state=int(rng.integers(2**31 - 1))
        )
        self.postprocessor_.fit(self.estimator_.predict(X_cal), sensitive_features=s_cal)
        self.groups_ = self.postprocessor_.groups_
        self.weights_ = self.postprocessor_.weights_
        return self

    def predict(self, X, *, sensitive_features=None) -> np.ndarray:
        """Fair predictions.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.
        sensitive_features : array-like of shape (n_samples,)
            Group of each sample (groups seen at calibration only).

        Returns
        -------
        ndarray of shape (n_samples,)
            The post-processed predictions.
        """
        check_is_fitted(self, "postprocessor_")
        require_sensitive_features(self, sensitive_features, "predict")
        X = validate_X(self, X, reset=False, numeric=False)
        y_pred = self.estimator_.predict(X)
        return self.postprocessor_.transform(
            y_pred, sensitive_features=sensitive_features, fairness=self.fairness
        )

    def score(self, X, y, *, sensitive_features=None, sample_weight=None) -> float:
        """Coefficient of determination R² of the fair predictions.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.
        y : array-like of shape (n_samples,)
            True targets.
        sensitive_features : array-like of shape (n_samples,)
            Groups.
        sample_weight : array-like of shape (n_samples,), optional
            Sample weights.

        Returns
        -------
        float
            R² of ``predict(X, sensitive_features=...)``. In
            ``cross_val_score`` or ``GridSearchCV``, enable metadata routing
            and call ``set_score_request(sensitive_features=True)`` as well as
            ``set_fit_request`` (recipe on the API page).
        """
        from sklearn.metrics import r2_score

        return r2_score(
            y, self.predict(X, sensitive_features=sensitive_features), sample_weight=sample_weight
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = accepts_sparse(self._base())  # X goes to the base as is
        return tags


_take = take_rows
