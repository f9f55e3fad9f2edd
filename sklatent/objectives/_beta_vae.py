"""The beta-VAE objective: the information bottleneck with one observed and one latent variable."""

from .._batch import FEATURES
from ..information import gaussian_kl_standard, reconstruction_nll
from ._base import Objective


class BetaVAEObjective(Objective):
    r"""Negative evidence lower bound with a weighted compression term (Higgins et al., 2017).

    .. math::

        \mathcal L = \mathbb E_{q(z\mid x)}\big[-\log p(x \mid z)\big]
                     + \beta\, \mathrm{KL}\big(q(z \mid x) \,\|\, \mathcal N(0, I)\big)

    averaged over the batch and divided by the number of features :math:`d` (nats per feature:
    the same optimum, and a loss whose scale, and so the absolute ``tol`` of an automatic
    budget, does not depend on the width of the table). The recorded terms stay in nats per
    row. The reconstruction term bounds the "explain" information
    :math:`I(X; Z)` from below and the KL term bounds the "compress" information from above, so
    :math:`\beta` sets the bottleneck; :math:`\beta = 1` is the plain VAE.

    Parameters
    ----------
    beta : float
        Weight of the KL term.

    Examples
    --------
    >>> import torch
    >>> from sklatent.modules import VAEModule
    >>> from sklatent.objectives import BetaVAEObjective
    >>> _ = torch.manual_seed(0)
    >>> batch = {"X": torch.randn(16, 4)}
    >>> outputs = VAEModule(n_features=4, n_components=2, hidden_layer_sizes=(8,))(batch)
    >>> terms = BetaVAEObjective(beta=4.0)(outputs, batch)
    >>> per_feature = (terms["reconstruction"] + 4 * terms["kl"]) / 4  # 4 features
    >>> sorted(terms), bool(torch.isclose(terms["loss"], per_feature))
    (['kl', 'loss', 'reconstruction'], True)
    """

    term_names = ("reconstruction", "kl")
    weight_names = ("beta",)

    def __init__(self, beta=1.0):
        super().__init__()
        self.beta = beta

    def per_sample(self, outputs, batch):
        """Reconstruction negative log-likelihood and KL of each row, before averaging."""
        return {
            "reconstruction": reconstruction_nll(batch[FEATURES], outputs["x_params"]),
            "kl": gaussian_kl_standard(outputs["mean"], outputs["logvar"]),
        }

    def forward(self, outputs, batch):
        terms = {name: value.mean() for name, value in self.per_sample(outputs, batch).items()}
        n_features = batch[FEATURES].shape[1]
        terms["loss"] = (terms["reconstruction"] + self.beta * terms["kl"]) / n_features
        return terms
