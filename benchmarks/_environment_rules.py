"""Selection rules over a grid of InvariantEncoder settings, from the training environments only.

For each restart, among the candidate settings it ran: training-domain validation (the best
accuracy on the pooled held-out rows, DomainBed's rule), ``most_accurate_invariant`` (the most
accurate setting whose held-out accuracy is the same in both training environments within two
standard errors), and the test-environment oracle (the best test accuracy: no user has it,
shown as the reference).
"""

import statistics

import pandas as pd
from _common import format_table
from sklearn.utils import Bunch

from sklatent.metrics import environment_scores, most_accurate_invariant

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
