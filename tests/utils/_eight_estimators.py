"""The eight estimators, each with a tiny fit on one small named table, for the tests that
check a property of every estimator."""

import warnings

import numpy as np
import pandas as pd
import torch

import sklatent

rng = np.random.RandomState(0)
# Named columns, so that feature_names_in_ is set and travels too.
X = pd.DataFrame(rng.normal(size=(300, 4)), columns=["a", "b", "c", "d"])
y, env = np.arange(300) % 2, (np.arange(300) // 2) % 2
FAST = {"hidden_layer_sizes": (8,), "max_epochs": 5, "random_state": 0}
VIEWS = {"v0": [0, 1], "v1": [2, 3]}
X_NEXT = X.to_numpy()[::-1].copy()
FITS = {
    "BetaVAE": (lambda: sklatent.BetaVAE(2, **FAST), {}),
    "MutualInformationMachine": (lambda: sklatent.MutualInformationMachine(2, **FAST), {}),
    "StructuredVAE": (lambda: sklatent.StructuredVAE(VIEWS, **FAST), {}),
    "MultiViewEncoder": (lambda: sklatent.MultiViewEncoder(2, views=VIEWS, **FAST), {}),
    "FairEncoder": (lambda: sklatent.FairEncoder(2, **FAST), {"sensitive_features": env}),
    "InvariantEncoder": (
        lambda: sklatent.InvariantEncoder(2, **FAST),
        {"y": y, "environments": env},
    ),
    "DisentangledEncoder": (lambda: sklatent.DisentangledEncoder(1, **FAST), {"y": y}),
    # Known offsets (the first two columns' moves): without actions every offset is zero and
    # the fit is chaotic, its codes moving by 1e-2 when X moves by 1e-7 (rounding that differs
    # between CPUs then moves them as much); with them, by 1e-7.
    "MechanismEncoder": (
        lambda: sklatent.MechanismEncoder(2, **FAST),
        {"X_next": X_NEXT, "actions": (X_NEXT - X.to_numpy())[:, :2].copy()},
    ),
}


def fit_all():
    """Each estimator fitted once on tiny settings."""
    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tiny fits: convergence warnings are expected
        return {name: make().fit(X, **kwargs) for name, (make, kwargs) in FITS.items()}
