"""Labels encoded as their positions among the labels seen in fit, and the error messages
that name them: one path for classes, groups, environments and actions."""

import numpy as np


def first_values(values, count=5):
    """The first ``count`` distinct values, sorted (by their text where their types do not
    compare), for an error message."""
    try:
        return np.unique(values)[:count]
    except TypeError:
        distinct = {repr(value): value for value in np.asarray(values).tolist()}
        return np.array([distinct[key] for key in sorted(distinct)][:count], dtype=object)


def positions_in_sorted(categories, keys):
    """Each key's position in the sorted ``categories``, and whether it is missing from them.

    Binary search where the keys compare with the categories; Python's equality through a
    lookup table where they do not (text labels after numeric ones, in object arrays: numpy's
    search raises a bare TypeError there).

    Returns
    -------
    index : ndarray of int
        Positions (of a nearby category for a missing key).
    unseen : ndarray of bool
        Whether each key is missing from ``categories``.
    """
    keys = np.asarray(keys)
    try:
        index = np.clip(np.searchsorted(categories, keys), 0, len(categories) - 1)
    except TypeError:
        lookup = {value: position for position, value in enumerate(categories.tolist())}
        found = np.array([_position(lookup, key) for key in keys.tolist()], dtype=np.int64)
        return np.maximum(found, 0), found < 0
    return index, np.asarray(categories[index] != keys)


def _position(lookup, key):
    """``key``'s position in ``lookup`` by Python's equality; -1 if absent or unhashable (a
    list given as a label, which no fitted label equals)."""
    try:
        return lookup.get(key, -1)
    except TypeError:
        return -1


def one_or_many(value):
    """A name or label given alone (text or an integer) or several, as a list."""
    return [value] if isinstance(value, (str, int, np.integer)) else list(value)


def repeated(items):
    """The items that occur more than once, sorted (by their text), for an error message."""
    items = list(items)
    return sorted({item for item in items if items.count(item) > 1}, key=str)


def encode_labels(labels, categories, *, name, ignore=None, what="labels"):
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
    what : str, default="labels"
        What the labels are, for the error message ("groups").

    Returns
    -------
    ndarray of int64

    Raises
    ------
    ValueError
        If a checked label was not seen in fit.
    """
    index, unseen = positions_in_sorted(categories, labels)
    if ignore is not None:
        unseen &= ~ignore
        index = np.where(ignore, 0, index)
    if unseen.any():
        raise ValueError(f"{name} holds {what} not seen in fit: {first_values(labels[unseen])}.")
    return index.astype(np.int64)
