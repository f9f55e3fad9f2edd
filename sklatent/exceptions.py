"""Exceptions raised by sklatent."""


class TrainingDivergedError(FloatingPointError):
    """Raised when a loss stops being finite during training.

    A fit that diverges stops with this error instead of returning NaN codes. The message names the
    terms that became non-finite and the parameters most likely responsible (the learning rate
    first, then the objective's weights).
    """


class ModelFileError(ValueError):
    """Raised by :func:`sklatent.load` for a file that is not a model saved by ``save``.

    This covers foreign files, truncated or tampered weights (their checksum no longer matches)
    and models of an estimator this version does not know.
    """
