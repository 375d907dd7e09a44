"""Tests for the reusable training loop of fairtutor.representation (Trainer and its hooks)."""

import numpy as np
import pytest
import torch

from fairtutor._validation import check_random_state
from fairtutor.datasets import make_multitask_biased
from fairtutor.representation import (
    EarlyStopping,
    FairRepresentationLearner,
    MultiTaskNet,
    OutputDPPenalty,
    StratifiedBatchSampler,
    Trainer,
    TrainerHook,
    _copy_state,
    _deterministic,
    _seeded,
    _task_loss,
)

torch.set_num_threads(1)


def _regression(n=96, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g)
    y = x @ torch.tensor([1.0, -2.0, 0.5]) + 0.1 * torch.randn(n, generator=g)
    return x, y


def _linear_trainer(hooks=(), n=96, n_batches=3, seed=0):
    x, y = _regression(n, seed)
    torch.manual_seed(seed)
    model = torch.nn.Linear(3, 1)

    def objective(batch):
        residual = model(x[batch])[:, 0] - y[batch]
        return {"loss": (residual**2).mean(), "mae": residual.abs().mean()}

    batches = list(torch.arange(n).tensor_split(n_batches))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    return Trainer(model, optimizer, objective, batches, hooks=hooks), model


class _Recorder(TrainerHook):
    """Writes every call, with what the trainer looks like at that moment, to a shared log."""

    def __init__(self, name, log):
        self.name, self.log = name, log

    def _write(self, moment, trainer, *extra):
        self.log.append((self.name, moment, trainer.n_epochs, *extra))

    def on_train_start(self, trainer):
        self._write("train_start", trainer, trainer.module.training)

    def on_epoch_start(self, trainer):
        self._write("epoch_start", trainer)

    def on_batch_start(self, trainer, batch):
        self._write("batch_start", trainer, int(batch[0]))

    def on_before_step(self, trainer, batch, terms):
        grads = [p.grad for p in trainer.module.parameters()]
        self._write("before_step", trainer, int(batch[0]), all(g is not None for g in grads))

    def on_batch_end(self, trainer, batch, terms):
        detached = not any(t.requires_grad for t in terms.values())
        self._write("batch_end", trainer, int(batch[0]), detached)

    def on_epoch_end(self, trainer):
        self._write("epoch_end", trainer, len(trainer.history["loss"]))

    def on_train_end(self, trainer):
        self._write("train_end", trainer, trainer.module.training)


def test_hooks_are_called_in_the_documented_order():
    log = []
    trainer, _ = _linear_trainer(hooks=[_Recorder("first", log), _Recorder("second", log)])
    trainer.run(2)
    starts = [0, 32, 64]  # first index of each of the three batches

    def both(*entry):  # every moment calls the hooks in the order of the list
        return [("first", *entry), ("second", *entry)]

    expected = both("train_start", 0, True)
    for epoch in range(2):
        expected += both("epoch_start", epoch)
        for start in starts:
            expected += both("batch_start", epoch, start)
            expected += both("before_step", epoch, start, True)
            expected += both("batch_end", epoch, start, True)
        # at the end of an epoch its means are recorded and n_epochs counts it
        expected += both("epoch_end", epoch + 1, epoch + 1)
    expected += both("train_end", 2, False)
    assert log == expected


def test_history_holds_each_terms_mean_over_the_batches():
    class Terms(TrainerHook):
        def __init__(self):
            self.epochs = []

        def on_epoch_start(self, trainer):
            self.epochs.append([])

        def on_batch_end(self, trainer, batch, terms):
            self.epochs[-1].append({k: float(v) for k, v in terms.items()})

    recorder = Terms()
    trainer, _ = _linear_trainer(hooks=[recorder])
    trainer.run(3)
    assert list(trainer.history) == ["loss", "mae"]
    for key in ("loss", "mae"):
        by_hand = [np.mean([terms[key] for terms in epoch]) for epoch in recorder.epochs]
        np.testing.assert_allclose(trainer.history[key], by_hand, rtol=1e-6)
    assert trainer.history["loss"][-1] < trainer.history["loss"][0]


def test_the_step_is_the_optimizers_step_on_the_loss():
    """One epoch of one batch is exactly one SGD step on the objective's "loss"."""
    trainer, model = _linear_trainer(n_batches=1)
    x, y = _regression()
    w0, b0 = model.weight.detach().clone(), model.bias.detach().clone()
    trainer.run(1)
    w, b = w0.clone().requires_grad_(), b0.clone().requires_grad_()
    loss = (((x @ w.T)[:, 0] + b - y) ** 2).mean()
    gw, gb = torch.autograd.grad(loss, (w, b))
    torch.testing.assert_close(model.weight.detach(), w0 - 0.05 * gw)
    torch.testing.assert_close(model.bias.detach(), b0 - 0.05 * gb)


