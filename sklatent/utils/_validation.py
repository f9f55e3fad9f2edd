"""One validator for the auxiliary arrays that ``fit`` takes besides ``X`` and ``y``."""

import numpy as np
from sklearn.utils import check_array


def check_auxiliary(value, *, name, n_samples, ensure_2d=True, dtype="numeric"):
    """Validate an auxiliary ``fit`` argument (``X_next``, ``actions``, ``sensitive_features``...).

    Parameters
    ----------
    value : array-like
        The argument as the user passed it (never modified: a converted copy is returned when a
        conversion is needed).
    name : str
        The argument's name, used in every error message.
    n_samples : int
        The number of rows of ``X``; the argument must have as many.
    ensure_2d : bool or None, default=True
        True requires a 2-D array; False requires one value per row (a single column is returned
        as 1-D); None accepts either.
    dtype : "numeric", type or None, default="numeric"
        As in :func:`sklearn.utils.check_array`; None keeps labels as they are.

    Returns
    -------
    ndarray
        The validated array.

    Raises
    ------
    ValueError
        If the argument has the wrong number of rows or dimensions, or holds NaN or infinity.
    """
    array = check_array(
        value,
        ensure_2d=False,
        dtype=dtype,
        ensure_all_finite=dtype is not None,
        input_name=name,
    )
    if array.ndim == 0 or array.ndim > 2:
        raise ValueError(f"{name} must be a 1-D or 2-D array, got shape {array.shape}.")
    if len(array) != n_samples:
        raise ValueError(
            f"{name} has {len(array)} rows but X has {n_samples}: row i of {name} must belong "
            "to row i of X."
        )
    if ensure_2d is True and array.ndim == 1:
        raise ValueError(f"{name} must be 2-D (n_samples, n_columns), got shape {array.shape}.")
    if ensure_2d is False and array.ndim == 2:
        if array.shape[1] != 1:
            raise ValueError(f"{name} must be 1-D (one value per row), got shape {array.shape}.")
        array = array[:, 0]
    return np.asarray(array)


def encode_labels(labels, categories, *, name, ignore=None):
    """Positions of ``labels`` in the sorted ``categories`` seen in fit.

    Parameters
    ----------
    labels : ndarray of shape (n_samples,)
        Labels to encode.
    categories : ndarray
        The sorted labels seen in fit (``np.unique`` of the training labels).
    name : str
        The argument's name, for the error message.
    ignore : ndarray of bool, default=None
        Rows whose label is not checked (missing entries); they get index 0.

    Returns
    -------
    ndarray of int64

    Raises
    ------
    ValueError
        If a checked label was not seen in fit.
    """
    index = np.clip(np.searchsorted(categories, labels), 0, len(categories) - 1)
    unseen = categories[index] != labels
    if ignore is not None:
        unseen &= ~ignore
        index = np.where(ignore, 0, index)
    if unseen.any():
        raise ValueError(f"{name} holds labels not seen in fit: {np.unique(labels[unseen])[:5]}.")
    return index.astype(np.int64)
