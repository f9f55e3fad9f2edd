"""Tests for the identifiability metrics (MCC and linear identifiability)."""

import numpy as np
import pytest

from sklatent.metrics import linear_identifiability, mean_correlation_coefficient


def _gaussian(n, k, seed=0):
    return np.random.default_rng(seed).standard_normal((n, k))


@pytest.mark.parametrize("method", ["pearson", "spearman"])
def test_mcc_is_one_for_permuted_rescaled_sign_flipped_copy(method):
    Z = _gaussian(1000, 4)
    perm = np.array([2, 0, 3, 1])
    Z_hat = Z[:, perm] * np.array([-3.0, 0.5, 2.0, -0.1]) + 7.0
    mcc, rows, cols = mean_correlation_coefficient(Z, Z_hat, method=method, return_matching=True)
    assert mcc == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_array_equal(rows, np.arange(4))
    np.testing.assert_array_equal(perm[cols], rows)  # learned column cols[i] holds true i


def test_mcc_of_independent_noise_is_near_zero():
    Z, Z_hat = _gaussian(5000, 3, seed=1), _gaussian(5000, 3, seed=2)
    assert 0.0 <= mean_correlation_coefficient(Z, Z_hat) < 0.1


def test_mcc_known_partial_recovery():
    n, sigma = 20000, 1.0
    Z = _gaussian(n, 2, seed=3)
    noise = np.random.default_rng(4).standard_normal(n)
    Z_hat = np.column_stack([Z[:, 1] + sigma * noise, Z[:, 0]])
    expected = (1.0 + 1.0 / np.sqrt(1.0 + sigma**2)) / 2  # corr(z, z + s e) = 1/sqrt(1+s^2)
    assert mean_correlation_coefficient(Z, Z_hat) == pytest.approx(expected, abs=0.02)


def test_spearman_but_not_pearson_is_invariant_to_monotone_maps():
    Z = _gaussian(5000, 3, seed=5)
    Z_hat = np.exp(Z[:, [1, 2, 0]])
    assert mean_correlation_coefficient(Z, Z_hat, method="spearman") == pytest.approx(
        1.0, abs=1e-12
    )
    # corr(z, exp z) = 1 / sqrt(e - 1) ~ 0.76 for a standard normal z
    assert mean_correlation_coefficient(Z, Z_hat, method="pearson") < 0.9


@pytest.mark.parametrize(("k_learned", "expected"), [(2, 2 / 3), (5, 1.0)])
def test_mcc_with_different_numbers_of_dimensions(k_learned, expected):
    # Extra learned dimensions cost nothing; a true latent no learned dimension can hold
    # counts 0, so a code of 2 dimensions for 3 true latents cannot score 1.
    Z = _gaussian(2000, 3, seed=6)
    extra = _gaussian(2000, 3, seed=7)
    Z_hat = np.column_stack([Z, extra])[:, :k_learned]
    mcc, rows, cols = mean_correlation_coefficient(Z, Z_hat, return_matching=True)
    assert len(rows) == len(cols) == min(3, k_learned)
    assert mcc == pytest.approx(expected, abs=1e-12)
    np.testing.assert_array_equal(rows, cols)


def test_mcc_constant_column_counts_as_zero_correlation():
    Z = _gaussian(500, 2, seed=8)
    Z_hat = np.column_stack([Z[:, 0], np.full(500, 3.0)])
    mcc = mean_correlation_coefficient(Z, Z_hat)
    assert np.isfinite(mcc)
    assert mcc == pytest.approx(0.5, abs=1e-12)


def test_linear_identifiability_is_one_for_affine_transform():
    Z = _gaussian(1000, 3, seed=9)
    A = np.random.default_rng(10).standard_normal((3, 3)) + 3 * np.eye(3)
    assert linear_identifiability(Z, Z @ A.T - 2.0) == pytest.approx(1.0, abs=1e-12)


def test_linear_identifiability_known_r2_under_noise():
    n, sigmas = 20000, np.array([0.5, 1.0])
    Z = _gaussian(n, 2, seed=11)
    Z_hat = Z + sigmas * _gaussian(n, 2, seed=12)
    expected = np.mean(1.0 / (1.0 + sigmas**2))  # R^2 of z on z + s e, per dimension
    assert linear_identifiability(Z, Z_hat) == pytest.approx(expected, abs=0.02)


@pytest.mark.parametrize("metric", [mean_correlation_coefficient, linear_identifiability])
@pytest.mark.parametrize(
    "Z_true, Z_learned, match",
    [
        (np.zeros((10, 2)), np.zeros((9, 2)), "same number of samples"),
        (np.full((10, 2), np.nan), np.zeros((10, 2)), "Z_true contains NaN"),
        (np.zeros((10, 2)), np.full((10, 2), np.inf), "Z_learned contains infinity"),
        (np.zeros(10), np.zeros((10, 2)), "Expected 2D array"),
        (np.zeros((10, 2)), np.zeros(10), "Expected 2D array"),
        (np.zeros((1, 2)), np.zeros((1, 2)), "minimum of 2"),
    ],
)
def test_bad_inputs_raise(metric, Z_true, Z_learned, match):
    with pytest.raises(ValueError, match=match):
        metric(Z_true, Z_learned)


def test_unknown_method_raises():
    Z = _gaussian(10, 2)
    with pytest.raises(ValueError, match="method must be one of"):
        mean_correlation_coefficient(Z, Z, method="kendall")


@pytest.mark.parametrize("scale", [1e160, 1e-200])
def test_mcc_of_a_rescaled_code_is_one_at_any_scale(scale):
    # The norms' squares overflowed (1e160) or underflowed (1e-200): the columns read as
    # constant and the MCC as 0.
    Z = np.random.default_rng(0).normal(size=(200, 3))
    assert mean_correlation_coefficient(Z, scale * Z) == pytest.approx(1.0)
