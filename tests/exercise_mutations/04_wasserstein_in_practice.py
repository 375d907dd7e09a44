"""Plausible wrong answers to the exercises of chapter 4's second page
(notebooks/04_wasserstein_in_practice.ipynb); each check must reject every one.

Each entry replaces the code between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
of the exercise's solution cell (see tests/test_exercise_mutations.py).
"""

MUTATIONS = {
    "wasserstein-fairness-budget": [
        (
            "linear instead of quadratic: the budget as a share of the full change",
            """
def largest_fairness(pred, fair, budget):
    return float(min(1.0, budget / np.mean((fair - pred) ** 2)))


alpha_budget = largest_fairness(pred_budget, fair_budget, budget_ex)
""",
        ),
        (
            "no cap at 1 when the budget exceeds the full change (hidden test)",
            """
def largest_fairness(pred, fair, budget):
    return float(np.sqrt(budget / np.mean((fair - pred) ** 2)))


alpha_budget = largest_fairness(pred_budget, fair_budget, budget_ex)
""",
        ),
        (
            "the budget compared with the root mean squared change",
            """
def largest_fairness(pred, fair, budget):
    return float(min(1.0, budget / np.sqrt(np.mean((fair - pred) ** 2))))


alpha_budget = largest_fairness(pred_budget, fair_budget, budget_ex)
""",
        ),
        (
            "a guessed level",
            """
def largest_fairness(pred, fair, budget):
    return 0.5


alpha_budget = 0.5
""",
        ),
        (
            "full fairness whatever the budget",
            """
def largest_fairness(pred, fair, budget):
    return 1.0


alpha_budget = 1.0
""",
        ),
    ],
    "wasserstein-least-fairness": [
        (
            "the last level whose KS is still above the target",
            """
def least_fairness(pred, fair, groups, target, grid):
    previous = grid[0]
    for alpha in grid:
        if ks_unfairness((1 - alpha) * pred + alpha * fair, sensitive_features=groups) <= target:
            return previous
        previous = alpha
    return None


alpha_needed = least_fairness(pred_ex, fair_ex, group_ex, 0.15, grid_ex)
rmse_needed = np.sqrt(
    np.mean((y_ex - ((1 - alpha_needed) * pred_ex + alpha_needed * fair_ex)) ** 2)
)
""",
        ),
        (
            "full fairness, to be safe",
            """
def least_fairness(pred, fair, groups, target, grid):
    return grid[-1]


alpha_needed = least_fairness(pred_ex, fair_ex, group_ex, 0.15, grid_ex)
rmse_needed = np.sqrt(np.mean((y_ex - fair_ex) ** 2))
""",
        ),
        (
            "W1 unfairness instead of KS",
            """
from fairtutor.metrics import wasserstein_unfairness


def least_fairness(pred, fair, groups, target, grid):
    for alpha in grid:
        if wasserstein_unfairness((1 - alpha) * pred + alpha * fair,
                                  sensitive_features=groups) <= target:
            return alpha
    return None


alpha_needed = least_fairness(pred_ex, fair_ex, group_ex, 0.15, grid_ex)
rmse_needed = np.sqrt(
    np.mean((y_ex - ((1 - alpha_needed) * pred_ex + alpha_needed * fair_ex)) ** 2)
)
""",
        ),
        (
            "right level, RMSE at full fairness",
            """
def least_fairness(pred, fair, groups, target, grid):
    for alpha in grid:
        if ks_unfairness((1 - alpha) * pred + alpha * fair, sensitive_features=groups) <= target:
            return alpha
    return None


alpha_needed = least_fairness(pred_ex, fair_ex, group_ex, 0.15, grid_ex)
rmse_needed = np.sqrt(np.mean((y_ex - fair_ex) ** 2))
""",
        ),
        (
            "right level, mean squared error instead of RMSE",
            """
def least_fairness(pred, fair, groups, target, grid):
    for alpha in grid:
        if ks_unfairness((1 - alpha) * pred + alpha * fair, sensitive_features=groups) <= target:
            return alpha
    return None


alpha_needed = least_fairness(pred_ex, fair_ex, group_ex, 0.15, grid_ex)
rmse_needed = np.mean((y_ex - ((1 - alpha_needed) * pred_ex + alpha_needed * fair_ex)) ** 2)
""",
        ),
        (
            "target 0.15 hard-coded inside the function",
            """
def least_fairness(pred, fair, groups, target, grid):
    for alpha in grid:
        if ks_unfairness((1 - alpha) * pred + alpha * fair, sensitive_features=groups) <= 0.15:
            return alpha
    return None


alpha_needed = least_fairness(pred_ex, fair_ex, group_ex, 0.15, grid_ex)
rmse_needed = np.sqrt(
    np.mean((y_ex - ((1 - alpha_needed) * pred_ex + alpha_needed * fair_ex)) ** 2)
)
""",
        ),
    ],
    "wasserstein-law-school": [
        (
            "groups shuffled (a random attribute instead of bunch.sensitive)",
            """
def law_school_experiment(bunch, n_splits=10):
    groups = np.random.default_rng(0).permutation(bunch.sensitive.to_numpy())
    return summary(run_experiment(bunch, groups, n_splits=n_splits))
""",
        ),
        (
            "the 'sex' column hard-coded instead of bunch.sensitive",
            """
def law_school_experiment(bunch, n_splits=10):
    return summary(run_experiment(bunch, bunch.data["sex"].to_numpy(), n_splits=n_splits))
""",
        ),
        (
            "post-processor calibrated on the training predictions",
            """
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
""",
        ),
        (
            "the raw results instead of the summary table",
            """
def law_school_experiment(bunch, n_splits=10):
    return run_experiment(bunch, bunch.sensitive.to_numpy(), n_splits=n_splits)
""",
        ),
    ],
}
