"""The dependence penalty shared by the presets: codes kept from a discrete variable.

:class:`~sklatent.objectives.FairObjective` keeps codes from the sensitive groups (given the
label for equalized odds); :class:`~sklatent.objectives.InvariantObjective` keeps them from the
environments given the label. Both read the batch's ``"groups"`` (and ``"strata"``) and, for the
adversary, train the critic with :meth:`DependencePenalty.critic_loss`.
"""

import torch
from torch import nn

from .._batch import GROUPS, STRATA
from ..information import (
    adversary_information,
    discrimination_loss,
    group_mmd,
    normalized_hsic,
    permutation_pairs,
    within_strata,
)
from ._base import zero_attached_to

_KERNEL_ESTIMATORS = {"mmd": group_mmd, "hsic": normalized_hsic}
#: Estimators that train a critic beside the encoder.
CRITIC_ESTIMATORS = ("adversarial", "permutation")
ESTIMATORS = (*_KERNEL_ESTIMATORS, *CRITIC_ESTIMATORS)


class DependencePenalty(nn.Module):
    r"""Dependence :math:`D(z, g \,[\mid c])` of codes on groups, optionally given a condition.

    Parameters
    ----------
    estimator : {"mmd", "hsic", "adversarial", "permutation"}
        :func:`~sklatent.information.group_mmd`, :func:`~sklatent.information.normalized_hsic`
        (both taken within each stratum by :func:`~sklatent.information.within_strata`), the
        information a critic reads, :func:`~sklatent.information.adversary_information`, or
        the conditional-permutation critic of Funke et al. 2022 that
        :class:`~sklatent.objectives.DisentangledObjective` uses: it tells real rows
        :math:`(z, g, c)` from rows whose group was permuted among the rows of the same
        condition (:func:`~sklatent.information.permutation_pairs`), and the encoder is trained
        with its labels swapped (:func:`~sklatent.information.discrimination_loss`). The critic
        is then a :class:`~sklatent.modules.PermutationCritics` with one critic.
    n_groups : int
        Number of groups.
    n_strata : int or None
        Number of values of the condition; None for unconditional independence.
    group_log_prior : torch.Tensor of shape (n_strata or 1, n_groups), default=None
        Log-frequencies of the groups within each stratum (the adversary's reference).

    Examples
    --------
    The codes move with the class ``strata``, and group 1 makes a quarter of class 0 and three
    quarters of class 1: the codes depend on the groups, but not given the class.

    >>> import torch
    >>> from sklatent.objectives import DependencePenalty
    >>> _ = torch.manual_seed(0)
    >>> strata = torch.arange(400) // 200
    >>> groups = (torch.arange(400) % 4 < 1 + 2 * strata).long()
    >>> codes = torch.randn(400, 2) + 2 * strata.unsqueeze(1)
    >>> batch = {"groups": groups, "strata": strata}
    >>> float(DependencePenalty("mmd", n_groups=2)(codes, batch)) > 0.05
    True
    >>> abs(float(DependencePenalty("mmd", n_groups=2, n_strata=2)(codes, batch))) < 0.02
    True
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
            return torch.zeros_like(batch[GROUPS]), 1
        return batch[STRATA], self.n_strata

    def critic_input(self, codes, batch):
        """What the adversary sees: the codes, and the one-hot condition when conditional."""
        if self.n_strata is None:
            return codes
        strata = nn.functional.one_hot(batch[STRATA], self.n_strata).to(codes.dtype)
        return torch.cat([codes, strata], dim=1)

    def permutation_inputs(self, codes, batch):
        """Real rows ``[z, g, c]`` and rows with ``g`` permuted within each condition ``c``."""
        strata, n_strata = self._strata(batch)
        groups = nn.functional.one_hot(batch[GROUPS], self.n_groups).to(codes.dtype)
        real, fake, strata = permutation_pairs(codes, groups, strata)
        if self.n_strata is None:
            return real, fake
        condition = nn.functional.one_hot(strata, n_strata).to(codes.dtype)
        return torch.cat([real, condition], dim=1), torch.cat([fake, condition], dim=1)

    def forward(self, codes, batch, critic=None):
        """The penalty on a batch of codes."""
        strata, n_strata = self._strata(batch)
        if self.estimator == "adversarial":
            log_probabilities = torch.log_softmax(critic(self.critic_input(codes, batch)), dim=1)
            # Each row's group frequencies within its stratum: H(g | c) when conditional.
            return adversary_information(log_probabilities, self.group_log_prior[strata])
        if self.estimator == "permutation":
            real, fake = self.permutation_inputs(codes, batch)
            if len(real) < 2:
                return codes.new_zeros(())
            return discrimination_loss(critic(0, real), critic(0, fake), swapped=True)
        estimator = _KERNEL_ESTIMATORS[self.estimator]
        return within_strata(estimator, codes, batch[GROUPS], self.n_groups, strata, n_strata)

    def critic_loss(self, codes, batch, critic):
        """The critic's loss on (detached) codes: the groups' cross-entropy for the adversary,
        real-vs-permuted cross-entropy for the permutation critic."""
        if self.estimator == "permutation":
            real, fake = self.permutation_inputs(codes, batch)
            if len(real) < 2:  # no row could be permuted
                return zero_attached_to(critic)
            return discrimination_loss(critic(0, real), critic(0, fake))
        logits = critic(self.critic_input(codes, batch))
        return nn.functional.cross_entropy(logits, batch[GROUPS])
