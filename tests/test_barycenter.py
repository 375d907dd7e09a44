"""fairtutor.barycenter and the regression unfairness metrics.

The closed forms are checked against independent references: POT's linear
programs for the barycenter, scipy for the KS and Wasserstein distances, and
repeated draws for the distribution-free fairness bound.
"""

import numpy as np
import ot
import pandas as pd
import pytest
from scipy import stats
from sklearn.base import clone
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LinearRegression, Ridge

from fairtutor.barycenter import (
    BarycenterPostprocessor,
    WassersteinFairRegressor,
    ecdf,
    quantile,
    wasserstein_barycenter_1d,
)
from fairtutor.datasets import make_biased_regression
from fairtutor.metrics import ks_unfairness, wasserstein_unfairness

# --------------------------------------------------------------------------
# ecdf and quantile
# --------------------------------------------------------------------------


def test_ecdf_counts_points_at_or_below():
    rng = np.random.default_rng(0)
    x = rng.normal(size=50)
    t = np.concatenate([x, rng.normal(size=50), [-10.0, 10.0]])
    expected = (x[None, :] <= t[:, None]).mean(axis=1)
    np.testing.assert_array_equal(ecdf(x)(t), expected)


def test_quantile_is_the_generalized_inverse():
    rng = np.random.default_rng(1)
    x = rng.normal(size=37)
    u = np.concatenate([rng.random(200), np.arange(1, 38) / 37])
    q = quantile(x, u)
    F = ecdf(x)
    # Q(u) is the smallest sample point t with F(t) >= u.
    xs = np.sort(x)
    smallest = np.array([xs[np.argmax(F(xs) >= level - 1e-15)] for level in u])
    np.testing.assert_array_equal(q, smallest)
    assert quantile(x, 0.0) == xs[0] and quantile(x, 1.0) == xs[-1]


def test_quantile_levels_k_over_n_pick_order_statistic_k():
    x = np.arange(10.0)
    # 3/10 * 10 is 3.0000000000000004 in floating point: must still give x_(3).
    assert quantile(x, 3 / 10) == 2.0
    np.testing.assert_array_equal(quantile(x, np.arange(1, 11) / 10), x)


def test_quantile_rejects_bad_levels():
    with pytest.raises(ValueError, match="levels"):
        quantile([1.0, 2.0], [0.5, 1.5])


# --------------------------------------------------------------------------
# the barycenter against POT
# --------------------------------------------------------------------------


def _samples(seed, sizes=(7, 11, 5)):
    rng = np.random.default_rng(seed)
    return [rng.normal(loc=2.0 * k, scale=1.0 + k, size=n) for k, n in enumerate(sizes)]


def _objective(samples, weights, support, masses):
    """sum_s p_s W2^2(nu_s, barycenter), by POT's exact OT solver."""
    total = 0.0
    for w, x in zip(weights, samples, strict=True):
        M = ot.dist(x[:, None], support[:, None])
        total += w * ot.emd2(np.full(x.size, 1.0 / x.size), masses, M)
    return total


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_barycenter_matches_pot_free_support(seed):
    samples = _samples(seed)
    weights = np.array([0.5, 0.3, 0.2])
    support, masses = wasserstein_barycenter_1d(samples, weights=weights)
    assert np.isclose(masses.sum(), 1.0) and (masses > 0).all()
    # POT's free-support barycenter with our masses, started from other points.
    X_init = np.linspace(-3.0, 3.0, support.size)[:, None]
    pot_support = ot.lp.free_support_barycenter(
        [x[:, None] for x in samples],
        [np.full(x.size, 1.0 / x.size) for x in samples],
        X_init,
        b=masses,
        weights=weights,
        numItermax=20,
    )
    np.testing.assert_allclose(pot_support[:, 0], support, atol=1e-10)


