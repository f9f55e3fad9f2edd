"""
===============================================
A table larger than memory: partial_fit chunks
===============================================

:class:`~sklatent.FairEncoder` trains from a table read chunk by chunk with ``partial_fit``:
each call is one epoch on the chunk it gets, and the optimiser's state carries over to the
next. Memory then depends on the chunk's size, not the table's. Here a stand-in for a large
table, the Adult census replicated with noise, is written as Parquet files and streamed twice;
the preprocessing is fitted on the first chunk (a ``StandardScaler`` could use ``partial_fit``
too).
"""

# %%
# A table written in chunks
# -------------------------
# Four Parquet files of 25,000 rows each: the Adult training rows drawn with replacement, their
# numeric columns jittered. On a real table, these are the files you already have.
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from fairlearn.metrics import demographic_parity_difference
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sklatent import FairEncoder
from sklatent.datasets import load_adult

adult = load_adult(split="train", dropna=True)
table = adult.data.assign(sex=adult.sensitive["sex"].values, income=adult.target)
rng = np.random.default_rng(0)
folder = Path(tempfile.mkdtemp())
numbers = table.select_dtypes("number").columns.drop("income")
for part in range(4):
    chunk = table.sample(25_000, replace=True, random_state=part).reset_index(drop=True)
    noise = rng.normal(0, 0.05, size=(len(chunk), len(numbers))) * table[numbers].std().to_numpy()
    chunk[numbers] = chunk[numbers].astype(float) + noise
    chunk.to_parquet(folder / f"part-{part}.parquet")
files = sorted(folder.glob("*.parquet"))
print(f"{len(files)} files of {len(chunk):,} rows in {folder}")

# %%
# Streaming the files through partial_fit
# ---------------------------------------
# The preprocessing is fitted on the first file; every file then goes through it and into
# ``partial_fit``, with its label and sensitive column. Two passes over the files make eight
# epochs.
first = pd.read_parquet(files[0])
preprocess = make_column_transformer(
    (OneHotEncoder(handle_unknown="ignore"), make_column_selector(dtype_include="category")),
    (StandardScaler(), make_column_selector(dtype_include="number")),
    sparse_threshold=0,
).fit(first.drop(columns=["sex", "income"]))

encoder = FairEncoder(random_state=0)
start = time.perf_counter()
for _ in range(2):
    for path in files:
        chunk = pd.read_parquet(path)
        X_chunk = preprocess.transform(chunk.drop(columns=["sex", "income"]))
        encoder.partial_fit(X_chunk, chunk["income"], sensitive_features=chunk["sex"])
print(f"{encoder.n_iter_} epochs in {time.perf_counter() - start:.0f} s")

# %%
# The codes on held-out rows
# --------------------------
# A logistic regression on the codes, against one on the preprocessed features, on the Adult
# test split: accuracy and the parity difference of its predictions.
test = load_adult(split="test", dropna=True)
X_test, y_test, sex_test = test.data, test.target, test.sensitive["sex"]
X_first = preprocess.transform(first.drop(columns=["sex", "income"]))
Z_first = encoder.transform(X_first)
results = {}
for name, train, evaluate in [
    ("raw features", X_first, preprocess.transform(X_test)),
    ("FairEncoder codes", Z_first, encoder.transform(preprocess.transform(X_test))),
]:
    predicted = LogisticRegression(max_iter=1000).fit(train, first["income"]).predict(evaluate)
    results[name] = (
        np.mean(predicted == y_test),
        demographic_parity_difference(y_test, predicted, sensitive_features=sex_test),
    )
    print(f"{name:18s} accuracy {results[name][0]:.3f}, parity difference {results[name][1]:.3f}")
print(f"majority rate of the test rows: {max(np.mean(y_test), 1 - np.mean(y_test)):.3f}")

fig, ax = plt.subplots(figsize=(5, 3))
ax.barh(list(results), [gap for _, gap in results.values()])
ax.set_xlabel("parity difference of the predictions (test split)")
fig.tight_layout()
plt.show()

# %%
# The temporary files are removed.
for path in files:
    path.unlink()
folder.rmdir()
