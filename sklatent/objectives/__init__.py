"""Objectives, one per method, composed from :mod:`sklatent.information`; named terms out."""

from ._base import Objective
from ._beta_vae import BetaVAEObjective
from ._dependence import DependencePenalty
from ._disentangled import DisentangledObjective
from ._fair import FairObjective
from ._invariant import InvariantObjective
from ._mechanism import MechanismObjective
from ._mim import MIMObjective
from ._structured import StructuredObjective

__all__ = [
    "BetaVAEObjective",
    "DependencePenalty",
    "DisentangledObjective",
    "FairObjective",
    "InvariantObjective",
    "MIMObjective",
    "MechanismObjective",
    "Objective",
    "StructuredObjective",
]
