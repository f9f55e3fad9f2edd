"""What every generative estimator's scoring and sampling share: the fixed draws of the ELBO,
the posterior's split, the count of rows to draw and the draws of a decoder's likelihood."""

import numpy as np
import torch
from scipy.special import expit

# Standard-normal draws shared by every row in ``score_samples`` (common random numbers): each
# row's estimate is then deterministic and independent of the other rows in the call.
N_ELBO_DRAWS = 16


def elbo_draws(n_latent, device):
    """The fixed standard-normal draws of ``score_samples``, shape (N_ELBO_DRAWS, n_latent)."""
    generator = torch.Generator().manual_seed(0)
    return torch.randn(N_ELBO_DRAWS, n_latent, generator=generator).to(device)


def split_posterior(mean_and_logvar, dtype):
    """Posterior means and variances from the side-by-side means and log-variances."""
    mean, logvar = np.split(mean_and_logvar, 2, axis=1)
    return mean.astype(dtype), np.exp(logvar).astype(dtype)


def check_n_samples(n_samples):
    """Raise a ValueError unless ``n_samples`` is a positive integer."""
    if not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")


def draw_observations(params, rng):
    """Draws from a Gaussian (``mean``, ``logvar``) or Bernoulli (``logits``) decoder's
    parameters, given as float64 arrays."""
    if "logits" in params:
        return (rng.uniform(size=params["logits"].shape) < expit(params["logits"])) * 1.0
    noise = rng.standard_normal(params["mean"].shape)
    return params["mean"] + noise * np.exp(0.5 * params["logvar"])


class ELBOScoreMixin:
    """``score``: the mean of ``score_samples``."""

    def score(self, X, y=None):
        """Mean ELBO of ``X`` (see :meth:`score_samples`); higher is better.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        return float(np.mean(self.score_samples(X)))
