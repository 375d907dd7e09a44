"""Tests of fairtutor.ferm: the constraint holds on real data, errors are clear,
the estimators follow scikit-learn's conventions and route sensitive_features."""

import warnings

import numpy as np
import pytest
import sklearn
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC

from fairtutor.datasets import load_adult, load_german, make_preprocessor
from fairtutor.ferm import (
    KernelFERM,
    LinearFERM,
    fairness_direction,
    kernel_fit_at,
    linear_fit_at,
    shrink_along_span,
)


@pytest.fixture(scope="module")
def german():
    bunch = load_german()
    X = make_preprocessor(bunch).fit_transform(bunch.data)
    return X, bunch.target.to_numpy(), bunch.sensitive.to_numpy()


@pytest.fixture(scope="module")
def adult_small():
    bunch = load_adult()
    rng = np.random.default_rng(0)
    rows = rng.choice(len(bunch.target), 1500, replace=False)
    X = make_preprocessor(bunch).fit_transform(bunch.data.iloc[rows])
    return X, bunch.target.to_numpy()[rows], bunch.sensitive.to_numpy()[rows]


# ---------------------------------------------------------------- direction
def test_fairness_direction_matches_group_means(german):
    X, y, s = german
    u = fairness_direction(X, y, sensitive_features=s)
    groups = np.unique(s)
    expected = X[(y == 1) & (s == groups[1])].mean(0) - X[(y == 1) & (s == groups[0])].mean(0)
    np.testing.assert_allclose(u[0], expected, atol=1e-12)
    dp = fairness_direction(X, y, sensitive_features=s, constraint="demographic_parity")
    np.testing.assert_allclose(
        dp[0], X[s == groups[1]].mean(0) - X[s == groups[0]].mean(0), atol=1e-12
    )


def test_fairness_direction_multigroup_shape():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(90, 4))
    y = np.tile([0, 1], 45)
    s = np.repeat(["a", "b", "c"], 30)
    u = fairness_direction(X, y, sensitive_features=s)
    assert u.shape == (2, 4)
    np.testing.assert_allclose(
        u[1], X[(s == "c") & (y == 1)].mean(0) - X[(s == "a") & (y == 1)].mean(0)
    )


# ---------------------------------------------------------------- linear
@pytest.mark.parametrize("base", [LogisticRegression(max_iter=1000), LinearSVC()])
@pytest.mark.parametrize("constraint", ["equal_opportunity", "demographic_parity"])
def test_linear_constraint_holds_on_german(german, base, constraint):
    X, y, s = german
    model = LinearFERM(base, constraint=constraint).fit(X, y, sensitive_features=s)
    u = fairness_direction(X, y, sensitive_features=s, constraint=constraint)
    assert abs(u[0] @ model.coef_[0]) < 1e-8
    np.testing.assert_allclose(model.constraint_values_, u @ model.coef_[0], atol=1e-12)
    # decision function is the linear score in the original space
    np.testing.assert_allclose(
        model.decision_function(X), X @ model.coef_[0] + model.intercept_[0], atol=1e-9
    )
    # the transformed data is orthogonal to u
    assert np.abs(model.transform(X) @ u[0]).max() < 1e-8


def test_linear_three_groups_adult(adult_small):
    X, y, _ = adult_small
    bunch = load_adult(sensitive="race")
    rng = np.random.default_rng(0)
    rows = rng.choice(len(bunch.target), 1500, replace=False)
    race = bunch.sensitive.to_numpy()[rows]
    keep = np.isin(race, ["White", "Black", "Asian-Pac-Islander"])
    model = LinearFERM(LogisticRegression(max_iter=1000)).fit(
        X[keep], y[keep], sensitive_features=race[keep]
    )
    assert model.constraint_values_.shape == (2,)
    assert np.abs(model.constraint_values_).max() < 1e-8


