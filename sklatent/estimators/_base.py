"""What every sklatent estimator shares: training parameters, validation, fitting and encoding."""

from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_array

from .._batch import FEATURES
from .._config import get_config
from ..training import LatentNet, RandomSplit, TensorData, accelerated, training_callbacks
from ..training._net import initialized_to_encode
from ..utils._sklearn_compat import (
    HasMethods,
    Interval,
    StrOptions,
    check_is_fitted,
    validate_data,
)
from ..utils._torch import (
    as_float_tensor,
    fit_runtime,
    float32_default,
    inference_runtime,
    random_stream,
    resolve_device,
    seeded,
    torch_seed,
)
from ..utils._validation import check_hidden_layer_sizes, check_numeric_columns
from ._budget import MIN_AUTO_BATCH_SIZE, training_budget
from ._fit_guard import UnfittedIfFailedMixin
from ._fit_records import (
    _copied_callbacks,
    _unnamed,
    _warm_up_epochs,
    _warn_if_collapsed,
    _warn_if_heads_learned_nothing,
    _warn_if_terms_never_acted,
)
from ._incremental import IncrementalFitMixin
from ._renamed import upgrade_pickled_state
from ._restarts import RestartsMixin, race_epochs

_SHARED_PARAMETER_CONSTRAINTS = {
    "n_components": [Interval(Integral, 1, None, closed="left")],
    "hidden_layer_sizes": ["array-like"],
    "max_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "lr": [Interval(Real, 0, None, closed="neither")],
    "device": [str, torch.device],
    "accelerator": [HasMethods(["prepare", "backward", "autocast"]), None],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
    "callbacks": [list, None],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
    "early_stopping": ["boolean", StrOptions({"auto"})],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "tol": [Interval(Real, 0, None, closed="left")],
}


