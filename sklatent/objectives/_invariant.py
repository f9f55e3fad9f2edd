"""The invariant preset: a label head shared across environments plus an invariance penalty."""

from .._batch import GROUPS, view_labels
from ..information import irm_penalty, risk_variance
from ._dependence import DependencePenalty
from ._structured import StructuredObjective

PENALTIES = ("irm", "rex", "conditional_independence")


class InvariantObjective(StructuredObjective):
    r"""Risk of one label head across environments, plus a penalty on how it varies.

    .. math::

        \mathcal L = \mathbb E\big[-\log p(y \mid z)\big]
                     + \frac{1}{d}\Big(\rho\, \mathbb E_q\big[-\log p(x \mid z)\big]
                     + \beta\, \mathrm{KL}\big(q(z \mid x) \,\|\, N(0, I)\big)\Big)
                     + \lambda_t\, \Omega

    with :math:`d` the number of feature columns when they are reconstructed (1 otherwise: see
    :class:`StructuredObjective`), :math:`\rho` the ``reconstruction_weight`` (the features'
    term is left out at 0) and
    :math:`\Omega` one of: ``"irm"``, IRMv1's squared gradient of each environment's risk with
    respect to a scale on the logits (:func:`~sklatent.information.irm_penalty`); ``"rex"``, the
    variance of the environments' risks (:func:`~sklatent.information.risk_variance`);
    ``"conditional_independence"``, the dependence of the code on the environment given the
    label, :math:`I(z; e \mid y)` (our information-theoretic formulation of the invariant
    special case of Zhang, Koyama & Ishiguro 2020, estimated by the fair preset's
    :class:`~sklatent.objectives.DependencePenalty` within each class). As in the IRM reference
    code, the penalty weight is 1 until the objective is ``annealed`` (set by the engine's
    :class:`~sklatent.training.Anneal` after ``warmup_epochs``) and :math:`\lambda` after, when
    the whole loss is divided by :math:`\lambda` to keep the gradients' scale.

    Parameters
    ----------
    view_names : list of str
        The decoded views: ``"y"``, and ``"x"`` unless the reconstruction is off.
    n_environments : int
        Number of environments.
    penalty : {"irm", "rex", "conditional_independence"}
        The penalty :math:`\Omega`.
    penalty_weight, beta, reconstruction_weight : float
        :math:`\lambda`, :math:`\beta`, :math:`\rho`.
    unbiased : bool, default=False
        IRMv1's two-halves estimate.
    dependence_measure : {"mmd", "hsic", "adversarial", "permutation"}, default="mmd"
        The estimator of :math:`I(z; e \mid y)`.
    n_classes : int, default=None
        Number of classes of the label (the strata of the conditional penalty).
    environment_log_prior : torch.Tensor, default=None
        Log-frequencies of the environments within each class (adversarial estimator).
    present_columns, target_views : list, default=None
        See :class:`StructuredObjective`.

    Examples
    --------
    A label head predicting class 1 with probability 0.75 everywhere is optimal in environment
    0 (three rows in four of class 1), not in environment 1 (half): IRMv1 penalises it (see
    :func:`~sklatent.information.irm_penalty`). Once annealed, the loss is divided by the
    penalty weight.

    >>> import math
    >>> import torch
    >>> from sklatent.objectives import InvariantObjective
    >>> logits = torch.tensor([[0.0, math.log(3.0)]]).repeat(8, 1)
    >>> outputs = {"mean": torch.zeros(8, 1), "logvar": torch.zeros(8, 1),
    ...            "gate_probabilities": [], "views": {"y": {"class_logits": logits}}}
    >>> batch = {"labels_y": torch.tensor([1, 1, 1, 0, 1, 0, 1, 0]), "present": torch.ones(8, 1),
    ...          "groups": torch.tensor([0, 0, 0, 0, 1, 1, 1, 1])}
    >>> objective = InvariantObjective(["y"], n_environments=2, penalty="irm", penalty_weight=100)
    >>> round(objective(outputs, batch)["penalty"].item(), 3)
    0.075
    >>> objective.annealed = True
    >>> objective.loss_scale
    0.01
    """

    weight_names = ("beta", "reconstruction_weight", "penalty_weight")
    critic_term_names = ("cross_entropy",)

    def __init__(
        self,
        view_names,
        n_environments,
        *,
        penalty="irm",
        penalty_weight=1.0,
        beta=1.0,
        reconstruction_weight=1.0,
        unbiased=False,
        dependence_measure="mmd",
        n_classes=None,
        environment_log_prior=None,
        present_columns=None,
        target_views=None,
    ):
        weights = {"x": reconstruction_weight} if "x" in view_names else {}
        super().__init__(
            view_names,
            beta=beta,
            view_weights=weights,
            present_columns=present_columns,
            target_views=target_views,
        )
        self.n_environments = n_environments
        self.penalty = penalty
        self.penalty_weight = penalty_weight
        self.reconstruction_weight = reconstruction_weight
        self.unbiased = unbiased
        self.dependence = DependencePenalty(
            dependence_measure, n_environments, n_classes, environment_log_prior
        )
        self.annealed = False
        self.term_names = (*self.term_names, "penalty")

    def invariance_penalty(self, outputs, batch, critic=None):
        """The penalty :math:`\\Omega` on a batch."""
        environments = batch[GROUPS]
        if self.n_environments < 2:
            # Invariance across one environment asks nothing (IRMv1's gradient would not vanish:
            # it would only slow down the fit of the scale of the logits).
            return outputs["mean"].new_zeros(())
        if self.penalty == "irm":
            logits = outputs["views"]["y"]["class_logits"]
            return irm_penalty(
                logits,
                batch[view_labels("y")],
                environments,
                self.n_environments,
                unbiased=self.unbiased,
            )
        if self.penalty == "rex":
            losses = self.per_sample(outputs, batch)["reconstruction_y"]
            return risk_variance(losses, environments, self.n_environments)
        return self.dependence(outputs["mean"], batch, critic)

    def batch_estimated_terms(self):
        # One environment: invariance asks nothing, and the penalty is 0 by design.
        if self.n_environments < 2:
            return {}
        return {"penalty": (self.penalty_weight, "rows of two environments")}

    def forward(self, outputs, batch, critic=None):
        terms = super().forward(outputs, batch)
        terms["penalty"] = self.invariance_penalty(outputs, batch, critic)
        weight = self.penalty_weight if self.annealed and self.n_environments > 1 else 1.0
        # IRM's reference code: once the penalty dominates, rescale so the step size holds.
        terms["loss"] = (terms["loss"] + weight * terms["penalty"]) * self.loss_scale
        return terms

    @property
    def loss_scale(self):
        """The factor the loss is multiplied by: ``1 / penalty_weight`` once annealed (when the
        weight exceeds 1), else 1. The engine scales the L2 weight decay by it too, as the
        reference code divides its L2 term with the rest of the loss."""
        weight = self.penalty_weight if self.annealed and self.n_environments > 1 else 1.0
        return 1.0 / weight if weight > 1.0 else 1.0

    def critic_terms(self, outputs, batch, critic):
        """The adversary's loss (``dependence_measure="adversarial"`` or ``"permutation"``)."""
        loss = self.dependence.critic_loss(outputs["mean"], batch, critic)
        return {"loss": loss, "cross_entropy": loss}
