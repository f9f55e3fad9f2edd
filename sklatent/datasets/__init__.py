"""Bundled real data sets (no network needed) and generators with known ground truth."""

from ._adult import load_adult
from ._german import load_german_credit
from ._mechanisms import make_mechanism_pairs, make_shifted_digits

__all__ = ["load_adult", "load_german_credit", "make_mechanism_pairs", "make_shifted_digits"]
