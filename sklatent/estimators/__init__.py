"""The user-facing scikit-learn estimators."""

from ._base import LatentTransformer
from ._beta_vae import BetaVAE
from ._disentangled import DisentangledEncoder
from ._fair import FairEncoder
from ._invariant import InvariantEncoder
from ._mechanism import MechanismEncoder
from ._mim import MutualInformationMachine
from ._multiview import MultiViewEncoder
from ._structured import StructuredVAE

__all__ = [
    "BetaVAE",
    "DisentangledEncoder",
    "FairEncoder",
    "InvariantEncoder",
    "LatentTransformer",
    "MechanismEncoder",
    "MultiViewEncoder",
    "MutualInformationMachine",
    "StructuredVAE",
]
