"""latent_report agrees with the posterior and with the shared KL term."""

import numpy as np
import pytest
import torch

from sklatent import BetaVAE
from sklatent.information import gaussian_kl_standard_per_dim
from sklatent.metrics import active_units, latent_report

X = np.random.RandomState(0).normal(size=(300, 5)) @ np.random.RandomState(1).normal(size=(5, 5))


@pytest.fixture(scope="module")
def vae():
    return BetaVAE(n_components=3, max_epochs=10, random_state=0).fit(X)


def test_report_matches_posterior_and_shared_kl(vae):
    report = latent_report(vae, X)
    mean, variance = vae.posterior(X)
    np.testing.assert_allclose(mean, vae.transform(X))
    kl = gaussian_kl_standard_per_dim(torch.tensor(mean), torch.tensor(np.log(variance)))
    np.testing.assert_allclose(report["kl"], kl.numpy().mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(report["activity"], mean.var(axis=0), rtol=1e-5)
    assert list(report.index) == ["betavae0", "betavae1", "betavae2"]
    assert report["active"].sum() == active_units(vae, X)


def test_an_estimator_without_a_posterior_and_one_row_are_refused(vae):
    from sklearn.decomposition import PCA

    with pytest.raises(TypeError, match="needs an estimator with a posterior"):
        latent_report(PCA(2).fit(X), X)
    with pytest.raises(ValueError, match="at least 2 rows to measure activity, got 1"):
        latent_report(vae, X[:1])  # its activity read 0: every dimension inactive


def test_negative_threshold_is_refused(vae):
    for threshold in (-1, None, "0.1"):  # None and "0.1" raised numpy's TypeError
        with pytest.raises(ValueError, match="threshold must be a finite non-negative number"):
            latent_report(vae, X, threshold=threshold)


def test_a_pipeline_is_reported_through_its_steps():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    vae = BetaVAE(n_components=2, max_epochs=3, random_state=0)
    pipe = make_pipeline(StandardScaler(), vae, LogisticRegression()).fit(X, X[:, 0] > 0)
    scaled = pipe[0].transform(X)
    report = latent_report(pipe, X)
    np.testing.assert_allclose(report["activity"], vae.posterior(scaled)[0].var(axis=0), rtol=1e-5)
    alone = make_pipeline(vae)  # the step first: X goes in as it is
    np.testing.assert_allclose(latent_report(alone, scaled)["kl"], report["kl"], rtol=1e-6)
    with pytest.raises(TypeError, match="a step with a posterior"):
        latent_report(make_pipeline(StandardScaler()).fit(X), X)


def test_a_multiview_encoder_reports_every_block_of_its_posterior():
    # Its transform returns the shared block; its posterior every block, which the report
    # named with the shared block's names alone ("Length of values (3) does not match").
    from sklatent import MultiViewEncoder

    X = np.random.RandomState(0).normal(size=(120, 5))
    encoder = MultiViewEncoder(1, 1, views={"a": [0, 1, 2], "b": [3, 4]}, max_epochs=2)
    report = latent_report(encoder.fit(X), X)
    assert list(report.index) == ["shared0", "private_a_0", "private_b_0"]
