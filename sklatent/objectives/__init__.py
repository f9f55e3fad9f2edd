"""Objectives, one per method, composed from :mod:`sklatent.information`; named terms out."""

from ._base import Objective
from ._beta_vae import BetaVAEObjective
from ._mechanism import MechanismObjective

__all__ = ["BetaVAEObjective", "MechanismObjective", "Objective"]
