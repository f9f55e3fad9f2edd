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


def test_negative_threshold_is_refused(vae):
    for threshold in (-1, None, "0.1"):  # None and "0.1" raised numpy's TypeError
        with pytest.raises(ValueError, match="threshold must be a finite non-negative number"):
            latent_report(vae, X, threshold=threshold)
