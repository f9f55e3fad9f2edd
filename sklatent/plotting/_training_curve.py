"""Training curves: every recorded loss term against the epoch."""

import numpy as np
from sklearn.pipeline import Pipeline

from ..utils._sklearn_compat import check_is_fitted
from ..utils._validation import last_step_with


def _trained_estimator(estimator):
    """The fitted estimator whose history is plotted: ``estimator``, or a pipeline's step."""
    if isinstance(estimator, Pipeline):
        check_is_fitted(estimator)
        index = last_step_with(estimator, "net_")
        if index is None:
            raise ValueError("No step of this Pipeline is a sklatent estimator with a history_.")
        return estimator[index]
    if not hasattr(type(estimator), "history_"):
        raise TypeError(
            f"{type(estimator).__name__} records no training history: pass a sklatent "
            "estimator, or a Pipeline holding one."
        )
    check_is_fitted(estimator, "net_")
    return estimator


class TrainingCurveDisplay:
    """Per-epoch loss terms of a fitted sklatent estimator, in the style of scikit-learn Displays.

    Build it with :meth:`from_estimator`; the constructor takes precomputed curves.

    Parameters
    ----------
    epochs : ndarray of shape (n_epochs,)
        Epoch numbers.
    curves : dict of str to ndarray of shape (n_epochs,)
        One curve per recorded term (``train_loss``, ``train_kl``, ``valid_loss``, ...).

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes drawn on.
    figure_ : matplotlib Figure
        The figure holding ``ax_``.
    lines_ : dict of str to matplotlib Line2D
        One line per curve.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent import BetaVAE
    >>> from sklatent.plotting import TrainingCurveDisplay
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(100, 2)) @ rng.normal(size=(2, 5)) + 0.1 * rng.normal(size=(100, 5))
    >>> vae = BetaVAE(n_components=2, max_epochs=10, random_state=0).fit(X)
    >>> display = TrainingCurveDisplay.from_estimator(vae)
    >>> sorted(display.curves)
    ['train_kl', 'train_loss', 'train_reconstruction']
    """

    def __init__(self, epochs, curves):
        self.epochs = epochs
        self.curves = curves

    @classmethod
    def from_estimator(cls, estimator, terms=None, *, ax=None):
        """Plot the loss terms recorded while ``estimator`` was fitted.

        Parameters
        ----------
        estimator : fitted sklatent estimator or Pipeline
            Any estimator with a ``history_``, or a Pipeline holding one (its last such step).
        terms : str or list of str, default=None
            History keys to plot, such as ``["train_kl", "valid_loss"]`` (or one key); None
            plots every ``train_*`` and ``valid_*`` term recorded in every epoch.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.

        Returns
        -------
        display : TrainingCurveDisplay
        """
        estimator = _trained_estimator(estimator)
        history = estimator.history_
        if terms is None:
            common = set.intersection(*(set(row) for row in history))
            terms = sorted(
                key
                for key in common
                if key.startswith(("train_", "valid_"))
                and not key.endswith(("_best", "_batch_count"))
            )
        if isinstance(terms, str):
            terms = [terms]
        missing = [term for term in terms if any(term not in row for row in history)]
        if missing:
            raise ValueError(
                f"Terms {missing} are not recorded in every epoch; recorded: {sorted(history[-1])}."
            )
        epochs = np.asarray(history[:, "epoch"])
        curves = {term: np.asarray(history[:, term], dtype=float) for term in terms}
        return cls(epochs, curves).plot(ax=ax)

    def plot(self, ax=None):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.

        Returns
        -------
        display : TrainingCurveDisplay
            With ``ax_``, ``figure_`` and ``lines_`` set.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        self.lines_ = {
            term: ax.plot(self.epochs, values, label=term)[0]
            for term, values in self.curves.items()
        }
        ax.set_xlabel("epoch")
        ax.set_ylabel("value per epoch")  # terms of different units; see the legend
        ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self
