"""Objectives, one per method, composed from :mod:`sklatent.information`; named terms out."""

from ._base import Objective
from ._beta_vae import BetaVAEObjective

__all__ = ["BetaVAEObjective", "Objective"]
