"""MutualInformationMachine (A-MIM) against BetaVAE(beta=1): the shape of paper 002's figures.

Both models share the architecture (one hidden layer, tanh), the optimiser settings, the epochs
and the data; the only difference is the objective. Every number is a mean ± sd over seeds
(seed s seeds the model, the toy data and the posterior draws). Evaluated on held-out rows:

- MI q: :func:`sklatent.metrics.mutual_information_ksg` (k = 3) on held-out pairs ``(x, z)``
  with ``z ~ q(z | x)``, one reparameterised posterior draw per row: the mutual information of
  the encoding joint, the paper's quantity. Posterior means and variances are read from the
  fitted torch module (``est.net_.module_.encoder``): the estimators have no public way to
  return the posterior variance or to sample codes. Each column of x and z is standardised
  (held-out mean and sd) before the estimate, as the estimator's documentation advises.
- MI mu: the same estimate on the posterior means ``transform(x)`` instead of draws. The means
  are a deterministic function of x, so the true value is infinite; the estimate measures how
  finely the code resolves x at this sample size (this is what the quick prototype in
  PAPERS.md §G reported, on the raw scale). Shown for the contrast, not as "the" MI.
- kNN-5: accuracy of ``KNeighborsClassifier(5)`` on ``transform(x)`` of the held-out rows,
  5-fold stratified CV (the mixture component, or the class).
- recon: mean over held-out rows of ``||x - inverse_transform(transform(x))||^2``.
- -ELBO: ``-score(x)``, nats per row: the negative ELBO (16 fixed posterior draws), an *upper
  bound* on the negative log-likelihood, not the exact NLL.
- AU: :func:`sklatent.metrics.active_units` (threshold 0.01) on the held-out rows; "min var" is
  the smallest per-dimension variance of the posterior means (the threshold is calibrated for
  codes on the N(0, I) scale; A-MIM's codes are much smaller, see RESULTS.md); "post sd" is
  the median posterior sd and "min SNR" the smallest per-dimension ratio Var(posterior mean) /
  E[posterior variance], a scale-free activity measure (a collapsed dimension has SNR << 1).
  "MI mu raw" is the posterior-mean estimate without standardising.

Experiments:

1. toy4 (``make_gaussian_mixture_2d``, raw scale, per-dimension variance ~0.46), z in R^2,
   hidden 20, 50 and 200, both models at the package defaults otherwise except the decoder
   variance, "learned" for both (the MIM's default and the paper's VAE; BetaVAE's default is
   "calibrated"); 4,000 training rows, 1,500 held-out rows, 60 epochs.
2. The decoder-variance axis on toy4, hidden 50: "learned_per_sample", "learned", 0.1, 0.3,
   0.5 and 1.0 for both models (the "learned" row is experiment 1's hidden-50 fit).
3. Fashion-MNIST (pixels / 255 -> PCA(20) -> standardised, both fitted on the training
   subsample), 10,000 training rows drawn from the 60k training split and 2,000 held-out rows
   from the 10k test split (one fixed draw; the seeds vary the models), hidden 200, 50 epochs,
   z = 2, 4, 8, 16, 20 (active units at z = 20). Without ``--fashion-mnist`` (or if the folder
   lacks the files) sklearn's ``load_digits`` (pixels / 16 -> PCA(20) -> standardised,
   1,297 / 500 stratified split) stands in, and the output says so.

All settings (epochs, sizes, widths, lr 1e-3, batch 128) were fixed before looking at any
held-out metric; they are the paper's toy settings except for fewer epochs (60, not 200).

Targets (the issue), at the package defaults (MutualInformationMachine() except
n_components=2, hidden (50,), tanh) on toy4: MIM's MI q >= 1.5 x the VAE's (means over seeds),
MIM's kNN-5 >= 0.95 (mean), and MIM keeps both units active for every seed on every row of the
decoder-variance axis. The script always exits 0: it is a report.

    .venv/bin/python benchmarks/mim_vs_vae.py \\
        --fashion-mnist /usr/share/datasets/fashion-mnist        # ~8-9 min on 1 thread
    .venv/bin/python benchmarks/mim_vs_vae.py --quick            # smoke run, ~20 s
"""

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
from _common import format_table, machine_lines
from scipy.special import digamma
from sklearn.decomposition import PCA
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from sklatent import BetaVAE, MutualInformationMachine, TrainingDivergedError
from sklatent.datasets import load_fashion_mnist, make_gaussian_mixture_2d
from sklatent.metrics import active_units, mutual_information_ksg

