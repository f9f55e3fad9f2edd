"""How sure a learned decoder mask is: the share of restarts that learned each edge."""

import numpy as np
from scipy.optimize import linear_sum_assignment


def aligned_to(kept, other, block_sizes):
    """``other``'s rows (blocks) reordered to match ``kept``'s as closely as they can.

    Blocks of the same size are interchangeable (the prior and the model treat them alike), so
    block ``i`` of one restart may be block ``j`` of another. Within each group of equal-size
    blocks, the assignment that maximises the number of agreeing edges is found by the Hungarian
    method (:func:`scipy.optimize.linear_sum_assignment`); blocks of a size of their own stay.

    Parameters
    ----------
    kept, other : ndarray of shape (n_blocks, n_views), bool
        Two learned decoder masks.
    block_sizes : sequence of int
        The size of each block.

    Returns
    -------
    aligned : ndarray of shape (n_blocks, n_views), bool
        ``other`` with its blocks permuted.
    """
    sizes = np.asarray(block_sizes)
    order = np.arange(len(sizes))
    for size in np.unique(sizes):
        group = np.flatnonzero(sizes == size)
        # agreement[i, j]: views on which block i of `kept` and block j of `other` agree.
        agreement = (kept[group][:, None, :] == other[group][None, :, :]).sum(axis=2)
        rows, cols = linear_sum_assignment(agreement, maximize=True)
        order[group[rows]] = group[cols]
    return other[order]


def restart_agreement(kept, masks, block_sizes):
    """Share of the masks (one per restart, the kept one among them) that hold each edge of
    the kept mask's blocks, after aligning each mask's interchangeable blocks to the kept one's.

    Parameters
    ----------
    kept : ndarray of shape (n_blocks, n_views), bool
        The mask of the kept restart.
    masks : list of ndarray of shape (n_blocks, n_views), bool
        Every restart's mask.
    block_sizes : sequence of int
        The size of each block.

    Returns
    -------
    scores : ndarray of shape (n_blocks, n_views)
        Values in [0, 1]: 1 where every restart learned the edge, 0 where none did.

    Examples
    --------
    >>> import numpy as np
    >>> kept = np.array([[1, 1, 0], [0, 1, 1]], dtype=bool)
    >>> swapped = kept[::-1]               # the same graph with the two blocks swapped
    >>> denser = np.array([[1, 1, 1], [0, 1, 1]], dtype=bool)
    >>> restart_agreement(kept, [kept, swapped, denser], [2, 2]).round(2).tolist()
    [[1.0, 1.0, 0.33], [0.0, 1.0, 1.0]]
    """
    return np.mean([aligned_to(kept, mask, block_sizes) for mask in masks], axis=0)
