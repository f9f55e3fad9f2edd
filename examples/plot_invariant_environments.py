"""
==========================================================
Invariant prediction when a spurious correlation reverses
==========================================================

In two training environments a spurious feature agrees with the label in 90% and 80% of the
rows, more often than the causal features do (75%); in a third environment the agreement
drops to 10%. Empirical risk minimisation (ERM) leans on the spurious feature and fails there.
:class:`~sklatent.InvariantEncoder` trains one label head across the environments with a
penalty on how its risk differs between them: IRMv1, REx, or the dependence of the code on the
environment given the label. :func:`~sklatent.metrics.environment_scores` gives the accuracy in
each environment, including the one never seen in training.
"""

# %%
# Three environments, two for training
# ------------------------------------
import matplotlib.pyplot as plt
import numpy as np
import sklearn
import torch
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from sklatent import InvariantEncoder
from sklatent.datasets import make_spurious_environments
from sklatent.metrics import (
    environment_accuracy_scoring,
    environment_scores,
    most_accurate_invariant_refit,
)

torch.set_num_threads(1)  # small networks: one thread is fastest
X, y, environments = make_spurious_environments(1000, random_state=0)
train = environments < 2

# %%
# ERM and three penalties
# -----------------------
# Full-batch training, as in the IRM paper: the penalty weight is 1 for ``warmup_epochs``
# epochs, then ``penalty_weight``. The conditional-independence penalty compares kernel mean
# embeddings, so it trains on minibatches of 500 rows.
full_batch = {"batch_size": 2000, "max_epochs": 500, "warmup_epochs": 100, "random_state": 0}
full_batch["unbiased"] = False  # IRMv1 as the paper estimates it (ignored by REx and I(z; e | y))
models = {
    "ERM": InvariantEncoder(penalty_weight=0.0, **full_batch),
    "IRMv1": InvariantEncoder(penalty="irm", penalty_weight=1e4, **full_batch),
    "REx": InvariantEncoder(penalty="rex", penalty_weight=1e4, **full_batch),
    "I(z; e | y)": InvariantEncoder(
        penalty="conditional_independence",
        penalty_weight=100,
        **{**full_batch, "batch_size": 500, "max_epochs": 120, "warmup_epochs": 25},
    ),
}
scores = {}
for name, model in models.items():
    model.fit(X[train], y[train], environments=environments[train])
    scores[name] = environment_scores(model, X, y, environments).table["score"]

# %%
# Accuracy per environment
# ------------------------
# The causal features alone reach 0.75 everywhere: that is what an invariant predictor can do.
# None of the penalised fits here does that. IRMv1 and REx at weight 1e4 are below chance in
# both training environments (0.47 and 0.45 on their rows, where a constant prediction gets
# 0.5; their fits raise a ``CollapsedPredictionsWarning``) and above 0.75 at test: they lean
# against the spurious feature, which pays only because the test environment reverses it.
fig, ax = plt.subplots(figsize=(7, 3.5))
width = 0.2
for offset, (name, table) in enumerate(scores.items()):
    ax.bar(np.arange(3) + (offset - 1.5) * width, table.to_numpy(), width, label=name)
ax.axhline(0.75, color="gray", linestyle="--", label="invariant optimum")
ax.set_xticks(range(3), ["train (90%)", "train (80%)", "test (10%)"])
ax.set_xlabel("environment (agreement of the spurious feature with the label)")
ax.set_ylabel("accuracy")
ax.legend(loc="lower left", fontsize="small")
plt.show()

# %%
# Choosing the weight from the training environments
# --------------------------------------------------
# The weights above were set by hand. A user has no test environment to choose them on, and the
# best accuracy on held-out rows of the training environments rewards the spurious feature: it
# picks ERM. What ERM cannot hide is that its accuracy moves with the spurious feature's
# agreement, from one training environment to the other. So score each fold of a search
# environment by environment and keep the most accurate weight whose accuracies agree within
# sampling noise (:func:`~sklatent.metrics.most_accurate_invariant_refit`; the environments reach
# the scorers and the encoder by metadata routing). Over the 1,000 rows of each training
# environment, held out once across the folds, two standard errors of a spread are about 0.04:
# ERM's spread (about 0.09) is outside, REx's (about 0.04) at the edge.
with sklearn.config_context(enable_metadata_routing=True):
    search = GridSearchCV(
        InvariantEncoder(penalty="rex", **full_batch).set_fit_request(environments=True),
        {"penalty_weight": [0.0, 1e4]},
        scoring=environment_accuracy_scoring(environments[train]),
        refit=most_accurate_invariant_refit(),
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    ).fit(X[train], y[train], environments=environments[train])
for k, weight in enumerate(search.cv_results_["param_penalty_weight"]):
    held_out = [search.cv_results_[f"mean_test_accuracy_env_{e}"][k] for e in (0, 1)]
    print(f"penalty_weight={weight:g}: held-out accuracy {held_out[0]:.3f} / {held_out[1]:.3f}")
test = environments == 2
print(
    f"chosen: {search.best_params_}, accuracy in the training environments "
    f"{search.best_estimator_.score(X[train], y[train]):.3f}, in the test environment "
    f"{search.best_estimator_.score(X[test], y[test]):.3f}"
)

# %%
# In the folds, REx at 1e4 held out 0.68 and 0.63 in the two environments, above chance and
# within the noise of each other, so the rule picks it. Refitted on all the training rows, the
# same setting lands below chance there (0.45) and at 0.79 at test, the fit shown in the bar
# chart: a penalty this strong makes fits unstable, and the refit need not be the model the
# folds measured. Check the refitted model on its training rows (and its warning) before
# trusting its score in a new environment.
