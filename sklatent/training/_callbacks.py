"""The skorch callbacks an estimator's training parameters ask for."""

from skorch.callbacks import Callback, EarlyStopping, ProgressBar


def _quiet(*args, **kwargs):
    """A sink that prints nothing (skorch callbacks print through a ``sink`` callable)."""


def training_callbacks(*, early_stopping, n_iter_no_change, tol, verbose, extra=None):
    """Build the callback list for one fit.

    Parameters
    ----------
    early_stopping : bool
        Stop when the validation loss has not improved by a relative ``tol`` for
        ``n_iter_no_change`` epochs, and restore the weights of the best epoch.
    n_iter_no_change : int
        Patience, in epochs.
    tol : float
        Relative improvement that counts as progress.
    verbose : int
        0 silent, 1 the epoch table, 2 and more also a progress bar per epoch.
    extra : list of skorch callbacks or (name, callback) pairs, optional
        The user's callbacks, passed through unchanged.

    Returns
    -------
    list
        Callbacks for :class:`skorch.NeuralNet`.
    """
    callbacks = []
    if early_stopping:
        stopper = EarlyStopping(
            monitor="valid_loss",
            patience=n_iter_no_change,
            threshold=tol,
            load_best=True,
            sink=print if verbose else _quiet,
        )
        callbacks.append(("early_stopping", stopper))
    if verbose >= 2:
        callbacks.append(("progress_bar", ProgressBar(postfix_keys=["train_loss"])))
    callbacks.extend(extra or [])
    return callbacks


class WarmUp(Callback):
    """Ramp an objective's ``warmup_factor`` linearly from ``1/epochs`` to 1 over ``epochs``.

    At epoch ``e`` (counted from 1) the factor is ``min(1, e / epochs)``; with ``epochs=0`` it is 1
    throughout.

    Parameters
    ----------
    epochs : int
        Length of the ramp, in epochs.
    """

    def __init__(self, epochs):
        self.epochs = epochs

    def on_epoch_begin(self, net, **kwargs):
        epoch = len(net.history)
        net.criterion_.warmup_factor = 1.0 if self.epochs == 0 else min(1.0, epoch / self.epochs)


class Anneal(Callback):
    """Switch an objective's ``annealed`` flag on after ``epochs`` epochs.

    From epoch ``epochs + 1`` (counted from 1) on, ``net.criterion_.annealed`` is True: the
    objective applies its full penalty weight (IRM's ``penalty_anneal_iters``, in epochs). When
    the objective then scales its loss down (``criterion_.loss_scale``), the optimizer's weight
    decay, an L2 term of the loss in effect, is scaled with it: otherwise it would outweigh the
    scaled-down risk by the same factor.

    Parameters
    ----------
    epochs : int
        Epochs with the penalty at weight 1; 0 applies the full weight from the start.
    """

    def __init__(self, epochs):
        self.epochs = epochs

    def on_train_begin(self, net, **kwargs):
        self.weight_decays_ = [group.get("weight_decay", 0.0) for group in _groups(net)]

    def on_epoch_begin(self, net, **kwargs):
        net.criterion_.annealed = len(net.history) > self.epochs
        scale = getattr(net.criterion_, "loss_scale", 1.0)
        for group, weight_decay in zip(_groups(net), self.weight_decays_, strict=True):
            group["weight_decay"] = weight_decay * scale


def _groups(net):
    return net.optimizer_.param_groups
