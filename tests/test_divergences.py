"""Tests of fairtutor.divergences: oracles (POT, geomloss), limits, estimator
properties, float32 stability, gradients and input validation."""

import math
import warnings

import numpy as np
import ot
import pytest
import torch
from geomloss import SamplesLoss

from fairtutor.divergences import (
    MMDPenalty,
    SinkhornPenalty,
    SinkhornResult,
    cost_matrix,
    gaussian_kernel,
    linear_time_mmd2,
    median_bandwidth,
    mmd2,
    mmd_permutation_test,
    penalty_cost_table,
    sinkhorn,
    sinkhorn_divergence,
)

RTOL = 1e-5


def clouds(n=60, m=45, d=3, seed=0, dtype=torch.float64, shift=1.0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g, dtype=dtype)
    y = 0.7 * torch.randn(m, d, generator=g, dtype=dtype) + shift
    return x, y


def weights(n, seed):
    g = torch.Generator().manual_seed(seed)
    w = torch.rand(n, generator=g, dtype=torch.float64) + 0.1
    return w / w.sum()


def rel(a, b):
    a, b = (float(v.detach()) if torch.is_tensor(v) else float(v) for v in (a, b))
    return abs(a - b) / abs(b)


# --------------------------------------------------------------------------- oracles
@pytest.mark.parametrize("eps", [0.3, 1.0, 5.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_sinkhorn_cost_equals_pot_full_entropic_objective(eps, weighted):
    x, y = clouds()
    a = weights(60, 1) if weighted else None
    b = weights(45, 2) if weighted else None
    ours = sinkhorn(x, y, epsilon=eps, a=a, b=b, tol=1e-12, max_iter=100_000)
    assert ours.converged
    an = None if a is None else a.numpy()
    bn = None if b is None else b.numpy()
    res = ot.solve_sample(
        x.numpy(), y.numpy(), an, bn, metric="sqeuclidean", reg=eps, max_iter=100_000, tol=1e-13
    )
    # solve_sample's value includes eps * KL(plan | a b^T); value_linear is <plan, C>
    assert rel(ours.cost, res.value) < RTOL
    assert rel(ours.transport_cost, res.value_linear) < RTOL
    # sinkhorn2 returns only the linear term <plan, C>
    M = ot.dist(x.numpy(), y.numpy())
    an = np.full(60, 1 / 60) if a is None else a.numpy()
    bn = np.full(45, 1 / 45) if b is None else b.numpy()
    lin = ot.sinkhorn2(an, bn, M, eps, method="sinkhorn_log", numItermax=100_000, stopThr=1e-13)
    assert rel(ours.transport_cost, lin) < RTOL
    # the plan from the potentials has the prescribed marginals
    C = cost_matrix(x, y)
    la = torch.log(torch.as_tensor(an))
    lb = torch.log(torch.as_tensor(bn))
    plan = torch.exp(la[:, None] + lb[None, :] + (ours.f[:, None] + ours.g[None, :] - C) / eps)
    np.testing.assert_allclose(plan.sum(1).numpy(), an, rtol=1e-8)
    np.testing.assert_allclose(plan.sum(0).numpy(), bn, rtol=1e-8)


@pytest.mark.parametrize("eps", [0.5, 2.0])
def test_sinkhorn_divergence_equals_twice_geomloss(eps):
    x, y = clouds()
    ours = sinkhorn_divergence(x, y, epsilon=eps, tol=1e-12, max_iter=100_000)
    # geomloss: cost |x-y|^2 / 2 and blur^2 = its epsilon, so OT_{eps/2}(C/2) = OT_eps(C)/2;
    # a slow epsilon-scaling schedule makes its fixed number of iterations converge
    loss = SamplesLoss(
        "sinkhorn", p=2, blur=math.sqrt(eps / 2), debias=True, scaling=0.998, backend="tensorized"
    )
    assert rel(ours, 2 * loss(x, y)) < RTOL


@pytest.mark.parametrize("sigma", [0.5, 1.0, 3.0])
def test_biased_mmd2_equals_twice_geomloss_gaussian(sigma):
    x, y = clouds()
    loss = SamplesLoss("gaussian", blur=sigma, backend="tensorized")
    ours = mmd2(x, y, bandwidth=sigma, unbiased=False)
    assert rel(ours, 2 * loss(x, y)) < RTOL


def test_mmd2_matches_explicit_kernel_sums():
    x, y = clouds(n=7, m=5)
    s = 0.8
    k = lambda u, v: math.exp(-float(((u - v) ** 2).sum()) / (2 * s**2))  # noqa: E731
    kxx = sum(k(x[i], x[j]) for i in range(7) for j in range(7) if i != j) / (7 * 6)
    kyy = sum(k(y[i], y[j]) for i in range(5) for j in range(5) if i != j) / (5 * 4)
    kxy = sum(k(x[i], y[j]) for i in range(7) for j in range(5)) / 35
    assert rel(mmd2(x, y, bandwidth=s), kxx + kyy - 2 * kxy) < 1e-12
    K = gaussian_kernel(x, y, bandwidth=s)
    assert rel(K[2, 3], k(x[2], y[3])) < 1e-12


def test_median_bandwidth_is_median_pairwise_distance():
    x, y = clouds(n=20, m=15)
    z = torch.cat([x, y]).numpy()
    d = np.sqrt(((z[:, None] - z[None]) ** 2).sum(-1))[np.triu_indices(35, 1)]
    assert rel(median_bandwidth(x, y), np.median(d)) < 1e-12
    # mmd2 without a bandwidth uses it
    assert rel(mmd2(x, y), mmd2(x, y, bandwidth=float(np.median(d)))) < 1e-12


# --------------------------------------------------------------------------- properties
@pytest.mark.parametrize("seed", range(5))
def test_sinkhorn_divergence_nonnegative(seed):
    x, y = clouds(n=30, m=25, seed=seed, shift=0.1 * seed)
    for eps in [0.05, 0.5, 5.0]:
        assert float(sinkhorn_divergence(x, y, epsilon=eps, tol=1e-10, max_iter=50_000)) >= 0


def test_sinkhorn_divergence_zero_on_identical_inputs():
    x, _ = clouds(n=30)
    for eps in [0.5, 2.0]:
        s = sinkhorn_divergence(x, x.clone(), epsilon=eps, tol=1e-12, max_iter=200_000)
        assert abs(float(s)) < 1e-9


def test_translation_gives_squared_norm():
    x, _ = clouds(n=40)
    t = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
    s = sinkhorn_divergence(x, x + t, epsilon=0.7, tol=1e-12, max_iter=100_000)
    assert rel(s, (t**2).sum()) < 1e-8


def test_small_epsilon_tends_to_unregularized_ot():
    x, y = clouds(n=30, m=30)
    M = ot.dist(x.numpy(), y.numpy())
    w2 = ot.emd2(np.full(30, 1 / 30), np.full(30, 1 / 30), M)
    errors = []
    for factor in [1e-1, 1e-2, 1e-3]:
        eps = factor * float(M.mean())
        s = sinkhorn_divergence(x, y, epsilon=eps, tol=1e-9, max_iter=100_000)
        errors.append(rel(s, w2))
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 2e-3


@pytest.mark.parametrize("p", [1, 2])
def test_large_epsilon_tends_to_half_mmd_with_kernel_minus_cost(p):
    x, y = clouds(n=30, m=25)
    C = lambda u, v: cost_matrix(u, v, p=p).mean()  # noqa: E731
    half_mmd = 0.5 * (2 * C(x, y) - C(x, x) - C(y, y))  # energy distance / 2 for p=1
    errors = [
        rel(sinkhorn_divergence(x, y, epsilon=e, p=p, tol=1e-12), half_mmd) for e in [1e1, 1e2, 1e4]
    ]
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 1e-3
    if p == 2:  # the squared-distance "kernel" only sees the means
        assert rel(half_mmd, ((x.mean(0) - y.mean(0)) ** 2).sum()) < 1e-10


def _population_mmd2_1d(mu, s, sigma):
    c = sigma / math.sqrt(sigma**2 + 2 * s**2)
    return 2 * c * (1 - math.exp(-(mu**2) / (2 * (sigma**2 + 2 * s**2))))


def test_unbiased_mmd2_is_unbiased_and_biased_is_not():
    g = torch.Generator().manual_seed(0)
    reps, n, mu, sigma = 3000, 6, 0.5, 1.0
    x = torch.randn(reps, n, 1, generator=g, dtype=torch.float64)
    y = torch.randn(reps, n, 1, generator=g, dtype=torch.float64) + mu
    truth = _population_mmd2_1d(mu, 1.0, sigma)
    u = torch.stack([mmd2(x[r], y[r], bandwidth=sigma) for r in range(reps)])
    v = torch.stack([mmd2(x[r], y[r], bandwidth=sigma, unbiased=False) for r in range(reps)])
    lin = torch.stack([linear_time_mmd2(x[r], y[r], bandwidth=sigma) for r in range(reps)])
    for est in (u, lin):
        se = float(est.std()) / math.sqrt(reps)
        assert abs(float(est.mean()) - truth) < 4 * se
    se_v = float(v.std()) / math.sqrt(reps)
    assert float(v.mean()) - truth > 8 * se_v
    assert float(u.min()) < 0 <= float(v.min())  # the U-statistic can be negative


# --------------------------------------------------------------------------- float32
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("gradient", ["envelope", "autograd"])
def test_float32_stable_at_small_epsilon(p, gradient):
    x, y = clouds(n=80, m=70, dtype=torch.float32, shift=2.0)
    x = (10 * x).requires_grad_()  # a large cost scale on purpose
    y = (10 * y).detach().requires_grad_()
    scale = float(cost_matrix(x.detach(), y.detach(), p=p).max())
    max_iter = 300 if gradient == "autograd" else 1000
    eps = 1e-3 * scale
    s = sinkhorn_divergence(x, y, epsilon=eps, p=p, gradient=gradient, max_iter=max_iter)
    s.backward()
    assert torch.isfinite(s.detach()) and float(s.detach()) > 0
    assert torch.isfinite(x.grad).all() and torch.isfinite(y.grad).all()
    ref = sinkhorn_divergence(
        x.detach().double(), y.detach().double(), epsilon=eps, p=p, max_iter=max_iter
    )
    assert rel(s, ref) < 1e-3
    res = sinkhorn(x.detach(), y.detach(), epsilon=eps, p=p)
    assert torch.isfinite(res.f).all() and torch.isfinite(res.g).all()
    assert torch.isfinite(res.cost) and torch.isfinite(res.transport_cost)


def test_float32_penalties_finite():
    x, y = clouds(n=64, m=64, dtype=torch.float32)
    z = torch.cat([x, y]).requires_grad_()
    s = torch.arange(128) % 2
    for pen in (MMDPenalty(), SinkhornPenalty(scale="absolute", epsilon=1e-3 * 30, max_iter=300)):
        val = pen(z, s)
        (grad,) = torch.autograd.grad(val, z)
        assert val.dtype == torch.float32
        assert torch.isfinite(val) and torch.isfinite(grad).all()


# --------------------------------------------------------------------------- gradients
def test_envelope_and_autograd_gradients_agree():
    x, y = clouds(n=40, m=30)
    grads = {}
    for mode in ("envelope", "autograd"):
        xr, yr = x.clone().requires_grad_(), y.clone().requires_grad_()
        s = sinkhorn_divergence(xr, yr, epsilon=0.5, gradient=mode, tol=1e-12, max_iter=100_000)
        s.backward()
        grads[mode] = (float(s.detach()), xr.grad, yr.grad)
    assert rel(grads["envelope"][0], grads["autograd"][0]) < 1e-10
    torch.testing.assert_close(grads["envelope"][1], grads["autograd"][1], rtol=1e-6, atol=1e-9)
    torch.testing.assert_close(grads["envelope"][2], grads["autograd"][2], rtol=1e-6, atol=1e-9)


def test_envelope_gradient_matches_finite_differences():
    x, y = clouds(n=12, m=10)
    a = weights(12, 3)

    def f(u, w):
        return sinkhorn(u, y, epsilon=0.5, a=w, tol=1e-13, max_iter=100_000).cost

    xr, ar = x.clone().requires_grad_(), a.clone().requires_grad_()
    f(xr, ar).backward()
    h = 1e-6
    for i, j in [(0, 0), (5, 2), (11, 1)]:
        e = torch.zeros_like(x)
        e[i, j] = h
        fd = (float(f(x + e, a)) - float(f(x - e, a))) / (2 * h)
        assert abs(float(xr.grad[i, j]) - fd) < 1e-6
    # with respect to the weights: the gradient is f up to a constant, so
    # check a direction that keeps the total mass (weights are normalized)
    d = torch.zeros(12, dtype=torch.float64)
    d[0], d[7] = 1.0, -1.0
    fd = (float(f(x, a + h * d)) - float(f(x, a - h * d))) / (2 * h)
    assert abs(float((ar.grad * d).sum()) - fd) < 1e-6


def test_mmd2_gradcheck():
    x, y = clouds(n=6, m=5, d=2)
    xr, yr = x.clone().requires_grad_(), y.clone().requires_grad_()
    assert torch.autograd.gradcheck(lambda u, v: mmd2(u, v, bandwidth=0.9), (xr, yr))
    assert torch.autograd.gradcheck(
        lambda u, v: linear_time_mmd2(u, v, bandwidth=0.9), (xr[:5], yr)
    )


# --------------------------------------------------------------------------- penalties
def test_penalties_all_and_pairwise():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(90, 4, generator=g, dtype=torch.float64)
    s = torch.arange(90) % 3
    z = z + s[:, None] * 0.5
    parts = [z[s == k] for k in range(3)]
    pen = MMDPenalty(bandwidth=1.0)
    expected = sum(mmd2(parts[k], z[s != k], bandwidth=1.0) for k in range(3)) / 3
    assert rel(pen(z, s), expected) < 1e-12
    pen = MMDPenalty(bandwidth=1.0, comparison="pairwise")
    expected = (
        mmd2(parts[0], parts[1], bandwidth=1.0)
        + mmd2(parts[0], parts[2], bandwidth=1.0)
        + mmd2(parts[1], parts[2], bandwidth=1.0)
    ) / 3
    assert rel(pen(z, s), expected) < 1e-12
    pen = SinkhornPenalty(scale="absolute", epsilon=0.5, comparison="pairwise", tol=1e-10)
    expected = (
        sum(
            sinkhorn_divergence(parts[i], parts[j], epsilon=0.5, tol=1e-10)
            for i, j in [(0, 1), (0, 2), (1, 2)]
        )
        / 3
    )
    assert rel(pen(z, s), expected) < 1e-12
    # labels may be any values, e.g. strings via numpy codes or floats
    assert (
        rel(MMDPenalty(bandwidth=1.0)(z, (s * 10).double()), MMDPenalty(bandwidth=1.0)(z, s))
        < 1e-12
    )
    assert "comparison='pairwise'" in repr(pen)


def test_two_groups_penalty_is_the_divergence_between_them():
    # with two groups "rest of the batch" is the other group, so both
    # comparisons are D(a, b), computed once
    g = torch.Generator().manual_seed(2)
    z = torch.randn(60, 3, generator=g, dtype=torch.float64)
    s = torch.tensor([0, 1] * 30)
    a, b = z[s == 0] + 0.3, z[s == 1]
    z = torch.cat([a, b])
    s = torch.cat([torch.zeros(30, dtype=torch.long), torch.ones(30, dtype=torch.long)])
    for comparison in ("all", "pairwise"):
        assert rel(MMDPenalty(comparison=comparison)(z, s), mmd2(a, b)) < 1e-12
        penalty = SinkhornPenalty(scale="absolute", epsilon=0.5, tol=1e-10, comparison=comparison)
        assert rel(penalty(z, s), sinkhorn_divergence(a, b, epsilon=0.5, tol=1e-10)) < 1e-12
    # and it is symmetric, so the order of the labels does not matter
    assert rel(mmd2(b, a), mmd2(a, b)) < 1e-12
    assert (
        rel(
            sinkhorn_divergence(b, a, epsilon=0.5, tol=1e-10),
            sinkhorn_divergence(a, b, epsilon=0.5, tol=1e-10),
        )
        < 1e-8
    )


def test_batch_comparison_is_each_group_against_the_whole_batch():
    g = torch.Generator().manual_seed(3)
    z = torch.randn(50, 2, generator=g, dtype=torch.float64)
    s = (torch.arange(50) < 20).long()  # shares 0.6 and 0.4
    z = z + s[:, None] * 0.7
    a, b = z[s == 0], z[s == 1]
    got = MMDPenalty(bandwidth=1.0, unbiased=False, comparison="batch")(z, s)
    expected = (
        mmd2(a, z, bandwidth=1.0, unbiased=False) + mmd2(b, z, bandwidth=1.0, unbiased=False)
    ) / 2
    assert rel(got, expected) < 1e-12
    # mu_a - mu = pi_b (mu_a - mu_b): the pair divergence shrunk by the shares
    pi_a, pi_b = 0.6, 0.4
    between = mmd2(a, b, bandwidth=1.0, unbiased=False)
    assert rel(got, 0.5 * (pi_a**2 + pi_b**2) * between) < 1e-10
    got = SinkhornPenalty(
        scale="absolute", epsilon=0.5, tol=1e-9, max_iter=5000, comparison="batch"
    )(z, s)
    expected = (
        sinkhorn_divergence(a, z, epsilon=0.5, tol=1e-9, max_iter=5000)
        + sinkhorn_divergence(b, z, epsilon=0.5, tol=1e-9, max_iter=5000)
    ) / 2
    assert rel(got, expected) < 1e-8
    with pytest.raises(ValueError, match="'all', 'pairwise' or 'batch'"):
        MMDPenalty(comparison="whole")


def test_penalty_is_zero_in_expectation_when_groups_share_a_distribution():
    g = torch.Generator().manual_seed(1)
    z = torch.randn(400, 2, generator=g, dtype=torch.float64)
    s = torch.arange(400) % 2
    fair = SinkhornPenalty(scale="absolute", epsilon=0.5)(z, s)
    unfair = SinkhornPenalty(scale="absolute", epsilon=0.5)(z + s[:, None], s)
    assert float(unfair) > 10 * float(fair)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    x, y = clouds(n=50, m=40)
    for fn in (
        lambda u, v: mmd2(u, v, bandwidth=1.0),
        lambda u, v: sinkhorn_divergence(u, v, epsilon=0.5, tol=1e-10),
    ):
        cpu = fn(x, y)
        gpu = fn(x.cuda(), y.cuda())
        assert gpu.device.type == "cuda"
        assert rel(gpu.cpu(), cpu) < 1e-8
    z = torch.cat([x, y]).cuda().float().requires_grad_()
    s = torch.cat([torch.zeros(50), torch.ones(40)]).cuda()
    val = SinkhornPenalty(scale="absolute", epsilon=0.1)(z, s) + MMDPenalty()(z, s)
    val.backward()
    assert torch.isfinite(z.grad).all()


# --------------------------------------------------------------------------- bad inputs
def test_bad_inputs_raise_clear_errors():
    x, y = clouds(n=5, m=4)
    with pytest.raises(ValueError, match="x is empty"):
        mmd2(x[:0], y)
    with pytest.raises(ValueError, match="different dimensions"):
        sinkhorn(x, y[:, :2], epsilon=1.0)
    bad = x.clone()
    bad[0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        sinkhorn_divergence(bad, y, epsilon=1.0)
    with pytest.raises(ValueError, match="at least 2"):
        mmd2(x[:1], y)
    assert torch.isfinite(mmd2(x[:1], y, bandwidth=1.0, unbiased=False))
    with pytest.raises(ValueError, match="same size"):
        linear_time_mmd2(x, y)
    with pytest.raises(ValueError, match="epsilon"):
        sinkhorn(x, y, epsilon=0.0)
    with pytest.raises(ValueError, match="epsilon"):
        sinkhorn(x, y, epsilon=float("inf"))
    with pytest.raises(ValueError, match="bandwidth"):
        mmd2(x, y, bandwidth=-1.0)
    with pytest.raises(ValueError, match="p must be"):
        sinkhorn_divergence(x, y, epsilon=1.0, p=3)
    with pytest.raises(ValueError, match="gradient"):
        sinkhorn(x, y, epsilon=1.0, gradient="finite")
    with pytest.raises(ValueError, match="negative"):
        sinkhorn(x, y, epsilon=1.0, a=torch.tensor([1.0, -1.0, 1.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="5 weights"):
        sinkhorn(x, y, epsilon=1.0, a=torch.ones(3))
    with pytest.raises(ValueError, match="sums to zero"):
        sinkhorn(x, y, epsilon=1.0, b=torch.zeros(4))
    with pytest.raises(ValueError, match="max_iter"):
        sinkhorn(x, y, epsilon=1.0, max_iter=0)
    with pytest.raises(ValueError, match="scaling"):
        sinkhorn(x, y, epsilon=1.0, scaling=1.5)
    with pytest.raises(ValueError, match="2-D"):
        mmd2(torch.zeros(2, 2, 2), y)
    with pytest.raises(ValueError, match="bandwidth 0"):
        median_bandwidth(torch.zeros(5, 2))


def test_penalty_bad_groups_raise_clear_errors():
    z = torch.randn(10, 3)
    with pytest.raises(ValueError, match="only one group"):
        MMDPenalty()(z, torch.zeros(10))
    s = torch.zeros(10)
    s[0] = 1
    with pytest.raises(ValueError, match="group 1.* has 1 point"):
        SinkhornPenalty()(z, s)
    with pytest.raises(ValueError, match="9 entries"):
        MMDPenalty()(z, torch.zeros(9))
    with pytest.raises(ValueError, match="comparison"):
        MMDPenalty(comparison="each")
    with pytest.raises(ValueError, match="epsilon"):
        SinkhornPenalty(scale="absolute", epsilon=-1)


def test_result_type():
    x, y = clouds(n=5, m=4)
    res = sinkhorn(x, y, epsilon=1.0)
    assert isinstance(res, SinkhornResult)
    assert res.f.shape == (5,) and res.g.shape == (4,)
    assert isinstance(res.n_iter, int) and res.converged


def test_mmd_permutation_test_statistic_pvalue_and_errors():
    g = torch.Generator().manual_seed(4)
    x = torch.randn(60, 2, generator=g, dtype=torch.float64)
    same = torch.randn(50, 2, generator=g, dtype=torch.float64)
    shifted = same + 1.0
    stat, p_shifted = mmd_permutation_test(x, shifted, bandwidth=1.0, random_state=0)
    # the statistic is the biased MMD^2, whatever the permutations (mmd2 forms
    # distances by the |x|^2 + |y|^2 - 2 x.y expansion, hence not to 1e-15)
    assert rel(stat, mmd2(x, shifted, bandwidth=1.0, unbiased=False)) < 1e-7
    assert p_shifted == 1 / 201  # no relabelling comes close
    _, p_same = mmd_permutation_test(x, same, random_state=0)
    assert p_same > 0.05
    # seeded: an int or a generator in the same state give the same p-value
    again = mmd_permutation_test(x, same, random_state=torch.Generator().manual_seed(0))
    assert again == mmd_permutation_test(x, same, random_state=0)
    # under the null the p-value is (super-)uniform: rejections at 10% stay rare
    rejections = sum(
        mmd_permutation_test(
            torch.randn(20, 1, generator=g),
            torch.randn(20, 1, generator=g),
            n_permutations=99,
            random_state=k,
        )[1]
        <= 0.1
        for k in range(40)
    )
    assert rejections <= 10
    with pytest.raises(ValueError, match="n_permutations"):
        mmd_permutation_test(x, same, n_permutations=0)
    with pytest.raises(ValueError, match="different dimensions"):
        mmd_permutation_test(x, same[:, :1])


# --------------------------------------------------------------------------- issue 15
def test_mmd2_second_derivatives_are_exact():
    # the custom backward rebuilds its kernels with differentiable operations
    # when a graph is requested, so Hessian-vector products are right
    x, y = clouds(n=6, m=5, d=2)
    xr, yr = x.clone().requires_grad_(), y.clone().requires_grad_()
    for unbiased in (True, False):
        assert torch.autograd.gradgradcheck(
            lambda u, v, unbiased=unbiased: mmd2(u, v, bandwidth=0.9, unbiased=unbiased), (xr, yr)
        )


def test_sinkhorn_envelope_refuses_second_derivatives_and_autograd_gives_them():
    x, y = clouds(n=5, m=4, d=2)
    xr = x.clone().requires_grad_()
    s = sinkhorn_divergence(xr, y, epsilon=0.5, tol=1e-12, max_iter=10_000)
    (grad,) = torch.autograd.grad(s, xr)  # first order: fine
    assert torch.isfinite(grad).all()
    s = sinkhorn_divergence(xr, y, epsilon=0.5, tol=1e-12, max_iter=10_000)
    with pytest.raises(RuntimeError, match="first-order only.*gradient='autograd'"):
        torch.autograd.grad(s, xr, create_graph=True)
    for fn in (
        lambda u: sinkhorn(u, y, epsilon=0.5, tol=1e-12, max_iter=10_000).cost,
        lambda u: SinkhornPenalty(tol=1e-12)(torch.cat([u, y]), [0] * 5 + [1] * 4),
    ):
        with pytest.raises(RuntimeError, match="first-order only"):
            torch.autograd.grad(fn(xr), xr, create_graph=True)
    # differentiating the iterations is exact for the (converged) algorithm
    yr = y.clone().requires_grad_()
    assert torch.autograd.gradgradcheck(
        lambda u, v: sinkhorn_divergence(
            u, v, epsilon=0.5, tol=1e-12, max_iter=10_000, gradient="autograd"
        ),
        (xr, yr),
    )


def test_unconverged_solves_warn_and_report():
    from sklearn.exceptions import ConvergenceWarning

    x, y = clouds(n=30, m=25)
    with pytest.warns(ConvergenceWarning, match="sinkhorn_divergence stopped after 3"):
        sinkhorn_divergence(x, y, epsilon=0.01, max_iter=3)
    with pytest.warns(ConvergenceWarning, match="sinkhorn stopped"):
        res = sinkhorn(x, y, epsilon=0.01, max_iter=3)
    assert not res.converged and res.n_iter == 3
    z = torch.cat([x, y])
    s = [0] * 30 + [1] * 25
    pen = SinkhornPenalty(max_iter=2)
    with pytest.warns(ConvergenceWarning, match="SinkhornPenalty stopped after 2"):
        pen(z, s)
    assert pen.converged_ is False and pen.n_iter_ == 2
    # a converged call is silent and says so
    pen = SinkhornPenalty()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pen(z, s)
        sinkhorn_divergence(x, y, epsilon=0.5)
    assert pen.converged_ is True and 1 <= pen.n_iter_ <= pen.max_iter


@pytest.mark.parametrize("p", [1, 2])
def test_relative_sinkhorn_penalty_is_scale_invariant(p):
    x, y = clouds(n=40, m=30)
    z = torch.cat([x, y])
    s = np.array(["a"] * 40 + ["b"] * 30)
    pen = SinkhornPenalty(epsilon=0.1, p=p, tol=1e-10, max_iter=100_000)
    base = pen(z, s)
    for c in (1e-3, 0.1, 30.0):
        assert rel(pen(c * z, s), base) < 1e-8
    # it is S_{eps m}(x, y) / m with m the median cost between distinct pooled points
    m = median_bandwidth(x, y) ** p
    pen(z, s)
    assert rel(pen.epsilon_, 0.1 * m) < 1e-12
    direct = sinkhorn_divergence(x, y, epsilon=0.1 * m, p=p, tol=1e-10, max_iter=100_000)
    assert rel(base, direct / m) < 1e-8
    # with an absolute epsilon, shrinking the representation lowers the penalty
    absolute = SinkhornPenalty(epsilon=0.1 * m, scale="absolute", p=p, tol=1e-10, max_iter=100_000)
    assert rel(absolute(z, s), direct) < 1e-8
    assert float(absolute(0.1 * z, s)) < 0.2 * float(absolute(z, s))
    with pytest.raises(ValueError, match="scale must be"):
        SinkhornPenalty(scale="batch")


def test_penalties_accept_string_and_object_group_labels():
    import pandas as pd

    x, y = clouds(n=20, m=16)
    z = torch.cat([x, y])
    codes = torch.tensor([0] * 20 + [1] * 16)
    names = ["female"] * 20 + ["male"] * 16
    for pen in (MMDPenalty(), SinkhornPenalty(tol=1e-9)):
        expected = pen(z, codes)
        for labels in (
            names,
            np.array(names),
            pd.Series(names),
            np.array(names, object),
            [True] * 20 + [False] * 16,
        ):
            assert rel(pen(z, labels), expected) < 1e-12
    with pytest.raises(ValueError, match="sensitive has 35 entries but z has 36 rows"):
        MMDPenalty()(z, names[:-1])
    with pytest.raises(ValueError, match="sensitive contains missing values"):
        MMDPenalty()(z, names[:-1] + [None])
    with pytest.raises(ValueError, match="sensitive contains NaN"):
        MMDPenalty()(z, [0.0] * 35 + [float("nan")])
    # A 2-D array is read as intersectional groups, one row per point (as
    # fairlearn reads several columns), so a reshaped 1-D array has too few rows.
    with pytest.raises(ValueError, match="sensitive has 4 entries but z has 36 rows"):
        MMDPenalty()(z, np.array(names).reshape(4, 9))
    with pytest.raises(ValueError, match="group 'male' has 1 point"):
        MMDPenalty()(z, ["female"] * 35 + ["male"])


def test_p1_cost_is_exact_at_coinciding_points_and_gradcheck_passes():
    g = torch.Generator().manual_seed(5)
    x = torch.randn(6, 3, generator=g, dtype=torch.float64)
    y = x.clone()
    y[0] += 1e-6  # nearly coinciding points
    far = (x + 10).float()
    assert float(cost_matrix(far, far, p=1).diagonal().abs().max()) == 0.0
    assert rel(cost_matrix(x, y, p=1)[0, 0], 1e-6 * math.sqrt(3)) < 1e-6
    # the self terms OT(a, a) put every point at distance 0 from itself, the
    # kink of |x - y|: their diagonal must be an exact 0, not a rounding residue
    xr = x.clone().requires_grad_()
    yr = (torch.randn(4, 3, generator=g, dtype=torch.float64) + 0.5).requires_grad_()
    assert torch.autograd.gradcheck(
        lambda u, v: sinkhorn_divergence(u, v, epsilon=0.5, p=1, tol=1e-13, max_iter=100_000),
        (xr, yr),
    )


def test_float32_far_from_the_origin_keeps_its_digits():
    # clouds of spread 0.05 around (100, ..., 100): the distance expansion
    # |x|^2 + |y|^2 - 2 x.y would lose most digits in float32 without centring
    x, y = clouds(n=60, m=50, shift=0.3)
    x, y = 100 + 0.05 * x, 100 + 0.05 * y
    for p in (1, 2):
        eps = 0.1 * median_bandwidth(x, y) ** p
        ref = sinkhorn_divergence(x, y, epsilon=eps, p=p, tol=1e-10, max_iter=100_000)
        got = sinkhorn_divergence(
            x.float(), y.float(), epsilon=eps, p=p, tol=1e-5, max_iter=100_000
        )
        assert rel(got, ref) < 1e-3
    sigma = median_bandwidth(x, y)
    assert rel(mmd2(x.float(), y.float(), bandwidth=sigma), mmd2(x, y, bandwidth=sigma)) < 1e-3


def test_huge_epsilon_in_float32_keeps_the_mmd_limit():
    # review row 26 (c): eta = 1e8 used to return exactly 0 in float32
    x, y = clouds(n=30, m=25)
    C = lambda u, v: cost_matrix(u, v).mean()  # noqa: E731
    half_mmd = float(0.5 * (2 * C(x, y) - C(x, x) - C(y, y)))
    for eps in (1e5, 1e8):
        got = sinkhorn_divergence(x.float(), y.float(), epsilon=eps)
        assert rel(got, half_mmd) < 1e-3
    res = sinkhorn(x.float(), y.float(), epsilon=1e8)
    assert rel(res.cost, C(x, y)) < 1e-5


def test_scaling_solver_at_small_epsilon_equals_pot_and_geomloss():
    # the scaling-form solver with epsilon scaling against POT's log-domain
    # Sinkhorn at an epsilon of about 1.5% of the mean squared distance
    x, y = clouds(n=25, m=20)
    a, b = weights(25, 4), weights(20, 5)
    eps = 0.1
    ours = sinkhorn(x, y, epsilon=eps, a=a, b=b, tol=1e-12, max_iter=1_000_000)
    assert ours.converged
    res = ot.solve_sample(
        x.numpy(),
        y.numpy(),
        a.numpy(),
        b.numpy(),
        metric="sqeuclidean",
        reg=eps,
        max_iter=200_000,
        tol=1e-13,
    )
    assert rel(ours.cost, res.value) < RTOL
    linear = float((np.asarray(res.plan) * ot.dist(x.numpy(), y.numpy())).sum())
    assert rel(ours.transport_cost, linear) < RTOL
    # and the debiased divergence with geomloss, converted
    s = sinkhorn_divergence(x, y, epsilon=eps, a=a, b=b, tol=1e-12, max_iter=1_000_000)
    loss = SamplesLoss(
        "sinkhorn", p=2, blur=math.sqrt(eps / 2), debias=True, scaling=0.998, backend="tensorized"
    )
    assert rel(s, 2 * loss(a, x, b, y)) < 1e-4


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("factor", [0.1, 0.03, 0.003])
def test_fast_preset_is_as_accurate_as_geomloss_default(seed, factor):
    """preset="fast" promises geomloss's default accuracy (scaling 0.5): the
    same float32 clouds, against a float64 solve to tol 1e-10."""
    x, y = clouds(n=60, m=50, dtype=torch.float32, seed=seed)
    eps = factor * float(cost_matrix(x, y).mean())
    ref = sinkhorn_divergence(x.double(), y.double(), epsilon=eps, tol=1e-10, max_iter=100_000)
    fast = sinkhorn_divergence(x, y, epsilon=eps, preset="fast")
    loss = SamplesLoss("sinkhorn", p=2, blur=math.sqrt(eps / 2), debias=True, scaling=0.5)
    default = 2 * loss(x, y)  # geomloss's cost is |x - y|^2 / 2
    assert rel(fast, ref) <= rel(default, ref)


def test_fast_preset_and_penalty_cost_table():
    x, y = clouds(n=60, m=50, dtype=torch.float32)
    eps = 0.03 * float(cost_matrix(x, y).mean())
    ref = sinkhorn_divergence(x.double(), y.double(), epsilon=eps, tol=1e-10, max_iter=100_000)
    fast = sinkhorn_divergence(x, y, epsilon=eps, preset="fast")
    assert rel(fast, ref) < 1e-2
    with pytest.raises(ValueError, match="preset"):
        sinkhorn_divergence(x, y, epsilon=eps, preset="quick")
    rows = penalty_cost_table(batch_sizes=(16, 32), repeats=1)
    assert [(r["batch_size"], r["penalty"]) for r in rows] == [
        (16, "mmd"),
        (16, "sinkhorn"),
        (32, "mmd"),
        (32, "sinkhorn"),
    ]
    assert all(r["seconds"] > 0 for r in rows)
    assert rows[-1]["matrix_bytes"] == 3 * 16 * 16 * 4
    with pytest.raises(ValueError, match="even integers"):
        penalty_cost_table(batch_sizes=(15,))


def test_benchmark_results_file(tmp_path):
    from benchmarks._timing import load_results, record_ratio, summary

    path = tmp_path / "results.json"
    assert record_ratio("demo", "a / b", 0.5, 1.0, details={"a": 1}, path=path, echo=False)
    assert not record_ratio("demo", "c / d", 4.0, 3.0, path=path, echo=False)
    assert not record_ratio("demo", "e / f", None, 3.0, path=path, echo=False)
    assert record_ratio("demo", "a / b", 0.7, 1.0, path=path, echo=False)  # replaces
    ratios = load_results(path)["ratios"]
    assert [(r["name"], r["value"], r["pass"]) for r in ratios] == [
        ("c / d", 4.0, False),
        ("e / f", None, False),
        ("a / b", 0.7, True),
    ]
    assert ratios[0]["target"] == 3.0 and ratios[0]["comparison"] == "<="
    assert summary(path)[0].startswith("FAIL  [demo] c / d: 4")


def test_benchmark_median_ratio_takes_the_median_round(monkeypatch):
    import benchmarks._timing as timing

    rounds = iter([(1.0, 2.0), (3.0, 1.0), (2.0, 2.0), (4.0, 1.0), (2.0, 1.0)])
    monkeypatch.setattr(timing, "best_times", lambda fns, repeats: next(rounds))
    ratio, ours, reference, ratios = timing.median_ratio(None, None, 3, 5)
    assert ratios == [0.5, 3.0, 1.0, 4.0, 2.0]
    assert (ratio, ours, reference) == (2.0, 1.0, 1.0)  # best times over all rounds
    rounds = iter([(1.0, 2.0), (3.0, 1.0)])
    assert timing.median_ratio(None, None, 3, 2)[0] == 1.75  # an even count: the mean of two


def _pot_divergence(x, y, eps):
    """S_eps from three POT solves converged to 1e-10 (float64)."""
    xn, yn = x.double().numpy(), y.double().numpy()
    a, b = np.full(len(xn), 1 / len(xn)), np.full(len(yn), 1 / len(yn))

    def value(u, v, wu, wv):
        return ot.solve(
            ot.dist(u, v), wu, wv, reg=eps, reg_type="KL", tol=1e-10, max_iter=100_000
        ).value

    return value(xn, yn, a, b) - 0.5 * (value(xn, xn, a, a) + value(yn, yn, b, b))


@pytest.mark.parametrize(
    "n, d, eps, seed",
    [(30, 2, 1.0, 5), (40, 3, 0.5, 2), (80, 3, 2.0, 3), (60, 5, 1.0, 4)],
)
def test_nearly_equal_clouds_give_a_positive_divergence_at_default_tol(n, d, eps, seed):
    # Review row: the divergence of x and x + 1e-3 noise is ~1e-6, far below
    # the terms (~1); a solver whose error does not shrink with S returns
    # negative numbers there at the default tol, silently.
    g = torch.Generator().manual_seed(seed)
    for _ in range(3):
        x = torch.randn(n, d, generator=g, dtype=torch.float64)
        y = x + 1e-3 * torch.randn(n, d, generator=g, dtype=torch.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no ConvergenceWarning either
            ours = float(sinkhorn_divergence(x, y, epsilon=eps))
        ref = _pot_divergence(x, y, eps)
        assert ref > 0
        assert ours > 0
        assert abs(ours - ref) <= 0.1 * ref


def test_nearly_equal_clouds_float32_stay_above_the_rounding_bound():
    # In float32 S ~ 1e-6 is below the rounding of the terms; the documented
    # bound is 8 u (|OT_ab| + |OT_aa| / 2 + |OT_bb| / 2).
    g = torch.Generator().manual_seed(7)
    u = torch.finfo(torch.float32).eps
    for _ in range(5):
        x = torch.randn(40, 3, generator=g)
        y = x + 1e-3 * torch.randn(40, 3, generator=g)
        value = float(sinkhorn_divergence(x, y, epsilon=1.0))
        size = sum(
            w * abs(float(sinkhorn(p.double(), q.double(), epsilon=1.0, tol=1e-8).cost))
            for p, q, w in ((x, y, 1.0), (x, x, 0.5), (y, y, 0.5))
        )
        assert value >= -8 * u * size
        assert abs(value - _pot_divergence(x, y, 1.0)) <= 8 * u * size + 1e-7


def test_negative_value_guard_iterates_on_or_warns(monkeypatch):
    # Without the warm start from the self potentials (the former solver),
    # some of these pairs come out negative at the default tol. The guard
    # must catch that (S >= 0 in exact arithmetic): iterate on, and if the
    # value stays negative, warn. A silent negative value is the failure.
    from sklearn.exceptions import ConvergenceWarning

    from fairtutor import divergences

    monkeypatch.setattr(divergences, "_warm_start_cross", lambda problems, e: None)
    calls = []
    original = divergences._iterate

    def counting(*args):
        calls.append(args[2])
        return original(*args)

    monkeypatch.setattr(divergences, "_iterate", counting)
    g = torch.Generator().manual_seed(0)
    negative = 0
    for _ in range(6):
        x = torch.randn(40, 3, generator=g, dtype=torch.float64)
        y = x + 1e-3 * torch.randn(40, 3, generator=g, dtype=torch.float64)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = float(sinkhorn_divergence(x, y, epsilon=0.5))
        warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
        negative += value < 0
        assert value >= 0 or warned
    assert negative >= 1  # the case is hard enough without the warm start
    assert min(calls) < 1e-4 / 50  # and the guard's tighter pass (tol / 100) ran


@pytest.mark.parametrize("eps", [0.01, 0.003])
def test_no_epsilon_scaling_at_small_epsilon_stays_finite(eps):
    """Without epsilon scaling, a kernel column can underflow in float32 and a
    scaling reach infinity; the solver restarts from the log domain instead of
    returning NaN (it used to, reporting convergence)."""
    g = torch.Generator().manual_seed(2)
    z = torch.randn(256, 8, generator=g)
    s = torch.arange(256) % 2
    z[s == 1] += 0.3
    plain = SinkhornPenalty(epsilon=eps, scaling=None)
    annealed = SinkhornPenalty(epsilon=eps)
    value, reference = plain(z, s), annealed(z, s)
    assert plain.converged_ and torch.isfinite(value)
    assert abs(float(value) - float(reference)) < 1e-3 * float(reference)
    # and the float64 value, solved far more tightly
    tight_penalty = SinkhornPenalty(epsilon=eps, tol=1e-5, max_iter=100_000)
    tight = tight_penalty(z.double(), s)
    assert tight_penalty.converged_
    assert abs(float(value) - float(tight)) < 1e-3 * float(tight)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_floored_exponentials_equal_logsumexp_and_the_plain_kernel(dtype):
    """Exponents are raised to a floor before exp (the slow path of exp on
    underflowing inputs): the log-sum-exp and the kernels keep their values."""
    from fairtutor.divergences import _EXP2_FLOOR, _gauss_block, _logsumexp_columns

    g = torch.Generator().manual_seed(3)
    # columns spanning far below the floor, one column entirely below it, one -inf entry
    exponent = torch.empty(300, 7, dtype=dtype).uniform_(-3000.0, 5.0, generator=g)
    exponent[:, 3] -= 5000.0
    exponent[0, 1] = -math.inf
    expected = torch.logsumexp(exponent, dim=0)
    got = _logsumexp_columns(exponent.clone())
    torch.testing.assert_close(got, expected, rtol=4 * torch.finfo(dtype).eps, atol=0.0)
    assert _EXP2_FLOOR[torch.float16] == -math.inf  # its smallest normal is not negligible

    # the Gaussian kernel at a narrow bandwidth: entries far below the floor
    x, y = clouds(n=50, m=40, d=3, dtype=dtype)
    gamma = -0.5 / 0.05**2
    plain = torch.exp(gamma * torch.cdist(x, y) ** 2)
    floored = _gauss_block(x, y, gamma)
    floor = 2.0 ** _EXP2_FLOOR[dtype]
    # a kernel entry times a weight (>= 2**-25) and a scaling (>= e**-10) stays a normal number
    assert floor * 2.0**-25 * math.exp(-10.0) > torch.finfo(dtype).tiny
    assert bool((plain < floor).float().mean() > 0.5)  # most entries are below the floor
    assert float(floored[plain < floor].max()) <= floor * (1 + 1e-4)
    # (float32: the one-product expansion of the distances rounds differently from cdist)
    rtol = 1e-3 if dtype == torch.float32 else 1e-9
    torch.testing.assert_close(floored, plain, rtol=rtol, atol=2.0 * floor)
    # the Sinkhorn value at a small epsilon equals the log-domain solver's
    eps = 1e-3 * float(cost_matrix(x, y).mean())
    fast = sinkhorn_divergence(x, y, epsilon=eps, tol=1e-4, max_iter=20_000)
    log_domain = sinkhorn_divergence(
        x, y, epsilon=eps, tol=1e-4, max_iter=20_000, gradient="autograd"
    )
    assert rel(fast, log_domain) < 1e-3


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("path", ["one block", "row blocks", "large"])
@pytest.mark.parametrize("symmetric", [False, True])
def test_kernel_rebuilds_overwrite_the_old_kernel_and_equal_exp(p, path, symmetric, monkeypatch):
    """A rebuild (absorb) writes the new kernel into the old one's memory (a
    fresh block at each of the tens of rebuilds of a solve is memory the system
    hands out page by page), and the base-2 kernel equals exp of the exponent,
    on each path: a small problem in one block or in row blocks (the last one
    shorter), and a large one (one parallel pass, the product for p = 2)."""
    import fairtutor.divergences as D

    if path == "row blocks":
        monkeypatch.setattr(D, "_BLOCK_ENTRIES", 1000)  # rows of 22, 22, 16 (45 columns)
    elif path == "large":
        monkeypatch.setattr(D, "_SERIAL_ENTRIES", 0)
    x, y = clouds(n=60, m=45, d=3)
    a = torch.full((60,), 1 / 60, dtype=torch.float64)
    b = torch.full((45,), 1 / 45, dtype=torch.float64)
    if symmetric:
        y, b = x, a
    prob = D._Problem(x, y, a, b, p, symmetric=symmetric)
    assert prob.serial == (path != "large")
    eps = 0.05 * float(cost_matrix(x, y, p=p).mean())
    prob.absorb(eps)
    old = prob.K  # held, so that a fresh block could not reuse its address
    for _ in range(5):
        prob.step()
    prob.absorb(0.5 * eps)
    assert prob.K.data_ptr() == old.data_ptr()
    # the kernel at the absorbed potentials, from its definition
    C = cost_matrix(x, y, p=p)
    if symmetric:
        C.diagonal().zero_()
    expected = torch.exp((prob.f[:, None] + prob.g[None, :] - C) / (0.5 * eps))
    torch.testing.assert_close(prob.K, expected, rtol=1e-10, atol=1e-300)


def test_small_solves_keep_their_passes_on_the_calling_thread(monkeypatch):
    """A solve of 256 x 256 points makes no pass that PyTorch or MKL would split
    between threads at each rebuild or iteration (waking the other threads cost
    up to 100 us a pass on a shared machine): elementwise passes stay at or
    below 2**15 entries and matrix products have one row. What is left is a
    handful of passes made once (the products 2 x.y, the log-domain warm
    start, the backward pass), as many at small epsilon as at large."""
    from torch.utils._python_dispatch import TorchDispatchMode

    import fairtutor.divergences as D

    views = {
        "diagonal",
        "slice",
        "select",
        "permute",
        "t",
        "transpose",
        "view",
        "unsqueeze",
        "squeeze",
        "squeeze_",
        "as_strided",
        "detach",
        "alias",
        "expand",
        "_unsafe_view",
    }

    class CountThreaded(TorchDispatchMode):
        count = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            name = func.overloadpacket.__name__
            tensors = [t for t in (*args, *(kwargs or {}).values()) if torch.is_tensor(t)]
            if name in ("mm", "addmm", "bmm", "baddbmm"):
                CountThreaded.count += out.shape[-2] > 1 and out.shape[-1] > 1
            elif name not in views and name not in ("mv", "addmv") and tensors:
                CountThreaded.count += max(t.numel() for t in tensors) > 2**15
            return out

    x, y = clouds(n=256, m=256, d=16, dtype=torch.float32)
    mean_cost = float(cost_matrix(x, y).mean())

    def threaded_passes(r):
        xg = x.clone().requires_grad_()
        CountThreaded.count = 0
        with CountThreaded():
            sinkhorn_divergence(xg, y, epsilon=r * mean_cost, preset="fast").backward()
        return CountThreaded.count

    small, large = threaded_passes(3e-4), threaded_passes(3e-2)
    assert small == large <= 16
    # the counter sees them: without the serial path, every rebuild is several
    monkeypatch.setattr(D, "_SERIAL_ENTRIES", 0)
    assert threaded_passes(3e-4) > 100


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_semi_dual_from_the_kernel_equals_the_log_domain_one(p, dtype):
    """The warm start judges the cross problem's current potentials by a
    vector-matrix product with its kernel instead of a log-domain pass; the
    two agree, and the kernel is not used where its clamping or the scalings
    would make the value wrong."""
    from fairtutor.divergences import (
        _EXP2_FLOOR,
        _kernel_semi_dual,
        _Problem,
        _schedule,
        _semi_dual,
    )

    x, y = clouds(n=60, m=45, d=3)
    x, y = x.to(dtype), y.to(dtype) + 0.5
    a = torch.full((60,), 1 / 60, dtype=dtype)
    b = torch.rand(45, generator=torch.Generator().manual_seed(3), dtype=dtype) + 0.5
    b = b / b.sum()
    mean_cost = float(cost_matrix(x, y, p=p).mean())
    for r in (1.0, 0.1, 0.01):
        eps = r * mean_cost
        prob = _Problem(x, y, a, b, p, symmetric=False)
        # annealed as in a solve, one step per epsilon: potentials close to
        # optimal but not at it
        for e in _schedule(eps, prob.c_max(), 0.6):
            prob.absorb(e)
            prob.step()
        prob.absorb(eps)
        from_kernel = _kernel_semi_dual(prob, eps)
        assert from_kernel is not None
        log_domain = _semi_dual(prob, prob.f, eps)
        size = float(prob.a @ prob.f.abs() + prob.b @ prob.g.abs())
        assert abs(from_kernel - log_domain) <= 64 * torch.finfo(dtype).eps * size
        prob.step()  # scalings off 1: the kernel alone no longer gives T(f)
        assert _kernel_semi_dual(prob, eps) is None
    prob.absorb(eps)
    prob.capped = True  # an exponent at the cap: the kernel is not exp of it
    assert _kernel_semi_dual(prob, eps) is None
    prob.capped = False
    prob.K[:, 0] = 2.0 ** _EXP2_FLOOR[dtype]  # a column whose entries are all at the floor
    assert _kernel_semi_dual(prob, eps) is None
