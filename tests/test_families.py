"""Tests of the three family modules of chapter 7 and of the Pareto plot.

- preprocessing: reweighing makes S and Y independent under the weights and
  keeps both marginals; the wrapper equals a weighted fit; every bad input.
- inprocessing: the analytic gradient matches finite differences, lam=0 is
  scikit-learn's logistic regression, the penalty lowers the gap (also with
  three groups); every bad input.
- postprocessing: the thresholds equalize the true-positive rates (or the
  selection rates) exactly in expectation on the data they were fitted on,
  and within one example per group for the realized decisions; the common
  rate maximizes accuracy among all breakpoints (brute force); every bad input.
- plotting: non-dominated set against a brute-force definition; the figure's
  series, labels and errors.
"""

from __future__ import annotations

from functools import partial

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import approx_fprime
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from fairtutor.inprocessing import (
    FairLogisticRegression,
    fair_logistic_objective,
    group_mean_penalty,
)
from fairtutor.plotting import non_dominated, pareto_front
from fairtutor.postprocessing import GroupThresholdClassifier
from fairtutor.preprocessing import ReweighingClassifier, reweighing_table, reweighing_weights


def biased_data(n=2000, n_groups=2, seed=0):
    rng = np.random.default_rng(seed)
    s = rng.integers(0, n_groups, n)
    X = rng.normal(size=(n, 3)) + 0.8 * s[:, None] * np.array([1.0, 0.5, 0.0])
    y = (X[:, 0] + 0.5 * X[:, 2] + rng.normal(size=n) > 0.6).astype(int)
    return X, y, s


# ------------------------------------------------------------ preprocessing


@pytest.mark.parametrize("n_groups", [2, 3])
def test_reweighing_makes_group_and_label_independent(n_groups):
    X, y, s = biased_data(n_groups=n_groups)
    w = reweighing_weights(y, sensitive_features=s)
    joint = np.zeros((n_groups, 2))
    np.add.at(joint, (s, y), w)
    joint /= w.sum()
    p_s = np.bincount(s) / s.size
    p_y = np.bincount(y) / y.size
    np.testing.assert_allclose(joint, np.outer(p_s, p_y), atol=1e-12)
    np.testing.assert_allclose(joint.sum(axis=1), p_s, atol=1e-12)  # marginals kept
    np.testing.assert_allclose(joint.sum(axis=0), p_y, atol=1e-12)
    assert w.sum() == pytest.approx(y.size)
    # Without weights they are dependent on this data.
    raw = np.zeros((n_groups, 2))
    np.add.at(raw, (s, y), 1.0 / y.size)
    assert np.abs(raw - np.outer(p_s, p_y)).max() > 0.01


def test_reweighing_table_with_string_labels():
    table, groups, classes = reweighing_table(
        ["no", "yes", "yes", "no"], sensitive_features=["a", "a", "b", "b"]
    )
    assert list(groups) == ["a", "b"] and list(classes) == ["no", "yes"]
    np.testing.assert_allclose(table, np.ones((2, 2)))


def test_reweighing_classifier_is_a_weighted_fit():
    X, y, s = biased_data()
    model = ReweighingClassifier(LogisticRegression()).fit(X, y, sensitive_features=s)
    direct = LogisticRegression().fit(
        X, y, sample_weight=reweighing_weights(y, sensitive_features=s)
    )
    np.testing.assert_allclose(model.predict_proba(X), direct.predict_proba(X), atol=1e-12)
    np.testing.assert_array_equal(model.predict(X), direct.predict(X))
    np.testing.assert_allclose(model.decision_function(X), direct.decision_function(X))
    assert model.n_features_in_ == 3 and list(model.groups_) == [0, 1]


@pytest.mark.parametrize(
    "y, s, message",
    [
        ([0, 1, 1], [0, 1], "different lengths"),
        ([0, 1, 0, 1], [0, 0, 0, 0], "at least 2"),
        ([1, 1, 1, 1], [0, 0, 1, 1], "single class"),
        ([0, 1, 1, 1], [0, 0, 1, 1], "empty .group, label. cell"),
        ([0.0, np.nan, 1.0, 0.0], [0, 0, 1, 1], "NaN"),
        ([0, 1, 0, 1], [0, np.nan, 1, 1], "NaN"),
        ([0.5, 1.5, 0.5, 1.5], [0, 0, 1, 1], "class labels"),
        ([], [], "empty"),
    ],
)
def test_reweighing_errors(y, s, message):
    with pytest.raises(ValueError, match=message):
        reweighing_weights(y, sensitive_features=s)


