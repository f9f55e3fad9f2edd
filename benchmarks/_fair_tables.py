"""The fairness benchmarks' tables: Adult and German Credit, one-hot and scaled on the training
rows. Importing it changes no thread setting (``fairness.py`` sets its own)."""

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sklatent.datasets import load_adult, load_german_credit


def load(dataset):
    """(X_train, X_test, y_train, y_test, s_train, s_test, description), X scaled/one-hot."""
    if dataset == "adult":
        train = load_adult(split="train", dropna=True)
        test = load_adult(split="test", dropna=True)
        Xtr_raw, Xte_raw = train.data.drop(columns="sex"), test.data.drop(columns="sex")
        ytr, yte = train.target.to_numpy(), test.target.to_numpy()
        str_, ste = train.sensitive["sex"].to_numpy(), test.sensitive["sex"].to_numpy()
        split = "UCI train -> UCI test, rows with '?' dropped"
    else:
        german = load_german_credit()
        X_raw = german.data.drop(columns="personal_status_sex")
        y, s = german.target.to_numpy(), german.sensitive["sex"].to_numpy()
        Xtr_raw, Xte_raw, ytr, yte, str_, ste = train_test_split(
            X_raw, y, s, test_size=0.3, stratify=y, random_state=0
        )
        split = "train_test_split(test_size=0.3, stratify=y, random_state=0)"
    categorical = [c for c in Xtr_raw.columns if str(Xtr_raw[c].dtype) == "category"]
    numeric = [c for c in Xtr_raw.columns if c not in categorical]
    prep = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
            ("num", StandardScaler(), numeric),
        ]
    )
    Xtr = prep.fit_transform(Xtr_raw).astype(np.float32)
    Xte = prep.transform(Xte_raw).astype(np.float32)
    values, counts = np.unique(ste, return_counts=True)
    desc = (
        f"{dataset}: {split}; {len(Xtr)} / {len(Xte)} rows, {Xtr.shape[1]} features "
        f"({len(categorical)} categorical one-hot, {len(numeric)} numeric scaled); "
        f"s = sex, test groups {dict(zip(values.tolist(), counts.tolist(), strict=True))}, "
        f"majority rate {counts.max() / counts.sum():.3f}; P(y=1) test {yte.mean():.3f}"
    )
    return Xtr, Xte, ytr, yte, str_, ste, desc