@pytest.mark.parametrize("seed", [3, 4])
def test_barycenter_matches_pot_histogram_lp(seed):
    samples = _samples(seed, sizes=(6, 9))
    weights = np.array([0.4, 0.6])
    support, masses = wasserstein_barycenter_1d(samples, weights=weights)
    # A common grid holding every sample point and the candidate support.
    grid = np.unique(np.concatenate(samples + [support]))
    M = ot.dist(grid[:, None], grid[:, None])
    A = np.stack([np.isin(grid, x) / x.size for x in samples], axis=1)
    hist = ot.lp.barycenter(A, M, weights=weights)
    ours = np.zeros(grid.size)
    np.add.at(ours, np.searchsorted(grid, support), masses)
    np.testing.assert_allclose(hist, ours, atol=1e-6)
    # And the objective values agree (POT's barycenter is not better).
    assert (
        _objective(samples, weights, support, masses)
        <= _objective(samples, weights, grid, hist) + 1e-8
    )


def test_barycenter_objective_is_minimal_against_perturbations():
    samples = _samples(5)
    weights = np.array([0.2, 0.5, 0.3])
    support, masses = wasserstein_barycenter_1d(samples, weights=weights)
    best = _objective(samples, weights, support, masses)
    rng = np.random.default_rng(0)
    for _ in range(5):
        worse = _objective(samples, weights, support + 0.05 * rng.normal(size=support.size), masses)
        assert best <= worse + 1e-12


def test_barycenter_default_weights_are_sample_frequencies_and_dict_input():
    samples = _samples(6, sizes=(4, 12))
    a = wasserstein_barycenter_1d({"x": samples[0], "y": samples[1]})
    b = wasserstein_barycenter_1d(samples, weights=[4, 12])
    np.testing.assert_allclose(a[0], b[0])
    np.testing.assert_allclose(a[1], b[1])


def test_barycenter_of_gaussians_is_gaussian_with_averaged_parameters():
    # Quantile averaging: N(m_s, sd_s^2) -> N(sum p m, (sum p sd)^2).
    rng = np.random.default_rng(7)
    samples = [rng.normal(0.0, 1.0, 40000), rng.normal(3.0, 2.0, 60000)]
    support, masses = wasserstein_barycenter_1d(samples)
    mean = np.sum(support * masses)
    sd = np.sqrt(np.sum(masses * (support - mean) ** 2))
    assert abs(mean - 1.8) < 0.03 and abs(sd - 1.6) < 0.03


def test_barycenter_errors():
    with pytest.raises(ValueError, match="empty"):
        wasserstein_barycenter_1d([])
    with pytest.raises(ValueError, match="NaN"):
        wasserstein_barycenter_1d([[1.0, np.nan], [2.0]])
    with pytest.raises(ValueError, match="weights has 3 entries"):
        wasserstein_barycenter_1d([[1.0], [2.0]], weights=[1, 1, 1])
    with pytest.raises(ValueError, match="non-negative"):
        wasserstein_barycenter_1d([[1.0], [2.0]], weights=[1, -1])


# --------------------------------------------------------------------------
# metrics against scipy and POT
# --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_ks_unfairness_equals_scipy_on_two_groups(seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=rng.integers(5, 60))
    b = rng.normal(0.5, 2.0, size=rng.integers(5, 60))
    if seed == 3:  # ties within and across groups
        a, b = np.round(a), np.round(b)
    y = np.concatenate([a, b])
    s = np.array(["a"] * a.size + ["b"] * b.size)
    assert np.isclose(
        ks_unfairness(y, sensitive_features=s), stats.ks_2samp(a, b).statistic, atol=1e-12
    )


@pytest.mark.parametrize("seed", range(4))
def test_wasserstein_unfairness_equals_scipy_and_pot(seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=rng.integers(3, 40))
    b = rng.exponential(size=rng.integers(3, 40))
    y = np.concatenate([a, b])
    s = np.repeat([0, 1], [a.size, b.size])
    assert np.isclose(
        wasserstein_unfairness(y, sensitive_features=s),
        stats.wasserstein_distance(a, b),
        atol=1e-12,
    )
    for p in (1, 2, 3):
        # ot.wasserstein_1d returns W_p to the power p.
        assert np.isclose(
            wasserstein_unfairness(y, sensitive_features=s, p=p) ** p,
            ot.wasserstein_1d(a, b, p=p),
            atol=1e-10,
        )