def test_reweighing_classifier_errors():
    X, y, s = biased_data(n=100)
    with pytest.raises(ValueError, match="different lengths"):
        ReweighingClassifier().fit(X[:50], y, sensitive_features=s)
    with pytest.raises(ValueError, match="empty"):
        ReweighingClassifier().fit(X, np.where(s == 1, 1, y), sensitive_features=s)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        ReweighingClassifier().predict(X)


# ------------------------------------------------------------- inprocessing


@pytest.mark.parametrize("n_groups", [2, 4])
def test_group_mean_penalty_gradient(n_groups):
    rng = np.random.default_rng(1)
    codes = np.r_[np.arange(n_groups), rng.integers(0, n_groups, 40)]
    values = rng.normal(size=codes.size)
    _, grad = group_mean_penalty(values, codes, n_groups)
    numeric = approx_fprime(values, lambda v: group_mean_penalty(v, codes, n_groups)[0], 1e-7)
    np.testing.assert_allclose(grad, numeric, atol=1e-6)
    means = np.array([values[codes == k].mean() for k in range(n_groups)])
    pairs = [(means[k] - means[m]) ** 2 for k in range(n_groups) for m in range(k + 1, n_groups)]
    assert group_mean_penalty(values, codes, n_groups)[0] == pytest.approx(np.mean(pairs))


