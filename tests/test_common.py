"""One contract for every public fairtutor estimator, checked the same way for all.

Every estimator the library exports goes through the same fairtutor checks
(missing or misspelled groups, unseen groups, clone, not fitted, pickle,
label and group types, ``pos_label``, ``sample_weight``) and through
scikit-learn's own estimator checks, via test-only subclasses that supply
groups when scikit-learn calls ``fit(X, y)`` without them. Every check that
is expected to fail is listed in ``EXPECTED_FAILED_CHECKS`` with its reason.
"""

import inspect
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

import fairtutor
from fairtutor import metrics
from fairtutor._validation import PositiveLabelWarning, SmallGroupWarning
from fairtutor.barycenter import BarycenterPostprocessor, WassersteinFairRegressor
from fairtutor.datasets import make_biased_classification, make_biased_regression
from fairtutor.ferm import KernelFERM, LinearFERM
from fairtutor.inprocessing import FairLogisticRegression
from fairtutor.postprocessing import GroupThresholdClassifier
from fairtutor.preprocessing import ReweighingClassifier
from fairtutor.representation import FairRepresentationLearner
from fairtutor.risk import empirical_risk, fairness_confidence_interval, fairness_risk

FAST_REPRESENTATION = dict(
    epochs=2, hidden=(8,), representation_dim=4, batch_size=256, progress=False, random_state=0
)


def _estimators():
    """A fast instance of every public estimator (the registry the tests run over)."""
    return [
        LinearFERM(),
        KernelFERM(),
        FairLogisticRegression(),
        ReweighingClassifier(),
        GroupThresholdClassifier(estimator=LogisticRegression(), random_state=0),
        WassersteinFairRegressor(random_state=0),
        BarycenterPostprocessor(random_state=0),
        FairRepresentationLearner(**FAST_REPRESENTATION),
    ]


CLASSIFIERS = (
    LinearFERM,
    KernelFERM,
    FairLogisticRegression,
    ReweighingClassifier,
    GroupThresholdClassifier,
)
GROUPS_AT_PREDICT = (GroupThresholdClassifier, WassersteinFairRegressor, BarycenterPostprocessor)
ESTIMATORS = _estimators()
IDS = [type(e).__name__ for e in ESTIMATORS]


def test_registry_holds_every_public_estimator():
    """A new estimator must be added to the registry above (so it is checked)."""
    import importlib

    from sklearn.base import BaseEstimator

    exported = set()
    for name in (
        "ferm",
        "inprocessing",
        "postprocessing",
        "preprocessing",
        "barycenter",
        "representation",
    ):
        module = importlib.import_module(f"fairtutor.{name}")
        exported |= {
            obj
            for obj in map(module.__dict__.get, module.__all__)
            if inspect.isclass(obj) and issubclass(obj, BaseEstimator)
        }
    assert exported == {type(e) for e in ESTIMATORS}


# ------------------------------------------------------------------ data
def _data(estimator, n=240, seed=0):
    """(X, y, s) suited to the estimator: features, target and groups 0/1."""
    if isinstance(estimator, (WassersteinFairRegressor, BarycenterPostprocessor)):
        X, y, s = make_biased_regression(n, random_state=seed)
        if isinstance(estimator, BarycenterPostprocessor):
            X = X @ np.linspace(1.0, 0.2, X.shape[1])  # the "predictions": one value per row
        return X, y, s
    X, y, s = make_biased_classification(n, random_state=seed)
    return X, y, s


def _fit(estimator, X, y, s, **kwargs):
    if isinstance(estimator, BarycenterPostprocessor):
        return estimator.fit(X, sensitive_features=s, **kwargs)
    return estimator.fit(X, y, sensitive_features=s, **kwargs)


def _output(estimator, X, s):
    """What the fitted estimator produces: predictions (or transformed predictions)."""
    if isinstance(estimator, BarycenterPostprocessor):
        return estimator.transform(X, sensitive_features=s)
    if isinstance(estimator, GROUPS_AT_PREDICT):
        return estimator.predict(X, sensitive_features=s)
    return estimator.predict(X)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallGroupWarning)
        yield