def _debiasing_data(n=600, seed=0):
    """The label depends on a feature that carries the group, so an unconstrained
    predictor's representation reveals the group."""
    g = torch.Generator().manual_seed(seed)
    s = (torch.rand(n, generator=g) < 0.5).float()
    x = torch.randn(n, 4, generator=g)
    x[:, 0] += 2.0 * s
    y = ((x[:, 0] + x[:, 1] + 0.5 * torch.randn(n, generator=g)) > 1.0).float()
    return x, y, s


def _adversarial_debiasing(alpha, epochs, seed=0):
    """A small adversarial-debiasing method written on the trainer: the predictor
    (a MultiTaskNet) minimizes its loss minus alpha times the loss of an adversary
    that reads the group from the representation; the adversary, with its own
    optimizer, takes one step per batch before the predictor's (alternating steps)."""
    x, y, s = _debiasing_data(seed=seed)
    torch.manual_seed(seed)
    predictor = MultiTaskNet(4, 1, hidden=(16,), representation_dim=2)
    adversary = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    predictor_optimizer = torch.optim.Adam(predictor.parameters(), lr=0.01)
    adversary_optimizer = torch.optim.Adam(adversary.parameters(), lr=0.01)
    steps = []
    predictor_optimizer.register_step_post_hook(lambda *_: steps.append("predictor"))
    adversary_optimizer.register_step_post_hook(lambda *_: steps.append("adversary"))

    def adversary_loss(batch, z):
        return bce(adversary(z)[:, 0], s[batch])

    def objective(batch):
        z = predictor.represent(x[batch])
        task = bce(predictor.heads(z)[:, 0], y[batch])
        fooled = adversary_loss(batch, z)
        return {"loss": task - alpha * fooled, "task_loss": task, "adversary_loss": fooled}

    class AdversaryStep(TrainerHook):
        def on_batch_start(self, trainer, batch):
            with torch.no_grad():
                z = predictor.represent(x[batch])
            loss = adversary_loss(batch, z)
            adversary_optimizer.zero_grad()
            loss.backward()
            adversary_optimizer.step()

    batches = StratifiedBatchSampler(s.numpy(), batch_size=100, random_state=seed)
    trainer = Trainer(predictor, predictor_optimizer, objective, batches, hooks=[AdversaryStep()])
    return trainer.run(epochs), steps, len(batches)


def test_adversarial_debiasing_plugs_in_with_a_second_optimizer():
    epochs = 20
    plain, _, _ = _adversarial_debiasing(alpha=0.0, epochs=epochs)
    debiased, steps, n_batches = _adversarial_debiasing(alpha=3.0, epochs=epochs)
    # two optimizers, one step each per batch, alternating: the adversary's, then the predictor's
    assert steps == ["adversary", "predictor"] * (epochs * n_batches)
    assert list(debiased.history) == ["loss", "task_loss", "adversary_loss"]
    assert len(debiased.history["loss"]) == debiased.n_epochs == epochs
    # the adversarial term reaches the predictor: unopposed, the adversary learns to read
    # the group (its loss falls below log 2, the loss of a coin flip); opposed, the
    # representation hides it and the adversary's loss stays near log 2 (means over the
    # epochs after the first five, since the two players oscillate), at a cost in task loss
    adversary_plain = np.mean(plain.history["adversary_loss"][5:])
    adversary_debiased = np.mean(debiased.history["adversary_loss"][5:])
    assert adversary_plain < np.log(2) - 0.1
    assert adversary_debiased > adversary_plain + 0.08
    assert adversary_debiased > np.log(2) - 0.05
    assert debiased.history["task_loss"][-1] > plain.history["task_loss"][-1]


def test_stop_and_keep_current_end_with_the_kept_network():
    class KeepSecondStopFourth(TrainerHook):
        def on_epoch_end(self, trainer):
            if trainer.n_epochs == 2:
                trainer.keep_current()
                self.kept = _copy_state(trainer.module)
            trainer.stop = trainer.n_epochs == 4

    hook = KeepSecondStopFourth()
    trainer, model = _linear_trainer(hooks=[hook])
    trainer.run(10)
    assert trainer.n_epochs == 2 and len(trainer.history["loss"]) == 4
    for key, value in model.state_dict().items():
        assert torch.equal(value, hook.kept[key])


