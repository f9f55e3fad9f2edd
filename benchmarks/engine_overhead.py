"""Engine overhead: BetaVAE.fit/transform against a plain torch loop and skorch's default path.

Three ways to train the same network (``sklatent.modules.VAEModule``) on the same objective
(``sklatent.objectives.BetaVAEObjective``) with Adam, the same epochs and batch size:

(a) ``sklatent.BetaVAE(...).fit(X)``: the estimator, validation and skorch engine included;
(b) a minimal, competent torch loop: the data as one tensor, a ``torch.randperm`` per epoch and
    index slices, ``zero_grad``/``backward``/``step``, and no ``.item()`` (no host sync); Adam
    with ``foreach=True``, as sklatent sets it, so that (a) / (b) sees only the engine;
(c) a plain ``skorch.NeuralNet`` with its default ``Dataset``/``DataLoader`` (shuffled,
    ``train_split=None``), through a thin module wrapper and criterion adapter;
(d) the reference: a minimal hand-written loop of the same network and loss, written from
    scratch (``nn.Linear`` layers, the closed-form Gaussian KL and negative log-likelihood, no
    dicts and no distribution objects), with torch's default Adam (one tensor at a time on the
    CPU), as a user would write it; (a) / (d) sees everything sklatent adds and sets;
(e) the same minimal loop with ``foreach=True`` Adam: (a) / (e) is the like-for-like cost of
    sklatent's engine, module and objective (reported, no target).

and two ways to encode with the weights (a) trained: ``BetaVAE.transform(X)`` and
``torch.from_numpy(X) -> module.encoder`` in eval mode under ``no_grad`` -> numpy.

Runs are interleaved (a, b, c, d, e, then b, c, d, e, a, ...) so that machine noise hits all
alike; the script prints medians, the ratios and PASS/FAIL against the targets (fit: sklatent /
minimal loop <= 1.10, and sklatent / plain torch <= 1.10; transform: sklatent / plain torch <=
1.10). It always exits 0: it is a report.

    .venv/bin/python benchmarks/engine_overhead.py                 # 32k x 100, 5 epochs, 1 thread
    .venv/bin/python benchmarks/engine_overhead.py --threads 1 2   # also with 2 threads
    .venv/bin/python benchmarks/engine_overhead.py --quick         # smoke run, seconds

With more than one thread on a machine whose cores are busy with other work, OpenMP's active
waiting can make every path (plain torch included) about 100x slower; run multi-thread
comparisons on an idle machine, or with ``OMP_WAIT_POLICY=PASSIVE`` and say so (the header
prints the setting and the load average).
"""

import argparse
import itertools
import sys

import numpy as np
import torch
from _common import format_table, machine_lines, make_low_rank, median, timed_cpu
from skorch import NeuralNet
from torch import nn

from sklatent import BetaVAE
from sklatent.modules import VAEModule
from sklatent.modules._vae import DECODER_LOGVAR_BOUNDS, POSTERIOR_LOGVAR_BOUNDS
from sklatent.objectives import BetaVAEObjective

FIT_TARGET = 1.10
TRANSFORM_TARGET = 1.10


# ---- (b) plain torch -----------------------------------------------------------------------
def make_module(n_features, args):
    return VAEModule(
        n_features, args.n_components, tuple(args.hidden), "relu", "gaussian", "learned"
    )


def fit_plain_torch(X_np, args, seed=0):
    torch.manual_seed(seed)
    X = torch.from_numpy(X_np)
    n = len(X)
    module = make_module(X.shape[1], args)
    objective = BetaVAEObjective(beta=1.0)
    optimizer = torch.optim.Adam(module.parameters(), lr=args.lr, foreach=True)
    generator = torch.Generator().manual_seed(seed)
    module.train()
    for _ in range(args.epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, args.batch_size):
            batch = {"X": X[order[start : start + args.batch_size]]}
            loss = objective(module(batch), batch)["loss"]
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return module


def transform_plain_torch(module, X_np):
    module.eval()
    with torch.no_grad():
        return module.encoder(torch.from_numpy(X_np))[0].numpy()


