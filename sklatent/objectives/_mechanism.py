"""Identification from known mechanisms: equivariance of the encoder to the mechanism."""

from ..information import unit_variance_penalty
from ._base import Objective


class MechanismObjective(Objective):
    r"""Our formulation of learning from known mechanisms (after Ahuja, Hartford & Bengio, 2022).

    .. math::

        \mathcal L = \mathbb E\,\big\|f(x') - m(f(x), a)\big\|^2
                     + \lambda\, \sum_j \big(\widehat{\operatorname{Var}}(f_j(x)) - 1\big)^2

    The first term makes the encoder :math:`f` commute with the mechanism :math:`m`; the second,
    weighted by ``collapse_weight`` :math:`\lambda`, rules out the constant encoder where the
    mechanism admits it (a linear map, learned offsets). With ``collapse_weight=0`` the term is
    still recorded but does not act.

    Parameters
    ----------
    collapse_weight : float
        Weight :math:`\lambda` of the unit-variance term.
    """

    term_names = ("equivariance", "collapse")
    weight_names = ("collapse_weight",)

    def __init__(self, collapse_weight=1.0):
        super().__init__()
        self.collapse_weight = collapse_weight

    @staticmethod
    def per_sample_equivariance(outputs):
        """Squared distance between ``f(x')`` and ``m(f(x), a)`` for each row."""
        return (outputs["z_next"] - outputs["z_predicted"]).pow(2).sum(dim=-1)

    def forward(self, outputs, batch):
        equivariance = self.per_sample_equivariance(outputs).mean()
        # A batch of one row has no variance; it contributes no collapse signal.
        z = outputs["z"]
        collapse = unit_variance_penalty(z) if len(z) > 1 else z.new_zeros(())
        return {
            "equivariance": equivariance,
            "collapse": collapse,
            "loss": equivariance + self.collapse_weight * collapse,
        }
