"""Plausible wrong answers to the exercises of chapter 2, second page
(notebooks/02_fair_erm_guarantees.ipynb); each check must reject them.

Each source replaces the code between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
of the exercise's solution cell (see the exercise convention in the developer guide).
"""

MUTATIONS = {
    "empirical-minority-positives": [
        (
            "no union bound over the two groups",
            """
def minority_positives_needed(n_majority, half_width, delta):
    t_major = np.sqrt(np.log(2 / delta) / (2 * n_majority))
    return int(np.ceil(np.log(2 / delta) / (2 * (half_width - t_major) ** 2)))

n_minority_answer = minority_positives_needed(n_majority_ex, half_width_ex, delta_ex)
ratio_answer = np.sqrt(n_majority_ex / n_minority_answer)
""",
        ),
        (
            "the majority's radius forgotten",
            """
def minority_positives_needed(n_majority, half_width, delta):
    return int(np.ceil(np.log(4 / delta) / (2 * half_width ** 2)))

n_minority_answer = minority_positives_needed(n_majority_ex, half_width_ex, delta_ex)
ratio_answer = np.sqrt(n_majority_ex / n_minority_answer)
""",
        ),
        (
            "ratio inverted (majority over minority)",
            """
def minority_positives_needed(n_majority, half_width, delta):
    t_major = np.sqrt(np.log(4 / delta) / (2 * n_majority))
    return int(np.ceil(np.log(4 / delta) / (2 * (half_width - t_major) ** 2)))

n_minority_answer = minority_positives_needed(n_majority_ex, half_width_ex, delta_ex)
ratio_answer = np.sqrt(n_minority_answer / n_majority_ex)
""",
        ),
        (
            "ratio of counts instead of radii",
            """
def minority_positives_needed(n_majority, half_width, delta):
    t_major = np.sqrt(np.log(4 / delta) / (2 * n_majority))
    return int(np.ceil(np.log(4 / delta) / (2 * (half_width - t_major) ** 2)))

n_minority_answer = minority_positives_needed(n_majority_ex, half_width_ex, delta_ex)
ratio_answer = n_majority_ex / n_minority_answer
""",
        ),
    ],
    "empirical-three-groups": [
        (
            "union bound over two groups instead of K",
            """
def hoeffding_deo_interval(y, pred, group, delta):
    labels = np.unique(group)
    rates = np.array([pred[(y == 1) & (group == k)].mean() for k in labels])
    counts = np.array([np.sum((y == 1) & (group == k)) for k in labels])
    t = np.sqrt(np.log(2 * 2 / delta) / (2 * counts))
    low_s, high_s = np.clip(rates - t, 0, 1), np.clip(rates + t, 0, 1)
    low = max(0.0, low_s.max() - high_s.min())
    high = max(high_s[i] - low_s[j]
               for i in range(labels.size) for j in range(labels.size) if i != j)
    return low, high, np.sort(t)[-2:].sum()

low3_answer, high3_answer, simple3_answer = hoeffding_deo_interval(y3, pred3, g3, 0.1)
""",
        ),
        (
            "boxes not clipped to [0, 1]",
            """
def hoeffding_deo_interval(y, pred, group, delta):
    labels = np.unique(group)
    rates = np.array([pred[(y == 1) & (group == k)].mean() for k in labels])
    counts = np.array([np.sum((y == 1) & (group == k)) for k in labels])
    t = np.sqrt(np.log(2 * labels.size / delta) / (2 * counts))
    low_s, high_s = rates - t, rates + t
    low = max(0.0, low_s.max() - high_s.min())
    high = max(high_s[i] - low_s[j]
               for i in range(labels.size) for j in range(labels.size) if i != j)
    return low, high, np.sort(t)[-2:].sum()

low3_answer, high3_answer, simple3_answer = hoeffding_deo_interval(y3, pred3, g3, 0.1)
""",
        ),
        (
            "estimate minus/plus the simple half-width",
            """
def hoeffding_deo_interval(y, pred, group, delta):
    labels = np.unique(group)
    rates = np.array([pred[(y == 1) & (group == k)].mean() for k in labels])
    counts = np.array([np.sum((y == 1) & (group == k)) for k in labels])
    t = np.sqrt(np.log(2 * labels.size / delta) / (2 * counts))
    simple = np.sort(t)[-2:].sum()
    estimate = rates.max() - rates.min()
    return estimate - simple, estimate + simple, simple

low3_answer, high3_answer, simple3_answer = hoeffding_deo_interval(y3, pred3, g3, 0.1)
""",
        ),
        (
            "simple form with the sum of all radii",
            """
def hoeffding_deo_interval(y, pred, group, delta):
    labels = np.unique(group)
    rates = np.array([pred[(y == 1) & (group == k)].mean() for k in labels])
    counts = np.array([np.sum((y == 1) & (group == k)) for k in labels])
    t = np.sqrt(np.log(2 * labels.size / delta) / (2 * counts))
    low_s, high_s = np.clip(rates - t, 0, 1), np.clip(rates + t, 0, 1)
    low = max(0.0, low_s.max() - high_s.min())
    high = max(high_s[i] - low_s[j]
               for i in range(labels.size) for j in range(labels.size) if i != j)
    return low, high, t.sum()

low3_answer, high3_answer, simple3_answer = hoeffding_deo_interval(y3, pred3, g3, 0.1)
""",
        ),
    ],
    "empirical-dp-coverage": [
        (
            "a guess: a 95% interval covers 95%",
            """
dp_true_answer = 0.15
def dp_coverage(x, y, s, target, method):
    return 0.95
dp_coverage_answer = 0.95
dp_boot_coverage_answer = 0.95
""",
        ),
        (
            "the review's gamed answer: everything right but the coverage guessed as 0.95",
            """
tpr0, fpr0 = true_rates(0.0)
selection_true = BASE_RATE * tpr0 + (1 - BASE_RATE) * fpr0
dp_true_answer = abs(selection_true[0] - selection_true[1])

def dp_coverage(x, y, s, target, method):
    return np.mean([fairness_confidence_interval(
        y[r], (x[r] > 0).astype(int), sensitive_features=GROUPS[s[r]],
        constraint="demographic_parity", method=method, n_resamples=200,
        random_state=r).contains(target) for r in range(x.shape[0])])

dp_coverage_answer = 0.95
dp_boot_coverage_answer = dp_coverage(x_dp, y_dp, s_dp, dp_true_answer, "bootstrap")
""",
        ),
        (
            "target is the true DEO, not the true DP",
            """
tpr0, fpr0 = true_rates(0.0)
dp_true_answer = abs(tpr0[0] - tpr0[1])

def dp_coverage(x, y, s, target, method):
    return np.mean([fairness_confidence_interval(
        y[r], (x[r] > 0).astype(int), sensitive_features=GROUPS[s[r]],
        constraint="demographic_parity", method=method, n_resamples=200,
        random_state=r).contains(target) for r in range(x.shape[0])])

dp_coverage_answer = dp_coverage(x_dp, y_dp, s_dp, dp_true_answer, "hoeffding")
dp_boot_coverage_answer = dp_coverage(x_dp, y_dp, s_dp, dp_true_answer, "bootstrap")
""",
        ),
        (
            "equal-opportunity intervals (the default constraint)",
            """
tpr0, fpr0 = true_rates(0.0)
selection_true = BASE_RATE * tpr0 + (1 - BASE_RATE) * fpr0
dp_true_answer = abs(selection_true[0] - selection_true[1])

def dp_coverage(x, y, s, target, method):
    return np.mean([fairness_confidence_interval(
        y[r], (x[r] > 0).astype(int), sensitive_features=GROUPS[s[r]],
        method=method, n_resamples=200, random_state=r).contains(target)
        for r in range(x.shape[0])])

dp_coverage_answer = dp_coverage(x_dp, y_dp, s_dp, dp_true_answer, "hoeffding")
dp_boot_coverage_answer = dp_coverage(x_dp, y_dp, s_dp, dp_true_answer, "bootstrap")
""",
        ),
        (
            "selection rate without the false positives",
            """
tpr0, fpr0 = true_rates(0.0)
selection_true = BASE_RATE * tpr0
dp_true_answer = abs(selection_true[0] - selection_true[1])

def dp_coverage(x, y, s, target, method):
    return np.mean([fairness_confidence_interval(
        y[r], (x[r] > 0).astype(int), sensitive_features=GROUPS[s[r]],
        constraint="demographic_parity", method=method, n_resamples=200,
        random_state=r).contains(target) for r in range(x.shape[0])])

dp_coverage_answer = dp_coverage(x_dp, y_dp, s_dp, dp_true_answer, "hoeffding")
dp_boot_coverage_answer = dp_coverage(x_dp, y_dp, s_dp, dp_true_answer, "bootstrap")
""",
        ),
    ],
}
