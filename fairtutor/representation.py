r"""Fair and transferable multitask representations.

Chapter 6 of the book ("Fair, transferable representations") derives this
module. A network :math:`x \mapsto (g_1(h(x)), \dots, g_T(h(x)))` learns a
representation :math:`h : \mathcal{X} \to \mathbb{R}^r` shared by :math:`T`
tasks and one head :math:`g_t` per task, by minimizing

.. math::
    \frac{1}{T} \sum_{t=1}^{T} \hat L_t(g_t \circ h)
    + \lambda\, D\big(h(X) \mid S=a,\ h(X) \mid S=b\big),

where :math:`D` is the MMD² or the Sinkhorn divergence between the
distributions of the representation in the groups, estimated on every
mini-batch by the penalties of ``fairtutor.divergences``: each group is
compared with the rest of the batch and the terms are averaged over the
groups, which for two groups is exactly the divergence between them. This is
the method of Oneto, Donini, Luise, Ciliberto, Maurer and Pontil (NeurIPS
2020). When :math:`D = 0` every head built on
:math:`h` satisfies demographic parity, including heads fitted later for new
tasks on the frozen representation: :meth:`FairRepresentationLearner.fit_head`.

For comparison, ``divergence="output_dp"`` penalizes the demographic-parity gap
of the training heads' outputs only, which says nothing about new heads.
"""

from __future__ import annotations

import numbers
import warnings
from contextlib import contextmanager
from typing import Any, Literal

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils.validation import check_array, check_is_fitted
from tqdm import tqdm

from ._optional import nn, torch
from ._validation import (
    as_1d_array,
    check_groups,
    check_random_state,
    encode_known_groups,
    format_values,
)
from .base import deprecated_rename, fit_groups, require_sensitive_features, validate_X

__all__ = [
    "MultiTaskNet",
    "OutputDPPenalty",
    "FairRepresentationLearner",
    "FrozenRepresentationHead",
    "StratifiedBatchSampler",
]

PENALTIES = ("mmd", "sinkhorn", "output_dp", None)
#: Sinkhorn settings used in training unless ``penalty_kwargs`` overrides them
#: (SinkhornPenalty's own defaults, written out so that the chapter can cite them).
#: The entropic scale is relative to each batch (``epsilon`` times the median
#: squared distance), so shrinking the representation cannot lower the penalty;
#: a gradient step needs less precision than a reported value (``tol=1e-3``);
#: while the penalty is weak the groups stay apart and a solve can need a few
#: hundred iterations, which ``max_iter=1000`` allows (the loop stops at
#: convergence, so converging solves cost nothing more).
SINKHORN_TRAINING_DEFAULTS = {"epsilon": 0.1, "scale": "relative", "tol": 1e-3, "max_iter": 1000}


class MultiTaskNet(nn.Module):
    r"""A shared representation :math:`h` followed by one linear head per task.

    The trunk is a multilayer perceptron with ReLU activations whose last
    layer maps to :math:`\mathbb{R}^r` followed by a ``tanh``, so the
    representation lies in :math:`[-1, 1]^r`: a bounded set, on which every
    linear head :math:`g_t(z) = \langle w_t, z\rangle + b_t` is
    :math:`\lVert w_t\rVert`-Lipschitz (the chapter's transfer bound uses
    both facts).

    Parameters
    ----------
    n_features : int
        Dimension :math:`d` of the input.
    n_tasks : int
        Number of task heads :math:`T`.
    hidden : tuple of int, default=(32,)
        Widths of the hidden layers of the trunk (may be empty).
    representation_dim : int, default=8
        Dimension :math:`r` of the representation.

    Attributes
    ----------
    trunk : torch.nn.Sequential
        The representation :math:`h`, a ``torch.nn.Sequential``.
    heads : torch.nn.Linear
        The :math:`T` linear heads, a ``torch.nn.Linear`` stacked in one
        layer from :math:`r` to :math:`T` outputs (column :math:`t` is head :math:`g_t`).

    Examples
    --------
    >>> import torch
    >>> from fairtutor.representation import MultiTaskNet
    >>> _ = torch.manual_seed(0)
    >>> net = MultiTaskNet(5, 3, hidden=(16,), representation_dim=4)
    >>> x = torch.randn(10, 5)
    >>> net.represent(x).shape, net(x).shape
    (torch.Size([10, 4]), torch.Size([10, 3]))
    >>> bool(net.represent(x).abs().max() <= 1)
    True
    """

    def __init__(self, n_features, n_tasks, hidden=(32,), representation_dim=8):
        super().__init__()
        n_features = _check_positive_int(n_features, "n_features")
        n_tasks = _check_positive_int(n_tasks, "n_tasks")
        representation_dim = _check_positive_int(representation_dim, "representation_dim")
        hidden = _check_hidden(hidden)
        layers, width = [], n_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ReLU()]
            width = h
        layers += [nn.Linear(width, representation_dim), nn.Tanh()]
        self.trunk = nn.Sequential(*layers)
        self.heads = nn.Linear(representation_dim, n_tasks)
        self.n_features = n_features
        self.n_tasks = n_tasks
        self.representation_dim = representation_dim

    def represent(self, x):
        """The representation :math:`h(x)`, a tensor of shape (n, r)."""
        return self.trunk(x)

    def forward(self, x):
        """The outputs of the :math:`T` heads (logits or real values), shape (n, T)."""
        return self.heads(self.trunk(x))