KSG_K = 3
KNN_K = 5
AU_THRESHOLD = 0.01
MI_RATIO_TARGET = 1.5
KNN_TARGET = 0.95
MODELS = ("MIM", "VAE")
DECODER_VARIANCES = ("learned_per_sample", "learned", 0.1, 0.3, 0.5, 1.0)


# ---- models and metrics ----------------------------------------------------------------------
def make_model(name, n_components, hidden, decoder_variance, args, seed):
    common = {
        "n_components": n_components,
        "hidden_layer_sizes": hidden,
        "activation": "tanh",
        "decoder_variance": decoder_variance,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "device": "cpu",
        "random_state": seed,
    }
    if name == "MIM":
        return MutualInformationMachine(**common, max_epochs=args.epochs)
    return BetaVAE(**common, beta=1.0, max_epochs=args.epochs)


def _standardize(A):
    sd = A.std(axis=0)
    return (A - A.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def posterior(est, X):
    """Posterior means and standard deviations of q(z | x), from the fitted torch module."""
    module = est.net_.module_
    module.eval()
    with torch.no_grad():
        mean, logvar = module.encoder(torch.as_tensor(X, dtype=torch.float32))
    return mean.double().numpy(), np.exp(0.5 * logvar.double().numpy())


def knn_accuracy(Z, y, seed=0):
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    return float(cross_val_score(KNeighborsClassifier(KNN_K), Z, y, cv=cv).mean())


def evaluate(est, X, y, seed, fit_s):
    mean, sd = posterior(est, X)
    draws = mean + sd * np.random.default_rng(10_000 + seed).standard_normal(mean.shape)
    Xs = _standardize(X.astype(np.float64))
    codes = est.transform(X)
    recon = est.inverse_transform(codes)
    n_active, variances = active_units(est, X, threshold=AU_THRESHOLD, return_variances=True)
    return {
        "mi_q": mutual_information_ksg(Xs, _standardize(draws), n_neighbors=KSG_K),
        "mi_mu": mutual_information_ksg(Xs, _standardize(mean), n_neighbors=KSG_K),
        "mi_q_raw": mutual_information_ksg(X, draws, n_neighbors=KSG_K),
        "mi_mu_raw": mutual_information_ksg(X, mean, n_neighbors=KSG_K),
        "knn": knn_accuracy(codes, y),
        "recon": float(np.mean(np.sum((X - recon) ** 2, axis=1))),
        "nelbo": -est.score(X),
        "au": n_active,
        "min_var": float(variances.min()),
        "post_sd": float(np.median(sd)),
        # scale-free activity: spread of the means over the mean posterior variance, per dim
        "min_snr": float(np.min(variances / np.mean(sd**2, axis=0))),
        "fit_s": fit_s,
    }


def fit_and_evaluate(name, n_components, hidden, decoder_variance, data, args, seed):
    X_train, X_test, y_test = data
    est = make_model(name, n_components, hidden, decoder_variance, args, seed)
    start = time.perf_counter()
    try:
        est.fit(X_train)
    except TrainingDivergedError as exc:
        print(
            f"  {name} z={n_components} h={hidden} dv={decoder_variance} seed {seed}: "
            f"diverged ({exc})",
            flush=True,
        )
        return None
    return evaluate(est, X_test, y_test, seed, time.perf_counter() - start)


# ---- aggregation ------------------------------------------------------------------------------
def values(runs, key):
    return np.array([r[key] for r in runs if r is not None], dtype=float)


def mean_of(runs, key):
    v = values(runs, key)
    return float(v.mean()) if v.size else math.nan


def pm(runs, key, digits=2):
    v = values(runs, key)
    if not v.size:
        return "diverged"
    sd = v.std(ddof=1) if v.size > 1 else 0.0
    failed = sum(r is None for r in runs)
    note = f" ({failed} div.)" if failed else ""
    return f"{v.mean():.{digits}f} ± {sd:.{digits}f}{note}"


def au_cell(runs, n_components):
    v = values(runs, "au")
    if not v.size:
        return "diverged"
    return f"{v.mean():.1f}/{n_components} (min {int(v.min())})"


def min_var_cell(runs):
    v = values(runs, "min_var")
    return f"{v.mean():.4f} (min {v.min():.4f})" if v.size else "diverged"


def snr_cell(runs):
    v = values(runs, "min_snr")
    return f"{np.median(v):.2g} (min {v.min():.2g})" if v.size else "diverged"


# ---- data ----------------------------------------------------------------------------------
def toy_data(args, seed):
    X_train, _ = make_gaussian_mixture_2d(args.toy_train, random_state=seed)
    X_test, y_test = make_gaussian_mixture_2d(args.toy_test, random_state=100_000 + seed)
    return X_train.astype(np.float32), X_test.astype(np.float32), y_test


def image_data(args):
    """(name, X_train, X_test, y_test): 20 standardised PCA dims of Fashion-MNIST or digits."""
    rng = np.random.default_rng(0)
    path = args.fashion_mnist
    if path is not None and Path(path).is_dir():
        try:
            X_tr, _ = load_fashion_mnist(path, kind="train", return_X_y=True)
            X_te, y_te = load_fashion_mnist(path, kind="test", return_X_y=True)
        except (FileNotFoundError, ValueError) as exc:
            print(f"could not read Fashion-MNIST from {path!r} ({exc}); using digits")
        else:
            train = rng.choice(len(X_tr), min(args.image_train, len(X_tr)), replace=False)
            test = rng.choice(len(X_te), min(args.image_test, len(X_te)), replace=False)
            name = f"Fashion-MNIST ({path}), {len(train)} train / {len(test)} test rows"
            return (name, *_pca20(X_tr[train] / 255.0, X_te[test] / 255.0), y_te[test])
    elif path is not None:
        print(f"--fashion-mnist {path!r} is not a folder; using digits")
    from sklearn.datasets import load_digits

    digits = load_digits()
    X_tr, X_te, _, y_te = train_test_split(
        digits.data / 16.0, digits.target, test_size=500, stratify=digits.target, random_state=0
    )
    name = f"sklearn digits (Fashion-MNIST absent), {len(X_tr)} train / {len(X_te)} test rows"
    return (name, *_pca20(X_tr, X_te), y_te)


def _pca20(X_train, X_test):
    pca = PCA(n_components=20, random_state=0).fit(X_train)
    scaler = StandardScaler().fit(pca.transform(X_train))
    return (
        scaler.transform(pca.transform(X_train)).astype(np.float32),
        scaler.transform(pca.transform(X_test)).astype(np.float32),
    )


# ---- experiments ---------------------------------------------------------------------------
def run_toy(args):
    """results[(hidden, decoder_variance, model)] = list of per-seed dicts (None: diverged)."""
    results = {}
    configs = [(h, "learned") for h in args.hidden] + [
        (50, dv) for dv in DECODER_VARIANCES if dv != "learned"
    ]
    for seed in range(args.seeds):
        data = toy_data(args, seed)
        for hidden, dv in configs:
            for name in MODELS:
                run = fit_and_evaluate(name, 2, (hidden,), dv, data, args, seed)
                results.setdefault((hidden, dv, name), []).append(run)
        print(f"  toy4 seed {seed} done ({time.perf_counter() - T0:.0f} s)", flush=True)
    return results


def run_images(args, data):
    results = {}
    for seed in range(args.seeds):
        for z in args.image_z:
            for name in MODELS:
                run = fit_and_evaluate(name, z, (args.image_hidden,), "learned", data, args, seed)
                results.setdefault((z, name), []).append(run)
        print(f"  images seed {seed} done ({time.perf_counter() - T0:.0f} s)", flush=True)
    return results


def ksg_ceiling(n):
    return float(digamma(n) - digamma(KSG_K))


def main(argv=None):
    global T0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run (< 1 min)")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--fashion-mnist",
        metavar="PATH",
        default=None,
        help="folder with the Fashion-MNIST idx files; digits if absent",
    )
    parser.add_argument("--epochs", type=int, default=60, help="toy4 epochs (both models)")
    parser.add_argument("--image-epochs", type=int, default=50)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args(argv)
    args.toy_train, args.toy_test, args.hidden = 4000, 1500, (20, 50, 200)
    args.image_train, args.image_test, args.image_hidden = 10_000, 2000, 200
    args.image_z = (2, 4, 8, 16, 20)
    if args.quick:
        args.seeds = min(args.seeds, 2)
        args.epochs, args.image_epochs = 4, 3
        args.toy_train, args.toy_test, args.hidden = 1000, 500, (50,)
        args.image_train, args.image_test, args.image_z = 2000, 500, (2, 20)
    torch.set_num_threads(1)
    T0 = time.perf_counter()

    print("# MIM vs VAE (paper 002)")
    for line in machine_lines():
        print(line)
    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    print(
        f"torch threads: {torch.get_num_threads()}; seeds: {args.seeds}; "
        f"lr {args.lr}, batch {args.batch_size}; quick={args.quick}"
    )

    # ---- toy4 ----
    print(
        f"\ntoy4: {args.toy_train} train / {args.toy_test} held-out rows per seed, "
        f"{args.epochs} epochs, hidden {args.hidden}, tanh, z = 2; running...",
        flush=True,
    )
    toy = run_toy(args)
    _, X_ref, y_ref = toy_data(args, 0)
    data_var = float(X_ref.var(axis=0).mean())
    ceiling = ksg_ceiling(args.toy_test)
    print(f"toy4 done at {time.perf_counter() - T0:.0f} s")

    header = ["model", "hidden", "MI q", "MI mu", "kNN-5", "recon", "-ELBO", "AU", "fit s"]
    rows = [
        [
            name,
            h,
            pm(r, "mi_q"),
            pm(r, "mi_mu"),
            pm(r, "knn", 3),
            pm(r, "recon", 3),
            pm(r, "nelbo"),
            au_cell(r, 2),
            f"{mean_of(r, 'fit_s'):.1f}",
        ]
        for h in args.hidden
        for name in MODELS
        for r in [toy[(h, "learned", name)]]
    ]
    print(f"\n## toy4, decoder variance 'learned' (the MIM's default), z = 2, {args.seeds} seeds")
    print(format_table(header, rows))
    print(
        f"references (seed 0 held-out): kNN-5 on x itself {knn_accuracy(X_ref, y_ref):.3f}; "
        f"recon of a constant decoder (total variance) {2 * data_var:.3f}; "
        f"KSG ceiling psi({args.toy_test}) - psi({KSG_K}) = {ceiling:.2f} nats"
    )

    axis_h = 50 if 50 in args.hidden else args.hidden[0]
    header = ["model", "dec. var", "MI q", "MI mu", "kNN-5", "recon", "AU", "MI mu raw"]
    header += ["min var", "post sd", "min SNR"]
    rows = [
        [
            name,
            dv,
            pm(r, "mi_q"),
            pm(r, "mi_mu"),
            pm(r, "knn", 3),
            pm(r, "recon", 3),
            au_cell(r, 2),
            pm(r, "mi_mu_raw"),
            min_var_cell(r),
            pm(r, "post_sd", 3),
            snr_cell(r),
        ]
        for dv in DECODER_VARIANCES
        for name in MODELS
        for r in [toy[(axis_h, dv, name)]]
    ]
    print(
        f"\n## toy4 decoder-variance axis, hidden {axis_h}, z = 2 (data variance per "
        f"dimension {data_var:.2f}); MI mu raw = KSG on unstandardised (x, posterior mean); "
        "min var = smallest per-dimension variance of the codes (mean over seeds, min); "
        "post sd = median posterior sd; min SNR = smallest per-dimension Var(mean) / "
        "E[posterior var] (median over seeds, min)"
    )
    print(format_table(header, rows))

    default = {name: toy[(axis_h, "learned", name)] for name in MODELS}
    header = ["estimate", "MIM", "VAE", "MIM / VAE"]
    rows = []
    for key, label in [
        ("mi_q", "z ~ q(z|x), standardised (headline)"),
        ("mi_q_raw", "z ~ q(z|x), raw scale"),
        ("mi_mu", "posterior mean, standardised"),
        ("mi_mu_raw", "posterior mean, raw scale (as PAPERS §G)"),
    ]:
        m, v = mean_of(default["MIM"], key), mean_of(default["VAE"], key)
        ratio = f"{m / v:.1f}" if v > 0 else "n/a (VAE <= 0)"
        rows.append([label, pm(default["MIM"], key), pm(default["VAE"], key), ratio])
    print(f"\n## KSG estimate variants at the defaults (toy4, hidden {axis_h}, 'learned')")
    print(format_table(header, rows))

    # ---- images ----
    name, *image_arrays = image_data(args)
    print(
        f"\nimages: {name}; PCA(20) standardised; hidden {args.image_hidden}, tanh, "
        f"{args.image_epochs} epochs; z = {args.image_z}; running...",
        flush=True,
    )
    saved_epochs, args.epochs = args.epochs, args.image_epochs
    images = run_images(args, tuple(image_arrays))
    args.epochs = saved_epochs
    X_img, y_img = image_arrays[1], image_arrays[2]
    header = ["model", "z", "MI q", "MI mu", "kNN-5", "recon", "-ELBO", "AU", "post sd"]
    header += ["min SNR", "fit s"]
    rows = [
        [
            m,
            z,
            pm(r, "mi_q"),
            pm(r, "mi_mu"),
            pm(r, "knn", 3),
            pm(r, "recon", 3),
            pm(r, "nelbo"),
            au_cell(r, z),
            pm(r, "post_sd", 3),
            snr_cell(r),
            f"{mean_of(r, 'fit_s'):.1f}",
        ]
        for m in MODELS
        for z in args.image_z
        for r in [images[(z, m)]]
    ]
    print(f"\n## {name}, {args.seeds} seeds")
    print(format_table(header, rows))
    print(
        f"references: kNN-5 on the 20 PCA dims {knn_accuracy(X_img, y_img):.3f}; "
        f"recon of a constant decoder {float(X_img.var(axis=0).sum()):.2f}; KSG ceiling "
        f"{ksg_ceiling(len(X_img)):.2f} nats"
    )

    # ---- targets ----
    mim_mi, vae_mi = mean_of(default["MIM"], "mi_q"), mean_of(default["VAE"], "mi_q")
    mim_knn = mean_of(default["MIM"], "knn")
    au_rows = {dv: values(toy[(axis_h, dv, "MIM")], "au") for dv in DECODER_VARIANCES}
    all_active = all(v.size == args.seeds and (v == 2).all() for v in au_rows.values())
    failing = [
        str(dv) for dv, v in au_rows.items() if not (v.size == args.seeds and (v == 2).all())
    ]
    verdict = {True: "PASS", False: "FAIL"}
    print("\n## targets (toy4, hidden 50, package defaults otherwise)")
    ratio = f"{mim_mi / vae_mi:.1f}x" if vae_mi > 0 else "VAE <= 0"
    print(
        f"MIM MI q {mim_mi:.2f} >= {MI_RATIO_TARGET} x VAE MI q {vae_mi:.2f} ({ratio}): "
        f"{verdict[bool(mim_mi >= MI_RATIO_TARGET * vae_mi)]}"
    )
    print(f"MIM kNN-5 {mim_knn:.3f} >= {KNN_TARGET}: {verdict[bool(mim_knn >= KNN_TARGET)]}")
    print(
        f"MIM keeps 2/2 units active (threshold {AU_THRESHOLD}) for every seed on every "
        f"decoder-variance row: {verdict[all_active]}"
        + ("" if all_active else f" (rows with an inactive unit: {', '.join(failing)})")
    )
    print(f"\ntotal {time.perf_counter() - T0:.0f} s")
    return 0


T0 = time.perf_counter()

if __name__ == "__main__":
    sys.exit(main())
