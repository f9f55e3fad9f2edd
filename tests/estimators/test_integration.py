"""BetaVAE inside scikit-learn's tools: Pipeline, GridSearchCV, set_output, clone, pickle."""

import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklatent import BetaVAE

FAST = {"n_components": 2, "hidden_layer_sizes": (16,), "max_epochs": 3, "random_state": 0}
digits = load_digits()
X, y = digits.data[:300], digits.target[:300]


@pytest.mark.slow
def test_pipeline_with_grid_search_gives_the_same_result_in_parallel():
    pipe = make_pipeline(StandardScaler(), BetaVAE(**FAST), LogisticRegression(max_iter=300))
    grid = {"betavae__beta": [0.5, 4.0]}
    serial = GridSearchCV(pipe, grid, cv=2, n_jobs=1).fit(X, y)
    parallel = GridSearchCV(pipe, grid, cv=2, n_jobs=2).fit(X, y)
    assert serial.best_params_ == parallel.best_params_
    np.testing.assert_array_equal(
        serial.cv_results_["mean_test_score"], parallel.cv_results_["mean_test_score"]
    )
    assert serial.score(X, y) > 0.2  # the 2-D codes carry digit information (chance is 0.1)


def test_dataframe_in_pandas_out_keeps_index_and_names():
    frame = pd.DataFrame(X[:, :6], columns=[f"pixel{i}" for i in range(6)], index=range(100, 400))
    vae = BetaVAE(**FAST).set_output(transform="pandas").fit(frame)
    codes = vae.transform(frame)
    assert list(codes.columns) == ["betavae0", "betavae1"]
    assert codes.index.equals(frame.index)
    assert list(vae.feature_names_in_) == list(frame.columns)
    np.testing.assert_array_equal(vae.get_feature_names_out(), ["betavae0", "betavae1"])


def test_clone_gives_an_unfitted_copy_with_the_same_parameters():
    vae = BetaVAE(**FAST).fit(X)
    copy = clone(vae)
    assert copy.get_params() == vae.get_params()
    assert not hasattr(copy, "net_")


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_pickle_and_joblib_round_trips_give_identical_codes(dump, tmp_path):
    vae = BetaVAE(**FAST).fit(X)
    if dump == "pickle":
        restored = pickle.loads(pickle.dumps(vae))
    else:
        joblib.dump(vae, tmp_path / "vae.joblib")
        restored = joblib.load(tmp_path / "vae.joblib")
    np.testing.assert_array_equal(restored.transform(X), vae.transform(X))
