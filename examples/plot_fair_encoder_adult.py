"""
=====================================================
Hiding sex from a representation of the Adult census
=====================================================

Dropping a sensitive column does not remove it from the data: on the Adult census, the
relationship and marital-status columns give a person's sex away. This example fits
:class:`~sklatent.FairEncoder` pipelines with increasing ``independence_weight`` and compares,
on held-out rows, the accuracy of a logistic regression on the codes with how well a
gradient-boosting probe reads sex from them (:func:`~sklatent.metrics.sensitive_leakage`).
:class:`~sklatent.plotting.TradeoffDisplay` draws the comparison and its Pareto front.

The last pipeline sets a fairness budget instead of a weight
(``FairEncoder(difference_bound=0.05)``): the weight is tuned during the fit until the parity
difference on held-out training rows is at most 0.05. The README's demo
(``python -m sklatent demo``) runs a grid search over ``beta`` and ``independence_weight`` with
the sensitive feature routed to the encoder.
"""

# %%
# Data: sex is dropped from the features and kept aside
# -----------------------------------------------------
# 8,000 training rows and 4,000 held-out rows keep the example under a minute.
import matplotlib.pyplot as plt
import numpy as np
from fairlearn.metrics import demographic_parity_difference
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sklatent import FairEncoder
from sklatent.datasets import load_adult
from sklatent.plotting import TradeoffDisplay

adult = load_adult(dropna=True)
X, y, sex = adult.data.drop(columns=["sex"]), adult.target, adult.sensitive["sex"]
X_train, X_test, y_train, y_test, sex_train, sex_test = train_test_split(
    X, y, sex, train_size=8000, test_size=4000, random_state=0, stratify=y
)


def preprocess():
    return ColumnTransformer(
        [
            (
                "categories",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                make_column_selector(dtype_include="category"),
            ),
            ("numbers", StandardScaler(), make_column_selector(dtype_include="number")),
        ]
    )


# %%
# Pipelines: raw features, and FairEncoders of growing independence weight
# ------------------------------------------------------------------------
# The weights are per column of the features, so the grid that traces the trade-off here
# traces it on other tables too; the other parameters stay at their defaults.
raw = make_pipeline(preprocess(), LogisticRegression(max_iter=2000)).fit(X_train, y_train)
pipelines, names = [raw], ["raw features"]
for weight in (0.0, 1.0, 3.0, 10.0):
    encoder = FairEncoder(n_components=8, independence_weight=weight, random_state=0)
    pipe = make_pipeline(preprocess(), encoder, LogisticRegression(max_iter=2000))
    pipelines.append(pipe.fit(X_train, y_train, fairencoder__sensitive_features=sex_train))
    names.append(f"FairEncoder, weight {weight:g}")
budget = FairEncoder(difference_bound=0.05, random_state=0)
pipe = make_pipeline(preprocess(), budget, LogisticRegression(max_iter=2000))
pipelines.append(pipe.fit(X_train, y_train, fairencoder__sensitive_features=sex_train))
names.append("FairEncoder, budget 0.05")

# %%
# Accuracy against leakage, on the held-out rows
# ----------------------------------------------
display = TradeoffDisplay.from_estimators(
    pipelines, X_test, y_test, sensitive_features=sex_test, names=names, random_state=0
)
display.ax_.set_xlabel("ROC AUC of a probe reading sex (0.5 = no leakage)")
plt.show()

# %%
# Accuracy and the parity gap of each pipeline's predictions (fairlearn's metric), next to
# the majority rate: a pipeline that predicts one class has a gap of 0 at that accuracy.
print(f"majority rate of the held-out rows: {max(np.mean(y_test), 1 - np.mean(y_test)):.3f}")
for name, pipe in zip(names, pipelines, strict=True):
    predicted = pipe.predict(X_test)
    gap = demographic_parity_difference(y_test, predicted, sensitive_features=sex_test)
    print(f"{name:28s} accuracy {np.mean(predicted == y_test):.3f}, parity difference {gap:.3f}")
print(
    f"the budget's weight: {budget.independence_weight_:.3g}, held-out difference in fit: "
    f"{budget.difference_:.3f}"
)