def _three_group_german(german, reference="a"):
    """German with its second group split at random into two: three groups, all with
    positives. ``reference`` names the group that sorts first (the library's reference);
    with "c" it is the group whose mean score lies between the other two."""
    X, y, s = german
    rng = np.random.default_rng(3)
    s3 = np.where(s == np.unique(s)[0], "a", rng.choice(["b", "c"], len(s)))
    rename = {
        "a": {"a": "a", "b": "b", "c": "c"},
        "b": {"a": "y", "b": "a", "c": "z"},
        "c": {"a": "y", "b": "z", "c": "a"},
    }[reference]
    return X, y, np.vectorize(rename.get)(s3)


def _pairwise_gaps(model_coef, X, y, s, constraint="equal_opportunity"):
    """All |<w, u_g - u_h>| computed from the group means, independently of the library."""
    mask = (y == 1) if constraint == "equal_opportunity" else np.ones(y.size, bool)
    means = {g: X[mask & (s == g)].mean(0) for g in np.unique(s)}
    labels = list(means)
    return np.array(
        [
            abs(model_coef @ (means[g] - means[h]))
            for i, g in enumerate(labels)
            for h in labels[i + 1 :]
        ]
    )


@pytest.mark.parametrize("reference", ["a", "b", "c"])
@pytest.mark.parametrize(
    "Model",
    [
        lambda eps: LinearFERM(LogisticRegression(max_iter=2000, tol=1e-8), epsilon=eps),
        lambda eps: KernelFERM(kernel="linear", C=0.1, epsilon=eps, tol=1e-6),
    ],
)
def test_multigroup_epsilon_bounds_every_pairwise_gap(german, Model, reference):
    """Issue 14, item 6: with K = 3 groups, every pair of groups is within epsilon,
    not only each group against the reference (which allowed pairs up to 2 epsilon
    when the reference lies between the others, reference="c")."""
    X, y, s3 = _three_group_german(german, reference)
    free = Model(1e6).fit(X, y, sensitive_features=s3)
    eps = 0.5 * free.pairwise_gap_
    model = Model(eps).fit(X, y, sensitive_features=s3)
    if isinstance(model, LinearFERM):
        gaps = _pairwise_gaps(model.coef_[0], X, y, s3)
        assert gaps.max() <= eps * (1 + 1e-9)
        assert gaps.max() >= (1 - 2e-3) * eps  # the constraint is active, not over-shrunk
        assert np.isclose(model.pairwise_gap_, gaps.max())
    values = np.r_[0.0, model.constraint_values_]
    assert np.isclose(model.pairwise_gap_, values.max() - values.min())
    assert model.pairwise_gap_ <= eps * (1 + 1e-9)


def test_multigroup_epsilon_is_invariant_to_relabelling_the_groups(german):
    """The fit must not depend on which group sorts first (the old reference-group
    constraint did): rename the groups so that another one becomes the reference."""
    X, y, s3 = _three_group_german(german, "a")
    _, _, renamed = _three_group_german(german, "c")
    base = LogisticRegression(max_iter=2000, tol=1e-10)
    eps = 0.5 * LinearFERM(base, epsilon=1e6).fit(X, y, sensitive_features=s3).pairwise_gap_
    first = LinearFERM(base, epsilon=eps).fit(X, y, sensitive_features=s3)
    second = LinearFERM(base, epsilon=eps).fit(X, y, sensitive_features=renamed)
    # a different group is the reference
    assert first.groups_[0] == "a" and second.groups_[0] == "a"
    # the two fits differ only by rounding (another basis of the same span), which can
    # move the root search by a fraction of its stopping tolerance (1e-3 of epsilon)
    np.testing.assert_allclose(first.pairwise_gap_, second.pairwise_gap_, rtol=1e-4)
    np.testing.assert_allclose(first.coef_, second.coef_, atol=1e-4)
    kernel_first = KernelFERM(epsilon=0.05).fit(X, y, sensitive_features=s3)
    kernel_second = KernelFERM(epsilon=0.05).fit(X, y, sensitive_features=renamed)
    np.testing.assert_allclose(
        kernel_first.decision_function(X[:50]), kernel_second.decision_function(X[:50]), atol=1e-5
    )