def test_metrics_take_the_worst_pair_of_groups():
    rng = np.random.default_rng(9)
    samples = [rng.normal(loc, 1.0, n) for loc, n in ((0.0, 30), (0.3, 25), (2.0, 40))]
    y = np.concatenate(samples)
    s = np.repeat(["a", "b", "c"], [30, 25, 40])
    pairs = [(i, j) for i in range(3) for j in range(i + 1, 3)]
    assert np.isclose(
        ks_unfairness(y, sensitive_features=s),
        max(stats.ks_2samp(samples[i], samples[j]).statistic for i, j in pairs),
    )
    assert np.isclose(
        wasserstein_unfairness(y, sensitive_features=s),
        max(stats.wasserstein_distance(samples[i], samples[j]) for i, j in pairs),
    )


def test_metrics_errors():
    for metric in (ks_unfairness, wasserstein_unfairness):
        with pytest.raises(ValueError, match="different lengths"):
            metric([1.0, 2.0, 3.0], sensitive_features=[0, 1])
        with pytest.raises(ValueError, match="NaN"):
            metric([1.0, np.nan, 3.0, 4.0], sensitive_features=[0, 0, 1, 1])
        with pytest.raises(ValueError, match="at least 2"):
            metric([1.0, 2.0], sensitive_features=[0, 0])
    with pytest.raises(ValueError, match="p must be"):
        wasserstein_unfairness([1.0, 2.0], sensitive_features=[0, 1], p=0.5)


# --------------------------------------------------------------------------
# the post-processor
# --------------------------------------------------------------------------


def _gaussian_groups(n, seed, n_groups=3):
    rng = np.random.default_rng(seed)
    s = rng.integers(0, n_groups, n)
    return rng.normal(loc=1.5 * s, scale=1.0 + 0.5 * s), s


def test_postprocessor_equals_the_closed_form():
    y, s = _gaussian_groups(3000, 0)
    post = BarycenterPostprocessor(sigma=0.0).fit(y[:1500], sensitive_features=s[:1500])
    out = post.transform(y[1500:], sensitive_features=s[1500:])
    cal = [y[:1500][s[:1500] == k] for k in range(3)]
    weights = np.array([c.size for c in cal]) / 1500
    expected = np.empty(1500)
    for i, (value, group) in enumerate(zip(y[1500:], s[1500:], strict=True)):
        level = ecdf(cal[group])(value)
        expected[i] = sum(w * quantile(c, level) for w, c in zip(weights, cal, strict=True))
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(post.weights_, weights)


def test_fair_outputs_are_the_barycenter_when_transforming_the_calibration_ranks():
    # Every calibration point of group s, at rank k, maps to sum_t p_t Q_t(k / N_s).
    y, s = _gaussian_groups(600, 1, n_groups=2)
    post = BarycenterPostprocessor(sigma=0.0).fit(y, sensitive_features=s)
    support, masses = wasserstein_barycenter_1d([y[s == 0], y[s == 1]])
    for k in range(2):
        values = post.fair_values_[k][1:]
        assert np.isin(values, support).all()


def test_fairness_moves_along_the_geodesic():
    y, s = _gaussian_groups(4000, 2)
    post = BarycenterPostprocessor(random_state=0).fit(y[:2000], sensitive_features=s[:2000])
    test, s_test = y[2000:], s[2000:]
    fair = post.transform(test, sensitive_features=s_test, random_state=1)
    np.testing.assert_array_equal(
        post.transform(test, sensitive_features=s_test, fairness=0.0), test
    )
    half = post.transform(test, sensitive_features=s_test, fairness=0.5, random_state=1)
    np.testing.assert_allclose(half, 0.5 * test + 0.5 * fair)
    w = [
        wasserstein_unfairness(
            post.transform(test, sensitive_features=s_test, fairness=a), sensitive_features=s_test
        )
        for a in (0.0, 0.5, 1.0)
    ]
    assert w[0] > w[1] > w[2]