@pytest.mark.parametrize("penalty", ["demographic_parity", "equal_opportunity"])
@pytest.mark.parametrize("relaxation", ["proba", "score"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_objective_gradient_matches_finite_differences(penalty, relaxation, fit_intercept):
    X, y, s = biased_data(n=300)
    _, codes = np.unique(s, return_inverse=True)
    objective = partial(
        fair_logistic_objective,
        X=X,
        y01=y.astype(float),
        codes=codes,
        n_groups=codes.max() + 1,
        lam=5.0,
        C=0.7,
        constraint=penalty,
        relaxation=relaxation,
        fit_intercept=fit_intercept,
    )
    theta = np.random.default_rng(2).normal(scale=0.3, size=X.shape[1] + fit_intercept)
    value, grad = objective(theta)
    numeric = approx_fprime(theta, lambda t: objective(t)[0], 1e-7)
    np.testing.assert_allclose(grad, numeric, atol=1e-6)


@pytest.mark.parametrize("penalty", ["demographic_parity", "equal_opportunity"])
@pytest.mark.parametrize("relaxation", ["proba", "score"])
def test_objective_is_recomputed_from_its_definition(penalty, relaxation):
    # The named objective against the formula written out term by term, with
    # the group means taken over the rows the constraint names.
    X, y, s = biased_data(n=300)
    _, codes = np.unique(s, return_inverse=True)
    theta = np.random.default_rng(3).normal(scale=0.3, size=X.shape[1] + 1)
    lam, C = 4.0, 0.5
    z = X @ theta[:-1] + theta[-1]
    rows = y == 1 if penalty == "equal_opportunity" else np.ones(y.size, bool)
    stat = expit(z) if relaxation == "proba" else z
    means = [stat[rows & (codes == k)].mean() for k in range(codes.max() + 1)]
    pairs = [(a - b) ** 2 for i, a in enumerate(means) for b in means[i + 1 :]]
    expected = (
        np.mean(np.log1p(np.exp(z)) - y * z)
        + theta[:-1] @ theta[:-1] / (2 * C * y.size)
        + lam * np.mean(pairs)
    )
    value, _ = fair_logistic_objective(
        theta,
        X,
        y.astype(float),
        codes,
        codes.max() + 1,
        lam=lam,
        C=C,
        constraint=penalty,
        relaxation=relaxation,
    )
    assert value == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("penalty", ["demographic_parity", "equal_opportunity"])
def test_estimator_minimizes_the_named_objective(penalty):
    # fit's reported optimum is the named function at the fitted weights, and
    # the gradient there vanishes: the estimator minimizes this very function.
    X, y, s = biased_data()
    model = FairLogisticRegression(penalty=penalty, lam=5.0, C=0.5).fit(X, y, sensitive_features=s)
    theta = np.append(model.coef_[0], model.intercept_)
    _, codes = np.unique(s, return_inverse=True)
    value, grad = fair_logistic_objective(
        theta, X, y.astype(float), codes, codes.max() + 1, lam=5.0, C=0.5, constraint=penalty
    )
    assert value == pytest.approx(model.objective_, rel=1e-12)
    assert np.abs(grad).max() < 1e-6


def test_lam_zero_is_sklearn_logistic_regression():
    X, y, s = biased_data()
    ours = FairLogisticRegression(lam=0.0, C=0.5).fit(X, y, sensitive_features=s)
    ref = LogisticRegression(C=0.5, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-5)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


@pytest.mark.parametrize("penalty", ["demographic_parity", "equal_opportunity"])
@pytest.mark.parametrize("n_groups", [2, 3])
def test_penalty_lowers_the_gap(penalty, n_groups):
    X, y, s = biased_data(n_groups=n_groups)
    gaps = []
    for lam in (0.0, 3.0, 30.0):
        model = FairLogisticRegression(penalty=penalty, lam=lam).fit(X, y, sensitive_features=s)
        gaps.append(model.penalty_value_)
    assert gaps[2] < gaps[1] < gaps[0]
    assert gaps[2] < 0.1 * gaps[0]
    # The decisions' gap follows, on the training data.
    from fairtutor.metrics import demographic_parity_difference, equal_opportunity_difference

    metric = (
        demographic_parity_difference
        if penalty == "demographic_parity"
        else equal_opportunity_difference
    )
    plain = FairLogisticRegression(penalty=penalty, lam=0.0).fit(X, y, sensitive_features=s)
    fair = FairLogisticRegression(penalty=penalty, lam=30.0).fit(X, y, sensitive_features=s)
    assert metric(y, fair.predict(X), sensitive_features=s) < metric(
        y, plain.predict(X), sensitive_features=s
    )


def test_string_labels_and_classes():
    X, y, s = biased_data(n=400)
    labels = np.where(y == 1, "high", "low")
    model = FairLogisticRegression(lam=1.0).fit(X, labels, sensitive_features=s)
    assert list(model.classes_) == ["high", "low"]
    assert set(model.predict(X)) <= {"high", "low"}
    assert model.predict_proba(X).shape == (400, 2)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"penalty": "equalized_odds"}, "penalty must be one of"),
        ({"relaxation": "logit"}, "relaxation must be one of"),
        ({"lam": -1.0}, "lam must be"),
        ({"lam": np.nan}, "lam must be"),
        ({"C": 0.0}, "C must be"),
        ({"max_iter": 0}, "max_iter must be"),
    ],
)
def test_fair_logistic_regression_bad_parameters(params, message):
    X, y, s = biased_data(n=100)
    with pytest.raises(ValueError, match=message):
        FairLogisticRegression(**params).fit(X, y, sensitive_features=s)


def test_fair_logistic_regression_bad_inputs():
    X, y, s = biased_data(n=100)
    with pytest.raises(ValueError, match="different lengths"):
        FairLogisticRegression().fit(X, y[:50], sensitive_features=s)
    with pytest.raises(ValueError, match="different lengths"):
        FairLogisticRegression().fit(X, y, sensitive_features=s[:50])
    with pytest.raises(ValueError, match="binary"):
        FairLogisticRegression().fit(X, np.arange(100) % 3, sensitive_features=s)
    with pytest.raises(ValueError, match="at least 2"):
        FairLogisticRegression().fit(X, y, sensitive_features=np.zeros(100))
    with pytest.raises(ValueError, match="no positive example"):
        FairLogisticRegression(penalty="equal_opportunity").fit(
            X, np.where(s == 1, 0, y), sensitive_features=s
        )
    with pytest.raises(ValueError, match="NaN"):
        FairLogisticRegression().fit(np.where(X > 2, np.nan, X), y, sensitive_features=s)
    model = FairLogisticRegression().fit(X, y, sensitive_features=s)
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :2])
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        FairLogisticRegression().predict(X)


# ----------------------------------------------------------- postprocessing


