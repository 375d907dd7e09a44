r"""Pre-processing: change the training data, then train any model on it.

Chapter 7 of the book ("The three families side by side") derives the
representative of this family, **reweighing** (Kamiran and Calders, 2012):
give each training example the weight

.. math::
    w(s, y) = \frac{\mathbb{P}(S = s)\, \mathbb{P}(Y = y)}{\mathbb{P}(S = s, Y = y)},

estimated by frequencies. Under these weights the sensitive attribute and the
label are independent, while both marginals are unchanged, so a learner that
accepts ``sample_weight`` sees data in which the label carries no information
about the group. The model itself is untouched and needs no sensitive
attribute at prediction time.

- :func:`reweighing_weights` computes the weights, for any learner;
- :class:`ReweighingClassifier` wraps a classifier and fits it with them.

The other pre-processing of the book, the projection of Linear FERM, lives in
``fairtutor.ferm``.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ._validation import as_1d_array, base_estimator_has, check_groups, format_values
from .base import (
    HasMethods,
    Options,
    accepts_sparse,
    check_params,
    check_sample_weight,
    check_weighted_classes,
    fit_base,
    fit_groups,
    require_sensitive_features,
    validate_X,
)

__all__ = ["reweighing_table", "reweighing_weights", "ReweighingClassifier"]


def _cells(y, sensitive_features):
    """Validate labels and groups; return classes, groups, and the codes of both."""
    y = as_1d_array(y, "y", numeric=False)
    if np.issubdtype(y.dtype, np.floating) and not np.all(np.isfinite(y)):
        raise ValueError("y contains infinite values")
    groups, g_codes = check_groups(sensitive_features, y.shape[0])
    classes, y_codes = np.unique(y, return_inverse=True)
    if classes.size < 2:
        raise ValueError(
            f"y has a single class ({format_values(classes)}); reweighing needs at least two labels"
        )
    if np.issubdtype(classes.dtype, np.floating) and not np.all(classes == np.round(classes)):
        raise ValueError(
            "Unknown label type: y must hold class labels, got non-integer floats (is this a "
            "regression target?)"
        )
    return classes, groups, y_codes.reshape(-1), g_codes


def reweighing_table(y, *, sensitive_features, sample_weight=None):
    """The reweighing weight of every (group, label) cell.

    Derived in :ref:`chapter 7, § Pre-processing <sec-three-families-pre>`.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels (binary in the book; any finite number of classes works).
    sensitive_features : array-like of shape (n_samples,)
        Group of each sample; at least two groups.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the samples: the frequencies become weighted frequencies.

    Returns
    -------
    weights : ndarray of shape (n_groups, n_classes)
        ``weights[k, c] = n_k n_c / (n n_kc)``: expected over observed count
        of cell (group k, class c) if group and label were independent.
    groups : ndarray of shape (n_groups,)
        The sorted group labels (rows).
    classes : ndarray of shape (n_classes,)
        The sorted class labels (columns).

    Raises
    ------
    ValueError
        If a (group, label) cell is empty: its weight would be infinite, and
        no weighting can make the group and the label independent.

    Examples
    --------
    >>> from fairtutor.preprocessing import reweighing_table
    >>> y = [1, 1, 1, 0, 1, 0, 0, 0]
    >>> s = ["a", "a", "a", "a", "b", "b", "b", "b"]
    >>> weights, groups, classes = reweighing_table(y, sensitive_features=s)
    >>> weights.round(4)          # rows: groups a, b; columns: labels 0, 1
    array([[2.    , 0.6667],
           [0.6667, 2.    ]])
    """
    classes, groups, y_codes, g_codes = _cells(y, sensitive_features)
    weights = check_sample_weight(sample_weight, y_codes.size)
    counts = np.zeros((groups.size, classes.size))
    np.add.at(counts, (g_codes, y_codes), 1.0 if weights is None else weights)
    n = counts.sum()
    empty = np.argwhere(counts == 0)
    if empty.size:
        described = ", ".join(f"(group {groups[k]}, label {classes[c]})" for k, c in empty)
        raise ValueError(
            f"empty (group, label) cell(s): {described}; reweighing needs every group to "
            "have examples of every label"
        )
    expected = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / n
    return expected / counts, groups, classes


def reweighing_weights(y, *, sensitive_features, sample_weight=None):
    """Kamiran and Calders' reweighing: one weight per training example.

    Derived in :ref:`chapter 7, § Pre-processing <sec-three-families-pre>`.

    ``w_i = P(S = s_i) P(Y = y_i) / P(S = s_i, Y = y_i)`` with the
    probabilities estimated by frequencies. Pass the result as
    ``sample_weight`` to any learner.

    The weights sum to ``n``; under them every group keeps its size, every
    label keeps its frequency, and the empirical joint distribution of
    ``(S, Y)`` is the product of its marginals.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels.
    sensitive_features : array-like of shape (n_samples,)
        Group of each sample; at least two groups.
    sample_weight : array-like of shape (n_samples,), default=None
        Prior weights of the samples; the reweighing table is then computed
        from weighted frequencies (multiply by ``sample_weight`` to get the
        weights a learner should see).

    Returns
    -------
    weights : ndarray of shape (n_samples,)
        Positive weights, mean 1.

    Raises
    ------
    ValueError
        On lengths that differ, missing values, a single group or class, or an
        empty (group, label) cell.

    Examples
    --------
    >>> from fairtutor.preprocessing import reweighing_weights
    >>> y = [1, 1, 1, 0, 1, 0, 0, 0]
    >>> s = ["a", "a", "a", "a", "b", "b", "b", "b"]
    >>> w = reweighing_weights(y, sensitive_features=s)
    >>> w.round(4)
    array([0.6667, 0.6667, 0.6667, 2.    , 2.    , 0.6667, 0.6667, 0.6667])
    >>> float(w.sum())            # weighted count of (a, 1): 3 * 2/3 = 2 = 4 * 4 / 8
    8.0
    """
    table, _, _ = reweighing_table(
        y, sensitive_features=sensitive_features, sample_weight=sample_weight
    )
    _, _, y_codes, g_codes = _cells(y, sensitive_features)
    return table[g_codes, y_codes]


class ReweighingClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Fit a classifier on reweighed training data (Kamiran and Calders, 2012).

    Derived in :ref:`chapter 7, § Pre-processing <sec-three-families-pre>`.

    ``fit`` computes :func:`reweighing_weights` and passes them as
    ``sample_weight`` to a clone of ``estimator``, so the learner sees data in
    which the group and the label are independent. Prediction is the wrapped
    model's: no sensitive attribute is needed, and the model is as easy to
    explain as the one it wraps.

    Parameters
    ----------
    estimator : classifier accepting ``sample_weight`` in ``fit``, default=None
        The learner, cloned before fitting. ``None`` means
        ``LogisticRegression()``.

    Attributes
    ----------
    estimator_ : classifier
        The fitted clone.
    classes_ : ndarray
        The class labels.
    groups_ : ndarray
        The sorted group labels seen in ``fit``.
    weight_table_ : ndarray of shape (n_groups, n_classes)
        The weight of each (group, class) cell (see :func:`reweighing_table`).
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Names of the features seen in ``fit``, when ``X`` has
        column names.

    Examples
    --------
    >>> import numpy as np
    >>> from fairtutor.preprocessing import ReweighingClassifier
    >>> rng = np.random.default_rng(0)
    >>> s = rng.integers(0, 2, 400)
    >>> X = rng.normal(size=(400, 2)) + s[:, None]
    >>> y = (X[:, 0] + rng.normal(size=400) > 0.5).astype(int)
    >>> model = ReweighingClassifier().fit(X, y, sensitive_features=s)
    >>> model.weight_table_.round(3)
    array([[0.808, 1.292],
           [1.238, 0.845]])
    >>> model.predict(X[:4])
    array([0, 1, 1, 1])
    """

    _parameter_table: dict[str, list] = {
        "estimator": [
            Options((None,)),
            HasMethods(("fit",), "a scikit-learn classifier (an object with fit)"),
        ],
    }

    def __init__(self, estimator: object = None) -> None:
        self.estimator = estimator

    def fit(self, X, y, *, sensitive_features=None, sample_weight=None) -> "ReweighingClassifier":
        """Fit a clone of ``estimator`` with the reweighing weights.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training features.
        y : array-like of shape (n_samples,)
            Class labels.
        sensitive_features : array-like of shape (n_samples,) or (n_samples, n_columns)
            Group of each sample (used only to compute the weights).
        sample_weight : array-like of shape (n_samples,), default=None
            Prior weights of the samples: the table is computed from weighted
            frequencies and the learner sees ``sample_weight`` times the
            reweighing weight.

        Returns
        -------
        self : ReweighingClassifier
            The fitted wrapper.
        """
        check_params(self, self._parameter_table)
        require_sensitive_features(self, sensitive_features)
        X = validate_X(self, X, reset=True, numeric=False)
        n_rows = X.shape[0]
        fit_groups(sensitive_features, n_rows, self)
        if y is None:
            raise ValueError(
                "ReweighingClassifier requires y to be passed, but the target y is None"
            )
        if np.ndim(np.asarray(y)) == 2 and np.shape(y)[1] == 1:
            y = column_or_1d(np.asarray(y), warn=True)
        y_array = as_1d_array(y, "y", numeric=False)
        if n_rows != y_array.shape[0]:
            raise ValueError(
                f"inputs have different lengths: X has {n_rows} rows but y has "
                f"{y_array.shape[0]} entries"
            )
        prior = check_sample_weight(sample_weight, n_rows)
        check_weighted_classes(y_array, prior)
        table, groups, classes = reweighing_table(
            y_array, sensitive_features=sensitive_features, sample_weight=prior
        )
        _, _, y_codes, g_codes = _cells(y_array, sensitive_features)
        base = LogisticRegression() if self.estimator is None else self.estimator
        weights = table[g_codes, y_codes] * (1.0 if prior is None else prior)
        self.estimator_ = fit_base(clone(base), X, y_array, weights, self)
        self.classes_ = self.estimator_.classes_
        self.groups_ = groups
        self.weight_table_ = table
        return self

    def _checked(self, X):
        check_is_fitted(self, "estimator_")
        return validate_X(self, X, reset=False, numeric=False)

    def predict(self, X):
        """Predicted labels of the wrapped model (no sensitive attribute needed).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        X = self._checked(X)
        return self.estimator_.predict(X)

    @available_if(base_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of the wrapped model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        X = self._checked(X)
        return self.estimator_.predict_proba(X)

    @available_if(base_estimator_has("decision_function"))
    def decision_function(self, X):
        """Scores of the wrapped model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Features.

        Returns
        -------
        scores : ndarray
            As returned by the wrapped model.
        """
        X = self._checked(X)
        return self.estimator_.decision_function(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        base = LogisticRegression() if self.estimator is None else self.estimator
        tags.input_tags.sparse = accepts_sparse(base)  # X goes to the base as is
        return tags