def test_a_second_run_continues_training():
    once, model_once = _linear_trainer()
    once.run(4)
    twice, model_twice = _linear_trainer()
    twice.run(1)
    twice.run(3)
    assert twice.n_epochs == 4 and twice.history == once.history
    for key, value in model_once.state_dict().items():
        assert torch.equal(model_twice.state_dict()[key], value)


class _InterruptAt(TrainerHook):
    """Presses Ctrl-C at the start of a batch of a given epoch; records each finished epoch."""

    def __init__(self, epoch):
        self.epoch, self.states, self.ended = epoch, [], False

    def on_epoch_end(self, trainer):
        self.states.append(_copy_state(trainer.module))

    def on_batch_start(self, trainer, batch):
        if trainer.n_epochs == self.epoch and int(batch[0]) > 0:
            raise KeyboardInterrupt

    def on_train_end(self, trainer):
        self.ended = True


def test_an_interrupt_keeps_the_last_finished_epoch():
    hook = _InterruptAt(epoch=2)  # in the middle of the third epoch
    trainer, model = _linear_trainer(hooks=[hook])
    trainer.run(10)
    assert trainer.interrupted and trainer.n_epochs == 2 and hook.ended
    assert all(len(values) == 2 for values in trainer.history.values())
    for key, value in model.state_dict().items():
        assert torch.equal(value, hook.states[-1][key])
    # before the first finished epoch there is nothing to keep: the interrupt goes on
    trainer, _ = _linear_trainer(hooks=[_InterruptAt(epoch=0)])
    with pytest.raises(KeyboardInterrupt):
        trainer.run(10)


def test_early_stopping_hook_keeps_the_best_epoch():
    x, y = _regression()
    values = iter([3.0, 2.0, 2.5, 1.0, 1.5, 1.2, 1.1, 0.5])  # best at epoch 4, then 3 worse

    stopper = EarlyStopping(lambda: next(values), patience=3, tol=0.0)
    states = []

    class Snapshot(TrainerHook):
        def on_epoch_end(self, trainer):
            states.append(_copy_state(trainer.module))

    trainer, model = _linear_trainer(hooks=[Snapshot(), stopper])
    trainer.run(20)
    assert trainer.history["val_loss"] == [3.0, 2.0, 2.5, 1.0, 1.5, 1.2, 1.1]
    assert trainer.n_epochs == 4 and len(trainer.history["loss"]) == 7
    for key, value in model.state_dict().items():
        assert torch.equal(value, states[3][key])


@pytest.mark.parametrize(
    "objective, message",
    [
        (lambda batch: {"mse": torch.zeros((), requires_grad=True)}, "without the 'loss'"),
        (lambda batch: torch.zeros(2, requires_grad=True), "must be a scalar tensor"),
        (lambda batch: {"loss": torch.zeros((), requires_grad=True), "n": 3}, "'n' must be"),
    ],
)
def test_objective_errors_name_the_problem(objective, message):
    model = torch.nn.Linear(1, 1)
    trainer = Trainer(model, torch.optim.SGD(model.parameters(), lr=0.1), objective, [0])
    with pytest.raises(ValueError, match=message):
        trainer.run(1)


def test_changing_terms_empty_batches_and_bad_epochs_are_errors():
    model = torch.nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.ones(4, 1)

    def objective(batch):
        loss = model(x[batch]).mean()
        return {"loss": loss} if batch == 0 else {"loss": loss, "extra": loss}

    with pytest.raises(ValueError, match="same keys"):
        Trainer(model, optimizer, objective, [0, 1]).run(1)
    with pytest.raises(ValueError, match="no batch"):
        Trainer(model, optimizer, objective, []).run(1)
    for epochs in (0, 1.5, True):
        with pytest.raises(ValueError, match="epochs must be a positive integer"):
            Trainer(model, optimizer, objective, [0]).run(epochs)
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(lambda: 0.0, patience=0)


