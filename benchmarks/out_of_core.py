"""FairEncoder fitted from Parquet chunks with ``partial_fit``: memory flat in the rows, time
linear, the same result as an in-memory fit of the same rows.

Data: the Adult training split, one-hot encoded and scaled (about 100 columns, float32), its
rows drawn with replacement and jittered with Gaussian noise (sd 0.05) up to the size asked,
written as Parquet files of 100,000 rows (with the label and sex). Each size is fitted in a
fresh process that reads one file at a time:

    encoder = FairEncoder(independence_weight=10, batch_size=256, random_state=0)
    for path in files:  # one pass
        chunk = pyarrow.parquet.read_table(path)
        encoder.partial_fit(X, y, sensitive_features=s)

and reports wall time, peak resident memory (``VmHWM``, from after the imports) and a logistic
regression on the codes scored on the Adult test split (accuracy, demographic parity
difference). The loop lets go of each chunk before it reads the next (``del``), so at most one
chunk is in memory, as a loop over a table larger than memory would. The reference is ``fit`` on
the rows of the reference size (10^6 by default) held in memory, with one epoch, batch 256 and
no early stopping, for several seeds (its seed noise).

    .venv/bin/python benchmarks/out_of_core.py                      # 1e5, 1e6 rows
    .venv/bin/python benchmarks/out_of_core.py --sizes 100000 1000000 10000000
    .venv/bin/python benchmarks/out_of_core.py --sizes 1000000 --stream-seeds 5 --reference-seeds 5

With two or more seeds of each kind at the reference size, it ends with the means, standard
deviations and Welch's t-test of the streamed against the in-memory scores.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CHUNK_ROWS = 100_000
NOISE = 0.05


def adult_tables():
    from sklearn.compose import make_column_selector, make_column_transformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from sklatent.datasets import load_adult

    train, test = load_adult(split="train", dropna=True), load_adult(split="test", dropna=True)
    preprocess = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), make_column_selector(dtype_include="category")),
        (StandardScaler(), make_column_selector(dtype_include="number")),
        sparse_threshold=0,
    ).fit(train.data.drop(columns="sex"))

    def arrays(split):
        X = preprocess.transform(split.data.drop(columns="sex")).astype(np.float32)
        return X, np.asarray(split.target), (np.asarray(split.sensitive["sex"]) == "Male") * 1

    return arrays(train), arrays(test)


def write_chunks(folder, n_rows, seed=0):
    """Parquet files of CHUNK_ROWS rows drawn from the Adult training split, with noise."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    (X, y, s), _ = adult_tables()
    rng = np.random.default_rng(seed)
    paths = []
    for start in range(0, n_rows, CHUNK_ROWS):
        rows = rng.integers(0, len(X), size=min(CHUNK_ROWS, n_rows - start))
        noisy = X[rows] + rng.normal(0, NOISE, size=(len(rows), X.shape[1])).astype(np.float32)
        table = pa.table(
            {**{f"x{j}": noisy[:, j] for j in range(X.shape[1])}, "y": y[rows], "s": s[rows]}
        )
        paths.append(Path(folder) / f"part-{start // CHUNK_ROWS:05d}.parquet")
        pq.write_table(table, paths[-1])
    return paths


def read_chunk(path):
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    columns = [name for name in table.column_names if name.startswith("x")]
    X = np.column_stack([table[name].to_numpy() for name in columns]).astype(np.float32)
    return X, table["y"].to_numpy(), table["s"].to_numpy()


def score(encoder):
    from fairlearn.metrics import demographic_parity_difference
    from sklearn.linear_model import LogisticRegression

    (X, y, _), (X_test, y_test, s_test) = adult_tables()
    Z, Z_test = encoder.transform(X), encoder.transform(X_test)
    predicted = LogisticRegression(max_iter=1000).fit(Z, y).predict(Z_test)
    return {
        "accuracy": float(np.mean(predicted == y_test)),
        "dp": float(demographic_parity_difference(y_test, predicted, sensitive_features=s_test)),
    }