def test_ks_drops_and_risk_is_the_barycenter_cost():
    y, s = _gaussian_groups(40000, 3, n_groups=2)
    post = BarycenterPostprocessor(random_state=0).fit(y[:20000], sensitive_features=s[:20000])
    test, s_test = y[20000:], s[20000:]
    fair = post.transform(test, sensitive_features=s_test)
    assert ks_unfairness(test, sensitive_features=s_test) > 0.4
    assert ks_unfairness(fair, sensitive_features=s_test) < 0.03
    # E|g - f|^2 = sum_s p_s W2^2(nu_s, barycenter): here N(0,1), N(1.5, 1.5^2), p ~ 1/2:
    # barycenter N(0.75, 1.25^2), W2^2 = (0.75)^2 + (0.25)^2 in each group.
    assert abs(np.mean((fair - test) ** 2) - 0.625) < 0.03


@pytest.mark.slow
def test_ks_bound_over_repeated_draws():
    """Rank argument: with independent jitter, the rank of a new point among the N_s
    calibration points of its group is uniform on {0, ..., N_s}. Pooled over many
    calibration draws, the KS distance between groups of the fair outputs is then
    at most 1/(N_a + 1) + 1/(N_b + 1) (exactly so with separate samples for the
    ECDF and the quantiles; the library uses one sample for both)."""
    rng = np.random.default_rng(0)
    n_a, n_b, draws, per_draw = 20, 30, 1500, 40
    outputs = {0: [], 1: []}
    ranks = []
    for d in range(draws):
        cal = np.concatenate([rng.normal(0, 1, n_a), rng.gamma(2.0, 2.0, n_b)])
        s_cal = np.repeat([0, 1], [n_a, n_b])
        post = BarycenterPostprocessor(sigma=1e-3, random_state=d).fit(
            np.round(cal, 1), sensitive_features=s_cal
        )  # rounded: ties the jitter breaks
        new = np.concatenate([rng.normal(0, 1, per_draw), rng.gamma(2.0, 2.0, per_draw)])
        s_new = np.repeat([0, 1], per_draw)
        out = post.transform(np.round(new, 1), sensitive_features=s_new, random_state=10**6 + d)
        outputs[0].append(out[:per_draw])
        outputs[1].append(out[per_draw:])
        z = (
            np.round(new[:per_draw], 1)
            + np.random.default_rng(10**6 + d).uniform(-1e-3, 1e-3, 2 * per_draw)[:per_draw]
        )
        # One new point per draw: ranks of points sharing a calibration are dependent.
        ranks.append(np.searchsorted(post.calibration_sorted_[0], z[0], side="right"))
    a, b = np.concatenate(outputs[0]), np.concatenate(outputs[1])
    pooled_ks = stats.ks_2samp(a, b).statistic
    bound = 1 / (n_a + 1) + 1 / (n_b + 1)
    # 99% KS critical value; points of one draw share a calibration sample, so the
    # pooled ECDF varies like (1/per_draw + 1/N) / draws, not like 1 / (draws * per_draw).
    noise = 1.63 * np.sqrt(2 * (1 / per_draw + 1 / n_a) / draws)
    assert pooled_ks <= bound + noise
    # Rank uniformity: a chi-square test does not reject at 0.1%.
    counts = np.bincount(np.array(ranks), minlength=n_a + 1)
    assert stats.chisquare(counts).pvalue > 1e-3
    # Without post-processing the groups are far apart.
    assert stats.ks_2samp(rng.normal(0, 1, 5000), rng.gamma(2.0, 2.0, 5000)).statistic > 0.5


def test_jitter_breaks_ties_of_atoms():
    rng = np.random.default_rng(4)
    s = rng.integers(0, 2, 20000)
    y = (rng.random(20000) < np.where(s == 1, 0.6, 0.3)).astype(float)  # atoms at 0 and 1
    no_jitter = BarycenterPostprocessor(sigma=0.0).fit(y[:10000], sensitive_features=s[:10000])
    jitter = BarycenterPostprocessor(sigma=1e-3, random_state=0).fit(
        y[:10000], sensitive_features=s[:10000]
    )
    ks_without = ks_unfairness(
        no_jitter.transform(y[10000:], sensitive_features=s[10000:]), sensitive_features=s[10000:]
    )
    ks_with = ks_unfairness(
        jitter.transform(y[10000:], sensitive_features=s[10000:]), sensitive_features=s[10000:]
    )
    assert ks_without > 0.25 and ks_with < 0.05