# ---- (d) the minimal hand-written loop ----------------------------------------------------
def _mlp(widths):
    layers = []
    for n_in, n_out in itertools.pairwise(widths):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    return layers


class MinimalVAE(nn.Module):
    """The network of (b) from ``nn.Linear`` layers: the encoder gives mean and log-variance,
    the decoder a mean; one learned log-variance per feature, clamped as sklatent clamps it."""

    def __init__(self, n_features, n_components, hidden):
        super().__init__()
        widths = [n_features, *hidden]
        self.encoder = nn.Sequential(*_mlp(widths), nn.Linear(widths[-1], 2 * n_components))
        back = [n_components, *reversed(hidden)]
        self.decoder = nn.Sequential(*_mlp(back), nn.Linear(back[-1], n_features))
        self.decoder_logvar = nn.Parameter(torch.zeros(n_features))


def fit_minimal(X_np, args, seed=0, foreach=None):
    torch.manual_seed(seed)
    X = torch.from_numpy(X_np)
    n, d = X.shape
    model = MinimalVAE(d, args.n_components, tuple(args.hidden))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, foreach=foreach)
    generator = torch.Generator().manual_seed(seed)
    log_2pi = float(np.log(2 * np.pi))
    model.train()
    for _ in range(args.epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, args.batch_size):
            x = X[order[start : start + args.batch_size]]
            mean, logvar = model.encoder(x).chunk(2, dim=-1)
            logvar = logvar.clamp(*POSTERIOR_LOGVAR_BOUNDS)
            z = mean + torch.randn_like(mean) * (0.5 * logvar).exp()
            x_logvar = model.decoder_logvar.clamp(*DECODER_LOGVAR_BOUNDS)
            # -log N(x; decoder(z), exp(x_logvar)) and KL(N(mean, exp(logvar)) || N(0, I)),
            # summed over features and components, averaged over rows, per feature.
            nll = 0.5 * ((x - model.decoder(z)).pow(2) * (-x_logvar).exp() + x_logvar + log_2pi)
            kl = 0.5 * (mean.pow(2) + logvar.exp() - logvar - 1.0)
            loss = (nll.sum(dim=1) + kl.sum(dim=1)).mean() / d
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


def fit_minimal_foreach(X_np, args, seed=0):
    return fit_minimal(X_np, args, seed, foreach=True)


# ---- (c) skorch's default path -------------------------------------------------------------
class TensorInputVAE(nn.Module):
    """``VAEModule`` taking ``X`` as a tensor (skorch's default calling convention).

    The input is passed on in the outputs so the criterion, which skorch calls as
    ``criterion(y_pred, y_true)``, can compute the reconstruction term.
    """

    def __init__(self, n_features, n_components, hidden_layer_sizes):
        super().__init__()
        self.vae = VAEModule(n_features, n_components, hidden_layer_sizes)

    def forward(self, X):
        outputs = self.vae({"X": X})
        outputs["X"] = X
        return outputs


class ObjectiveLoss(nn.Module):
    """``BetaVAEObjective`` as a skorch criterion: ``loss(y_pred, y_true)``, y unused."""

    def __init__(self, beta=1.0):
        super().__init__()
        self.objective = BetaVAEObjective(beta=beta)

    def forward(self, y_pred, y_true=None):
        return self.objective(y_pred, {"X": y_pred["X"]})["loss"]


def fit_skorch_default(X_np, args, seed=0):
    torch.manual_seed(seed)
    net = NeuralNet(
        TensorInputVAE,
        ObjectiveLoss,
        module__n_features=X_np.shape[1],
        module__n_components=args.n_components,
        module__hidden_layer_sizes=tuple(args.hidden),
        optimizer=torch.optim.Adam,
        lr=args.lr,
        max_epochs=args.epochs,
        batch_size=args.batch_size,
        iterator_train__shuffle=True,
        train_split=None,
        device="cpu",
        verbose=0,
    )
    return net.fit(X_np)


