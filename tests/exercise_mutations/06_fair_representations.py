"""Plausible wrong answers to chapter 6's exercises; each check cell must reject them."""

MUTATIONS = {
    "rep-sinkhorn-head": [
        (
            "DP gap on the training split",
            """
def held_out_head_dp(model, task):
    head = model.fit_head(syn["X_tr"], syn["Y_tr"][:, task])
    pred = np.ravel(head.predict(syn["X_tr"]))
    return demographic_parity_difference(pred, pred, sensitive_features=syn["s_tr"])


sinkhorn_head_dp = held_out_head_dp(sinkhorn_model, 6)
plain_head_dp = held_out_head_dp(plain_model, 6)
""",
        ),
        (
            "DP gap of the true labels",
            """
def held_out_head_dp(model, task):
    y = syn["Y_te"][:, task]
    return demographic_parity_difference(y, y, sensitive_features=syn["s_te"])


sinkhorn_head_dp = held_out_head_dp(sinkhorn_model, 6)
plain_head_dp = held_out_head_dp(plain_model, 6)
""",
        ),
        (
            "head on the raw features instead of the representation",
            """
def held_out_head_dp(model, task):
    head = LogisticRegression().fit(syn["X_tr"], syn["Y_tr"][:, task])
    pred = head.predict(syn["X_te"])
    return demographic_parity_difference(pred, pred, sensitive_features=syn["s_te"])


sinkhorn_head_dp = held_out_head_dp(sinkhorn_model, 6)
plain_head_dp = held_out_head_dp(plain_model, 6)
""",
        ),
    ],
    "rep-bound": [
        (
            "the margin grid np.linspace(0.1, 5, 50)",
            """
def optimized_bound(w, b, Z, s):
    class _Head:
        coef_, intercept_ = w[None, :], np.array([b])
    grid = np.linspace(0.1, 5, 50)
    values = [degradation_bound(_Head, Z, s, t) for t in grid]
    return float(grid[int(np.argmin(values))]), float(np.min(values))


best_theta, best_bound = optimized_bound(w_bound, b_bound, Z_bound, s_bound)
trivial_bound = max(np.mean(Z_bound[s_bound == g] @ w_bound + b_bound > 0) for g in (0, 1))
""",
        ),
        (
            "positive scores only, forgetting theta -> infinity",
            """
def optimized_bound(w, b, Z, s):
    scores = Z @ w + b
    first_term = np.linalg.norm(w) * w1_between_groups(Z, s)
    candidates = np.unique(scores[scores > 0])
    margin = np.max([np.searchsorted(np.sort(scores[(s == g) & (scores > 0)]), candidates)
                     / np.sum(s == g) for g in (0, 1)], axis=0)
    values = first_term / candidates + margin
    k = int(np.argmin(values))
    return float(candidates[k]), float(values[k])


best_theta, best_bound = optimized_bound(w_bound, b_bound, Z_bound, s_bound)
trivial_bound = max(np.mean(Z_bound[s_bound == g] @ w_bound + b_bound > 0) for g in (0, 1))
""",
        ),
        (
            "smallest group rate as the trivial bound",
            """
def optimized_bound(w, b, Z, s):
    scores = Z @ w + b
    first_term = np.linalg.norm(w) * w1_between_groups(Z, s)
    candidates = np.unique(scores[scores > 0])
    margin = np.max([np.searchsorted(np.sort(scores[(s == g) & (scores > 0)]), candidates)
                     / np.sum(s == g) for g in (0, 1)], axis=0)
    values = first_term / candidates + margin
    limit = max(np.mean(scores[s == g] > 0) for g in (0, 1))
    k = int(np.argmin(values))
    return (float(candidates[k]), float(values[k])) if values[k] < limit else (np.inf, limit)


best_theta, best_bound = optimized_bound(w_bound, b_bound, Z_bound, s_bound)
trivial_bound = min(np.mean(Z_bound[s_bound == g] @ w_bound + b_bound > 0) for g in (0, 1))
""",
        ),
        (
            "margin counting the scores <= theta",
            """
def optimized_bound(w, b, Z, s):
    scores = Z @ w + b
    first_term = np.linalg.norm(w) * w1_between_groups(Z, s)
    candidates = np.unique(scores[scores > 0])
    margin = np.max([np.searchsorted(np.sort(scores[(s == g) & (scores > 0)]), candidates,
                                     side="right") / np.sum(s == g) for g in (0, 1)], axis=0)
    values = first_term / candidates + margin
    limit = max(np.mean(scores[s == g] > 0) for g in (0, 1))
    k = int(np.argmin(values))
    return (float(candidates[k]), float(values[k])) if values[k] < limit else (np.inf, limit)


best_theta, best_bound = optimized_bound(w_bound, b_bound, Z_bound, s_bound)
trivial_bound = max(np.mean(Z_bound[s_bound == g] @ w_bound + b_bound > 0) for g in (0, 1))
""",
        ),
    ],
    "rep-probe": [
        (
            "accuracy on the training split",
            """
def probe_accuracy(model):
    Z = model.transform(drug_data["X_tr"])
    return LogisticRegression().fit(Z, drug_data["s_tr"]).score(Z, drug_data["s_tr"])


probe_acc_plain = probe_accuracy(plain_drug_model)
probe_acc_fair = probe_accuracy(fair_drug_model)
""",
        ),
        (
            "probe fitted on the test split",
            """
def probe_accuracy(model):
    Z = model.transform(drug_data["X_te"])
    return LogisticRegression().fit(Z, drug_data["s_te"]).score(Z, drug_data["s_te"])


probe_acc_plain = probe_accuracy(plain_drug_model)
probe_acc_fair = probe_accuracy(fair_drug_model)
""",
        ),
        (
            "majority rate typed in",
            """
def probe_accuracy(model):
    return 0.5


probe_acc_plain = probe_accuracy(plain_drug_model)
probe_acc_fair = probe_accuracy(fair_drug_model)
""",
        ),
    ],
    "rep-ethnicity-batch": [
        (
            "non-white respondents of the whole data set",
            """
s_eth = eth.sensitive.to_numpy()
e_tr, _ = train_test_split(np.arange(len(s_eth)), test_size=0.4, random_state=0, stratify=s_eth)
n_nonwhite_train = int(np.sum(s_eth == "Non-white"))


def smallest_batch_size(n_train, n_smallest_group):
    return int(np.ceil(n_train / (n_smallest_group // 2)))


min_batch_size = smallest_batch_size(len(e_tr), n_nonwhite_train)
""",
        ),
        (
            "forgetting the two members per group",
            """
s_eth = eth.sensitive.to_numpy()
e_tr, _ = train_test_split(np.arange(len(s_eth)), test_size=0.4, random_state=0, stratify=s_eth)
n_nonwhite_train = int(np.sum(s_eth[e_tr] == "Non-white"))


def smallest_batch_size(n_train, n_smallest_group):
    return int(np.ceil(n_train / n_smallest_group))


min_batch_size = smallest_batch_size(len(e_tr), n_nonwhite_train)
""",
        ),
        (
            "one more than needed, to be safe",
            """
s_eth = eth.sensitive.to_numpy()
e_tr, _ = train_test_split(np.arange(len(s_eth)), test_size=0.4, random_state=0, stratify=s_eth)
n_nonwhite_train = int(np.sum(s_eth[e_tr] == "Non-white"))


def smallest_batch_size(n_train, n_smallest_group):
    return int(np.ceil(n_train / (n_smallest_group // 2))) + 1


min_batch_size = smallest_batch_size(len(e_tr), n_nonwhite_train)
""",
        ),
    ],
}