# ------------------------------------------------------------------ fairtutor contract
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_missing_sensitive_features_is_the_same_value_error(estimator):
    X, y, s = _data(estimator)
    name = type(estimator).__name__
    with pytest.raises(ValueError, match=rf"^sensitive_features is required: {name}\.fit"):
        _fit(clone(estimator), X, y, None)
    fitted = _fit(clone(estimator), X, y, s)
    if isinstance(estimator, GROUPS_AT_PREDICT):
        method = "transform" if isinstance(estimator, BarycenterPostprocessor) else "predict"
        with pytest.raises(ValueError, match=rf"^sensitive_features is required: {name}\.{method}"):
            getattr(fitted, method)(X)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_column_name_instead_of_values(estimator):
    X, y, s = _data(estimator)
    with pytest.raises(ValueError, match="pass the column's values"):
        _fit(clone(estimator), X, y, "sex")


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_groups_one_and_text_one_are_not_merged(estimator):
    X, y, s = _data(estimator)
    mixed = s.astype(object)
    mixed[1::2] = [str(v) for v in s[1::2]]  # 1 and "1" side by side
    with pytest.raises(ValueError, match="mixes label types"):
        _fit(clone(estimator), X, y, mixed)


@pytest.mark.parametrize(
    "estimator",
    [e for e in ESTIMATORS if isinstance(e, GROUPS_AT_PREDICT)],
    ids=lambda e: type(e).__name__,
)
def test_unseen_group_at_predict_time_is_named(estimator):
    X, y, s = _data(estimator)
    fitted = _fit(clone(estimator), X, y, s)
    unseen = np.where(np.arange(s.size) == 3, 7, s)
    with pytest.raises(ValueError, match=r"group\(s\) 7 were not seen"):
        _output(fitted, X, unseen)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_clone_get_params_set_params(estimator):
    params = estimator.get_params()
    copy = clone(estimator)
    assert type(copy) is type(estimator)
    assert {k: repr(v) for k, v in copy.get_params().items()} == {
        k: repr(v) for k, v in params.items()
    }
    assert copy.set_params(**params) is copy
    # every __init__ parameter is stored under its own name, untouched
    for name in inspect.signature(type(estimator).__init__).parameters:
        if name != "self":
            assert hasattr(estimator, name)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_not_fitted_error(estimator):
    X, _, s = _data(estimator)
    with pytest.raises(NotFittedError):
        _output(clone(estimator), X, s)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_pickle_round_trip_keeps_predictions(estimator):
    X, y, s = _data(estimator)
    fitted = _fit(clone(estimator), X, y, s)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(_output(restored, X, s), _output(fitted, X, s))


@pytest.mark.parametrize(
    "estimator",
    [e for e in ESTIMATORS if not isinstance(e, BarycenterPostprocessor)],
    ids=lambda e: type(e).__name__,
)
def test_feature_checks_at_predict_time(estimator):
    X, y, s = _data(estimator)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    fitted = _fit(clone(estimator), frame, y, s)
    assert fitted.n_features_in_ == X.shape[1]
    assert list(fitted.feature_names_in_) == list(frame.columns)
    with pytest.raises(ValueError, match="features"):
        _output(fitted, X[:, :2], s)


GROUP_CODINGS = {
    "str": lambda s: np.where(s == 1, "b", "a"),
    "bool": lambda s: s.astype(bool),
    "categorical": lambda s: pd.Series(pd.Categorical(np.where(s == 1, "b", "a"))),
    "object": lambda s: np.where(s == 1, "b", "a").astype(object),
    "two columns": lambda s: pd.DataFrame({"g": s, "constant": "x"}),
}


@pytest.mark.parametrize("coding", list(GROUP_CODINGS))
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_group_types_give_the_same_model(estimator, coding):
    X, y, s = _data(estimator)
    groups = GROUP_CODINGS[coding](s)
    reference = _output(_fit(clone(estimator), X, y, s), X, s)
    got = _output(_fit(clone(estimator), X, y, groups), X, groups)
    np.testing.assert_allclose(got, reference, rtol=0, atol=1e-10)


LABEL_CODINGS = {
    "str": (lambda y: np.where(y == 1, "yes", "no"), "yes"),
    "bool": (lambda y: y.astype(bool), True),
    "object": (lambda y: np.where(y == 1, "yes", "no").astype(object), "yes"),
    "categorical": (lambda y: pd.Series(pd.Categorical(np.where(y == 1, "yes", "no"))), "yes"),
    "one-two": (lambda y: y + 1, 2),
}


