"""What the shared fit path reads from a fit's callbacks and records: the warm-up's length,
the per-batch records it forgets, and the check that the codes are not constant."""

import warnings

from ..exceptions import CollapsedCodesWarning

# Largest spread of every code column below which a fit's codes count as constant.
COLLAPSE_TOLERANCE = 1e-3


def _warn_if_collapsed(codes):
    """Warn when every column of ``codes`` (the first rows of the training data) is constant."""
    if codes is None or len(codes) < 2:
        return
    spread = float(codes.std(dim=0).max())
    if spread < COLLAPSE_TOLERANCE:
        warnings.warn(
            f"The fit ended with codes that hardly vary (largest standard deviation {spread:.1e} "
            "on the training rows): they carry nothing about the rows. Lower beta or the "
            "penalty's weight, or train longer.",
            CollapsedCodesWarning,
            stacklevel=4,
        )


def _forget_batch_records(epochs):
    """Drop the per-batch records of the history rows ``epochs`` (their averages stay): with
    ``partial_fit`` over millions of rows they would grow by one record a batch."""
    for epoch in epochs:
        epoch["batches"] = []


def _unnamed(callbacks):
    """The callback objects of a list of skorch callbacks or (name, callback) pairs."""
    return [item[1] if isinstance(item, tuple) else item for item in callbacks]


def _warm_up_epochs(callbacks):
    """Epochs of the longest warm-up among ``callbacks``: a callback with an ``epochs``
    attribute is one."""
    return max((getattr(callback, "epochs", 0) for callback in _unnamed(callbacks)), default=0)
