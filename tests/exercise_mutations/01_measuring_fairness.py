"""Plausible wrong answers to the exercises of chapter 1; each check must reject them.

Each source replaces the code between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
of the exercise's solution cell (see the exercise convention in the developer guide).
"""

MUTATIONS = {
    "measuring-deo-by-hand": [
        (
            "selection rates (demographic parity) instead of true-positive rates",
            """
def deo_by_hand(y_true, y_pred, group):
    rates = [y_pred[group == k].mean() for k in np.unique(group)]
    return max(rates) - min(rates)

deo_answer = deo_by_hand(y_true_ex, y_pred_ex, group_ex)
""",
        ),
        (
            "missing abs: group b minus group a",
            """
def deo_by_hand(y_true, y_pred, group):
    tpr_a = y_pred[(y_true == 1) & (group == "a")].mean()
    tpr_b = y_pred[(y_true == 1) & (group == "b")].mean()
    return tpr_b - tpr_a

deo_answer = deo_by_hand(y_true_ex, y_pred_ex, group_ex)
""",
        ),
        (
            "missing abs, right on the given data, wrong with the groups swapped",
            """
def deo_by_hand(y_true, y_pred, group):
    labels = np.unique(group)
    tpr = [y_pred[(y_true == 1) & (group == k)].mean() for k in labels]
    return tpr[0] - tpr[-1]

deo_answer = deo_by_hand(y_true_ex, y_pred_ex, group_ex)
""",
        ),
        (
            "false-positive rates",
            """
def deo_by_hand(y_true, y_pred, group):
    fpr = [y_pred[(y_true == 0) & (group == k)].mean() for k in np.unique(group)]
    return max(fpr) - min(fpr)

deo_answer = deo_by_hand(y_true_ex, y_pred_ex, group_ex)
""",
        ),
        (
            "the tampered data of the review: y_pred = y_true, DEO 0",
            """
def deo_by_hand(y_true, y_pred, group):
    return 0.0

deo_answer = 0.0
""",
        ),
    ],
    "measuring-which-notion": [
        (
            "DEO computed on everyone (that is DP)",
            """
def tpr_by_group(y_true, y_pred, group):
    return np.array([y_pred[(y_true == 1) & (group == k)].mean() for k in np.unique(group)])

dp_thresh = demographic_parity_difference(y_test, y_thresh, sensitive_features=s_test)
deo_thresh = dp_thresh
tpr_thresh = tpr_by_group(y_test, y_thresh, s_test)
disadvantaged_group = int(np.argmin(tpr_thresh))
""",
        ),
        (
            "the group with the higher TPR",
            """
def tpr_by_group(y_true, y_pred, group):
    return np.array([y_pred[(y_true == 1) & (group == k)].mean() for k in np.unique(group)])

dp_thresh = demographic_parity_difference(y_test, y_thresh, sensitive_features=s_test)
deo_thresh = equal_opportunity_difference(y_test, y_thresh, sensitive_features=s_test)
tpr_thresh = tpr_by_group(y_test, y_thresh, s_test)
disadvantaged_group = int(np.argmax(tpr_thresh))
""",
        ),
        (
            "the minority assumed disadvantaged, whatever the numbers",
            """
def tpr_by_group(y_true, y_pred, group):
    return np.array([y_pred[(y_true == 1) & (group == k)].mean() for k in np.unique(group)])

dp_thresh = demographic_parity_difference(y_test, y_thresh, sensitive_features=s_test)
deo_thresh = equal_opportunity_difference(y_test, y_thresh, sensitive_features=s_test)
tpr_thresh = tpr_by_group(y_test, y_thresh, s_test)
disadvantaged_group = 1
""",
        ),
        (
            "rates over the accepted instead of the positives (precision)",
            """
def tpr_by_group(y_true, y_pred, group):
    return np.array([y_true[(y_pred == 1) & (group == k)].mean() for k in np.unique(group)])

dp_thresh = demographic_parity_difference(y_test, y_thresh, sensitive_features=s_test)
deo_thresh = equal_opportunity_difference(y_test, y_thresh, sensitive_features=s_test)
tpr_thresh = tpr_by_group(y_test, y_thresh, s_test)
disadvantaged_group = int(np.argmin(tpr_thresh))
""",
        ),
    ],
    "measuring-conflict": [
        (
            "missing abs (the review's W1)",
            """
def dp_gap_under_equalized_odds(tpr, fpr, base_rate_a, base_rate_b):
    return (tpr - fpr) * (base_rate_a - base_rate_b)

dp_gap_empirical = demographic_parity_difference(y_test, y_eo, sensitive_features=s_test)
""",
        ),
        (
            "tpr + fpr instead of tpr - fpr",
            """
def dp_gap_under_equalized_odds(tpr, fpr, base_rate_a, base_rate_b):
    return abs((tpr + fpr) * (base_rate_a - base_rate_b))

dp_gap_empirical = demographic_parity_difference(y_test, y_eo, sensitive_features=s_test)
""",
        ),
        (
            "the empirical gap set to the formula's value (circular)",
            """
def dp_gap_under_equalized_odds(tpr, fpr, base_rate_a, base_rate_b):
    return abs((tpr - fpr) * (base_rate_a - base_rate_b))

dp_gap_empirical = dp_gap_under_equalized_odds(0.8, 0.2, base_rate_0, base_rate_1)
""",
        ),
        (
            "the DEO of y_eo instead of its DP difference",
            """
def dp_gap_under_equalized_odds(tpr, fpr, base_rate_a, base_rate_b):
    return abs((tpr - fpr) * (base_rate_a - base_rate_b))

dp_gap_empirical = equal_opportunity_difference(y_test, y_eo, sensitive_features=s_test)
""",
        ),
    ],
    "measuring-dp-and-eo": [
        (
            "accept everyone (the review's W2)",
            """
def dp_and_eo_decisions(y_true, scores, group, target_tpr, target_rate):
    return np.ones_like(y_true)

y_both = dp_and_eo_decisions(y_test, scores_both, s_test, 0.7, 0.4)
accuracy_both = np.mean(y_both == y_test)
""",
        ),
        (
            "reject everyone",
            """
def dp_and_eo_decisions(y_true, scores, group, target_tpr, target_rate):
    return np.zeros_like(y_true)

y_both = dp_and_eo_decisions(y_test, scores_both, s_test, 0.7, 0.4)
accuracy_both = np.mean(y_both == y_test)
""",
        ),
        (
            "equal selection rates only",
            """
def dp_and_eo_decisions(y_true, scores, group, target_tpr, target_rate):
    decisions = np.zeros_like(y_true)
    for k in np.unique(group):
        in_group = group == k
        decisions[in_group] = scores[in_group] > np.quantile(scores[in_group], 1 - target_rate)
    return decisions

y_both = dp_and_eo_decisions(y_test, scores_both, s_test, 0.7, 0.4)
accuracy_both = np.mean(y_both == y_test)
""",
        ),
        (
            "the perfect classifier y_test",
            """
def dp_and_eo_decisions(y_true, scores, group, target_tpr, target_rate):
    return y_true.copy()

y_both = dp_and_eo_decisions(y_test, scores_both, s_test, 0.7, 0.4)
accuracy_both = 1.0
""",
        ),
        (
            "quota of negatives from the positives' count, not the group size",
            """
def dp_and_eo_decisions(y_true, scores, group, target_tpr, target_rate):
    decisions = np.zeros_like(y_true)
    for k in np.unique(group):
        in_group = group == k
        n_pos = np.sum(in_group & (y_true == 1))
        quota = {1: int(round(target_tpr * n_pos)), 0: int(round(target_rate * n_pos))}
        for label in (1, 0):
            idx = np.flatnonzero(in_group & (y_true == label))
            decisions[idx[np.argsort(-scores[idx])[:quota[label]]]] = 1
    return decisions

y_both = dp_and_eo_decisions(y_test, scores_both, s_test, 0.7, 0.4)
accuracy_both = np.mean(y_both == y_test)
""",
        ),
    ],
}
