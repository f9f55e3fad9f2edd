"""Scaling: one epoch of BetaVAE.fit at 10k, 100k and 1M rows; time slope and peak memory.

Each size runs in a fresh subprocess so that sizes do not share allocator state or peak-memory
marks. In the subprocess:

1. import everything and run one tiny fit (256 rows), so lazy imports and one-time library
   set-up (thread pools, kernel caches) are not charged to the data;
2. read the resident set size (``VmRSS``): the *baseline*;
3. create the float32 table (in chunks, so creation itself peaks at about one table);
4. reset the kernel's peak-RSS mark (``/proc/self/clear_refs``; if that is not allowed, the
   lifetime ``ru_maxrss`` is used, which then also covers steps 1-3);
5. fit ``--repeats`` times and read the peak (``VmHWM``).

Reported: seconds per epoch (median over repeats), the log-log slope of time against rows
(``numpy.polyfit`` on log10), and the memory ratio ``(peak - baseline) / (data + model)``, where
data is the float32 table and model the module's parameters and buffers; "fit adds" is
``peak - RSS after the data was created``, what training itself costs on top of the table.
Targets: slope <= 1.05 and memory ratio <= 1.5. The script always exits 0: it is a report.

    .venv/bin/python benchmarks/scaling.py            # 10k, 100k, 1M rows x 100
    .venv/bin/python benchmarks/scaling.py --quick    # 2k, 20k, 200k rows
"""

import argparse
import gc
import json
import os
import resource
import subprocess
import sys

import numpy as np
from _common import (
    format_table,
    machine_lines,
    make_low_rank,
    median,
    proc_status_kb,
    reset_peak_rss,
    timed,
)

SLOPE_TARGET = 1.05
MEMORY_TARGET = 1.5


def _estimator(args, max_epochs=1):
    from sklatent import BetaVAE

    return BetaVAE(
        n_components=args.n_components,
        hidden_layer_sizes=tuple(args.hidden),
        batch_size=args.batch_size,
        max_epochs=max_epochs,
        lr=1e-3,
        device="cpu",
        random_state=0,
    )


def worker(args):
    """Measure one size; print one JSON line."""
    import torch

    torch.set_num_threads(args.threads)
    _estimator(args).fit(make_low_rank(256, args.features, seed=1))
    gc.collect()
    rss_start_kb = proc_status_kb("VmRSS")

    X = make_low_rank(args.rows, args.features, seed=0)
    rss_data_kb = proc_status_kb("VmRSS")
    hwm_reset = reset_peak_rss()

    seconds = []
    for _ in range(args.repeats):
        elapsed, estimator = timed(_estimator(args, max_epochs=args.epochs).fit, X)
        seconds.append(elapsed / args.epochs)
        del estimator
        gc.collect()
    if hwm_reset:
        peak_kb = proc_status_kb("VmHWM")
    else:
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    module = _estimator(args).fit(X[:256]).net_.module_
    model_bytes = sum(t.numel() * t.element_size() for t in module.parameters())
    model_bytes += sum(t.numel() * t.element_size() for t in module.buffers())
    result = {
        "rows": args.rows,
        "seconds": seconds,
        "data_bytes": X.nbytes,
        "model_bytes": model_bytes,
        "rss_start_kb": rss_start_kb,
        "rss_data_kb": rss_data_kb,
        "peak_kb": peak_kb,
        "hwm_reset": hwm_reset,
    }
    print(json.dumps(result))


def run_size(args, rows):
    command = [
        sys.executable,
        os.path.abspath(__file__),
        "--worker",
        "--rows",
        str(rows),
        "--features",
        str(args.features),
        "--batch-size",
        str(args.batch_size),
        "--n-components",
        str(args.n_components),
        "--epochs",
        str(args.epochs),
        "--repeats",
        str(args.repeats),
        "--threads",
        str(args.threads),
        "--hidden",
        *map(str, args.hidden),
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--n-components", type=int, default=8)
    parser.add_argument("--hidden", type=int, nargs="+", default=[128, 64])
    parser.add_argument("--epochs", type=int, default=1, help="max_epochs of each timed fit")
    parser.add_argument("--repeats", type=int, default=3, help="timed fits per size")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2k, 20k, 200k rows")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.repeats = [2_000, 20_000, 200_000], 1
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        worker(args)
        return 0
    print("Scaling: one epoch of BetaVAE.fit, time and peak memory per size")
    print("\n".join(machine_lines()))
    print(
        f"command: {' '.join(sys.argv)}\n"
        f"data: rows x {args.features} float32, low rank + noise; "
        f"n_components={args.n_components}, hidden={tuple(args.hidden)}, "
        f"batch_size={args.batch_size}, max_epochs={args.epochs}, cpu, "
        f"torch.set_num_threads({args.threads}); {args.repeats} timed fits per size, "
        "each size in a fresh subprocess"
    )
    results = [run_size(args, rows) for rows in args.sizes]

    rows = []
    for r in results:
        mib = 1024 * 1024
        extra = (r["peak_kb"] - r["rss_start_kb"]) * 1024
        ratio = extra / (r["data_bytes"] + r["model_bytes"])
        r["ratio"] = ratio
        rows.append(
            [
                f"{r['rows']:,}",
                f"{median(r['seconds']):.3f}",
                f"{1e6 * median(r['seconds']) / r['rows']:.2f}",
                f"{r['data_bytes'] / mib:.1f}",
                f"{r['model_bytes'] / mib:.2f}",
                f"{(r['rss_data_kb'] - r['rss_start_kb']) / 1024:.1f}",
                f"{extra / mib:.1f}",
                f"{(r['peak_kb'] - r['rss_data_kb']) / 1024:.1f}",
                f"{ratio:.2f}",
                "PASS" if ratio <= MEMORY_TARGET else "FAIL",
            ]
        )
    header = [
        "rows",
        "s/epoch",
        "us/row",
        "data MiB",
        "model MiB",
        "+RSS data MiB",
        "peak-base MiB",
        "fit adds MiB",
        "mem ratio",
        "mem <= 1.5",
    ]
    print()
    print(format_table(header, rows))
    if not all(r["hwm_reset"] for r in results):
        print("note: VmHWM could not be reset; peak is the lifetime ru_maxrss")

    n = np.log10([r["rows"] for r in results])
    t = np.log10([median(r["seconds"]) for r in results])
    slope = float(np.polyfit(n, t, 1)[0])
    segments = ", ".join(
        f"{results[i]['rows']:,}->{results[i + 1]['rows']:,}: "
        f"{(t[i + 1] - t[i]) / (n[i + 1] - n[i]):.3f}"
        for i in range(len(results) - 1)
    )
    largest = results[-1]["ratio"]
    print(
        f"\nlog-log slope of s/epoch vs rows: {slope:.3f} (target <= {SLOPE_TARGET}): "
        f"{'PASS' if slope <= SLOPE_TARGET else 'FAIL'}\n"
        f"slope between consecutive sizes: {segments}"
    )
    print(
        f"memory ratio at the largest size ({results[-1]['rows']:,} rows): {largest:.2f} "
        f"(target <= {MEMORY_TARGET}): {'PASS' if largest <= MEMORY_TARGET else 'FAIL'}; "
        f"all sizes: {'PASS' if all(r['ratio'] <= MEMORY_TARGET for r in results) else 'FAIL'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
