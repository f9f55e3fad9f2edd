"""Tests for the 2-D Gaussian mixture generator (toy data of paper 002)."""

import numpy as np
import pytest

from sklatent.datasets._mixtures import make_gaussian_mixture_2d

CENTERS = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])


def test_shapes_dtypes_and_centers():
    X, y = make_gaussian_mixture_2d(123, random_state=0)
    assert X.shape == (123, 2) and X.dtype == np.float64
    assert y.shape == (123,) and np.issubdtype(y.dtype, np.integer)
    assert set(np.unique(y)) <= set(range(5))
    X2, y2, centers = make_gaussian_mixture_2d(123, random_state=0, return_centers=True)
    np.testing.assert_array_equal(centers, CENTERS)
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)


def test_determinism():
    X1, y1 = make_gaussian_mixture_2d(200, random_state=3)
    X2, y2 = make_gaussian_mixture_2d(200, random_state=np.random.RandomState(3))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, _ = make_gaussian_mixture_2d(200, random_state=4)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("scale", [0.25, 0.1])
def test_component_means_stds_and_weights(scale):
    n = 20000
    X, y = make_gaussian_mixture_2d(n, scale=scale, random_state=0)
    for c in range(5):
        members = X[y == c]
        np.testing.assert_allclose(members.mean(axis=0), CENTERS[c], atol=0.05)
        np.testing.assert_allclose(members.std(axis=0), scale, rtol=0.05)
        assert abs(len(members) / n - 0.2) < 0.02  # equal weights


def test_zero_scale_gives_the_centers():
    X, y = make_gaussian_mixture_2d(50, scale=0.0, random_state=0)
    np.testing.assert_array_equal(X, CENTERS[y])


@pytest.mark.parametrize(
    "kwargs",
    [{"n_samples": 0}, {"n_samples": 2.5}, {"n_samples": True}, {"scale": -1.0}, {"scale": np.nan}],
)
def test_invalid_parameters(kwargs):
    with pytest.raises(ValueError):
        make_gaussian_mixture_2d(**kwargs)