@pytest.mark.parametrize("n_groups", [2, 3])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_thresholds_equalize_tpr_on_fitting_data(n_groups, seed):
    X, y, s = biased_data(n=3000, n_groups=n_groups, seed=seed)
    scores = LogisticRegression().fit(X, y).decision_function(X)
    post = GroupThresholdClassifier(random_state=seed).fit(scores, y, sensitive_features=s)
    p = post.acceptance_probability(scores, sensitive_features=s)
    tpr = np.array([p[(y == 1) & (s == g)].mean() for g in range(n_groups)])
    # Exactly in expectation over the coin flips ...
    np.testing.assert_allclose(tpr, post.target_rate_, atol=1e-12)
    # ... and within one positive per group for the realized decisions.
    y_pred = post.predict(scores, sensitive_features=s)
    realized = np.array([y_pred[(y == 1) & (s == g)].mean() for g in range(n_groups)])
    positives = np.array([np.sum((y == 1) & (s == g)) for g in range(n_groups)])
    assert np.all(np.abs(realized - post.target_rate_) <= 1.0 / positives + 1e-12)
    assert post.fit_accuracy_ == pytest.approx(np.mean(np.where(y == 1, p, 1 - p)))
    # Without post-processing the rates differ.
    raw = np.array([np.mean(scores[(y == 1) & (s == g)] > 0) for g in range(n_groups)])
    assert raw.max() - raw.min() > 0.05


def test_thresholds_equalize_selection_rates_for_demographic_parity():
    X, y, s = biased_data(n=3000)
    scores = LogisticRegression().fit(X, y).decision_function(X)
    post = GroupThresholdClassifier(constraint="demographic_parity").fit(
        scores, y, sensitive_features=s
    )
    p = post.acceptance_probability(scores, sensitive_features=s)
    rates = [p[s == g].mean() for g in (0, 1)]
    assert rates == pytest.approx([post.target_rate_] * 2, abs=1e-12)


def test_common_rate_maximizes_accuracy_by_brute_force():
    # Small data with ties: try every pair of (threshold, probability) per group
    # on a fine grid of target rates and check none beats the fitted rule.
    rng = np.random.default_rng(5)
    s = np.repeat([0, 1], 30)
    y = (rng.random(60) < np.where(s == 1, 0.6, 0.3)).astype(int)
    y[[0, 1, 30, 31]] = [1, 0, 1, 0]
    scores = np.round(y + 0.5 * s + rng.normal(size=60), 1)  # ties on purpose
    post = GroupThresholdClassifier().fit(scores, y, sensitive_features=s)

    def accuracy_at(t):
        correct = 0.0
        for g in (0, 1):
            sg, yg = scores[s == g], y[s == g]
            target = t * yg.sum()
            best = None
            for tau in np.r_[np.inf, np.unique(sg)[::-1]]:
                above = sg > tau
                at = sg == tau
                tp_above, pos_at = yg[above].sum(), yg[at].sum()
                if tp_above <= target <= tp_above + pos_at and (pos_at > 0 or tp_above == target):
                    alpha = 0.0 if pos_at == 0 else (target - tp_above) / pos_at
                    fp = (1 - yg[above]).sum() + alpha * (1 - yg[at]).sum()
                    if best is None or fp < best:
                        best = fp
            correct += target + (yg.size - yg.sum()) - best
        return correct / y.size

    grid = np.linspace(0, 1, 401)
    assert post.fit_accuracy_ >= max(accuracy_at(t) for t in grid) - 1e-12
    assert post.fit_accuracy_ == pytest.approx(accuracy_at(post.target_rate_))


def test_accuracy_jumps_down_right_of_a_breakpoint_and_is_left_continuous():
    """Review E3: A(t) is not continuous. One group, labels by decreasing score 1, 0, 0, 1:
    at t = 1/2 the rule accepts the first positive only (3 correct decisions); just above,
    it also accepts both negatives ranked above the second positive (1 correct in
    expectation). From the left, A is continuous; the maximum stays at a breakpoint."""
    from fairtutor.postprocessing import _at_target, _group_curve

    scores = np.array([4.0, 3.0, 2.0, 1.0])
    y01 = np.array([1.0, 0.0, 0.0, 1.0])
    curve = _group_curve(scores, y01, "equal_opportunity")

    def correct(t):
        _, _, tp, fp = _at_target(curve, np.array([t * 2.0]))
        return float(tp[0] + (2.0 - fp[0]))

    assert correct(0.5) == pytest.approx(3.0)
    assert correct(0.5 + 1e-9) == pytest.approx(1.0, abs=1e-6)  # the jump down
    assert correct(0.5 - 1e-9) == pytest.approx(3.0, abs=1e-6)  # left-continuous
    # linear and increasing between breakpoints: slope n+ per unit of t (one positive per block)
    assert correct(0.75) - correct(0.6) == pytest.approx(0.15 * 2.0)


