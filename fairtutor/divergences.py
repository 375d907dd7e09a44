r"""MMD and Sinkhorn divergences between point clouds, in PyTorch.

Chapter 5 of the book ("MMD and Sinkhorn divergences") derives this module.
Every function takes two point clouds, ``x`` of shape ``(n, d)`` and ``y`` of
shape ``(m, d)``, as torch tensors (float32 or float64, CPU or CUDA), returns
a scalar tensor and is differentiable with respect to the points (and the weights), so
that the penalties :class:`MMDPenalty` and :class:`SinkhornPenalty` can be
added to a training loss (chapter 6).

Conventions (stated once, used everywhere)
------------------------------------------
**Kernel.**
The Gaussian kernel is :math:`k(x, y) = \exp(-\|x - y\|^2 / (2\sigma^2))`
with bandwidth :math:`\sigma`. With ``bandwidth=None`` the median heuristic
sets :math:`\sigma` to the median Euclidean distance between distinct
points of the pooled sample (Gretton et al., 2012).

**MMD.**
``mmd2`` returns :math:`\mathrm{MMD}^2`, the squared distance of the kernel
mean embeddings, estimated by the unbiased U-statistic (``unbiased=True``,
which can be negative) or the biased V-statistic (``unbiased=False``,
always :math:`\ge 0`).

**Cost.**
The ground cost is :math:`C(x, y) = \|x - y\|^p` (for ``p=2`` the full
squared Euclidean distance, *not* half of it).

**Entropic OT.**
With probability weights :math:`a, b` and :math:`\eta` = ``epsilon``,

.. math::
    \mathrm{OT}_\eta(a, b) = \min_{\gamma \in \Pi(a, b)}
    \langle \gamma, C \rangle + \eta\, \mathrm{KL}(\gamma \,\|\, a \otimes b),

the entropic term *included* in the returned value. Its dual is
:math:`\max_{f, g} \langle a, f\rangle + \langle b, g\rangle
- \eta \langle a \otimes b, e^{(f \oplus g - C)/\eta} - 1\rangle`, and at the
optimum :math:`\mathrm{OT}_\eta = \langle a, f\rangle + \langle b, g\rangle`.

**Sinkhorn divergence.**
:math:`S_\eta(a, b) = \mathrm{OT}_\eta(a, b) - \tfrac12 \mathrm{OT}_\eta(a, a)
- \tfrac12 \mathrm{OT}_\eta(b, b)` (Feydy et al., 2019), which is
:math:`\ge 0` and zero when the two measures are equal.

Conversions to other libraries (checked in the tests and in chapter 5)
----------------------------------------------------------------------
**POT.**
``ot.solve_sample(x, y, a, b, reg=eta).value`` (metric ``"sqeuclidean"``,
KL regularization) equals ``sinkhorn(x, y, epsilon=eta).cost``;
``ot.sinkhorn2`` returns only the linear term :math:`\langle\gamma, C\rangle`,
which is ``sinkhorn(...).transport_cost``.

**geomloss.**
``SamplesLoss("sinkhorn", p=2, blur=s, debias=True)`` uses the cost
:math:`\tfrac12\|x - y\|^2` and :math:`\eta_{\mathrm{geomloss}} = s^2`. Since
:math:`\mathrm{OT}_{\eta/2}(C/2) = \tfrac12 \mathrm{OT}_\eta(C)`, our
``sinkhorn_divergence(x, y, epsilon=eta)`` equals twice geomloss's value
with ``blur = sqrt(eta / 2)``. Its ``SamplesLoss("gaussian", blur=sigma)``
is half our biased ``mmd2(x, y, bandwidth=sigma, unbiased=False)``.

References
----------
Gretton, Borgwardt, Rasch, Schölkopf and Smola, "A kernel two-sample test",
JMLR 2012. Cuturi, "Sinkhorn distances", NeurIPS 2013. Genevay, Peyré and
Cuturi, "Learning generative models with Sinkhorn divergences", AISTATS 2018.
Feydy, Séjourné, Vialard, Amari, Trouvé and Peyré, "Interpolating between
optimal transport and MMD using Sinkhorn divergences", AISTATS 2019. Peyré
and Cuturi, "Computational optimal transport", 2019.
"""

from __future__ import annotations

import math
import warnings
from typing import NamedTuple

from ._optional import nn, torch

__all__ = [
    "SinkhornResult",
    "cost_matrix",
    "gaussian_kernel",
    "median_bandwidth",
    "mmd2",
    "linear_time_mmd2",
    "mmd_permutation_test",
    "sinkhorn",
    "sinkhorn_divergence",
    "MMDPenalty",
    "SinkhornPenalty",
    "penalty_cost_table",
]

_MEDIAN_MAX_POINTS = 2048


# ----------------------------------------------------------------------------
# validation helpers
# ----------------------------------------------------------------------------
def _as_points(x, name, *, min_points=1):
    """Return ``x`` as a floating 2-D tensor (n, d) or raise ``ValueError``."""
    if not isinstance(x, torch.Tensor):
        x = torch.as_tensor(x)
    if not torch.is_floating_point(x):
        x = x.to(torch.get_default_dtype())
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    if x.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of points (n, d), got shape {tuple(x.shape)}")
    if x.shape[0] < min_points:
        if x.shape[0] == 0:
            raise ValueError(f"{name} is empty: it needs at least {min_points} point(s)")
        raise ValueError(
            f"{name} has {x.shape[0]} point(s) but this statistic needs at least {min_points}"
        )
    if x.shape[1] == 0:
        raise ValueError(f"{name} has points of dimension 0")
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} contains NaN or infinite values")
    return x


def _as_pair(x, y, *, min_points=1):
    x = _as_points(x, "x", min_points=min_points)
    y = _as_points(y, "y", min_points=min_points)
    if x.shape[1] != y.shape[1]:
        raise ValueError(
            f"x and y have different dimensions: x has {x.shape[1]}, y has {y.shape[1]}"
        )
    if x.device != y.device:
        raise ValueError(f"x and y are on different devices: {x.device} and {y.device}")
    dtype = torch.promote_types(x.dtype, y.dtype)
    return x.to(dtype), y.to(dtype)


def _as_weights(w, n, name, like):
    """Probability weights of length n (uniform when None), as log-weights too."""
    if w is None:
        w = torch.full((n,), 1.0 / n, dtype=like.dtype, device=like.device)
        return w, torch.full_like(w, -math.log(n))
    if not isinstance(w, torch.Tensor):
        w = torch.as_tensor(w)
    w = w.to(dtype=like.dtype, device=like.device)
    if w.ndim != 1 or w.shape[0] != n:
        raise ValueError(
            f"{name} must be a 1-D array of {n} weights (one per point), got shape {tuple(w.shape)}"
        )
    if not bool(torch.isfinite(w).all()):
        raise ValueError(f"{name} contains NaN or infinite values")
    if bool((w < 0).any()):
        raise ValueError(f"{name} has negative weights")
    total = w.sum()
    if not float(total.detach()) > 0:
        raise ValueError(f"{name} sums to zero: it needs a positive total mass")
    w = w / total
    return w, torch.log(w)


