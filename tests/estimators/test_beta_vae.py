"""BetaVAE: what it learns, its public surface, and its errors on bad input."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import StandardScaler

from sklatent import BetaVAE

FAST = {"n_components": 2, "hidden_layer_sizes": (16,), "max_epochs": 3, "random_state": 0}
X_SMALL = np.random.RandomState(0).normal(size=(60, 4))


@pytest.fixture(scope="module")
def digits():
    return StandardScaler().fit_transform(load_digits().data[:600])


@pytest.fixture(scope="module")
def trained(digits):
    return BetaVAE(n_components=8, max_epochs=60, batch_size=32, lr=3e-3, random_state=0).fit(
        digits
    )


@pytest.mark.slow
def test_trained_vae_reconstructs_far_better_than_the_mean(digits, trained):
    reconstruction = trained.inverse_transform(trained.transform(digits))
    error = np.mean((reconstruction - digits) ** 2)
    assert error < 0.4 * np.mean(digits**2)  # predicting the mean (0) scores ~1 per feature


def test_elbo_beats_the_best_independent_gaussian(digits, trained):
    # A collapsed VAE (z ignored, per-feature learned variance) is exactly an independent Gaussian
    # per feature; a lower bound above that model's log-likelihood means z carries structure.
    independent = GaussianMixture(1, covariance_type="diag", reg_covar=1e-4).fit(digits)
    assert trained.score(digits) > independent.score(digits) + 10


@pytest.mark.slow
def test_beta_sets_the_bottleneck(digits):
    kl = {
        beta: BetaVAE(n_components=8, beta=beta, max_epochs=15, random_state=0)
        .fit(digits)
        .history_[-1, "train_kl"]
        for beta in (0.2, 5.0)
    }
    assert kl[0.2] > 3 * kl[5.0]


@pytest.mark.slow
def test_bernoulli_likelihood_on_data_in_unit_interval():
    X = load_digits().data[:300] / 16.0
    vae = BetaVAE(
        likelihood="bernoulli",
        n_components=4,
        max_epochs=40,
        batch_size=32,
        lr=3e-3,
        random_state=0,
    ).fit(X)
    reconstruction = vae.inverse_transform(vae.transform(X))
    assert reconstruction.min() >= 0 and reconstruction.max() <= 1
    assert np.mean((reconstruction - X) ** 2) < 0.8 * np.mean((X - X.mean(0)) ** 2)
    samples = vae.sample(5, random_state=0)
    assert set(np.unique(samples)) <= {0.0, 1.0}


@pytest.mark.parametrize("decoder_variance", ["calibrated", "learned", "learned_per_sample", 0.5])
def test_decoder_variance_options_fit_and_score(decoder_variance):
    vae = BetaVAE(decoder_variance=decoder_variance, **FAST).fit(X_SMALL)
    assert np.isfinite(vae.score_samples(X_SMALL)).all()


def test_score_samples_is_per_row_and_deterministic():
    vae = BetaVAE(**FAST).fit(X_SMALL)
    scores = vae.score_samples(X_SMALL)
    assert scores.shape == (60,)
    np.testing.assert_allclose(vae.score_samples(X_SMALL[10:20]), scores[10:20], rtol=1e-6)
    assert vae.score(X_SMALL) == pytest.approx(scores.mean())
    weights = np.arange(60.0)
    assert vae.score(X_SMALL, sample_weight=weights) == pytest.approx(
        np.average(scores, weights=weights)
    )
    with pytest.raises(ValueError, match=r"sums to zero|at least one non-zero"):
        vae.score(X_SMALL, sample_weight=np.zeros(60))


def test_a_pipeline_ending_in_the_vae_is_scored_with_metadata_routing_on():
    # scikit-learn's Pipeline.score passes sample_weight on under routing; a score without
    # that parameter failed every fold ("Pipeline.score got unexpected argument(s)").
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline

    with sklearn.config_context(enable_metadata_routing=True):
        try:  # scikit-learn 1.6's Pipeline.score fails under routing whatever its last step
            y = (X_SMALL[:, 0] > 0).astype(int)
            cross_val_score(make_pipeline(LogisticRegression()), X_SMALL, y, cv=2)
        except TypeError:
            pytest.skip("this scikit-learn cannot score any Pipeline with routing on")
        scores = cross_val_score(make_pipeline(BetaVAE(**FAST)), X_SMALL, cv=2, error_score="raise")
    assert np.isfinite(scores).all()


def test_sample_is_seeded_and_shaped():
    vae = BetaVAE(**FAST).fit(X_SMALL)
    np.testing.assert_array_equal(vae.sample(4, random_state=1), vae.sample(4, random_state=1))
    assert vae.sample(4, random_state=1).shape == (4, 4)
    with pytest.raises(ValueError, match="n_samples"):
        vae.sample(0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_output_keeps_the_float_dtype(dtype):
    vae = BetaVAE(**FAST).fit(X_SMALL.astype(dtype))
    assert vae.transform(X_SMALL.astype(dtype)).dtype == dtype
    assert vae.inverse_transform(vae.transform(X_SMALL.astype(dtype))).dtype == dtype


def test_user_arrays_are_not_modified_and_read_only_input_works():
    X = X_SMALL.astype(np.float32)
    original = X.copy()
    X.setflags(write=False)
    vae = BetaVAE(**FAST).fit(X)
    vae.transform(X)
    np.testing.assert_array_equal(X, original)


def test_batch_size_larger_than_the_data_just_works():
    vae = BetaVAE(**{**FAST, "batch_size": 10_000}).fit(X_SMALL)
    assert [row["train_batch_count"] for row in vae.history_] == [1, 1, 1]


BAD_DATA = [
    (np.array([[1.0, np.nan], [2.0, 3.0]]), ValueError, "NaN"),
    (np.array([[1.0, np.inf], [2.0, 3.0]]), ValueError, "infinity"),
    (np.empty((0, 3)), ValueError, "0 sample"),
    (np.arange(5.0), ValueError, "2D array"),
    (sp.random(10, 3, density=0.5, format="csr"), TypeError, "[Ss]parse"),
    (np.array([["a", "b"], ["c", "d"]], dtype=object), ValueError, "could not convert"),
    (np.array([[1 + 1j, 2], [3, 4]]), ValueError, "[Cc]omplex"),
]


@pytest.mark.parametrize(("X", "error", "message"), BAD_DATA)
def test_bad_data_gets_a_clear_error(X, error, message):
    with pytest.raises(error, match=message):
        BetaVAE(**FAST).fit(X)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"n_components": 0}, "n_components"),
        ({"lr": 0.0}, "lr"),
        ({"lr": -1.0}, "lr"),
        ({"beta": -0.5}, "beta"),
        ({"device": "tpu-9"}, "device"),
        ({"hidden_layer_sizes": (8, -1)}, "hidden_layer_sizes"),
        ({"likelihood": "poisson"}, "likelihood"),
    ],
)
def test_bad_parameters_get_a_clear_error(params, message):
    with pytest.raises(ValueError, match=message):
        BetaVAE(**{**FAST, **params}).fit(X_SMALL)


def test_bernoulli_needs_data_in_unit_interval():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        BetaVAE(likelihood="bernoulli", **FAST).fit(X_SMALL)


def test_methods_before_fit_raise_not_fitted():
    vae = BetaVAE(**FAST)
    for method, arg in [
        ("transform", X_SMALL),
        ("inverse_transform", X_SMALL[:, :2]),
        ("score_samples", X_SMALL),
        ("sample", 2),
    ]:
        with pytest.raises(NotFittedError):
            getattr(vae, method)(arg)


def test_wrong_widths_at_transform_and_inverse_transform():
    vae = BetaVAE(**FAST).fit(X_SMALL)
    with pytest.raises(ValueError, match="4 features"):
        vae.transform(X_SMALL[:, :3])
    with pytest.raises(ValueError, match="2 columns"):
        vae.inverse_transform(X_SMALL[:, :3])


@pytest.mark.parametrize("variance", [1e-8, 1e6])
def test_a_fixed_decoder_variance_outside_the_kept_range_is_refused(variance):
    # The decoders keep variances in [1e-4, 1e4]: 1e-8 fitted as 1e-4, silently.
    with pytest.raises(ValueError, match=r"decoder_variance.*range \[0.0001, 10000.0\]"):
        BetaVAE(decoder_variance=variance, max_epochs=1).fit(X_SMALL)