class OutputDPPenalty(nn.Module):
    r"""Demographic-parity penalty on the outputs of the heads only (a baseline).

    For each task :math:`t`, the gap between the largest and the smallest
    group mean of the head's output :math:`\sigma(g_t(h(x)))` (binary tasks;
    the raw output for real tasks), averaged over the tasks:

    .. math::
        \frac{1}{T} \sum_{t=1}^{T} \Big(\max_s \hat{\mathbb{E}}[\sigma(g_t(h(X)))
        \mid S=s] - \min_s \hat{\mathbb{E}}[\sigma(g_t(h(X))) \mid S=s]\Big).

    It is the usual relaxation of the demographic-parity gap of the training
    tasks (the indicator replaced by the sigmoid). It constrains those heads
    only: a new head on the same representation can be as unfair as it likes.

    Parameters
    ----------
    binary : sequence of bool
        Which tasks are binary (their logits go through a sigmoid).

    Examples
    --------
    >>> import torch
    >>> from fairtutor.representation import OutputDPPenalty
    >>> outputs = torch.tensor([[2.0], [2.0], [-2.0], [-2.0]])
    >>> groups = torch.tensor([0, 0, 1, 1])
    >>> round(float(OutputDPPenalty([True])(outputs, groups)), 4)
    0.7616
    """

    def __init__(self, binary):
        super().__init__()
        self.register_buffer("binary", torch.as_tensor(np.asarray(binary, dtype=bool)))

    def forward(self, outputs, sensitive):
        """Return the penalty for ``outputs`` (n, T) and group codes ``sensitive`` (n,)."""
        values = torch.where(self.binary, torch.sigmoid(outputs), outputs)
        codes = sensitive.long()
        n_groups = int(codes.max()) + 1
        onehot = nn.functional.one_hot(codes, n_groups).to(values.dtype)  # (n, K)
        counts = onehot.sum(0)
        present = counts > 0
        means = (onehot.T @ values)[present] / counts[present, None]  # (K', T)
        return (means.max(0).values - means.min(0).values).mean()