def _check_positive(value, name):
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive number, got {value!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return value


# ----------------------------------------------------------------------------
# kernels and costs
# ----------------------------------------------------------------------------
def _sqdist(x, y):
    """Squared Euclidean distances ||x_i - y_j||^2 via one matrix product."""
    x2 = (x * x).sum(1, keepdim=True)
    y2 = (y * y).sum(1)
    return torch.addmm(x2 + y2, x, y.T, alpha=-2.0).clamp_min_(0.0)


def cost_matrix(x, y, *, p=2):
    r"""Ground cost matrix :math:`C_{ij} = \|x_i - y_j\|^p`.

    Derived in :ref:`chapter 5, § Entropic optimal transport <sec-mmd-sinkhorn-entropic-ot>`.

    Parameters
    ----------
    x : torch.Tensor of shape (n, d)
    y : torch.Tensor of shape (m, d)
    p : {1, 2}, default=2
        Exponent; ``p=2`` is the full squared Euclidean distance.

    Returns
    -------
    torch.Tensor of shape (n, m)

    Examples
    --------
    >>> import torch
    >>> from fairtutor.divergences import cost_matrix
    >>> cost_matrix(torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0]]))
    tensor([[25.]])
    >>> cost_matrix(torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0]]), p=1)
    tensor([[5.]])
    """
    x, y = _as_pair(x, y)
    return _cost(x, y, _check_p(p))


def _check_p(p):
    if p not in (1, 2):
        raise ValueError(f"p must be 1 or 2, got {p!r}")
    return p


def _cost(x, y, p):
    if p == 2:
        return _sqdist(x, y)
    # p = 1: distances from coordinate differences, not from the expansion
    # |x|^2 + |y|^2 - 2 x.y, whose rounding residue (1e-8 in float64, 1e-2 in
    # float32 far from the origin) would sit under a square root: coinciding
    # points get exactly 0 and the gradient there is 0 (torch.cdist's
    # convention, the subgradient of minimal norm).
    return torch.cdist(x, y, compute_mode="donot_use_mm_for_euclid_dist")


def _centered(x, y):
    """Translate both clouds by the same (detached) vector, their midpoint.

    Every cost and kernel here depends on differences only, so values and
    gradients are unchanged, but the squared-norm expansion of the distances
    loses far fewer digits (float32 clouds near (100, ..., 100) keep their
    small distances).
    """
    shift = 0.5 * (x.detach().mean(0) + y.detach().mean(0))
    return x - shift, y - shift


def median_bandwidth(x, y=None, *, max_points=_MEDIAN_MAX_POINTS):
    r"""Median heuristic: the median distance between distinct pooled points.

    Derived in :ref:`chapter 5, § Characteristic kernels and the bandwidth
    <sec-mmd-sinkhorn-bandwidth>`.

    Above ``max_points`` pooled points, an evenly spaced deterministic
    subsample of ``max_points`` points is used, so the cost stays bounded.
    No gradient flows through the bandwidth.

    Parameters
    ----------
    x : torch.Tensor of shape (n, d)
    y : torch.Tensor of shape (m, d) or None
    max_points : int, default=2048

    Returns
    -------
    float

    Examples
    --------
    >>> import torch
    >>> from fairtutor.divergences import median_bandwidth
    >>> median_bandwidth(torch.tensor([[0.0], [1.0], [3.0]]))
    2.0
    """
    if y is None:
        z = _as_points(x, "x", min_points=2)
    else:
        x, y = _as_pair(x, y)
        z = torch.cat([x, y])
        if z.shape[0] < 2:
            raise ValueError("the median heuristic needs at least 2 points in total")
    z = z.detach()
    z = z - z.mean(0)
    if z.shape[0] > max_points:
        idx = torch.linspace(0, z.shape[0] - 1, max_points, device=z.device).round().long()
        z = z[idx]
    d2 = _sqdist(z, z)
    iu = torch.triu_indices(z.shape[0], z.shape[0], offset=1, device=z.device)
    med = float(d2[iu[0], iu[1]].median().sqrt())
    if not med > 0:
        raise ValueError(
            "the median heuristic gives bandwidth 0 (more than half of the "
            "pairs of points coincide); pass bandwidth explicitly"
        )
    return med


def _bandwidth(bandwidth, x, y):
    if bandwidth is None:
        return median_bandwidth(x, y)
    return _check_positive(bandwidth, "bandwidth")


def gaussian_kernel(x, y, *, bandwidth=None):
    r"""Gaussian kernel matrix :math:`K_{ij} = \exp(-\|x_i - y_j\|^2 / (2\sigma^2))`.

    Derived in :ref:`chapter 5, § The maximum mean discrepancy <sec-mmd-sinkhorn-mmd>`.

    Parameters
    ----------
    x : torch.Tensor of shape (n, d)
    y : torch.Tensor of shape (m, d)
    bandwidth : float or None, default=None
        :math:`\sigma`; ``None`` applies :func:`median_bandwidth` to the pooled
        points.

    Returns
    -------
    torch.Tensor of shape (n, m)

    Examples
    --------
    >>> import torch
    >>> from fairtutor.divergences import gaussian_kernel
    >>> K = gaussian_kernel(torch.tensor([[0.0], [1.0]]), torch.tensor([[0.0]]), bandwidth=1.0)
    >>> [round(v, 4) for v in K.flatten().tolist()]
    [1.0, 0.6065]
    """
    x, y = _as_pair(x, y)
    sigma = _bandwidth(bandwidth, x, y)
    return torch.exp(_sqdist(x, y) * (-0.5 / sigma**2))


# ----------------------------------------------------------------------------
# MMD
# ----------------------------------------------------------------------------
def mmd2(x, y, *, bandwidth=None, unbiased=True):
    r"""Squared maximum mean discrepancy with the Gaussian kernel.

    Derived in :ref:`chapter 5, § Biased and unbiased estimators <sec-mmd-sinkhorn-estimators>`.

    .. math::
        \widehat{\mathrm{MMD}}^2_u = \frac{1}{n(n-1)}\sum_{i \ne i'} k(x_i, x_{i'})
        + \frac{1}{m(m-1)}\sum_{j \ne j'} k(y_j, y_{j'})
        - \frac{2}{nm}\sum_{i, j} k(x_i, y_j),

    and the biased (V-statistic) version keeps the diagonal terms and divides
    by :math:`n^2` and :math:`m^2` (Gretton et al., 2012, Eqs. 3 and 5).

    Parameters
    ----------
    x : torch.Tensor of shape (n, d)
    y : torch.Tensor of shape (m, d)
    bandwidth : float or None, default=None
        Kernel bandwidth :math:`\sigma`; ``None`` uses :func:`median_bandwidth`.
    unbiased : bool, default=True
        The U-statistic (unbiased, may be negative; needs n, m >= 2) or the
        V-statistic (biased upwards, always >= 0).

    Returns
    -------
    torch.Tensor
        A scalar, differentiable with respect to ``x`` and ``y``.

    Examples
    --------
    >>> import torch
    >>> from fairtutor.divergences import mmd2
    >>> g = torch.Generator().manual_seed(0)
    >>> x = torch.randn(200, 2, generator=g, dtype=torch.float64)
    >>> y = torch.randn(200, 2, generator=g, dtype=torch.float64) + 1.0
    >>> round(float(mmd2(x, y, bandwidth=1.0)), 4)
    0.1671
    >>> round(float(mmd2(x, y, bandwidth=1.0, unbiased=False)), 4)
    0.1739
    """
    x, y = _centered(*_as_pair(x, y, min_points=2 if unbiased else 1))
    sigma = _bandwidth(bandwidth, x, y)
    return _GaussianMMD2.apply(x, y, -0.5 / sigma**2, bool(unbiased))


def _gauss_block(u, v, gamma, inplace=True):
    """exp(gamma * ||u_i - v_j||^2) with one matrix product of augmented points.

    [-2 gamma u, gamma |u|^2, gamma] @ [v, 1, |v|^2]^T = gamma ||u_i - v_j||^2,
    so no (n, m) temporary is needed besides the result. The product is in
    base 2 (gamma / ln 2, see ``_LOG2E``), for the faster ``exp2``.
    """
    ones_u = torch.ones_like(u[:, :1])
    ones_v = torch.ones_like(v[:, :1])
    gamma2 = gamma * _LOG2E
    uu = torch.cat([(-2.0 * gamma2) * u, gamma2 * (u * u).sum(1, keepdim=True), gamma2 * ones_u], 1)
    vv = torch.cat([v, ones_v, (v * v).sum(1, keepdim=True)], 1)
    # the floor: see _EXP2_FLOOR (a narrow bandwidth puts most entries below it)
    floor = _EXP2_FLOOR[uu.dtype]
    if inplace:
        return (uu @ vv.T).clamp_(floor, 0.0).exp2_()
    return (uu @ vv.T).clamp(floor, 0.0).exp2()


class _GaussianMMD2(torch.autograd.Function):
    """MMD² with the Gaussian kernel and an analytic backward pass.

    With K_ij = exp(gamma ||u_i - v_j||^2), the gradient of sum_ij K_ij in u_i
    is 2 gamma ((K 1)_i u_i - (K v)_i): one product K @ [v, 1] per block, so
    backward costs a few matrix products and no elementwise pass over K.
    """

    @staticmethod
    def forward(ctx, x, y, gamma, unbiased):
        n, m = x.shape[0], y.shape[0]
        kxx, kyy, kxy = (
            _gauss_block(x, x, gamma),
            _gauss_block(y, y, gamma),
            _gauss_block(x, y, gamma),
        )
        if unbiased:
            # the diagonal k(x_i, x_i) = 1 is left out of the U-statistic
            wxx, wyy = 1.0 / (n * (n - 1)), 1.0 / (m * (m - 1))
            sxx = kxx.sum() - kxx.diagonal().sum()
            syy = kyy.sum() - kyy.diagonal().sum()
        else:
            wxx, wyy = 1.0 / n**2, 1.0 / m**2
            sxx, syy = kxx.sum(), kyy.sum()
        wxy = -2.0 / (n * m)
        ctx.save_for_backward(x, y, kxx, kyy, kxy)
        ctx.consts = (gamma, wxx, wyy, wxy)
        return wxx * sxx + wyy * syy + wxy * kxy.sum()

    @staticmethod
    def backward(ctx, grad):
        x, y, kxx, kyy, kxy = ctx.saved_tensors
        gamma, wxx, wyy, wxy = ctx.consts
        gx = gy = None
        if torch.is_grad_enabled():
            # Double backward (create_graph=True): the saved kernels carry no
            # graph, so rebuild them from x and y with differentiable
            # operations; the formula below is then differentiated by
            # autograd and second derivatives are exact (gradgradcheck).
            kxx, kyy, kxy = (
                _gauss_block(x, x, gamma, inplace=False),
                _gauss_block(y, y, gamma, inplace=False),
                _gauss_block(x, y, gamma, inplace=False),
            )

        def pull(K, u, v, w):  # 2 gamma w ((K 1) u - K v), from one product
            kv = K @ torch.cat([v, torch.ones_like(v[:, :1])], 1)
            return (2.0 * gamma * w) * (kv[:, -1:] * u - kv[:, :-1])

        if ctx.needs_input_grad[0]:
            # the diagonal contributes nothing (u_i - u_i = 0), and the xx block
            # holds x on both sides, hence the factor 2
            gx = (2.0 * pull(kxx, x, x, wxx) + pull(kxy, x, y, wxy)) * grad
        if ctx.needs_input_grad[1]:
            gy = (2.0 * pull(kyy, y, y, wyy) + pull(kxy.T, y, x, wxy)) * grad
        return gx, gy, None, None


def linear_time_mmd2(x, y, *, bandwidth=None):
    r"""Linear-time unbiased estimate of MMD² (Gretton et al., 2012, Lemma 14).

    Derived in :ref:`chapter 5, § A linear-time estimator <sec-mmd-sinkhorn-linear-time>`.

    Pairs consecutive points, :math:`z_i = (x_{2i-1}, x_{2i}, y_{2i-1}, y_{2i})`,
    and averages :math:`h(z_i) = k(x_{2i-1}, x_{2i}) + k(y_{2i-1}, y_{2i})
    - k(x_{2i-1}, y_{2i}) - k(x_{2i}, y_{2i-1})` over the :math:`\lfloor n/2
    \rfloor` pairs: :math:`O(n)` kernel evaluations instead of :math:`O(n^2)`,
    at the price of a larger variance. Shuffle the points first if their order
    carries information.

    Parameters
    ----------
    x, y : torch.Tensor of shape (n, d)
        Two samples of the same size n >= 2 (an odd last point is dropped).
    bandwidth : float or None, default=None
        Kernel bandwidth; ``None`` uses :func:`median_bandwidth`.

    Returns
    -------
    torch.Tensor
        A scalar.

    Examples
    --------
    >>> import torch
    >>> from fairtutor.divergences import linear_time_mmd2
    >>> g = torch.Generator().manual_seed(0)
    >>> x = torch.randn(4000, 2, generator=g, dtype=torch.float64)
    >>> y = torch.randn(4000, 2, generator=g, dtype=torch.float64) + 1.0
    >>> round(float(linear_time_mmd2(x, y, bandwidth=1.0)), 2)
    0.2
    """
    x, y = _as_pair(x, y, min_points=2)
    if x.shape[0] != y.shape[0]:
        raise ValueError(
            f"linear_time_mmd2 needs samples of the same size, got "
            f"x with {x.shape[0]} and y with {y.shape[0]} points"
        )
    sigma = _bandwidth(bandwidth, x, y)
    h = x.shape[0] // 2
    x1, x2, y1, y2 = x[0 : 2 * h : 2], x[1 : 2 * h : 2], y[0 : 2 * h : 2], y[1 : 2 * h : 2]

    def k(u, v):
        return torch.exp(((u - v) ** 2).sum(1) * (-0.5 / sigma**2))

    return (k(x1, x2) + k(y1, y2) - k(x1, y2) - k(x2, y1)).mean()


def mmd_permutation_test(x, y, *, bandwidth=None, n_permutations=200, random_state=None):
    r"""Permutation two-sample test of :math:`P = Q` with the MMD² as statistic.

    Derived in :ref:`chapter 5, § A permutation test: is this representation unfair?
    <sec-mmd-sinkhorn-permutation-test>`.

    The statistic is the biased (V) estimate of :math:`\mathrm{MMD}^2` between
    the two samples. Under :math:`P = Q` the pooled points are exchangeable,
    so relabelling them at random gives draws of the statistic under the null;
    the p-value is :math:`(1 + \#\{\text{permuted} \ge \text{observed}\}) /
    (1 + \text{n\_permutations})`, which is valid at every sample size
    (Gretton et al., 2012). Each relabelling is a vector :math:`w` with
    :math:`1/n` on the points called ``x`` and :math:`-1/m` on the others, and
    its statistic is :math:`w^\top K w` for the pooled Gram matrix :math:`K`:
    all permutations cost one matrix product. Memory is :math:`O((n + m)^2)`.

    Parameters
    ----------
    x : torch.Tensor of shape (n, d)
    y : torch.Tensor of shape (m, d)
    bandwidth : float or None, default=None
        Kernel bandwidth; ``None`` uses :func:`median_bandwidth` on the pooled
        sample (the same for every permutation).
    n_permutations : int, default=200
        Number of random relabellings.
    random_state : int, torch.Generator or None, default=None
        Seeds the permutations (a generator is used as is, and advanced).

    Returns
    -------
    statistic : float
        The observed biased MMD².
    p_value : float
        In :math:`(0, 1]`; small values say the two samples differ.

    Examples
    --------
    >>> import torch
    >>> from fairtutor.divergences import mmd_permutation_test
    >>> g = torch.Generator().manual_seed(0)
    >>> x = torch.randn(100, 2, generator=g, dtype=torch.float64)
    >>> y = torch.randn(100, 2, generator=g, dtype=torch.float64) + 1.0
    >>> statistic, p_value = mmd_permutation_test(x, y, random_state=0)
    >>> p_value < 0.05
    True
    """
    x, y = _as_pair(x, y, min_points=1)
    if (
        isinstance(n_permutations, bool)
        or not isinstance(n_permutations, int)
        or n_permutations < 1
    ):
        raise ValueError(f"n_permutations must be a positive integer, got {n_permutations!r}")
    if isinstance(random_state, torch.Generator):
        generator = random_state
    else:
        generator = torch.Generator()
        if random_state is None:
            generator.seed()
        else:
            generator.manual_seed(int(random_state))
    z = torch.cat([x, y])
    n_x, n_total = x.shape[0], z.shape[0]
    K = gaussian_kernel(z, z, bandwidth=_bandwidth(bandwidth, x, y))
    order = torch.argsort(torch.rand(n_permutations, n_total, generator=generator), dim=1)
    in_x = torch.cat([torch.arange(n_total)[None] < n_x, order < n_x]).to(K.device)
    weights = torch.where(in_x, 1.0 / n_x, -1.0 / (n_total - n_x)).to(K.dtype)
    stats = ((weights @ K) * weights).sum(1)  # row 0: the observed split
    p_value = (1 + int((stats[1:] >= stats[0]).sum())) / (1 + n_permutations)
    return float(stats[0]), p_value


# ----------------------------------------------------------------------------
# entropic optimal transport
# ----------------------------------------------------------------------------
class SinkhornResult(NamedTuple):
    r"""What :func:`sinkhorn` returns: a named tuple.

    Derived in :ref:`chapter 5, § Entropic optimal transport <sec-mmd-sinkhorn-entropic-ot>`.

    Its fields:

    - ``cost``: :math:`\mathrm{OT}_\eta(a, b)` *including* the entropic term,
      a scalar tensor differentiable with respect to the points and weights;
    - ``f``: the dual potential on ``x``, a tensor of shape ``(n,)``;
    - ``g``: the dual potential on ``y``, of shape ``(m,)``; the plan is
      :math:`\gamma_{ij} = a_i b_j \exp((f_i + g_j - C_{ij})/\eta)`;
    - ``transport_cost``: the linear term :math:`\langle \gamma, C\rangle`
      alone (what POT's ``sinkhorn2`` returns), from the returned potentials;
    - ``n_iter``: the Sinkhorn iterations run (epsilon scaling included);
    - ``converged``: whether the tolerance was reached before ``max_iter``.
    """

    cost: torch.Tensor
    f: torch.Tensor
    g: torch.Tensor
    transport_cost: torch.Tensor
    n_iter: int
    converged: bool


def _softmin(eps, C, h):
    """-eps * log sum_j exp(h_j - C_ij / eps), row by row."""
    return -eps * torch.logsumexp(torch.add(h, C, alpha=-1.0 / eps), dim=1)


def _schedule(eps, c_max, scaling):
    if scaling is None or c_max <= eps:
        return [eps]
    k = int(math.ceil(math.log(c_max / eps) / -math.log(scaling)))
    return [c_max * scaling**i for i in range(k)] + [eps]


def _sinkhorn_loop(C, CT, log_a, log_b, eps, *, max_iter, tol, scaling, symmetric):
    """Log-domain Sinkhorn iterations; returns the potentials (f, g), n_iter, converged.

    ``CT`` is C transposed (contiguous) so both half-steps reduce along rows.
    With ``symmetric`` (C symmetric, a = b) the averaged update
    f <- (f + T(f)) / 2 of Feydy et al. (2019) is used and g = f.
    """
    c_max = float(C.detach().max())
    epsilons = _schedule(eps, c_max, scaling)
    n_iter = 0
    # initial potentials: one half-step from zero at the first epsilon
    e0 = epsilons[0]
    if symmetric:
        f = _softmin(e0, C, log_a)
        g = f
    else:
        f = _softmin(e0, C, log_b)
        g = _softmin(e0, CT, log_a + f / e0)
    # epsilon scaling: one iteration per stage
    for e in epsilons[1:-1]:
        if n_iter >= max_iter:
            break
        n_iter += 1
        if symmetric:
            f = 0.5 * (f + _softmin(e, C, log_a + f / e))
        else:
            f = _softmin(e, C, log_b + g / e)
            g = _softmin(e, CT, log_a + f / e)
    converged = False
    e = eps
    while n_iter < max_iter:
        n_iter += 1
        if symmetric:
            f_new = 0.5 * (f + _softmin(e, C, log_a + f / e))
            delta = float((f_new - f).detach().abs().max()) / e
            f = f_new
        else:
            f_new = _softmin(e, C, log_b + g / e)
            delta = float((f_new - f).detach().abs().max()) / e
            f = f_new
            g = _softmin(e, CT, log_a + f / e)
        if delta < tol:
            converged = True
            break
    if symmetric:
        g = _softmin(e, C, log_a + f / e)
    return f, g, n_iter, converged


def _check_gradient(gradient):
    if gradient not in ("envelope", "autograd"):
        raise ValueError(f"gradient must be 'envelope' or 'autograd', got {gradient!r}")
    return gradient


# ---------------------------------------------------------------------------
# envelope solver: epsilon scaling in the kernel (scaling-vector) domain
# ---------------------------------------------------------------------------
#: Final-stage iterations between two convergence checks (a check is a
#: reduction and a host synchronisation: cheap on the CPU, not free on a GPU).
_CHECK_EVERY = 3
#: Iterations at each intermediate epsilon of the schedule.
_STAGE_ITERS = 1
#: Every problem joins the epsilon schedule at its first stage with epsilon
#: <= this fraction of the cost bound c_max: above it the large-epsilon start
#: (the doubly centred cost) is already accurate and the stages would only
#: refine it. Chosen by counting the work (kernel builds and iterations). For
#: the self problems (a cloud against itself), over the benchmark's clouds
#: (epsilon from 3e-2 to 3e-4 of the mean squared distance, tol 1 to 1e-3) 9 %
#: less than annealing them from c_max, and on varied ``SinkhornPenalty``
#: batches (epsilon 0.1 to 0.01 of the median cost) 19 % less; joining later
#: (1/64 of c_max) made the smallest epsilon three times slower. The cross
#: problem joining there too saved a further 4 % (benchmark clouds, n = 256
#: and 1,024, tol 0.05 to 1e-3) and 9 % (30 penalty batches).
_JOIN = 1.0 / 16.0

#: Problems with at most this many kernel entries run on the calling thread
#: (see ``_Problem.__init__``): 256 x 256. From 512 points two threads are
#: faster (one thread took 8.7 instead of 6.7 ms at 512, 26 instead of 17 ms
#: at 1,024).
_SERIAL_ENTRIES = 2**16
#: PyTorch splits an elementwise pass between threads above 2**15 entries.
_BLOCK_ENTRIES = 2**15
#: Marginal error (L1) at which preset="fast" stops.
_FAST_TOL = 0.05
#: Upper bound of the over-relaxation factor (2 would not converge).
_OMEGA_MAX = 1.95


#: 1 / ln 2: kernels are computed as 2 ** (exponent / ln 2), with the factor
#: folded into the scale of the product that builds the exponent. PyTorch's
#: ``exp2`` is about 3 times faster than its ``exp`` in float32 and 1.8 times
#: in float64 (both vectorized; measured on x86 CPUs, 256 x 256 to
#: 1,024 x 1,024 blocks), and the result is as accurate: the exponent's own
#: rounding error, |exponent| times the machine epsilon, is the same in
#: either base.
_LOG2E = 1.0 / math.log(2.0)
_EXP2_CAP = {
    dt: 0.5 * math.log2(torch.finfo(dt).max)
    for dt in (torch.float16, torch.bfloat16, torch.float32, torch.float64)
}
#: Base-2 exponents are raised to this floor before ``exp2``: 2**41 times the
#: smallest normal number (2.6e-26 in float32, 4.9e-296 in float64). Below it
#: CPUs are slow twice over. PyTorch's vectorized exponentials take a slow
#: path, up to 30 times slower, on inputs whose result underflows; and the
#: products of a kernel entry with a weight and a scaling in the Sinkhorn
#: iterations (K_ij b_j v_j, with b_j >= 2**-25 for up to 3e7 points and
#: scalings within e**10 = 2**14.4 of 1) must stay normal numbers, as
#: arithmetic on subnormal ones is several times slower (a 256 x 256
#: matrix-vector product took 17.5 instead of 6.5 us with half its kernel's
#: entries at the smallest normal number). At small epsilon most of a kernel's
#: entries are below the floor. In a sum of kernel entries they are
#: negligible: together at most 2**-85 * 2**14.4 against a row sum
#: sum_j K_ij b_j v_j = 1 / u_i of at least 2**-14.4, so 2**-56 of it, far
#: below float32's rounding (2**-24). Not in float16, whose smallest normal
#: number (6e-5) is not negligible.
_EXP2_FLOOR = {
    dt: -math.inf if dt == torch.float16 else math.log2(torch.finfo(dt).tiny) + 41.0
    for dt in (torch.float16, torch.bfloat16, torch.float32, torch.float64)
}


def _logsumexp_columns(exponent):
    """The log-sum-exp of each column of ``exponent``, computed in place of it.

    As ``torch.logsumexp(exponent, 0)``, computed in base 2 (see ``_LOG2E``)
    with the shifted exponents raised to ``_EXP2_FLOOR`` first (the terms below
    it are negligible next to the largest, which is 1, and would send the
    exponential down its slow path).
    """
    top = exponent.amax(0)
    top = torch.where(torch.isfinite(top), top, torch.zeros_like(top))
    exponent.sub_(top).mul_(_LOG2E).clamp_min_(_EXP2_FLOOR[exponent.dtype]).exp2_()
    return exponent.sum(0).log_().add_(top)


def _log_softmin(u, v, potential, weights, e, cost, squares, exact_diagonal):
    r"""-e log sum_i w_i exp((h_i - C(u_i, v_j))/e) for each j, by log-sum-exp.

    The log-domain half-step of Sinkhorn from the potential ``h`` on the points
    ``u`` to the points ``v``. With ``cost`` (n, m) given it is used; for
    ``p = 2`` (``cost`` None) the exponent comes from one matrix product,
    :math:`(h_i - |u_i|^2 + 2 u_i \cdot v_j - |v_j|^2)/e` with ``squares`` =
    (|u|^2, |v|^2), and ``exact_diagonal`` (u is v) sets its diagonal to
    exactly :math:`h_i / e`.
    """
    inv = 1.0 / e
    if cost is not None:
        exponent = torch.log(weights)[:, None] + (potential[:, None] - cost) * inv
        return -e * _logsumexp_columns(exponent)
    u2, v2 = squares
    ua = torch.cat([(2.0 * inv) * u, (inv * (potential - u2))[:, None]], 1)
    vb = torch.cat([v, torch.ones_like(v[:, :1])], 1)
    exponent = ua @ vb.T
    if exact_diagonal:
        torch.mul(potential, inv, out=exponent.diagonal())
    exponent.add_(torch.log(weights)[:, None])
    return -e * (_logsumexp_columns(exponent) - inv * v2)


class _Problem:
    r"""One entropic OT problem in the stabilized scaling form.

    The plan is :math:`\gamma_{ij} = a_i b_j K_{ij} u_i v_j` with
    :math:`K_{ij} = e^{(f_i + g_j - C_{ij})/\epsilon}`: the potentials
    ``f, g`` are absorbed into ``K`` at each change of epsilon (and when the
    scalings ``u, v`` drift far from 1), so an iteration is two matrix-vector
    products instead of two log-sum-exp passes, each of which exponentiates
    the whole matrix. The current potentials are ``f + eps log u`` and
    ``g + eps log v``. ``symmetric`` problems (x against itself, a = b) keep
    ``g = f``, ``v = u`` and use the averaged update of Feydy et al. (2019),
    :math:`u \leftarrow (u \cdot T(u))^{1/2}`. For ``p = 2`` no cost matrix
    is stored: ``K`` is the only (n, m) matrix, and small problems (at most
    ``_SERIAL_ENTRIES`` entries) also keep the product :math:`2 x \cdot y`.
    """

    def __init__(self, x, y, a, b, p, symmetric):
        self.x, self.y, self.a, self.b, self.p = x, y, a, b, p
        self.symmetric = symmetric
        # Start from the large-epsilon limit: f = C b and g = a C - <a, C b>
        # make f_i + g_j - C_ij the doubly centred cost, so the first kernel is
        # close to 1 and, when epsilon dwarfs the cost (float32 cannot hold
        # 1 - C/eps), the value keeps its first-order term <a, C b>.
        if p == 2:
            self.C = None
            x2, y2 = (x * x).sum(1), (y * y).sum(1)
            self.x2, self.y2 = x2, y2  # reused by every kernel
            f = x2 - 2.0 * (x @ (b @ y)) + b @ y2
            g = None if symmetric else y2 - 2.0 * (y @ (a @ x)) + a @ x2
        else:
            self.C = _cost(x, y, p)
            if symmetric:
                self.C.diagonal().zero_()
            f = self.C @ b
            g = None if symmetric else a @ self.C
        # f_i + g_j - |x_i - y_j|^2 = (f_i - |x_i|^2) + (g_j - |y_j|^2) + 2 x_i.y_j
        # (p = 2, no cost matrix is stored). Large problems compute the
        # kernel's exponent as 1/e times one matrix product of
        # [2x, f - |x|^2, 1] and [y, 1, g - |y|^2], whose potential columns
        # alone change. Small ones run their (n, m) passes on the calling
        # thread: in row blocks below PyTorch's threshold for splitting an
        # elementwise pass between threads, the exponent built from a stored
        # product 2 x.y (MKL's products go parallel at any size but one row).
        # Such a pass takes microseconds, less than waking the pool's other
        # threads can cost: on a shared 2-core virtual machine that took up
        # to 100 us per pass for minutes at a time, and a solve at 256 points
        # then took 16 instead of 10 ms (10 ms on the calling thread alone).
        # Not on a GPU, where more, smaller passes only mean more launches.
        n, m = x.shape[0], y.shape[0]
        self.serial = x.device.type == "cpu" and n * m <= _SERIAL_ENTRIES
        rows = max(1, _BLOCK_ENTRIES // m) if self.serial else n
        blocks = [slice(r, r + rows) for r in range(0, n, rows)]
        # the kernel, rebuilt in place (see absorb), and its row blocks
        self.K = torch.empty(n, m, dtype=x.dtype, device=x.device)
        self.blocks = [self.K[r] for r in blocks]
        if self.serial:
            self.row_term = torch.empty_like(x[:, 0])
            sources = (2.0 * x) @ y.T if p == 2 else self.C
            self.block_terms = [
                (block, sources[r], self.row_term[r, None])
                for block, r in zip(self.blocks, blocks, strict=True)
            ]
        elif p == 2:
            d = x.shape[1]
            self.xa = torch.ones(n, d + 2, dtype=x.dtype, device=x.device)
            self.ya = torch.ones(m, d + 2, dtype=y.dtype, device=y.device)
            self.xa[:, :d] = 2.0 * x
            self.ya[:, :d] = y
            # views of the columns written at each rebuild
            self.xa_potential, self.ya_potential = self.xa[:, d], self.ya[:, d + 1]
            self.no_input = torch.zeros((), dtype=x.dtype, device=x.device)
        mean = float(a @ f)
        if symmetric:
            self.f = self.g = f - 0.5 * mean
        else:
            self.f, self.g = f, g - mean
        # the scalings' starting value, shared (they are never changed in place)
        self.ones_x = torch.ones_like(self.f)
        self.ones_y = self.ones_x if symmetric else torch.ones_like(self.g)
        self.u = self.v = None
        self.omega = 1.0
        self.capped = False
        self.marginal_error = math.inf  # at the last convergence check

    def exponent(self, f, g, e):
        """(f_i + g_j - C_ij) / e in base 2 (divided by ln 2), an (n, m) tensor.

        Written into the kernel's memory, ``self.K``.
        """
        inv = _LOG2E / e
        E = self.K
        if self.serial:
            if self.p == 2:
                # (f_i - |x_i|^2)/e + (g_j - |y_j|^2)/e + 2 x_i.y_j/e, base 2
                torch.sub(f, self.x2, out=self.row_term).mul_(inv)
                column = torch.sub(g, self.y2).mul_(inv)
                for block, product, row in self.block_terms:
                    torch.add(column, product, alpha=inv, out=block).add_(row)
            else:
                self.row_term.copy_(f)
                for block, cost, row in self.block_terms:
                    torch.sub(row, cost, out=block).add_(g).mul_(inv)
        elif self.p == 2:
            torch.sub(f, self.x2, out=self.xa_potential)
            torch.sub(g, self.y2, out=self.ya_potential)
            # [2x, f - |x|^2, 1] @ [y, 1, g - |y|^2]^T, scaled by 1/(e ln 2) inside the product
            torch.addmm(self.no_input, self.xa, self.ya.T, beta=0.0, alpha=inv, out=E)
        else:
            torch.sub(f[:, None], self.C, out=E).add_(g).mul_(inv)
        if self.symmetric and self.p == 2:
            # exactly (f_i + f_i - 0)/(e ln 2) on the diagonal: the
            # expansion's rounding residue would be amplified by 1/e
            torch.mul(f, 2.0 * inv, out=E.diagonal())
        return E

    def absorb(self, e, stage=False):
        """Move the scalings into the potentials and rebuild the kernel at ``e``.

        ``stage``: an intermediate epsilon of the schedule, whose kernel the
        next stage replaces (the exponent cap is then not checked).
        """
        f, g = self.f, self.g
        if self.u is not None:
            f = torch.add(f, torch.log(self.u), alpha=e)
            g = f if self.symmetric else torch.add(g, torch.log(self.v), alpha=e)
        # The new kernel overwrites the old one: a fresh (n, m) block at every
        # rebuild is memory the system hands out page by page, which cost
        # more than the product itself (256 x 256: about 60 of 100 us).
        E = self.exponent(f, g, e)
        if stage:
            # Only potentials poisoned by a scaling at 0 or infinity need
            # catching here, and they show in the sum of the potentials (those
            # of finite points give a finite exponent): a pass over the (n, m)
            # exponent saved at each of the tens of stages.
            finite = math.isfinite(float(f.sum()) if g is f else float(f.sum() + g.sum()))
        else:
            extremes = torch.stack([t for block in self.blocks for t in block.aminmax()]).tolist()
            finite = all(map(math.isfinite, extremes))
            high = max(extremes)
        if not finite:
            # A scaling reached 0 or infinity (without epsilon scaling, or
            # after a bad start, a kernel column can underflow), and its log
            # poisoned the potentials. Restart from one Sinkhorn update of the
            # last finite potentials in the log domain, which cannot overflow.
            g = self.log_update(self.f, e)
            f = 0.5 * (self.f + g) if self.symmetric else self.log_update_rows(g, e)
            g = f if self.symmetric else g
            E = self.exponent(f, g, e)
            high = float(E.max())
        self.f, self.g = f, g
        # An exponent at the cap means potentials still far from optimal: exp
        # of it is not the kernel, and the scalings' fixed point for such a
        # kernel would be a false one (see _iterate). At the optimum the
        # exponent is at most log2 n (base 2).
        self.capped = not stage and not high < _EXP2_CAP[E.dtype]
        for block in self.blocks:
            block.clamp_(_EXP2_FLOOR[E.dtype], _EXP2_CAP[E.dtype]).exp2_()
        self.u, self.v = self.ones_x, self.ones_y

    def log_update(self, f, e):
        """T(f)_j = -e log sum_i a_i exp((f_i - C_ij)/e), in the log domain."""
        cost = None if self.p == 2 else self.C
        sq = (self.x2, self.y2) if self.p == 2 else None
        diagonal = self.symmetric and self.p == 2
        return _log_softmin(self.x, self.y, f, self.a, e, cost, sq, diagonal)

    def log_update_rows(self, g, e):
        """T'(g)_i = -e log sum_j b_j exp((g_j - C_ij)/e), in the log domain."""
        cost = None if self.p == 2 else self.C.T
        sq = (self.y2, self.x2) if self.p == 2 else None
        return _log_softmin(self.y, self.x, g, self.b, e, cost, sq, False)

    def step(self):
        """One update; returns the new and the previous row scaling."""
        u_old = self.u
        if self.symmetric:
            self.u = torch.sqrt(self.u / (self.K @ (self.a * self.u)))
            self.v = self.u
        elif self.omega == 1.0:
            self.u = torch.reciprocal(self.K @ (self.b * self.v))
            self.v = torch.reciprocal((self.a * self.u) @ self.K)
        else:
            # over-relaxation: f <- f + omega (T(f) - f), in the scaling form
            target = torch.reciprocal(self.K @ (self.b * self.v))
            self.u = self.u * (target / self.u) ** self.omega
            target = torch.reciprocal((self.a * self.u) @ self.K)
            self.v = self.v * (target / self.v) ** self.omega
        return self.u, u_old

    def drift(self):
        """Largest |log| of a scaling (infinite or NaN once one reached 0 or infinity)."""
        scalings = self.u if self.symmetric else torch.cat([self.u, self.v])
        return float(torch.log(scalings).abs().max())

    def potentials(self, e):
        f = self.f + e * torch.log(self.u)
        g = f if self.symmetric else self.g + e * torch.log(self.v)
        return f, g

    def row_weights(self):
        """A u and b v: the plan is diag(a u) K diag(b v)."""
        return self.a * self.u, self.b * self.v

    def transport_cost(self):
        """<gamma, C> without forming C for p = 2."""
        au, bv = self.row_weights()
        if self.p == 2:
            Pb = self.K @ torch.cat([self.y * bv[:, None], bv[:, None]], 1)
            row = au * Pb[:, -1]
            col = bv * (au @ self.K)
            return (
                row @ (self.x * self.x).sum(1)
                + col @ (self.y * self.y).sum(1)
                - 2.0 * (au[:, None] * self.x * Pb[:, :-1]).sum()
            )
        return au @ ((self.K * self.C) @ bv)

    def c_max(self):
        """An upper bound of the cost, |x_i - y_j| <= max |x| + max |y|.

        In d dimensions it is far below the diagonal of the bounding box,
        which saves a few epsilon-scaling stages.
        """
        radius = float(self.x.norm(dim=1).max() + self.y.norm(dim=1).max())
        return radius**self.p


def _solve(problems, eps, c_max, *, max_iter, tol, scaling):
    """Run the problems together through one epsilon schedule.

    One iteration per intermediate epsilon (each warm-starts the next), then
    iterations at ``eps`` until the largest change of a potential, in units of
    eps, is below ``tol`` (checked every ``_CHECK_EVERY`` iterations).
    Returns ``(n_iter, converged, checked)``: ``checked`` is (S, its rounding
    floor) of the debiased divergence when they were computed for the guard
    against negative values and hold for the final potentials, else None.
    """
    dtype = problems[0].x.dtype
    drift_limit = 10.0
    if eps * torch.finfo(dtype).eps ** (1.0 / 3.0) > c_max:
        # The corrections to the large-eps starting point are O(C^2 / eps),
        # smaller there than the rounding noise eps * (machine epsilon) that
        # iterating would add to the potentials (eps > 203 c_max in float32,
        # 1.6e5 c_max in float64): the start is the more accurate answer.
        for prob in problems:
            prob.absorb(eps)
            prob.marginal_error = 0.0
        return 0, True, None
    epsilons = _schedule(eps, c_max, scaling)
    n_iter = 0
    for e in epsilons[:-1]:
        if e > _JOIN * c_max:
            continue  # the large-epsilon start is accurate there (see _JOIN)
        for prob in problems:
            prob.absorb(e, stage=True)
        for _ in range(_STAGE_ITERS):
            if n_iter >= max_iter:
                break
            for prob in problems:
                prob.step()
            n_iter += 1
    e = eps
    for prob in problems:
        prob.absorb(e)
    if len(problems) != 3:
        return *_iterate(problems, e, tol, n_iter, max_iter, drift_limit), None
    # The debiased divergence S = <a, f_ab - f_aa> + <b, g_ab - g_bb> is a
    # small difference of large numbers when the clouds are close, and the
    # cross problem (plain alternating updates) converges far more slowly than
    # the self problems (averaged updates). From the annealed start, its
    # potentials err by an amount unrelated to the distance between the clouds,
    # so at the default tol the value could come out wrong by many times S
    # itself, even negative. Hence: solve the self problems first, to a
    # tighter tolerance (a few cheap iterations), then start the cross problem
    # from their potentials (f_aa, g_bb) when that start is better (higher
    # semi-dual value). It is the exact answer for equal clouds, and in general
    # its error is proportional to how far apart the clouds are, so the error
    # of S shrinks with S.
    finfo = torch.finfo(dtype)
    self_tol = max(0.1 * tol, min(tol, 64.0 * finfo.eps))
    n_iter, self_converged = _iterate(problems[1:], e, self_tol, n_iter, max_iter, drift_limit)
    _warm_start_cross(problems, e)
    n_iter, converged = _iterate(problems[:1], e, tol, n_iter, max_iter, drift_limit)
    converged = converged and self_converged
    checked = None
    if converged:
        value, floor = _divergence_and_floor(problems, e)
        if value < -floor:
            # S >= 0 in exact arithmetic: a value negative beyond rounding
            # proves that this tol was too loose for these clouds; iterate on.
            n_iter, converged = _iterate(
                problems, e, max(0.01 * tol, 64.0 * finfo.eps), n_iter, max_iter, drift_limit
            )
        else:
            checked = (value, floor)
    return n_iter, converged, checked


def _semi_dual(prob, f, e):
    """<a, f> + <b, T(f)>: the dual objective of the cross problem once g is the best response to f.

    A lower bound of OT_e, the closer the better the potentials.
    """
    return float(prob.a @ f + prob.b @ prob.log_update(f, e))


#: A column sum sum_i a_i K_ij at least this large is known to the kernel's
#: precision: its floored entries add at most the floor (2**-85 in float32).
_COLUMN_SUM_MIN = 2.0**-40


def _kernel_semi_dual(prob, e):
    """``_semi_dual(prob, prob.f, e)`` from the problem's kernel, or None.

    With the scalings at 1 (right after ``absorb``),
    T(f)_j = g_j - e ln sum_i a_i K_ij: one vector-matrix product instead of a
    log-domain pass over an (n, m) exponent. None where the kernel's clamping
    could change the sums (an exponent at the cap, or a column sum near the
    floor); the caller then computes it in the log domain.
    """
    if prob.capped or prob.u is not prob.ones_x or prob.v is not prob.ones_y:
        return None
    columns = prob.a @ prob.K
    if not float(columns.min()) >= _COLUMN_SUM_MIN:  # also catches NaN
        return None
    return float(prob.a @ prob.f + prob.b @ (prob.g - e * torch.log(columns)))


def _warm_start_cross(problems, e):
    """Start the cross problem from the self potentials (f_aa, g_bb) if they are better."""
    cross, self_x, self_y = problems
    f_start, _ = self_x.potentials(e)
    g_start, _ = self_y.potentials(e)
    candidate = _semi_dual(cross, f_start, e)
    if not math.isfinite(candidate):
        return
    now = _kernel_semi_dual(cross, e)
    if now is None:
        now = _semi_dual(cross, cross.potentials(e)[0], e)
    if candidate > now:
        cross.f, cross.g = f_start.clone(), g_start.clone()
        cross.u = cross.v = None
        cross.omega = 1.0
        cross.absorb(e)


def _divergence_and_floor(problems, e):
    """S from the three dual values, and the size of its rounding error (floats)."""
    cross, self_x, self_y = torch.stack([_dual_value(prob, e) for prob in problems]).tolist()
    size = abs(cross) + 0.5 * (abs(self_x) + abs(self_y))
    return cross - 0.5 * (self_x + self_y), 8.0 * torch.finfo(problems[0].x.dtype).eps * size


def _iterate(problems, e, tol, n_iter, max_iter, drift_limit):
    """Iterate at ``e`` until every marginal error is below ``tol``.

    Checked every ``_CHECK_EVERY`` iterations; returns ``(n_iter, converged)``
    with ``n_iter`` counted on from the given one.
    """
    since_check = _CHECK_EVERY - 1  # first check after one iteration
    previous = None
    plain_rate = 1.0  # rate per iteration without over-relaxation, last measured
    cross = [prob for prob in problems if not prob.symmetric]
    while n_iter < max_iter:
        n_iter += 1
        since_check += 1
        changes = [prob.step() for prob in problems]
        if since_check < _CHECK_EVERY:
            continue
        since_check = 0
        # The marginal error: after an update of v the columns of the plan sum
        # to b exactly and its rows to a_i u_old_i / u_new_i, so the L1
        # (total variation) distance of the row marginal to a is
        # sum_i a_i |u_old_i / u_new_i - 1|; an over-relaxed step moves omega
        # times the plain one, hence the division.
        # problems in order, the cross problem (the slowest) first: once one
        # misses tol the others need not be measured
        delta = 0.0
        for (new, old), prob in zip(changes, problems, strict=True):
            ratio = old / new
            if prob.omega != 1.0:
                ratio.pow_(1.0 / prob.omega)
            delta = max(delta, float(prob.a @ ratio.sub_(1.0).abs_()))
            if delta >= tol:
                break
        for prob in problems:
            prob.marginal_error = delta
        drifted = [prob for prob in problems if prob.capped or not prob.drift() <= drift_limit]
        if drifted:
            # Scalings far from 1 mean the kernel was built from potentials far
            # from the current ones, so some entries may have hit the exponent
            # cap: its fixed point would be a false one. Rebuild it first (a
            # scaling at 0 or infinity restarts from the log domain).
            for prob in drifted:
                prob.absorb(e)
            previous = None
            continue
        if delta < tol:
            return n_iter, True
        if previous is not None and cross:
            omega = cross[0].omega
            theta = (delta / previous) ** (1.0 / _CHECK_EVERY) if previous > 0 else 0.0
            if omega == 1.0:
                # Sinkhorn converges linearly; from its observed rate theta per
                # iteration, over-relaxation with omega = 2 / (1 + sqrt(1 - theta))
                # (the optimal SOR factor) turns thousands of iterations into
                # tens when theta is close to 1 (small epsilon).
                if 0.2 < theta < 1.0:
                    omega = min(_OMEGA_MAX, 2.0 / (1.0 + math.sqrt(1.0 - theta)))
                    plain_rate = theta
            elif delta > 2.0 * previous:
                omega = 1.0  # a safeguard: over-relaxation is only locally safe
            elif theta > 1.2 * plain_rate:
                # clearly slower than the plain rate the factor was chosen for:
                # at small epsilon a slow phase can follow a fast one, so
                # measure the rate again and choose anew (1.2: a margin for
                # the noise of a rate measured over 3 iterations)
                omega = 1.0
            for prob in cross:
                prob.omega = omega
        previous = delta
    return n_iter, False


class _EnvelopeOT(torch.autograd.Function):
    r"""OT_eps or S_eps from solved problems, with the envelope-theorem backward.

    ``forward`` receives the solved problems (no graph was built while
    iterating); ``backward`` uses the plans only through products with the
    points, :math:`\\nabla_{x_i} = \\sum_j \\gamma_{ij} \\nabla_x C(x_i, y_j)`,
    and the potentials for the weights.
    """

    @staticmethod
    def forward(ctx, x, y, a, b, solved, eps, p, debias):
        ctx.solved, ctx.eps, ctx.p, ctx.debias = solved, eps, p, debias
        ctx.save_for_backward(x, y)
        value = _dual_value(solved[0], eps)
        if debias:
            value = value - 0.5 * (_dual_value(solved[1], eps) + _dual_value(solved[2], eps))
        return value

    @staticmethod
    def backward(ctx, grad):
        if torch.is_grad_enabled():
            raise RuntimeError(
                "the Sinkhorn envelope gradient (gradient='envelope') is first-order "
                "only: its derivative ignores how the optimal potentials move, so "
                "second derivatives (create_graph=True, Hessian-vector products, "
                "gradient penalties) would be wrong; use gradient='autograd', which "
                "differentiates the iterations themselves"
            )
        x, y = ctx.saved_tensors
        eps, p = ctx.eps, ctx.p
        cross = ctx.solved[0]
        gx = gy = ga = gb = None
        f, g = cross.potentials(eps)
        au, bv = cross.row_weights()
        W = cross.K if p == 2 else _over_cost(cross.K, cross.C)
        if ctx.needs_input_grad[0]:
            gx = _plan_pull(W, au, bv, x, y, p)
        if ctx.needs_input_grad[1]:
            gy = _plan_pull(W.T, bv, au, y, x, p)
        ga, gb = f, g
        if ctx.debias:
            for k, (pts, need) in enumerate(((x, 0), (y, 1)), start=1):
                prob = ctx.solved[k]
                pot, _ = prob.potentials(eps)
                w, _ = prob.row_weights()
                Ws = prob.K if p == 2 else _over_cost(prob.K, prob.C)
                if ctx.needs_input_grad[need]:
                    # x appears on both sides of C(x, x): twice the one-sided
                    # pull, times the 1/2 of the debiasing
                    pull = _plan_pull(Ws, w, w, pts, pts, p)
                    if need == 0:
                        gx = gx - pull
                    else:
                        gy = gy - pull
                if need == 0:
                    ga = ga - pot
                else:
                    gb = gb - pot
        scale = grad
        return (
            None if gx is None else gx * scale,
            None if gy is None else gy * scale,
            ga * scale if ctx.needs_input_grad[2] else None,
            gb * scale if ctx.needs_input_grad[3] else None,
            None,
            None,
            None,
            None,
        )


def _over_cost(K, C):
    """K_ij / C_ij, 0 where C_ij = 0 (the minimal-norm subgradient of |x - y|)."""
    return torch.where(C > 0, K / C.clamp_min(torch.finfo(C.dtype).tiny), 0.0)


def _plan_pull(W, row, col, points, other, p):
    r"""The pull of the plan on the points.

    :math:`\sum_j \gamma_{ij} \nabla_x C(x_i, y_j)` with
    :math:`\gamma = \mathrm{diag}(row)\, W\, \mathrm{diag}(col)` (for p = 1, W
    holds K / C).
    """
    prod = W @ torch.cat([other * col[:, None], col[:, None]], 1)
    g = row[:, None] * (points * prod[:, -1:] - prod[:, :-1])
    return 2.0 * g if p == 2 else g


def _dual_value(prob, eps):
    """<a, f> + <b, g>: the dual objective once the plan has unit mass.

    After an update of g the plan's mass is exactly 1 (its columns sum to b),
    so the term -eps (<gamma, 1> - 1) of the dual vanishes; computing it
    anyway would multiply a rounding error of the mass by eps, which for a
    huge eps in float32 swamps the value.
    """
    f, g = prob.potentials(eps)
    return prob.a @ f + prob.b @ g


def _envelope(x, y, a, b, eps, p, *, max_iter, tol, scaling, debias):
    """Solve without a graph, then attach the envelope gradient.

    Returns (value, cross problem, n_iter, converged).
    """
    with torch.no_grad():
        xd, yd, ad, bd = x.detach(), y.detach(), a.detach(), b.detach()
        problems = [_Problem(xd, yd, ad, bd, p, symmetric=False)]
        if debias:
            problems += [
                _Problem(xd, xd, ad, ad, p, symmetric=True),
                _Problem(yd, yd, bd, bd, p, symmetric=True),
            ]
        n_iter, converged, checked = _solve(
            problems, eps, problems[0].c_max(), max_iter=max_iter, tol=tol, scaling=scaling
        )
        for prob in problems:
            prob.block_terms = None  # the product 2 x.y: the backward pass needs K alone
        if debias and converged:
            # S and its rounding floor, computed once (by _solve when it checked them)
            _warn_negative(*(checked or _divergence_and_floor(problems, eps)), tol)
    value = _EnvelopeOT.apply(x, y, a, b, problems, eps, p, debias)
    return value, problems[0], n_iter, converged


def _ot(x, y, a, log_a, b, log_b, eps, p, *, max_iter, tol, scaling, gradient, symmetric):
    """OT_eps between two weighted clouds; returns a SinkhornResult."""
    if gradient == "autograd":
        C = _cost(x, y, p)
        CT = C if symmetric else C.T.contiguous()
        f, g, n_iter, conv = _sinkhorn_loop(
            C,
            CT,
            log_a,
            log_b,
            eps,
            max_iter=max_iter,
            tol=tol,
            scaling=scaling,
            symmetric=symmetric,
        )
        # after a g-update the dual objective reduces to <a, f> + <b, g>
        cost = (a * f).sum() + (b * g).sum()
        plan = torch.exp(log_a[:, None] + log_b[None, :] + (f[:, None] + g[None, :] - C) / eps)
        return SinkhornResult(cost, f, g, (plan * C).sum(), n_iter, conv)
    cost, prob, n_iter, conv = _envelope(
        x, y, a, b, eps, p, max_iter=max_iter, tol=tol, scaling=scaling, debias=False
    )
    f, g = prob.potentials(eps)
    return SinkhornResult(cost, f, g, prob.transport_cost(), n_iter, conv)


def _warn_negative(value, floor, tol):
    """Warn when S_eps, >= 0 in exact arithmetic, comes out negative beyond rounding."""
    if value >= -floor:
        return
    from sklearn.exceptions import ConvergenceWarning

    warnings.warn(
        f"sinkhorn_divergence came out negative ({value:.3g}) although the solves reached "
        f"tol={tol:g}: the divergence is >= 0, so the potentials are not accurate enough "
        "for clouds this close; lower tol",
        ConvergenceWarning,
        stacklevel=4,
    )


def _warn_unconverged(what, n_iter, tol):
    # scikit-learn's class, so that one warnings filter covers every estimator
    from sklearn.exceptions import ConvergenceWarning

    warnings.warn(
        f"{what} stopped after {n_iter} iterations before reaching tol={tol:g}: the "
        "value and its gradient are those of an unfinished solve; raise max_iter, "
        "loosen tol, or raise epsilon",
        ConvergenceWarning,
        stacklevel=3,
    )


#: Named settings of (tol, scaling). "fast" aims at the accuracy of geomloss's
#: default (scaling 0.5, one iteration per epsilon, no stopping test) in no
#: more time. Measured on the benchmark sweep's clouds (n = 256, 1,024 and
#: 4,096, epsilon from 3e-2 to 3e-4 of the mean squared distance): with
#: scaling 0.6, tol 0.05 was 4 to 500 times more accurate than geomloss's
#: default at every point, in 0.12 to 0.79 times its time at n >= 1,024 and
#: 0.47 to 0.75 times at n = 256 (at epsilon 3e-4 there 0.64 and 0.69 in two
#: runs since small problems run on the calling thread, see _Problem; before,
#: 0.56 to 1.01 with the state of the shared 2-core machine, which switched
#: the same call between 9.5 and 16 ms); tol 0.1 to 0.3 stopped after the
#: first check at 3e-2
#: and was then less accurate there (3.9e-4 against 3.7e-4 at n = 256). On 40
#: random pairs of clouds (1 to 32-D) it was the more accurate in 39;
#: scalings 0.65 and 0.7 with tol 0.3, in 36 and 35.
PRESETS = {"fast": {"tol": _FAST_TOL, "scaling": 0.6}}


def _preset(preset, tol, scaling):
    if preset is None:
        return tol, scaling
    if preset not in PRESETS:
        raise ValueError(f"preset must be None or one of {sorted(PRESETS)}, got {preset!r}")
    return PRESETS[preset]["tol"], PRESETS[preset]["scaling"]


def _sinkhorn_args(epsilon, p, max_iter, tol, scaling, gradient):
    eps = _check_positive(epsilon, "epsilon")
    _check_p(p)
    if not (isinstance(max_iter, int) and max_iter >= 1):
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
    tol = _check_positive(tol, "tol")
    if scaling is not None and not (0 < float(scaling) < 1):
        raise ValueError(f"scaling must be in (0, 1) or None, got {scaling!r}")
    return eps, _check_gradient(gradient)


def sinkhorn(
    x,
    y,
    *,
    epsilon,
    a=None,
    b=None,
    p=2,
    max_iter=1000,
    tol=1e-4,
    scaling=0.5,
    gradient="envelope",
    preset=None,
):
    r"""Entropic optimal transport :math:`\mathrm{OT}_\eta` by log-domain Sinkhorn.

    Derived in :ref:`chapter 5, § The log domain <sec-mmd-sinkhorn-log-domain>`; its gradients
    in :ref:`§ Gradients <sec-mmd-sinkhorn-gradients>`.

    Solves :math:`\min_{\gamma \in \Pi(a,b)} \langle\gamma, C\rangle + \eta\,
    \mathrm{KL}(\gamma \| a \otimes b)` with :math:`C_{ij} = \|x_i - y_j\|^p` by
    the alternating updates

    .. math::
        f_i \leftarrow -\eta \log \sum_j b_j e^{(g_j - C_{ij})/\eta}, \qquad
        g_j \leftarrow -\eta \log \sum_i a_i e^{(f_i - C_{ij})/\eta},

    i.e. the plan :math:`\gamma_{ij} = a_i b_j e^{(f_i + g_j - C_{ij})/\eta}`
    is scaled until its marginals are ``a`` and ``b``. The solver follows
    the field's practice (Schmitzer, 2019; Feydy, 2020):

    - *epsilon scaling*: :math:`\eta` starts at an upper bound of the cost
      and is multiplied by ``scaling`` down to ``epsilon``, one iteration per
      value, each warm-starting the next; then iterations at ``epsilon`` until
      converged;
    - *stabilized scaling form*: at each value of :math:`\eta` the potentials
      are absorbed into the kernel :math:`K_{ij} = e^{(f_i + g_j -
      C_{ij})/\eta}` (for ``p=2`` from one matrix product, no cost matrix
      stored), and an iteration is two matrix-vector products with it, with
      no exponential; the potentials stay in the log domain, so small
      :math:`\eta` neither overflows nor underflows;
    - convergence checked every 3 iterations, with over-relaxation
      (:math:`f \leftarrow f + \omega (T(f) - f)`, :math:`\omega` set from
      the observed linear rate, and set again when the rate degrades) when
      convergence is slow;
    - a scaling that over- or underflows (possible with ``scaling=None`` at
      a small :math:`\eta`) restarts the iterations from one log-domain
      update of the last finite potentials instead of producing NaN;
    - *gradients from the potentials* (envelope theorem), so the backward
      pass is a few matrix products and never unrolls the iterations.

    The iterations start from the large-:math:`\eta` limit :math:`f = C b`,
    so that a huge :math:`\eta` gives the right limit
    :math:`\langle a, C b\rangle` even in float32.

    Parameters
    ----------
    x : torch.Tensor of shape (n, d)
    y : torch.Tensor of shape (m, d)
    epsilon : float
        The entropic regularization :math:`\eta > 0`, in the units of the cost.
    a, b : torch.Tensor of shape (n,) and (m,), or None
        Non-negative weights, normalized to sum to one; uniform when None.
    p : {1, 2}, default=2
        Cost exponent; ``p=2`` is :math:`\|x - y\|^2` (not halved).
    max_iter : int, default=1000
        Maximal number of iterations (epsilon-scaling steps included).
    tol : float, default=1e-4
        Stop when the plan's row marginal is within ``tol`` of ``a`` in L1
        (total variation) norm, :math:`\sum_i |\sum_j \gamma_{ij} - a_i|
        \le` ``tol``, right after an update of ``g`` (so the columns match
        ``b`` exactly); checked every 3 iterations. The value's relative error
        is usually far smaller than ``tol``.
    scaling : float in (0, 1) or None, default=0.5
        Epsilon-scaling factor; None iterates at ``epsilon`` from the start.
    gradient : {"envelope", "autograd"}, default="envelope"
        ``"envelope"`` runs the iterations without a graph and differentiates
        the dual objective at the final potentials (envelope theorem: the
        gradient in :math:`x_i` is :math:`\sum_j \gamma_{ij} \nabla_x
        C(x_i, y_j)`), first-order only (a second derivative raises a
        ``RuntimeError``); ``"autograd"`` backpropagates through every
        iteration of a plain log-domain Sinkhorn loop (slower, exact for the
        truncated algorithm, twice differentiable).
    preset : {None, "fast"}, default=None
        ``"fast"`` sets ``tol=0.05`` and ``scaling=0.6``: in the benchmark
        sweep more accurate than geomloss's default settings, in less time
        from 1,024 points, and at 256 points in less or about the same time.

    Returns
    -------
    SinkhornResult
        ``cost`` (entropic term included), potentials ``f`` and ``g``,
        ``transport_cost`` :math:`\langle\gamma, C\rangle`, ``n_iter``,
        ``converged``.

    Examples
    --------
    >>> import torch
    >>> from fairtutor.divergences import sinkhorn
    >>> x = torch.tensor([[0.0], [1.0]], dtype=torch.float64)
    >>> y = torch.tensor([[0.0], [2.0]], dtype=torch.float64)
    >>> res = sinkhorn(x, y, epsilon=0.01)
    >>> round(float(res.cost), 4), round(float(res.transport_cost), 4), res.converged
    (0.5069, 0.5, True)

    The cost includes :math:`\eta\,\mathrm{KL}(\gamma \| a \otimes b) = 0.01 \log 2`
    here, the plan being (almost) the identity.
    """
    x, y = _centered(*_as_pair(x, y))
    tol, scaling = _preset(preset, tol, scaling)
    eps, gradient = _sinkhorn_args(epsilon, p, max_iter, tol, scaling, gradient)
    a, log_a = _as_weights(a, x.shape[0], "a", x)
    b, log_b = _as_weights(b, y.shape[0], "b", x)
    result = _ot(
        x,
        y,
        a,
        log_a,
        b,
        log_b,
        eps,
        p,
        max_iter=max_iter,
        tol=tol,
        scaling=scaling,
        gradient=gradient,
        symmetric=False,
    )
    if not result.converged:
        _warn_unconverged("sinkhorn", result.n_iter, tol)
    return result


def sinkhorn_divergence(
    x,
    y,
    *,
    epsilon,
    a=None,
    b=None,
    p=2,
    max_iter=1000,
    tol=1e-4,
    scaling=0.5,
    gradient="envelope",
    preset=None,
):
    r"""Debiased Sinkhorn divergence (Feydy et al., 2019).

    Derived in :ref:`chapter 5, § The Sinkhorn divergence <sec-mmd-sinkhorn-divergence>`.

    .. math::
        S_\eta(a, b) = \mathrm{OT}_\eta(a, b) - \tfrac12 \mathrm{OT}_\eta(a, a)
        - \tfrac12 \mathrm{OT}_\eta(b, b),

    with :math:`\mathrm{OT}_\eta` as in :func:`sinkhorn` (entropic term
    included). It is :math:`\ge 0`, zero for equal measures, tends to the
    unregularized OT cost as :math:`\eta \to 0` and to
    :math:`\tfrac12\mathrm{MMD}^2` with kernel :math:`-C` as :math:`\eta \to
    \infty` (the energy distance for ``p=1``). The two symmetric problems use
    the averaged update :math:`f \leftarrow (f + T(f))/2`.

    Parameters
    ----------
    x, y, epsilon, a, b, p, max_iter, tol, scaling, gradient, preset
        As in :func:`sinkhorn`. The three problems go through one epsilon
        schedule together (the two symmetric ones join it once epsilon is
        below 1/16 of the cost bound: above, their large-epsilon start is
        already accurate), and ``tol`` applies to each.

    Returns
    -------
    torch.Tensor
        A scalar, differentiable with respect to the points and weights.

    Notes
    -----
    Accuracy when the clouds are close. The value is computed as
    :math:`\langle a, f_{ab} - f_{aa}\rangle + \langle b, g_{ab} - g_{bb}\rangle`,
    a small difference of large numbers when :math:`a \approx b`. At the final
    :math:`\eta` the two symmetric problems are solved first (to ``tol / 10``),
    and the cross problem then starts from their potentials
    :math:`(f_{aa}, g_{bb})` whenever that start has the larger dual value. For
    equal clouds it is the exact answer, and in general the error of the start,
    hence of the value, is proportional to how far apart the clouds are, so it
    shrinks with :math:`S_\eta` itself (with the default ``tol``, a relative
    error of a few percent at worst in the tests, on clouds whose divergence is
    :math:`10^{-6}`). A value below
    :math:`-8u\,(|\mathrm{OT}_\eta(a,b)| + \tfrac12|\mathrm{OT}_\eta(a,a)| +
    \tfrac12|\mathrm{OT}_\eta(b,b)|)`, with :math:`u` the machine epsilon of the
    dtype (the rounding error of the three terms), proves an inaccurate solve:
    the solver then iterates on to ``tol / 100``, and if the value is still
    negative beyond that bound it issues a
    ``sklearn.exceptions.ConvergenceWarning``. A negative value within the bound
    is rounding: in float32 a divergence below about :math:`10^{-6}` times the
    size of the terms cannot be resolved; use float64.

    Examples
    --------
    >>> import torch
    >>> from fairtutor.divergences import sinkhorn_divergence
    >>> g = torch.Generator().manual_seed(0)
    >>> x = torch.randn(100, 2, generator=g, dtype=torch.float64)
    >>> round(float(sinkhorn_divergence(x, x + 1.0, epsilon=0.1, tol=1e-3)), 4)
    2.0

    For ``p=2`` a translation by :math:`t` gives exactly :math:`\|t\|^2`
    (here 2), whatever :math:`\eta`: the cross terms cancel on
    :math:`\Pi(a, a)`.
    """
    x, y = _as_pair(x, y)
    tol, scaling = _preset(preset, tol, scaling)
    eps, gradient = _sinkhorn_args(epsilon, p, max_iter, tol, scaling, gradient)
    a, log_a = _as_weights(a, x.shape[0], "a", x)
    b, log_b = _as_weights(b, y.shape[0], "b", x)
    value, n_iter, converged = _divergence(
        x,
        y,
        a,
        log_a,
        b,
        log_b,
        eps,
        p,
        max_iter=max_iter,
        tol=tol,
        scaling=scaling,
        gradient=gradient,
    )
    if not converged:
        _warn_unconverged("sinkhorn_divergence", n_iter, tol)
    return value


def _divergence(x, y, a, log_a, b, log_b, eps, p, *, max_iter, tol, scaling, gradient):
    """S_eps and the solver's report: (value, n_iter, converged)."""
    x, y = _centered(x, y)
    if gradient == "envelope":
        value, _, n_iter, converged = _envelope(
            x, y, a, b, eps, p, max_iter=max_iter, tol=tol, scaling=scaling, debias=True
        )
        return value, n_iter, converged
    kw = dict(max_iter=max_iter, tol=tol, scaling=scaling, gradient=gradient)
    ab = _ot(x, y, a, log_a, b, log_b, eps, p, symmetric=False, **kw)
    aa = _ot(x, x, a, log_a, a, log_a, eps, p, symmetric=True, **kw)
    bb = _ot(y, y, b, log_b, b, log_b, eps, p, symmetric=True, **kw)
    value = ab.cost - 0.5 * (aa.cost + bb.cost)
    return (
        value,
        max(ab.n_iter, aa.n_iter, bb.n_iter),
        ab.converged and aa.converged and bb.converged,
    )


def _encode_sensitive(sensitive, n_rows):
    """Group labels as a 1-D integer tensor of codes, plus the labels' names.

    Tensors are used as they are (any numeric labels); anything else (lists,
    numpy arrays, pandas Series of strings, booleans, integers) is encoded by
    :func:`fairtutor._validation.check_groups`, so the Adult data set's string
    groups work as they come.
    """
    if isinstance(sensitive, torch.Tensor):
        sensitive = sensitive.reshape(-1)
        if sensitive.is_floating_point() and bool(torch.isnan(sensitive).any()):
            raise ValueError("sensitive contains NaN labels")
        if sensitive.shape[0] != n_rows:
            raise ValueError(f"sensitive has {sensitive.shape[0]} entries but z has {n_rows} rows")
        labels, codes = torch.unique(sensitive, return_inverse=True)
        return codes, labels.tolist()
    from ._validation import check_groups

    try:
        names, codes = check_groups(sensitive, min_groups=1, name="sensitive")
    except ValueError as err:
        raise ValueError(f"{err} (sensitive holds the group label of each row of z)") from None
    if codes.shape[0] != n_rows:
        raise ValueError(f"sensitive has {codes.shape[0]} entries but z has {n_rows} rows")
    return torch.as_tensor(codes, dtype=torch.long), names.tolist()


def _groups(z, sensitive):
    z = _as_points(z, "z")
    codes, names = _encode_sensitive(sensitive, z.shape[0])
    codes = codes.to(z.device)
    counts = torch.bincount(codes, minlength=len(names)).tolist()
    if len(names) < 2:
        raise ValueError(
            f"the batch holds only one group ({names}): a divergence "
            "between groups needs at least two (sensitive has one label)"
        )
    for name, cnt in zip(names, counts, strict=True):
        if cnt < 2:
            raise ValueError(
                f"group {name!r} has {cnt} point in the batch; each group "
                "needs at least 2 (use larger or stratified batches)"
            )
    return z, codes, list(range(len(names)))


class _GroupPenalty(nn.Module):
    def __init__(self, comparison):
        super().__init__()
        if comparison not in ("all", "pairwise", "batch"):
            raise ValueError(f"comparison must be 'all', 'pairwise' or 'batch', got {comparison!r}")
        self.comparison = comparison

    def divergence(self, u, v):  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, z, sensitive):
        """Penalty of a batch ``z`` (n, r) with group labels ``sensitive`` (n,)."""
        z, sensitive, labels = _groups(z, sensitive)
        if self.comparison == "batch":
            return torch.stack([self.divergence(z[sensitive == lab], z) for lab in labels]).mean()
        if len(labels) == 2:
            # Both comparisons reduce to D(a, b); D(b, a) is the same number
            # (symmetric by definition), so one evaluation halves the cost.
            return self.divergence(z[sensitive == labels[0]], z[sensitive == labels[1]])
        if self.comparison == "all":
            terms = [self.divergence(z[sensitive == lab], z[sensitive != lab]) for lab in labels]
        else:
            parts = [z[sensitive == lab] for lab in labels]
            terms = [
                self.divergence(parts[i], parts[j])
                for i in range(len(parts))
                for j in range(i + 1, len(parts))
            ]
        return torch.stack(terms).mean()


class MMDPenalty(_GroupPenalty):
    r"""MMD² between the groups of a batch of representations, as a module.

    Derived in :ref:`chapter 5, § Penalties for training <sec-mmd-sinkhorn-penalties>`.

    ``forward(z, sensitive)`` takes the representations ``z`` (n, r) of a
    batch and their group labels (n,), with two or more groups of at least two
    points each, and returns a scalar. With ``comparison="all"`` (default) it
    is the mean over groups :math:`k` of :math:`\mathrm{MMD}^2(z_{S=k}, z_{S\ne k})`,
    each group against the rest of the batch (all terms vanish exactly when
    all groups share one distribution); with ``"pairwise"`` the mean over
    pairs of groups of :math:`\mathrm{MMD}^2(z_{S=k}, z_{S=l})`. For two groups
    both are the divergence between the two groups. With ``"batch"`` each
    group is compared with the whole batch, :math:`\mathrm{MMD}^2(z_{S=k}, z)`;
    for two groups with shares :math:`\pi_a, \pi_b` that is
    :math:`\tfrac12(\pi_b^2 + \pi_a^2)` times the divergence between them
    (biased estimator, fixed bandwidth), so the right ``lam`` depends on the
    shares.

    Parameters
    ----------
    bandwidth : float or None, default=None
        Gaussian kernel bandwidth; ``None`` applies the median heuristic to
        each batch (no gradient through it).
    unbiased : bool, default=True
        U-statistic (may be slightly negative) or V-statistic.
    comparison : {"all", "pairwise", "batch"}, default="all"

    Examples
    --------
    >>> import torch
    >>> from fairtutor.divergences import MMDPenalty
    >>> g = torch.Generator().manual_seed(0)
    >>> z = torch.randn(64, 3, generator=g, requires_grad=True)
    >>> s = torch.arange(64) % 2
    >>> loss = MMDPenalty(bandwidth=1.0)(z, s)
    >>> loss.backward()
    >>> loss.ndim, z.grad.shape
    (0, torch.Size([64, 3]))
    """

    def __init__(self, bandwidth=None, unbiased=True, comparison="all"):
        super().__init__(comparison)
        if bandwidth is not None:
            _check_positive(bandwidth, "bandwidth")
        self.bandwidth = bandwidth
        self.unbiased = unbiased

    def divergence(self, u, v):
        """The MMD² between the points ``u`` and ``v`` (one pair of groups)."""
        return mmd2(u, v, bandwidth=self.bandwidth, unbiased=self.unbiased)

    def extra_repr(self):
        """The settings shown in the module's ``repr``."""
        return (
            f"bandwidth={self.bandwidth}, unbiased={self.unbiased}, comparison={self.comparison!r}"
        )


class SinkhornPenalty(_GroupPenalty):
    r"""Sinkhorn divergence between the groups of a batch, as a module.

    Derived in :ref:`chapter 5, § Penalties for training <sec-mmd-sinkhorn-penalties>`.

    ``forward(z, sensitive)`` takes the representations ``z`` (n, r) of a
    batch and their group labels (n,), with two or more groups of at least two
    points each, and returns a scalar: with ``comparison="all"`` (default) the
    mean over groups :math:`k` of :math:`S_\eta(z_{S=k}, z_{S\ne k})`, each
    group against the rest of the batch (for two groups: the divergence between
    them; against the *whole* batch, which contains the group's own points,
    Sinkhorn would converge slowly); with ``"pairwise"`` the mean over pairs of groups
    of :math:`S_\eta(z_{S=k}, z_{S=l})`; with ``"batch"`` the mean of
    :math:`S_\eta(z_{S=k}, z)`, each group against the whole batch (offered
    for comparison; slower, for the reason above).

    **Scale.** With ``scale="relative"`` (default) each divergence is computed
    in the units of the batch: with :math:`m` the median of the cost
    :math:`\|z - z'\|^p` over distinct pairs of the two compared clouds pooled
    (:math:`m = \sigma^p` for the median distance :math:`\sigma` that
    :class:`MMDPenalty` uses as its bandwidth; no gradient flows through it),
    the term is

    .. math::
        S_{\epsilon m}(u, v) / m,

    i.e. :math:`S_\epsilon` between the clouds divided by :math:`m^{1/p}`. Its
    *value* is invariant to a common rescaling :math:`z \mapsto c z`, so
    shrinking the representation cannot lower it (with a fixed :math:`\eta`,
    shrinking drives :math:`S_\eta` into its large-:math:`\eta` regime, which
    for ``p=2`` only compares the means), and ``epsilon`` means the same blur
    whatever the spread of the representation. Its *gradient*, however, is
    taken at a fixed :math:`m` (like :class:`MMDPenalty`'s bandwidth), so it
    keeps a radial component: gradient steps on this penalty alone still
    shrink the representation. :class:`~fairtutor.representation.FairRepresentationLearner`
    therefore divides each batch's representation by its median pairwise
    distance *with* gradient before the penalty, which makes the penalty an
    exactly scale-invariant function of the representation (no radial
    gradient, by Euler's theorem); a training loop of your own should do the
    same (chapter 6, :ref:`rep-sec-shrinking`). With
    ``scale="absolute"`` the term is :math:`S_\epsilon(u, v)` with
    ``epsilon`` in the units of the cost, as in :func:`sinkhorn_divergence`.

    **Convergence.** After each call, ``n_iter_`` holds the largest number of
    Sinkhorn iterations a term needed, ``converged_`` whether every term
    reached ``tol``, and ``epsilon_`` the regularization used, in units of the
    cost (for ``scale="relative"``, :math:`\epsilon m` of the last term). A
    term that stops at ``max_iter`` issues a
    ``sklearn.exceptions.ConvergenceWarning``.

    Parameters
    ----------
    epsilon : float, default=0.1
        Entropic regularization: relative to the batch's median cost with
        ``scale="relative"``, in units of the cost with ``"absolute"``.
        Small values approach unregularized optimal transport (and need more
        iterations); large ones approach :math:`\tfrac12\mathrm{MMD}^2` with
        kernel :math:`-\|z - z'\|^p` (for ``p=2``: the squared distance of
        the means only).
    scale : {"relative", "absolute"}, default="relative"
    p : {1, 2}, default=2
    max_iter : int, default=1000
        Iteration cap per Sinkhorn problem.
    tol : float, default=1e-3
        As in :func:`sinkhorn`: a gradient step on a mini-batch needs less
        precision than a reported value.
    scaling, gradient
        As in :func:`sinkhorn`.
    comparison : {"all", "pairwise", "batch"}, default="all"

    Attributes
    ----------
    n_iter_ : int
    converged_ : bool
    epsilon_ : float

    Examples
    --------
    >>> import torch
    >>> from fairtutor.divergences import SinkhornPenalty
    >>> g = torch.Generator().manual_seed(0)
    >>> z = torch.randn(64, 3, generator=g, requires_grad=True)
    >>> s = torch.arange(64) % 3
    >>> penalty = SinkhornPenalty()
    >>> loss = penalty(z, s)
    >>> loss.backward()
    >>> bool(loss >= 0), bool(torch.isfinite(z.grad).all()), penalty.converged_
    (True, True, True)

    Rescaling the representation does not change the penalty:

    >>> bool(torch.isclose(penalty(10 * z, s), penalty(z, s), rtol=1e-4))
    True
    """

    def __init__(
        self,
        epsilon=0.1,
        scale="relative",
        p=2,
        max_iter=1000,
        tol=1e-3,
        scaling=0.5,
        gradient="envelope",
        comparison="all",
    ):
        super().__init__(comparison)
        _sinkhorn_args(epsilon, p, max_iter, tol, scaling, gradient)
        if scale not in ("relative", "absolute"):
            raise ValueError(f"scale must be 'relative' or 'absolute', got {scale!r}")
        self.epsilon = epsilon
        self.scale = scale
        self.p = p
        self.max_iter = max_iter
        self.tol = tol
        self.scaling = scaling
        self.gradient = gradient

    def forward(self, z, sensitive):
        """Penalty of a batch ``z`` (n, r) with group labels ``sensitive`` (n,)."""
        self._reports = []
        value = super().forward(z, sensitive)
        self.n_iter_ = max(r[0] for r in self._reports)
        self.converged_ = all(r[1] for r in self._reports)
        self.epsilon_ = self._reports[-1][2]
        del self._reports
        if not self.converged_:
            _warn_unconverged("SinkhornPenalty", self.n_iter_, self.tol)
        return value

    def divergence(self, u, v):
        """The Sinkhorn divergence between the points ``u`` and ``v`` (one pair of groups)."""
        eps = float(self.epsilon)
        unit = 1.0
        if self.scale == "relative":
            # dividing the points by the median distance sigma divides the cost
            # by m = sigma^p: S_eps(u / sigma, v / sigma) = S_{eps m}(u, v) / m
            sigma = median_bandwidth(u, v)
            u, v, unit = u / sigma, v / sigma, sigma**self.p
        a, log_a = _as_weights(None, u.shape[0], "a", u)
        b, log_b = _as_weights(None, v.shape[0], "b", u)
        value, n_iter, converged = _divergence(
            u,
            v,
            a,
            log_a,
            b,
            log_b,
            eps,
            self.p,
            max_iter=self.max_iter,
            tol=self.tol,
            scaling=self.scaling,
            gradient=self.gradient,
        )
        if hasattr(self, "_reports"):
            self._reports.append((n_iter, converged, eps * unit))
        return value

    def extra_repr(self):
        """The settings shown in the module's ``repr``."""
        return (
            f"epsilon={self.epsilon}, scale={self.scale!r}, p={self.p}, "
            f"gradient={self.gradient!r}, comparison={self.comparison!r}"
        )


# ----------------------------------------------------------------------------
# cost of the penalties
# ----------------------------------------------------------------------------
def penalty_cost_table(
    batch_sizes=(64, 128, 256, 512, 1024),
    *,
    dim=8,
    penalties=None,
    repeats=3,
    dtype=torch.float32,
    random_state=0,
):
    r"""Time of a penalty's forward + backward pass against the batch size.

    For each batch size n, a batch of n points in ``dim`` dimensions with two
    groups of n/2 (the second shifted by 0.3) is drawn, and each penalty's
    forward and backward pass is timed (best of ``repeats`` runs, the
    penalties alternating, after one warm-up call). Both penalties work with
    pairwise matrices between the groups' points, so their time grows like
    :math:`n^2` once n is large enough for the matrix work to dominate fixed
    costs; plotted on log-log axes the curves become lines of slope 2.

    Parameters
    ----------
    batch_sizes : sequence of int, default=(64, 128, 256, 512, 1024)
        Even sizes >= 4.
    dim : int, default=8
        Dimension of the representation.
    penalties : dict of name -> module, or None
        Defaults to ``{"mmd": MMDPenalty(), "sinkhorn": SinkhornPenalty()}``.
    repeats : int, default=3
    dtype : torch.dtype, default=torch.float32
    random_state : int, default=0

    Returns
    -------
    list of dict
        One row per (batch size, penalty) with keys ``batch_size``,
        ``penalty``, ``seconds`` (wall-clock time, which depends on the
        machine and its load) and ``matrix_bytes``: the memory of the three
        pairwise matrices between and within the two groups that each
        penalty keeps for its backward pass,
        :math:`(n_a^2 + n_b^2 + n_a n_b) \times` bytes per number
        (``pandas.DataFrame(rows)`` makes a table of it).

    Examples
    --------
    >>> from fairtutor.divergences import penalty_cost_table
    >>> rows = penalty_cost_table(batch_sizes=(32, 64), repeats=1)
    >>> [(r["batch_size"], r["penalty"], r["matrix_bytes"]) for r in rows]
    [(32, 'mmd', 3072), (32, 'sinkhorn', 3072), (64, 'mmd', 12288), (64, 'sinkhorn', 12288)]
    """
    import time

    if penalties is None:
        penalties = {"mmd": MMDPenalty(), "sinkhorn": SinkhornPenalty()}
    for n in batch_sizes:
        if not (isinstance(n, int) and n >= 4 and n % 2 == 0):
            raise ValueError(f"batch sizes must be even integers >= 4, got {n!r}")
    if not (isinstance(repeats, int) and repeats >= 1):
        raise ValueError(f"repeats must be a positive integer, got {repeats!r}")
    generator = torch.Generator().manual_seed(int(random_state))
    itemsize = torch.empty((), dtype=dtype).element_size()
    rows = []
    for n in batch_sizes:
        z0 = torch.randn(n, dim, generator=generator, dtype=dtype)
        s = torch.arange(n) % 2
        z0[s == 1] += 0.3
        n_a = n_b = n // 2
        best = {}
        for rep in range(repeats + 1):  # the first round warms up
            for name, penalty in penalties.items():
                z = z0.clone().requires_grad_()
                start = time.perf_counter()
                penalty(z, s).backward()
                elapsed = time.perf_counter() - start
                if rep:
                    best[name] = min(best.get(name, math.inf), elapsed)
        for name in penalties:
            rows.append(
                {
                    "batch_size": n,
                    "penalty": name,
                    "seconds": best[name],
                    "matrix_bytes": (n_a * n_a + n_b * n_b + n_a * n_b) * itemsize,
                }
            )
    return rows
