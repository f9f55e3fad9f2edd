"""How many rows per step, how many passes and when to stop: a budget sized to the data.

A fixed number of epochs starves small tables (150 rows in batches of 512 are one gradient step an
epoch) and overfits or overspends on large ones. With the defaults (``batch_size="auto"``,
``max_epochs="auto"``, ``early_stopping="auto"``) a fit gets batches no larger than the data
warrants and up to :data:`MIN_STEPS` gradient steps, and stops once the loss on a held-out tenth of
the rows stops improving, restoring its best epoch (scikit-learn's ``MLPClassifier`` with
``early_stopping=True``; ``tol``, ``n_iter_no_change``). A table too small to hold rows out
stops on its training loss instead. The patience of those rules is counted in gradient steps
too (``n_iter_no_change="auto"``): ten epochs of a large table are thousands of steps spent after
the best epoch.
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
MIN_AUTO_EPOCHS, MAX_AUTO_EPOCHS = 10, 200
#: Gradient steps an automatic budget takes before a stopping rule may end a penalised fit or
#: pick its best epoch. A penalty on the code's dependence is near zero at an uninformative
#: code, so the held-out loss of a penalised fit is often lowest before the code has learned
#: anything: on 300 Adult rows (5 steps an epoch) a FairEncoder stopped after ~20 steps with
#: codes of standard deviation 0.04, and on 4,000 rows one seed of weight 10 restored such an
#: epoch (accuracy 0.746 against 0.820). A KL term is such a penalty too: a BetaVAE on wine
#: (124 rows, its decoder variances taking larger steps than the package's) stopped after 11
#: epochs and restored its first (downstream accuracy 0.54). Fits
#: without a penalty keep the plain rules: holding them off cost held-out accuracy
#: (InvariantEncoder on Benefits, 0.692 -> 0.662).
MIN_STEPS_BEFORE_STOPPING = 500
#: Fewest rows for automatic early stopping: a tenth of them (20 rows) is then held out. The
#: loss of fewer held-out rows picks a worse epoch than the training loss's stop: on five design
#: splits of iris and wine (105 and 124 training rows, 10 and 12 held out), stopping on the
#: training loss instead raised the unsupervised estimators' downstream accuracy by 0.005 on
#: average over their 8 cells (BetaVAE on iris +0.031, on wine +0.012) and left the supervised
#: cells within 0.013 of what they were.
MIN_ROWS_TO_HOLD_OUT = 200
#: Share of rows held out when early stopping is on and ``validation_fraction`` is None.
DEFAULT_VALIDATION_FRACTION = 0.1
#: Gradient steps without improvement before an automatic patience ends a fit: ten epochs of
#: a table of 16 steps an epoch, the scale the package's defaults were chosen on. On full Adult
#: (30,162 rows, 107 steps an epoch) a FairEncoder's best epoch came 6 epochs in, and a patience
#: of 10 epochs spent 10 more (7.0 s against 4.4 s at 2 epochs, the same restored codes).
PATIENCE_STEPS = 160
#: Fewest epochs of an automatic patience: one epoch's noise in the loss is no signal.
MIN_PATIENCE_EPOCHS = 2
#: Patience, in epochs, where the number of rows is not known (a model rebuilt from saved weights).
DEFAULT_PATIENCE_EPOCHS = 10


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
        Whether ``max_epochs`` was chosen from the data (then the fit stops by itself).
    early_stopping : bool
        Whether the fit stops on a held-out loss and restores its best epoch.
    validation_fraction : float or None
        Share of the rows held out, or None for no split.
    stop_from_epoch : int
        Epochs before the stopping rules watch the loss (neither a best epoch nor a miss):
        those of :data:`MIN_STEPS_BEFORE_STOPPING` steps, at most half of ``max_epochs``, with
        an automatic budget (a tiny table's best epoch is still picked on held-out rows); else
        0. The estimators apply it to fits with an active penalty only.
    patience : int
        Epochs without improvement before a stopping rule ends the fit.
    """

    batch_size: int
    max_epochs: int
    automatic: bool
    early_stopping: bool = False
    validation_fraction: float | None = None
    stop_from_epoch: int = 0
    patience: int = DEFAULT_PATIENCE_EPOCHS

    @property
    def stop_on_train_loss(self):
        """An automatic budget without a held-out split stops on the training loss."""
        return self.automatic and not self.early_stopping


