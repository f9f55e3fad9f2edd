"""A failed fit leaves the estimator unfitted: no earlier model beside this fit's attributes."""

from contextlib import contextmanager


class UnfittedIfFailedMixin:
    """Discards the fitted attributes (``*_`` and the class's ``_persisted_state``) of a fit
    that raises."""

    @contextmanager
    def _unfitted_if_failed(self, starts_anew=True):
        """Leave the estimator unfitted if the block raises, its checks of the data included,
        rather than holding an earlier fit's model beside some of this fit's attributes.

        With ``starts_anew=False`` (a ``partial_fit`` continuing earlier calls) a refused chunk
        leaves the model as it was, and so does a failure in training (``_partial_fit_net``
        restores it).
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