@pytest.mark.parametrize("coding", list(LABEL_CODINGS))
@pytest.mark.parametrize(
    "estimator",
    [e for e in ESTIMATORS if isinstance(e, CLASSIFIERS)],
    ids=lambda e: type(e).__name__,
)
def test_label_types_give_the_same_model(estimator, coding):
    X, y, s = _data(estimator)
    encode, positive = LABEL_CODINGS[coding]
    labels = encode(y)
    reference = _output(_fit(clone(estimator), X, y, s), X, s)
    model = clone(estimator)
    if "pos_label" in model.get_params():
        model.set_params(pos_label=positive)
    got = _output(_fit(model, X, labels, s), X, s)
    expected = np.asarray(encode(reference))
    assert set(np.unique(got).tolist()) <= set(np.unique(np.asarray(labels)).tolist())
    assert np.mean(np.asarray(got) == expected) >= 0.99


# ------------------------------------------------------------------ pos_label
EO_MODELS = [
    LinearFERM(),
    KernelFERM(),
    FairLogisticRegression(constraint="equal_opportunity"),
    GroupThresholdClassifier(estimator=LogisticRegression(), random_state=0),
]


@pytest.mark.parametrize("estimator", EO_MODELS, ids=lambda e: type(e).__name__)
def test_pos_label_picks_the_rate_that_is_equalized(estimator):
    """String labels whose favourable label sorts first: "high" < "low".

    With pos_label="high" the model must equal the 0/1 model with 1 = "high";
    without it the larger label "low" is taken, with a warning, and the
    equalized rate is another one (the silent wrong result of the past).
    """
    X, y, s = _data(estimator, n=400)
    labels = np.where(y == 1, "high", "low")
    reference = _output(_fit(clone(estimator), X, y, s), X, s)
    chosen = _output(_fit(clone(estimator).set_params(pos_label="high"), X, labels, s), X, s)
    assert np.mean(chosen == np.where(reference == 1, "high", "low")) >= 0.99
    with pytest.warns(PositiveLabelWarning, match="taking the larger, 'low'"):
        default = _fit(clone(estimator), X, labels, s)
    assert default.pos_label_ == "low"
    # and it is another model: the one that equalizes the rate of "low"
    assert np.any(_output(default, X, s) != chosen)


@pytest.mark.parametrize("estimator", EO_MODELS, ids=lambda e: type(e).__name__)
def test_pos_label_on_labels_one_two(estimator):
    X, y, s = _data(estimator, n=400)
    reference = _output(_fit(clone(estimator), X, y, s), X, s)
    got = _output(_fit(clone(estimator).set_params(pos_label=2), X, y + 1, s), X, s)
    assert np.mean(got == reference + 1) >= 0.99
    with pytest.raises(ValueError, match="pos_label=3 is not one of the labels of y: 1, 2"):
        _fit(clone(estimator).set_params(pos_label=3), X, y + 1, s)


def test_pos_label_in_risk_functions():
    _, y, s = make_biased_classification(400, random_state=1)
    scores = np.random.default_rng(1).normal(size=y.size)
    pred = (scores > 0).astype(int)
    assert empirical_risk(y + 1, scores, pos_label=2) == empirical_risk(y, scores)
    with pytest.warns(PositiveLabelWarning):
        assert empirical_risk(y + 1, scores) == empirical_risk(y, scores)
    strings = np.where(y == 1, "high", "low")
    assert float(fairness_risk(strings, scores, sensitive_features=s, pos_label="high")) == float(
        fairness_risk(y, scores, sensitive_features=s)
    )
    interval = fairness_confidence_interval(
        strings, np.where(pred == 1, "high", "low"), sensitive_features=s, pos_label="high"
    )
    assert interval.estimate == fairness_confidence_interval(y, pred, sensitive_features=s).estimate


# ------------------------------------------------------------------ sample_weight
WEIGHTED = [
    e
    for e in ESTIMATORS
    if "sample_weight"
    in inspect.signature(e.fit if not isinstance(e, BarycenterPostprocessor) else e.fit).parameters
]


def test_every_estimator_with_a_weighted_base_takes_sample_weight():
    names = {type(e).__name__ for e in WEIGHTED}
    assert names == {
        "LinearFERM",
        "KernelFERM",
        "FairLogisticRegression",
        "ReweighingClassifier",
        "GroupThresholdClassifier",
        "WassersteinFairRegressor",
    }


