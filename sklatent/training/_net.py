"""The training engine: skorch's loop with tensor batching and named loss terms."""

import contextlib
import copy
import inspect
import math
from collections import OrderedDict

import torch
from skorch import NeuralNet
from skorch.callbacks import PassthroughScoring

from ..exceptions import TrainingDivergedError
from ._data import IndexBatches, TensorData
from ._interrupt import interrupts_reach_the_caller
from ._skorch_compat import is_print_log, module_names, set_training_mode

# Rows per forward pass at inference: large enough to keep the matrix products efficient, small
# enough to bound memory on millions of rows.
INFERENCE_BATCH_SIZE = 8192
# Rows of every forward pass at inference on the CPU (see LatentNet.apply): a fixed count makes
# each row's output independent of its batch. About the fastest chunk on a CPU too (measured:
# 23 ms for 32,000 rows of a (128, 64) encoder, 35 ms in chunks of 8,192); a one-row call costs
# a 1,024-row pass, under a millisecond for such a network.
CPU_INFERENCE_ROWS = 1024
# Rows whose outputs the check after a fit looks at (and the collapse warning reads): enough to
# see a non-finite or constant code; 8,192 rows cost 1% of a 2-second fit, these an eighth.
CHECKED_ROWS = 1024
# A training loss this many times its first batch's (or 1, if larger) has diverged though still
# finite: at a learning rate far too high, losses reach 1e18-1e28 and codes 1e6 while no value
# overflows. Healthy fits stay orders of magnitude below it, penalties at the papers' largest
# weights included.
DIVERGED_LOSS_FACTOR = 1e10


def _pad_rows(tensor, n_rows):
    """``tensor`` with zero rows appended up to ``n_rows`` rows."""
    missing = n_rows - len(tensor)
    if missing <= 0:
        return tensor
    return torch.cat([tensor, tensor.new_zeros((missing, *tensor.shape[1:]))])


def _term_scorings(prefix, names, on_train):
    """skorch callbacks that average each per-batch term into the epoch's history row."""
    return [
        (f"{prefix}_{name}", PassthroughScoring(name=f"{prefix}_{name}", on_train=on_train))
        for name in names
    ]


def floating_tensors(outputs, prefix="outputs"):
    """The floating-point tensors of a (nested) outputs dict or list, with their paths."""
    if isinstance(outputs, dict):
        for name, value in outputs.items():
            yield from floating_tensors(value, f"{prefix}[{name!r}]")
    elif isinstance(outputs, (list, tuple)):
        for index, value in enumerate(outputs):
            yield from floating_tensors(value, f"{prefix}[{index}]")
    elif isinstance(outputs, torch.Tensor) and outputs.is_floating_point():
        yield prefix, outputs