class FairRepresentationLearner(TransformerMixin, BaseEstimator):
    r"""Multitask network with a representation penalized towards group parity.

    Minimizes, by Adam on stratified mini-batches (every batch holds every
    group in its proportion),

    .. math::
        \frac{1}{T} \sum_{t=1}^{T} \hat L_t(g_t \circ h)
        + \lambda\, D\big(h(X) \mid S=a,\ h(X) \mid S=b\big),

    with the logistic loss for binary tasks and the squared loss for real
    tasks; missing labels (NaN in ``Y``) are left out of their task's loss.
    :math:`D` is the MMD² (``divergence="mmd"``) or the Sinkhorn divergence
    (``divergence="sinkhorn"``) of ``fairtutor.divergences`` (Oneto et al.,
    2020). ``divergence="output_dp"`` is the baseline that penalizes the
    demographic-parity gap of the training heads' outputs
    (:class:`OutputDPPenalty`); ``divergence=None`` trains without penalty.

    Parameters
    ----------
    divergence : {"mmd", "sinkhorn", "output_dp"}, torch.nn.Module or None, default="mmd"
        The fairness penalty :math:`D`. A module is called as ``module(z, s)``
        on the representation ``z`` of a batch and its group codes ``s``
        (0, ..., K-1) and must return a scalar tensor. Called ``penalty``
        before fairtutor 0.2; that name still works, with a ``FutureWarning``.
    lam : float, default=1.0
        The penalty weight :math:`\lambda \ge 0`.
    representation_dim : int, default=8
        Dimension :math:`r` of the representation.
    hidden : tuple of int, default=(32,)
        Hidden widths of the trunk, see :class:`MultiTaskNet`.
    epochs : int, default=30
        Passes over the training data.
    batch_size : int, default=128
        Mini-batch size (approximate: the batches are stratified by group).
    lr : float, default=1e-2
        Adam learning rate.
    weight_decay : float, default=0.0
        Adam weight decay (L2 penalty on all weights).
    penalty_kwargs : dict or None, default=None
        Keyword arguments of the penalty module: of
        ``fairtutor.divergences.MMDPenalty`` (e.g. ``bandwidth``; by
        default the median heuristic on each batch) or
        ``fairtutor.divergences.SinkhornPenalty`` (for which training uses
        ``epsilon=0.1, scale="relative", tol=1e-3, max_iter=1000`` unless
        given here, see ``SINKHORN_TRAINING_DEFAULTS``). By default both compare each group
        with the rest of the batch and average over the groups
        (``comparison="all"``): for two groups, :math:`D` between them.
    device : str or torch.device, default="cpu"
        Where to train, e.g. ``"cuda"`` when a GPU is present.
    random_state : int, numpy Generator or None, default=None
        Seeds the initialization and the batch shuffling; with an int, two
        fits on the same data give the same network on the CPU.
    progress : bool, default=True
        Show a tqdm progress bar over the epochs.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training samples (stratified
        by group, drawn from ``random_state``), evaluate :meth:`objective` on
        them after every epoch, stop when it has not improved by more than
        ``tol`` for ``n_iter_no_change`` epochs, and keep the network of the
        best epoch.
    validation_fraction : float, default=0.1
        Share of the samples held out for early stopping (ignored otherwise).
    n_iter_no_change : int, default=5
        Epochs without improvement of the validation objective before
        stopping (with ``early_stopping=True``).
    tol : float, default=1e-4
        The validation objective must fall by more than ``tol`` to count as
        an improvement.
    penalty : str, default="deprecated"
        Deprecated name of ``divergence``.

    Attributes
    ----------
    net_ : MultiTaskNet
        The trained :class:`MultiTaskNet` (on ``device``).
    groups_ : ndarray
        Array of the distinct groups seen in ``fit``, in the order of their
        codes.
    n_tasks_ : int
        Number of tasks :math:`T`.
    task_types_ : ndarray of str
        Array of ``"binary"`` or ``"real"``, one per task, inferred from ``Y``.
    history_ : dict of list
        Per-epoch means over the batches of ``"loss"`` (the objective),
        ``"task_loss"`` and ``"penalty"`` (:math:`D`, before the weight), and
        with ``early_stopping`` the validation objective ``"val_loss"``. The
        penalty of a mini-batch is a biased estimate whose size depends on the
        batch size (chapter 5), so these values follow training; they are not
        a fairness measure.
    n_epochs_ : int
        Number of epochs whose network was kept: ``epochs``, fewer after early
        stopping (the best epoch) or after an interruption.
    interrupted_ : bool
        True when ``fit`` was stopped by ``KeyboardInterrupt`` (Ctrl-C, or
        the notebook's stop button) after at least one finished epoch: the
        network of the last finished epoch is kept and a warning is issued.
    n_features_in_ : int
        Number of features.

    Examples
    --------
    >>> import numpy as np
    >>> from fairtutor.datasets import make_multitask_biased
    >>> from fairtutor.representation import FairRepresentationLearner
    >>> X, Y, s = make_multitask_biased(400, n_tasks=3, random_state=0)
    >>> model = FairRepresentationLearner(divergence="mmd", lam=1.0, epochs=5,
    ...                                   random_state=0, progress=False)
    >>> model = model.fit(X, Y, sensitive_features=s)
    >>> model.transform(X).shape, model.predict(X).shape
    ((400, 8), (400, 3))
    >>> model.predict_proba(X, task=0).shape
    (400,)
    >>> len(model.history_["loss"])
    5
    """

    def __init__(
        self,
        divergence: Literal["mmd", "sinkhorn", "output_dp"] | nn.Module | None = "mmd",
        lam: float = 1.0,
        representation_dim: int = 8,
        hidden: tuple = (32,),
        epochs: int = 30,
        batch_size: int = 128,
        lr: float = 1e-2,
        weight_decay: float = 0.0,
        penalty_kwargs: dict | None = None,
        device: Any = "cpu",
        random_state: Any = None,
        progress: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 5,
        tol: float = 1e-4,
        penalty: str = "deprecated",
    ) -> None:
        self.divergence = divergence
        self.penalty = penalty
        self.lam = lam
        self.representation_dim = representation_dim
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.penalty_kwargs = penalty_kwargs
        self.device = device
        self.random_state = random_state
        self.progress = progress
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol

    # ------------------------------------------------------------------ fit
    def fit(self, X, Y, *, sensitive_features=None) -> "FairRepresentationLearner":
        """Train the representation and the task heads.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric features (encode categorical columns first, e.g. with
            :func:`fairtutor.datasets.make_preprocessor`).
        Y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            One column per task: a binary task has labels in {0, 1}, any
            other column is a real-valued task (a warning says so when such a
            column holds a few integer values, e.g. labels {1, 2}). NaN marks
            a missing label, left out of that task's loss. ``predict`` and
            ``predict_proba`` return the shape of ``Y``: 1-D for a 1-D ``Y``.
        sensitive_features : array-like of shape (n_samples,) or (n_samples, n_columns)
            Group of each sample (at least two groups).

        Returns
        -------
        self : FairRepresentationLearner
            The fitted estimator.
        """
        require_sensitive_features(self, sensitive_features)
        X = self._check_X(X, reset=True)
        if Y is None:
            raise ValueError(
                "FairRepresentationLearner requires y to be passed, but the target y is None"
            )
        self._y_ndim = np.asarray(Y).ndim
        Y = _check_targets(Y, X.shape[0])
        groups, codes = fit_groups(sensitive_features, X.shape[0], self)
        lam = self._check_params()
        device = _resolve_device(self.device)
        task_types = np.array(
            ["binary" if np.isin(col[~np.isnan(col)], (0.0, 1.0)).all() else "real" for col in Y.T]
        )
        binary = task_types == "binary"
        _warn_class_like_real_tasks(Y, task_types)
        seed = int(check_random_state(self.random_state).integers(2**31 - 1))
        train_idx, val_idx = self._validation_split(codes, groups, seed)
        sampler = StratifiedBatchSampler._from_codes(
            codes[train_idx],
            groups,
            self.batch_size,
            torch.Generator().manual_seed(seed),
            positions=train_idx,
        )

        with _seeded(seed, device), _deterministic():
            net = MultiTaskNet(
                X.shape[1],
                Y.shape[1],
                hidden=self.hidden,
                representation_dim=self.representation_dim,
            ).to(device)
        penalty = self._make_penalty(binary)
        if penalty is not None:
            penalty = penalty.to(device)
        optimizer = torch.optim.Adam(net.parameters(), lr=self.lr, weight_decay=self.weight_decay)

        Xt = torch.as_tensor(X, dtype=torch.float32, device=device)
        Yt = torch.as_tensor(Y, dtype=torch.float32, device=device)
        observed = ~torch.isnan(Yt)
        Yt = torch.nan_to_num(Yt, nan=0.0)
        St = torch.as_tensor(codes, dtype=torch.long, device=device)
        binary_t = torch.as_tensor(binary, device=device)
        on_outputs = isinstance(penalty, OutputDPPenalty)

        def step(batch):
            batch = batch.to(device)
            z = net.represent(Xt[batch])
            out = net.heads(z)
            task_loss = _task_loss(out, Yt[batch], observed[batch], binary_t)
            if penalty is None:
                pen = torch.zeros((), device=device)
            else:
                pen = penalty(out if on_outputs else z, St[batch])
            loss = task_loss + lam * pen
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return torch.stack([loss.detach(), task_loss.detach(), pen.detach()])

        def validation_loss():
            with torch.no_grad():
                x, s = Xt[val_idx], St[val_idx]
                z = net.represent(x)
                out = net.heads(z)
                task_loss = _task_loss(out, Yt[val_idx], observed[val_idx], binary_t)
                pen = 0.0 if penalty is None else float(penalty(out if on_outputs else z, s))
            return float(task_loss) + lam * pen

        history: dict[str, list[float]] = {"loss": [], "task_loss": [], "penalty": []}
        if val_idx is not None:
            history["val_loss"] = []
        trainer = _EpochTrainer(net, step, sampler, history)
        if val_idx is not None:
            trainer.hooks.append(
                _EarlyStopping(validation_loss, self.n_iter_no_change, float(self.tol))
            )
        epochs = tqdm(range(self.epochs), desc="epochs", disable=not self.progress)
        with _deterministic():
            trainer.run(epochs)
        net = trainer.net
        if trainer.interrupted:
            warnings.warn(
                f"fit was interrupted (KeyboardInterrupt); keeping the network of "
                f"epoch {trainer.n_epochs}, the last finished or best one",
                UserWarning,
                stacklevel=2,
            )
        net.eval()
        self.net_ = net
        self.groups_ = groups
        self.n_tasks_ = Y.shape[1]
        self.task_types_ = task_types
        self.history_ = history
        self.n_epochs_ = trainer.n_epochs
        self.interrupted_ = trainer.interrupted
        return self

    # ------------------------------------------------------------ predict
    def transform(self, X) -> np.ndarray:
        """Return the representation :math:`h(X)` as a numpy array of shape (n, r)."""
        return self._forward(X, represent=True)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the representation's coordinates, ``z0, z1, ...`` (for ``set_output``)."""
        check_is_fitted(self, "net_")
        return np.asarray([f"z{i}" for i in range(self.representation_dim)], dtype=object)

    def decision_function(self, X, task=None) -> np.ndarray:
        """Raw head outputs: logits for binary tasks, predictions for real tasks.

        Shape (n, T); (n,) for one ``task`` (its column index) or when ``Y``
        was 1-D in ``fit``.
        """
        return self._like_y(self._select(self._forward(X, represent=False), task), task)

    def predict_proba(self, X, task=None):
        r"""Probability :math:`\mathbb{P}(Y_t = 1 \mid x)` for the binary tasks.

        Returns an array of shape (n, T) (NaN in the columns of real tasks),
        or (n,) for one ``task``.
        """
        out = self._forward(X, represent=False)
        binary = self.task_types_ == "binary"
        if task is not None:
            task = self._check_task(task)
            if not binary[task]:
                raise ValueError(f"task {task} is real-valued: it has no predict_proba")
        proba = np.where(binary, 1.0 / (1.0 + np.exp(-out)), np.nan)
        return self._like_y(self._select(proba, task), task)

    def predict(self, X, task=None) -> np.ndarray:
        """Predicted labels (0/1, binary tasks) or values (real tasks).

        Shape (n, T); (n,) for one ``task`` or when ``Y`` was 1-D in ``fit``
        (shaped like ``Y``, so ``(model.predict(X) == y).mean()`` is the
        accuracy). Binary tasks are thresholded at probability 1/2 (logit 0).
        """
        out = self._forward(X, represent=False)
        pred = np.where(self.task_types_ == "binary", (out > 0).astype(float), out)
        pred = self._like_y(self._select(pred, task), task)
        if task is not None and self.task_types_[self._check_task(task)] == "binary":
            return pred.astype(np.int64)
        if task is None and (self.task_types_ == "binary").all():
            return pred.astype(np.int64)
        return pred

    def objective(self, X, Y, *, sensitive_features=None) -> dict:
        r"""The training objective of the fitted network on a whole data set.

        Evaluates, in one batch and without training,
        :math:`\frac1T \sum_t \hat L_t(g_t \circ h) + \lambda D`, with the
        same losses, masking of missing labels and penalty as ``fit``: useful
        to compare train and test values, or to check a hand computation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.
        Y : array-like of shape (n_samples, n_tasks) or (n_samples,)
            Labels (NaN for missing), same tasks as in ``fit``.
        sensitive_features : array-like of shape (n_samples,)
            Groups; only groups seen in ``fit`` are allowed.

        Returns
        -------
        dict
            ``"loss"``, ``"task_loss"`` and ``"penalty"`` as floats.
        """
        check_is_fitted(self, "net_")
        require_sensitive_features(self, sensitive_features, "objective")
        X = self._check_X(X)
        Y = _check_targets(Y, X.shape[0])
        if Y.shape[1] != self.n_tasks_:
            raise ValueError(
                f"Y has {Y.shape[1]} tasks, but the model was fitted with {self.n_tasks_}"
            )
        codes = encode_known_groups(sensitive_features, self.groups_, X.shape[0], min_groups=2)
        device = next(self.net_.parameters()).device
        binary = self.task_types_ == "binary"
        penalty = self._make_penalty(binary)
        with torch.no_grad():
            x = torch.as_tensor(X, dtype=torch.float32, device=device)
            y = torch.as_tensor(Y, dtype=torch.float32, device=device)
            sens = torch.as_tensor(codes, dtype=torch.long, device=device)
            z = self.net_.represent(x)
            out = self.net_.heads(z)
            task_loss = float(
                _task_loss(
                    out,
                    torch.nan_to_num(y),
                    ~torch.isnan(y),
                    torch.as_tensor(binary, device=device),
                )
            )
            if penalty is None:
                pen = 0.0
            else:
                pen = penalty.to(device)
                pen = float(pen(out if isinstance(pen, OutputDPPenalty) else z, sens))
        return {"loss": task_loss + float(self.lam) * pen, "task_loss": task_loss, "penalty": pen}

    def fit_head(self, X, y, *, estimator=None):
        """Fit a head for a new task on the frozen representation.

        The representation is not changed: the head sees only
        :math:`h(X)`, so (as the chapter proves) its demographic-parity gap is
        controlled by how close the groups' representations are.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features of the new task's training samples.
        y : array-like of shape (n_samples,)
            Labels of the new task; NaN marks samples to leave out.
        estimator : scikit-learn estimator or None, default=None
            Cloned and fitted on ``(transform(X), y)``. By default a
            ``LogisticRegression`` when ``y`` is binary, else a ``Ridge``:
            both are linear, hence Lipschitz, heads.

        Returns
        -------
        FrozenRepresentationHead
            A fitted model with ``predict`` (and ``predict_proba`` when the
            estimator has it) that takes raw features.

        Examples
        --------
        >>> from fairtutor.datasets import make_multitask_biased
        >>> from fairtutor.representation import FairRepresentationLearner
        >>> X, Y, s = make_multitask_biased(400, n_tasks=3, random_state=0)
        >>> model = FairRepresentationLearner(epochs=3, random_state=0, progress=False)
        >>> model = model.fit(X, Y[:, :2], sensitive_features=s)
        >>> head = model.fit_head(X, Y[:, 2])
        >>> head.predict(X).shape
        (400,)
        """
        check_is_fitted(self, "net_")
        y = as_1d_array(y, "y", allow_nan=True).astype(np.float64)
        Z = self.transform(X)
        if Z.shape[0] != y.shape[0]:
            raise ValueError(
                f"inputs have different lengths: X has {Z.shape[0]} rows "
                f"but y has {y.shape[0]} entries"
            )
        keep = ~np.isnan(y)
        if not keep.any():
            raise ValueError("y has no observed label (all NaN)")
        Z, y = Z[keep], y[keep]
        binary = bool(np.isin(y, (0.0, 1.0)).all())
        if estimator is None:
            estimator = LogisticRegression() if binary else Ridge(alpha=1.0)
        if binary:
            y = y.astype(np.int64)
        head = clone(estimator).fit(Z, y)
        return FrozenRepresentationHead(self, head)

    # ------------------------------------------------------------ helpers
    def _divergence(self):
        """The penalty chosen by ``divergence`` (or by the deprecated ``penalty``)."""
        # fit -> _check_params -> _divergence -> here: warn at the caller of fit
        return deprecated_rename(self, "penalty", "divergence", stacklevel=5)

    def _check_params(self):
        chosen = self._divergence()
        if not (isinstance(chosen, nn.Module) or chosen in PENALTIES):
            name = "divergence" if self.penalty == "deprecated" else "penalty"
            raise ValueError(
                f"FairRepresentationLearner: unknown {name}={chosen!r}; choose 'mmd', "
                "'sinkhorn', 'output_dp', None or a torch.nn.Module"
            )
        if not isinstance(self.lam, numbers.Real) or not np.isfinite(self.lam) or self.lam < 0:
            raise ValueError(f"lam must be a finite number >= 0, got {self.lam!r}")
        _check_positive_int(self.epochs, "epochs")
        _check_positive_int(self.batch_size, "batch_size")
        if not isinstance(self.lr, numbers.Real) or not self.lr > 0:
            raise ValueError(f"lr must be a positive number, got {self.lr!r}")
        if self.early_stopping:
            fraction = self.validation_fraction
            if (
                isinstance(fraction, bool)
                or not isinstance(fraction, numbers.Real)
                or not 0 < fraction < 1
            ):
                raise ValueError(f"validation_fraction must be in (0, 1), got {fraction!r}")
            _check_positive_int(self.n_iter_no_change, "n_iter_no_change")
            if not isinstance(self.tol, numbers.Real) or not self.tol >= 0:
                raise ValueError(f"tol must be a number >= 0, got {self.tol!r}")
        return float(self.lam)

    def _validation_split(self, codes, groups, seed):
        """Training and validation positions (validation None without early stopping)."""
        n = codes.shape[0]
        if not self.early_stopping:
            return np.arange(n), None
        rng = np.random.default_rng(seed)
        val = []
        for k in range(groups.size):
            members = rng.permutation(np.flatnonzero(codes == k))
            n_val = int(np.ceil(self.validation_fraction * members.size))
            if n_val < 2 or members.size - n_val < 2:
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} leaves group "
                    f"{groups[k]!r} ({members.size} samples) with fewer than 2 samples in "
                    "the validation or the training part"
                )
            val.append(members[:n_val])
        val = np.sort(np.concatenate(val))
        return np.setdiff1d(np.arange(n), val), val

    def _make_penalty(self, binary):
        kwargs = dict(self.penalty_kwargs or {})
        with warnings.catch_warnings():  # fit has warned already
            warnings.simplefilter("ignore", FutureWarning)
            chosen = self._divergence()
        if isinstance(chosen, nn.Module):
            return chosen
        if chosen is None:
            return None
        if chosen == "output_dp":
            if kwargs:
                raise ValueError(
                    f"penalty_kwargs {sorted(kwargs)} do not apply to divergence='output_dp', "
                    "which has no parameter"
                )
            return OutputDPPenalty(binary)
        from .divergences import MMDPenalty, SinkhornPenalty

        if chosen == "sinkhorn":
            kwargs = {**SINKHORN_TRAINING_DEFAULTS, **kwargs}
            penalty = SinkhornPenalty(**kwargs)
            return _BatchScaled(penalty) if penalty.scale == "relative" else penalty
        return MMDPenalty(**kwargs)

    def _check_X(self, X, reset=False):
        return validate_X(self, X, reset=reset)

    def _like_y(self, values, task):
        """1-D output for a 1-D ``Y`` in ``fit`` (as scikit-learn), else as is."""
        if task is None and getattr(self, "_y_ndim", 2) == 1 and values.ndim == 2:
            return values[:, 0]
        return values

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.target_tags.required = True
        return tags

    def _forward(self, X, represent):
        check_is_fitted(self, "net_")
        X = self._check_X(X)
        device = next(self.net_.parameters()).device
        with torch.no_grad():
            x = torch.as_tensor(X, dtype=torch.float32, device=device)
            out = self.net_.represent(x) if represent else self.net_(x)
        return out.cpu().numpy().astype(np.float64)

    def _check_task(self, task):
        if not isinstance(task, numbers.Integral) or not 0 <= task < self.n_tasks_:
            raise ValueError(f"task must be an integer in [0, {self.n_tasks_ - 1}], got {task!r}")
        return int(task)

    def _select(self, values, task):
        return values if task is None else values[:, self._check_task(task)]


