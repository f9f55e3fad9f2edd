"""The structured bottleneck of the fair preset plus a penalty on the dependence of z on s."""

from ._dependence import DependencePenalty
from ._structured import StructuredObjective


class FairObjective(StructuredObjective):
    r"""Our fair preset of the structured bottleneck: x from (z, s), y from z, z kept from s.

    .. math::

        \mathcal L = \mathbb E_q\big[-\log p(x \mid z, s)\big]
                     + \gamma\, \mathbb E_q\big[-\log p(y \mid z)\big]
                     + \beta\, \mathrm{KL}\big(q(z \mid x) \,\|\, N(0, I)\big)
                     + \lambda\, D(\mu(x), s \,[\mid y])

    The first three terms are :class:`StructuredObjective` with the label view weighted by
    ``target_weight`` :math:`\gamma`. Because the decoder is given :math:`s`, the code need not
    carry it, but nothing in the bound forbids it to (Louizos et al. 2016): :math:`D` is an
    explicit dependence penalty, weight ``independence_weight`` :math:`\lambda`, on the code that
    ``transform`` returns, the posterior mean :math:`\mu(x)` (a penalty on sampled codes alone
    leaves the mean free to leak). :math:`D` is :func:`~sklatent.information.group_mmd`,
    :func:`~sklatent.information.normalized_hsic` or the adversary's bound
    :func:`~sklatent.information.adversary_information`; with ``conditional`` it is taken within
    each class of :math:`y` (equalized odds: :math:`z \perp s \mid y`).

    Parameters
    ----------
    view_names : list of str
        Names of the views (the features, and ``"y"`` when the code must predict the label).
    n_groups : int
        Number of sensitive groups.
    beta, target_weight, independence_weight : float
        The weights :math:`\beta`, :math:`\gamma`, :math:`\lambda`.
    dependence_measure : {"mmd", "hsic", "adversarial", "permutation"}
        The estimator :math:`D`.
    n_strata : int or None
        Number of classes of the label to condition on; None for demographic parity.
    group_log_prior : torch.Tensor of shape (n_strata or 1, n_groups), default=None
        Log-frequencies of the groups (within each class when conditional): the entropy the
        adversary's bound starts from.
    present_columns, target_views : list, default=None
        See :class:`StructuredObjective`.

    Examples
    --------
    Codes that reveal the group pay the dependence penalty:

    >>> import torch
    >>> from sklatent.objectives import FairObjective
    >>> _ = torch.manual_seed(0)
    >>> groups = torch.arange(200) % 2
    >>> codes = torch.randn(200, 2) + groups.unsqueeze(1)
    >>> outputs = {"mean": codes, "logvar": torch.zeros(200, 2), "gate_probabilities": [],
    ...            "views": {"x": {"mean": codes, "logvar": torch.zeros(200, 2)}}}
    >>> batch = {"X_x": codes, "present": torch.ones(200, 1), "groups": groups}
    >>> terms = FairObjective(["x"], n_groups=2, dependence_measure="mmd")(outputs, batch)
    >>> float(terms["independence"]) > 0.1
    True
    """

    weight_names = ("beta", "target_weight", "independence_weight")
    # The early stopping watches the held-out loss without the penalty: the penalty's held-out
    # estimate (an unbiased MMD on a few hundred rows, slightly negative and noisy where the codes
    # are nearly independent) moved the weighted sum more from one epoch to the next than the
    # fit improved, so the rule kept an early epoch whose label head had learned nothing.
    stopping_term = "unpenalised_loss"
    critic_term_names = ("cross_entropy",)
    divergence_hint = (
        "A large independence_weight can push the codes apart faster than the reconstruction "
        "holds them: lower it or lr."
    )

    def __init__(
        self,
        view_names,
        n_groups,
        *,
        beta=1.0,
        target_weight=1.0,
        independence_weight=1.0,
        dependence_measure="mmd",
        n_strata=None,
        group_log_prior=None,
        present_columns=None,
        target_views=None,
    ):
        view_weights = {"y": target_weight} if "y" in view_names else {}
        super().__init__(
            view_names,
            beta=beta,
            view_weights=view_weights,
            present_columns=present_columns,
            target_views=target_views,
        )
        self.target_weight = target_weight
        self.independence_weight = independence_weight
        self.penalty = DependencePenalty(dependence_measure, n_groups, n_strata, group_log_prior)
        self.term_names = (*self.term_names, "independence", "unpenalised_loss")

    def batch_estimated_terms(self):
        # Without a sensitive attribute (one group), independence asks nothing: 0 by design.
        if self.penalty.n_groups < 2:
            return {}
        need = "rows of two sensitive groups (within a class, for equalized odds)"
        return {"independence": (self.independence_weight, need)}

    def forward(self, outputs, batch, critic=None):
        terms = super().forward(outputs, batch)
        terms["unpenalised_loss"] = terms["loss"]
        # On the posterior mean, the code that transform returns.
        terms["independence"] = self.penalty(outputs["mean"], batch, critic)
        terms["loss"] = terms["loss"] + self.independence_weight * terms["independence"]
        return terms

    def critic_terms(self, outputs, batch, critic):
        """The adversary's loss: cross-entropy of the groups given the (detached) codes."""
        loss = self.penalty.critic_loss(outputs["mean"], batch, critic)
        return {"loss": loss, "cross_entropy": loss}
