"""Data sets for the book: real fairness data sets and synthetic generators.

- ``load_*``: data sets that ship with fairtutor (UCI Machine Learning
  Repository, CC BY 4.0): Adult, German credit, Communities and Crime, Drug
  consumption, Student performance. Each returns a scikit-learn ``Bunch``, or
  ``(X, y, s)`` with ``return_X_y=True``.
- ``fetch_*``: COMPAS and Law School, whose terms forbid redistribution; they
  are read from a data home on your disk (downloaded there on request).
- ``make_*``: synthetic generators with a known bias; each takes
  ``random_state`` and returns ``(X, y, s)``: features, target and sensitive
  attribute.
- :func:`make_preprocessor` builds the one-hot/standardize transformer to fit
  on a training split.
"""

from ._base import make_preprocessor
from ._fetch import fetch_compas, fetch_law_school, get_data_home
from ._real import load_adult, load_communities_crime, load_drug, load_german, load_student
from ._synthetic import make_biased_classification, make_biased_regression, make_multitask_biased

__all__ = [
    "load_adult",
    "load_german",
    "load_communities_crime",
    "load_drug",
    "load_student",
    "fetch_compas",
    "fetch_law_school",
    "get_data_home",
    "make_preprocessor",
    "make_biased_classification",
    "make_biased_regression",
    "make_multitask_biased",
]
