"""How noisy FairEncoder's held-out check of a parity budget is on the suite's tables.

``FairEncoder(difference_bound=0.05)`` (other parameters at their defaults) on the training
rows of each table of ``benchmarks/suite.py`` with a sensitive column, on the suite's splits
(seeds 0-2). Per fit: the kept epoch's held-out difference and its standard error (the history's
``valid_difference`` and ``valid_difference_error``), the rows' resolution (``valid_resolution``:
a difference's standard error at the majority rate over the smallest and the largest group),
the smallest sensitive group among the held-out rows, whether the bound counted as met, which
of the budget's warnings were raised, and the test accuracy and demographic-parity difference
of a logistic regression on the codes (the suite's ``dp_difference``). A fit warns that its
bound "cannot be told from noise" when the resolution exceeds half the bound.

    .venv/bin/python benchmarks/fair_budget_noise.py
    .venv/bin/python benchmarks/fair_budget_noise.py --tables adult wage --seeds 0
"""

import argparse
import time
import warnings

import numpy as np
from _tables import load_table, make_preprocess
from sklearn.linear_model import LogisticRegression
from suite import Split, dp_difference

from sklatent import FairEncoder

TABLES = (
    "adult",
    "german_credit",
    "college_distance",
    "wage",
    "cps1985",
    "benefits",
    "bank_wages",
    "teaching_ratings",
    "salaries",
)
#: The budget's warnings, by a phrase of each.
WARNINGS = {"not met": "not met", "majority": "only by predicting", "noise": "told from noise"}


def one_fit(split, X, bound):
    preprocess = make_preprocess(X).fit(split.Xtr)
    X_train, X_test = preprocess.transform(split.Xtr), preprocess.transform(split.Xte)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        encoder = FairEncoder(difference_bound=bound, random_state=split.seed)
        encoder.fit(X_train, split.ytr, sensitive_features=split.s_tr.to_numpy())
    seconds = time.perf_counter() - start
    bound_callback = dict(encoder.net_.callbacks_)["difference_bound"]
    kept = encoder.net_.history[bound_callback.best_epoch_ - 1]
    classifier = LogisticRegression(max_iter=1000).fit(encoder.transform(X_train), split.ytr)
    predicted = classifier.predict(encoder.transform(X_test))
    texts = [str(w.message) for w in caught]
    return {
        "held-out diff": kept["valid_difference"],
        "its s.e.": kept["valid_difference_error"],
        "resolution": kept["valid_resolution"],
        "smallest group": kept["valid_smallest_group"],
        "met": bound_callback.met_,
        "warnings": [key for key, phrase in WARNINGS.items() if any(phrase in t for t in texts)],
        "test acc": float(np.mean(predicted == split.yte)),
        "test DP": dp_difference(split.yte, predicted, split.s_te.to_numpy()),
        "fit s": seconds,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=list(TABLES), choices=TABLES)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--bound", type=float, default=0.05)
    args = parser.parse_args()
    print(f"difference_bound={args.bound}; a fit warns of noise at a resolution > {args.bound / 2}")
    print(
        "table             seed  held-out diff  its s.e.  resolution  smallest group  met    "
        "test acc  test DP  warnings"
    )
    exceeded = n_fits = n_noisy = 0
    for table in args.tables:
        X, y, s, _ = load_table(table)
        for seed in args.seeds:
            row = one_fit(Split(X, y, s, seed), X, args.bound)
            n_fits += 1
            exceeded += row["test DP"] > args.bound
            n_noisy += "noise" in row["warnings"]
            print(
                f"{table:17s} {seed:4d}  {row['held-out diff']:13.3f}  {row['its s.e.']:8.3f}  "
                f"{row['resolution']:10.3f}  {row['smallest group']:14d}  {row['met']!s:5s}  "
                f"{row['test acc']:8.3f}  "
                f"{row['test DP']:7.3f}  {', '.join(row['warnings']) or '-'}",
                flush=True,
            )
    print(f"{n_noisy} of {n_fits} fits warned of noise; {exceeded} exceeded the bound on test rows")


if __name__ == "__main__":
    main()
