"""fairtutor: fair machine learning through empirical risk minimization.

The library that the fairtutor book derives step by step. Each submodule
packages one chapter's results:

- :mod:`fairtutor.metrics` -- group fairness metrics (chapter 1);
- :mod:`fairtutor.risk` -- empirical risk, fairness risk and their intervals (chapter 2);
- :mod:`fairtutor.ferm` -- fair ERM with the orthogonality constraint, linear
  and kernel (chapter 3);
- :mod:`fairtutor.barycenter` -- fair regression by Wasserstein barycenters (chapter 4);
- :mod:`fairtutor.divergences` -- MMD and Sinkhorn divergences in PyTorch (chapter 5);
- :mod:`fairtutor.representation` -- fair multitask representations (chapter 6);
- :mod:`fairtutor.preprocessing`, :mod:`fairtutor.inprocessing`,
  :mod:`fairtutor.postprocessing` -- one simple method per family (chapter 7);
- :mod:`fairtutor.plotting` -- Pareto fronts with error bars (chapter 7);
- :mod:`fairtutor.datasets` -- synthetic generators and real data sets;
- :mod:`fairtutor.exercises` -- checks that give readable feedback in exercises;
- :mod:`fairtutor.classroom` -- the student edition of the chapter notebooks.
- :mod:`fairtutor.base` -- the contract every estimator follows (groups,
  ``pos_label``, parameter checks, ``sample_weight``).

Submodules load on first use: ``import fairtutor`` then
``fairtutor.metrics.demographic_parity_difference`` works.
"""

import importlib as _importlib

__version__ = "0.1.0"

#: Submodules loaded on first access (``fairtutor.metrics`` after a plain
#: ``import fairtutor``), so that importing the package stays cheap: torch is
#: imported only by the modules that need it.
_SUBMODULES = (
    "base",
    "metrics",
    "risk",
    "ferm",
    "barycenter",
    "divergences",
    "representation",
    "preprocessing",
    "inprocessing",
    "postprocessing",
    "plotting",
    "datasets",
    "exercises",
    "classroom",
)

__all__ = ["__version__", *_SUBMODULES]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return _importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_SUBMODULES))
