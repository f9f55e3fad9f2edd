"""Prepared GPU check: every estimator on CUDA against the CPU, a CUDA-saved model on the CPU,
FairEncoder's fit speed-up on Adult, and the Accelerate path in bf16. At most ~10 minutes.

Steps (each prints one line per result, then a verdict; the script exits 0 unless a step
raises):

1. **Codes.** Each of the eight estimators, fitted with the same seed on the same small
   ground-truth-free table (2,000 rows, 10 columns, 20 epochs), with ``device=<gpu>`` and
   ``device="cpu"``. GPU kernels sum in other orders than CPU ones, so the codes are close, not
   bitwise: reported are the largest absolute difference and the smallest correlation between
   matching code columns. Verdict: every correlation >= 0.99.
2. **Saved on the GPU, loaded on the CPU.** The GPU-fitted FairEncoder is saved, loaded with
   ``load(path, device="cpu")``; its codes must equal the GPU model's to 1e-5.
3. **Speed.** ``FairEncoder`` on the Adult training split (30,162 rows, one-hot + scaled, about
   100 columns), ``max_epochs=5``, no early stopping: seconds per epoch on the CPU at the default
   batch (256) with one torch thread (sklatent's default) and with every core, on the GPU at
   256 and at 4,096 rows a batch; downstream accuracy of a logistic regression on each fit's
   test codes shows the large batch still learns. Goal: GPU at 4,096 >= 10x the
   one-thread CPU fit per epoch.
4. **Accelerate, bf16.** ``FairEncoder(accelerator=Accelerator(mixed_precision="bf16"))``: the fit
   finishes, the codes are finite and correlate with the fp32 GPU fit's.

Run on a machine with a CUDA GPU and record the output in ``benchmarks/RESULTS.md``::

    .venv/bin/python benchmarks/gpu_check.py

Without a GPU, ``--device cpu`` runs every step with the CPU in the GPU's place: it checks the
script, and measures nothing about GPUs (the test suite runs it this way on a subsample).
"""

import argparse
import os
import tempfile
import time
import warnings

import numpy as np
import torch
from _common import machine_lines, timed
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import sklatent
from sklatent.datasets import load_adult

CODE_CORRELATION_GOAL = 0.99
SPEED_UP_GOAL = 10.0


def recipes(n_samples, seed=0):
    """Each estimator's constructor and fit arguments on one table of ``n_samples`` rows."""
    rng = np.random.RandomState(seed)
    factors = rng.normal(size=(n_samples, 3))
    X = np.tanh(factors @ rng.normal(size=(3, 10))) + 0.1 * rng.normal(size=(n_samples, 10))
    y = (factors[:, 0] > 0).astype(int)
    groups = (factors[:, 1] > 0).astype(int)
    common = {"hidden_layer_sizes": (32,), "max_epochs": 20, "random_state": 0}
    views = {"v0": list(range(5)), "v1": list(range(5, 10))}
    return X, {
        "BetaVAE": (lambda: sklatent.BetaVAE(4, **common), {}),
        "MutualInformationMachine": (lambda: sklatent.MutualInformationMachine(4, **common), {}),
        "StructuredVAE": (lambda: sklatent.StructuredVAE(views, **common), {}),
        "MultiViewEncoder": (lambda: sklatent.MultiViewEncoder(2, views=views, **common), {}),
        "FairEncoder": (
            lambda: sklatent.FairEncoder(4, **common),
            {"y": y, "sensitive_features": groups},
        ),
        "InvariantEncoder": (
            lambda: sklatent.InvariantEncoder(4, **common),
            {"y": y, "environments": groups},
        ),
        "DisentangledEncoder": (lambda: sklatent.DisentangledEncoder(2, **common), {"y": y}),
        "MechanismEncoder": (
            lambda: sklatent.MechanismEncoder(3, **common),
            {"X_next": np.roll(X, -1, axis=0)},
        ),
    }


def matched_correlation(A, B):
    """Smallest |correlation| between column j of A and column j of B (1 for equal codes)."""
    correlations = [
        abs(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else float(np.allclose(a, b))
        for a, b in zip(A.T, B.T, strict=True)
    ]
    return min(correlations)


def check_codes(device, n_samples):
    X, fits = recipes(n_samples)
    fitted, worst = {}, 1.0
    for name, (make, kwargs) in fits.items():
        cpu_seconds, on_cpu = timed(make().set_params(device="cpu").fit, X, **kwargs)
        gpu_seconds, on_gpu = timed(make().set_params(device=device).fit, X, **kwargs)
        Z_cpu, Z_gpu = on_cpu.transform(X), on_gpu.transform(X)
        correlation = matched_correlation(Z_cpu, Z_gpu)
        worst = min(worst, correlation)
        print(
            f"  {name:26s} max |dZ| {np.abs(Z_cpu - Z_gpu).max():.2e}, "
            f"min column correlation {correlation:.4f}, fit {cpu_seconds:.1f} s cpu / "
            f"{gpu_seconds:.1f} s {device}"
        )
        fitted[name] = on_gpu
    verdict = "PASS" if worst >= CODE_CORRELATION_GOAL else "FAIL"
    print(f"codes: {verdict} (smallest correlation {worst:.4f}, goal >= {CODE_CORRELATION_GOAL})")
    return X, fitted


def check_saved_on_gpu(X, encoder):
    with tempfile.TemporaryDirectory() as folder:
        sklatent.save(encoder, folder)
        loaded = sklatent.load(folder, device="cpu")
    difference = np.abs(loaded.transform(X) - encoder.transform(X)).max()
    verdict = "PASS" if difference <= 1e-5 else "FAIL"
    print(f"saved on {encoder.device}, loaded on cpu: {verdict} (max |dZ| {difference:.2e})")


def adult_tables(n_rows):
    """The Adult training split (first ``n_rows``) preprocessed, and its test split."""
    train, test = load_adult(split="train", dropna=True), load_adult(split="test", dropna=True)
    X_train, y_train = train.data.drop(columns="sex")[:n_rows], train.target[:n_rows]
    preprocess = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), make_column_selector(dtype_include="category")),
        (StandardScaler(), make_column_selector(dtype_include="number")),
        sparse_threshold=0,
    ).fit(X_train)
    X_train = preprocess.transform(X_train).astype(np.float32)
    X_test = preprocess.transform(test.data.drop(columns="sex")).astype(np.float32)
    s_train = np.asarray(train.sensitive["sex"])[:n_rows]
    return X_train, np.asarray(y_train), s_train, X_test, np.asarray(test.target)


