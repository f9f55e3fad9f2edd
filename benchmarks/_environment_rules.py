"""Selection rules over a grid of InvariantEncoder settings, from the training environments only.

For each restart, among the candidate settings it ran: training-domain validation (the best
accuracy on the pooled held-out rows, DomainBed's rule), ``most_accurate_invariant`` (the most
accurate setting whose held-out accuracy is the same in both training environments within two
standard errors), and the test-environment oracle (the best test accuracy: no user has it,
shown as the reference).
"""

import json
import statistics
import time

import numpy as np
import pandas as pd
import sklearn
from _common import format_table
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.utils import Bunch

from sklatent import InvariantEncoder
from sklatent.metrics import (
    environment_accuracy_scoring,
    environment_scores,
    most_accurate_invariant,
    most_accurate_invariant_refit,
)
from sklatent.metrics._invariance_search import pool_folds

#: The candidates the rules choose among: ERM and the conditional-independence penalty at three
#: weights with the 16-epoch schedule.
SELECTION_MODELS = [
    "ERM",
    "CI-MMD (300, 16 epochs)",
    "CI-MMD (500, 16 epochs)",
    "CI-MMD (1000, 16 epochs)",
]


def held_out_by_environment(model, X, y, environments):
    """A fitted model's held-out accuracy and row count in each training environment."""
    table = environment_scores(model, X, y, environments).table
    return {
        "val_env": [round(float(v), 4) for v in table["score"]],
        "val_env_n": [int(v) for v in table["n_samples"]],
    }


def fold_search(candidates, X, y, environments, *, folds, seed):
    """A grid search over the candidates' parameter sets (in their order), refitted by
    most_accurate_invariant_refit on shuffled stratified folds."""
    grid = [{key: [value] for key, value in params.items()} for params in candidates]
    with sklearn.config_context(enable_metadata_routing=True):
        return GridSearchCV(
            InvariantEncoder().set_fit_request(environments=True),
            grid,
            scoring=environment_accuracy_scoring(environments),
            refit=most_accurate_invariant_refit(),
            cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
        ).fit(X, y, environments=environments)


def pooled_accuracies(cv_results, environments):
    """Each candidate's held-out accuracy per environment, the folds pooled by their rows."""
    pooled, _ = pool_folds(cv_results, [str(e) for e in np.unique(environments)])
    return pooled.round(4).tolist()


def select_by_folds(args, sets, model_params):
    """most_accurate_invariant_refit over SELECTION_MODELS in a K-fold search on every training
    row (the fitted 90% and the held-out 10%), per restart; the chosen setting is refitted on
    them and scored on the test and the neutral environment."""
    X, y, env = (np.concatenate([a, b]) for a, b in zip(sets["fit"], sets["val"], strict=True))
    rows = []
    for seed in args.seeds:
        candidates = [model_params(name, seed, args, len(y)) for name in SELECTION_MODELS]
        start = time.perf_counter()
        search = fold_search(candidates, X, y, env, folds=args.folds, seed=seed)
        model = search.best_estimator_
        row = dict(
            data=args.data,
            folds=args.folds,
            seed=seed,
            seconds=round(time.perf_counter() - start),
            chosen=SELECTION_MODELS[search.best_index_],
            pooled=pooled_accuracies(search.cv_results_, env),
            test=float(model.score(*sets["test"])),
            neutral=float(model.score(*sets["neutral"])),
        )
        rows.append(row)
        print(json.dumps(row), flush=True)
        with open(args.out, "a") as out:
            out.write(json.dumps(row) + "\n")
    print(f"\nmost_accurate_invariant_refit, {args.folds} folds over {len(y)} training rows")
    print(f"candidates: {', '.join(SELECTION_MODELS)}")
    table = [
        [
            r["seed"],
            r["chosen"],
            " ; ".join(" / ".join(f"{a:.3f}" for a in by_env) for by_env in r["pooled"]),
            f"{r['test']:.3f}",
            f"{r['neutral']:.3f}",
        ]
        for r in rows
    ]
    header = ["seed", "chosen", "pooled held-out accuracy by env, per candidate", "test", "neutral"]
    print(format_table(header, table))
    test = statistics.mean(r["test"] for r in rows)
    neutral = statistics.mean(r["neutral"] for r in rows)
    print(f"mean: test {test:.3f}, neutral {neutral:.3f} ({len(rows)} restarts)")


def _as_result(row):
    """The :func:`environment_scores` result a JSON row recorded."""
    table = pd.DataFrame({"score": row["val_env"], "n_samples": row["val_env_n"]})
    return Bunch(table=table, mean=float(table["score"].mean()))


def print_selection_rules(rows, candidates=SELECTION_MODELS):
    """Print, per restart that ran every candidate, what each rule picks and its test scores."""
    picks = {"training-domain": [], "invariant within noise": [], "oracle (test env)": []}
    table = []
    for seed in sorted({r["seed"] for r in rows}):
        runs = {r["model"]: r for r in rows if r["seed"] == seed and r["model"] in candidates}
        if set(runs) != set(candidates) or any("val_env" not in r for r in runs.values()):
            continue
        ordered = [runs[name] for name in candidates]
        chosen = {
            "training-domain": max(ordered, key=lambda r: r["val"]),
            "invariant within noise": ordered[
                most_accurate_invariant([_as_result(r) for r in ordered])
            ],
            "oracle (test env)": max(ordered, key=lambda r: r["test"]),
        }
        for rule, run in chosen.items():
            picks[rule].append(run)
            spread = max(run["val_env"]) - min(run["val_env"])
            table.append(
                [
                    seed,
                    rule,
                    run["model"],
                    f"{spread:.3f}",
                    f"{run['test']:.3f}",
                    f"{run['neutral']:.3f}",
                ]
            )
    if not table:
        print(f"(no restart ran every candidate of {candidates} with per-environment scores)")
        return
    print(f"\nCandidates: {', '.join(candidates)}")
    print(
        format_table(
            ["seed", "rule", "chosen", "held-out spread", "test env (0.9)", "neutral (0.5)"],
            table,
        )
    )
    print()
    means = {rule: statistics.mean(r["test"] for r in runs) for rule, runs in picks.items()}
    for rule, runs in picks.items():
        neutral = statistics.mean(r["neutral"] for r in runs)
        print(f"{rule}: test {means[rule]:.3f}, neutral {neutral:.3f} ({len(runs)} restarts)")
    gap = means["oracle (test env)"] - means["invariant within noise"]
    print(
        f"invariant within noise vs oracle: {gap:+.3f} below (target <= 0.03): "
        f"{'PASS' if gap <= 0.03 else 'FAIL'}"
    )
