"""Multi-layer perceptrons, the building block of every encoder, decoder and critic."""

from torch import nn

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "logistic": nn.Sigmoid,
    "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU,
    "identity": nn.Identity,
}


def make_mlp(n_inputs, hidden_layer_sizes, n_outputs, activation="relu"):
    """Build ``Linear -> activation`` blocks ending in a linear output layer.

    Parameters
    ----------
    n_inputs : int
        Width of the input.
    hidden_layer_sizes : sequence of int
        Width of each hidden layer; empty gives a linear map.
    n_outputs : int
        Width of the output.
    activation : str, default="relu"
        A key of ``ACTIVATIONS``, as scikit-learn's ``MLPClassifier`` names them.

    Returns
    -------
    torch.nn.Sequential

    Examples
    --------
    >>> from sklatent.modules import make_mlp
    >>> make_mlp(3, (8,), 2, activation="tanh")
    Sequential(
      (0): Linear(in_features=3, out_features=8, bias=True)
      (1): Tanh()
      (2): Linear(in_features=8, out_features=2, bias=True)
    )
    """
    layers = []
    width = n_inputs
    for size in hidden_layer_sizes:
        layers += [nn.Linear(width, size), ACTIVATIONS[activation]()]
        width = size
    layers.append(nn.Linear(width, n_outputs))
    return nn.Sequential(*layers)