def test_thresholds_with_estimators():
    X, y, s = biased_data()
    base = LogisticRegression().fit(X, y)
    prefit = GroupThresholdClassifier(base, prefit=True, random_state=0).fit(
        X, y, sensitive_features=s
    )
    on_scores = GroupThresholdClassifier(random_state=0).fit(
        base.decision_function(X), y, sensitive_features=s
    )
    np.testing.assert_allclose(prefit.thresholds_, on_scores.thresholds_)
    np.testing.assert_array_equal(
        prefit.predict(X, sensitive_features=s),
        on_scores.predict(base.decision_function(X), sensitive_features=s),
    )
    refit = GroupThresholdClassifier(LogisticRegression(), random_state=0).fit(
        X, y, sensitive_features=s
    )
    np.testing.assert_allclose(refit.thresholds_, prefit.thresholds_)
    assert refit.estimator_ is not refit.estimator

    from sklearn.naive_bayes import GaussianNB  # no decision_function: uses predict_proba

    nb = GroupThresholdClassifier(GaussianNB()).fit(X, y, sensitive_features=s)
    assert nb.predict(X, sensitive_features=s).shape == y.shape


def test_predict_is_seeded_and_subsets_of_groups_work():
    X, y, s = biased_data()
    scores = X[:, 0]
    post = GroupThresholdClassifier(random_state=3).fit(scores, y, sensitive_features=s)
    np.testing.assert_array_equal(
        post.predict(scores, sensitive_features=s), post.predict(scores, sensitive_features=s)
    )
    only_one = post.predict(scores[s == 1], sensitive_features=s[s == 1])
    assert only_one.shape == (np.sum(s == 1),)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"y": [0, 1, 2, 1]}, "binary"),
        ({"y": [1, 1, 1, 1]}, "binary"),
        ({"y": [0, 1, 1]}, "different lengths"),
        ({"s": [0, 0, 0, 0]}, "at least 2"),
        ({"s": [0, 1, 1]}, "different lengths"),
        ({"scores": [0.1, np.nan, 0.3, 0.4]}, "NaN"),
        ({"scores": [0.1, np.inf, 0.3, 0.4]}, "infinite"),
        ({"y": [1, 0, 0, 0]}, "no positive label"),
    ],
)
def test_threshold_fit_errors(kwargs, message):
    data = {"scores": [0.1, 0.2, 0.3, 0.4], "y": [0, 1, 0, 1], "s": [0, 0, 1, 1]}
    data.update(kwargs)
    with pytest.raises(ValueError, match=message):
        GroupThresholdClassifier().fit(data["scores"], data["y"], sensitive_features=data["s"])


def test_threshold_other_errors():
    post = GroupThresholdClassifier().fit(
        [0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1], sensitive_features=["a", "a", "b", "b"]
    )
    with pytest.raises(ValueError, match="not seen in fit"):
        post.predict([0.5, 0.6], sensitive_features=["a", "c"])
    with pytest.raises(ValueError, match="different lengths"):
        post.predict([0.5, 0.6], sensitive_features=["a"])
    with pytest.raises(ValueError, match="constraint must be one of"):
        GroupThresholdClassifier(constraint="equalized_odds").fit(
            [0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1], sensitive_features=[0, 0, 1, 1]
        )

    class NoScore:
        def fit(self, X, y):
            return self

        def predict(self, X):
            return np.zeros(len(X))

    with pytest.raises(ValueError, match="neither decision_function nor predict_proba"):
        GroupThresholdClassifier(NoScore(), prefit=True).fit(
            np.zeros((4, 2)), [0, 1, 0, 1], sensitive_features=[0, 0, 1, 1]
        )
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        GroupThresholdClassifier().predict([0.1], sensitive_features=[0])


# ------------------------------------------------------------------ plotting