@pytest.mark.parametrize("estimator", WEIGHTED, ids=lambda e: type(e).__name__)
def test_integer_sample_weight_equals_repeated_rows(estimator):
    X, y, s = _data(estimator, n=200)
    counts = np.random.default_rng(0).integers(1, 3, y.size)
    if isinstance(estimator, WassersteinFairRegressor):
        # The split is random: compare the base regressor only, prefit-free.
        estimator = clone(estimator).set_params(calibration_size=0.5)
        weighted = _fit(clone(estimator), X, y, s, sample_weight=counts)
        assert hasattr(weighted, "estimator_")
        with pytest.raises(ValueError, match="does not accept sample_weight"):
            _fit(clone(estimator).set_params(estimator=_NoWeights()), X, y, s, sample_weight=counts)
        return
    weighted = _fit(clone(estimator), X, y, s, sample_weight=counts)
    repeated = _fit(
        clone(estimator), np.repeat(X, counts, axis=0), np.repeat(y, counts), np.repeat(s, counts)
    )
    agree = np.mean(_output(weighted, X, s) == _output(repeated, X, s))
    assert agree >= 0.99


class _NoWeights(LinearRegression):
    def fit(self, X, y):
        return super().fit(X, y)


def test_fair_logistic_regression_weights_equal_sklearn_at_lam_zero():
    X, y, s = make_biased_classification(300, random_state=2)
    w = np.random.default_rng(2).exponential(size=y.size)
    ours = FairLogisticRegression(lam=0.0).fit(X, y, sensitive_features=s, sample_weight=w)
    theirs = LogisticRegression(tol=1e-10).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-4)


# ------------------------------------------------------------------ specific wrong results
def test_kernel_ferm_rejects_bad_kernel_parameters_by_name():
    X, y, s = make_biased_classification(100, random_state=0)
    for params, name in [
        ({"gamma": -1.0}, "gamma"),
        ({"kernel": "poly", "degree": -2}, "degree"),
        ({"C": 0}, "C"),
        ({"kernel": "sigmoid", "coef0": np.nan}, "coef0"),
        ({"kernel": "precomputed"}, "kernel"),
    ]:
        with pytest.raises(ValueError, match=rf"^KernelFERM: {name} must be"):
            KernelFERM(**params).fit(X, y, sensitive_features=s)


@pytest.mark.parametrize("size", [0, 1.0, 2.0, -0.5, 1])
def test_wasserstein_regressor_calibration_size_named(size):
    X, y, s = make_biased_regression(100, random_state=0)
    with pytest.raises(ValueError, match="^WassersteinFairRegressor: calibration_size must be"):
        WassersteinFairRegressor(calibration_size=size).fit(X, y, sensitive_features=s)


def test_fair_logistic_regression_penalty_is_renamed_constraint():
    X, y, s = make_biased_classification(300, random_state=0)
    new = FairLogisticRegression(constraint="equal_opportunity").fit(X, y, sensitive_features=s)
    with pytest.warns(FutureWarning, match="use constraint='equal_opportunity'"):
        old = FairLogisticRegression(penalty="equal_opportunity").fit(X, y, sensitive_features=s)
    np.testing.assert_array_equal(old.coef_, new.coef_)
    # the chapters' positional call keeps working
    positional = FairLogisticRegression("equal_opportunity").fit(X, y, sensitive_features=s)
    np.testing.assert_array_equal(positional.coef_, new.coef_)
    assert not FairLogisticRegression().__sklearn_tags__().classifier_tags.multi_class


def test_representation_predictions_are_shaped_like_y():
    X, y, s = make_biased_classification(300, random_state=0)
    model = FairRepresentationLearner(**FAST_REPRESENTATION).fit(X, y, sensitive_features=s)
    assert model.predict(X).shape == y.shape == model.predict_proba(X).shape
    assert model.decision_function(X).shape == y.shape
    accuracy = (model.predict(X) == y).mean()
    assert accuracy == np.mean([a == b for a, b in zip(model.predict(X), y, strict=True)])
    two_d = FairRepresentationLearner(**FAST_REPRESENTATION).fit(
        X, y[:, None], sensitive_features=s
    )
    assert two_d.predict(X).shape == (300, 1)
    with pytest.warns(FutureWarning, match="use divergence='sinkhorn'"):
        FairRepresentationLearner(penalty="sinkhorn", **FAST_REPRESENTATION).fit(
            X, y, sensitive_features=s
        )
    with pytest.warns(UserWarning, match=r"integer values 1, 2"):
        FairRepresentationLearner(**FAST_REPRESENTATION).fit(X, y + 1, sensitive_features=s)


