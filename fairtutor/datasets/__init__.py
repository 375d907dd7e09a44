"""Data sets for the book: synthetic generators with a known bias.

Every generator takes ``random_state`` and returns ``(X, y, s)``: features,
target and sensitive attribute.
"""

from ._synthetic import make_biased_classification

__all__ = ["make_biased_classification"]
