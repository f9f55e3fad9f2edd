"""The README's main job: a FairEncoder pipeline tuned by GridSearchCV on the bundled Adult data."""

import time

import numpy as np
import pandas as pd
import sklearn
from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference
from fairlearn.preprocessing import CorrelationRemover
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from .datasets import load_adult
from .estimators import FairEncoder
from .metrics import (
    best_under_budget,
    demographic_parity_scorer,
    leakage_scorer,
    sensitive_leakage,
)

#: The grid of the demo: compression and independence weights (target_weight at its default).
GRID = {"fairencoder__beta": [0.1, 1.0], "fairencoder__independence_weight": [0.0, 3.0, 10.0]}
#: The demographic-parity budget under which the most accurate candidate is refitted.
DP_BUDGET = 0.05


def _preprocess():
    return ColumnTransformer(
        [
            (
                "categorical",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                make_column_selector(dtype_include="category"),
            ),
            ("numeric", StandardScaler(), make_column_selector(dtype_include="number")),
        ]
    )


def _classifier():
    return LogisticRegression(max_iter=2000)


def _load(n_train, random_state):
    train, test = load_adult(split="train", dropna=True), load_adult(split="test", dropna=True)
    if n_train is not None and n_train < len(train.data):
        rows = np.random.RandomState(random_state).choice(len(train.data), n_train, replace=False)
        train.data, train.target = train.data.iloc[rows], train.target.iloc[rows]
        train.sensitive = train.sensitive.iloc[rows]
    return [
        (part.data.drop(columns=["sex"]), part.target.to_numpy(), part.sensitive["sex"].to_numpy())
        for part in (train, test)
    ]


def run_demo(
    *, n_train=None, max_epochs=20, plot="fairness_tradeoff.png", random_state=0, out=print
):
    """Fit ``ColumnTransformer -> FairEncoder -> LogisticRegression`` over a grid, on Adult.

    The sex of each person is dropped from ``X`` and routed to the encoder as
    ``sensitive_features`` (metadata routing through ``Pipeline`` and ``GridSearchCV``). The
    search scores each candidate's accuracy, demographic-parity difference and leakage (ROC AUC
    of a gradient-boosting probe reading sex from the codes) and refits the most accurate
    candidate whose parity difference, plus its standard deviation over the folds, is under
    0.05. Printed next to it on the test split: the same classifier on the raw features, and on
    fairlearn's ``CorrelationRemover``.

    Parameters
    ----------
    n_train : int, default=None
        Rows of the Adult training split to use (all 30,162 complete rows when None).
    max_epochs : int, default=20
        Epochs per FairEncoder fit.
    plot : str or None, default="fairness_tradeoff.png"
        Where to save the accuracy/leakage trade-off of the grid (None: no plot).
    random_state : int, default=0
        Seed of the subsample and every fit.
    out : callable, default=print
        Where the report goes.

    Returns
    -------
    table : pandas.DataFrame
        The printed comparison on the test split.
    """
    start = time.perf_counter()
    (X, y, sex), (X_test, y_test, sex_test) = _load(n_train, random_state)
    out(f"Adult: {len(X)} training rows, {len(X_test)} test rows; sex dropped from X.")

    with sklearn.config_context(enable_metadata_routing=True):
        search = _grid_search(max_epochs, random_state).fit(X, y, sensitive_features=sex)
    out(_grid_table(search).to_string(float_format=lambda v: f"{v:.3f}"))
    best = search.best_estimator_
    out(f"refitted under DP + its sd over folds <= {DP_BUDGET}: {_params(search.best_params_)}")

    encoded = _encoded_splits(X, X_test, sex, sex_test)
    rows = [
        _test_row("raw features", *encoded["raw"], y, y_test, sex, sex_test),
        _test_row("CorrelationRemover", *encoded["remover"], y, y_test, sex, sex_test),
        _test_row(
            "FairEncoder (refitted)",
            best[:-1].transform(X),
            best[:-1].transform(X_test),
            y,
            y_test,
            sex,
            sex_test,
        ),
    ]
    table = pd.DataFrame(rows).set_index("representation")
    out(table.to_string(float_format=lambda v: f"{v:.3f}"))
    out(
        "On the test split. probe_auc_sex: a gradient-boosting probe trained to read sex from "
        "the training representation, scored on the test one (0.5 = nothing to read); "
        "dp_diff / eo_diff: fairlearn's demographic parity and equalized odds differences of "
        "the logistic regression's predictions."
    )
    if plot:
        _save_plot(search, plot, out)
    out(f"total time {time.perf_counter() - start:.0f} s")
    return table


