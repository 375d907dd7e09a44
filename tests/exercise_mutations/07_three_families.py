"""Plausible wrong answers to the exercises of chapter 7 (07_three_families.ipynb).

Each source replaces the code between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` of the exercise's solution cell; the exercise's check cell
must then fail with an ``ExerciseError`` (see tests/test_exercise_mutations.py).
"""

_WEIGHT = """
def reweighing_weight(y, s, group, label):
    y, s = np.asarray(y), np.asarray(s)
    n = y.size
    n_group, n_label = np.sum(s == group), np.sum(y == label)
    n_cell = np.sum((s == group) & (y == label))
    return {formula}

weight_female_high = reweighing_weight(y_reweigh, s_reweigh, "Female", 1)
n_female_high = np.sum((s_reweigh == "Female") & (y_reweigh == 1))
weighted_share_female_high = {share}
"""

_GAPS = """
def dp_gaps(lambdas):
    gaps = []
    for lam_ex in lambdas:
        model_ex = FairLogisticRegression("{penalty}", lam=lam_ex, tol=1e-6).fit(
            Z_train, y_train, sensitive_features=s_train)
        gaps.append(demographic_parity_difference(
            {y_eval}, model_ex.predict({Z_eval}), sensitive_features={s_eval}))
    return gaps

dp_by_lambda = dp_gaps(lambdas)
lambda_chosen = {choice}
"""
_SMALLEST = "next(lam_ex for lam_ex, gap in zip(lambdas, dp_by_lambda) if gap <= 0.05)"

_THRESHOLDS = """
dp_thresholds = GroupThresholdClassifier(score_model, constraint="{constraint}",
                                         prefit=True, random_state=0).fit(
    {Z_fit}, {y_fit}, sensitive_features={s_fit})
dp_post_metrics = evaluate(dp_thresholds.predict({Z_eval}, sensitive_features={s_eval}),
                           {y_eval}, {s_eval})
"""

MUTATIONS = {
    "three-families-reweigh-cell": [
        (
            "inverse weight (observed over expected count)",
            _WEIGHT.format(
                formula="n * n_cell / (n_group * n_label)",
                share="weight_female_high * n_female_high / y_reweigh.size",
            ),
        ),
        (
            "missing the factor n",
            _WEIGHT.format(
                formula="n_group * n_label / n_cell",
                share="weight_female_high * n_female_high / y_reweigh.size",
            ),
        ),
        (
            "share of the examples instead of the share of the weight",
            _WEIGHT.format(
                formula="n_group * n_label / (n * n_cell)", share="n_female_high / y_reweigh.size"
            ),
        ),
    ],
    "three-families-lambda": [
        (
            "gaps on the training set",
            _GAPS.format(
                penalty="demographic_parity",
                y_eval="y_train",
                Z_eval="Z_train",
                s_eval="s_train",
                choice=_SMALLEST,
            ),
        ),
        (
            "gaps on the test set",
            _GAPS.format(
                penalty="demographic_parity",
                y_eval="y_test",
                Z_eval="Z_test",
                s_eval="s_test",
                choice=_SMALLEST,
            ),
        ),
        (
            "equal-opportunity penalty instead of demographic parity",
            _GAPS.format(
                penalty="equal_opportunity",
                y_eval="y_val",
                Z_eval="Z_val",
                s_eval="s_val",
                choice="next((lam_ex for lam_ex, gap in zip(lambdas, dp_by_lambda) "
                "if gap <= 0.05), lambdas[-1])",
            ),
        ),
        (
            "largest lambda instead of the smallest admissible one",
            _GAPS.format(
                penalty="demographic_parity",
                y_eval="y_val",
                Z_eval="Z_val",
                s_eval="s_val",
                choice="lambdas[-1]",
            ),
        ),
    ],
    "three-families-dp-thresholds": [
        (
            "equal opportunity instead of demographic parity",
            _THRESHOLDS.format(
                constraint="equal_opportunity",
                Z_fit="Z_val",
                y_fit="y_val",
                s_fit="s_val",
                Z_eval="Z_test",
                y_eval="y_test",
                s_eval="s_test",
            ),
        ),
        (
            "thresholds fitted on the training scores",
            _THRESHOLDS.format(
                constraint="demographic_parity",
                Z_fit="Z_train",
                y_fit="y_train",
                s_fit="s_train",
                Z_eval="Z_test",
                y_eval="y_test",
                s_eval="s_test",
            ),
        ),
        (
            "metrics measured on the validation set",
            _THRESHOLDS.format(
                constraint="demographic_parity",
                Z_fit="Z_val",
                y_fit="y_val",
                s_fit="s_val",
                Z_eval="Z_val",
                y_eval="y_val",
                s_eval="s_val",
            ),
        ),
    ],
}