def test_batch_without_a_group_keeps_calibration_weights():
    y, s = _gaussian_groups(3000, 5)
    post = BarycenterPostprocessor(random_state=0).fit(y[:2000], sensitive_features=s[:2000])
    full = post.transform(y[2000:], sensitive_features=s[2000:])
    only0 = s[2000:] == 0
    # Same jitter stream needs the same positions: transform the group-0 rows in place.
    part = post.transform(y[2000:][only0], sensitive_features=s[2000:][only0])
    ranks_match = np.abs(part - full[only0])
    assert np.median(ranks_match) < 1e-3  # same map; only the jitter draws differ
    np.testing.assert_allclose(post.weights_, np.bincount(s[:2000]) / 2000)


def test_postprocessor_is_deterministic_and_string_groups_work():
    y, s = _gaussian_groups(500, 6, n_groups=2)
    groups = np.where(s == 1, "women", "men")
    a = BarycenterPostprocessor(random_state=3).fit_transform(y, sensitive_features=groups)
    b = BarycenterPostprocessor(random_state=3).fit_transform(y, sensitive_features=groups)
    np.testing.assert_array_equal(a, b)
    c = BarycenterPostprocessor(random_state=3).fit_transform(
        y, sensitive_features=pd.Series(groups)
    )
    np.testing.assert_array_equal(a, c)
    post = BarycenterPostprocessor(random_state=3).fit(y, sensitive_features=groups)
    np.testing.assert_array_equal(
        post.transform(y, sensitive_features=groups, random_state=5),
        post.transform(y, sensitive_features=groups, random_state=5),
    )
    assert list(post.groups_) == ["men", "women"]


def _rounded_predictor(n, seed):
    """A tie-heavy predictor: N(0,1) and N(1,4) groups rounded to integers."""
    rng = np.random.default_rng(seed)
    s = (rng.random(n) < 0.4).astype(int)
    return np.round(rng.normal(loc=1.0 * s, scale=1.0 + s)), s


def test_row_by_row_is_as_fair_as_one_batch():
    """Fresh jitter per call: a model served one row at a time is as fair as in one batch.

    Both KS values estimate the same population KS of the (randomized) fair predictor
    given the calibration sample; each misses it by less than the 99.9% two-sample KS
    critical value 1.95 sqrt(1/n_0 + 1/n_1) (about 0.05 here), so they differ by less
    than twice that. With re-used noise the row-by-row KS would stay near the raw 0.3.
    """
    y, s = _rounded_predictor(8000, 7)
    cal, new = slice(0, 2000), slice(2000, 8000)
    raw_ks = ks_unfairness(y[new], sensitive_features=s[new])
    post = BarycenterPostprocessor(sigma=1e-3, random_state=0).fit(
        y[cal], sensitive_features=s[cal]
    )
    batch = post.transform(y[new], sensitive_features=s[new])
    rows = np.array(
        [
            post.transform(y[new][i : i + 1], sensitive_features=s[new][i : i + 1])[0]
            for i in range(6000)
        ]
    )
    ks_batch = ks_unfairness(batch, sensitive_features=s[new])
    ks_rows = ks_unfairness(rows, sensitive_features=s[new])
    n0, n1 = np.bincount(s[new])
    allowance = 2 * 1.95 * np.sqrt(1 / n0 + 1 / n1)
    assert raw_ks > 0.25
    assert abs(ks_rows - ks_batch) < allowance
    assert ks_rows < raw_ks / 3
    # The same holds for the meta-estimator, whose predict goes through transform.
    X, target, groups = make_biased_regression(6000, random_state=5)
    model = WassersteinFairRegressor(_RoundedLinear(), sigma=1e-3, random_state=0).fit(
        X[:4000], target[:4000], sensitive_features=groups[:4000]
    )
    one_by_one = np.concatenate(
        [
            model.predict(X[i : i + 1], sensitive_features=groups[i : i + 1])
            for i in range(4000, 6000)
        ]
    )
    in_one = model.predict(X[4000:], sensitive_features=groups[4000:])
    n0, n1 = np.bincount(groups[4000:])
    assert abs(
        ks_unfairness(one_by_one, sensitive_features=groups[4000:])
        - ks_unfairness(in_one, sensitive_features=groups[4000:])
    ) < 2 * 1.95 * np.sqrt(1 / n0 + 1 / n1)


