"""A weight of the objective tuned during training until a held-out measurement meets a bound."""

import inspect
import math

from skorch.callbacks import Callback


class HeldOutBound(Callback):
    r"""Tune one weight of the objective so that a measurement on held-out rows meets a bound.

    The weight :math:`\lambda` is the Lagrange multiplier of the constraint
    :math:`g \le \epsilon`, where :math:`g` is estimated on the validation rows after every
    epoch, as :math:`\hat g` with standard error :math:`\sigma`. It follows exponentiated
    gradient ascent on the dual (the multiplier update of Agarwal et al. 2018's reductions
    approach to fair classification, here on a representation), moved only by evidence:

    .. math::

        \lambda \leftarrow \lambda \exp\big(\eta\, (\hat g - \sigma - \epsilon)/\epsilon\big)
        \ \text{if}\ \hat g - \sigma > \epsilon, \qquad
        \lambda \leftarrow \lambda \exp\big(\eta_\downarrow (\hat g + \sigma - \epsilon)
        /\epsilon\big)\ \text{if}\ \hat g + \sigma < \epsilon,

    and kept otherwise, clipped to :math:`[\lambda_{\min}, \lambda_{\max}]`. The relative step
    makes neither the bound's nor the weight's scale matter; the dead zone of one standard
    error keeps the noise of an estimate on few rows from driving the weight up without end;
    the smaller step downwards keeps the first epochs, where an untrained model meets almost any
    bound (it predicts one class), from pulling the weight far down.

    An epoch meets the bound when :math:`\hat g + \min(\sigma, \epsilon/2) \le \epsilon` (a
    margin for the estimate's noise, capped so that a bound stays reachable on few rows). Among
    those epochs the one with the highest held-out utility is kept, and its weights are restored
    when training ends; when none meets the bound, the one with the smallest
    :math:`\hat g + \min(\sigma, \epsilon/2)`. Training stops at the first epoch that meets the
    bound ``patience`` or more epochs after the last improvement of the kept epoch (after
    ``max_epochs`` at the latest); the loss-based stopping rules are off, since the loss changes
    with the weight.

    Parameters
    ----------
    weight_name : str
        The attribute of the objective (``net.criterion_``) that is tuned.
    measure : callable
        ``measure(net, dataset_valid) -> (estimate, standard_error, utility)``: the constrained
        quantity, its standard error and the utility (higher is better) on the validation rows.
        A measure with a ``dataset_train`` parameter also gets the training rows, by that
        keyword (for a measurement that fits a model, such as a classifier refitted on the
        codes).
    bound : float
        :math:`\epsilon`, the largest acceptable value (> 0).
    step : float, default=1.0
        :math:`\eta` of the multiplier's update while the bound is exceeded.
    step_down : float, default=0.1
        :math:`\eta_\downarrow`, while it is met.
    patience : int, default=10
        Epochs without a better kept epoch before training stops.
    min_weight, max_weight : float, default=1e-2, 1e4
        Bounds of the weight.

    Attributes
    ----------
    best_epoch_ : int
        The epoch (counted from 1) whose weights were kept.
    best_value_, best_utility_, best_weight_ : float
        Its estimate plus the margin for noise, its utility and the weight it trained with.
    met_ : bool
        Whether the kept epoch meets the bound.

    Examples
    --------
    A measurement that falls as the weight grows: the multiplier rises until the bound holds.

    >>> from types import SimpleNamespace
    >>> from skorch.history import History
    >>> def measure(net, dataset):
    ...     return 1 / net.criterion_.weight, 0.01, 0.0
    >>> bound = HeldOutBound("weight", measure, 0.25)
    >>> net = SimpleNamespace(criterion_=SimpleNamespace(weight=1.0), history=History(),
    ...                       module_states=dict)  # a net without modules
    >>> bound.on_train_begin(net)
    >>> for epoch in range(6):
    ...     net.history.new_epoch()
    ...     bound.on_epoch_end(net, dataset_train=None, dataset_valid=None)
    >>> bound.met_, net.criterion_.weight > 4
    (True, True)
    """

    #: The loss-based stopping rules of the fit are off while this callback runs.
    stops_training = True

    def __init__(
        self,
        weight_name,
        measure,
        bound,
        *,
        step=1.0,
        step_down=0.1,
        patience=10,
        min_weight=1e-2,
        max_weight=1e4,
    ):
        self.weight_name = weight_name
        self.measure = measure
        self.bound = bound
        self.step = step
        self.step_down = step_down
        self.patience = patience
        self.min_weight = min_weight
        self.max_weight = max_weight

    def on_train_begin(self, net, **kwargs):
        self.best_epoch_, self.met_ = None, False
        self.best_value_ = self.best_utility_ = self.best_weight_ = math.nan
        self._best_state = None
        self._wants_training_rows = "dataset_train" in inspect.signature(self.measure).parameters

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        extra = {"dataset_train": dataset_train} if self._wants_training_rows else {}
        estimate, error, utility = self.measure(net, dataset_valid, **extra)
        value = estimate + min(error, self.bound / 2)
        weight = getattr(net.criterion_, self.weight_name)
        epoch = len(net.history)
        net.history.record("valid_bounded_value", value)
        net.history.record(self.weight_name, weight)
        if self._improves(value, utility):
            self.best_epoch_, self.met_ = epoch, value <= self.bound
            self.best_value_, self.best_utility_, self.best_weight_ = value, utility, weight
            self._best_state = net.module_states()
        setattr(net.criterion_, self.weight_name, self._updated(weight, estimate, error))
        # Stop once the bound holds again after `patience` epochs without a better kept epoch:
        # while it is exceeded, the multiplier is still rising towards it.
        if self.met_ and value <= self.bound and epoch - self.best_epoch_ >= self.patience:
            raise KeyboardInterrupt  # skorch's way to end a fit early, as EarlyStopping does

    def _updated(self, weight, estimate, error):
        if estimate - error > self.bound:
            weight *= math.exp(self.step * (estimate - error - self.bound) / self.bound)
        elif estimate + error < self.bound:
            weight *= math.exp(self.step_down * (estimate + error - self.bound) / self.bound)
        return min(self.max_weight, max(self.min_weight, weight))

    def _improves(self, value, utility):
        """A met bound beats an unmet one; among met ones, utility; among unmet, the value."""
        if self.best_epoch_ is None:
            return True
        if value <= self.bound:
            return not self.met_ or utility > self.best_utility_
        return not self.met_ and value < self.best_value_

    def on_train_end(self, net, **kwargs):
        net.load_module_states(self._best_state or {})
        if self._best_state and net.verbose:  # as early stopping says which epoch it kept
            print(
                f"Restoring epoch {self.best_epoch_} ({self.weight_name} "
                f"{self.best_weight_:.3g}, held-out value {self.best_value_:.4f} against the "
                f"bound {self.bound:g})."
            )
        self._best_state = None
