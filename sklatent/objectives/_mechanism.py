"""Identification from known mechanisms: equivariance of the encoder to the mechanism."""

from .._batch import FEATURES
from ..information import collinearity_penalty, unit_variance_penalty
from ._base import Objective


class MechanismObjective(Objective):
    r"""Our formulation of learning from known mechanisms (after Ahuja, Hartford & Bengio, 2022).

    .. math::

        \mathcal L = \mathbb E\,\big\|f(x') - m(f(x), a)\big\|^2
                     + \lambda\, \sum_j \big(\widehat{\operatorname{Var}}(f_j(x)) - 1\big)^2
                     - \gamma \log\det \widehat{\operatorname{Corr}}(f(x))
                     + \rho\, \mathbb E\,\big\|x - g(f(x))\big\|^2

    The first term makes the encoder :math:`f` commute with the mechanism :math:`m`. Where the
    mechanism admits a collapsed solution (a linear map, learned offsets), the second term,
    weighted by ``collapse_weight`` :math:`\lambda`, rules out the constant encoder, and the
    third, weighted by ``collinearity_weight`` :math:`\gamma`, rules out low-rank codes (copies
    of one signal with matching offsets, or powers of one latent under a diagonal linear map,
    have zero equivariance loss and unit variances). The last, weighted by
    ``reconstruction_weight`` :math:`\rho`, asks a decoder :math:`g` to recover :math:`x` from
    the code: it rules out collapsed and low-rank codes too, without pulling correlated latents
    apart as the collinearity term does. A weight of 0 records a term without letting it act.

    Parameters
    ----------
    collapse_weight : float
        Weight :math:`\lambda` of the unit-variance term.
    collinearity_weight : float
        Weight :math:`\gamma` of the collinearity term.
    reconstruction_weight : float, default=0.0
        Weight :math:`\rho` of the reconstruction term (needs the module's decoder).

    Examples
    --------
    A constant encoder commutes with a linear mechanism (:math:`A 0 = 0`): only the collapse
    term, one per latent, rules it out.

    >>> import torch
    >>> from sklatent.objectives import MechanismObjective
    >>> z = torch.zeros(8, 2)
    >>> terms = MechanismObjective(collapse_weight=1.0)({"z": z, "z_next": z, "z_predicted": z}, {})
    >>> float(terms["equivariance"]), float(terms["collapse"]), float(terms["loss"])
    (0.0, 2.0, 2.0)
    """

    term_names = ("equivariance", "collapse", "collinearity", "reconstruction")
    weight_names = ("collapse_weight", "collinearity_weight", "reconstruction_weight")

    def __init__(self, collapse_weight=1.0, collinearity_weight=0.0, reconstruction_weight=0.0):
        super().__init__()
        self.collapse_weight = collapse_weight
        self.collinearity_weight = collinearity_weight
        self.reconstruction_weight = reconstruction_weight

    def batch_estimated_terms(self):
        return {
            "collapse": (self.collapse_weight, "two rows"),
            "collinearity": (self.collinearity_weight, "more rows than the code has columns"),
        }

    @staticmethod
    def per_sample_equivariance(outputs):
        """Squared distance between ``f(x')`` and ``m(f(x), a)`` for each row."""
        return (outputs["z_next"] - outputs["z_predicted"]).pow(2).sum(dim=-1)

    def forward(self, outputs, batch):
        equivariance = self.per_sample_equivariance(outputs).mean()
        # Too few rows for a variance (or a full-rank correlation): no signal from this batch.
        z = outputs["z"]
        collapse = unit_variance_penalty(z) if len(z) > 1 else z.new_zeros(())
        collinearity = collinearity_penalty(z) if len(z) > z.shape[1] else z.new_zeros(())
        reconstruction = z.new_zeros(())
        if "X_reconstructed" in outputs:
            reconstruction = (
                (batch[FEATURES] - outputs["X_reconstructed"]).pow(2).sum(dim=-1).mean()
            )
        return {
            "equivariance": equivariance,
            "collapse": collapse,
            "collinearity": collinearity,
            "reconstruction": reconstruction,
            "loss": equivariance
            + self.collapse_weight * collapse
            + self.collinearity_weight * collinearity
            + self.reconstruction_weight * reconstruction,
        }