def training_budget(
    n_samples,
    *,
    batch_size="auto",
    max_epochs="auto",
    early_stopping=False,
    validation_fraction=None,
    n_iter_no_change="auto",
    min_batch_size=MIN_AUTO_BATCH_SIZE,
):
    """Resolve the ``"auto"`` training parameters for ``n_samples`` rows.

    Parameters
    ----------
    n_samples : int or None
        Rows of the fit, before any validation split; None when unknown (a model rebuilt from
        saved weights, which trains no more).
    batch_size : int or "auto"
        ``"auto"``: a sixteenth of the training rows clipped to [``min_batch_size``, 256], so
        that every epoch takes about 16 steps on small tables.
    max_epochs : int or "auto"
        ``"auto"``: enough epochs for 2,000 gradient steps, clipped to [10, 200]; the stopping
        rules watch a penalised fit's loss after its first 500 steps (at most half the epochs).
    early_stopping : bool or "auto"
        ``"auto"``: on with ``max_epochs="auto"`` and at least 200 rows.
    validation_fraction : float or None
        Share held out; None holds out a tenth when early stopping is on.
    n_iter_no_change : int or "auto"
        Epochs without improvement before a stopping rule ends the fit. ``"auto"``: the epochs
        of 160 gradient steps, at least 2 (10 on tables of 16 steps an epoch, more on smaller
        ones, 2 from 80 steps an epoch).
    min_batch_size : int, default=16
        Smallest automatic batch (larger for objectives that compare groups within a batch).

    Returns
    -------
    TrainingBudget

    Examples
    --------
    >>> from sklatent.estimators._budget import training_budget
    >>> training_budget(300, early_stopping="auto")  # 30 rows held out, 17 steps an epoch
    TrainingBudget(batch_size=16, max_epochs=118, automatic=True, early_stopping=True, \
validation_fraction=0.1, stop_from_epoch=30, patience=10)
    >>> training_budget(4000, early_stopping="auto")  # 225 rows a batch, 16 steps an epoch
    TrainingBudget(batch_size=225, max_epochs=125, automatic=True, early_stopping=True, \
validation_fraction=0.1, stop_from_epoch=32, patience=10)
    >>> training_budget(150, early_stopping="auto")  # iris: too few rows to hold some out
    TrainingBudget(batch_size=16, max_epochs=200, automatic=True, early_stopping=False, \
validation_fraction=None, stop_from_epoch=50, patience=16)
    >>> training_budget(30_000, early_stopping="auto")  # 106 steps an epoch
    TrainingBudget(batch_size=256, max_epochs=19, automatic=True, early_stopping=True, \
validation_fraction=0.1, stop_from_epoch=5, patience=2)
    >>> training_budget(30_000, batch_size=128, max_epochs=30, n_iter_no_change=10)
    TrainingBudget(batch_size=128, max_epochs=30, automatic=False, early_stopping=False, \
validation_fraction=None, stop_from_epoch=0, patience=10)
    """
    automatic = max_epochs == "auto"
    if early_stopping == "auto":
        early_stopping = automatic and n_samples is not None and n_samples >= MIN_ROWS_TO_HOLD_OUT
    if validation_fraction is None and early_stopping:
        validation_fraction = DEFAULT_VALIDATION_FRACTION
    n_train = n_samples
    if n_samples is not None and validation_fraction is not None:
        n_train = n_samples - round(validation_fraction * n_samples)
        if n_train < 1:
            raise ValueError(
                f"validation_fraction={validation_fraction} leaves {n_train} of {n_samples} "
                "rows for training; a held-out split needs at least one row on each side."
            )
    if batch_size == "auto":
        batch_size = (
            MAX_AUTO_BATCH_SIZE
            if n_train is None
            else min(MAX_AUTO_BATCH_SIZE, max(min_batch_size, n_train // 16))
        )
    steps_per_epoch = None if n_train is None else math.ceil(n_train / batch_size)
    if n_iter_no_change == "auto":
        n_iter_no_change = (
            DEFAULT_PATIENCE_EPOCHS
            if steps_per_epoch is None
            else max(MIN_PATIENCE_EPOCHS, math.ceil(PATIENCE_STEPS / steps_per_epoch))
        )
    stop_from_epoch = 0
    if automatic:
        steps_per_epoch = steps_per_epoch or 1
        max_epochs = min(
            MAX_AUTO_EPOCHS, max(MIN_AUTO_EPOCHS, math.ceil(MIN_STEPS / steps_per_epoch))
        )
        stop_from_epoch = min(
            max_epochs // 2, math.ceil(MIN_STEPS_BEFORE_STOPPING / steps_per_epoch)
        )
    return TrainingBudget(
        int(batch_size),
        int(max_epochs),
        automatic,
        bool(early_stopping),
        validation_fraction,
        stop_from_epoch,
        int(n_iter_no_change),
    )
