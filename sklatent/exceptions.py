"""Exceptions raised by sklatent."""


class TrainingDivergedError(FloatingPointError):
    """Raised when a loss stops being finite during training, or a training loss exceeds
    :math:`10^{10}` times the first batch's (or :math:`10^{10}`, if that was below 1): finite,
    but diverged.

    A fit that diverges stops with this error instead of returning NaN or exploded codes. The
    message names the terms that became non-finite (or the loss's growth) and the parameters
    most likely responsible (the learning rate first, then the objective's weights).

    Examples
    --------
    Data far from unit scale overflow in the first epoch:

    >>> import numpy as np
    >>> from sklatent import BetaVAE, TrainingDivergedError
    >>> X = np.full((20, 2), 1e30)
    >>> try:
    ...     BetaVAE(n_components=1, max_epochs=2).fit(X)
    ... except TrainingDivergedError as error:
    ...     print(str(error).split(":")[0])
    Training diverged at epoch 1
    """


class ModelFileError(ValueError):
    """Raised by :func:`sklatent.load` for a file that is not a model saved by ``save``.

    This covers foreign files, truncated or altered files (the checksum over the model file and
    the weights no longer matches), attributes or values the estimator does not declare, and
    models of an estimator this version does not know. Loading never runs code from the files.

    Examples
    --------
    >>> import tempfile
    >>> from sklatent import ModelFileError, load
    >>> with tempfile.TemporaryDirectory() as folder:  # an empty folder holds no model
    ...     try:
    ...         load(folder)
    ...     except ModelFileError:
    ...         print("not a sklatent model")
    not a sklatent model
    >>> issubclass(ModelFileError, ValueError)
    True
    """


class CollapsedCodesWarning(UserWarning):
    """Warning that a fit ended with codes that hardly vary from row to row.

    Either every code column is constant, or, for a Gaussian posterior, every column varies
    across rows by less than a tenth of its posterior standard deviation (a scale-free variant
    of Burda et al. 2016's activity under 0.01, in units of the posterior variance: a posterior
    collapsed to its prior). Such a code carries nothing about the rows: the compression or a
    dependence penalty won against the reconstruction (lower ``beta`` or the penalty's weight),
    a learned decoder variance shrank on nearly exact columns such as 0/1 indicators until the
    reconstruction needed no code (fix it, e.g. ``decoder_variance=0.1``), or the fit stopped
    before it learned (raise ``max_epochs`` or ``lr``).

    Examples
    --------
    >>> from sklatent import CollapsedCodesWarning
    >>> issubclass(CollapsedCodesWarning, UserWarning)
    True
    """


class CollapsedPredictionsWarning(UserWarning):
    """Warning that a fit ended with a label head that predicts no better than the class
    frequencies.

    Such a head's predictions on the first rows of the fit's data (up to 1,024) are worth no
    more than guessing from how often each class occurs: its cross-entropy is within 1% of
    their entropy, it predicts one class for every row whatever the codes hold, or it is right
    no more often than always predicting the most frequent class would be (a threshold far
    off, or a head that predicts that class for all but a few rows).
    An invariance penalty can pin the logits at zero, where IRMv1 and REx are both zero (lower
    ``penalty_weight``, or lengthen ``warmup_epochs`` so that the head learns first); a
    dependence penalty can leave the code nothing about the label (lower its weight); the fit
    stopped before it learned; or the features say little about the label.

    Examples
    --------
    >>> from sklatent import CollapsedPredictionsWarning
    >>> issubclass(CollapsedPredictionsWarning, UserWarning)
    True
    """


class DisconnectedViewWarning(UserWarning):
    """Warning that a learned decoder mask left a view with no parent block.

    Such a view's decoder predicts the same values for every row: the code explains nothing of
    it. The gate penalty (``sparsity``) outweighed what the view's reconstruction gained from
    every block; a narrow view gains least. Lower ``sparsity``, or give the view a fixed parent
    in ``decoder_mask``.

    Examples
    --------
    >>> from sklatent import DisconnectedViewWarning
    >>> issubclass(DisconnectedViewWarning, UserWarning)
    True
    """
