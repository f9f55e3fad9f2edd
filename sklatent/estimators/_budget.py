"""How many rows per step and how many passes a fit gets: a budget sized to the data.

A fixed number of epochs starves small tables (150 rows in batches of 512 are one gradient step an
epoch) and overspends on large ones. With ``batch_size="auto"`` and ``max_epochs="auto"`` (the
defaults) a fit gets batches no larger than the data warrants and at least
:data:`MIN_STEPS` gradient steps, and stops once its training loss stops improving, as
scikit-learn's ``MLPClassifier`` does (``tol``, ``n_iter_no_change``).
"""

import math
from dataclasses import dataclass

#: Largest automatic batch, and the batch of a fit whose size is not known (a restored model).
MAX_AUTO_BATCH_SIZE = 256
#: Smallest automatic batch: below it, steps get too noisy to be worth their cost.
MIN_AUTO_BATCH_SIZE = 16
#: Gradient steps an automatic budget aims at (an upper bound on the steps needed by the
#: small networks here, before the training-loss stop ends the fit).
MIN_STEPS = 2000
#: Bounds of the automatic number of epochs: enough passes for large tables to settle, and
#: a cap on the passes over tiny ones.
MIN_AUTO_EPOCHS, MAX_AUTO_EPOCHS = 10, 500


@dataclass(frozen=True)
class TrainingBudget:
    """The resolved ``batch_size`` and ``max_epochs`` of one fit.

    Attributes
    ----------
    batch_size : int
        Rows per gradient step.
    max_epochs : int
        Most passes over the training rows.
    automatic : bool
        Whether ``max_epochs`` was chosen from the data (then the fit also stops on its
        training loss).
    """

    batch_size: int
    max_epochs: int
    automatic: bool


def training_budget(
    n_samples, *, batch_size="auto", max_epochs="auto", min_batch_size=MIN_AUTO_BATCH_SIZE
):
    """Resolve ``"auto"`` batch size and epochs for ``n_samples`` training rows.

    Parameters
    ----------
    n_samples : int or None
        Rows that train the net (after any validation split); None when unknown (a model
        rebuilt from saved weights, which trains no more).
    batch_size : int or "auto"
        ``"auto"``: ``n_samples // 16`` clipped to [``min_batch_size``, 256], so that every
        epoch takes about 16 steps on small tables.
    max_epochs : int or "auto"
        ``"auto"``: enough epochs for 2,000 gradient steps, clipped to [10, 500].
    min_batch_size : int, default=16
        Smallest automatic batch (larger for objectives that compare groups within a batch).

    Returns
    -------
    TrainingBudget

    Examples
    --------
    >>> from sklatent.estimators._budget import training_budget
    >>> training_budget(150)  # iris: batches of 16, 10 steps an epoch
    TrainingBudget(batch_size=16, max_epochs=200, automatic=True)
    >>> training_budget(30_000)  # Adult: 118 steps an epoch
    TrainingBudget(batch_size=256, max_epochs=17, automatic=True)
    >>> training_budget(30_000, batch_size=128, max_epochs=30)
    TrainingBudget(batch_size=128, max_epochs=30, automatic=False)
    """
    if batch_size == "auto":
        batch_size = (
            MAX_AUTO_BATCH_SIZE
            if n_samples is None
            else min(MAX_AUTO_BATCH_SIZE, max(min_batch_size, n_samples // 16))
        )
    automatic = max_epochs == "auto"
    if automatic:
        steps_per_epoch = 1 if n_samples is None else math.ceil(n_samples / batch_size)
        max_epochs = min(
            MAX_AUTO_EPOCHS, max(MIN_AUTO_EPOCHS, math.ceil(MIN_STEPS / steps_per_epoch))
        )
    return TrainingBudget(int(batch_size), int(max_epochs), automatic)
