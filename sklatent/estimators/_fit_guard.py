"""A failed fit leaves the estimator unfitted: no earlier model beside this fit's attributes;
a failed ``partial_fit`` call leaves the model as it was before it."""

from contextlib import contextmanager


class UnfittedIfFailedMixin:
    """Discards the fitted attributes (``*_`` and the class's ``_persisted_state``) of a fit
    that raises."""

    @contextmanager
    def _unfitted_if_failed(self, starts_anew=True):
        """Leave the estimator unfitted if the block raises, its checks of the data included,
        rather than holding an earlier fit's model beside some of this fit's attributes.

        With ``starts_anew=False`` (a ``partial_fit`` continuing earlier calls) a refused chunk
        leaves the model as it was; a failure in training discards it (:meth:`_partial_fit_net`).
        """
        try:
            yield
        except BaseException:
            if starts_anew:
                self._discard_fit()
            raise

    def _validate_params(self):
        # scikit-learn's fit checks the parameters before its body: a refit that fails there
        # must not leave the earlier model usable beside the parameters that were refused.
        with self._unfitted_if_failed():
            super()._validate_params()

    def _discard_fit(self):
        """Forget every fitted attribute, so that a failed fit leaves the estimator unfitted."""
        for name in list(vars(self)):
            if (name.endswith("_") and not name.startswith("__")) or name in self._persisted_state:
                delattr(self, name)

    def _restore_before_chunk(self, net, incremental, state):
        """After a failed ``partial_fit`` call: the model as it was before the call (``net``,
        whether it was training incrementally, and its ``training_state()`` if so); after a
        failed first call, none."""
        if net is None:
            self._discard_fit()
            return
        if state is not None:
            net.restore_training_state(state)
        else:  # the call continued a fit: only its history (shared with the fit's) moved
            del net.history[self.n_iter_ :]
        self.net_, self._incremental_, self.n_iter_ = net, incremental, len(net.history)