# --------------------------------------------------------------------------------------
# FairRepresentationLearner through the trainer gives what the loop it replaced gave.
# --------------------------------------------------------------------------------------
def _fit_with_the_replaced_loop(model, X, Y, s):
    """fit's set-up (seed, split, batches, initialization, penalty, Adam), then the loop
    that FairRepresentationLearner ran before it used Trainer, written out: one Adam
    step per stratified batch on task loss + lam * penalty, per-epoch means summed in
    float64, and early stopping that keeps the best validation epoch."""
    Y = np.asarray(Y, dtype=np.float64).reshape(len(X), -1)
    codes = np.asarray(s)
    groups = np.unique(codes)
    binary = np.array([np.isin(c[~np.isnan(c)], (0.0, 1.0)).all() for c in Y.T])
    lam = float(model.lam)
    seed = int(check_random_state(model.random_state).integers(2**31 - 1))
    train_idx, val_idx = model._validation_split(codes, groups, seed)
    sampler = StratifiedBatchSampler._from_codes(
        codes[train_idx], groups, model.batch_size, torch.Generator().manual_seed(seed), train_idx
    )
    device = torch.device("cpu")
    with _seeded(seed, device), _deterministic():
        net = MultiTaskNet(
            X.shape[1], Y.shape[1], hidden=model.hidden, representation_dim=model.representation_dim
        )
    penalty = model._make_penalty(binary)
    optimizer = torch.optim.Adam(net.parameters(), lr=model.lr, weight_decay=model.weight_decay)
    Xt = torch.as_tensor(X, dtype=torch.float32)
    Yt = torch.as_tensor(Y, dtype=torch.float32)
    observed = ~torch.isnan(Yt)
    Yt = torch.nan_to_num(Yt, nan=0.0)
    St = torch.as_tensor(codes, dtype=torch.long)
    binary_t = torch.as_tensor(binary)
    on_outputs = isinstance(penalty, OutputDPPenalty)

    def losses(rows):
        z = net.represent(Xt[rows])
        out = net.heads(z)
        task_loss = _task_loss(out, Yt[rows], observed[rows], binary_t)
        pen = torch.zeros(()) if penalty is None else penalty(out if on_outputs else z, St[rows])
        return task_loss, pen

    history = {"loss": [], "task_loss": [], "penalty": []}
    if val_idx is not None:
        history["val_loss"] = []
    best, bad_epochs, kept = np.inf, 0, None
    n_epochs = 0
    with _deterministic():
        for _ in range(model.epochs):
            sums = torch.zeros(3, dtype=torch.float64)
            for batch in sampler._tensors():
                task_loss, pen = losses(batch)
                loss = task_loss + lam * pen
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                sums += torch.stack([loss.detach(), task_loss.detach(), pen.detach()]).double()
            means = (sums / len(sampler)).tolist()
            for key, value in zip(("loss", "task_loss", "penalty"), means, strict=True):
                history[key].append(value)
            n_epochs += 1
            if val_idx is None:
                continue
            with torch.no_grad():
                task_loss, pen = losses(val_idx)
            value = float(task_loss) + lam * (0.0 if penalty is None else float(pen))
            history["val_loss"].append(value)
            if value < best - float(model.tol):
                best, bad_epochs, kept = value, 0, (n_epochs, _copy_state(net))
            else:
                bad_epochs += 1
                if bad_epochs >= model.n_iter_no_change:
                    break
    if kept is not None:
        n_epochs = kept[0]
        net.load_state_dict(kept[1])
    return net, history, n_epochs


@pytest.mark.parametrize(
    "params",
    [
        dict(divergence="mmd", lam=1.0, epochs=4),
        dict(divergence="sinkhorn", lam=1.0, epochs=2),
        dict(divergence="output_dp", lam=2.0, epochs=3, batch_size=64, weight_decay=1e-3),
        dict(divergence=None, lam=0.0, epochs=3, hidden=(8, 4)),
        dict(
            divergence="mmd", lam=3.0, epochs=12, early_stopping=True, n_iter_no_change=2, tol=0.01
        ),
    ],
    ids=["mmd", "sinkhorn", "output_dp", "none", "early_stopping"],
)
def test_fair_representation_learner_matches_the_replaced_loop(params):
    X, Y, s = make_multitask_biased(300, n_tasks=3, random_state=0)
    Y = Y.astype(np.float64)
    Y[::7, 1] = np.nan  # missing labels are left out of their task's loss
    model = FairRepresentationLearner(random_state=0, progress=False, **params)
    model.fit(X, Y, sensitive_features=s)
    net, history, n_epochs = _fit_with_the_replaced_loop(model, X, Y, s)
    assert model.n_epochs_ == n_epochs
    assert model.history_ == history  # the same floats, not merely close ones
    for key, value in net.state_dict().items():
        assert torch.equal(model.net_.state_dict()[key], value), key