# ---- (a) sklatent --------------------------------------------------------------------------
def fit_sklatent(X_np, args, seed=0):
    return BetaVAE(
        n_components=args.n_components,
        # The objective of the minimal loops: one learned decoder variance per feature.
        decoder_variance="learned",
        hidden_layer_sizes=tuple(args.hidden),
        batch_size=args.batch_size,
        max_epochs=args.epochs,
        lr=args.lr,
        device="cpu",
        random_state=seed,
    ).fit(X_np)


# ---- the benchmark -------------------------------------------------------------------------
PATHS = {
    "fit_sklatent": "fit: sklatent.BetaVAE",
    "fit_torch": "fit: plain torch loop",
    "fit_skorch": "fit: skorch default",
    "fit_minimal": "fit: minimal hand-written loop",
    "fit_minimal_foreach": "fit: minimal loop, foreach Adam",
    "transform_sklatent": "transform: BetaVAE.transform",
    "transform_torch": "transform: plain torch",
}


def run_threads(X, args, n_threads):
    """Interleaved runs; returns ``{path: [(wall, cpu), ...]}`` and the largest code difference."""
    torch.set_num_threads(n_threads)
    # Warm-up (untimed): lazy imports, allocator and kernel caches, for all three paths.
    warm = argparse.Namespace(**{**vars(args), "epochs": 1})
    fit_sklatent(X[:2048], warm)
    fit_plain_torch(X[:2048], warm)
    fit_skorch_default(X[:2048], warm)
    fit_minimal(X[:2048], warm)
    fit_minimal_foreach(X[:2048], warm)

    times = {path: [] for path in PATHS}
    max_diff = 0.0
    fits = {
        "fit_sklatent": fit_sklatent,
        "fit_torch": fit_plain_torch,
        "fit_skorch": fit_skorch_default,
        "fit_minimal": fit_minimal,
        "fit_minimal_foreach": fit_minimal_foreach,
    }
    order = list(fits)
    for repeat in range(args.repeats):
        # The order rotates from one repeat to the next, so that no path always follows the
        # same one (the allocator's and the caches' state after a slow path, a drift in load).
        shift = repeat % len(order)
        for path in order[shift:] + order[:shift]:
            wall, cpu, fitted = timed_cpu(fits[path], X, args, repeat)
            times[path].append((wall, cpu))
            if path == "fit_sklatent":
                estimator = fitted
        # Encode with the weights of (a), alternating the two ways call by call.
        module = estimator.net_.module_
        for _ in range(args.transform_repeats):
            wall, cpu, Z_sklatent = timed_cpu(estimator.transform, X)
            times["transform_sklatent"].append((wall, cpu))
            wall, cpu, Z_torch = timed_cpu(transform_plain_torch, module, X)
            times["transform_torch"].append((wall, cpu))
        max_diff = max(max_diff, float(np.max(np.abs(Z_sklatent - Z_torch))))
    return times, max_diff


def verdict(ratio, target):
    return "PASS" if ratio <= target else "FAIL"