def fair_encoder(device, batch_size, epochs, **extra):
    return sklatent.FairEncoder(
        batch_size=batch_size,
        max_epochs=epochs,
        early_stopping=False,
        device=device,
        random_state=0,
        **extra,
    )


def check_speed(device, n_rows, epochs):
    X, y, s, X_test, y_test = adult_tables(n_rows)
    print(f"FairEncoder on Adult: {X.shape[0]} rows x {X.shape[1]} columns, {epochs} epochs")
    runs = {
        "cpu, batch 256, 1 thread": ("cpu", 256, 1),
        f"cpu, batch 256, {os.cpu_count()} threads": ("cpu", 256, os.cpu_count()),
        f"{device}, batch 256": (device, 256, 1),
        f"{device}, batch 4096": (device, 4096, 1),
    }
    per_epoch, fitted = {}, {}
    for label, (where, batch_size, threads) in runs.items():
        with sklatent.config_context(torch_threads=threads):
            encoder = fair_encoder(where, batch_size, epochs)
            seconds, _ = timed(encoder.fit, X, y, sensitive_features=s)
        Z_train, Z_test = encoder.transform(X), encoder.transform(X_test)
        accuracy = LogisticRegression(max_iter=1000).fit(Z_train, y).score(Z_test, y_test)
        per_epoch[label] = seconds / epochs
        fitted[label] = encoder
        print(f"  {label:26s} {per_epoch[label]:.3f} s/epoch, test accuracy {accuracy:.3f}")
    speed_up = per_epoch["cpu, batch 256, 1 thread"] / per_epoch[f"{device}, batch 4096"]
    verdict = "PASS" if speed_up >= SPEED_UP_GOAL else "FAIL"
    print(f"speed: {verdict} ({speed_up:.1f}x per epoch, goal >= {SPEED_UP_GOAL:g}x)")
    return X, y, s, fitted[f"{device}, batch 256"]


def check_bf16(device, X, y, s, fp32_encoder, epochs):
    from accelerate import Accelerator

    accelerator = Accelerator(mixed_precision="bf16", cpu=device == "cpu")
    encoder = fair_encoder("auto", 256, epochs, accelerator=accelerator)
    seconds, _ = timed(encoder.fit, X, y, sensitive_features=s)
    Z, Z_fp32 = encoder.transform(X), fp32_encoder.transform(X)
    finite = bool(np.isfinite(Z).all())
    # Rounding differs from the first step on, so compare what the codes span, not each
    # column: the best linear map from the bf16 codes to the fp32 ones.
    coef, *_ = np.linalg.lstsq(np.c_[Z, np.ones(len(Z))], Z_fp32, rcond=None)
    explained = 1 - ((np.c_[Z, np.ones(len(Z))] @ coef - Z_fp32).var(0) / Z_fp32.var(0)).mean()
    verdict = "PASS" if finite else "FAIL"
    print(
        f"bf16 via Accelerate on {accelerator.device}: {verdict} (finite codes: {finite}, "
        f"R^2 of the fp32 codes from them {explained:.3f}, {seconds / epochs:.3f} s/epoch)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--device",
        default="cuda",
        help="the device to check against the CPU (default cuda; cpu checks the script)",
    )
    parser.add_argument("--rows", type=int, default=None, help="Adult rows (default all)")
    parser.add_argument("--epochs", type=int, default=5, help="epochs of the speed runs")
    parser.add_argument("--toy-rows", type=int, default=2000, help="rows of step 1's table")
    args = parser.parse_args()
    if args.device != "cpu" and not torch.cuda.is_available():
        raise SystemExit(
            f"--device {args.device}: torch sees no CUDA device here ({torch.__version__}). "
            "Run on a GPU machine, or pass --device cpu to check the script."
        )
    for line in machine_lines():
        print(line)
    if args.device != "cpu":
        print(f"GPU: {torch.cuda.get_device_name(0)}, torch {torch.__version__}")
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # short fits: convergence warnings are expected
        X, fitted = check_codes(args.device, args.toy_rows)
        check_saved_on_gpu(X, fitted["FairEncoder"])
        X, y, s, encoder = check_speed(args.device, args.rows, args.epochs)
        check_bf16(args.device, X, y, s, encoder, args.epochs)
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
