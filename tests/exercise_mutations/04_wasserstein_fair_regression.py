"""Plausible wrong answers to the exercises of chapter 4's first page; each check must reject
every one.

Each entry replaces the code between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
of the exercise's solution cell (see tests/test_exercise_mutations.py). The exercises of the
chapter's second page are in 04_wasserstein_in_practice.py.
"""

MUTATIONS = {
    "wasserstein-w2-by-sorting": [
        (
            "squared distance: the square root is missing",
            """
def w2_equal_sizes(a, b):
    return np.mean((np.sort(a) - np.sort(b)) ** 2)


w2_by_sorting = w2_equal_sizes(grades_a, grades_b)
""",
        ),
        (
            "pairs the values in their given order instead of sorting",
            """
def w2_equal_sizes(a, b):
    return np.sqrt(np.mean((a - b) ** 2))


w2_by_sorting = w2_equal_sizes(grades_a, grades_b)
""",
        ),
        (
            "W1 (mean absolute difference) instead of W2",
            """
def w2_equal_sizes(a, b):
    return np.mean(np.abs(np.sort(a) - np.sort(b)))


w2_by_sorting = w2_equal_sizes(grades_a, grades_b)
""",
        ),
        (
            "only the difference of the means",
            """
def w2_equal_sizes(a, b):
    return abs(np.mean(a) - np.mean(b))


w2_by_sorting = w2_equal_sizes(grades_a, grades_b)
""",
        ),
        (
            "right number on the given data, a constant function",
            """
def w2_equal_sizes(a, b):
    return 1.9922617865002907


w2_by_sorting = np.sqrt(np.mean((np.sort(grades_a) - np.sort(grades_b)) ** 2))
""",
        ),
    ],
    "wasserstein-plugin-by-hand": [
        (
            "equal group weights instead of the calibration frequencies",
            """
def fair_prediction(cal_pred, cal_group, group, value):
    level = ecdf(cal_pred[cal_group == group])(value)
    names = np.unique(cal_group)
    return sum(quantile(cal_pred[cal_group == grp], level) for grp in names) / len(names)


fair_b = fair_prediction(cal_pred, cal_group, "b", 3.1)
""",
        ),
        (
            "rank taken in the whole calibration sample, not in the person's group",
            """
def fair_prediction(cal_pred, cal_group, group, value):
    level = ecdf(cal_pred)(value)
    return sum(np.mean(cal_group == grp) * quantile(cal_pred[cal_group == grp], level)
               for grp in np.unique(cal_group))


fair_b = fair_prediction(cal_pred, cal_group, "b", 3.1)
""",
        ),
        (
            "interpolated quantiles (np.quantile) instead of order statistics",
            """
def fair_prediction(cal_pred, cal_group, group, value):
    level = ecdf(cal_pred[cal_group == group])(value)
    return sum(np.mean(cal_group == grp) * np.quantile(cal_pred[cal_group == grp], level)
               for grp in np.unique(cal_group))


fair_b = fair_prediction(cal_pred, cal_group, "b", 3.1)
""",
        ),
        (
            "returns the model's own prediction",
            """
def fair_prediction(cal_pred, cal_group, group, value):
    return value


fair_b = fair_prediction(cal_pred, cal_group, "b", 3.1)
""",
        ),
        (
            "only groups 'a' and 'b' (breaks with other group names)",
            """
def fair_prediction(cal_pred, cal_group, group, value):
    level = ecdf(cal_pred[cal_group == group])(value)
    return sum(np.mean(cal_group == grp) * quantile(cal_pred[cal_group == grp], level)
               for grp in ("a", "b") if np.any(cal_group == grp))


fair_b = fair_prediction(cal_pred, cal_group, "b", 3.1)
""",
        ),
    ],
    "wasserstein-rank-gap": [
        (
            "the upper bound 1/(N+1) + 1/(N'+1) instead of the supremum",
            """
def rank_gap_between(n, m):
    return 1 / (n + 1) + 1 / (m + 1)


rank_gap = rank_gap_between(n_gap_a, n_gap_b)
""",
        ),
        (
            "uniform on {1/N, ..., 1} (forgets the rank 0)",
            """
def rank_gap_between(n, m):
    jumps = np.union1d(np.arange(n + 1) / n, np.arange(m + 1) / m)
    G_at = lambda N, t: np.floor(N * t + 1e-12) / N
    G_before = lambda N, t: np.maximum(np.ceil(N * t - 1e-12) - 1, 0) / N
    return max(np.max(np.abs(G_at(n, jumps) - G_at(m, jumps))),
               np.max(np.abs(G_before(n, jumps) - G_before(m, jumps))))


rank_gap = rank_gap_between(n_gap_a, n_gap_b)
""",
        ),
        (
            "compares the two grids of levels, not the distribution functions",
            """
def rank_gap_between(n, m):
    a, b = np.arange(n + 1) / n, np.arange(m + 1) / m
    return np.max(np.abs(a[:, None] - b[None, :]).min(axis=1))


rank_gap = rank_gap_between(n_gap_a, n_gap_b)
""",
        ),
        (
            "difference of the means of the two rank laws",
            """
def rank_gap_between(n, m):
    return abs(np.mean(np.arange(n + 1) / n) - np.mean(np.arange(m + 1) / m))


rank_gap = rank_gap_between(n_gap_a, n_gap_b)
""",
        ),
    ],
}
