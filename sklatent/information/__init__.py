"""Information terms, each written once: pure torch functions returning one value per sample.

The objectives in :mod:`sklatent.objectives` compose these; nothing here knows about estimators,
modules or training.
"""

from ._independence import adversary_information, group_mmd, normalized_hsic, within_strata
from ._invariance import environment_risks, irm_penalty, risk_variance
from ._kl import gaussian_kl_standard, gaussian_kl_standard_per_dim
from ._likelihood import bernoulli_nll, categorical_nll, gaussian_nll, reconstruction_nll
from ._moments import collinearity_penalty, unit_variance_penalty
from ._permutation import (
    discrimination_loss,
    permutation_mmd,
    permutation_pairs,
    permute_within_strata,
    two_sample_mmd,
)

__all__ = [
    "adversary_information",
    "bernoulli_nll",
    "categorical_nll",
    "collinearity_penalty",
    "discrimination_loss",
    "environment_risks",
    "gaussian_kl_standard",
    "gaussian_kl_standard_per_dim",
    "gaussian_nll",
    "group_mmd",
    "irm_penalty",
    "normalized_hsic",
    "permutation_mmd",
    "permutation_pairs",
    "permute_within_strata",
    "reconstruction_nll",
    "risk_variance",
    "two_sample_mmd",
    "unit_variance_penalty",
    "within_strata",
]
