"""Plausible wrong answers to chapter 4's exercises; each check must reject every one.

Each entry replaces the code between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
of the exercise's solution cell (see tests/test_exercise_mutations.py).
"""

MUTATIONS = {
    "wasserstein-w2-by-sorting": [
        ("squared distance: the square root is missing", '''
def w2_equal_sizes(a, b):
    return np.mean((np.sort(a) - np.sort(b)) ** 2)


w2_by_sorting = w2_equal_sizes(grades_a, grades_b)
'''),
        ("pairs the values in their given order instead of sorting", '''
def w2_equal_sizes(a, b):
    return np.sqrt(np.mean((a - b) ** 2))


w2_by_sorting = w2_equal_sizes(grades_a, grades_b)
'''),
        ("W1 (mean absolute difference) instead of W2", '''
def w2_equal_sizes(a, b):
    return np.mean(np.abs(np.sort(a) - np.sort(b)))


w2_by_sorting = w2_equal_sizes(grades_a, grades_b)
'''),
        ("only the difference of the means", '''
def w2_equal_sizes(a, b):
    return abs(np.mean(a) - np.mean(b))


w2_by_sorting = w2_equal_sizes(grades_a, grades_b)
'''),
        ("right number on the given data, a constant function", '''
def w2_equal_sizes(a, b):
    return 1.9922617865002907


w2_by_sorting = np.sqrt(np.mean((np.sort(grades_a) - np.sort(grades_b)) ** 2))
'''),
    ],
    "wasserstein-plugin-by-hand": [
        ("equal group weights instead of the calibration frequencies", '''
def fair_prediction(cal_pred, cal_group, group, value):
    level = ecdf(cal_pred[cal_group == group])(value)
    names = np.unique(cal_group)
    return sum(quantile(cal_pred[cal_group == grp], level) for grp in names) / len(names)


fair_b = fair_prediction(cal_pred, cal_group, "b", 3.1)
'''),
        ("rank taken in the whole calibration sample, not in the person's group", '''
def fair_prediction(cal_pred, cal_group, group, value):
    level = ecdf(cal_pred)(value)
    return sum(np.mean(cal_group == grp) * quantile(cal_pred[cal_group == grp], level)
               for grp in np.unique(cal_group))


fair_b = fair_prediction(cal_pred, cal_group, "b", 3.1)
'''),
        ("interpolated quantiles (np.quantile) instead of order statistics", '''
def fair_prediction(cal_pred, cal_group, group, value):
    level = ecdf(cal_pred[cal_group == group])(value)
    return sum(np.mean(cal_group == grp) * np.quantile(cal_pred[cal_group == grp], level)
               for grp in np.unique(cal_group))


fair_b = fair_prediction(cal_pred, cal_group, "b", 3.1)
'''),
        ("returns the model's own prediction", '''
def fair_prediction(cal_pred, cal_group, group, value):
    return value


fair_b = fair_prediction(cal_pred, cal_group, "b", 3.1)
'''),
        ("only groups 'a' and 'b' (breaks with other group names)", '''
def fair_prediction(cal_pred, cal_group, group, value):
    level = ecdf(cal_pred[cal_group == group])(value)
    return sum(np.mean(cal_group == grp) * quantile(cal_pred[cal_group == grp], level)
               for grp in ("a", "b") if np.any(cal_group == grp))


fair_b = fair_prediction(cal_pred, cal_group, "b", 3.1)
'''),
    ],
    "wasserstein-rank-gap": [
        ("the upper bound 1/(N+1) + 1/(N'+1) instead of the supremum", '''
def rank_gap_between(n, m):
    return 1 / (n + 1) + 1 / (m + 1)


rank_gap = rank_gap_between(n_gap_a, n_gap_b)
'''),
        ("uniform on {1/N, ..., 1} (forgets the rank 0)", '''
def rank_gap_between(n, m):
    jumps = np.union1d(np.arange(n + 1) / n, np.arange(m + 1) / m)
    G_at = lambda N, t: np.floor(N * t + 1e-12) / N
    G_before = lambda N, t: np.maximum(np.ceil(N * t - 1e-12) - 1, 0) / N
    return max(np.max(np.abs(G_at(n, jumps) - G_at(m, jumps))),
               np.max(np.abs(G_before(n, jumps) - G_before(m, jumps))))


rank_gap = rank_gap_between(n_gap_a, n_gap_b)
'''),
        ("compares the two grids of levels, not the distribution functions", '''
def rank_gap_between(n, m):
    a, b = np.arange(n + 1) / n, np.arange(m + 1) / m
    return np.max(np.abs(a[:, None] - b[None, :]).min(axis=1))


rank_gap = rank_gap_between(n_gap_a, n_gap_b)
'''),
        ("difference of the means of the two rank laws", '''
def rank_gap_between(n, m):
    return abs(np.mean(np.arange(n + 1) / n) - np.mean(np.arange(m + 1) / m))


rank_gap = rank_gap_between(n_gap_a, n_gap_b)
'''),
    ],
    "wasserstein-least-fairness": [
        ("the last level whose KS is still above the target", '''
def least_fairness(pred, fair, groups, target, grid):
    previous = grid[0]
    for alpha in grid:
        if ks_unfairness((1 - alpha) * pred + alpha * fair, sensitive_features=groups) <= target:
            return previous
        previous = alpha
    return None


alpha_needed = least_fairness(pred_ex, fair_ex, group_ex, 0.15, grid_ex)
rmse_needed = np.sqrt(np.mean((y_ex - ((1 - alpha_needed) * pred_ex + alpha_needed * fair_ex)) ** 2))
'''),
        ("full fairness, to be safe", '''
def least_fairness(pred, fair, groups, target, grid):
    return grid[-1]


alpha_needed = least_fairness(pred_ex, fair_ex, group_ex, 0.15, grid_ex)
rmse_needed = np.sqrt(np.mean((y_ex - fair_ex) ** 2))
'''),
        ("W1 unfairness instead of KS", '''
from fairtutor.metrics import wasserstein_unfairness


def least_fairness(pred, fair, groups, target, grid):
    for alpha in grid:
        if wasserstein_unfairness((1 - alpha) * pred + alpha * fair,
                                  sensitive_features=groups) <= target:
            return alpha
    return None


alpha_needed = least_fairness(pred_ex, fair_ex, group_ex, 0.15, grid_ex)
rmse_needed = np.sqrt(np.mean((y_ex - ((1 - alpha_needed) * pred_ex + alpha_needed * fair_ex)) ** 2))
'''),
        ("right level, RMSE at full fairness", '''
def least_fairness(pred, fair, groups, target, grid):
    for alpha in grid:
        if ks_unfairness((1 - alpha) * pred + alpha * fair, sensitive_features=groups) <= target:
            return alpha
    return None


alpha_needed = least_fairness(pred_ex, fair_ex, group_ex, 0.15, grid_ex)
rmse_needed = np.sqrt(np.mean((y_ex - fair_ex) ** 2))
'''),
        ("right level, mean squared error instead of RMSE", '''
def least_fairness(pred, fair, groups, target, grid):
    for alpha in grid:
        if ks_unfairness((1 - alpha) * pred + alpha * fair, sensitive_features=groups) <= target:
            return alpha
    return None


alpha_needed = least_fairness(pred_ex, fair_ex, group_ex, 0.15, grid_ex)
rmse_needed = np.mean((y_ex - ((1 - alpha_needed) * pred_ex + alpha_needed * fair_ex)) ** 2)
'''),
        ("target 0.15 hard-coded inside the function", '''
def least_fairness(pred, fair, groups, target, grid):
    for alpha in grid:
        if ks_unfairness((1 - alpha) * pred + alpha * fair, sensitive_features=groups) <= 0.15:
            return alpha
    return None


alpha_needed = least_fairness(pred_ex, fair_ex, group_ex, 0.15, grid_ex)
rmse_needed = np.sqrt(np.mean((y_ex - ((1 - alpha_needed) * pred_ex + alpha_needed * fair_ex)) ** 2))
'''),
    ],
    "wasserstein-law-school": [
        ("groups shuffled (a random attribute instead of bunch.sensitive)", '''
def law_school_experiment(bunch, n_splits=10):
    groups = np.random.default_rng(0).permutation(bunch.sensitive.to_numpy())
    return summary(run_experiment(bunch, groups, n_splits=n_splits))
'''),
        ("the 'sex' column hard-coded instead of bunch.sensitive", '''
def law_school_experiment(bunch, n_splits=10):
    return summary(run_experiment(bunch, bunch.data["sex"].to_numpy(), n_splits=n_splits))
'''),
        ("post-processor calibrated on the training predictions", '''
def law_school_experiment(bunch, n_splits=10):
    groups = bunch.sensitive.to_numpy()
    X_all, y_all = bunch.data, bunch.target.to_numpy(float)
    rows = []
    for name, make in base_models(bunch).items():
        for seed in range(n_splits):
            tr_i, ca_i, te_i = three_way_split(groups, seed)
            model = make().fit(X_all.iloc[tr_i], y_all[tr_i])
            post_e = BarycenterPostprocessor(random_state=seed).fit(
                model.predict(X_all.iloc[tr_i]), sensitive_features=groups[tr_i])
            before = model.predict(X_all.iloc[te_i])
            after = post_e.transform(before, sensitive_features=groups[te_i])
            shuffled = np.random.default_rng(seed).permutation(groups[te_i])
            for stage, pred in (("before", before), ("after", after)):
                rows.append({"model": name, "split": seed, "stage": stage,
                             "RMSE": np.sqrt(np.mean((y_all[te_i] - pred) ** 2)),
                             "MSE": np.mean((y_all[te_i] - pred) ** 2),
                             "KS": ks_unfairness(pred, sensitive_features=groups[te_i]),
                             "KS random groups": ks_unfairness(pred, sensitive_features=shuffled)})
    return summary(pd.DataFrame(rows))
'''),
        ("the raw results instead of the summary table", '''
def law_school_experiment(bunch, n_splits=10):
    return run_experiment(bunch, bunch.sensitive.to_numpy(), n_splits=n_splits)
'''),
    ],
}
