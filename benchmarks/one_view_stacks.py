"""BetaVAE against the one-view StructuredVAE: what one model stack for both would cost.

StructuredVAE with one view and one latent block trains the beta-VAE objective (a test checks
the loss on the same weights), through the structured module: a product of experts with the
prior, per-view decoders, presence weights and the batch's view tensors. This script times the
two estimators' fits with the same settings, interleaved, on the same table as
``engine_overhead.py`` (32,000 x 100, low rank + noise), 1 thread, and prints the medians, the
ratio of medians and the median of the per-repeat ratios. It always exits 0: it is a report.

    .venv/bin/python benchmarks/one_view_stacks.py                # 15 repeats
    .venv/bin/python benchmarks/one_view_stacks.py --quick        # smoke run
"""

import argparse
import sys

import torch
from _common import machine_lines, make_low_rank, median, timed_cpu

from sklatent import BetaVAE, StructuredVAE


def settings(args, seed):
    return {
        "n_components": 8,
        # Pinned: BetaVAE's default decoder variance is calibrated, StructuredVAE's learned.
        "decoder_variance": "learned",
        "hidden_layer_sizes": (128, 64),
        "batch_size": 256,
        "max_epochs": args.epochs,
        "lr": 1e-3,
        "device": "cpu",
        "random_state": seed,
    }


FITS = {
    "BetaVAE": lambda X, args, seed: BetaVAE(**settings(args, seed)).fit(X),
    "StructuredVAE (one view)": lambda X, args, seed: StructuredVAE(**settings(args, seed)).fit(X),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=32_000)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="smoke run: 4,000 rows, 2 repeats")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.epochs, args.repeats = 4_000, 1, 2
    print(__doc__.splitlines()[0])
    print("\n".join(machine_lines()))
    print(f"command: {' '.join(sys.argv)}; {args.rows} x 100, {args.epochs} epochs, 1 thread")
    torch.set_num_threads(1)
    X = make_low_rank(args.rows, 100, seed=0)
    for fit in FITS.values():  # warm-up: lazy imports, allocator and kernel caches
        fit(X[:2048], argparse.Namespace(epochs=1), 0)
    seconds = {name: [] for name in FITS}
    names = list(FITS)
    for repeat in range(args.repeats):
        for name in names if repeat % 2 == 0 else names[::-1]:
            seconds[name].append(timed_cpu(FITS[name], X, args, repeat)[0])
    for name, values in seconds.items():
        spread = f"min {min(values):.3f}  max {max(values):.3f}"
        print(f"{name:26s} median {median(values):.3f} s  {spread}")
    structured, vae = (seconds[name] for name in names[::-1])
    per_repeat = [a / b for a, b in zip(structured, vae, strict=True)]
    print(
        f"StructuredVAE / BetaVAE: ratio of medians {median(structured) / median(vae):.3f}, "
        f"median of the {args.repeats} per-repeat ratios {median(per_repeat):.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
