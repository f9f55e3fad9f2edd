"""The critic that the dependence penalties of the fair and invariant presets train."""

from ..modules import PermutationCritics, make_mlp


def dependence_critic(
    independence, *, n_components, n_groups, n_strata, hidden_layer_sizes, activation
):
    """The critic of :class:`~sklatent.objectives.DependencePenalty` for ``independence``.

    Parameters
    ----------
    independence : {"adversarial", "permutation"}
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
    hidden = tuple(int(size) for size in hidden_layer_sizes)
    condition = n_strata or 0
    if independence == "permutation":
        return PermutationCritics([n_components + n_groups + condition], hidden, activation)
    return make_mlp(n_components + condition, hidden, n_groups, activation)
