"""Tests for the KSG mutual-information estimator and the active-units count."""

import warnings

import numpy as np
import pytest
from scipy.special import digamma

from sklatent.metrics._mutual_information import active_units, mutual_information_ksg

N = 2000


def _correlated_pairs(n, n_pairs, rho, seed):
    """X, Z of n_pairs columns each; (X_j, Z_j) standard Gaussians with correlation rho."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_pairs))
    Z = rho * X + np.sqrt(1.0 - rho**2) * rng.standard_normal((n, n_pairs))
    return X, Z


@pytest.mark.parametrize("rho", [0.6, 0.9])
def test_ksg_matches_closed_form_1d(rho):
    X, Z = _correlated_pairs(N, 1, rho, seed=42)
    expected = -0.5 * np.log(1.0 - rho**2)
    assert mutual_information_ksg(X[:, 0], Z[:, 0]) == pytest.approx(expected, abs=0.05)
    # 1-D vectors and single columns are the same input
    assert mutual_information_ksg(X[:, 0], Z) == mutual_information_ksg(X, Z)


@pytest.mark.parametrize("rho", [0.6, 0.9])
def test_ksg_matches_closed_form_2d_sums_over_independent_pairs(rho):
    X, Z = _correlated_pairs(N, 2, rho, seed=42)
    expected = -2 * 0.5 * np.log(1.0 - rho**2)
    assert mutual_information_ksg(X, Z) == pytest.approx(expected, abs=0.05)


@pytest.mark.parametrize("shape", [(N,), (N, 2)])
def test_ksg_independent_variables_near_zero(shape):
    rng = np.random.default_rng(7)
    X, Z = rng.standard_normal(shape), rng.standard_normal(shape)
    assert abs(mutual_information_ksg(X, Z)) < 0.05


def test_ksg_is_deterministic_symmetric_and_bounded():
    X, Z = _correlated_pairs(300, 2, 0.9, seed=0)
    mi = mutual_information_ksg(X, Z, n_neighbors=5)
    assert isinstance(mi, float)
    assert mutual_information_ksg(X, Z, n_neighbors=5) == mi
    assert mutual_information_ksg(Z, X, n_neighbors=5) == pytest.approx(mi, abs=1e-12)
    # a copy saturates at the ceiling psi(N) - psi(k); a rescaled copy stays below it
    x = np.random.default_rng(1).standard_normal(300)
    ceiling = digamma(300) - digamma(3)
    assert mutual_information_ksg(x, x) == pytest.approx(ceiling, abs=1e-9)
    assert mutual_information_ksg(x, 2.0 * x + 1.0) < ceiling - 0.5
    assert mi < digamma(300) - digamma(5)


def test_ksg_input_validation():
    x = np.arange(10.0)
    with pytest.raises(ValueError, match="same number of samples"):
        mutual_information_ksg(x, x[:9])
    with pytest.raises(ValueError, match="larger than n_neighbors"):
        mutual_information_ksg(x[:3], x[:3], n_neighbors=3)
    with pytest.raises(ValueError, match=r"NaN|infinity"):
        mutual_information_ksg(np.r_[x[:-1], np.nan], x)
    with pytest.raises(ValueError, match="infinity"):
        mutual_information_ksg(x, np.r_[x[:-1], np.inf])
    with pytest.raises(ValueError):
        mutual_information_ksg(np.zeros((10, 2, 2)), x)
    for bad in (0, -1, 2.5, True, "3"):
        with pytest.raises(ValueError, match="n_neighbors"):
            mutual_information_ksg(x, x, n_neighbors=bad)


class _FixedCodes:
    """Fake fitted estimator whose transform ignores X and returns fixed codes."""

    def __init__(self, codes):
        self.codes = codes

    def transform(self, X):
        return self.codes


def _codes_with_variances(variances, n=1000, seed=0):
    """Columns with exactly the given population variances (ddof=0)."""
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, len(variances)))
    Z = (Z - Z.mean(axis=0)) / Z.std(axis=0)
    return Z * np.sqrt(variances) + 3.0


def test_active_units_exact_count_and_variances():
    variances = np.array([1.0, 0.5, 0.02, 0.005, 0.0, 1e-4])
    est = _FixedCodes(_codes_with_variances(variances))
    X = np.zeros((1000, 3))
    assert active_units(est, X) == 3
    n_active, found = active_units(est, X, return_variances=True)
    assert n_active == 3
    np.testing.assert_allclose(found, variances, atol=1e-12)


def test_active_units_threshold_respected():
    variances = np.array([1.0, 0.5, 0.02, 0.005, 0.0, 1e-4])
    est = _FixedCodes(_codes_with_variances(variances))
    X = np.zeros((1000, 3))
    assert active_units(est, X, threshold=0.6) == 1
    assert active_units(est, X, threshold=0.001) == 4
    assert active_units(est, X, threshold=0.0) == 5  # strictly greater: the constant column is out
    assert active_units(est, X, threshold=2.0) == 0


def test_active_units_validation():
    est = _FixedCodes(np.ones((5, 2)))
    for bad in (-0.1, np.nan, np.inf, "0.01", None):
        with pytest.raises(ValueError, match="threshold"):
            active_units(est, np.zeros((5, 1)), threshold=bad)
    with pytest.raises(ValueError):
        active_units(_FixedCodes(np.ones(5)), np.zeros((5, 1)))  # 1-D codes
    with pytest.raises(ValueError):
        active_units(_FixedCodes(np.array([[np.nan, 1.0], [0.0, 1.0]])), np.zeros((2, 1)))


def test_ksg_warns_of_ties():
    # Z = X of three values read -2.6 nats, two constants -4.8, without a word.
    x = np.repeat([0.0, 1.0, 2.0], 100)
    with pytest.warns(UserWarning, match="300 of the 300 rows have 3 or more exact duplicates"):
        assert mutual_information_ksg(x, x) < 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mutual_information_ksg(x + np.random.default_rng(0).normal(scale=1e-3, size=300), x * 0.5)
