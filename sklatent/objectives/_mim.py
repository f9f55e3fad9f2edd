"""The Mutual Information Machine objective (Livne, Swersky & Fleet, 2019)."""

import torch

from .._batch import FEATURES
from ..information import gaussian_nll, reconstruction_nll
from ._base import Objective


def _mim_terms(x, outputs):
    """Per-row negative log-densities of one (x, z) pair: decoder, prior and posterior."""
    z = outputs["z"]
    prior_mean = outputs.get("prior_mean", torch.zeros_like(z))
    prior_logvar = outputs.get("prior_logvar", torch.zeros_like(z))
    return {
        "reconstruction": reconstruction_nll(x, outputs["x_params"]),
        "prior_nll": gaussian_nll(z, prior_mean, prior_logvar),
        "posterior_nll": gaussian_nll(z, outputs["mean"], outputs["logvar"]),
    }


class MIMObjective(Objective):
    r"""The asymmetric (A-MIM) or symmetric (S-MIM) Mutual Information Machine loss.

    A-MIM, on encoder samples :math:`x \sim P(x)`, :math:`z \sim q(z \mid x)`:

    .. math::

        \mathcal L_{\text{A-MIM}} = -\mathbb E\big[\log p(x \mid z)
            + \tfrac12 \log P(z) + \tfrac12 \log q(z \mid x)\big]

    Against the VAE's :math:`-\mathbb E[\log p(x \mid z) + \log P(z) - \log q(z \mid x)]` it flips
    the sign of the posterior's entropy: it rewards confident posteriors (high mutual
    information, no posterior collapse), which is why the posterior variance needs a floor. The
    q-terms are scaled by ``warmup_factor`` (0 to 1 over the warm-up epochs, set by the engine).

    S-MIM minimises
    :math:`-\mathbb E_{\frac12(p + q)}[\log p(x \mid z) + \log P(z) + \log q(z \mid x)]`,
    twice the paper's MIM loss without its :math:`\log q(x)` term, with one draw
    :math:`z \sim N(0, I)`, :math:`x \sim p(x \mid z)` per row once the warm-up is over (A-MIM
    before). That term, the data density at decoder samples, has no estimate here: leaving it
    out is our formulation of the symmetric half.

    Parameters
    ----------
    symmetric : bool, default=False
        S-MIM instead of A-MIM.

    Examples
    --------
    A-MIM: the reconstruction plus half the prior and posterior negative log-densities.

    >>> import torch
    >>> from sklatent.modules import VAEModule
    >>> from sklatent.objectives import MIMObjective
    >>> _ = torch.manual_seed(0)
    >>> batch = {"X": torch.randn(16, 4)}
    >>> terms = MIMObjective()(VAEModule(4, 2, hidden_layer_sizes=(8,))(batch), batch)
    >>> q_terms = 0.5 * (terms["prior_nll"] + terms["posterior_nll"])
    >>> bool(torch.isclose(terms["loss"], (terms["reconstruction"] + q_terms) / 4))  # 4 features
    True
    """

    term_names = ("reconstruction", "prior_nll", "posterior_nll", "decoder_joint")
    weight_names = ()
    divergence_hint = (
        "the posterior term is unbounded below without a variance floor: keep "
        "min_posterior_variance > 0"
    )

    def __init__(self, symmetric=False):
        super().__init__()
        self.symmetric = symmetric
        self.warmup_factor = 1.0

    def forward(self, outputs, batch):
        terms = {name: value.mean() for name, value in _mim_terms(batch[FEATURES], outputs).items()}
        q_terms = 0.5 * (terms["prior_nll"] + terms["posterior_nll"])
        decoder_joint = terms["reconstruction"].new_zeros(())
        if self.symmetric and self.warmup_factor >= 1.0 and "sampled" in outputs:
            sampled = outputs["sampled"]
            decoder_joint = sum(v.mean() for v in _mim_terms(sampled[FEATURES], sampled).values())
            encoder_joint = terms["reconstruction"] + 2.0 * q_terms
            terms["loss"] = 0.5 * (encoder_joint + decoder_joint)
        else:
            terms["loss"] = terms["reconstruction"] + self.warmup_factor * q_terms
        # In nats per feature, as the other objectives' bounds (the same optimum).
        terms["loss"] = terms["loss"] / batch[FEATURES].shape[1]
        terms["decoder_joint"] = decoder_joint
        return terms