def test_non_dominated_matches_definition():
    rng = np.random.default_rng(0)
    x, y = rng.random(60), rng.random(60)
    x[5], y[5] = x[6], y[6]  # duplicates: neither dominates the other
    mask = non_dominated(x, y)
    for i in range(60):
        dominated = any(
            (x[j] <= x[i] and y[j] >= y[i]) and (x[j] < x[i] or y[j] > y[i]) for j in range(60)
        )
        assert mask[i] == (not dominated)
    assert non_dominated(-x, y, minimize_x=False).tolist() == mask.tolist()
    assert non_dominated(x, -y, maximize_y=False).tolist() == mask.tolist()


@pytest.mark.parametrize(
    "x, y, message",
    [
        ([0.1, 0.2], [0.5], "different lengths"),
        ([], [], "empty"),
        ([0.1, np.nan], [0.5, 0.6], "finite"),
    ],
)
def test_non_dominated_errors(x, y, message):
    with pytest.raises(ValueError, match=message):
        non_dominated(x, y)


def _results():
    rng = np.random.default_rng(0)
    rows = []
    for name, deo, acc in [("a", 0.2, 0.85), ("b", 0.05, 0.84), ("c", 0.3, 0.80)]:
        for split in range(4):
            rows.append(
                {
                    "method": name,
                    "split": split,
                    "deo": deo + 0.01 * rng.normal(),
                    "dp": deo / 2,
                    "accuracy": acc + 0.005 * rng.normal(),
                }
            )
    return pd.DataFrame(rows)


def test_pareto_front_draws_means_errors_and_front():
    import matplotlib.pyplot as plt

    results = _results()
    ax = pareto_front(results, x="deo", y="accuracy", title="t")
    containers = ax.containers
    assert len(containers) == 3
    means = results.groupby("method", sort=False)[["deo", "accuracy"]].mean()
    for container, name in zip(containers, means.index, strict=True):
        line = container.lines[0]
        assert line.get_xdata()[0] == pytest.approx(means.loc[name, "deo"])
        assert line.get_ydata()[0] == pytest.approx(means.loc[name, "accuracy"])
        assert line.get_marker() not in (None, "None", "")
    markers = {c.lines[0].get_marker() for c in containers}
    assert len(markers) == 3  # one marker per method
    front = [line for line in ax.get_lines() if line.get_label() == "Pareto front"]
    assert len(front) == 1 and len(front[0].get_xdata()) == 2  # a and b, not c
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title() == "t"
    sem_ax = pareto_front(results, x="dp", error="sem", front=False, legend=False)
    assert sem_ax.get_legend() is None
    plt.close("all")


@pytest.mark.parametrize(
    "results, kwargs, message",
    [
        ([1, 2], {}, "DataFrame"),
        (pd.DataFrame({"method": ["a"], "deo": [0.1]}), {}, "no column"),
        (pd.DataFrame({"method": [], "deo": [], "accuracy": []}), {}, "empty"),
        (pd.DataFrame({"method": ["a"], "deo": [np.nan], "accuracy": [0.8]}), {}, "finite"),
        (
            pd.DataFrame({"method": ["a"], "deo": [0.1], "accuracy": [0.8]}),
            {"error": "var"},
            "error must be",
        ),
    ],
)
def test_pareto_front_errors(results, kwargs, message):
    with pytest.raises(ValueError, match=message):
        pareto_front(results, **kwargs)


@pytest.mark.parametrize("module_name", ["ferm", "inprocessing", "postprocessing", "preprocessing"])
def test_public_names_link_back_to_the_section_that_derives_them(module_name):
    # Issue 20: every public function and class says where the book derives it,
    # through a Sphinx label that a chapter defines (the book build resolves it).
    import importlib
    import inspect
    import json
    import re
    from pathlib import Path

    module = importlib.import_module(f"fairtutor.{module_name}")
    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    defined = set()
    for path in notebooks.glob("*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "markdown":
                defined |= set(re.findall(r"^\(([\w-]+)\)=\s*$", "".join(cell["source"]), re.M))
    for name in module.__all__:
        doc = inspect.getdoc(getattr(module, name)) or ""
        details = doc.split("\n\n")[1] if "\n\n" in doc else ""
        labels = re.findall(r":ref:`[^`<]*<([\w-]+)>`", details)
        assert doc.split("\n\n")[1].startswith("Derived in"), f"{module_name}.{name}"
        assert labels and set(labels) <= defined, (f"{module_name}.{name}", labels)
