"""The dependence penalty shared by the presets: codes kept from a discrete variable.

:class:`~sklatent.objectives.FairObjective` keeps codes from the sensitive groups (given the
label for equalized odds); :class:`~sklatent.objectives.InvariantObjective` keeps them from the
environments given the label. Both read the batch's ``"groups"`` (and ``"strata"``) and, for the
adversary, train the critic with :meth:`DependencePenalty.critic_loss`.
"""

import torch
from torch import nn

from ..information import adversary_information, group_mmd, normalized_hsic, within_strata

_KERNEL_ESTIMATORS = {"mmd": group_mmd, "hsic": normalized_hsic}
ESTIMATORS = (*_KERNEL_ESTIMATORS, "adversarial")


class DependencePenalty(nn.Module):
    r"""Dependence :math:`D(z, g \,[\mid c])` of codes on groups, optionally given a condition.

    Parameters
    ----------
    estimator : {"mmd", "hsic", "adversarial"}
        :func:`~sklatent.information.group_mmd`, :func:`~sklatent.information.normalized_hsic`
        (both taken within each stratum by :func:`~sklatent.information.within_strata`), or the
        information a critic reads, :func:`~sklatent.information.adversary_information`.
    n_groups : int
        Number of groups.
    n_strata : int or None
        Number of values of the condition; None for unconditional independence.
    group_log_prior : torch.Tensor of shape (n_strata or 1, n_groups), default=None
        Log-frequencies of the groups within each stratum (the adversary's reference).
    """

    def __init__(self, estimator, n_groups, n_strata=None, group_log_prior=None):
        super().__init__()
        self.estimator = estimator
        self.n_groups = n_groups
        self.n_strata = n_strata
        if group_log_prior is not None:
            self.register_buffer("group_log_prior", group_log_prior)

    def _strata(self, batch):
        if self.n_strata is None:
            return torch.zeros_like(batch["groups"]), 1
        return batch["strata"], self.n_strata

    def critic_input(self, codes, batch):
        """What the adversary sees: the codes, and the one-hot condition when conditional."""
        if self.n_strata is None:
            return codes
        strata = nn.functional.one_hot(batch["strata"], self.n_strata).to(codes.dtype)
        return torch.cat([codes, strata], dim=1)

    def forward(self, codes, batch, critic=None):
        """The penalty on a batch of codes."""
        strata, n_strata = self._strata(batch)
        if self.estimator == "adversarial":
            log_probabilities = torch.log_softmax(critic(self.critic_input(codes, batch)), dim=1)
            # Each row's group frequencies within its stratum: H(g | c) when conditional.
            return adversary_information(log_probabilities, self.group_log_prior[strata])
        estimator = _KERNEL_ESTIMATORS[self.estimator]
        return within_strata(estimator, codes, batch["groups"], self.n_groups, strata, n_strata)

    def critic_loss(self, codes, batch, critic):
        """The adversary's loss: cross-entropy of the groups given the (detached) codes."""
        logits = critic(self.critic_input(codes, batch))
        return nn.functional.cross_entropy(logits, batch["groups"])
