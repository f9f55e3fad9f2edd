"""Choosing InvariantEncoder's penalty weight without the test environment.

On ``make_spurious_environments(500, flip_probs=(*training, 0.9))`` (causal features right 75% of
the time in every environment; a spurious feature that agrees with the label at 1 - p in each
training environment and at 0.1 in the test one), a grid over ``penalty_weight`` is scored three
ways:

- **worst split**: ``GridSearchCV(cv=LeaveOneGroupOut(), refit=best_worst_split())`` over the
  training environments (routed as ``groups`` and as the encoder's ``environments``): the weight
  whose worst held-out training environment scores best;
- **mean split**: the same folds, the best mean (scikit-learn's default refit);
- **invariant within noise**: each weight fitted on 80% of every training environment's rows and
  scored in each environment on the other 20%; ``most_accurate_invariant`` keeps the weights
  whose accuracies agree across the environments within two standard errors and picks the most
  accurate (works from two training environments);
- **invariant within noise, 5 folds**: the same rule in a search,
  ``GridSearchCV(scoring=environment_accuracy_scoring(env), refit=most_accurate_invariant_refit(),
  cv=StratifiedKFold(5, shuffle=True))``: every training row held out once, the folds pooled;
- **oracle**: the best accuracy on the test environment (a rule no user can apply, shown for
  reference).

Each rule's weight is refitted on all training environments and scored on the test one. The
encoder: ``InvariantEncoder(penalty="rex", batch_size=2000, max_epochs=500, warmup_epochs=100,
random_state=0)`` (full batches, as the IRM paper trains), other parameters at their defaults.

    .venv/bin/python benchmarks/environment_selection.py                       # 3 seeds
    .venv/bin/python benchmarks/environment_selection.py --training 0.1 0.2 0.5
"""

import argparse
import time
import warnings

import numpy as np
import sklearn
from _common import machine_lines
from _environment_rules import pooled_accuracies
from sklearn.model_selection import (
    GridSearchCV,
    LeaveOneGroupOut,
    StratifiedKFold,
    train_test_split,
)

from sklatent import InvariantEncoder
from sklatent.datasets import make_spurious_environments
from sklatent.metrics import (
    best_worst_split,
    environment_accuracy_scoring,
    environment_scores,
    most_accurate_invariant,
    most_accurate_invariant_refit,
)

SETTINGS = {"penalty": "rex", "batch_size": 2000, "max_epochs": 500, "warmup_epochs": 100}


def encoder(**params):
    return InvariantEncoder(**SETTINGS, random_state=0, **params)


def run(seed, training, weights):
    X, y, env = make_spurious_environments(500, flip_probs=(*training, 0.9), random_state=seed)
    train, test = env < len(training), env == len(training)
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            encoder().set_fit_request(environments="groups"),
            {"penalty_weight": weights},
            cv=LeaveOneGroupOut(),
            refit=False,
        ).fit(X[train], y[train], groups=env[train])
        pooled = GridSearchCV(
            encoder().set_fit_request(environments=True),
            {"penalty_weight": weights},
            scoring=environment_accuracy_scoring(env[train]),
            cv=StratifiedKFold(5, shuffle=True, random_state=0),
            refit=False,
        ).fit(X[train], y[train], environments=env[train])
    X_fit, X_val, y_fit, y_val, env_fit, env_val = train_test_split(
        X[train], y[train], env[train], test_size=0.2, stratify=env[train], random_state=0
    )
    held_out = [
        environment_scores(
            encoder(penalty_weight=w).fit(X_fit, y_fit, environments=env_fit), X_val, y_val, env_val
        )
        for w in weights
    ]
    test_accuracy = [
        encoder(penalty_weight=w)
        .fit(X[train], y[train], environments=env[train])
        .score(X[test], y[test])
        for w in weights
    ]
    picks = {
        "worst split": best_worst_split()(search.cv_results_),
        "mean split": int(np.argmax(search.cv_results_["mean_test_score"])),
        "invariant within noise": most_accurate_invariant(held_out),
        "invariant within noise, 5 folds": most_accurate_invariant_refit()(pooled.cv_results_),
        "oracle": int(np.argmax(test_accuracy)),
    }
    splits = np.column_stack(
        [search.cv_results_[f"split{k}_test_score"] for k in range(len(training))]
    )
    pooled = pooled_accuracies(pooled.cv_results_, env[train])
    return splits, held_out, pooled, test_accuracy, picks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--training", type=float, nargs="+", default=[0.1, 0.2, 0.3])
    parser.add_argument("--weights", type=float, nargs="+", default=[0.0, 1e2, 1e4])
    args = parser.parse_args()
    print("\n".join(machine_lines()))
    print(f"training flip probabilities {args.training}, test 0.9; weights {args.weights}")
    chosen = {
        rule: []
        for rule in (
            "worst split",
            "mean split",
            "invariant within noise",
            "invariant within noise, 5 folds",
            "oracle",
        )
    }
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for seed in args.seeds:
            splits, held_out, pooled, test_accuracy, picks = run(seed, args.training, args.weights)
            print(f"\nseed {seed}")
            print(
                "| penalty_weight | held-out training environments | worst | mean "
                "| 20% held out of each | spread | 5 folds pooled | spread | test |"
            )
            print("|---|---|---|---|---|---|---|---|---|")
            rows = zip(args.weights, splits, held_out, pooled, test_accuracy, strict=True)
            for w, row, scores, by_fold, accuracy in rows:
                cells = " / ".join(f"{v:.3f}" for v in row)
                by_env = " / ".join(f"{v:.3f}" for v in scores.table["score"])
                folds = " / ".join(f"{v:.3f}" for v in by_fold)
                print(
                    f"| {w:g} | {cells} | {row.min():.3f} | {row.mean():.3f} | {by_env} "
                    f"| {scores.spread:.3f} | {folds} | {max(by_fold) - min(by_fold):.3f} "
                    f"| {accuracy:.3f} |"
                )
            for rule, index in picks.items():
                chosen[rule].append(test_accuracy[index])
                print(f"{rule}: weight {args.weights[index]:g}, test {test_accuracy[index]:.3f}")
    print("\n| rule | test accuracy per seed | mean |")
    print("|---|---|---|")
    for rule, values in chosen.items():
        cells = " / ".join(f"{v:.3f}" for v in values)
        print(f"| {rule} | {cells} | {np.mean(values):.3f} |")
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