@pytest.mark.parametrize(
    "base",
    [LogisticRegression(C=np.inf, max_iter=2000), LinearSVC(penalty="l1", dual=False, C=0.1)],
)
def test_linear_epsilon_warns_without_ridge_penalty(german, base):
    """Review W9: the shrinkage path is exact only through an ||w||^2 penalty."""
    X, y, s = german
    with pytest.warns(UserWarning, match="exact only for a learner with an"):
        LinearFERM(base, epsilon=0.01).fit(X, y, sensitive_features=s)


def test_linear_epsilon_no_warning_with_ridge_penalty(german):
    X, y, s = german
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LinearFERM(LogisticRegression(max_iter=1000), epsilon=0.01).fit(X, y, sensitive_features=s)


@pytest.mark.parametrize("epsilon", [0.02, 0.05])
def test_linear_epsilon_active_and_feasible(german, epsilon):
    X, y, s = german
    base = LogisticRegression(max_iter=1000, tol=1e-8)
    free = base.fit(X, y)
    u = fairness_direction(X, y, sensitive_features=s)[0]
    assert abs(u @ free.coef_[0]) > epsilon  # the constraint is active
    model = LinearFERM(base, epsilon=epsilon).fit(X, y, sensitive_features=s)
    value = abs(model.constraint_values_[0])
    assert (1 - 2e-3) * epsilon <= value <= epsilon
    assert 0 < model.shrinkage_ < 1


def test_linear_epsilon_inactive_gives_base_model(german):
    X, y, s = german
    base = LogisticRegression(max_iter=1000)
    model = LinearFERM(base, epsilon=10.0).fit(X, y, sensitive_features=s)
    assert model.shrinkage_ == 1.0 and model.n_fits_ == 1
    np.testing.assert_allclose(model.coef_, base.fit(X, y).coef_)


def test_linear_epsilon_is_the_constrained_optimum(german):
    """KKT check: at epsilon > 0 the shrinkage fit solves min L(w) s.t. |<w,u>| <= eps.

    Compare with the fits at fixed t = <w, u>/||u||, a one-dimensional family
    that contains the constrained optimum: the loss at the solution must be the
    smallest among feasible members."""
    X, y, s = german
    C = 1.0
    base = LogisticRegression(C=C, max_iter=2000, tol=1e-10)
    model = LinearFERM(base, epsilon=0.03).fit(X, y, sensitive_features=s)

    def objective(coef, intercept):
        z = (2 * y - 1) * (X @ coef + intercept)
        return 0.5 * coef @ coef + C * np.logaddexp(0, -z).sum()

    best = objective(model.coef_[0], model.intercept_[0])
    # a feasible perturbation along u or inside the complement never does better
    rng = np.random.default_rng(0)
    u = fairness_direction(X, y, sensitive_features=s)[0]
    for _ in range(20):
        d = rng.normal(size=X.shape[1]) * 1e-3
        d -= (d @ u) / (u @ u) * u
        assert objective(model.coef_[0] + d, model.intercept_[0]) >= best - 1e-6


def test_linear_fit_at_solves_the_ridge_problem_with_the_span_penalty(german):
    """Chapter 3, epsilon > 0: training on x P + c x Pi and mapping the weights back
    minimizes C * loss + ||w||^2 / 2 + (1/c^2 - 1) ||Pi w||^2 / 2, solved here by
    L-BFGS on the original features."""
    X, y, s = german
    X, y, s = X[:300], y[:300], s[:300]
    C, c = 1.0, 0.4
    u = fairness_direction(X, y, sensitive_features=s)
    basis = (u / np.linalg.norm(u)).T
    (fitted, coef), gap = linear_fit_at(
        c,
        estimator=LogisticRegression(C=C, tol=1e-12, max_iter=10_000),
        X=X,
        y=y,
        basis=basis,
        directions=u,
    )
    extra = 1.0 / c**2 - 1.0

    def objective(theta):
        w, b = theta[:-1], theta[-1]
        z = (2 * y - 1) * (X @ w + b)
        along = w @ basis[:, 0]
        return C * np.logaddexp(0, -z).sum() + 0.5 * w @ w + 0.5 * extra * along**2

    reference = minimize(
        objective,
        np.zeros(X.shape[1] + 1),
        method="L-BFGS-B",
        options={"gtol": 1e-10, "ftol": 1e-15, "maxiter": 10_000},
    ).x
    np.testing.assert_allclose(coef[0], reference[:-1], atol=1e-4)
    np.testing.assert_allclose(fitted.intercept_[0], reference[-1], atol=1e-4)
    assert gap == pytest.approx(abs(coef[0] @ u[0]))


