"""fairtutor: fair machine learning through empirical risk minimization.

The library that the fairtutor book derives step by step. Each submodule
packages one chapter's results:

- :mod:`fairtutor.metrics` -- group fairness metrics (chapter 1);
- :mod:`fairtutor.risk` -- empirical risk, fairness risk and their intervals (chapter 2);
- :mod:`fairtutor.datasets` -- synthetic generators and real data sets;
- :mod:`fairtutor.exercises` -- checks that give readable feedback in exercises;
- :mod:`fairtutor.classroom` -- the student edition of the chapter notebooks.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
