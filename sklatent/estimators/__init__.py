"""The user-facing scikit-learn estimators."""

from ._base import LatentTransformer
from ._beta_vae import BetaVAE
from ._mechanism import MechanismEncoder
from ._mim import MutualInformationMachine

__all__ = ["BetaVAE", "LatentTransformer", "MechanismEncoder", "MutualInformationMachine"]
