"""Adversarial conditional-MI disentanglement (Funke et al. 2022) on the structured bottleneck."""

import torch
from torch.nn.functional import one_hot

from .._batch import PRESENT, attribute_strata
from ..information import discrimination_loss, permutation_mmd, permutation_pairs
from ..utils._warnings import warn_at_caller
from ._base import zero_attached_to
from ._structured import StructuredObjective


class DisentangledObjective(StructuredObjective):
    r"""Readouts per subspace plus a penalty on :math:`I(z_k; z_{-k} \mid s_k)`.

    .. math::

        \mathcal L = \sum_k \mathbb E\big[-\log p(s_k \mid z_k)\big]
                     + \frac{1}{d}\Big(\mathbb E_q\big[-\log p(x \mid z)\big]
                     + \beta\,\mathrm{KL}\Big)
                     + \lambda \sum_k \widehat I\big(z_k; z_{-k} \mid s_k\big)

    (Funke et al. 2022; the features' terms per column, :math:`d` the number of feature
    columns when they are reconstructed, 1 otherwise: see :class:`StructuredObjective`). The
    readout of attribute :math:`k` reads its own subspace only (the
    structured decoder mask), rows with a missing label drop out of its term, and the features'
    term is present only when the features are reconstructed. The dependence is estimated from
    fake rows where :math:`z_{-k}` is permuted among the rows sharing the value of :math:`s_k`
    (:func:`~sklatent.information.permutation_pairs`; across the whole batch for the
    unconditional baseline, which targets :math:`I(z_k; z_{-k})`): with
    ``dependence_measure="permutation"`` a discriminator per attribute tells real rows from fake
    ones and the encoder is trained with the labels swapped, as in the paper; with ``"mmd"`` the
    estimate is the MMD between real and fake rows within each value
    (:func:`~sklatent.information.permutation_mmd`), with no adversary.

    Parameters
    ----------
    view_names : list of str
        The decoded views (the attributes, and ``"x"`` when reconstructed).
    subspaces : list of slice
        The columns of the code that belong to each attribute.
    n_strata : list of int
        Number of conditioning values of each attribute (classes or quantile bins).
    independence : {"conditional", "unconditional", "none"}
        Which dependence to penalise.
    dependence_measure : {"permutation", "mmd"}
        How to estimate it.
    beta, independence_weight : float
        :math:`\beta` and :math:`\lambda`.
    present_columns, target_views : list, default=None
        See :class:`StructuredObjective`.
    cmi_weight : float, default=None
        The former name of ``independence_weight``: set, it is used with a ``FutureWarning``.

        .. deprecated:: 0.1
            Use ``independence_weight``; ``cmi_weight`` will be removed in 0.2.

    Examples
    --------
    One attribute ``a`` read from the first code column. Where the second column copies the
    first, permuting it within each class changes the rows, and the MMD estimate of
    :math:`I(z_a; z_{-a} \mid a)` is positive; for an independent second column it is near zero.

    >>> import torch
    >>> from sklatent.objectives import DisentangledObjective
    >>> _ = torch.manual_seed(0)
    >>> labels, z = torch.arange(200) % 2, torch.randn(200, 1)
    >>> batch = {"labels_a": labels, "strata_0": labels, "present": torch.ones(200, 1)}
    >>> outputs = {"logvar": torch.zeros(200, 2), "gate_probabilities": [],
    ...            "views": {"a": {"class_logits": torch.zeros(200, 2)}}}
    >>> objective = DisentangledObjective(["a"], [slice(0, 1)], [2], dependence_measure="mmd")
    >>> def penalty(codes):
    ...     return float(objective(outputs | {"mean": codes}, batch)["independence"])
    >>> copied, independent = torch.cat([z, z], 1), torch.cat([z, torch.randn(200, 1)], 1)
    >>> penalty(copied) > 0.1, abs(penalty(independent)) < 0.05
    (True, True)
    """

    weight_names = ("beta", "independence_weight")
    critic_term_names = ("cross_entropy",)

    def __init__(
        self,
        view_names,
        subspaces,
        n_strata,
        *,
        independence="conditional",
        dependence_measure="permutation",
        beta=0.0,
        independence_weight=1.0,
        present_columns=None,
        target_views=None,
        cmi_weight=None,
    ):
        if cmi_weight is not None:
            if independence_weight != 1.0:
                raise ValueError(
                    "cmi_weight and independence_weight are both set, but cmi_weight is the "
                    "former name of independence_weight: set independence_weight only."
                )
            warn_at_caller(
                "cmi_weight was renamed independence_weight in 0.1 and will be removed in 0.2; "
                "its value is used for now.",
                FutureWarning,
            )
            independence_weight = cmi_weight
        super().__init__(
            view_names, beta=beta, present_columns=present_columns, target_views=target_views
        )
        self.subspaces = list(subspaces)
        self.n_strata = list(n_strata)
        self.independence = independence
        self.dependence_measure = dependence_measure
        self.independence_weight = independence_weight
        # Cleared during the estimator's warm-up (readouts alone; the engine's Anneal sets it).
        self.annealed = True
        self.term_names = (*self.term_names, "independence")

    def __setstate__(self, state):
        # Pickled before the rename: the weight and the term were "cmi_weight" and "cmi".
        if "cmi_weight" in state:
            state["independence_weight"] = state.pop("cmi_weight")
            state["term_names"] = tuple(
                "independence" if name == "cmi" else name for name in state["term_names"]
            )
        super().__setstate__(state)

    def _own_and_others(self, codes, batch, index):
        """Attribute ``index``'s subspace, the rest of the code, and the strata to permute
        within (its values, or one stratum for the unconditional baseline)."""
        strata = (
            batch[attribute_strata(index)]
            if self.independence == "conditional"
            else torch.zeros_like(batch[PRESENT][:, 0], dtype=torch.long)
        )
        keep = torch.ones(codes.shape[1], dtype=torch.bool, device=codes.device)
        keep[self.subspaces[index]] = False
        return codes[:, self.subspaces[index]], codes[:, keep], strata

    def critic_inputs(self, codes, batch, index):
        """Real and permuted rows for attribute ``index`` (with the one-hot condition), and
        each row's stratum; only rows that could be exchanged within their stratum."""
        real, fake, strata = permutation_pairs(*self._own_and_others(codes, batch, index))
        if self.independence == "conditional":
            condition = one_hot(strata, self.n_strata[index]).to(codes.dtype)
            real, fake = torch.cat([real, condition], 1), torch.cat([fake, condition], 1)
        return real, fake, strata

    def dependence(self, codes, batch, critic):
        """The encoder's penalty, summed over attributes."""
        total = codes.new_zeros(())
        for index in range(len(self.subspaces)):
            if self.dependence_measure == "mmd":
                total = total + permutation_mmd(*self._own_and_others(codes, batch, index))
                continue
            real, fake, _ = self.critic_inputs(codes, batch, index)
            if len(real) >= 2:
                # As in Funke et al. (2022): the encoder trains on the critic's labels swapped.
                real_logits, fake_logits = critic(index, real), critic(index, fake)
                total = total + discrimination_loss(real_logits, fake_logits, swapped=True)
        return total

    def batch_estimated_terms(self):
        if self.independence == "none":
            return {}
        need = "two rows of a class of each attribute, and three rows for the MMD"
        return {"independence": (self.independence_weight, need)}

    def forward(self, outputs, batch, critic=None):
        terms = super().forward(outputs, batch)
        if self.independence == "none":
            terms["independence"] = terms["loss"].new_zeros(())
        else:
            terms["independence"] = self.dependence(outputs["mean"], batch, critic)
        weight = self.independence_weight if self.annealed else 0.0
        terms["loss"] = terms["loss"] + weight * terms["independence"]
        return terms

    def critic_terms(self, outputs, batch, critic):
        """The discriminators' loss on detached codes: real rows 1, permuted rows 0."""
        total = zero_attached_to(critic)  # for batches where no row could be permuted
        for index in range(len(self.subspaces)):
            real, fake, _ = self.critic_inputs(outputs["mean"], batch, index)
            if len(real) < 2:
                continue
            real_logits, fake_logits = critic(index, real), critic(index, fake)
            total = total + discrimination_loss(real_logits, fake_logits)
        return {"loss": total, "cross_entropy": total}
