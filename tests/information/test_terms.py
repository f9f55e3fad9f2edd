"""Each information term against a closed form computed independently."""

import numpy as np
import pytest
import torch
from scipy import stats

from sklatent.information import (
    bernoulli_nll,
    categorical_nll,
    collinearity_penalty,
    gaussian_kl_standard,
    gaussian_kl_standard_per_dim,
    gaussian_nll,
    reconstruction_nll,
    unit_variance_penalty,
)

RNG = np.random.RandomState(0)


def test_kl_to_standard_normal_matches_torch_distributions():
    mean = torch.tensor(RNG.normal(size=(7, 3)), dtype=torch.float64)
    logvar = torch.tensor(RNG.normal(size=(7, 3)), dtype=torch.float64)
    expected = torch.distributions.kl_divergence(
        torch.distributions.Normal(mean, torch.exp(0.5 * logvar)),
        torch.distributions.Normal(torch.zeros_like(mean), torch.ones_like(mean)),
    ).sum(-1)
    torch.testing.assert_close(gaussian_kl_standard(mean, logvar), expected)
    torch.testing.assert_close(gaussian_kl_standard_per_dim(mean, logvar).sum(-1), expected)


@pytest.mark.parametrize(
    ("mean", "var", "expected"),
    [(0.0, 1.0, 0.0), (1.0, 1.0, 0.5), (0.0, np.e, 0.5 * (np.e - 2.0))],
)
def test_kl_scalar_cases(mean, var, expected):
    value = gaussian_kl_standard(torch.tensor([[mean]]), torch.tensor([[np.log(var)]]))
    assert value.item() == pytest.approx(expected, abs=1e-6)


def test_gaussian_nll_matches_scipy_logpdf():
    x, mean = RNG.normal(size=(5, 4)), RNG.normal(size=(5, 4))
    logvar = RNG.normal(size=(4,))
    expected = -stats.norm.logpdf(x, loc=mean, scale=np.exp(0.5 * logvar)).sum(axis=1)
    value = gaussian_nll(torch.tensor(x), torch.tensor(mean), torch.tensor(logvar))
    np.testing.assert_allclose(value.numpy(), expected, rtol=1e-10)


def test_bernoulli_nll_matches_cross_entropy_and_is_stable():
    x = RNG.uniform(size=(6, 3))
    logits = RNG.normal(size=(6, 3)) * 3
    p = 1 / (1 + np.exp(-logits))
    expected = -(x * np.log(p) + (1 - x) * np.log(1 - p)).sum(axis=1)
    value = bernoulli_nll(torch.tensor(x), torch.tensor(logits))
    np.testing.assert_allclose(value.numpy(), expected, rtol=1e-10)
    extreme = bernoulli_nll(torch.tensor([[1.0, 0.0]]), torch.tensor([[-200.0, 200.0]]))
    assert torch.isfinite(extreme).all() and extreme.item() == pytest.approx(400.0)


def test_reconstruction_nll_dispatches_on_the_decoder_parameters():
    x = torch.rand(4, 2, dtype=torch.float64)
    logits, mean, logvar = torch.randn(4, 2), torch.randn(4, 2), torch.zeros(4, 2)
    torch.testing.assert_close(
        reconstruction_nll(x, {"logits": logits.double()}), bernoulli_nll(x, logits.double())
    )
    torch.testing.assert_close(
        reconstruction_nll(x, {"mean": mean.double(), "logvar": logvar.double()}),
        gaussian_nll(x, mean.double(), logvar.double()),
    )


def test_categorical_nll_matches_log_softmax():
    logits = torch.tensor(RNG.normal(size=(4, 3)))
    labels = torch.tensor([0, 2, 1, 2])
    log_p = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    expected = -log_p[torch.arange(4), labels]
    torch.testing.assert_close(categorical_nll(labels, logits), expected)
    torch.testing.assert_close(reconstruction_nll(labels, {"class_logits": logits}), expected)


def test_collinearity_penalty_matches_the_gaussian_closed_form():
    generator = torch.Generator().manual_seed(0)
    rho = 0.6
    chol = torch.linalg.cholesky(torch.tensor([[1.0, rho], [rho, 1.0]], dtype=torch.float64))
    z = torch.randn(50_000, 2, generator=generator, dtype=torch.float64) @ chol.T
    assert collinearity_penalty(z).item() == pytest.approx(-np.log(1 - rho**2), abs=0.02)
    independent = torch.randn(50_000, 3, generator=generator, dtype=torch.float64)
    assert abs(collinearity_penalty(independent).item()) < 0.01
    copies = torch.cat([independent[:, :1]] * 3, dim=1)
    assert collinearity_penalty(copies).item() > 10


def test_unit_variance_penalty_is_zero_at_unit_variance():
    z = torch.tensor([[1.0, 2.0], [-1.0, -2.0]])
    # Sample variances 2 and 8: (2 - 1)^2 + (8 - 1)^2.
    assert unit_variance_penalty(z).item() == pytest.approx(50.0)