def test_shrink_along_span_keeps_the_complement_and_scales_the_span():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 4))
    basis = np.linalg.qr(rng.normal(size=(4, 2)))[0]
    projector = basis @ basis.T
    expected = X @ (np.eye(4) - projector) + 0.3 * X @ projector
    np.testing.assert_allclose(shrink_along_span(X, basis, 0.3), expected, atol=1e-12)
    assert shrink_along_span(X, np.zeros((4, 0)), 0.3) is X


def test_linear_ferm_fits_through_linear_fit_at(german):
    X, y, s = german
    model = LinearFERM(LogisticRegression(max_iter=2000), epsilon=0.03).fit(
        X, y, sensitive_features=s
    )
    (_, coef), gap = linear_fit_at(
        model.shrinkage_,
        estimator=model.estimator,
        X=X,
        y=y,
        basis=model.basis_,
        directions=model.directions_,
    )
    np.testing.assert_array_equal(model.coef_, coef)
    assert model.pairwise_gap_ == gap


def test_linear_predict_proba_available_only_when_base_has_it(german):
    X, y, s = german
    model = LinearFERM(LogisticRegression(max_iter=1000)).fit(X, y, sensitive_features=s)
    proba = model.predict_proba(X[:5])
    np.testing.assert_allclose(proba.sum(1), 1.0)
    assert not hasattr(LinearFERM(LinearSVC()), "predict_proba")


# ---------------------------------------------------------------- kernel
def test_kernel_constraint_holds_on_adult(adult_small):
    X, y, s = adult_small
    model = KernelFERM(C=1.0).fit(X, y, sensitive_features=s)
    assert abs(model.constraint_values_[0]) < 1e-6
    # recompute <w, u> independently from the kernel and the stored expansion
    K = rbf_kernel(model.X_fit_, X, gamma=1.0 / (X.shape[1] * X.var()))
    groups = np.unique(s)
    pos_a = (y == 1) & (s == groups[0])
    pos_b = (y == 1) & (s == groups[1])
    k_u = K[:, pos_b].mean(1) - K[:, pos_a].mean(1)
    assert abs(model.dual_coef_ @ k_u) < 1e-6


def test_kernel_matches_svc_on_projected_kernel(adult_small):
    X, y, s = adult_small
    model = KernelFERM(C=2.0, gamma=0.01).fit(X, y, sensitive_features=s)
    K = rbf_kernel(X, X, gamma=0.01)
    groups = np.unique(s)
    a = np.zeros(len(y))
    a[(y == 1) & (s == groups[1])] = 1 / np.sum((y == 1) & (s == groups[1]))
    a[(y == 1) & (s == groups[0])] = -1 / np.sum((y == 1) & (s == groups[0]))
    k_u = K @ a
    projected = K - np.outer(k_u, k_u) / (a @ k_u)
    svc = SVC(C=2.0, kernel="precomputed").fit(projected, y)
    np.testing.assert_allclose(
        model.decision_function(X[:100]), svc.decision_function(projected[:100]), atol=1e-8
    )
    np.testing.assert_array_equal(model.predict(X), svc.predict(projected))


