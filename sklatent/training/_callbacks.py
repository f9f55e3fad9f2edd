"""The skorch callbacks an estimator's training parameters ask for."""

import numpy as np
from skorch.callbacks import Callback, EarlyStopping, ProgressBar


def _quiet(*args, **kwargs):
    """A sink that prints nothing (skorch callbacks print through a ``sink`` callable)."""


def training_callbacks(
    *,
    early_stopping,
    n_iter_no_change,
    tol,
    verbose,
    stop_on_train_loss=False,
    monitor_from_epoch=0,
    monitor="valid_loss",
    extra=None,
):
    """Build the callback list for one fit.

    Parameters
    ----------
    early_stopping : bool
        Stop when the validation loss (``monitor``) has not improved by ``tol`` for
        ``n_iter_no_change`` epochs, and restore the weights of the best epoch.
    stop_on_train_loss : bool, default=False
        Stop when the training loss has not improved by ``tol`` for ``n_iter_no_change``
        epochs (scikit-learn's ``MLPClassifier`` rule), keeping the last weights.
    n_iter_no_change : int
        Patience, in epochs.
    tol : float
        Improvement of the loss that counts as progress (absolute: the objectives' losses are
        in nats per data column, whatever the table).
    verbose : int
        0 silent, 1 the epoch table, 2 and more also a progress bar per epoch.
    monitor_from_epoch : int, default=0
        Epochs of a warm-up (a penalty not yet on) whose losses neither count as the best nor
        as a miss: the stopping rules watch the objective that trains after them.
    monitor : str, default="valid_loss"
        The history key the early stopping watches (the objective's ``stopping_term`` on the
        validation rows).
    extra : list of skorch callbacks or (name, callback) pairs, optional
        The user's callbacks, passed through unchanged.

    Returns
    -------
    list
        Callbacks for :class:`skorch.NeuralNet`.

    Examples
    --------
    >>> from sklatent.training import training_callbacks
    >>> callbacks = training_callbacks(early_stopping=True, n_iter_no_change=5, tol=1e-4,
    ...                                verbose=0)
    >>> [(name, type(callback).__name__) for name, callback in callbacks]
    [('early_stopping', 'StopAfterWarmUp')]
    >>> callbacks[0][1].patience, callbacks[0][1].monitor
    (5, 'valid_loss')
    >>> training_callbacks(early_stopping=False, n_iter_no_change=5, tol=1e-4, verbose=0)
    []
    >>> [name for name, _ in training_callbacks(early_stopping=False, n_iter_no_change=5,
    ...                                         tol=1e-4, verbose=0, stop_on_train_loss=True)]
    ['converged']
    """
    callbacks = []
    rules = [
        ("converged", "train_loss", stop_on_train_loss, False),
        ("early_stopping", monitor, early_stopping, True),
    ]
    for name, watched, wanted, load_best in rules:
        if wanted:
            stopper = StopAfterWarmUp(
                start_epoch=monitor_from_epoch,
                monitor=watched,
                patience=n_iter_no_change,
                threshold=tol,
                threshold_mode="abs",
                load_best=load_best,
                sink=print if verbose else _quiet,
            )
            callbacks.append((name, stopper))
    if verbose >= 2:
        callbacks.append(("progress_bar", ProgressBar(postfix_keys=["train_loss"])))
    callbacks.extend(extra or [])
    return callbacks


