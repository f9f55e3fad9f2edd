"""LatentCorrelationDisplay draws |corr| between code dimensions and true factors."""

import matplotlib
import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklatent.plotting import LatentCorrelationDisplay

matplotlib.use("agg")
import matplotlib.pyplot as plt

N = 500


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _factors(seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.standard_normal((N, 2)), columns=["size", "angle"])


def test_from_predictions_values_names_and_artists():
    F = _factors()
    rng = np.random.default_rng(1)
    Z = np.column_stack([F["angle"] + 0.5 * rng.standard_normal(N), -F["size"], rng.random(N)])
    display = LatentCorrelationDisplay.from_predictions(Z, F)
    expected = np.abs(np.corrcoef(Z.T, F.to_numpy().T)[:3, 3:])
    np.testing.assert_allclose(display.correlation, expected, atol=1e-12)
    assert display.code_names == ["z0", "z1", "z2"]
    assert display.factor_names == ["size", "angle"]
    assert display.code_correlation is None
    # the image is the matrix, rows = codes, columns = factors, on a fixed 0-1 scale
    np.testing.assert_allclose(display.im_.get_array(), expected)
    assert display.im_.get_clim() == (0.0, 1.0)
    assert display.text_.shape == (3, 2)
    assert display.text_[1, 0].get_text() == "1.00"  # z1 = -size
    assert [t.get_text() for t in display.ax_.get_xticklabels()] == ["size", "angle"]
    assert [t.get_text() for t in display.ax_.get_yticklabels()] == ["z0", "z1", "z2"]
    assert display.colorbar_ is not None
    assert display.figure_ is display.ax_.figure


def test_names_from_a_code_dataframe_a_series_or_arguments():
    F = _factors()
    Z = pd.DataFrame({"a": F["size"], "b": F["angle"]})
    display = LatentCorrelationDisplay.from_predictions(Z, F["angle"])
    assert display.code_names == ["a", "b"] and display.factor_names == ["angle"]
    np.testing.assert_allclose(display.correlation[:, 0], [0.0, 1.0], atol=0.1)
    display = LatentCorrelationDisplay.from_predictions(
        Z.to_numpy(), F.to_numpy(), code_names=["u", "v"], factor_names=["s", "t"]
    )
    assert display.code_names == ["u", "v"] and display.factor_names == ["s", "t"]
    display = LatentCorrelationDisplay.from_predictions(Z.to_numpy(), F.to_numpy())
    assert display.factor_names == ["factor0", "factor1"]
    unnamed = pd.Series(F["size"].to_numpy())
    assert LatentCorrelationDisplay.from_predictions(Z, unnamed).factor_names == ["factor0"]


def test_text_and_boolean_factors_become_indicator_columns():
    # As a DisentangledEncoder is fitted: two classes give one indicator, more one per class.
    F = _factors()
    factors = pd.DataFrame(
        {
            "dept": np.where(F["size"] > 0, "Sales", "R&D"),
            "shape": pd.Categorical(np.array(["a", "b", "c"])[np.arange(N) % 3]),
            "big": F["angle"] > 0,
            "size": F["size"].astype(object),  # numbers held as objects stay one factor
        }
    )
    display = LatentCorrelationDisplay.from_predictions(F.to_numpy(), factors)
    assert display.factor_names == [
        "dept=Sales",
        "shape=a",
        "shape=b",
        "shape=c",
        "big=True",
        "size",
    ]
    sales = (factors["dept"] == "Sales").astype(float)
    np.testing.assert_allclose(
        display.correlation[0, 0], abs(np.corrcoef(F["size"], sales)[0, 1]), atol=1e-12
    )
    assert display.correlation[0, 0] > 0.7 and display.correlation[1, 4] > 0.7
    unnamed_text = pd.Series(factors["dept"].to_numpy())  # named as an array's first column
    names = LatentCorrelationDisplay.from_predictions(F.to_numpy(), unnamed_text).factor_names
    assert names == ["factor0=Sales"]
    # A numpy array of text, as y.to_numpy() gives, too (it failed to convert to float).
    as_array = factors[["dept", "shape"]].to_numpy()
    from_array = LatentCorrelationDisplay.from_predictions(F.to_numpy(), as_array)
    assert from_array.factor_names == ["factor0=Sales", "factor1=a", "factor1=b", "factor1=c"]
    np.testing.assert_allclose(from_array.correlation, display.correlation[:, :4], atol=1e-12)
    # Numbers in an array of text stay one numeric factor (a '<U' array is text throughout).
    mixed = np.column_stack([factors["dept"], F["size"]]).astype(str)
    assert LatentCorrelationDisplay.from_predictions(F.to_numpy(), mixed).factor_names == [
        "factor0=Sales",
        "factor1",
    ]


