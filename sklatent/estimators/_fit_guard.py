"""A failed fit leaves the estimator unfitted: no earlier model beside this fit's attributes."""

from contextlib import contextmanager

#: What loading fitted weights into a net built from changed parameters raises: torch's size
#: mismatch, or a module the parameters no longer have (an adversary's critic).
NETWORK_MISMATCH = (RuntimeError, KeyError)


def changed_network_error(estimator, error, consequence):
    """The ValueError for fitted weights that the current parameters no longer describe (changed
    with ``set_params`` after fit); ``consequence`` says what cannot be done, ``error`` why."""
    return ValueError(
        f"This {type(estimator).__name__}'s parameters no longer describe its fitted network "
        f"(changed with set_params after fit?), {consequence}. "
        f"({str(error).splitlines()[-1].strip()})"
    )


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

    @contextmanager
    def _fitting_anew(self):
        """A fit from scratch: an earlier fit's attributes are forgotten first, so that a refit
        under other parameters keeps none that it does not set itself (MechanismEncoder's
        ``offsets_`` after a refit with a known mechanism), and the estimator is left unfitted
        if the fit raises."""
        self._discard_fit()
        with self._unfitted_if_failed():
            yield

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
