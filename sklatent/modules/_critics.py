"""Critics that tell real rows from conditionally permuted ones, one per latent subspace."""

from torch import nn

from ._mlp import make_mlp


class PermutationCritics(nn.Module):
    """One MLP discriminator per attribute, each returning a real-vs-permuted logit per row.

    Parameters
    ----------
    input_widths : list of int
        Width of each critic's input (the code, plus the one-hot condition when conditional).
    hidden_layer_sizes : tuple of int
        Hidden layers of every critic (Funke et al. 2022: two layers of 50).
    activation : str
        A key of ``ACTIVATIONS``.

    Examples
    --------
    Two critics, for inputs of three and of five columns:

    >>> import torch
    >>> from sklatent.modules import PermutationCritics
    >>> critics = PermutationCritics([3, 5], hidden_layer_sizes=(8,))
    >>> tuple(critics(0, torch.randn(10, 3)).shape), tuple(critics(1, torch.randn(10, 5)).shape)
    ((10,), (10,))
    """

    def __init__(self, input_widths, hidden_layer_sizes=(50, 50), activation="relu"):
        super().__init__()
        self.critics = nn.ModuleList(
            make_mlp(width, hidden_layer_sizes, 1, activation) for width in input_widths
        )

    def forward(self, index, inputs):
        """Logits of critic ``index`` (positive: real) for each row of ``inputs``."""
        return self.critics[index](inputs).squeeze(1)