class FrozenRepresentationHead:
    """A head fitted on a frozen representation, used on raw features.

    Returned by :meth:`FairRepresentationLearner.fit_head`; ``predict(X)``
    is ``head_.predict(representation.transform(X))``.

    Parameters
    ----------
    representation : FairRepresentationLearner
        The fitted learner whose representation is used (not modified).
    head : scikit-learn estimator
        A fitted estimator on the representation.
    """

    def __init__(self, representation, head):
        self.representation = representation
        self.head_ = head

    def predict(self, X):
        """Predictions of the head on :math:`h(X)`."""
        return self.head_.predict(self.representation.transform(X))

    def predict_proba(self, X):
        """Class probabilities of the head on :math:`h(X)` (classifier heads)."""
        return self.head_.predict_proba(self.representation.transform(X))

    def decision_function(self, X):
        """Scores of the head on :math:`h(X)` (when the head has them)."""
        return self.head_.decision_function(self.representation.transform(X))


class StratifiedBatchSampler:
    r"""Shuffled mini-batches of indices that hold every group in its proportion.

    The batches :class:`FairRepresentationLearner` trains on, for a custom
    torch loop: each epoch shuffles every group and deals it out over
    :math:`\lceil n / \text{batch\_size} \rceil` batches, so every batch
    holds at least two members of every group (the penalties of
    ``fairtutor.divergences`` need them) and the batch sizes differ by at most
    the number of groups. A batch size too small for that raises a
    ``ValueError`` that names the smallest one that works.

    Iterating gives lists of integer indices, so the sampler can be passed as
    ``batch_sampler=`` to ``torch.utils.data.DataLoader``.

    Parameters
    ----------
    sensitive_features : array-like of shape (n_samples,)
        Group of each sample (at least two groups).
    batch_size : int
        Approximate number of samples per batch.
    random_state : int, numpy Generator or None, default=None
        Seeds the shuffling; each new iteration (epoch) draws new batches.

    Attributes
    ----------
    groups_
        The distinct groups, in the order of their codes.
    n_batches_
        Number of batches per epoch (``len(sampler)``).

    Examples
    --------
    >>> import numpy as np
    >>> from fairtutor.representation import StratifiedBatchSampler
    >>> s = np.array(["a"] * 12 + ["b"] * 6)
    >>> sampler = StratifiedBatchSampler(s, batch_size=6, random_state=0)
    >>> len(sampler)
    3
    >>> [sorted(s[batch].tolist()).count("b") for batch in sampler]
    [2, 2, 2]
    >>> from torch.utils.data import DataLoader, TensorDataset
    >>> import torch
    >>> loader = DataLoader(TensorDataset(torch.arange(18.0)), batch_sampler=sampler)
    >>> [len(x) for (x,) in loader]
    [6, 6, 6]
    """

    def __init__(self, sensitive_features, batch_size, *, random_state=None):
        groups, codes = check_groups(sensitive_features)
        batch_size = _check_positive_int(batch_size, "batch_size")
        seed = int(check_random_state(random_state).integers(2**31 - 1))
        self._setup(
            codes,
            groups,
            batch_size,
            torch.Generator().manual_seed(seed),
            np.arange(codes.shape[0]),
        )

    @classmethod
    def _from_codes(cls, codes, groups, batch_size, generator, positions):
        sampler = cls.__new__(cls)
        sampler._setup(codes, groups, batch_size, generator, positions)
        return sampler

    def _setup(self, codes, groups, batch_size, generator, positions):
        self.groups_ = groups
        self.n_batches_ = _n_batches(codes, groups, batch_size)
        self._generator = generator
        self._by_group = [torch.as_tensor(positions[codes == k]) for k in range(groups.size)]

    def __len__(self):
        return self.n_batches_

    def _tensors(self):
        return _stratified_batches(self._by_group, self.n_batches_, self._generator)

    def __iter__(self):
        for batch in self._tensors():
            yield batch.tolist()


