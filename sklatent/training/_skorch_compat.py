"""The private parts of skorch's ``NeuralNet`` that the training engine uses, in one place.

skorch has no public way to switch every module of a net between training and evaluation mode
at once, to list the net's modules and criteria, or to tell whether an accelerator has already
wrapped them. These helpers read the attributes skorch 1.x keeps for that; a skorch release that
renames one breaks here, in one module (``pyproject.toml`` pins skorch below its next major).
"""

import contextlib

from skorch.callbacks import PrintLog


def set_training_mode(net, training):
    """Put every module and criterion of ``net`` in training (True) or evaluation mode."""
    net._set_training(training)


def module_names(net):
    """Names of the torch modules ``net`` registered (``"module"``, ``"critic"``...)."""
    return list(net._modules)


def criterion_names(net):
    """Names of the criteria ``net`` registered (``"criterion"``)."""
    return list(net._criteria)


@contextlib.contextmanager
def registered_criteria(net, names):
    """Let ``net`` see only the criteria ``names`` inside the block, then restore its list."""
    saved = net._criteria
    net._criteria = list(names)
    try:
        yield
    finally:
        net._criteria = saved


def is_wrapped_with_accelerator(net):
    """Whether ``net``'s accelerator has already prepared its modules and optimizers."""
    return net._wrapped_with_accelerator


def is_print_log(callback):
    """Whether a callback entry (an instance, a class, or a ``(name, callback)`` pair) is
    skorch's epoch table, which skorch always runs after every other callback."""
    if isinstance(callback, (tuple, list)):
        callback = callback[1]
    return isinstance(callback, PrintLog) or callback is PrintLog