@pytest.mark.parametrize("c", [0.0, 0.6])
def test_kernel_fit_at_expansion_reproduces_the_svm_on_the_shrunk_kernel(adult_small, c):
    """The SVM is trained on K - (1 - c^2) k_u k_u^T / ||u||^2 (written out here);
    the expansion beta in the original kernel must give the same scores, and
    w = (P + c^2 Pi) v with v = sum_i alpha_i phi(x_i), so <w, u> = c^2 <v, u>."""
    X, y, s = adult_small
    X, y, s = X[:600], y[:600], s[:600]
    K = rbf_kernel(X, X, gamma=0.02)
    groups = np.unique(s)
    a = np.zeros(len(y))
    a[(y == 1) & (s == groups[1])] = 1 / np.sum((y == 1) & (s == groups[1]))
    a[(y == 1) & (s == groups[0])] = -1 / np.sum((y == 1) & (s == groups[0]))
    k_u = K @ a
    norm_sq = a @ k_u
    shrunk = K - (1 - c**2) * np.outer(k_u, k_u) / norm_sq
    (svc, beta, values), gap = kernel_fit_at(
        c,
        gram=K,
        y=y,
        coords=(k_u / np.sqrt(norm_sq))[:, None],
        expand=(a / np.sqrt(norm_sq))[:, None],
        k_u=k_u[:, None],
        C=1.0,
        tol=1e-6,
    )
    reference = SVC(C=1.0, kernel="precomputed", tol=1e-6).fit(shrunk, y)
    np.testing.assert_allclose(
        K @ beta + svc.intercept_[0], reference.decision_function(shrunk), atol=1e-6
    )
    alpha = np.zeros(len(y))
    alpha[reference.support_] = reference.dual_coef_[0]
    assert values[0] == pytest.approx(c**2 * (alpha @ K @ a), abs=1e-6)
    assert gap == pytest.approx(abs(values[0]))


def test_kernel_ferm_fits_through_kernel_fit_at(adult_small):
    X, y, s = adult_small
    model = KernelFERM(C=1.0, gamma=0.02).fit(X, y, sensitive_features=s)
    K = rbf_kernel(X, X, gamma=0.02)
    groups = np.unique(s)
    a = np.zeros(len(y))
    a[(y == 1) & (s == groups[1])] = 1 / np.sum((y == 1) & (s == groups[1]))
    a[(y == 1) & (s == groups[0])] = -1 / np.sum((y == 1) & (s == groups[0]))
    k_u = K @ a
    norm = np.sqrt(a @ k_u)
    (_, beta, _), _ = kernel_fit_at(
        0.0, gram=K, y=y, coords=(k_u / norm)[:, None], expand=(a / norm)[:, None], k_u=k_u[:, None]
    )
    np.testing.assert_allclose(
        model.decision_function(X[:50]), K[:50] @ beta + model.intercept_, atol=1e-8
    )


def test_kernel_three_groups_and_epsilon(german):
    X, y, s = german
    rng = np.random.default_rng(0)
    s3 = np.where(s == np.unique(s)[0], "a", rng.choice(["b", "c"], len(s)))
    model = KernelFERM().fit(X, y, sensitive_features=s3)
    assert np.abs(model.constraint_values_).max() < 1e-6
    free = SVC().fit(X, y)
    u_free = KernelFERM(epsilon=1e6).fit(X, y, sensitive_features=s)
    np.testing.assert_array_equal(u_free.predict(X), free.predict(X))
    eps = 0.5 * abs(u_free.constraint_values_[0])
    model = KernelFERM(epsilon=eps).fit(X, y, sensitive_features=s)
    assert (1 - 2e-3) * eps <= abs(model.constraint_values_[0]) <= eps


