"""Information terms, each written once: pure torch functions returning one value per sample.

The objectives in :mod:`sklatent.objectives` compose these; nothing here knows about estimators,
modules or training.
"""

from ._kl import gaussian_kl_standard, gaussian_kl_standard_per_dim
from ._likelihood import bernoulli_nll, categorical_nll, gaussian_nll, reconstruction_nll
from ._moments import collinearity_penalty, unit_variance_penalty

__all__ = [
    "bernoulli_nll",
    "categorical_nll",
    "collinearity_penalty",
    "gaussian_kl_standard",
    "gaussian_kl_standard_per_dim",
    "gaussian_nll",
    "reconstruction_nll",
    "unit_variance_penalty",
]
