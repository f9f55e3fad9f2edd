"""``partial_fit``'s training: one epoch per chunk, continuing earlier calls, and a failed call
undone."""

from .._config import get_config
from ..training import TensorData
from ..utils._torch import fit_runtime, random_stream, torch_seed
from ._fit_guard import NETWORK_MISMATCH, changed_network_error
from ._fit_records import _forget_batch_records, _warn_if_collapsed, _warn_if_terms_never_acted


class IncrementalFitMixin:
    """``_partial_fit_net``: the shared training step of every estimator's ``partial_fit``."""

    def _partial_fit_net(self, tensors):
        """Train one epoch on ``tensors`` (a chunk of rows), continuing earlier calls.

        The first call builds the net: its modules, and its batch size (``"auto"``: from the
        first chunk's rows). Later calls continue it with its optimiser's state. After ``fit``
        (or :func:`sklatent.load`), the first call continues from the fitted weights and
        history (``n_iter_`` counts on) with a fresh optimiser. Each call draws its batches and
        noise from ``random_state`` and the number of epochs trained so far, so the same chunks
        in the same order give the same model. The history keeps every call's averages but the
        per-batch records of the last call only: memory stays flat over any number of chunks.
        The fitted attributes are read after training (``_read_fitted``). A call that fails
        leaves the model as it was before it (the first call: unfitted); one interrupted
        (Ctrl+C) keeps what it trained.
        """
        before = self._state_before_chunk()
        try:
            device = self._training_device()
            data = TensorData({name: value.to(device) for name, value in tensors.items()})
            seed = torch_seed(self.random_state)
            with fit_runtime(get_config()["torch_threads"]):
                incremental = getattr(self, "_incremental_", False)
                continues_fit = not incremental and hasattr(self, "net_")
                if not incremental:
                    net = self._initialized_net(seed, device, len(data), incremental=True)
                    if continues_fit:  # from the weights of fit or load
                        self._load_fitted_states(net)
                        net.history = self.net_.history  # and its count of epochs (n_iter_)
                    self.net_, self._incremental_ = net, True
                net = self.net_
                with random_stream(seed + len(net.history)):
                    net.partial_fit(data, epochs=1)
                outputs, _ = net.check_finite_fit(data)
                self._read_fitted()
                # The last call's per-batch records only (a fit's: all of them), once it holds.
                _forget_batch_records(net.history[:-1] if continues_fit else net.history[-2:-1])
        except KeyboardInterrupt:  # the user's Ctrl+C: the chunks trained before stay
            if hasattr(self, "net_"):
                self.n_iter_ = len(self.net_.history)
            raise
        except BaseException:
            self._restore_before_chunk(before)
            raise
        if len(net.history) == 1:
            _warn_if_collapsed(outputs, net, judge_posterior=False)  # one chunk: constant codes
        _warn_if_terms_never_acted(net, net.history[-1:])  # this chunk's
        self.n_iter_ = len(net.history)
        return self

    def _load_fitted_states(self, net):
        """Load the fitted modules' weights into ``net``, built from the current parameters."""
        fitted = self.net_.torch_modules()
        # The divergence check compares each loss with the fit's first, not this chunk's.
        reference = vars(self.net_).get("_first_train_loss")
        if reference is not None:
            net._first_train_loss = reference
        try:
            net.load_module_states({name: m.state_dict() for name, m in fitted.items()})
        except NETWORK_MISMATCH as exc:
            raise changed_network_error(
                self,
                exc,
                "which partial_fit would continue: call fit to train one with them, "
                "or set them back",
            ) from exc

    def _state_before_chunk(self):
        """What a failed call restores: the estimator's attributes (the net and what was read
        from it), the net's training state and epochs, and a ``RandomState``'s state (each call
        draws its seed from it)."""
        net, incremental = getattr(self, "net_", None), getattr(self, "_incremental_", False)
        draws = getattr(self.random_state, "get_state", None)
        return {
            "attributes": dict(vars(self)),
            "training": net.training_state() if incremental else None,
            "epochs": None if net is None else len(net.history),
            "random_state": draws() if draws else None,
        }

    def _restore_before_chunk(self, before):
        """After a failed call: the estimator as it was before it (after a failed first call,
        unfitted)."""
        if before["random_state"] is not None:
            self.random_state.set_state(before["random_state"])
        net = before["attributes"].get("net_")
        if before["training"] is not None:
            net.restore_training_state(before["training"])
        if net is not None:  # the history (shared with a fit's, when the call continued one)
            del net.history[before["epochs"] :]
        # Only what the call added goes, so that no one reading the estimator meanwhile finds
        # it empty.
        for name in set(vars(self)) - set(before["attributes"]):
            delattr(self, name)
        vars(self).update(before["attributes"])