class StopAfterWarmUp(EarlyStopping):
    """skorch's ``EarlyStopping`` that ignores the first ``start_epoch`` epochs.

    During a warm-up the objective is not yet the one that trains after it (a penalty ramps up
    or switches on), so its losses are not comparable: the best epoch, and the patience, count
    from the end of the warm-up.

    Parameters
    ----------
    start_epoch : int, default=0
        Epochs to ignore.
    **kwargs
        As for :class:`skorch.callbacks.EarlyStopping`.

    Examples
    --------
    A MIM whose q-terms ramp up over 3 epochs: the stopping rule starts watching at epoch 4.

    >>> import numpy as np
    >>> from sklatent import MutualInformationMachine
    >>> X = np.random.RandomState(0).normal(size=(200, 3))
    >>> mim = MutualInformationMachine(2, warmup_epochs=3, max_epochs=6, early_stopping=True,
    ...                                random_state=0).fit(X)
    >>> stopper = dict(mim.net_.callbacks_)["early_stopping"]
    >>> type(stopper).__name__, stopper.start_epoch, int(stopper.best_epoch_) > 3
    ('StopAfterWarmUp', 3, True)
    """

    def __init__(self, start_epoch=0, **kwargs):
        self.start_epoch = start_epoch
        super().__init__(**kwargs)

    def __getstate__(self):  # as skorch's: a pickled estimator does not carry the copies
        return {**super().__getstate__(), "_kept_states": None}

    def on_train_begin(self, net, **kwargs):
        super().on_train_begin(net, **kwargs)
        self.lowest_, self._kept_states = np.inf, None

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) <= self.start_epoch:
            return
        # skorch keeps the epoch of the last improvement larger than the threshold (``tol``):
        # with a large tol, the first of a slowly improving run. The epoch kept is the one with
        # the lowest monitored value; the threshold decides only when to stop.
        current = net.history[-1, self.monitor]
        lowest = current < self.lowest_
        self.lowest_ = min(current, self.lowest_)
        try:
            super().on_epoch_end(net, **kwargs)
        finally:
            self.best_model_weights_ = None  # skorch's copy of module_ alone: unused here
            if lowest:
                self.best_epoch_ = net.history[-1, "epoch"]
                if self.load_best:  # every module: an adversarial net's critic too
                    self._kept_states = net.module_states()

    def on_train_end(self, net, **kwargs):
        # skorch's restores ``module_`` only, and would pair the kept encoder with the last
        # epoch's critic (which a later partial_fit, or a saved model, continues from).
        if self.load_best and self._kept_states and self.best_epoch_ != net.history[-1, "epoch"]:
            net.load_module_states(self._kept_states)
            self._sink(f"Restoring best model from epoch {self.best_epoch_}.", net.verbose)


class WarmUp(Callback):
    """Ramp an objective's ``warmup_factor`` linearly from ``1/epochs`` to 1 over ``epochs``.

    At epoch ``e`` (counted from 1) the factor is ``min(1, e / epochs)``; with ``epochs=0`` it is 1
    throughout.

    Parameters
    ----------
    epochs : int
        Length of the ramp, in epochs.

    Examples
    --------
    Two epochs of a four-epoch warm-up leave the Mutual Information Machine's factor at half:

    >>> import torch
    >>> from sklatent.modules import VAEModule
    >>> from sklatent.objectives import MIMObjective
    >>> from sklatent.training import LatentNet, TensorData, WarmUp
    >>> net = LatentNet(VAEModule, MIMObjective(), module__n_features=3, module__n_components=1,
    ...                 module__hidden_layer_sizes=(), max_epochs=2, train_split=None,
    ...                 callbacks=[WarmUp(epochs=4)], verbose=0)
    >>> net.fit(TensorData({"X": torch.randn(32, 3)})).criterion_.warmup_factor
    0.5
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
        Epochs of the warm-up, whose weight the objective sets (1 for
        :class:`~sklatent.objectives.InvariantObjective`, 0 for
        :class:`~sklatent.objectives.DisentangledObjective`); 0 applies the full weight from
        the start.

    Examples
    --------
    With ``epochs=2``, the third epoch runs annealed
    (:class:`~sklatent.objectives.InvariantObjective` and
    :class:`~sklatent.objectives.DisentangledObjective` read the flag; others ignore it):

    >>> import torch
    >>> from sklatent.modules import VAEModule
    >>> from sklatent.objectives import BetaVAEObjective
    >>> from sklatent.training import Anneal, LatentNet, TensorData
    >>> net = LatentNet(VAEModule, BetaVAEObjective(), module__n_features=3,
    ...                 module__n_components=1, module__hidden_layer_sizes=(), max_epochs=3,
    ...                 train_split=None, callbacks=[Anneal(epochs=2)], verbose=0)
    >>> net.fit(TensorData({"X": torch.randn(32, 3)})).criterion_.annealed
    True
    """

    def __init__(self, epochs):
        self.epochs = epochs

    def on_train_begin(self, net, **kwargs):
        # partial_fit begins training at every call, with the decays this callback scaled:
        # each parameter group keeps its own decay beside the scaled one, or each call would
        # scale it again. The optimizer's state carries the key through pickles and copies.
        for group in _groups(net):
            group.setdefault("unscaled_weight_decay", group.get("weight_decay", 0.0))

    def on_epoch_begin(self, net, **kwargs):
        net.criterion_.annealed = len(net.history) > self.epochs
        scale = getattr(net.criterion_, "loss_scale", 1.0)
        for group in _groups(net):
            group["weight_decay"] = group["unscaled_weight_decay"] * scale


def _groups(net):
    return net.optimizer_.param_groups
