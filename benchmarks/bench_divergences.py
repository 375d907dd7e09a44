"""Speed of fairtutor.divergences against references timed in the same run.

1. Sinkhorn divergence, forward + backward, two clouds of 1,024 points in
   16-D, float32, CPU, against geomloss's tensorized backend at the same
   epsilon and the same accuracy. geomloss has no stopping tolerance (its
   accuracy is set by the epsilon-scaling factor), so both libraries are first
   calibrated against a float64 reference solved to tol 1e-10: geomloss gets
   the fastest ``scaling`` and fairtutor the loosest ``tol`` whose relative
   error is at most ``TARGET``. Target: ratio <= 1.0.
2. MMD², forward + backward, 4,096 x 4,096 points in 64-D, float32, fixed
   bandwidth, against one ``torch.cdist`` plus ``exp`` between the same two
   clouds (a single cross-kernel block; MMD² needs three). Target: <= 2.0.

Times are the minimum over repetitions (the machine is shared), with the
two contestants interleaved so that a burst of load hits both.
"""

import math

import torch

from benchmarks._timing import best_times
from fairtutor.divergences import mmd2, sinkhorn_divergence

TARGET = 1e-3  # relative accuracy required from both Sinkhorn solvers
EPS = 1.0  # about 3% of the mean squared distance of the clouds below


def _fwd_bwd(loss_fn, x0, y0):
    def run():
        x = x0.clone().requires_grad_()
        y = y0.clone().requires_grad_()
        loss = loss_fn(x, y)
        loss.backward()
        return float(loss.detach())

    return run


def bench_sinkhorn(n=1024, d=16, reps=7):
    from geomloss import SamplesLoss

    g = torch.Generator().manual_seed(0)
    x0 = torch.randn(n, d, generator=g)
    y0 = 0.8 * torch.randn(n, d, generator=g) + 0.5
    ref = float(
        sinkhorn_divergence(x0.double(), y0.double(), epsilon=EPS, tol=1e-10, max_iter=100_000)
    )

    def geomloss_fn(scaling):
        # geomloss: cost |x-y|^2/2, blur^2 = epsilon, hence the factor 2 and eps/2
        loss = SamplesLoss(
            "sinkhorn",
            p=2,
            blur=math.sqrt(EPS / 2),
            debias=True,
            scaling=scaling,
            backend="tensorized",
        )
        return lambda x, y: 2 * loss(x, y)

    def ours_fn(tol):
        return lambda x, y: sinkhorn_divergence(x, y, epsilon=EPS, tol=tol)

    def calibrate(make, settings):
        for s in settings:
            err = abs(_fwd_bwd(make(s), x0, y0)() - ref) / ref
            if err <= TARGET:
                return s, err
        raise RuntimeError("no setting reached the target accuracy")

    scaling, err_g = calibrate(geomloss_fn, [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99])
    tol, err_o = calibrate(ours_fn, [1.0, 0.3, 0.1, 0.03, 0.01])
    t_ours, t_geom = best_times(
        [_fwd_bwd(ours_fn(tol), x0, y0), _fwd_bwd(geomloss_fn(scaling), x0, y0)], reps
    )
    print(
        f"Sinkhorn divergence fwd+bwd, {n}x{n} points in {d}-D, epsilon={EPS}, "
        f"accuracy target {TARGET:g}"
    )
    print(f"  fairtutor tol={tol:g} (rel. error {err_o:.1e}): {1e3 * t_ours:.1f} ms")
    print(f"  geomloss scaling={scaling:g} (rel. error {err_g:.1e}): {1e3 * t_geom:.1f} ms")
    ratio = t_ours / t_geom
    print(f"  ratio fairtutor / geomloss = {ratio:.2f} (target <= 1.0)")
    return ratio


def bench_mmd(n=4096, d=64, reps=5):
    g = torch.Generator().manual_seed(0)
    x0 = torch.randn(n, d, generator=g)
    y0 = torch.randn(n, d, generator=g) + 0.1
    sigma = math.sqrt(2 * d)  # about the median distance here

    def one_block(x, y):
        return torch.exp(torch.cdist(x, y).pow(2) * (-0.5 / sigma**2)).mean()

    t_ours, t_ref = best_times(
        [_fwd_bwd(lambda x, y: mmd2(x, y, bandwidth=sigma), x0, y0), _fwd_bwd(one_block, x0, y0)],
        reps,
    )
    print(f"MMD^2 (unbiased) fwd+bwd, {n}x{n} points in {d}-D")
    print(f"  fairtutor mmd2: {1e3 * t_ours:.1f} ms; one cdist + exp: {1e3 * t_ref:.1f} ms")
    ratio = t_ours / t_ref
    print(f"  ratio = {ratio:.2f} (target <= 2.0)")
    return ratio


def main():
    torch.manual_seed(0)
    bench_sinkhorn()
    bench_mmd()


if __name__ == "__main__":
    main()
