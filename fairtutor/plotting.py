"""Plots that compare fairness methods.

Chapter 7 of the book ("The three families side by side") puts every method on
one accuracy-versus-unfairness plane. :func:`pareto_front` draws the mean of
each method over repeated splits with error bars, one marker *and* one colour
per method (so the figure reads in grey scale), and links the methods that no
other method beats on both axes (:func:`non_dominated`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["non_dominated", "pareto_front"]

# Colour-blind-safe palette (Okabe and Ito, then three of Tol's muted colours)
# paired with distinct markers, so twelve methods get twelve distinct styles.
_COLOURS = [
    "#000000",
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#D55E00",
    "#0072B2",
    "#CC79A7",
    "#F0E442",
    "#882255",
    "#999999",
    "#44AA99",
    "#999933",
]
_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p"]
_LABELS = {
    "accuracy": "accuracy (higher is better)",
    "deo": "DEO: true-positive-rate gap (lower is better)",
    "dp": "DP: selection-rate gap (lower is better)",
}


def non_dominated(x, y, *, minimize_x=True, maximize_y=True):
    """Mask of the points that no other point beats on both coordinates.

    Point ``i`` is dominated when some point ``j`` is at least as good on both
    coordinates and strictly better on one (by default: lower ``x``, higher
    ``y``, e.g. unfairness and accuracy).

    Parameters
    ----------
    x, y : array-like of shape (n_points,)
        The two criteria.
    minimize_x : bool, default=True
        Lower ``x`` is better (otherwise higher).
    maximize_y : bool, default=True
        Higher ``y`` is better (otherwise lower).

    Returns
    -------
    mask : ndarray of bool, shape (n_points,)
        True for the points on the Pareto front.

    Examples
    --------
    >>> from fairtutor.plotting import non_dominated
    >>> non_dominated([0.1, 0.2, 0.05, 0.3], [0.80, 0.85, 0.70, 0.84])
    array([ True,  True,  True, False])
    """
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    if x.shape != y.shape:
        raise ValueError(f"x and y have different lengths: {x.size} and {y.size}")
    if x.size == 0:
        raise ValueError("x and y are empty")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("x and y must be finite (no NaN or infinity)")
    gx = -x if minimize_x else x  # larger is better on both after the flip
    gy = y if maximize_y else -y
    at_least = (gx[None, :] >= gx[:, None]) & (gy[None, :] >= gy[:, None])
    strictly = (gx[None, :] > gx[:, None]) | (gy[None, :] > gy[:, None])
    return ~np.any(at_least & strictly, axis=1)


def pareto_front(
    results,
    x="deo",
    y="accuracy",
    *,
    method="method",
    ax=None,
    error="std",
    front=True,
    xlabel=None,
    ylabel=None,
    title=None,
    legend=True,
):
    """Accuracy against unfairness, one point per method, error bars over splits.

    Parameters
    ----------
    results : pandas.DataFrame
        One row per (method, split) with a column ``method`` naming the method
        and numeric columns ``x`` and ``y``.
    x : str, default="deo"
        Column on the horizontal axis (lower is better), e.g. ``"deo"`` or
        ``"dp"``.
    y : str, default="accuracy"
        Column on the vertical axis (higher is better).
    method : str, default="method"
        Column naming the method; methods keep their order of first
        appearance.
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when ``None``.
    error : {"std", "sem"}, default="std"
        Error bars: standard deviation over splits, or standard error of the
        mean.
    front : bool, default=True
        Join the non-dominated methods (see :func:`non_dominated`) with a
        dashed line.
    xlabel, ylabel, title : str, default=None
        Axis labels and title; the defaults describe the columns.
    legend : bool, default=True
        Draw a legend with one entry per method.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from fairtutor.plotting import pareto_front
    >>> results = pd.DataFrame({
    ...     "method": ["plain", "plain", "fair", "fair"],
    ...     "deo": [0.20, 0.24, 0.03, 0.05],
    ...     "accuracy": [0.85, 0.84, 0.83, 0.82]})
    >>> ax = pareto_front(results)
    >>> ax.get_xlabel()
    'DEO: true-positive-rate gap (lower is better)'
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['Pareto front', 'plain', 'fair']
    """
    import matplotlib.pyplot as plt

    if not isinstance(results, pd.DataFrame):
        raise ValueError(f"results must be a pandas DataFrame, got {type(results).__name__}")
    missing = [c for c in (method, x, y) if c not in results.columns]
    if missing:
        raise ValueError(f"results has no column(s) {missing}; columns are {list(results.columns)}")
    if results.empty:
        raise ValueError("results is empty")
    if error not in ("std", "sem"):
        raise ValueError(f"error must be 'std' or 'sem', got {error!r}")
    values = results[[x, y]].to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError(f"columns {x!r} and {y!r} must be finite")
    grouped = results.groupby(method, sort=False)[[x, y]]
    means = grouped.mean()
    spread = grouped.std(ddof=1).fillna(0.0)
    if error == "sem":
        spread = spread.div(np.sqrt(grouped.size()), axis=0)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4.5))
    for i, name in enumerate(means.index):
        ax.errorbar(
            means.loc[name, x],
            means.loc[name, y],
            xerr=spread.loc[name, x],
            yerr=spread.loc[name, y],
            fmt=_MARKERS[i % len(_MARKERS)],
            color=_COLOURS[i % len(_COLOURS)],
            markersize=8,
            markeredgecolor="black",
            capsize=3,
            linestyle="none",
            label=str(name),
        )
    if front and len(means) > 1:
        on_front = non_dominated(means[x].to_numpy(), means[y].to_numpy())
        points = means[on_front].sort_values(x)
        ax.plot(
            points[x],
            points[y],
            linestyle="--",
            color="grey",
            linewidth=1,
            zorder=0,
            label="Pareto front",
        )
    ax.set_xlabel(xlabel if xlabel is not None else _LABELS.get(x, x))
    ax.set_ylabel(ylabel if ylabel is not None else _LABELS.get(y, y))
    if title is not None:
        ax.set_title(title)
    if legend:
        ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return ax
