"""Tests for fairtutor.representation (chapter 6)."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression, Ridge

import fairtutor.divergences as divergences
from fairtutor.datasets import make_multitask_biased
from fairtutor.divergences import mmd2
from fairtutor.metrics import demographic_parity_difference
from fairtutor.representation import (
    SINKHORN_TRAINING_DEFAULTS,
    FairRepresentationLearner,
    FrozenRepresentationHead,
    MultiTaskNet,
    OutputDPPenalty,
    StratifiedBatchSampler,
    _n_batches,
    _stratified_batches,
    _task_loss,
)

torch.set_num_threads(1)

FAST = dict(epochs=15, batch_size=100, random_state=0, progress=False)


@pytest.fixture(scope="module")
def data():
    X, Y, s = make_multitask_biased(900, n_tasks=4, task_similarity=0.3, random_state=0)
    train = np.arange(900) < 600
    return X, Y, s, train


def dp_gap(pred, s):
    return demographic_parity_difference(pred, pred, sensitive_features=s)


def test_penalty_lowers_dp_of_held_out_head(data):
    """The central claim: a head for a task unseen in training, fitted on the
    frozen representation, has a smaller DP gap with the MMD penalty."""
    X, Y, s, train = data
    gaps = {}
    for penalty, lam in [(None, 0.0), ("mmd", 100.0), ("sinkhorn", 10.0)]:
        model = FairRepresentationLearner(penalty=penalty, lam=lam, **FAST)
        model.fit(X[train], Y[train, :3], sensitive_features=s[train])
        head = model.fit_head(X[train], Y[train, 3])
        gaps[penalty] = dp_gap(head.predict(X[~train]), s[~train])
    assert gaps[None] > 0.25  # the task is biased: an unconstrained head is unfair
    assert gaps["mmd"] < gaps[None] - 0.15
    assert gaps["sinkhorn"] < gaps[None] - 0.15


def test_output_dp_baseline_lowers_training_dp_only(data):
    X, Y, s, train = data
    base = FairRepresentationLearner(penalty=None, **FAST).fit(
        X[train], Y[train, :3], sensitive_features=s[train]
    )
    outdp = FairRepresentationLearner(penalty="output_dp", lam=5.0, **FAST).fit(
        X[train], Y[train, :3], sensitive_features=s[train]
    )
    train_gap = {
        name: np.mean([dp_gap(m.predict(X[~train], task=t), s[~train]) for t in range(3)])
        for name, m in [("none", base), ("outdp", outdp)]
    }
    assert train_gap["outdp"] < 0.5 * train_gap["none"]
    # Yet the representation still encodes the group: a new head recovers much of the gap.
    head = outdp.fit_head(X[train], Y[train, 3])
    assert dp_gap(head.predict(X[~train]), s[~train]) > train_gap["outdp"]


def test_random_state_makes_fit_reproducible(data):
    X, Y, s, train = data
    fits = [
        FairRepresentationLearner(penalty="mmd", **{**FAST, "epochs": 3, "random_state": rs}).fit(
            X, Y, sensitive_features=s
        )
        for rs in (7, 7, 8)
    ]
    np.testing.assert_array_equal(fits[0].transform(X), fits[1].transform(X))
    assert fits[0].history_ == fits[1].history_
    assert not np.allclose(fits[0].transform(X), fits[2].transform(X))


def test_fit_leaves_global_torch_rng_alone(data):
    X, Y, s, _ = data
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    FairRepresentationLearner(penalty=None, **{**FAST, "epochs": 1}).fit(X, Y, sensitive_features=s)
    torch.testing.assert_close(torch.rand(3), expected)
    assert not torch.are_deterministic_algorithms_enabled()


def test_task_loss_masks_missing_labels():
    out = torch.tensor([[0.5, 2.0], [-1.0, 1.0], [3.0, 0.0]])
    y = torch.tensor([[1.0, 1.5], [0.0, 0.0], [0.0, -2.0]])
    observed = torch.tensor([[True, True], [False, True], [True, False]])
    binary = torch.tensor([True, False])
    got = float(_task_loss(out, y, observed, binary))
    bce = lambda z, t: np.log1p(np.exp(-z)) if t == 1 else np.log1p(np.exp(z))  # noqa: E731
    task0 = (bce(0.5, 1) + bce(3.0, 0)) / 2
    task1 = ((2.0 - 1.5) ** 2 + (1.0 - 0.0) ** 2) / 2
    assert got == pytest.approx((task0 + task1) / 2, rel=1e-6)


def test_missing_labels_are_masked_in_fit(data):
    X, Y, s, _ = data
    Y_missing = Y.astype(float).copy()
    Y_missing[np.random.default_rng(0).random(Y.shape) < 0.4] = np.nan
    # A task observed on 20 samples only: most batches see none of its labels.
    Y_missing[20:, 0] = np.nan
    model = FairRepresentationLearner(penalty="mmd", **{**FAST, "epochs": 3})
    model.fit(X, Y_missing, sensitive_features=s)
    assert np.isfinite(model.history_["loss"]).all()
    assert all(torch.isfinite(p).all() for p in model.net_.parameters())
    assert list(model.task_types_) == ["binary"] * 4  # NaN does not make a task real-valued
    # A missing label contributes nothing: the batch loss with NaN labels equals
    # the loss on the observed labels only, computed by hand.
    net = model.net_
    x = torch.as_tensor(X[:40], dtype=torch.float32)
    y = torch.as_tensor(Y_missing[:40], dtype=torch.float32)
    observed = ~torch.isnan(y)
    got = _task_loss(net(x), torch.nan_to_num(y), observed, torch.ones(4, dtype=torch.bool))
    out = net(x).detach().numpy()
    per_task = []
    for t in range(4):
        keep = observed[:, t].numpy()
        if keep.any():
            z, lab = out[keep, t], y.numpy()[keep, t]
            per_task.append(np.mean(np.logaddexp(0, z) - lab * z))
    assert float(got.detach()) == pytest.approx(np.mean(per_task), rel=1e-5)


def test_stratified_batches_hold_every_group():
    codes = np.array([0] * 50 + [1] * 10 + [2] * 40)
    groups = np.array(["a", "b", "c"])
    n_batches = _n_batches(codes, groups, batch_size=20)
    assert n_batches == 5
    by_group = [torch.as_tensor(np.flatnonzero(codes == k)) for k in range(3)]
    batches = list(_stratified_batches(by_group, n_batches, torch.Generator().manual_seed(0)))
    assert len(batches) == 5
    np.testing.assert_array_equal(np.sort(torch.cat(batches).numpy()), np.arange(100))
    for batch in batches:
        assert np.bincount(codes[batch.numpy()], minlength=3).min() >= 2


def test_multitasknet_shapes_and_bounded_representation():
    torch.manual_seed(0)
    net = MultiTaskNet(6, 3, hidden=(8, 8), representation_dim=5)
    x = torch.randn(7, 6)
    with torch.no_grad():
        assert net.represent(x).shape == (7, 5)
        assert net(x).shape == (7, 3)
        assert float(net.represent(x).abs().max()) <= 1.0
        assert MultiTaskNet(6, 2, hidden=()).represent(x).shape == (7, 8)
    with pytest.raises(ValueError, match="n_tasks"):
        MultiTaskNet(6, 0)
    with pytest.raises(ValueError, match="hidden"):
        MultiTaskNet(6, 2, hidden=(8, -1))


def test_output_dp_penalty_matches_definition():
    outputs = torch.tensor([[0.0, 1.0], [2.0, -1.0], [-2.0, 3.0], [1.0, 0.5]])
    groups = torch.tensor([0, 0, 1, 2])
    penalty = OutputDPPenalty([True, False])(outputs, groups)
    p = 1 / (1 + np.exp(-outputs[:, 0].numpy()))
    means0 = [p[:2].mean(), p[2], p[3]]
    means1 = [0.0, 3.0, 0.5]
    expected = ((max(means0) - min(means0)) + (max(means1) - min(means1))) / 2
    assert float(penalty) == pytest.approx(expected, rel=1e-6)


def test_predict_shapes_real_tasks_and_heads(data):
    X, Y, s, _ = data
    Yr = np.column_stack([Y[:, 0], X[:, 0] + 0.1 * X[:, 1]])  # one binary, one real task
    model = FairRepresentationLearner(penalty="output_dp", **{**FAST, "epochs": 2})
    model.fit(X, Yr, sensitive_features=s)
    assert list(model.task_types_) == ["binary", "real"]
    assert set(np.unique(model.predict(X, task=0))) <= {0, 1}
    assert model.predict(X).shape == (900, 2)
    assert model.predict(X, task=1).dtype == np.float64
    assert np.isnan(model.predict_proba(X)[:, 1]).all()
    with pytest.raises(ValueError, match="real-valued"):
        model.predict_proba(X, task=1)
    with pytest.raises(ValueError, match="task must be"):
        model.predict(X, task=2)
    head = model.fit_head(X, Y[:, 1])
    assert isinstance(head, FrozenRepresentationHead)
    assert isinstance(head.head_, LogisticRegression)
    assert head.predict_proba(X).shape == (900, 2)
    assert isinstance(model.fit_head(X, X[:, 2]).head_, Ridge)


def test_custom_penalty_module_and_progress_bar(data, capsys):
    X, Y, s, _ = data

    class MeanGap(torch.nn.Module):
        def forward(self, z, sensitive):
            return (z[sensitive == 0].mean(0) - z[sensitive == 1].mean(0)).pow(2).sum()

    model = FairRepresentationLearner(
        penalty=MeanGap(), lam=1.0, epochs=2, random_state=0, progress=True
    )
    model.fit(X, Y, sensitive_features=s)
    assert "epochs" in capsys.readouterr().err
    model.set_params(progress=False).fit(X, Y, sensitive_features=s)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(penalty="wasserstein"), "unknown penalty"),
        (dict(lam=-1.0), "lam"),
        (dict(epochs=0), "epochs"),
        (dict(batch_size=4), "batch_size=4 is too small"),
        (dict(early_stopping=True, validation_fraction=1.5), "validation_fraction"),
        (dict(early_stopping=True, validation_fraction=0.001), "fewer than 2 samples"),
        (dict(early_stopping=True, n_iter_no_change=0), "n_iter_no_change"),
        (dict(early_stopping=True, tol=-1.0), "tol"),
    ],
)
def test_bad_parameters(data, kwargs, message):
    X, Y, s, _ = data
    model = FairRepresentationLearner(**{**FAST, **kwargs})
    with pytest.raises(ValueError, match=message):
        model.fit(X, Y, sensitive_features=s)


def test_shape_and_group_errors(data):
    X, Y, s, _ = data
    model = FairRepresentationLearner(**{**FAST, "epochs": 1})
    with pytest.raises(ValueError, match="different lengths"):
        model.fit(X, Y[:-1], sensitive_features=s)
    with pytest.raises(ValueError, match="different lengths"):
        model.fit(X, Y, sensitive_features=s[:-1])
    with pytest.raises(ValueError, match="at least 2"):
        model.fit(X, Y, sensitive_features=np.zeros(len(X)))
    Y_empty = Y.astype(float).copy()
    Y_empty[:, 2] = np.nan
    with pytest.raises(ValueError, match=r"task\(s\) 2 .*all NaN"):
        model.fit(X, Y_empty, sensitive_features=s)
    one_member = s.copy()
    one_member[0] = 5
    with pytest.raises(ValueError, match="has 1 sample"):
        model.fit(X, Y, sensitive_features=one_member)
    model.fit(X, Y, sensitive_features=s)
    with pytest.raises(ValueError, match="features"):
        model.transform(X[:, :3])
    with pytest.raises(ValueError, match="different lengths"):
        model.fit_head(X, Y[:-1, 0])


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present")
def test_cuda_requested_without_gpu(data):
    X, Y, s, _ = data
    with pytest.raises(ValueError, match="no CUDA device"):
        FairRepresentationLearner(device="cuda", **FAST).fit(X, Y, sensitive_features=s)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_fit_matches_cpu_closely(data):
    X, Y, s, _ = data
    cpu = FairRepresentationLearner(penalty="mmd", **{**FAST, "epochs": 2}).fit(
        X, Y, sensitive_features=s
    )
    gpu = FairRepresentationLearner(penalty="mmd", device="cuda", **{**FAST, "epochs": 2}).fit(
        X, Y, sensitive_features=s
    )
    np.testing.assert_allclose(gpu.transform(X), cpu.transform(X), atol=1e-3)


def test_objective_adds_weighted_penalty_and_checks_groups(data):
    X, Y, s, train = data
    model = FairRepresentationLearner(penalty="output_dp", lam=2.0, **{**FAST, "epochs": 2})
    model.fit(X[train], Y[train], sensitive_features=s[train])
    values = model.objective(X[~train], Y[~train], sensitive_features=s[~train])
    assert values["loss"] == pytest.approx(values["task_loss"] + 2.0 * values["penalty"])
    assert values["penalty"] > 0
    with pytest.raises(ValueError, match=r"group\(s\) 9 were not seen in fit"):
        model.objective(X, Y, sensitive_features=np.where(s == 1, 9, s))
    with pytest.raises(ValueError, match="tasks"):
        model.objective(X, Y[:, :2], sensitive_features=s)


def test_mmd_penalty_is_the_divergence_between_the_two_groups(data):
    """With two groups the learner's D is MMD^2(group a, group b), whatever the
    groups' shares (chapter 6's objective), not a share-weighted version."""
    X, Y, s, train = data
    model = FairRepresentationLearner(penalty="mmd", lam=3.0, **{**FAST, "epochs": 2})
    model.fit(X[train], Y[train], sensitive_features=s[train])
    values = model.objective(X[~train], Y[~train], sensitive_features=s[~train])
    z = torch.as_tensor(model.transform(X[~train]), dtype=torch.float32)
    s_te = torch.as_tensor(s[~train])
    expected = float(mmd2(z[s_te == 0], z[s_te == 1]))
    assert abs(values["penalty"] - expected) <= 1e-5 * max(abs(expected), 1e-3)
    assert values["loss"] == pytest.approx(values["task_loss"] + 3.0 * expected, rel=1e-5)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # the capped run
def test_sinkhorn_training_defaults_converge(data, monkeypatch):
    """Training must not run on Sinkhorn solves cut off by the iteration cap.
    The hardest case is a weak penalty on a wide representation (the groups stay
    apart); a tiny cap (max_iter=3) stops these solves unconverged, with a
    ConvergenceWarning, the training defaults let every one converge."""
    X, Y, s, train = data
    results = []
    solve = divergences._divergence  # one call per divergence: (value, n_iter, converged)

    def recording(*args, **kwargs):
        result = solve(*args, **kwargs)
        results.append(result)
        return result

    monkeypatch.setattr(divergences, "_divergence", recording)

    def fit_and_record(penalty_kwargs):
        results.clear()
        model = FairRepresentationLearner(
            penalty="sinkhorn",
            lam=0.01,
            hidden=(128, 64),
            representation_dim=16,
            penalty_kwargs=penalty_kwargs,
            **{**FAST, "epochs": 3},
        )
        model.fit(X[train], Y[train, :3], sensitive_features=s[train])
        # 3 epochs x 6 batches x one divergence (two groups: D(a, b) once),
        # whose three OT problems are solved together
        assert len(results) == 3 * 6
        return model, [converged for _, _, converged in results]

    from sklearn.exceptions import ConvergenceWarning

    with pytest.warns(ConvergenceWarning, match="SinkhornPenalty stopped"):
        _, capped = fit_and_record({"max_iter": 3})
    assert not all(capped)  # the case is hard enough to hit the module's own cap
    model, converged = fit_and_record(None)
    penalty = model._make_penalty(np.ones(3, dtype=bool))
    assert {
        k: getattr(penalty, k) for k in SINKHORN_TRAINING_DEFAULTS
    } == SINKHORN_TRAINING_DEFAULTS
    assert all(converged)


def test_stratified_batch_sampler_is_the_training_sampler_and_feeds_a_dataloader():
    s = np.array(["a"] * 50 + ["b"] * 10 + ["c"] * 40)
    sampler = StratifiedBatchSampler(s, batch_size=20, random_state=0)
    assert len(sampler) == 5 and list(sampler.groups_) == ["a", "b", "c"]
    epoch_1, epoch_2 = list(sampler), list(sampler)
    assert epoch_1 != epoch_2  # a new shuffle every epoch
    for epoch in (epoch_1, epoch_2):
        assert sorted(i for batch in epoch for i in batch) == list(range(100))
        for batch in epoch:
            assert all(np.sum(s[batch] == g) >= 2 for g in "abc")
    # the same seed gives the same batches as the private generator fit uses
    codes = np.searchsorted(["a", "b", "c"], s)
    seed = int(np.random.default_rng(0).integers(2**31 - 1))
    by_group = [torch.as_tensor(np.flatnonzero(codes == k)) for k in range(3)]
    expected = [
        b.tolist() for b in _stratified_batches(by_group, 5, torch.Generator().manual_seed(seed))
    ]
    assert epoch_1 == expected
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.arange(100)), batch_sampler=sampler
    )
    assert sum(len(x) for (x,) in loader) == 100
    with pytest.raises(ValueError, match="batch_size=2 is too small"):
        StratifiedBatchSampler(s, batch_size=2)
    with pytest.raises(ValueError, match="batch_size"):
        StratifiedBatchSampler(s, batch_size=0)


class _InterruptAfter(torch.nn.Module):
    """A penalty that presses Ctrl-C at its n-th call (mid-epoch)."""

    def __init__(self, n_calls):
        super().__init__()
        self.n_calls, self.calls = n_calls, 0

    def forward(self, z, s):
        self.calls += 1
        if self.calls == self.n_calls:
            raise KeyboardInterrupt
        return z.sum() * 0.0


def test_keyboard_interrupt_keeps_the_last_finished_epoch(data):
    X, Y, s, _ = data
    # 900 samples, batch 100: 9 batches per epoch; interrupt in the middle of epoch 3
    model = FairRepresentationLearner(
        penalty=_InterruptAfter(9 * 2 + 4),
        epochs=10,
        batch_size=100,
        random_state=0,
        progress=False,
    )
    with pytest.warns(UserWarning, match="interrupted"):
        model.fit(X, Y, sensitive_features=s)
    assert model.interrupted_ and model.n_epochs_ == 2
    assert len(model.history_["loss"]) == 2
    # the kept network is the one a 2-epoch fit produces (same seed, same batches)
    two = FairRepresentationLearner(
        penalty=_InterruptAfter(10**9), epochs=2, batch_size=100, random_state=0, progress=False
    ).fit(X, Y, sensitive_features=s)
    assert not two.interrupted_ and two.n_epochs_ == 2
    np.testing.assert_array_equal(model.transform(X), two.transform(X))
    # an interrupt before the first epoch ends is passed on: nothing to keep
    with pytest.raises(KeyboardInterrupt):
        FairRepresentationLearner(
            penalty=_InterruptAfter(3), epochs=10, batch_size=100, progress=False
        ).fit(X, Y, sensitive_features=s)


def test_early_stopping_keeps_the_best_validation_epoch(data):
    X, Y, s, _ = data
    # a large learning rate overfits 900 points quickly, so the validation loss turns up
    kwargs = dict(
        penalty="mmd",
        lam=1.0,
        epochs=60,
        batch_size=100,
        lr=0.05,
        hidden=(64,),
        random_state=0,
        progress=False,
    )
    model = FairRepresentationLearner(
        early_stopping=True, validation_fraction=0.2, n_iter_no_change=3, **kwargs
    ).fit(X, Y[:, :3], sensitive_features=s)
    val = np.array(model.history_["val_loss"])
    ran = len(model.history_["loss"])
    assert ran == len(val) < 60  # it stopped early
    best = int(np.argmin(val)) + 1
    assert model.n_epochs_ == best and ran == best + 3
    # the kept network has the best validation objective, recomputed independently
    codes = s.astype(int)
    seed = int(np.random.default_rng(0).integers(2**31 - 1))
    rng = np.random.default_rng(seed)
    val_idx = np.sort(
        np.concatenate(
            [
                rng.permutation(np.flatnonzero(codes == k))[
                    : int(np.ceil(0.2 * np.sum(codes == k)))
                ]
                for k in (0, 1)
            ]
        )
    )
    recomputed = model.objective(X[val_idx], Y[val_idx, :3], sensitive_features=s[val_idx])
    assert recomputed["loss"] == pytest.approx(val.min(), rel=1e-5)
    # without early stopping nothing is held out and the run is the usual one
    plain = FairRepresentationLearner(**{**kwargs, "epochs": 2}).fit(
        X, Y[:, :3], sensitive_features=s
    )
    assert "val_loss" not in plain.history_ and plain.n_epochs_ == 2


def test_training_sinkhorn_penalty_gradient_does_not_shrink_the_representation(data):
    """The relative Sinkhorn penalty used in training is an exactly scale-invariant
    function of the batch, gradient included: its gradient has no radial component,
    so it cannot pay to shrink the representation (which collapsed it to a point
    when the scale was computed without a gradient)."""
    penalty = FairRepresentationLearner(penalty="sinkhorn")._make_penalty(np.array([True]))
    g = torch.Generator().manual_seed(0)
    s = torch.arange(64) % 2
    z = (torch.randn(64, 4, generator=g) + 0.8 * s[:, None]).requires_grad_()
    value = penalty(z, s)
    (grad,) = torch.autograd.grad(value, z)
    assert abs(float((grad * z).sum())) < 1e-4 * float(grad.norm() * z.norm())
    assert float(penalty(0.1 * z, s)) == pytest.approx(float(value), rel=1e-4)
    X, Y, s_all, train = data
    spreads = {}
    for penalty_name, lam in [(None, 0.0), ("sinkhorn", 10.0)]:
        model = FairRepresentationLearner(penalty=penalty_name, lam=lam, **FAST).fit(
            X[train], Y[train, :3], sensitive_features=s_all[train]
        )
        spreads[penalty_name] = divergences.median_bandwidth(
            torch.as_tensor(model.transform(X[~train]))
        )
    assert spreads["sinkhorn"] > spreads[None] / 3