class LatentNet(NeuralNet):
    """A skorch ``NeuralNet`` that trains one objective on in-memory tensors.

    The module maps a batch dict to an outputs dict; the criterion is an
    :class:`~sklatent.objectives.Objective` that returns named terms. Every term is recorded per
    batch (``train_<term>``, ``valid_<term>``) and averaged per epoch by skorch's
    ``PassthroughScoring``, so early stopping, plots and users see each one. A loss that is not
    finite, or a training loss above ``DIVERGED_LOSS_FACTOR`` times the first training
    batch's (or 1, if larger), stops the fit with
    :class:`~sklatent.exceptions.TrainingDivergedError`.

    Parameters
    ----------
    module : torch.nn.Module class or instance
        The network, ``module(batch) -> outputs``.
    criterion : Objective instance
        The objective, ``criterion(outputs, batch) -> {"loss": ..., <term>: ...}``.
    seed : int, default=0
        Seed of the batch permutations (initialisation and sampling are seeded by the caller).
    stratify_by : str, default=None
        Name of an integer tensor of the data (``"groups"``): training batches then hold each
        of its values in proportion (:func:`~sklatent.training.stratified_order`).
    **kwargs
        Everything :class:`skorch.NeuralNet` accepts (``optimizer``, ``lr``, ``max_epochs``,
        ``batch_size``, ``train_split``, ``callbacks``, ``device``, ``verbose``, ...).

    Examples
    --------
    A beta-VAE trained for two epochs; each term of the objective has its history column.

    >>> import torch
    >>> from sklatent.modules import VAEModule
    >>> from sklatent.objectives import BetaVAEObjective
    >>> from sklatent.training import LatentNet, TensorData
    >>> _ = torch.manual_seed(0)
    >>> net = LatentNet(VAEModule, BetaVAEObjective(beta=1.0), module__n_features=4,
    ...                 module__n_components=2, module__hidden_layer_sizes=(8,), max_epochs=2,
    ...                 batch_size=16, train_split=None, verbose=0)
    >>> net = net.fit(TensorData({"X": torch.randn(64, 4)}))
    >>> columns = net.history[-1].keys()
    >>> [c for c in columns if c.startswith("train_") and not c.endswith(("_best", "_count"))]
    ['train_loss', 'train_reconstruction', 'train_kl']
    """

    def __init__(self, module, criterion, *, seed=0, stratify_by=None, **kwargs):
        self.seed = seed
        self.stratify_by = stratify_by
        super().__init__(module, criterion, **kwargs)

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        # skorch's partial_fit swallows a KeyboardInterrupt (its early-stopping signal): the
        # user's Ctrl+C must still stop the fit, a grid search and the restarts around it.
        with interrupts_reach_the_caller():
            return super().partial_fit(X, y, classes=classes, **fit_params)

    # ---- callbacks -------------------------------------------------------------------------
    def term_names(self):
        """Names of the objective's terms, recorded per batch and per epoch."""
        return tuple(self.criterion.term_names)

    def get_default_callbacks(self):
        # The term averages are scorings skorch runs before its epoch table (it puts PrintLog
        # after every other callback). A silent net does without the table, which skorch would
        # format every epoch regardless.
        defaults = [
            entry
            for entry in super().get_default_callbacks()
            if self.verbose or not is_print_log(entry)
        ]
        terms = self.term_names()
        return [
            *defaults,
            *_term_scorings("train", terms, on_train=True),
            *_term_scorings("valid", terms, on_train=False),
        ]

    # ---- optimisers --------------------------------------------------------------------------
    def get_params_for_optimizer(self, prefix, named_parameters):
        # torch's optimisers step one tensor at a time on the CPU unless told otherwise; the
        # multi-tensor ("foreach") step computes the same values (bitwise with torch 2.13, as a
        # test checks) with a fraction of the per-tensor calls: Adam's step on a (128, 64) VAE
        # takes 460 us instead of 590 us, a twentieth of a small model's fit. An explicit
        # setting of the user's wins.
        args, kwargs = super().get_params_for_optimizer(prefix, named_parameters)
        optimizer = getattr(self, prefix)
        if "foreach" in inspect.signature(optimizer).parameters:
            kwargs.setdefault("foreach", True)
        return args, kwargs

    # ---- data --------------------------------------------------------------------------------
    def get_dataset(self, X, y=None):
        return X if isinstance(X, TensorData) else TensorData(X)

    def get_iterator(self, dataset, training=False):
        # Validation batches have the training batches' size: a penalty that compares the rows
        # of a batch (an MMD between groups, a risk per environment) is then measured as it is
        # trained, and its kernel matrices stay batch-sized (at 8,192 rows they took GBs).
        # Seeded by the epochs trained so far: a continued fit (partial_fit, or a restart
        # trained on after its race) shuffles anew rather than replaying its first epochs.
        generator = None
        if training:
            generator = torch.Generator().manual_seed(self.seed + len(self.history))
        strata = dataset.tensors[self.stratify_by] if training and self.stratify_by else None
        return IndexBatches(
            dataset, self.batch_size, shuffle=training, generator=generator, strata=strata
        )

    def inference_batches(self, dataset):
        """Batches of ``dataset`` for a forward pass without a loss: large, in row order."""
        return IndexBatches(dataset, max(self.batch_size, INFERENCE_BATCH_SIZE))

    # ---- steps -------------------------------------------------------------------------------
    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        # Switch train/eval mode once per pass rather than in every step: walking the module
        # tree each batch was ~5% of a small model's fit.
        set_training_mode(self, training)
        return super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)

    def get_loss(self, y_pred, y_true=None, X=None, training=False):
        """Evaluate the objective on a batch, record its terms and return the loss to minimise."""
        terms = self.criterion_(y_pred, X)
        self.record_terms(terms, self.term_names(), "train" if training else "valid")
        return terms["loss"]

    def record_terms(self, terms, names, prefix, *, objective=True):
        """Record the named terms of one batch, stopping the fit if the loss is not finite or,
        for a training batch of the ``objective`` (not a critic's), exceeds
        ``DIVERGED_LOSS_FACTOR`` times the fit's first such loss (or 1, if larger)."""
        missing = [name for name in ("loss", *names) if name not in terms]
        if missing:  # of forward (term_names) or of critic_terms (critic_term_names)
            method = "forward" if objective else "critic_terms"
            raise KeyError(
                f"{type(self.criterion_).__name__}.{method} returned {sorted(terms)}, without "
                f"{missing}: 'loss' and every term it names are expected."
            )
        loss = terms["loss"].item()
        if not math.isfinite(loss):
            bad = [name for name, value in terms.items() if not torch.isfinite(value)]
            self._raise_diverged(f"the loss term(s) {bad} became non-finite")
        if objective and prefix == "train":
            first = self.__dict__.setdefault("_first_train_loss", abs(loss))
            if abs(loss) > DIVERGED_LOSS_FACTOR * max(first, 1.0):
                self._raise_diverged(f"the loss grew to {loss:.3g} from {first:.3g} at first")
        for name in names:
            self.history.record_batch(f"{prefix}_{name}", terms[name].item())

    def _raise_diverged(self, what):
        weights = ", ".join(f"{k}={v!r}" for k, v in self.criterion_.weights().items())
        epoch = len(self.history)
        raise TrainingDivergedError(
            f"Training diverged at epoch {epoch}: {what}. "
            f"The learning rate (lr={self.lr!r}) is the likely cause: lower it"
            + (f", or reduce the objective's weights ({weights})" if weights else "")
            + "; data far from unit scale also overflow (standardize X)."
            + (
                f" Also: {self.criterion_.divergence_hint}."
                if self.criterion_.divergence_hint
                else ""
            )
        )

    def check_finite_fit(self, dataset):
        """Raise :class:`~sklatent.exceptions.TrainingDivergedError` if the trained net is not
        finite: a weight, or an output on the first ``CHECKED_ROWS`` rows of ``dataset``;
        else return those outputs (in evaluation mode) and that batch.

        The loss of a batch is checked before its step; this catches a last step that
        overflowed the weights, or made them so large that the codes overflow, after the last
        loss was seen.
        """
        bad = [
            f"{name}.{key}"
            for name, module in self.torch_modules().items()
            for key, value in module.named_parameters()
            if not value.isfinite().all()
        ]
        outputs, batch = {}, {}
        if not bad:
            set_training_mode(self, False)
            batch = next(iter(IndexBatches(dataset, CHECKED_ROWS)))
            with torch.no_grad():
                outputs = self.module_(batch)
            bad = [name for name, value in floating_tensors(outputs) if not value.isfinite().all()]
        if bad:
            raise TrainingDivergedError(
                f"Training diverged: after the last step, {', '.join(bad[:3])} are not finite. "
                f"The learning rate (lr={self.lr!r}) is the likely cause: lower it; data far "
                "from unit scale also overflow (standardize X)."
            )
        return outputs, batch

    def forward_context(self):
        """Context of every training forward pass (mixed precision under an accelerator)."""
        return contextlib.nullcontext()

    def backward(self, loss):
        """Back-propagate ``loss`` (an accelerator scales it for mixed precision)."""
        loss.backward()

    def train_step_single(self, batch, **fit_params):
        with self.forward_context():
            outputs = self.module_(batch)
            loss = self.get_loss(outputs, X=batch, training=True)
        self.backward(loss)
        return {"loss": loss, "y_pred": outputs}

    def validation_step(self, batch, **fit_params):
        with torch.no_grad():
            outputs = self.module_(batch)
            loss = self.get_loss(outputs, X=batch, training=False)
        return {"loss": loss, "y_pred": outputs}

    def torch_modules(self):
        """The net's torch modules by name (``{"module": ..., "critic": ...}``), for saving."""
        return {name: getattr(self, name + "_") for name in module_names(self)}

    def module_states(self):
        """Copies of every module's weights by name (an adversarial net's critic too), which
        :meth:`load_module_states` restores."""
        return {
            name: copy.deepcopy(module.state_dict())
            for name, module in self.torch_modules().items()
        }

    def load_module_states(self, states):
        """Load weights by module name (:meth:`module_states`, or another net's state dicts)."""
        modules = self.torch_modules()
        for name, state in states.items():
            modules[name].load_state_dict(state)

    def training_state(self):
        """Copies of every module's weights and every optimiser's state, which
        :meth:`restore_training_state` puts back (the history is the caller's to trim)."""
        optimizers = {
            name: copy.deepcopy(getattr(self, f"{name}_").state_dict())
            for name in self._optimizers
            if hasattr(self, f"{name}_")
        }
        return {"modules": self.module_states(), "optimizers": optimizers}

    def restore_training_state(self, state):
        """Put back a :meth:`training_state`: every module's weights and optimiser's state."""
        self.load_module_states(state["modules"])
        for name, optimizer_state in state["optimizers"].items():
            getattr(self, f"{name}_").load_state_dict(optimizer_state)

    # ---- inference ---------------------------------------------------------------------------
    def apply(self, tensors, fn):
        """Apply ``fn(module, batch) -> tensor`` to every row in evaluation mode, batch by batch.

        On the CPU every pass has exactly ``CPU_INFERENCE_ROWS`` rows (the last batch is
        padded with zero rows, whose outputs are dropped), so that a row's output does not
        depend on the other rows it is batched with: a matrix product's kernel, and so its
        rounding, depends on the number of rows (one row differs from many by about 1e-7),
        which would make ``transform(X)[:1]`` differ from ``transform(X[:1])``.

        Parameters
        ----------
        tensors : dict of str to torch.Tensor
            The inputs, on the net's device.
        fn : callable
            Maps the trained module and a batch dict to a tensor with one row per input row.

        Returns
        -------
        torch.Tensor
            The outputs of every batch, concatenated.
        """
        set_training_mode(self, False)
        data = TensorData(tensors)
        with torch.no_grad():
            if self.device_type() != "cpu":
                return torch.cat(
                    [fn(self.module_, batch) for batch in self.inference_batches(data)]
                )
            outputs = []
            for batch in IndexBatches(data, CPU_INFERENCE_ROWS):
                n_rows = len(next(iter(batch.values())))
                padded = {
                    name: _pad_rows(value, CPU_INFERENCE_ROWS) for name, value in batch.items()
                }
                outputs.append(fn(self.module_, padded)[:n_rows])
            return torch.cat(outputs)

    def device_type(self):
        """The type of device the module's weights live on (``"cpu"``, ``"cuda"``, ...)."""
        parameter = next(self.module_.parameters(), None)
        return "cpu" if parameter is None else parameter.device.type


