"""Bundled real data sets (no network needed) and generators with known ground truth."""

from ._adult import load_adult
from ._colored import make_colored_images, make_spurious_environments
from ._correlated import make_correlated_attributes, make_digit_pairs
from ._fashion_mnist import load_fashion_mnist
from ._german import load_german_credit
from ._mechanisms import make_mechanism_pairs, make_shifted_digits
from ._mixtures import make_gaussian_mixture_2d
from ._multiple_features import load_multiple_features
from ._structured import make_structured

__all__ = [
    "load_adult",
    "load_fashion_mnist",
    "load_german_credit",
    "load_multiple_features",
    "make_colored_images",
    "make_correlated_attributes",
    "make_digit_pairs",
    "make_gaussian_mixture_2d",
    "make_mechanism_pairs",
    "make_shifted_digits",
    "make_spurious_environments",
    "make_structured",
]
