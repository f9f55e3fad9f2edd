"""What every generative estimator's scoring and sampling share: the fixed draws of the ELBO,
the posterior's split, the count of rows to draw and the draws of a decoder's likelihood."""

import numpy as np
import torch
from scipy.special import expit

from ..utils._validation import row_weights

# Standard-normal draws shared by every row in ``score_samples`` (common random numbers): each
# row's estimate is then deterministic and independent of the other rows in the call.
N_ELBO_DRAWS = 16


def elbo_of_rows(n_latent, device, row_key, negative_elbo):
    """``fn(module, batch)``: each row's ELBO, averaged over ``N_ELBO_DRAWS`` fixed draws.

    ``negative_elbo(outputs, batch)`` sums the terms of the bound per row (reconstruction and
    KL); it gets them in float64 (see :func:`as_float64`). ``batch[row_key]`` counts the rows.
    """
    generator = torch.Generator().manual_seed(0)
    draws = torch.randn(N_ELBO_DRAWS, n_latent, generator=generator, dtype=torch.float32)
    draws = draws.to(device)

    def elbo(module, batch):
        total = 0.0
        for eps in draws:
            outputs = module(batch, eps=eps.expand(len(batch[row_key]), -1))
            total = total - negative_elbo(as_float64(outputs), as_float64(batch))
        return total / len(draws)

    return elbo


def split_posterior(mean_and_logvar, dtype):
    """Posterior means and variances from the side-by-side means and log-variances."""
    mean, logvar = np.split(mean_and_logvar, 2, axis=1)
    return mean.astype(dtype), np.exp(logvar).astype(dtype)


def as_float64(tree):
    """A copy of a (nested) dict or list of tensors with the floating-point ones in float64
    (labels stay integers): float32 reductions may round differently for different batch
    sizes, and a row's score must not depend on its neighbours."""
    if isinstance(tree, dict):
        return {name: as_float64(value) for name, value in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [as_float64(value) for value in tree]
    return tree.double() if tree.is_floating_point() else tree


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

    def score(self, X, y=None, sample_weight=None):
        """Mean ELBO of ``X`` (see :meth:`score_samples`); higher is better.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to score.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows' ELBOs in the mean (None: equal weights).

        Returns
        -------
        score : float
        """
        elbo = self.score_samples(X)
        return float(np.average(elbo, weights=row_weights(sample_weight, len(elbo))))