class _BatchScaled(nn.Module):
    """Divide the batch's representation by its median pairwise distance, with gradient.

    SinkhornPenalty's ``scale="relative"`` makes the penalty's *value* invariant
    to ``z -> c z``, but it computes the median without a gradient, so the
    gradient still has a component that shrinks the representation: in
    training the representation collapsed to a point at moderate weights
    (median distance 0 on the test split for lam >= 0.3 in chapter 6's
    synthetic setting). Dividing by a median computed *with* its gradient makes
    the penalty an exactly scale-invariant function of ``z``, so its gradient
    has no radial component (Euler's theorem) and shrinking gains nothing.
    """

    def __init__(self, penalty):
        super().__init__()
        self.penalty = penalty

    def forward(self, z, sensitive):
        n = z.shape[0]
        rows, cols = torch.triu_indices(n, n, offset=1, device=z.device)
        sq = ((z[rows] - z[cols]) ** 2).sum(1)
        median = sq.median()
        if not median > 0:
            raise ValueError(
                "more than half of the pairs of representations in the batch "
                "coincide; the Sinkhorn penalty's scale is undefined"
            )
        return self.penalty(z / median.sqrt(), sensitive)

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(super().__getattr__("penalty"), name)


class _EpochTrainer:
    """The epoch loop of ``fit``: steps over the batches, history, hooks, Ctrl-C.

    ``step(batch)`` does one optimizer step and returns the tensor
    ``(loss, task_loss, penalty)``; the per-epoch means go to ``history``.
    After each epoch every hook is called as ``hook(trainer)`` and may set
    ``trainer.stop = True`` or replace ``trainer.best_state``. The network of
    the last finished epoch is kept when ``KeyboardInterrupt`` arrives.
    """

    def __init__(self, net, step, sampler, history):
        self.net, self.step, self.sampler, self.history = net, step, sampler, history
        self.hooks = []
        self.n_epochs = 0
        self.stop = False
        self.interrupted = False
        self.best_state = None  # set by a hook that wants another epoch's network kept

    def run(self, epochs):
        finished_state = None
        try:
            for _ in epochs:
                sums = torch.zeros(3, dtype=torch.float64)
                for batch in self.sampler._tensors():
                    sums += self.step(batch).double().cpu()
                means = (sums / len(self.sampler)).tolist()
                finished_state = _copy_state(self.net)
                for key, value in zip(("loss", "task_loss", "penalty"), means, strict=True):
                    self.history[key].append(value)
                self.n_epochs += 1
                for hook in self.hooks:
                    hook(self)
                if hasattr(epochs, "set_postfix"):
                    epochs.set_postfix(loss=f"{means[0]:.4f}", penalty=f"{means[2]:.4f}")
                if self.stop:
                    break
        except KeyboardInterrupt:
            if finished_state is None:
                raise
            self.interrupted = True
            for values in self.history.values():
                del values[self.n_epochs :]
            if self.best_state is None:
                self.net.load_state_dict(finished_state)
        if self.best_state is not None:
            epoch, state = self.best_state
            self.net.load_state_dict(state)
            self.n_epochs = epoch
        self.net.eval()