class _RoundedLinear(LinearRegression):
    """A linear model whose predictions are rounded (ties, as in a coarse scorer)."""

    def predict(self, X):
        return np.round(super().predict(X))


def test_each_call_draws_fresh_noise_and_a_refit_replays_it():
    y, s = _rounded_predictor(400, 8)
    post = BarycenterPostprocessor(sigma=1e-3, random_state=0).fit(y, sensitive_features=s)
    first = post.transform(np.zeros(200), sensitive_features=np.zeros(200, dtype=int))
    second = post.transform(np.zeros(200), sensitive_features=np.zeros(200, dtype=int))
    # All 200 inputs tie with about a third of group 0's calibration sample, which the
    # noise spreads over many ranks: fresh noise gives different outputs.
    assert np.unique(first).size > 10 and not np.array_equal(first, second)
    replay = BarycenterPostprocessor(sigma=1e-3, random_state=0).fit(y, sensitive_features=s)
    np.testing.assert_array_equal(
        replay.transform(np.zeros(200), sensitive_features=np.zeros(200, dtype=int)), first
    )
    np.testing.assert_array_equal(
        replay.transform(np.zeros(200), sensitive_features=np.zeros(200, dtype=int)), second
    )


def _previous_transform(post, y, codes, noise):
    """The post-processor's former transform (per-group binary searches), for a given noise."""
    z = y + noise
    out = np.empty(y.size)
    for k in range(post.groups_.size):
        where = np.flatnonzero(codes == k)
        ranks = np.searchsorted(post.calibration_sorted_[k], z[where], side="right")
        out[where] = post.fair_values_[k][ranks]
    return out


@pytest.mark.parametrize("case", ["gaussian", "rounded", "outside", "constant group", "5 groups"])
def test_fast_transform_is_exact(case):
    """The radix-ordered merge gives bit-for-bit the former binary-search output."""
    rng = np.random.default_rng(11)
    n_groups = 5 if case == "5 groups" else 3
    s = rng.integers(0, n_groups, 30000)
    y = rng.normal(loc=s, scale=1.0 + 0.5 * s)
    if case == "rounded":
        y = np.round(y)
    if case == "constant group":
        y[s == 1] = 2.0
    post = BarycenterPostprocessor(sigma=1e-4, random_state=0).fit(
        y[:10000], sensitive_features=s[:10000]
    )
    new = y[10000:].copy()
    if case == "outside":
        new[::7] *= 50.0  # far outside every calibration range
        new[::11] = -1e300
    s_new = s[10000:]
    # The calibration is the former fit's: the fit's noise comes first from random_state.
    noise_fit = np.random.default_rng(0).uniform(-1e-4, 1e-4, 10000)
    for k in range(n_groups):
        np.testing.assert_array_equal(
            post.calibration_sorted_[k], np.sort((y[:10000] + noise_fit)[s[:10000] == k])
        )
    for batch in (slice(0, 20000), slice(0, 3000), slice(5, 6)):  # radix path and small path
        got = post.transform(new[batch], sensitive_features=s_new[batch], random_state=3)
        noise = np.random.default_rng(3).uniform(-1e-4, 1e-4, new[batch].size)
        np.testing.assert_array_equal(
            got, _previous_transform(post, new[batch], s_new[batch], noise)
        )


def test_large_batches_are_chunked_without_changing_the_output():
    """Fit and transform work chunk by chunk; the noise is still that of one draw."""
    from fairtutor.barycenter import _CHUNK

    rng = np.random.default_rng(5)
    n = 2 * _CHUNK + 12345  # three chunks, the last one partial
    s = rng.integers(0, 3, n)
    y = np.round(rng.normal(loc=s, scale=1.0 + 0.5 * s), 2)  # ties, broken by the noise
    post = BarycenterPostprocessor(sigma=1e-3, random_state=0).fit(y, sensitive_features=s)
    noise_fit = np.random.default_rng(0).uniform(-1e-3, 1e-3, n)
    for k in range(3):
        np.testing.assert_array_equal(post.calibration_sorted_[k], np.sort((y + noise_fit)[s == k]))
    got = post.transform(y, sensitive_features=s, random_state=4)
    noise = np.random.default_rng(4).uniform(-1e-3, 1e-3, n)
    np.testing.assert_array_equal(got, _previous_transform(post, y, s, noise))
    half = post.transform(y, sensitive_features=s, random_state=4, fairness=0.5)
    np.testing.assert_array_equal(half, 0.5 * got + 0.5 * y)


