"""torch modules: a batch dict in, a dict of distribution parameters and codes out; no losses."""

from ._mlp import ACTIVATIONS, make_mlp
from ._vae import Decoder, GaussianEncoder, VAEModule

__all__ = ["ACTIVATIONS", "Decoder", "GaussianEncoder", "VAEModule", "make_mlp"]
