"""The StructuredVAE family's restarts: how many, the rows that rank them, and how sure the
learned decoder mask is (the share of the restarts that learned each edge)."""

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


# Rows held out to rank restarts when no validation_fraction is given.
_RESTART_VALIDATION_FRACTION = 0.2
# With a learned mask, n_init="auto" races ten restarts and finishes three (RestartsMixin).
_AUTO_RESTARTS, _AUTO_FINISHERS = 10, 3


class StructuredRestartsMixin:
    """``n_init`` of a :class:`StructuredVAE`: the restarts, and ``structure_scores_``' masks."""

    def _n_restarts(self):
        if self.n_init == "auto":
            return _AUTO_RESTARTS if any(self._learned.values()) else 1
        return self.n_init

    def _n_finishers(self):
        # Restarts that train to the end: all of them unless n_init="auto" races them (the
        # presets fit once and have no n_init).
        return _AUTO_FINISHERS if self._n_restarts() > 1 and self.n_init == "auto" else None

    def _held_out_fraction(self):
        # Restarts are ranked by their held-out loss.
        return _RESTART_VALIDATION_FRACTION if self._n_restarts() > 1 else None

    def _read_restarts(self, nets):
        # Each restart's learned decoder mask, for structure_scores_ (read in _read_structure).
        if self._learned["decoder"]:
            self._restart_decoder_masks = [
                self._gate_frame(net.module_.decoder_gates, "decoder").to_numpy() > 0.5
                for net in nets
            ]
