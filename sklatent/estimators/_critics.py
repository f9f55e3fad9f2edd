"""The critics the presets train: the dependence penalties' critic of the fair and invariant
presets, and the settings (constraints, optimiser) that every preset's critic shares."""

from numbers import Integral, Real

from ..modules import PermutationCritics, make_mlp
from ..utils._sklearn_compat import Interval
from ..utils._validation import check_hidden_layer_sizes

#: The settings of a preset's critic, named alike in every preset that trains one.
CRITIC_PARAMETER_CONSTRAINTS = {
    "critic_hidden_layer_sizes": ["array-like"],
    "critic_lr": [Interval(Real, 0, None, closed="neither"), None],
    "critic_steps": [Interval(Integral, 1, None, closed="left")],
}


def dependence_critic(
    dependence_measure, *, n_components, n_groups, n_strata, hidden_layer_sizes, activation
):
    """The critic of :class:`~sklatent.objectives.DependencePenalty` for ``dependence_measure``.

    Parameters
    ----------
    dependence_measure : {"adversarial", "permutation"}
        An MLP that predicts the group from the code (and the one-hot condition), or one
        real-vs-permuted discriminator over the code, the one-hot group and the condition.
    n_components, n_groups : int
        Widths of the code and of the one-hot group.
    n_strata : int or None
        Number of values of the condition; None when the penalty is unconditional.
    hidden_layer_sizes : sequence of int
        The critic's hidden layers.
    activation : str
        Its activation.

    Returns
    -------
    torch.nn.Module
    """
    hidden = check_hidden_layer_sizes(hidden_layer_sizes, "critic_hidden_layer_sizes")
    condition = n_strata or 0
    if dependence_measure == "permutation":
        return PermutationCritics([n_components + n_groups + condition], hidden, activation)
    return make_mlp(n_components + condition, hidden, n_groups, activation)


def critic_net_kwargs(estimator, critic):
    """The adversarial net's keyword arguments for ``critic``, from a preset's critic settings
    (``critic_steps``, and ``critic_lr``, the preset's ``lr`` when None)."""
    return {
        "critic": critic,
        "critic_steps": estimator.critic_steps,
        "critic_optimizer__lr": estimator.critic_lr or estimator.lr,
    }