def test_include_codes_appends_the_code_code_block():
    F = _factors()
    Z = np.column_stack([F["size"], F["size"] + F["angle"], F["angle"]])
    display = LatentCorrelationDisplay.from_predictions(Z, F, include_codes=True)
    np.testing.assert_allclose(display.code_correlation, np.abs(np.corrcoef(Z.T)), atol=1e-12)
    np.testing.assert_allclose(np.diag(display.code_correlation), 1.0)
    assert display.im_.get_array().shape == (3, 2 + 3)
    labels = [t.get_text() for t in display.ax_.get_xticklabels()]
    assert labels == ["size", "angle", "z0", "z1", "z2"]
    assert display.text_.shape == (3, 5)


def test_sort_codes_puts_the_matched_dimension_of_each_factor_first():
    F = _factors()
    noise = np.random.default_rng(2).standard_normal(N)
    Z = np.column_stack([noise, F["angle"], 3 * F["size"]])
    display = LatentCorrelationDisplay.from_predictions(Z, F, sort_codes=True, include_codes=True)
    assert display.code_names == ["z2", "z1", "z0"]
    np.testing.assert_allclose(np.diag(display.correlation[:2]), 1.0)
    np.testing.assert_allclose(np.diag(display.code_correlation), 1.0)  # reordered both ways


def test_from_estimator_names_codes_by_get_feature_names_out():
    F = _factors(3)
    rng = np.random.default_rng(4)
    # largest variance along size, then angle: the principal axes are the two factors
    X = np.column_stack([3 * F["size"], F["angle"], 0.1 * rng.standard_normal(N)])
    pca = PCA(n_components=2).fit(X)
    display = LatentCorrelationDisplay.from_estimator(pca, X, F, colorbar=False)
    assert display.code_names == ["pca0", "pca1"]
    np.testing.assert_allclose(display.correlation, np.eye(2), atol=0.05)
    assert display.colorbar_ is None


def test_from_estimator_falls_back_to_numbered_codes_for_a_pipeline_without_names():
    # Every Pipeline has get_feature_names_out; it raises when a step names no features.
    X = np.random.default_rng(5).standard_normal((N, 4))
    pipe = make_pipeline(FunctionTransformer(), PCA(n_components=2)).fit(X)
    display = LatentCorrelationDisplay.from_estimator(pipe, X, _factors(5), colorbar=False)
    assert display.code_names == ["z0", "z1"]


def test_plot_on_given_axes_without_values():
    _, ax = plt.subplots()
    F = _factors()
    display = LatentCorrelationDisplay.from_predictions(
        F.to_numpy(), F, ax=ax, include_values=False, cmap="magma"
    )
    assert display.ax_ is ax and display.text_ is None
    assert display.im_.get_cmap().name == "magma"


def test_constant_code_correlates_with_nothing():
    F = _factors()
    display = LatentCorrelationDisplay.from_predictions(np.column_stack([F["size"], np.ones(N)]), F)
    np.testing.assert_array_equal(display.correlation[1], [0.0, 0.0])


def test_errors():
    F = _factors()
    with pytest.raises(NotFittedError):
        LatentCorrelationDisplay.from_estimator(PCA(n_components=2), F.to_numpy(), F)
    with pytest.raises(ValueError, match="same number of samples"):
        LatentCorrelationDisplay.from_predictions(F.to_numpy()[:10], F)
    with pytest.raises(ValueError, match="Expected 2 code names"):
        LatentCorrelationDisplay.from_predictions(F.to_numpy(), F, code_names=["a"])
    with pytest.raises(ValueError, match="Expected 2 factor names"):
        LatentCorrelationDisplay.from_predictions(F.to_numpy(), F, factor_names=["a", "b", "c"])