class _NoOptimizer(torch.optim.Optimizer):
    """The optimizer slot of a net that only encodes (:func:`initialized_to_encode`).

    An ``Optimizer`` to skorch (which registers optimizers by type), holding no parameters;
    ``Optimizer.__init__`` is not called, as it is what imports ``torch._dynamo``, so the hook
    tables it would create are set here.
    """

    def __init__(self, params, **kwargs):
        self.defaults, self.state, self.param_groups = {}, {}, []
        for hooks in (
            "_optimizer_step_pre_hooks",
            "_optimizer_step_post_hooks",
            "_optimizer_state_dict_pre_hooks",
            "_optimizer_state_dict_post_hooks",
            "_optimizer_load_state_dict_pre_hooks",
            "_optimizer_load_state_dict_post_hooks",
        ):
            setattr(self, hooks, OrderedDict())

    def _refuse(self, *args, **kwargs):
        raise RuntimeError("a net restored to encode does not train: fit builds its own")

    step = state_dict = load_state_dict = _refuse


def initialized_to_encode(net):
    """``net.initialize()`` without torch optimizers, for a net rebuilt from saved weights.

    Such a net never trains (``fit`` and ``partial_fit`` build nets of their own and copy the
    weights); and a process's first torch optimizer imports ``torch._dynamo``, about a second
    on two cores: most of the time of loading a model, for nothing. The net's parameters keep
    naming the real optimizers.
    """
    optimizers = {
        name: value
        for name, value in vars(net).items()
        if isinstance(value, type) and issubclass(value, torch.optim.Optimizer)
    }
    for name in optimizers:
        # Not set_params: it checks the optimizers' own parameters (``optimizer__*``) against
        # the prefixes that the net registers only as it initialises. A class is set plainly.
        setattr(net, name, _NoOptimizer)
    net.initialize()
    for name, optimizer in optimizers.items():
        setattr(net, name, optimizer)
    return net
