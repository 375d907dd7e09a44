"""Plausible wrong answers to chapter 5's exercises; each check cell must reject them."""

_PLAN = """
f_one, g_one = one_sinkhorn_iteration(C_ex, a_ex, b_ex, eta_ex)
plan_one = a_ex[:, None] * b_ex[None, :] * np.exp((f_one[:, None] + g_one[None, :] - C_ex) / eta_ex)
col_marginal_one = plan_one.sum(0)
"""

MUTATIONS = {
    "mmd-sinkhorn-one-iteration": [
        (
            "uniform weights instead of b in the f-update",
            """
def one_sinkhorn_iteration(C, a, b, eta):
    f = -eta * np.log(np.exp(-C / eta).mean(1))
    g = -eta * np.log((a[:, None] * np.exp((f[:, None] - C) / eta)).sum(0))
    return f, g
"""
            + _PLAN,
        ),
        (
            "g-update from the old f (parallel instead of alternating)",
            """
def one_sinkhorn_iteration(C, a, b, eta):
    f = -eta * np.log((b[None, :] * np.exp(-C / eta)).sum(1))
    g = -eta * np.log((a[:, None] * np.exp(-C / eta)).sum(0))
    return f, g
"""
            + _PLAN,
        ),
        (
            "sign of the potentials",
            """
def one_sinkhorn_iteration(C, a, b, eta):
    f = eta * np.log((b[None, :] * np.exp(-C / eta)).sum(1))
    g = eta * np.log((a[:, None] * np.exp((f[:, None] - C) / eta)).sum(0))
    return f, g
"""
            + _PLAN,
        ),
        (
            "row sums instead of column sums",
            """
def one_sinkhorn_iteration(C, a, b, eta):
    f = -eta * np.log((b[None, :] * np.exp(-C / eta)).sum(1))
    g = -eta * np.log((a[:, None] * np.exp((f[:, None] - C) / eta)).sum(0))
    return f, g
"""
            + _PLAN.replace("plan_one.sum(0)", "plan_one.sum(1)"),
        ),
    ],
    "mmd-sinkhorn-negative-mmd": [
        (
            "largest V-statistic instead of the smallest",
            """
def sign_summary(xs, ys):
    u = np.array([float(mmd2(x, y, bandwidth=1.0)) for x, y in zip(xs, ys)])
    v = np.array([float(mmd2(x, y, bandwidth=1.0, unbiased=False)) for x, y in zip(xs, ys)])
    return float((u < 0).mean()), float(v.max())


frac_negative, smallest_v_stat = sign_summary(x_neg, y_neg)
""",
        ),
        (
            "samples of size 50 instead of the given ones",
            """
def sign_summary(xs, ys):
    u = np.array([float(mmd2(x, y, bandwidth=1.0)) for x, y in zip(xs, ys)])
    v = np.array([float(mmd2(x, y, bandwidth=1.0, unbiased=False)) for x, y in zip(xs, ys)])
    return float((u < 0).mean()), float(v.min())


gen_neg = torch.Generator().manual_seed(7)
x_neg = torch.randn(1000, 50, 2, generator=gen_neg)
y_neg = torch.randn(1000, 50, 2, generator=gen_neg)
frac_negative, smallest_v_stat = sign_summary(x_neg, y_neg)
""",
        ),
        (
            "the biased statistic for the fraction",
            """
def sign_summary(xs, ys):
    v = np.array([float(mmd2(x, y, bandwidth=1.0, unbiased=False)) for x, y in zip(xs, ys)])
    return float((v < 0).mean()), float(v.min())


frac_negative, smallest_v_stat = sign_summary(x_neg, y_neg)
""",
        ),
        (
            "guessed numbers",
            """
def sign_summary(xs, ys):
    return 0.5, 0.0


frac_negative, smallest_v_stat = sign_summary(x_neg, y_neg)
""",
        ),
    ],
    "mmd-sinkhorn-bandwidth-power": [
        (
            "counts instead of rates",
            """
def rejection_rates(xs, ys, bandwidths):
    rejected = np.zeros(len(bandwidths))
    for rep in range(len(xs)):
        for k, bw in enumerate(bandwidths):
            _, p_value = divergences.mmd_permutation_test(
                xs[rep], ys[rep], bandwidth=float(bw), n_permutations=100, random_state=rep)
            rejected[k] += p_value <= 0.05
    return rejected


power_by_bandwidth = rejection_rates(x_pow, y_pow, bandwidths_ex)
lost = (bandwidths_ex > 3.0) & (power_by_bandwidth < 0.5 * power_by_bandwidth.max())
sigma_power_lost = float(bandwidths_ex[np.argmax(lost)])
""",
        ),
        (
            "rejecting when the p-value is above the level",
            """
def rejection_rates(xs, ys, bandwidths):
    rejected = np.zeros(len(bandwidths))
    for rep in range(len(xs)):
        for k, bw in enumerate(bandwidths):
            _, p_value = divergences.mmd_permutation_test(
                xs[rep], ys[rep], bandwidth=float(bw), n_permutations=100, random_state=rep)
            rejected[k] += p_value > 0.05
    return rejected / len(xs)


power_by_bandwidth = rejection_rates(x_pow, y_pow, bandwidths_ex)
lost = (bandwidths_ex > 3.0) & (power_by_bandwidth < 0.5 * power_by_bandwidth.max())
sigma_power_lost = float(bandwidths_ex[np.argmax(lost)])
""",
        ),
        (
            "first bandwidth with lost power, ignoring 'above 3'",
            """
def rejection_rates(xs, ys, bandwidths):
    rejected = np.zeros(len(bandwidths))
    for rep in range(len(xs)):
        for k, bw in enumerate(bandwidths):
            _, p_value = divergences.mmd_permutation_test(
                xs[rep], ys[rep], bandwidth=float(bw), n_permutations=100, random_state=rep)
            rejected[k] += p_value <= 0.05
    return rejected / len(xs)


power_by_bandwidth = rejection_rates(x_pow, y_pow, bandwidths_ex)
lost = power_by_bandwidth < 0.5 * power_by_bandwidth.max()
sigma_power_lost = float(bandwidths_ex[np.argmax(lost)])
""",
        ),
    ],
    "mmd-sinkhorn-translation": [
        (
            "entropic OT without the debiasing terms",
            """
def translated_divergence(x, t, eta):
    return float(sinkhorn(x, x + t, epsilon=eta, tol=1e-6).cost)


s_translated = np.array([translated_divergence(x_trans, t_ex, e) for e in etas_ex])
""",
        ),
        (
            "cost |x - y| (p = 1)",
            """
def translated_divergence(x, t, eta):
    return float(sinkhorn_divergence(x, x + t, epsilon=eta, p=1, tol=1e-6))


s_translated = np.array([translated_divergence(x_trans, t_ex, e) for e in etas_ex])
""",
        ),
        (
            "the value typed in",
            """
def translated_divergence(x, t, eta):
    return 5.0


s_translated = np.array([translated_divergence(x_trans, t_ex, e) for e in etas_ex])
""",
        ),
    ],
}
