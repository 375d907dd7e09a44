"""Plausible wrong answers to the exercises of chapter 2, first page
(notebooks/02_empirical_fairness_risk.ipynb); each check must reject them.

Each source replaces the code between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
of the exercise's solution cell (see the exercise convention in the developer guide).
The exercises of the chapter's second page are in 02_fair_erm_guarantees.py.
"""

MUTATIONS = {
    "empirical-sample-size": [
        (
            "no union bound over the models",
            """
def smallest_holdout_size(n_models, tolerance, delta):
    return int(np.ceil(np.log(2 / delta) / (2 * tolerance ** 2)))

n_needed_answer = smallest_holdout_size(n_models_ex, tolerance_ex, delta_ex)
""",
        ),
        (
            "one-sided bound, log(m / delta)",
            """
def smallest_holdout_size(n_models, tolerance, delta):
    return int(np.ceil(np.log(n_models / delta) / (2 * tolerance ** 2)))

n_needed_answer = smallest_holdout_size(n_models_ex, tolerance_ex, delta_ex)
""",
        ),
        (
            "rounded down instead of up",
            """
def smallest_holdout_size(n_models, tolerance, delta):
    return int(np.log(2 * n_models / delta) / (2 * tolerance ** 2))

n_needed_answer = smallest_holdout_size(n_models_ex, tolerance_ex, delta_ex)
""",
        ),
        (
            "a round guess",
            """
def smallest_holdout_size(n_models, tolerance, delta):
    return 20000

n_needed_answer = 20000
""",
        ),
    ],
    "empirical-losses-by-hand": [
        (
            "0/1 label in the hinge loss instead of the signed label",
            """
def hinge_risk(y, f):
    return np.mean(np.maximum(0, 1 - np.asarray(y) * np.asarray(f)))

def linear_gap(y, f, group):
    y, f, group = np.asarray(y), np.asarray(f), np.asarray(group)
    risks = [np.mean((1 - f[(y == 1) & (group == k)]) / 2) for k in np.unique(group)]
    return max(risks) - min(risks)

hinge_risk_answer = hinge_risk(y_ex, f_ex)
linear_gap_answer = linear_gap(y_ex, f_ex, g_ex)
""",
        ),
        (
            "linear-loss gap over everyone, not the positives",
            """
def hinge_risk(y, f):
    return np.mean(np.maximum(0, 1 - (2 * np.asarray(y) - 1) * np.asarray(f)))

def linear_gap(y, f, group):
    y, f, group = np.asarray(y), np.asarray(f), np.asarray(group)
    risks = [np.mean((1 - (2 * y[group == k] - 1) * f[group == k]) / 2) for k in np.unique(group)]
    return max(risks) - min(risks)

hinge_risk_answer = hinge_risk(y_ex, f_ex)
linear_gap_answer = linear_gap(y_ex, f_ex, g_ex)
""",
        ),
        (
            "linear loss without the 1/2",
            """
def hinge_risk(y, f):
    return np.mean(np.maximum(0, 1 - (2 * np.asarray(y) - 1) * np.asarray(f)))

def linear_gap(y, f, group):
    y, f, group = np.asarray(y), np.asarray(f), np.asarray(group)
    risks = [np.mean(1 - f[(y == 1) & (group == k)]) for k in np.unique(group)]
    return max(risks) - min(risks)

hinge_risk_answer = hinge_risk(y_ex, f_ex)
linear_gap_answer = linear_gap(y_ex, f_ex, g_ex)
""",
        ),
        (
            "two hard-coded groups a and b",
            """
def hinge_risk(y, f):
    return np.mean(np.maximum(0, 1 - (2 * np.asarray(y) - 1) * np.asarray(f)))

def linear_gap(y, f, group):
    y, f, group = np.asarray(y), np.asarray(f), np.asarray(group)
    lin_a = np.mean((1 - f[(y == 1) & (group == "a")]) / 2)
    lin_b = np.mean((1 - f[(y == 1) & (group == "b")]) / 2)
    return abs(lin_a - lin_b)

hinge_risk_answer = hinge_risk(y_ex, f_ex)
linear_gap_answer = linear_gap(y_ex, f_ex, g_ex)
""",
        ),
    ],
    "empirical-rademacher": [
        (
            "mean before the square root (Jensen's bound, not the estimate)",
            """
def rademacher_estimate(K, sigma, norm_bound):
    n = K.shape[0]
    return norm_bound * np.sqrt(np.mean(np.einsum("ri,ij,rj->r", sigma, K, sigma))) / n


K_ex = Z_ex @ Z_ex.T
rademacher_answer = rademacher_estimate(K_ex, sigma_ex, norm_bound_ex)
rademacher_bound_answer = norm_bound_ex * np.sqrt(np.trace(K_ex)) / Z_ex.shape[0]
""",
        ),
        (
            "missing 1/n",
            """
def rademacher_estimate(K, sigma, norm_bound):
    return norm_bound * np.mean(np.sqrt(np.einsum("ri,ij,rj->r", sigma, K, sigma)))


K_ex = Z_ex @ Z_ex.T
rademacher_answer = rademacher_estimate(K_ex, sigma_ex, norm_bound_ex)
rademacher_bound_answer = norm_bound_ex * np.sqrt(np.trace(K_ex)) / Z_ex.shape[0]
""",
        ),
        (
            "the norm bound forgotten",
            """
def rademacher_estimate(K, sigma, norm_bound):
    n = K.shape[0]
    return np.mean(np.sqrt(np.einsum("ri,ij,rj->r", sigma, K, sigma))) / n


K_ex = Z_ex @ Z_ex.T
rademacher_answer = rademacher_estimate(K_ex, sigma_ex, norm_bound_ex)
rademacher_bound_answer = np.sqrt(np.trace(K_ex)) / Z_ex.shape[0]
""",
        ),
        (
            "the trace bound returned as the estimate",
            """
def rademacher_estimate(K, sigma, norm_bound):
    return norm_bound * np.sqrt(np.trace(K)) / K.shape[0]


K_ex = Z_ex @ Z_ex.T
rademacher_answer = rademacher_estimate(K_ex, sigma_ex, norm_bound_ex)
rademacher_bound_answer = norm_bound_ex * np.sqrt(np.trace(K_ex)) / Z_ex.shape[0]
""",
        ),
        (
            "right estimate, bound without the square root",
            """
def rademacher_estimate(K, sigma, norm_bound):
    n = K.shape[0]
    return norm_bound * np.mean(np.sqrt(np.einsum("ri,ij,rj->r", sigma, K, sigma))) / n


K_ex = Z_ex @ Z_ex.T
rademacher_answer = rademacher_estimate(K_ex, sigma_ex, norm_bound_ex)
rademacher_bound_answer = norm_bound_ex * np.trace(K_ex) / Z_ex.shape[0]
""",
        ),
        (
            "sum of the signed scores instead of the supremum",
            """
def rademacher_estimate(K, sigma, norm_bound):
    n = K.shape[0]
    return norm_bound * np.mean(np.einsum("ri,ij,rj->r", sigma, K, sigma)) / n ** 2


K_ex = Z_ex @ Z_ex.T
rademacher_answer = rademacher_estimate(K_ex, sigma_ex, norm_bound_ex)
rademacher_bound_answer = norm_bound_ex * np.sqrt(np.trace(K_ex)) / Z_ex.shape[0]
""",
        ),
    ],
}
