"""The user-facing scikit-learn estimators."""

from ._base import LatentTransformer
from ._beta_vae import BetaVAE

__all__ = ["BetaVAE", "LatentTransformer"]