def test_fair_value_tables_match_integer_arithmetic():
    """Each table entry is sum_t p_t x_t[ceil(j N_t / N_s) - 1], the ceiling taken in integers."""
    from fairtutor.barycenter import _BLOCK, _fair_value_tables

    rng = np.random.default_rng(6)
    sizes = (_BLOCK + 7, 3 * _BLOCK // 2, 5, _BLOCK + 7)  # blocks, a tiny group, equal sizes
    samples = [np.sort(rng.normal(size=m)) for m in sizes]
    weights = np.array(sizes) / sum(sizes)
    tables = _fair_value_tables(samples, weights)
    for x_s, table in zip(samples, tables, strict=True):
        n_s = x_s.size
        j = np.arange(n_s + 1, dtype=np.int64)
        expected = np.zeros(n_s + 1)
        for w, x_t in zip(weights, samples, strict=True):
            index = np.maximum(-(-j * x_t.size // n_s), 1) - 1  # integer ceiling
            expected += w * x_t[index]
        np.testing.assert_array_equal(table, expected)


def test_windowed_merge_is_exact_in_any_order():
    from fairtutor.barycenter import _MERGE_WINDOW, _fair_values_of_sorted

    rng = np.random.default_rng(7)
    sample = np.sort(np.round(rng.normal(size=5000), 1))  # many ties
    table = rng.normal(size=sample.size + 1)
    points = np.round(rng.normal(size=3 * _MERGE_WINDOW + 17), 1)
    points[::5] = np.sort(points[::5])  # partly sorted, partly not
    expected = table[np.searchsorted(sample, points, side="right")]
    np.testing.assert_array_equal(_fair_values_of_sorted(sample, table, points.copy()), expected)
    assert _fair_values_of_sorted(sample, table, np.empty(0)).size == 0


def test_postprocessor_errors():
    post = BarycenterPostprocessor(random_state=0)
    with pytest.raises(ValueError, match="different lengths"):
        post.fit([1.0, 2.0, 3.0], sensitive_features=[0, 1])
    with pytest.raises(ValueError, match="NaN"):
        post.fit([1.0, np.nan, 3.0, 4.0], sensitive_features=[0, 0, 1, 1])
    with pytest.raises(ValueError, match="fewer than 2 calibration points"):
        post.fit([1.0, 2.0, 3.0, 4.0], sensitive_features=[0, 0, 0, 1])
    with pytest.raises(ValueError, match="at least 2"):
        post.fit([1.0, 2.0, 3.0], sensitive_features=[0, 0, 0])
    with pytest.raises(ValueError, match="sigma"):
        BarycenterPostprocessor(sigma=-1.0).fit(
            [1.0, 2.0, 3.0, 4.0], sensitive_features=[0, 0, 1, 1]
        )
    post.fit([1.0, 2.0, 3.0, 4.0], sensitive_features=["a", "a", "b", "b"])
    with pytest.raises(ValueError, match="not seen at calibration"):
        post.transform([1.0, 2.0], sensitive_features=["a", "c"])
    with pytest.raises(ValueError, match="NaN"):
        post.transform([1.0, np.nan], sensitive_features=["a", "b"])
    with pytest.raises(ValueError, match="different lengths"):
        post.transform([1.0, 2.0, 3.0], sensitive_features=["a", "b"])
    with pytest.raises(ValueError, match="fairness"):
        post.transform([1.0, 2.0], sensitive_features=["a", "b"], fairness=1.5)


# --------------------------------------------------------------------------
# the meta-estimator
# --------------------------------------------------------------------------


def test_meta_estimator_api_and_determinism():
    X, y, s = make_biased_regression(3000, random_state=0)
    model = WassersteinFairRegressor(
        Ridge(alpha=1.0), sigma=1e-4, fairness=0.7, calibration_size=0.4, random_state=0
    )
    params = model.get_params()
    assert params["fairness"] == 0.7 and params["estimator__alpha"] == 1.0
    twin = clone(model)
    assert twin.get_params()["calibration_size"] == 0.4
    a = model.fit(X, y, sensitive_features=s).predict(X, sensitive_features=s)
    b = twin.fit(X, y, sensitive_features=s).predict(X, sensitive_features=s)
    np.testing.assert_array_equal(a, b)
    assert model.postprocessor_.n_calibration_.sum() == 1200
    assert model.n_features_in_ == X.shape[1]
    assert -1 < model.score(X, y, sensitive_features=s) <= 1
    c = (
        WassersteinFairRegressor(Ridge(), random_state=1)
        .fit(X, y, sensitive_features=s)
        .predict(X, sensitive_features=s)
    )
    assert not np.array_equal(a, c)


def test_meta_estimator_makes_predictions_fair():
    X, y, s = make_biased_regression(8000, mean_shift=2.0, random_state=1)
    model = WassersteinFairRegressor(LinearRegression(), random_state=0).fit(
        X[:5000], y[:5000], sensitive_features=s[:5000]
    )
    fair = model.predict(X[5000:], sensitive_features=s[5000:])
    unfair = model.estimator_.predict(X[5000:])
    assert ks_unfairness(unfair, sensitive_features=s[5000:]) > 0.2
    assert ks_unfairness(fair, sensitive_features=s[5000:]) < 0.08


def test_prefit_only_calibrates():
    X, y, s = make_biased_regression(2000, random_state=2)
    base = LinearRegression().fit(X[:1000], y[:1000])
    model = WassersteinFairRegressor(base, prefit=True, random_state=0).fit(
        X[1000:], sensitive_features=s[1000:]
    )
    assert model.estimator_ is base
    assert model.postprocessor_.n_calibration_.sum() == 1000
    direct = BarycenterPostprocessor(random_state=model.postprocessor_.random_state).fit(
        base.predict(X[1000:]), sensitive_features=s[1000:]
    )
    np.testing.assert_array_equal(
        model.predict(X[:1000], sensitive_features=s[:1000]),
        direct.transform(base.predict(X[:1000]), sensitive_features=s[:1000]),
    )


def test_meta_estimator_with_dataframes_and_forest():
    X, y, s = make_biased_regression(600, random_state=3)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    model = WassersteinFairRegressor(
        RandomForestRegressor(n_estimators=10, random_state=0), random_state=0
    )
    model.fit(frame, pd.Series(y), sensitive_features=pd.Series(s))
    assert model.predict(frame, sensitive_features=s).shape == (600,)


def test_meta_estimator_errors():
    X, y, s = make_biased_regression(100, random_state=4)
    with pytest.raises(ValueError, match="fairness"):
        WassersteinFairRegressor(fairness=2.0).fit(X, y, sensitive_features=s)
    with pytest.raises(ValueError, match="y is required"):
        WassersteinFairRegressor().fit(X, sensitive_features=s)
    with pytest.raises(ValueError, match="different lengths"):
        WassersteinFairRegressor().fit(X, y[:50], sensitive_features=s)
    with pytest.raises(ValueError, match="different lengths"):
        WassersteinFairRegressor().fit(X, y, sensitive_features=s[:50])
    s_small = s.copy()
    s_small[:3] = 7
    with pytest.raises(ValueError, match="fewer than 4 samples"):
        WassersteinFairRegressor().fit(X, y, sensitive_features=s_small)
    with pytest.raises(Exception, match="not fitted"):
        WassersteinFairRegressor(LinearRegression(), prefit=True).fit(X, sensitive_features=s)
    model = WassersteinFairRegressor(random_state=0).fit(X, y, sensitive_features=s)
    with pytest.raises(ValueError, match="not seen at calibration"):
        model.predict(X[:5], sensitive_features=[0, 1, 2, 0, 1])
    with pytest.raises(ValueError, match="different lengths"):
        model.predict(X[:5], sensitive_features=[0, 1])