def worker(folder, mode, seed):
    """Fit in this process and print one JSON line: seconds, peak RSS and the scores."""
    from _common import proc_status_kb, reset_peak_rss

    from sklatent import FairEncoder

    paths = sorted(Path(folder).glob("*.parquet"))
    settings = {"independence_weight": 10.0, "batch_size": 256, "random_state": seed}
    reset_peak_rss()
    start = time.perf_counter()
    if mode == "stream":
        encoder = FairEncoder(**settings)
        for path in paths:
            X, y, s = read_chunk(path)
            encoder.partial_fit(X, y, sensitive_features=s)
            del X, y, s
    else:
        parts = [read_chunk(path) for path in paths]
        X, y, s = (np.concatenate(part) for part in zip(*parts, strict=True))
        del parts
        encoder = FairEncoder(**settings, max_epochs=1, early_stopping=False)
        encoder.fit(X, y, sensitive_features=s)
    seconds = time.perf_counter() - start
    peak = proc_status_kb("VmHWM")
    print(json.dumps({"seconds": seconds, "peak_mib": peak / 1024, **score(encoder)}))


def run_worker(folder, mode, seed=0):
    command = [sys.executable, __file__, "--worker", str(folder), "--mode", mode]
    command += ["--seed", str(seed)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def print_seed_noise(results, n_rows):
    """Streamed against in-memory fits of the same rows: means, standard deviations over seeds
    and Welch's t-test (two-sided) for each score."""
    from scipy.stats import ttest_ind

    if min(len(runs) for runs in results.values()) < 2:
        return
    print(f"\nat {n_rows:,} rows, mean +- sd over seeds (Welch's t-test, two-sided):")
    for name in ("accuracy", "dp"):
        stream, memory = ([run[name] for run in results[mode]] for mode in results)
        test = ttest_ind(stream, memory, equal_var=False)
        print(
            f"  {name}: stream {np.mean(stream):.3f} +- {np.std(stream, ddof=1):.3f} "
            f"({len(stream)} seeds), in memory {np.mean(memory):.3f} +- "
            f"{np.std(memory, ddof=1):.3f} ({len(memory)} seeds), p = {test.pvalue:.2f}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="stream", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument(
        "--reference-size", type=int, default=1_000_000, help="rows of the in-memory reference"
    )
    parser.add_argument(
        "--reference-seeds", type=int, default=3, help="seeds of the in-memory reference"
    )
    parser.add_argument(
        "--stream-seeds", type=int, default=1, help="seeds of the streamed fit of each size"
    )
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.mode, args.seed)
    from _common import machine_lines

    print("\n".join(machine_lines()))
    print(f"command: {' '.join(sys.argv)}")
    header = ["rows", "mode", "seed", "fit s", "s per 1e5 rows", "peak RSS MiB", "test accuracy"]
    print("| " + " | ".join([*header, "test DP"]) + " |")
    print("|---|---|---|---|---|---|---|---|")
    sizes = sorted({*args.sizes, args.reference_size})
    at_reference_size = {"stream": [], "in memory": []}
    for n_rows in sizes:
        streamed = n_rows in args.sizes
        runs = [("stream", seed) for seed in range(args.stream_seeds)] if streamed else []
        if n_rows == args.reference_size:
            runs += [("in memory", seed) for seed in range(args.reference_seeds)]
        with tempfile.TemporaryDirectory() as folder:
            write_chunks(folder, n_rows)
            for mode, seed in runs:
                result = run_worker(folder, "memory" if mode == "in memory" else "stream", seed)
                print(
                    f"| {n_rows:,} | {mode} | {seed} | {result['seconds']:.1f} | "
                    f"{result['seconds'] / n_rows * 1e5:.2f} | {result['peak_mib']:.0f} | "
                    f"{result['accuracy']:.3f} | {result['dp']:.3f} |",
                    flush=True,
                )
                if n_rows == args.reference_size:
                    at_reference_size[mode].append(result)
    print_seed_noise(at_reference_size, args.reference_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