class _EarlyStopping:
    """Hook: stop when ``validation_loss()`` has not improved for ``patience`` epochs."""

    def __init__(self, validation_loss, patience, tol):
        self.validation_loss, self.patience, self.tol = validation_loss, patience, tol
        self.best = np.inf
        self.bad_epochs = 0

    def __call__(self, trainer):
        value = self.validation_loss()
        trainer.history["val_loss"].append(value)
        if value < self.best - self.tol:
            self.best, self.bad_epochs = value, 0
            trainer.best_state = (trainer.n_epochs, _copy_state(trainer.net))
        else:
            self.bad_epochs += 1
            trainer.stop = self.bad_epochs >= self.patience


def _copy_state(net):
    return {key: value.detach().clone() for key, value in net.state_dict().items()}


# ---------------------------------------------------------------- internals
def _check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _check_hidden(hidden):
    if isinstance(hidden, numbers.Integral):
        hidden = (hidden,)
    try:
        return tuple(_check_positive_int(h, "each hidden width") for h in hidden)
    except TypeError:
        raise ValueError(f"hidden must be a tuple of positive integers, got {hidden!r}") from None


def _check_targets(Y, n_samples):
    Y = check_array(
        Y, dtype=np.float64, ensure_2d=False, ensure_all_finite="allow-nan", input_name="Y"
    )
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2:
        raise ValueError(f"Y must be 1-D or 2-D (n_samples, n_tasks), got shape {Y.shape}")
    if Y.shape[0] != n_samples:
        raise ValueError(
            f"inputs have different lengths: X has {n_samples} rows but Y has {Y.shape[0]}"
        )
    empty = np.flatnonzero(np.isnan(Y).all(axis=0))
    if empty.size:
        raise ValueError(
            f"task(s) {', '.join(map(str, empty))} of Y have no observed label (all NaN)"
        )
    return Y


