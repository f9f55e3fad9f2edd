"""The StructuredVAE family's layout: views, latent blocks and masks, read from the parameters
at fit and from the learned gates after it, and the names of the code's columns."""

import numpy as np
import pandas as pd

from ..exceptions import DisconnectedViewWarning
from ..utils._sklearn_compat import _check_feature_names_in, check_is_fitted
from ..utils._warnings import warn_at_caller
from ._structured_restarts import restart_agreement
from ._structured_spec import (
    parse_blocks,
    parse_masks,
    parse_views,
    view_spec,
    views_without_parent,
)


class StructuredLayoutMixin:
    """Views, blocks and masks of a :class:`StructuredVAE` (``views_``, ``block_names_``,
    ``block_sizes_``, ``structure_`` and the masks), and the code's column names; presets
    override ``_structure_spec``."""

    #: The keys a view dict of ``views`` may hold (None: all, StructuredVAE's).
    _view_keys = None

    def _structure_spec(self, view_names):
        """(latent_blocks, decoder_mask, encoder_mask) from the parameters; presets override it."""
        blocks = {"z": self.n_components} if self.latent_blocks is None else self.latent_blocks
        return blocks, self.decoder_mask, self.encoder_mask

    def _parse_structure(self):
        names = getattr(self, "feature_names_in_", None)
        views = parse_views(self.views, self.n_features_in_, names, self._view_keys)
        # The objective reads the presence of its i-th reconstructed view from column i of the
        # batch's presence flags: the views without a decoder go last.
        self.views_ = sorted(views, key=lambda view: not view["decoder"])
        blocks, decoder, encoder = self._structure_spec([view["name"] for view in self.views_])
        self.block_names_, self.block_sizes_ = parse_blocks(blocks)
        self._learned = {"decoder": isinstance(decoder, str), "encoder": isinstance(encoder, str)}
        return parse_masks(decoder, encoder, self.block_names_, self.views_)

    def _decoder_variance(self):
        """``decoder_variance`` with ``"auto"`` resolved: calibrated for a lone view (BetaVAE's
        model; a view's conditions are other views), learned for several views, where a
        calibrated variance keeps a condition's information in a conditional VAE's code."""
        if self.decoder_variance != "auto":
            return self.decoder_variance
        return "calibrated" if len(self.views_) == 1 else "learned"

    @property
    def _n_features_out(self):
        check_is_fitted(self, "net_")  # a NotFittedError, not a missing block_sizes_
        return sum(self.block_sizes_)

    @staticmethod
    def _dimension_names(block, size):
        """Names of a block's columns (presets may name them otherwise)."""
        # "shared" -> shared0; "private_a", "z1" -> private_a_0, z1_0 (a separator where needed).
        separator = "_" if "_" in block or block[-1:].isdigit() else ""
        return [f"{block}{separator}{i}" for i in range(size)]

    def get_feature_names_out(self, input_features=None):
        """Block-aware names of the code's columns: ``<block><i>``, or ``<block>_<i>`` where the
        block's name ends in a digit or holds an underscore.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Checked against the features seen in fit, as scikit-learn's transformers do; the
            names of the code do not depend on them.

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self, "net_")
        _check_feature_names_in(self, input_features, generate_names=False)
        return self._posterior_names()

    def _posterior_names(self):
        """Names of every block's columns, as :meth:`posterior` returns them (a preset's
        ``transform`` may return fewer: MultiViewEncoder's shared block)."""
        names = []
        for block, size in zip(self.block_names_, self.block_sizes_, strict=True):
            names += self._dimension_names(block, size)
        return np.asarray(names, dtype=object)

    def _decoded_views(self):
        """Names of the views that have a decoder, and their columns in ``batch["present"]``
        (which has one column per view, decoded or not)."""
        decoded = [i for i, view in enumerate(self.views_) if view["decoder"]]
        return {
            "view_names": [self.views_[i]["name"] for i in decoded],
            "present_columns": decoded,
            # Views the encoder does not read (a label, an attribute) are predicted, not
            # explained: their terms stay per row, outside the per-column bound.
            "target_views": [
                self.views_[i]["name"] for i in decoded if not self.views_[i]["expert"]
            ],
        }

    def _restore_net(self, state_dicts):
        # A file saved before every view had all its fields (view_spec) gets them here.
        self.views_ = [view_spec(**view) for view in self.views_]
        return super()._restore_net(state_dicts)

    def _gate_frame(self, gates, role):
        """Gate probabilities (blocks x views); a view without ``role`` has no link, whatever
        its (unused) gate learned."""
        used = np.array([view[role] for view in self.views_])
        values = gates.probabilities().detach().cpu().numpy() * used
        return pd.DataFrame(
            values, index=self.block_names_, columns=[view["name"] for view in self.views_]
        )

    def _read_structure(self):
        module = self.net_.module_
        self.structure_ = self._gate_frame(module.decoder_gates, "decoder")
        self.decoder_mask_ = self.structure_ > 0.5
        self.encoder_mask_ = self._gate_frame(module.encoder_gates, "expert") > 0.5
        # Consumed here, so that a later partial_fit (one net) does not read a stale list.
        masks = self.__dict__.pop("_restart_decoder_masks", None)
        kept = self.decoder_mask_.to_numpy()
        scores = (
            kept.astype(float)
            if masks is None
            else restart_agreement(kept, masks, self.block_sizes_)
        )
        self.structure_scores_ = pd.DataFrame(
            scores, index=self.structure_.index, columns=self.structure_.columns
        )
        if self._learned["decoder"]:
            orphans = views_without_parent(self.decoder_mask_, self.views_)
            if orphans:
                warn_at_caller(
                    f"The learned decoder mask gives views {orphans} no parent block: their "
                    f"decoders predict the same values for every row. Lower sparsity (now "
                    f"{self.sparsity:g}) or fix their parents in decoder_mask.",
                    DisconnectedViewWarning,
                )
