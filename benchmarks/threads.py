"""Threads: a fit at the default settings against the best torch thread count, quiet and loaded.

A user who never calls ``torch.set_num_threads`` gets torch's default (one thread per core);
sklatent limits each fit to ``sklatent.get_config()["torch_threads"]`` threads (1 by default)
and restores the caller's setting after. This script fits the same ``BetaVAE`` (a) at the
defaults, as a user who pastes the README's code does, and (b) with the package's limit lifted
(``sklatent.config_context(torch_threads=None)``) under ``torch.set_num_threads(k)`` for every
``k`` from 1 to the number of cores, interleaving the runs so that machine noise hits all alike.
It does so on a quiet machine and while a second process keeps one core busy (a pure-Python
spin loop), and prints the medians and the ratio of the default to the best setting, with
PASS/FAIL against the target (default <= 1.25 x best). It always exits 0: it is a report.

    .venv/bin/python benchmarks/threads.py            # 8,000 x 50, 5 repeats
    .venv/bin/python benchmarks/threads.py --quick    # smoke run
"""

import argparse
import multiprocessing
import os
import statistics
import time

import numpy as np
import torch

import sklatent
from sklatent import BetaVAE

TARGET = 1.25


def _spin(stop):
    """Keep one core busy until ``stop`` is set."""
    while not stop.is_set():
        sum(range(10_000))


def _fit_seconds(X, threads, epochs):
    """Seconds of one fit: at the defaults (``threads=None``) or with ``threads`` threads."""
    estimator = BetaVAE(n_components=8, max_epochs=epochs, random_state=0)
    start = time.perf_counter()
    if threads is None:
        estimator.fit(X)
    else:
        before = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            with sklatent.config_context(torch_threads=None):
                estimator.fit(X)
        finally:
            torch.set_num_threads(before)
    return time.perf_counter() - start


def _measure(X, settings, repeats, epochs):
    for setting in settings:  # warm-up: one-time imports and allocations
        _fit_seconds(X, setting, 1)
    times = {setting: [] for setting in settings}
    for _ in range(repeats):
        for setting in settings:  # interleaved
            times[setting].append(_fit_seconds(X, setting, epochs))
    return {setting: statistics.median(values) for setting, values in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=8000)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.repeats, args.epochs = 2000, 2, 2
    cores = os.cpu_count() or 1
    X = np.random.default_rng(0).standard_normal((args.rows, args.features)).astype(np.float32)
    settings = [None, *range(1, cores + 1)]
    print(
        f"BetaVAE(n_components=8) on {args.rows} x {args.features}, {args.epochs} epochs, "
        f"{args.repeats} interleaved repeats; {cores} cores; torch {torch.__version__} "
        f"(default threads {torch.get_num_threads()}); sklatent limit "
        f"{sklatent.get_config()['torch_threads']}; load average {os.getloadavg()[0]:.2f}"
    )
    print(
        "| machine | default (s) | "
        + " | ".join(f"{k} thread(s)" for k in settings[1:])
        + " | default / best | target |"
    )
    print("|---" * (len(settings) + 3) + "|")
    for label in ("quiet", "one core busy"):
        stop, spinner = multiprocessing.Event(), None
        if label != "quiet":
            spinner = multiprocessing.Process(target=_spin, args=(stop,), daemon=True)
            spinner.start()
        try:
            medians = _measure(X, settings, args.repeats, args.epochs)
        finally:
            if spinner is not None:
                stop.set()
                spinner.join()
        best = min(medians[k] for k in settings[1:])
        ratio = medians[None] / best
        verdict = "PASS" if ratio <= TARGET else "FAIL"
        cells = " | ".join(f"{medians[k]:.2f}" for k in settings[1:])
        print(f"| {label} | {medians[None]:.2f} | {cells} | {ratio:.2f} | {verdict} |")


if __name__ == "__main__":
    main()
