"""torch modules: a batch dict in, a dict of distribution parameters and codes out; no losses."""

from ._critics import PermutationCritics
from ._mechanism import (
    CallableMechanism,
    LearnedOffsets,
    LinearMap,
    MechanismModule,
    Translation,
)
from ._mlp import ACTIVATIONS, make_mlp
from ._structured import MaskGates, StructuredModule
from ._vae import Decoder, GaussianEncoder, LearnedGaussianPrior, VAEModule

__all__ = [
    "ACTIVATIONS",
    "CallableMechanism",
    "Decoder",
    "GaussianEncoder",
    "LearnedGaussianPrior",
    "LearnedOffsets",
    "LinearMap",
    "MaskGates",
    "MechanismModule",
    "PermutationCritics",
    "StructuredModule",
    "Translation",
    "VAEModule",
    "make_mlp",
]