def test_linear_ferm_pipeline_with_set_output():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, s = make_biased_classification(200, random_state=0)
    frame = pd.DataFrame(X, columns=list("abcd"))
    ferm = LinearFERM().set_output(transform="pandas")
    out = ferm.fit_transform(frame, y, sensitive_features=s)
    assert list(out.columns) == list("abcd")
    pipe = make_pipeline(StandardScaler(), LinearFERM()).set_output(transform="pandas")
    pipe.fit(frame, y, linearferm__sensitive_features=s)
    assert pipe.predict(frame).shape == (200,)


def test_small_groups_warn_in_estimators():
    X, y, s = make_biased_classification(300, random_state=0)
    s = s.copy()
    s[:8] = 2  # a third, tiny group
    with pytest.warns(SmallGroupWarning, match=r"group\(s\) 2 \(8 examples\)"):
        LinearFERM(constraint="demographic_parity").fit(X, y, sensitive_features=s)


def test_lazy_submodules():
    import subprocess
    import sys

    code = (
        "import fairtutor, sys; assert 'torch' not in sys.modules; "
        "fairtutor.metrics.demographic_parity_difference; "
        "assert 'fairtutor.metrics' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert "metrics" in dir(fairtutor)
    with pytest.raises(AttributeError):
        _ = fairtutor.not_a_module  # the attribute access itself must raise


# ------------------------------------------------------------------ scikit-learn's checks
def _fit_groups(y, n):
    """Two groups that alternate within each class (or row by row), so both have positives."""
    groups = np.arange(n) % 2
    if y is None:
        return groups
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or y.shape[0] != n:
        return groups
    if np.unique(y).size <= 10:
        within = np.zeros(n, dtype=int)
        for label in np.unique(y):
            rows = np.flatnonzero(y == label)
            within[rows] = np.arange(rows.size) % 2
        if np.unique(within).size == 2:
            return within
    return groups


def _predict_groups(X):
    """A group per row that depends on the row only (so subsets and orders agree)."""
    if hasattr(X, "toarray"):
        X = X.toarray()
    values = np.asarray(X, dtype=np.float64).reshape(len(np.asarray(X)), -1)
    return (np.nan_to_num(values).sum(axis=1) > 0).astype(int)


class _InjectGroups:
    """Test-only: supply ``sensitive_features`` when scikit-learn's checks leave it out.

    The real estimators refuse to work without groups (tested above); these
    subclasses show that everything else behaves as scikit-learn expects.
    """

    def fit(self, X, y=None, **kwargs):
        if kwargs.get("sensitive_features") is None:
            kwargs["sensitive_features"] = _fit_groups(y, _n(X))
        return super().fit(X, y, **kwargs)


def _n(X):
    return X.shape[0] if hasattr(X, "shape") else len(np.asarray(X))


class _InjectAtPredict(_InjectGroups):
    def predict(self, X, **kwargs):
        if kwargs.get("sensitive_features") is None:
            kwargs["sensitive_features"] = _predict_groups(X)
        return super().predict(X, **kwargs)

    def score(self, X, y, **kwargs):
        if kwargs.get("sensitive_features") is None:
            kwargs["sensitive_features"] = _predict_groups(X)
        return super().score(X, y, **kwargs)


class ChecksLinearFERM(_InjectGroups, LinearFERM):
    pass


class ChecksKernelFERM(_InjectGroups, KernelFERM):
    pass


class ChecksFairLogisticRegression(_InjectGroups, FairLogisticRegression):
    pass


class ChecksReweighingClassifier(_InjectGroups, ReweighingClassifier):
    pass


class ChecksGroupThresholdClassifier(_InjectAtPredict, GroupThresholdClassifier):
    pass


class ChecksWassersteinFairRegressor(_InjectAtPredict, WassersteinFairRegressor):
    pass


class ChecksFairRepresentationLearner(_InjectGroups, FairRepresentationLearner):
    pass


class ChecksBarycenterPostprocessor(_InjectGroups, BarycenterPostprocessor):
    pass


CHECKED = [
    ChecksLinearFERM(),
    ChecksKernelFERM(),
    ChecksFairLogisticRegression(),
    ChecksReweighingClassifier(),
    ChecksGroupThresholdClassifier(estimator=LogisticRegression(), random_state=0),
    ChecksWassersteinFairRegressor(random_state=0),
    # A fixed bandwidth: the median heuristic is undefined on the checks' data
    # sets with many identical rows (and says so); the API is what is checked.
    ChecksFairRepresentationLearner(**FAST_REPRESENTATION, penalty_kwargs={"bandwidth": 1.0}),
    ChecksBarycenterPostprocessor(random_state=0),
]

# Every check expected to fail, with the reason. Each reason is about what the
# method does, not about a bug: a bug gets fixed, not listed.
_BATCH_JITTER = (
    "the barycenter map jitters predictions in batch order (documented in "
    "BarycenterPostprocessor): on the checks' 20-point calibration set one rank step is large"
)
_FRESH_NOISE = (
    "each predict call draws fresh jitter from the generator fit seeded (Chzhen et al.'s "
    "randomized estimator, fair one prediction at a time), and the check scores the same "
    "fitted object twice in a row, so the two calls see different noise"
)
_COIN_FLIPS = (
    "a score exactly at a group's threshold gets a coin flip (the randomized rule of Hardt "
    "et al.), drawn in batch order from random_state, so a subset can flip differently"
)
EXPECTED_FAILED_CHECKS = {
    "ChecksLinearFERM": {
        "check_classifiers_train": (
            "the fairness constraint lowers training accuracy below scikit-learn's 0.83 bar "
            "(the alternating test groups make u correlate with the separating direction)"
        ),
    },
    "ChecksGroupThresholdClassifier": {
        # passes on recent scikit-learn, fails on 1.6.0's check data (make test-floors)
        "check_methods_subset_invariance": _COIN_FLIPS,
        "check_methods_sample_order_invariance": _COIN_FLIPS,
    },
    "ChecksWassersteinFairRegressor": {
        "check_methods_subset_invariance": _BATCH_JITTER,
        "check_methods_sample_order_invariance": _BATCH_JITTER,
        "check_pipeline_consistency": _FRESH_NOISE,
    },
}


def _expected_failures(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


@parametrize_with_checks(CHECKED, expected_failed_checks=_expected_failures)
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


def test_expected_failures_have_reasons():
    for name, table in EXPECTED_FAILED_CHECKS.items():
        assert any(type(e).__name__ == name for e in CHECKED), name
        for check, reason in table.items():
            assert check.startswith("check_") and len(reason.split()) >= 5, (check, reason)


def test_api_page_cross_validation_recipe_runs():
    """The routing recipe of book/api.md, run as written there."""
    import sklearn
    from sklearn.metrics import make_scorer
    from sklearn.model_selection import cross_validate

    X, y, s = make_biased_classification(300, random_state=0)
    Xr, yr, sr = make_biased_regression(300, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        model = LinearFERM().set_fit_request(sensitive_features=True)
        deo = make_scorer(metrics.equal_opportunity_difference, greater_is_better=False)
        deo = deo.set_score_request(sensitive_features=True)
        scores = cross_validate(
            model,
            X,
            y,
            params={"sensitive_features": s},
            scoring={"accuracy": "accuracy", "deo": deo},
        )
        assert np.all(scores["test_accuracy"] > 0.5) and np.all(scores["test_deo"] <= 0)
        regressor = (
            WassersteinFairRegressor(random_state=0)
            .set_fit_request(sensitive_features=True)
            .set_score_request(sensitive_features=True)
        )
        r2 = cross_validate(regressor, Xr, yr, params={"sensitive_features": sr})["test_score"]
        assert np.all(np.isfinite(r2))


def test_fitted_models_survive_joblib():
    import io

    import joblib

    X, y, s = make_biased_classification(300, random_state=0)
    model = FairRepresentationLearner(**FAST_REPRESENTATION).fit(X, y, sensitive_features=s)
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(joblib.load(buffer).predict(X), model.predict(X))


def test_torch_penalties_accept_any_group_labels():
    import torch

    from fairtutor.divergences import MMDPenalty, SinkhornPenalty

    z = torch.randn(12, 3, generator=torch.Generator().manual_seed(0))
    codes = np.array([0, 1, 2] * 4)
    names = np.array(["a", "b", "c"])[codes]
    for penalty in (MMDPenalty(), SinkhornPenalty()):
        reference = penalty(z, torch.as_tensor(codes))
        for labels in (names, list(names), pd.Series(names, dtype="category")):
            assert torch.equal(penalty(z, labels), reference)
        with pytest.raises(ValueError, match="pass the column's values"):
            penalty(z, "group")


def test_mixed_label_types_in_y_are_an_error_not_a_type_error():
    y_true = np.array([1, "1", 0, "0"], dtype=object)
    with pytest.raises(ValueError, match="y_true mixes label types"):
        metrics.equal_opportunity_difference(y_true, [1, 1, 0, 0], sensitive_features=[0, 0, 1, 1])
