"""Bundled real data sets (no network needed) and generators with known ground truth."""

from ._adult import load_adult
from ._german import load_german_credit

__all__ = ["load_adult", "load_german_credit"]
