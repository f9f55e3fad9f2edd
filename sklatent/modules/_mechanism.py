"""Encoders of observations and the known mechanisms that move their latents."""

import torch
from torch import nn

from .._batch import ACTIONS, FEATURES, NEXT_FEATURES
from ._mlp import make_mlp


class Translation(nn.Module):
    """Known translation :math:`m(z, a) = z + a`, the action being the offset itself.

    Examples
    --------
    >>> import torch
    >>> from sklatent.modules import Translation
    >>> Translation()(torch.tensor([[1.0, 2.0]]), torch.tensor([[0.5, -1.0]])).tolist()
    [[1.5, 1.0]]
    """

    def forward(self, z, actions):
        return z if actions is None else z + actions


class LinearMap(nn.Module):
    """Known linear mechanism :math:`m(z) = A z` with a fixed matrix ``A``.

    Examples
    --------
    A quarter turn; the actions are ignored:

    >>> import torch
    >>> from sklatent.modules import LinearMap
    >>> rotation = LinearMap([[0.0, -1.0], [1.0, 0.0]])
    >>> rotation(torch.tensor([[1.0, 2.0]]), None).tolist()
    [[-2.0, 1.0]]
    """

    def __init__(self, matrix):
        super().__init__()
        self.register_buffer("matrix", torch.as_tensor(matrix, dtype=torch.float32))

    def forward(self, z, actions):
        return z @ self.matrix.T


class LearnedOffsets(nn.Module):
    """Translation by an unknown offset per discrete action, :math:`m(z, k) = z + \\delta_k`.

    The offsets are learned with the encoder.

    Examples
    --------
    >>> import torch
    >>> from sklatent.modules import LearnedOffsets
    >>> _ = torch.manual_seed(0)
    >>> mechanism = LearnedOffsets(n_actions=3, n_components=2)
    >>> z, actions = torch.zeros(4, 2), torch.tensor([0, 2, 2, 1])
    >>> bool(torch.equal(mechanism(z, actions), mechanism.offsets[actions]))
    True
    >>> tuple(mechanism.offsets.shape), mechanism.offsets.requires_grad
    ((3, 2), True)
    """

    def __init__(self, n_actions, n_components):
        super().__init__()
        self.offsets = nn.Parameter(torch.zeros(n_actions, n_components))
        nn.init.normal_(self.offsets, std=0.1)

    def forward(self, z, actions):
        return z + self.offsets[actions]


class CallableMechanism(nn.Module):
    """A mechanism given by the user as a torch function ``m(z, actions)``.

    Examples
    --------
    >>> import torch
    >>> from sklatent.modules import CallableMechanism
    >>> scaling = CallableMechanism(lambda z, actions: z * actions)
    >>> scaling(torch.tensor([[1.0, 2.0]]), torch.tensor([[3.0, 0.5]])).tolist()
    [[3.0, 1.0]]
    """

    def __init__(self, function):
        super().__init__()
        self.function = function

    def forward(self, z, actions):
        return self.function(z, actions)


class MechanismModule(nn.Module):
    """Encoder ``f`` and mechanism ``m``: ``forward`` gives ``f(x)``, ``f(x')``, ``m(f(x), a)``.

    Parameters
    ----------
    n_features, n_components : int
        Observation and latent widths.
    hidden_layer_sizes : sequence of int
        Hidden widths of the encoder MLP.
    activation : str
        Hidden activation.
    mechanism : torch.nn.Module
        One of :class:`Translation`, :class:`LinearMap`, :class:`LearnedOffsets`,
        :class:`CallableMechanism`.
    decoder : bool, default=False
        Add a decoder ``g`` (the encoder's hidden widths reversed) so that ``g(f(x))`` can be
        compared with ``x``: an injective encoder cannot collapse or repeat a latent.

    Attributes
    ----------
    n_components : int
        The code's width.

    Examples
    --------
    Pairs of observations before and after a known translation of their latents:

    >>> import torch
    >>> from sklatent.modules import MechanismModule, Translation
    >>> module = MechanismModule(4, 2, (8,), "relu", Translation(), decoder=True)
    >>> batch = {"X": torch.randn(5, 4), "X_next": torch.randn(5, 4), "actions": torch.randn(5, 2)}
    >>> {name: tuple(value.shape) for name, value in module(batch).items()}
    {'z': (5, 2), 'z_next': (5, 2), 'z_predicted': (5, 2), 'X_reconstructed': (5, 4)}
    """

    def __init__(
        self, n_features, n_components, hidden_layer_sizes, activation, mechanism, decoder=False
    ):
        super().__init__()
        self.n_components = n_components
        self.encoder = make_mlp(n_features, hidden_layer_sizes, n_components, activation)
        self.mechanism = mechanism
        self.decoder = (
            make_mlp(n_components, hidden_layer_sizes[::-1], n_features, activation)
            if decoder
            else None
        )

    def forward(self, batch):
        z = self.encoder(batch[FEATURES])
        outputs = {
            "z": z,
            "z_next": self.encoder(batch[NEXT_FEATURES]),
            "z_predicted": self.mechanism(z, batch.get(ACTIONS)),
        }
        if self.decoder is not None:
            outputs["X_reconstructed"] = self.decoder(z)
        return outputs

    def encode(self, batch):
        """The identified latents ``f(x)``."""
        return self.encoder(batch[FEATURES])

    def predict_next(self, batch):
        """The mechanism's prediction of the next latents, ``m(f(x), a)``."""
        return self.mechanism(self.encoder(batch[FEATURES]), batch.get(ACTIONS))
