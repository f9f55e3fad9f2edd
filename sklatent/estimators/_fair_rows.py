"""The rows FairEncoder trains on: its data, sensitive groups and label as tensors.

One code path for ``fit`` and ``partial_fit``: the first call learns the features, the groups
and the classes; a later ``partial_fit`` call encodes its chunk with them.
"""

import numpy as np
import torch

from .._batch import GROUPS, PRESENT, STRATA, condition_values, present_column, view_labels
from ..utils._labels import repeated
from ..utils._warnings import warn_at_caller
from ._fair_data import (
    SensitiveGroups,
    check_sensitive_columns_numeric,
    group_log_prior,
    id_list,
    index_level_features,
    target_view,
)
from ._structured_spec import column_indices
from ._structured_tensors import view_tensors

# The label head is linear in the code (a multinomial logistic regression), the family of the
# classifier a user most often trains on the codes, so the code carries the label in the form
# that classifier reads. Chosen on design splits of Adult's training rows (benchmarks/RESULTS.md):
# at the same difference_bound, a logistic regression on the codes was more accurate and a
# probe read less of the attribute than with a head of 64 hidden units.
LABEL_HEAD_HIDDEN_LAYER_SIZES = ()


class FairTrainingRows:
    """FairEncoder's training tensors from ``X``, ``y`` and the sensitive features."""

    def _sensitive_columns(self):
        """Indices of the columns of X named by ``sensitive_feature_ids`` (none when None)."""
        if self.sensitive_feature_ids is None:
            return []
        ids = id_list(self.sensitive_feature_ids)
        names = getattr(self, "feature_names_in_", None)
        columns = column_indices(ids, self.n_features_in_, names, "sensitive_feature_ids")
        twice = repeated(columns)
        if twice:  # by a name and an index, or by two indices (0 and -n)
            raise ValueError(f"sensitive_feature_ids names column(s) {twice} more than once.")
        if len(columns) == self.n_features_in_:
            raise ValueError("sensitive_feature_ids names every column of X: nothing to encode.")
        return columns

    def _training_tensors(self, X, y, sensitive_features, *, first, classes=None):
        """Validate a fit's data and return its tensors; ``first`` learns the features, groups
        and classes (else the fitted ones encode the rows, as in a later ``partial_fit``)."""
        index_features = index_level_features(X, self.sensitive_feature_ids)
        check_sensitive_columns_numeric(X, self.sensitive_feature_ids)
        X = self._validate_X(X, reset=first)
        n_samples = len(X)
        sensitive_columns = [] if index_features is not None else self._sensitive_columns()
        if (sensitive_columns or index_features is not None) and sensitive_features is not None:
            raise ValueError(
                "Pass the sensitive attribute either as sensitive_features or as columns (or "
                "index levels) of X named by sensitive_feature_ids, not both."
            )
        if index_features is not None:
            sensitive_features = index_features
        elif sensitive_columns:
            sensitive_features = X[:, sensitive_columns]
        if self.criterion == "equalized_odds" and y is None:
            raise ValueError(
                "criterion='equalized_odds' makes the code independent of the sensitive "
                "features given the label: fit needs y."
            )
        if first:
            groups = self._learn_groups(sensitive_features, n_samples)
            self.categories_ = {}
            y_view, y_tensors = target_view(
                y,
                n_samples,
                self.categories_,
                classes=classes,
                head_hidden_layer_sizes=LABEL_HEAD_HIDDEN_LAYER_SIZES,
                head_trains=self.target_weight > 0,
            )
            if self.criterion == "equalized_odds" and y_view["likelihood"] != "categorical":
                raise ValueError("criterion='equalized_odds' needs class labels as y.")
            self._check_budget(y_view)
            self._n_strata = (
                len(self.categories_["y"]) if self.criterion == "equalized_odds" else None
            )
            self._build_views(sensitive_columns, y_view if self.target_weight > 0 else None)
        else:
            y_view, y_tensors = self._chunk_label(y, n_samples, classes)
            groups = self._group_indices(sensitive_features, n_samples)

        tensors = view_tensors(self.views_, self.categories_, X, fitting=False)
        if self.target_weight > 0 and y_tensors is not None:
            tensors.update(y_tensors)
            tensors[PRESENT][:, present_column(self.views_, "y")] = 1.0
        tensors[GROUPS] = torch.as_tensor(groups)
        # The features' decoder reads the group (x is generated from z and s).
        one_hot = torch.nn.functional.one_hot(tensors[GROUPS], self._n_groups)
        tensors[condition_values("s")] = one_hot.float()
        strata = np.zeros(n_samples, dtype=np.int64)
        if self._n_strata:
            strata = tensors[STRATA] = y_tensors[view_labels("y")]
        if first:
            self._group_log_prior = group_log_prior(groups, np.asarray(strata), self._n_groups)
        return tensors

    def _chunk_label(self, y, n_samples, classes):
        """The label of a later ``partial_fit`` chunk, encoded as the first chunk's (whose
        classes a repeated ``classes`` must declare)."""
        view = next((v for v in self.views_ if v["name"] == "y"), None)
        likelihood = "categorical" if "y" in self.categories_ else view and view["likelihood"]
        if (y is None) != (likelihood is None):
            raise ValueError(
                "partial_fit got y in some chunks and not in others: pass the label of every "
                "chunk, or of none."
            )
        return target_view(
            y,
            n_samples,
            self.categories_,
            classes=classes,
            likelihood=likelihood,
            head_hidden_layer_sizes=LABEL_HEAD_HIDDEN_LAYER_SIZES,
        )

    def _learn_groups(self, sensitive_features, n_samples):
        """Learn the sensitive groups of the training rows and return each row's group (one
        group, with a warning, without sensitive features)."""
        sensitive = SensitiveGroups(self.n_bins)
        if sensitive_features is not None:
            groups = sensitive.fit_encode(sensitive_features, n_samples)
        else:
            warn_at_caller(
                "FairEncoder got no sensitive features (neither sensitive_features nor "
                "sensitive_feature_ids): it is fitted as an unconstrained encoder.",
                UserWarning,
            )
            groups = np.zeros(n_samples, dtype=np.int64)
        self.sensitive_groups_ = getattr(sensitive, "groups_", np.array(["all"], object))
        self._sensitive_edges = getattr(sensitive, "edges_", [])
        self._n_groups = len(self.sensitive_groups_)
        return groups

    def _group_indices(self, sensitive_features, n_samples):
        """The group of each row of a later chunk, by the groups learned from the first."""
        if self._n_groups == 1:
            return np.zeros(n_samples, dtype=np.int64)
        if sensitive_features is None:
            raise ValueError(
                "partial_fit got no sensitive features for this chunk; every chunk needs those "
                "of its rows."
            )
        sensitive = SensitiveGroups.fitted(self.sensitive_groups_, self._sensitive_edges)
        return sensitive.encode(sensitive_features, n_samples)