class LatentTransformer(
    UnfittedIfFailedMixin,
    IncrementalFitMixin,
    RestartsMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    BaseEstimator,
    metaclass=ABCMeta,
):
    """Base class of the sklatent estimators: a transformer that owns a trained skorch net.

    Subclasses set ``_parameter_constraints`` (starting from ``_SHARED_PARAMETER_CONSTRAINTS``),
    and implement ``_make_module`` and ``_make_objective`` from their parameters and the fitted
    input width. This class turns the shared training parameters into a skorch net
    (:class:`~sklatent.training.LatentNet` unless ``_net_class`` says otherwise), fits it
    reproducibly, and encodes new data with the module's ``encode``.

    It *has* a net (``net_``) rather than being one: only its own parameters are in ``get_params``.
    """

    _net_class = LatentNet
    #: Smallest batch of ``batch_size="auto"``: presets whose penalties compare groups within
    #: a batch (an MMD between sensitive groups, a risk per environment) need more rows.
    _min_auto_batch_size = MIN_AUTO_BATCH_SIZE
    #: What training rows are, in errors: plural and singular (MechanismEncoder's are
    #: transitions). "1 sample" is the wording scikit-learn's check_fit2d_1sample accepts.
    _training_rows = ("training samples", "sample")
    #: Private attributes set in ``fit`` that ``_make_module``/``_make_objective`` read; saved by
    #: :func:`sklatent.save` beside the public fitted attributes.
    _persisted_state = ()

    def __setstate__(self, state):
        # A pickle of an earlier release holds renamed parameters under their former names.
        super().__setstate__(upgrade_pickled_state(type(self), state))

    # ---- hooks for subclasses ----------------------------------------------------------------
    @abstractmethod
    def _make_module(self):
        """The torch module for the current parameters and fitted input width."""

    @abstractmethod
    def _make_objective(self):
        """The :class:`~sklatent.objectives.Objective` for the current parameters."""

    def _net_kwargs(self):
        """Extra keyword arguments for the net class (the critic of an adversarial net)."""
        return {}

    def _objective_callbacks(self, budget):
        """Callbacks the objective needs (schedules such as a warm-up), before the user's.

        ``budget`` is the fit's :class:`TrainingBudget` (a callback that stops the fit takes its
        patience). A callback with an ``epochs`` attribute is a warm-up: the stopping rules
        start watching the loss after it.
        """
        return []

    def _check_batches(self, budget, n_samples):
        """Warn about a fit's resolved budget on ``n_samples`` rows (nothing to say here)."""

    def _penalised_fit(self):
        """Whether this fit's objective has an active penalty on the code, whose stopping
        rules wait for the automatic budget's first steps (see ``MIN_STEPS_BEFORE_STOPPING``)."""
        return False

    def _read_fitted(self):
        """Record what a fit learned (fitted attributes read from ``net_``), after every
        ``fit`` and ``partial_fit``; nothing here."""

    def _held_out_fraction(self):
        """Share of rows the estimator itself needs held out when ``validation_fraction`` is
        None (to rank restarts by held-out loss), or None."""
        return None

    # ---- validation --------------------------------------------------------------------------
    def _validate_X(self, X, *, reset, ensure_all_finite=True):
        check_numeric_columns(X)
        dtype = [np.float64, np.float32]
        return validate_data(self, X, dtype=dtype, ensure_all_finite=ensure_all_finite, reset=reset)

    @property
    def _n_features_out(self):
        check_is_fitted(self, "net_")  # get_feature_names_out takes its presence as the check
        # The width as fitted: set_params(n_components=...) changes the next fit only. (A
        # subclass's own module, or one pickled before modules recorded it, may not say.)
        return getattr(self.net_.module_, "n_components", self.n_components)

    # ---- fitting -----------------------------------------------------------------------------
    def _build_net(
        self, seed, device, *, n_samples=None, accelerator=None, split_seed=None, incremental=False
    ):
        """The skorch net for the current parameters, not yet initialised.

        ``n_samples`` rows will train it (before the validation split): with the ``"auto"``
        training parameters they size the budget (:func:`training_budget`). With an
        ``accelerator`` the net is skorch's accelerated variant and the accelerator places the
        modules, so the net itself gets no device. The validation rows are drawn with
        ``split_seed`` (``seed`` when None). An ``incremental`` net (``partial_fit``) trains one
        epoch a call on all the rows it is given: no validation split, no stopping rule.
        """
        split_seed = seed if split_seed is None else split_seed
        budget = training_budget(
            n_samples,
            batch_size=self.batch_size,
            max_epochs=1 if incremental else self.max_epochs,
            early_stopping=False if incremental else self.early_stopping,
            validation_fraction=(
                None
                if incremental
                else self._held_out_fraction()
                if self.validation_fraction is None
                else self.validation_fraction
            ),
            n_iter_no_change=self.n_iter_no_change,
            min_batch_size=self._min_auto_batch_size,
        )
        fraction = budget.validation_fraction
        self._check_batches(budget, n_samples)
        objective_callbacks = self._objective_callbacks(budget)
        # A callback that tunes a weight of the objective (HeldOutBound) stops the fit itself:
        # the loss, which changes with the weight, is no stopping signal then.
        loss_stops = not any(
            getattr(callback, "stops_training", False) for callback in _unnamed(objective_callbacks)
        )
        net_class, placement = self._net_class, {"device": device}
        if accelerator is not None:
            net_class, placement = accelerated(net_class), {"accelerator": accelerator}
        objective = self._make_objective()
        return net_class(
            self._make_module(),
            objective,
            seed=seed,
            optimizer=torch.optim.Adam,
            lr=self.lr,
            max_epochs=budget.max_epochs,
            batch_size=budget.batch_size,
            train_split=None if fraction is None else RandomSplit(fraction, split_seed),
            callbacks=training_callbacks(
                early_stopping=budget.early_stopping and loss_stops,
                stop_on_train_loss=budget.stop_on_train_loss and loss_stops,
                n_iter_no_change=budget.patience,
                tol=self.tol,
                verbose=self.verbose,
                # The stopping rules watch the objective after its warm-up, and a penalised
                # fit's after an automatic budget's first steps.
                monitor_from_epoch=max(
                    _warm_up_epochs(objective_callbacks),
                    budget.stop_from_epoch if self._penalised_fit() else 0,
                ),
                monitor=objective.stopping_monitor(),
                extra=[*objective_callbacks, *_copied_callbacks(self.callbacks)],
            ),
            verbose=int(self.verbose),
            **placement,
            **self._net_kwargs(),
        )

    def _training_device(self):
        """The device of this fit: the accelerator's when there is one, else ``device``'s."""
        if self.accelerator is None:
            return resolve_device(self.device)
        if not (isinstance(self.device, str) and self.device == "auto"):
            raise ValueError(
                f"device={self.device!r} and an accelerator were both given: the accelerator "
                "places the model; leave device='auto'."
            )
        return self.accelerator.device

    def _fit_net(self, tensors, *, seed=None, split_seed=None, race=False, net=None):
        """Train a fresh net on ``tensors`` (a dict of device tensors) and keep it as ``net_``.

        ``seed`` drives the fit's torch randomness (drawn from ``random_state`` when None);
        ``split_seed`` the validation split (``seed`` when None). The modules are initialised
        from ``seed`` and every later random number (sampling, dropout, permutations, batch
        order) comes from generators of this fit's own, so that the same seed gives the same
        model in any thread and the caller's torch generator is left as it was. The fit runs
        under the thread limit of :func:`sklatent.set_config`. Call it inside
        :meth:`_unfitted_if_failed`.

        For a race of restarts (:meth:`_fit_best_of`): with ``race=True``, the fresh net trains
        only the race's share of its budget's epochs; given a ``net`` (fitted by this method
        with the same ``seed``), that net trains the rest of its budget instead of a fresh one.
        """
        device = self._training_device()
        seed = torch_seed(self.random_state) if seed is None else seed
        data = TensorData({name: value.to(device) for name, value in tensors.items()})
        if len(data) < 2:  # one row has no spread: the scales and the fit's checks need two
            rows, row = self._training_rows
            raise ValueError(f"A fit needs at least 2 {rows}, got {len(data)} {row}.")
        with fit_runtime(get_config()["torch_threads"]):
            if net is None:
                net = self._initialized_net(seed, device, len(data), split_seed=split_seed)
                epochs = race_epochs(net) if race else None
            else:
                epochs = net.max_epochs - len(net.history)
            # A continued net draws a stream of its own: its epochs do not repeat the first.
            with random_stream(seed + len(net.history)):
                # skorch's fit is initialize + partial_fit; the modules are initialised.
                net.partial_fit(data, epochs=epochs)
            outputs, batch = net.check_finite_fit(data)
        _warn_if_collapsed(outputs, net)
        _warn_if_terms_never_acted(net)
        _warn_if_heads_learned_nothing(outputs, batch, getattr(net.module_, "views", None))
        self.__dict__.pop("_incremental_", None)  # partial_fit starts anew from these weights
        self.net_ = net
        self.n_iter_ = len(net.history)
        return self

    def _initialized_net(self, seed, device, n_samples, **build):
        """A net for a fit on ``n_samples`` rows (``build``: see :meth:`_build_net`), its modules
        initialised from ``seed``."""
        self._hidden_layer_sizes = check_hidden_layer_sizes(self.hidden_layer_sizes)
        with seeded(seed, device):  # the modules draw their initial weights
            net = self._build_net(
                seed, device, n_samples=n_samples, accelerator=self.accelerator, **build
            )
            return net.initialize()

    def _restore_net(self, state_dicts):
        """Rebuild ``net_`` from saved weights (see :func:`sklatent.load`).

        The restored net is a plain one on the training device: an accelerator matters for
        training only.
        """
        self._hidden_layer_sizes = check_hidden_layer_sizes(self.hidden_layer_sizes)
        device = self._training_device()
        with seeded(0, device), float32_default():
            net = initialized_to_encode(self._build_net(0, device))
        net.load_module_states(state_dicts)
        self.net_ = net
        return self

    @property
    def _device(self):
        """The device of the trained modules, where inputs of ``transform`` go."""
        accelerator = getattr(self.net_, "accelerator", None)
        return self.net_.device if accelerator is None else accelerator.device

    @property
    def history_(self):
        """The training history: one row per epoch with each loss term (skorch ``History``)."""
        check_is_fitted(self, "net_")
        return self.net_.history

    # ---- encoding ----------------------------------------------------------------------------
    def _to_tensor(self, X):
        return as_float_tensor(X, self._device)

    def _validated_rows(self, X):
        """Check fitted and ``X`` like the fit's; return ``(X, {"X": tensor on the device})``."""
        check_is_fitted(self, "net_")
        X = self._validate_X(X, reset=False)
        return X, {FEATURES: self._to_tensor(X)}

    def _validated_codes(self, X, n_columns):
        """Check the estimator is fitted and ``X`` holds codes of ``n_columns`` columns."""
        check_is_fitted(self, "net_")
        Z = check_array(X, dtype=[np.float64, np.float32], input_name="X")
        if Z.shape[1] != n_columns:
            raise ValueError(
                f"inverse_transform expects codes with {n_columns} columns, got {Z.shape[1]}."
            )
        return Z

    def _inference_runtime(self):
        """The torch thread limit of :func:`sklatent.set_config` and float32 as torch's default
        dtype, around inference as around a fit."""
        return inference_runtime(get_config()["torch_threads"])

    def _apply(self, tensors, fn, dtype):
        """Run ``fn(module, batch)`` over all rows and return a numpy array of ``dtype``
        (:meth:`_refuse_non_finite` checks the network's outputs first)."""
        with self._inference_runtime():
            outputs = self.net_.apply(tensors, fn)
        self._refuse_non_finite([outputs], tensors)
        return outputs.cpu().numpy().astype(dtype, copy=False)

    @staticmethod
    def _refuse_non_finite(outputs, inputs):
        """Raise a ValueError if a row of the network's ``outputs`` (tensors, one row per input
        row) is not finite: inputs far outside the fitted range (1e30 for a model fitted on
        standardised columns) overflow float32 inside the network, and NaN codes or
        probabilities would pass on silently. A result computed from finite outputs in
        float64 (an ELBO) may still be infinite: that is a score, not an overflow."""
        finite = None
        for tensor in outputs:
            rows = torch.isfinite(tensor.reshape(len(tensor), -1)).all(dim=1)
            finite = rows if finite is None else finite & rows
        if finite is None or bool(finite.all()):
            return
        finite = finite.cpu().numpy()
        values = [t for t in inputs.values() if t.is_floating_point() and t.numel()]
        largest = max((float(t.abs().max()) for t in values), default=float("nan"))
        raise ValueError(
            f"The model's outputs are not finite for {int((~finite).sum())} of {len(finite)} "
            f"rows (the first: row {int(np.argmin(finite))}): their values (largest magnitude "
            f"{largest:.3g}) lie so far outside the data the model was fitted on that its "
            "float32 arithmetic overflows. Scale them as the training data were scaled."
        )

    def transform(self, X):
        """Encode ``X``: the posterior mean of each row's latent code.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to encode.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
            The codes, in the float dtype of ``X``.
        """
        X, tensors = self._validated_rows(X)
        return self._apply(tensors, lambda module, b: module.encode(b), X.dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