def _warn_class_like_real_tasks(Y, task_types):
    """Warn when a real-valued task holds a few integers: probably mis-coded classes."""
    for t, column in enumerate(Y.T):
        values = np.unique(column[~np.isnan(column)])
        if task_types[t] == "real" and values.size <= 10 and np.all(values == np.round(values)):
            warnings.warn(
                f"task {t} of Y has the integer values {format_values(values.astype(int))}: it is "
                "trained as a real-valued task (squared loss). Recode a binary task to "
                "0/1 to train it as a classification task.",
                UserWarning,
                stacklevel=3,
            )


def _resolve_device(device):
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' was asked for but no CUDA device is available")
    return device


def _n_batches(codes, groups, batch_size):
    """Number of stratified batches, each with at least two samples of every group."""
    n = codes.shape[0]
    counts = np.bincount(codes, minlength=groups.size)
    n_batches = max(1, int(np.ceil(n / batch_size)))
    smallest = int(counts.min())
    if smallest < 2:
        raise ValueError(
            f"group {groups[counts.argmin()]!r} has {smallest} sample(s); "
            "each group needs at least 2"
        )
    if smallest < 2 * n_batches:
        minimum = int(np.ceil(n / (smallest // 2)))
        raise ValueError(
            f"batch_size={batch_size} is too small to put every group in every batch: "
            f"group {groups[counts.argmin()]!r} has {smallest} samples, not enough for "
            f"2 in each of {n_batches} batches; use batch_size >= {minimum}"
        )
    return n_batches


def _stratified_batches(by_group, n_batches, generator):
    """Yield ``n_batches`` index tensors; each holds a share of every group."""
    chunks = [
        idx[torch.randperm(idx.numel(), generator=generator)].tensor_split(n_batches)
        for idx in by_group
    ]
    order = torch.randperm(n_batches, generator=generator).tolist()
    for b in order:
        yield torch.cat([c[b] for c in chunks])


def _task_loss(out, y, observed, binary):
    """Mean over tasks of each task's mean loss on its observed labels."""
    bce = nn.functional.binary_cross_entropy_with_logits(out, y, reduction="none")
    sq = (out - y) ** 2
    losses = torch.where(binary, bce, sq) * observed
    counts = observed.sum(0)
    present = counts > 0
    return (losses.sum(0)[present] / counts[present]).mean()


@contextmanager
def _seeded(seed, device):
    """Seed torch's global generators inside the block, then restore them."""
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


@contextmanager
def _deterministic():
    """Ask torch for deterministic algorithms inside the block, then restore."""
    previous = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*deterministic.*")
        torch.use_deterministic_algorithms(True, warn_only=True)
        try:
            yield
        finally:
            torch.use_deterministic_algorithms(previous, warn_only=warn_only)