def report(n_threads, times, max_diff):
    wall = {path: median([t[0] for t in runs]) for path, runs in times.items()}
    cpu = {path: median([t[1] for t in runs]) for path, runs in times.items()}
    rows = [
        [
            label,
            f"{wall[path]:.4f}",
            f"{min(t[0] for t in times[path]):.4f}",
            f"{max(t[0] for t in times[path]):.4f}",
            f"{cpu[path]:.4f}",
        ]
        for path, label in PATHS.items()
    ]

    def ratio(numerator, denominator):
        return wall[numerator] / wall[denominator], cpu[numerator] / cpu[denominator]

    fit_ratio, fit_cpu = ratio("fit_sklatent", "fit_torch")
    minimal_ratio, minimal_cpu = ratio("fit_sklatent", "fit_minimal")
    foreach_ratio, foreach_cpu = ratio("fit_sklatent", "fit_minimal_foreach")
    skorch_ratio, skorch_cpu = ratio("fit_skorch", "fit_torch")
    tr_ratio, tr_cpu = ratio("transform_sklatent", "transform_torch")
    ratios = [
        [
            "fit sklatent / minimal loop",
            f"{minimal_ratio:.3f}",
            f"{minimal_cpu:.3f}",
            f"<= {FIT_TARGET:.2f}",
            verdict(minimal_ratio, FIT_TARGET),
        ],
        [
            "fit sklatent / minimal, foreach",
            f"{foreach_ratio:.3f}",
            f"{foreach_cpu:.3f}",
            "-",
            "-",
        ],
        [
            "fit sklatent / torch",
            f"{fit_ratio:.3f}",
            f"{fit_cpu:.3f}",
            f"<= {FIT_TARGET:.2f}",
            verdict(fit_ratio, FIT_TARGET),
        ],
        ["fit skorch-default / torch", f"{skorch_ratio:.3f}", f"{skorch_cpu:.3f}", "~3x", "-"],
        [
            "transform sklatent / torch",
            f"{tr_ratio:.3f}",
            f"{tr_cpu:.3f}",
            f"<= {TRANSFORM_TARGET:.2f}",
            verdict(tr_ratio, TRANSFORM_TARGET),
        ],
    ]
    print(f"\n--- torch.set_num_threads({n_threads}) ---")
    print(format_table(["path", "median s", "min s", "max s", "median CPU s"], rows))
    print()
    print(format_table(["ratio of medians", "wall", "CPU", "target", "result (wall)"], ratios))
    pairs = {
        "fit sklatent / minimal loop": ("fit_sklatent", "fit_minimal"),
        "fit sklatent / minimal, foreach": ("fit_sklatent", "fit_minimal_foreach"),
        "fit sklatent / torch": ("fit_sklatent", "fit_torch"),
    }
    for label, (numerator, denominator) in pairs.items():
        # Repeat by repeat (the two fits of a repeat ran minutes apart at most): a check on
        # the ratio of medians that a drift in the machine's speed moves less.
        per_repeat = [
            a[0] / b[0] for a, b in zip(times[numerator], times[denominator], strict=True)
        ]
        summary = f"median of the {len(per_repeat)} per-repeat ratios: {median(per_repeat):.3f}"
        print(f"{label}, {summary}")
    print(f"max |transform difference| sklatent vs plain torch: {max_diff:.2e}")
    return max(fit_ratio, minimal_ratio) <= FIT_TARGET and tr_ratio <= TRANSFORM_TARGET


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=32_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--n-components", type=int, default=8)
    parser.add_argument("--hidden", type=int, nargs="+", default=[128, 64])
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--repeats", type=int, default=5, help="interleaved fit repeats")
    parser.add_argument(
        "--transform-repeats", type=int, default=5, help="transform calls per fit repeat"
    )
    parser.add_argument("--threads", type=int, nargs="+", default=[1], help="e.g. --threads 1 2")
    parser.add_argument("--quick", action="store_true", help="smoke run: small data, 2 repeats")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.epochs, args.repeats, args.transform_repeats = 4_000, 1, 2, 2
    return args


def main(argv=None):
    args = parse_args(argv)
    print("Engine overhead: BetaVAE vs plain torch vs skorch default vs a minimal loop")
    print("\n".join(machine_lines()))
    print(
        f"command: {' '.join(sys.argv)}\n"
        f"data: {args.rows} x {args.features} float32, low rank + noise, seed 0; "
        f"n_components={args.n_components}, hidden={tuple(args.hidden)}, "
        f"batch_size={args.batch_size}, epochs={args.epochs}, lr={args.lr}, Adam, cpu; "
        f"{args.repeats} interleaved repeats, {args.transform_repeats} transform calls each"
    )
    X = make_low_rank(args.rows, args.features, seed=0)
    passed = []
    for n_threads in args.threads:
        passed.append(report(n_threads, *run_threads(X, args, n_threads)))
    print(f"\noverall: {'PASS' if all(passed) else 'FAIL'} (targets: fit and transform <= 1.10x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