def test_linear_kernel_ferm_agrees_with_linear_ferm(german):
    X, y, s = german
    kernel = KernelFERM(kernel="linear", C=0.1, tol=1e-8).fit(X, y, sensitive_features=s)
    linear = LinearFERM(SVC(kernel="linear", C=0.1, tol=1e-8)).fit(X, y, sensitive_features=s)
    np.testing.assert_allclose(kernel.decision_function(X), linear.decision_function(X), atol=1e-5)


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("Model", [LinearFERM, KernelFERM])
def test_errors(Model):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = np.tile([0, 1], 20)
    s = np.repeat([0, 1], 20)
    with pytest.raises(ValueError, match="no positive examples"):
        Model().fit(X, y, sensitive_features=np.where(y == 1, 0, 1))
    with pytest.raises(ValueError, match="binary"):
        Model().fit(X, np.arange(40) % 3, sensitive_features=s)
    with pytest.raises(ValueError, match="single class"):
        Model().fit(X, np.ones(40), sensitive_features=s)
    with pytest.raises(ValueError, match="different lengths"):
        Model().fit(X, y, sensitive_features=s[:-1])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        Model().fit(X, y[:-1], sensitive_features=s)
    with pytest.raises(ValueError, match="at least 2"):
        Model().fit(X, y, sensitive_features=np.zeros(40))
    with pytest.raises(ValueError, match="sensitive_features is required"):
        Model().fit(X, y)
    with pytest.raises(ValueError, match="constraint must be"):
        Model(constraint="parity").fit(X, y, sensitive_features=s)
    with pytest.raises(ValueError, match="epsilon must be"):
        Model(epsilon=-1).fit(X, y, sensitive_features=s)
    with pytest.raises(ValueError, match="NaN"):
        Model().fit(np.where(X > 2, np.nan, X), y, sensitive_features=s)
    fitted = Model().fit(X, y, sensitive_features=s)
    with pytest.raises(ValueError, match="features"):
        fitted.predict(X[:, :2])


@pytest.mark.parametrize("Model", [LinearFERM, KernelFERM])
def test_zero_direction_warns_and_fits_unconstrained(Model):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = np.tile([0, 1, 1, 0], 10)
    X = np.vstack([X, X])  # the two groups are exact copies
    y = np.concatenate([y, y])
    s = np.repeat([0, 1], 40)
    with pytest.warns(UserWarning, match="u = 0"):
        model = Model().fit(X, y, sensitive_features=s)
    free = LogisticRegression() if Model is LinearFERM else SVC()
    np.testing.assert_array_equal(model.predict(X), free.fit(X, y).predict(X))


# ---------------------------------------------------------------- routing
@pytest.mark.parametrize("model", [LinearFERM(LogisticRegression(max_iter=1000)), KernelFERM()])
def test_pipeline_and_gridsearch_route_sensitive_features(german, model):
    X, y, s = german
    grid = (
        {"linearferm__estimator__C": [0.1, 1.0]}
        if isinstance(model, LinearFERM)
        else {"kernelferm__C": [0.5, 2.0]}
    )
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(StandardScaler(), model.set_fit_request(sensitive_features=True))
        search = GridSearchCV(pipe, grid, cv=3).fit(X, y, sensitive_features=s)
    fitted = search.best_estimator_[-1]
    assert np.abs(fitted.constraint_values_).max() < 1e-6
    assert search.best_score_ > 0.6


def test_pipeline_without_routing_uses_step_prefix(german):
    X, y, s = german
    pipe = make_pipeline(StandardScaler(), LinearFERM())
    pipe.fit(X, y, linearferm__sensitive_features=s)
    assert abs(pipe[-1].constraint_values_[0]) < 1e-8


# scikit-learn's estimator checks for LinearFERM and KernelFERM (and every
# other estimator) run in tests/test_common.py.


def test_projected_kernel_by_rank_one_updates_equals_the_formula():
    from fairtutor.ferm import _minus_low_rank

    rng = np.random.default_rng(0)
    A = rng.normal(size=(40, 5))
    gram = A @ A.T
    for rank in (1, 2, 3):
        coords = rng.normal(size=(40, rank))
        for factor in (0.0, 0.36, 1.0):
            expected = gram - factor * coords @ coords.T
            got = _minus_low_rank(gram, coords, factor)
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
            assert got.flags.c_contiguous
    # the Gram matrix itself is left as it was (the epsilon search reuses it)
    np.testing.assert_array_equal(gram, A @ A.T)
    # unless the caller says it is done with it
    coords = rng.normal(size=(40, 2))
    expected = gram - 0.5 * coords @ coords.T
    got = _minus_low_rank(gram, coords, 0.5, overwrite=True)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    assert np.shares_memory(got, gram)