def _grid_search(max_epochs, random_state):
    """GridSearchCV over the encoder's weights, scored on accuracy, parity and leakage."""
    encoder = FairEncoder(
        n_components=8,
        beta=1.0,
        max_epochs=max_epochs,
        random_state=random_state,
    ).set_fit_request(sensitive_features=True)
    pipe = Pipeline(
        [("preprocess", _preprocess()), ("fairencoder", encoder), ("classifier", _classifier())]
    )
    return GridSearchCV(
        pipe,
        GRID,
        cv=3,
        scoring={
            "accuracy": "accuracy",
            "dp": demographic_parity_scorer(),
            "leakage": leakage_scorer(),
        },
        # A candidate just within the budget in cross-validation often exceeds it once refitted
        # on all the rows: keep one standard deviation over the folds inside the budget.
        refit=best_under_budget("dp", DP_BUDGET, margin="std"),
        n_jobs=2,
    )


def _grid_table(search):
    results = search.cv_results_
    return pd.DataFrame(
        {
            "candidate": [_params(params) for params in results["params"]],
            "cv_accuracy": results["mean_test_accuracy"],
            "cv_dp_diff": -results["mean_test_dp"],
            "cv_probe_auc_sex": -results["mean_test_leakage"],
        }
    ).set_index("candidate")


def _params(params):
    return ", ".join(f"{name.split('__')[-1]}={value:g}" for name, value in params.items())


def _encoded_splits(X, X_test, sex, sex_test):
    """The baselines' representations: one-hot features, and CorrelationRemover on them."""
    preprocess = _preprocess().fit(X)
    raw = preprocess.transform(X), preprocess.transform(X_test)
    # CorrelationRemover needs the sensitive column among its inputs; it removes it from the
    # output after projecting every other column off it.
    with_sex = [
        np.column_stack([codes, male == "Male"])
        for codes, male in zip(raw, (sex, sex_test), strict=True)
    ]
    remover = CorrelationRemover(sensitive_feature_ids=[with_sex[0].shape[1] - 1]).fit(with_sex[0])
    return {"raw": raw, "remover": (remover.transform(with_sex[0]), remover.transform(with_sex[1]))}


def _test_row(name, codes, codes_test, y, y_test, sex, sex_test):
    classifier = _classifier().fit(codes, y)
    proba = classifier.predict_proba(codes_test)[:, 1]
    predicted = classifier.classes_[(proba > 0.5).astype(int)]
    leakage = sensitive_leakage(
        codes, sex, Z_test=codes_test, sensitive_features_test=sex_test, random_state=0
    )
    return {
        "representation": name,
        "accuracy": accuracy_score(y_test, predicted),
        "auc": roc_auc_score(y_test, proba),
        "probe_auc_sex": leakage.roc_auc,
        "dp_diff": demographic_parity_difference(y_test, predicted, sensitive_features=sex_test),
        "eo_diff": equalized_odds_difference(y_test, predicted, sensitive_features=sex_test),
    }


def _save_plot(search, path, out):
    try:
        import matplotlib

        matplotlib.use("agg")
    except ImportError:
        out("matplotlib is not installed: no trade-off plot (pip install sklatent[plotting]).")
        return
    from .plotting import TradeoffDisplay

    display = TradeoffDisplay.from_cv_results(search, x="leakage", y="accuracy", annotate="front")
    display.ax_.set_title("FairEncoder on Adult: 3-fold CV accuracy vs leakage of sex")
    display.ax_.set_xlabel("ROC AUC of a probe reading sex from the codes (0.5 = no leakage)")
    display.figure_.savefig(path, bbox_inches="tight", dpi=120)
    out(f"trade-off plot saved to {path}")
