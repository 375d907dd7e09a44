"""Plausible wrong answers to the exercises of chapter 3 (03_fair_erm.ipynb).

Each source replaces the code between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` of the exercise's solution cell; the exercise's check cell
must then fail with an ``ExerciseError`` (see tests/test_exercise_mutations.py).
"""

MUTATIONS = {
    "fair-erm-dp-direction": [
        (
            "first group minus second (wrong sign)",
            """
def dp_direction(X, s):
    X, s = np.asarray(X, dtype=float), np.asarray(s)
    first, second = np.unique(s)[:2]
    return X[s == first].mean(0) - X[s == second].mean(0)

u_dp_german = dp_direction(X_german, s_german)
""",
        ),
        (
            "positive examples only (the equal-opportunity direction)",
            """
def dp_direction(X, s):
    X, s = np.asarray(X, dtype=float), np.asarray(s)
    first, second = np.unique(s)[:2]
    return (X[(s == second) & (y_german == 1)].mean(0)
            - X[(s == first) & (y_german == 1)].mean(0))

u_dp_german = dp_direction(X_german, s_german)
""",
        ),
        (
            "groups in order of appearance, not sorted",
            """
def dp_direction(X, s):
    X, s = np.asarray(X, dtype=float), np.asarray(s)
    first, second = pd.unique(s)[:2]
    return X[s == second].mean(0) - X[s == first].mean(0)

u_dp_german = dp_direction(X_german, s_german)
""",
        ),
    ],
    "fair-erm-elimination": [
        (
            "projection (LinearFERM) instead of elimination",
            """
def eliminated_weights(X, y, u):
    return LinearFERM(LogisticRegression(max_iter=1000)).fit(
        X, y, sensitive_features=s_german).coef_[0]

w_elim_german = eliminated_weights(X_german, y_german, u_german)
""",
        ),
        (
            "weights not mapped back (zero inserted at the pivot only)",
            """
def eliminated_weights(X, y, u):
    pivot = int(np.argmax(np.abs(u)))
    X_elim = np.delete(X - np.outer(X[:, pivot] / u[pivot], u), pivot, axis=1)
    v = LogisticRegression(max_iter=1000).fit(X_elim, y).coef_[0]
    return np.insert(v, pivot, 0.0)

w_elim_german = eliminated_weights(X_german, y_german, u_german)
""",
        ),
        (
            "pivot column dropped without subtracting its multiple of u",
            """
def eliminated_weights(X, y, u):
    pivot = int(np.argmax(np.abs(u)))
    v = LogisticRegression(max_iter=1000).fit(np.delete(X, pivot, axis=1), y).coef_[0]
    v_full = np.insert(v, pivot, 0.0)
    w = v_full.copy()
    w[pivot] -= (v_full @ u) / u[pivot]
    return w

w_elim_german = eliminated_weights(X_german, y_german, u_german)
""",
        ),
    ],
    "fair-erm-kernel-norm": [
        (
            "all rows of each group (demographic parity) instead of the positives",
            """
def rkhs_norm_sq(X, y, s, gamma):
    a = np.zeros(len(y))
    first, second = np.unique(s)[:2]
    for g, sign in [(second, 1.0), (first, -1.0)]:
        members = s == g
        a[members] = sign / members.sum()
    return a @ rbf_kernel(X, X, gamma=gamma) @ a

u_norm_sq_german = rkhs_norm_sq(X_german, y_german, s_german, 0.05)
""",
        ),
        (
            "sums instead of means (no division by the number of positives)",
            """
def rkhs_norm_sq(X, y, s, gamma):
    a = np.zeros(len(y))
    first, second = np.unique(s)[:2]
    for g, sign in [(second, 1.0), (first, -1.0)]:
        a[(s == g) & (y == 1)] = sign
    return a @ rbf_kernel(X, X, gamma=gamma) @ a

u_norm_sq_german = rkhs_norm_sq(X_german, y_german, s_german, 0.05)
""",
        ),
        (
            "linear kernel instead of the RBF kernel",
            """
def rkhs_norm_sq(X, y, s, gamma):
    a = np.zeros(len(y))
    first, second = np.unique(s)[:2]
    for g, sign in [(second, 1.0), (first, -1.0)]:
        positives = (s == g) & (y == 1)
        a[positives] = sign / positives.sum()
    return a @ (X @ X.T) @ a

u_norm_sq_german = rkhs_norm_sq(X_german, y_german, s_german, 0.05)
""",
        ),
    ],
    "fair-erm-feasible-eps": [
        (
            "the linear-loss gap |<w, u>|/2 instead of |<w, u>|",
            """
def inactive_tolerance(X, y, s):
    u = fairness_direction(X, y, sensitive_features=s)[0]
    return abs(LogisticRegression(max_iter=1000).fit(X, y).coef_[0] @ u) / 2

eps_inactive_german = inactive_tolerance(X_german, y_german, s_german)
""",
        ),
        (
            "missing absolute value",
            """
def inactive_tolerance(X, y, s):
    u = fairness_direction(X, y, sensitive_features=s)[0]
    return LogisticRegression(max_iter=1000).fit(X, y).coef_[0] @ u

eps_inactive_german = inactive_tolerance(X_german, y_german, s_german)
""",
        ),
        (
            "the demographic-parity direction instead of equal opportunity",
            """
def inactive_tolerance(X, y, s):
    u = fairness_direction(X, y, sensitive_features=s, constraint="demographic_parity")[0]
    return abs(LogisticRegression(max_iter=1000).fit(X, y).coef_[0] @ u)

eps_inactive_german = inactive_tolerance(X_german, y_german, s_german)
""",
        ),
        (
            "a guessed round number",
            """
def inactive_tolerance(X, y, s):
    return 0.05

eps_inactive_german = inactive_tolerance(X_german, y_german, s_german)
""",
        ),
    ],
}
