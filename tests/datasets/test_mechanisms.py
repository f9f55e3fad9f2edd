"""Tests for the mechanism-pair generators (ground truth of paper 003)."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.utils import Bunch

from sklatent.datasets._mechanisms import make_mechanism_pairs, make_shifted_digits

MECHANISMS = ["translation", "translation_unknown", "linear"]
MIXINGS = ["mlp", "linear", "identity"]

# --------------------------------------------------------------------------- make_mechanism_pairs


@pytest.mark.parametrize("mechanism", MECHANISMS)
@pytest.mark.parametrize("mixing", MIXINGS)
@pytest.mark.parametrize("latent_distribution", ["gaussian", "uniform"])
def test_shapes_dtypes_and_exact_mechanism(mechanism, mixing, latent_distribution):
    n, k = 50, 6
    data = make_mechanism_pairs(
        n, k, mechanism, latent_distribution=latent_distribution, mixing=mixing, random_state=0
    )
    assert isinstance(data, Bunch)
    for name in ["X", "X_next", "latents", "latents_next"]:
        assert data[name].shape == (n, k) and data[name].dtype == np.float64
    z, z_next = data.latents, data.latents_next
    if mechanism == "translation":
        assert data.actions.shape == (n, k) and data.actions.dtype == np.float64
        assert data.offsets is None and data.mechanism_matrix is None
        np.testing.assert_allclose(z_next, z + data.actions, rtol=0, atol=1e-12)
    elif mechanism == "translation_unknown":
        assert data.actions.shape == (n,) and data.actions.dtype == np.int64
        assert data.offsets.shape == (k, k) and data.mechanism_matrix is None
        np.testing.assert_allclose(z_next, z + data.offsets[data.actions], rtol=0, atol=1e-12)
    else:
        assert data.actions is None and data.offsets is None
        assert data.mechanism_matrix.shape == (k, k)
        np.testing.assert_allclose(z_next, z @ data.mechanism_matrix.T, rtol=0, atol=1e-12)
    # the returned mixing reproduces the observations exactly and maps new latents
    np.testing.assert_array_equal(data.mixing(z), data.X)
    np.testing.assert_array_equal(data.mixing(z_next), data.X_next)
    assert data.mixing(np.zeros((3, k))).shape == (3, k)
    if latent_distribution == "uniform":
        assert np.all(np.abs(z) <= 2.0)


def test_determinism_and_seed_dependence():
    a = make_mechanism_pairs(30, 4, "translation_unknown", noise=0.1, random_state=3)
    b = make_mechanism_pairs(30, 4, "translation_unknown", noise=0.1, random_state=3)
    c = make_mechanism_pairs(30, 4, "translation_unknown", noise=0.1, random_state=4)
    for name in ["X", "X_next", "actions", "latents", "latents_next", "offsets"]:
        np.testing.assert_array_equal(a[name], b[name])
    assert not np.allclose(a.X, c.X)


def test_noise_is_added_to_next_latents_only():
    clean = make_mechanism_pairs(4000, 3, noise=0.0, random_state=0)
    noisy = make_mechanism_pairs(4000, 3, noise=0.5, random_state=0)
    for name in ["X", "latents", "actions"]:
        np.testing.assert_array_equal(clean[name], noisy[name])
    residual = noisy.latents_next - (noisy.latents + noisy.actions)
    assert residual.std() == pytest.approx(0.5, rel=0.05)
    np.testing.assert_array_equal(noisy.mixing(noisy.latents_next), noisy.X_next)


def test_linear_mechanism_matrix_has_distinct_eigenvalues_in_range():
    M = make_mechanism_pairs(10, 7, "linear", random_state=0).mechanism_matrix
    np.testing.assert_array_equal(M, np.diag(np.diag(M)))
    np.testing.assert_allclose(np.sort(np.diag(M)), np.linspace(0.5, 1.5, 7))


def test_unknown_translation_offsets():
    data = make_mechanism_pairs(500, 4, "translation_unknown", random_state=0)
    np.testing.assert_array_equal(data.offsets, np.eye(4))  # shifts by e_i, as the follow-up
    assert set(np.unique(data.actions)) == {0, 1, 2, 3}
    data = make_mechanism_pairs(500, 4, "translation_unknown", n_actions=3, random_state=0)
    assert data.offsets.shape == (3, 4)
    assert set(np.unique(data.actions)) == {0, 1, 2}


@pytest.mark.parametrize("mixing", ["mlp", "linear"])
def test_mixing_is_invertible(mixing):
    k = 5
    data = make_mechanism_pairs(4000, k, mixing=mixing, random_state=1)
    # finite-difference Jacobian (exact away from the kinks of the piecewise-linear MLP)
    h = 1e-6
    for z in data.latents[:5]:
        J = np.column_stack(
            [(data.mixing((z + h * e)[None]) - data.mixing((z - h * e)[None]))[0] / (2 * h)
             for e in np.eye(k)]
        )  # fmt: skip
        # singular values of W are in [1, 2] and leaky ReLU slopes in [0.2, 1]
        assert np.linalg.svd(J, compute_uv=False).min() > 0.1
    r2 = LinearRegression().fit(data.X, data.latents).score(data.X, data.latents)
    if mixing == "mlp":
        assert r2 < 0.95  # truly nonlinear: no linear unmixing
    else:
        assert r2 == pytest.approx(1.0, abs=1e-10)


def test_gaussian_latents_have_two_correlated_blocks():
    Z = make_mechanism_pairs(20000, 10, random_state=0).latents
    C = np.corrcoef(Z.T)
    in_block = np.zeros((10, 10), dtype=bool)
    in_block[:5, :5] = in_block[5:, 5:] = True
    off_diag = ~np.eye(10, dtype=bool)
    np.testing.assert_allclose(C[in_block & off_diag], 0.2, atol=0.03)
    np.testing.assert_allclose(C[~in_block], 0.0, atol=0.03)
    np.testing.assert_allclose(Z.var(axis=0), 1.25, rtol=0.05)


@pytest.mark.parametrize("k", [1, 2, 5])
def test_gaussian_latents_small_and_odd_dimensions(k):
    Z = make_mechanism_pairs(20000, k, random_state=0).latents
    np.testing.assert_allclose(Z.var(axis=0), 1.25, rtol=0.05)
    if k == 5:  # blocks are the first k // 2 = 2 coordinates and the other 3
        C = np.corrcoef(Z.T)
        assert C[0, 1] == pytest.approx(0.2, abs=0.03)
        assert C[2, 4] == pytest.approx(0.2, abs=0.03)
        assert C[1, 2] == pytest.approx(0.0, abs=0.03)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"mechanism": "rotation"}, "mechanism must be one of"),
        ({"mixing": "relu"}, "mixing must be one of"),
        ({"latent_distribution": "laplace"}, "latent_distribution must be one of"),
        ({"n_samples": 0}, "n_samples == 0, must be >= 1"),
        ({"n_latents": 0}, "n_latents == 0, must be >= 1"),
        ({"n_actions": 0, "mechanism": "translation_unknown"}, "n_actions == 0, must be >= 1"),
        ({"noise": -1.0}, "noise must be a finite non-negative number"),
        ({"noise": np.inf}, "noise must be a finite"),  # X_next was all NaN
        ({"noise": True}, "noise must be a finite"),
        ({"noise": 10**400}, "noise must be a finite"),  # numpy's TypeError before
    ],
)
def test_make_mechanism_pairs_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_mechanism_pairs(**kwargs)


def test_a_non_integer_count_is_a_value_and_a_type_error():
    # As scikit-learn's InvalidParameterError: the docstrings say ValueError.
    for error in (TypeError, ValueError):
        with pytest.raises(error, match="n_samples must be an instance of int, not float"):
            make_mechanism_pairs(n_samples=2.5)


# --------------------------------------------------------------------------- make_shifted_digits


def test_shifted_digits_shapes_and_exact_translation():
    n, c, s = 300, 14, 3
    data = make_shifted_digits(n, canvas_size=c, max_shift=s, random_state=0)
    assert data.X.shape == data.X_next.shape == (n, c * c)
    assert data.X.dtype == np.float64 and data.images_shape == (c, c)
    for name in ["actions", "latents", "latents_next"]:
        assert data[name].shape == (n, 2) and data[name].dtype == np.float64
    assert data.digits.shape == (n,) and set(np.unique(data.digits)) <= set(range(10))
    assert data.X.min() >= 0.0 and data.X.max() <= 1.0 and data.X.max() > 0.5
    np.testing.assert_array_equal(data.latents_next, data.latents + data.actions)
    assert np.abs(data.actions).max() <= s and np.any(data.actions != 0)
    for pos in (data.latents, data.latents_next):
        assert pos.min() >= 0 and pos.max() <= c - 8
    for x, x_next, (u, v), (du, dv) in zip(
        data.X, data.X_next, data.latents.astype(int), data.actions.astype(int), strict=True
    ):
        image = x.reshape(c, c)
        np.testing.assert_array_equal(np.roll(image, (du, dv), axis=(0, 1)).ravel(), x_next)
        assert image[u : u + 8, v : v + 8].sum() == image.sum()  # the digit sits at (u, v)


def test_shifted_digits_determinism_and_edge_cases():
    a = make_shifted_digits(50, random_state=7)
    b = make_shifted_digits(50, random_state=7)
    for name in ["X", "X_next", "actions", "latents", "digits"]:
        np.testing.assert_array_equal(a[name], b[name])
    tight = make_shifted_digits(20, canvas_size=8, random_state=0)  # no room to move
    np.testing.assert_array_equal(tight.actions, 0.0)
    np.testing.assert_array_equal(tight.X, tight.X_next)
    still = make_shifted_digits(20, max_shift=0, random_state=0)
    np.testing.assert_array_equal(still.X, still.X_next)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_samples": 0}, "n_samples == 0, must be >= 1"),
        ({"canvas_size": 7}, "canvas_size == 7, must be >= 8"),
        ({"max_shift": -1}, "max_shift == -1, must be >= 0"),
    ],
)
def test_make_shifted_digits_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_shifted_digits(**kwargs)
