"""The rows InvariantEncoder trains on: its data, label and environments as tensors.

One code path for ``fit`` and ``partial_fit``: the first call learns the features, the classes
and the environments; a later ``partial_fit`` call encodes its chunk with them.
"""

import numpy as np
import torch
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import column_or_1d

from .._batch import GROUPS, PRESENT, STRATA, present_column, view_labels
from ..utils._labels import encode_labels
from ..utils._sklearn_compat import validate_data
from ..utils._validation import check_auxiliary
from ..utils._warnings import warn_at_caller
from ._fair_data import group_log_prior, target_view
from ._structured_spec import one_block_masks, view_spec
from ._structured_tensors import view_tensors

# The name of the preset's one latent block (its codes' feature names).
_BLOCK = "invariantencoder"
# Fewest rows of an environment a batch should hold on average: the penalties compare the
# environments within each batch (the unbiased IRMv1 splits each environment's rows in two).
MIN_ROWS_PER_BATCH = 4


class InvariantTrainingRows:
    """InvariantEncoder's training tensors from ``X``, ``y`` and the environments."""

    def _check_batches(self, budget, n_samples):
        """Warn when the smallest environment averages under :data:`MIN_ROWS_PER_BATCH` rows
        a batch: the penalty's estimate is then mostly noise, which can pin the head (on a
        table with 50 environments, about 2 rows of each in a batch, every penalised fit ended
        predicting no better than the class frequencies)."""
        counts = getattr(self, "_environment_counts", None)  # a loaded model's net: no rows
        if counts is None or not self._penalised_fit():
            return
        per_batch = counts.min() * min(budget.batch_size, n_samples) / n_samples
        if per_batch < MIN_ROWS_PER_BATCH:
            smallest = self.environments_.tolist()[counts.argmin()]
            warn_at_caller(
                f"Environment {smallest!r} has {counts.min()} of the {n_samples} rows: about "
                f"{per_batch:.1f} in each batch of {budget.batch_size}. The penalty compares the "
                "environments within each batch, and from so few rows its estimate is mostly "
                "noise. Raise batch_size (batch_size >= n_samples trains on full batches), or "
                "merge small environments.",
                UserWarning,
            )

    def _training_tensors(self, X, y, environments, *, first, classes=None):
        """Validate a fit's data and return its tensors; ``first`` learns the features,
        classes and environments (else the fitted ones encode the rows)."""
        # scikit-learn's own message when y is None (this classifier's tags require y).
        validate_data(self, X, y, skip_check_array=True, reset=first)
        X = self._validate_X(X, reset=first)
        n_samples = len(X)
        y = column_or_1d(y, warn=True)
        y = check_auxiliary(y, name="y", n_samples=n_samples, ensure_2d=False, dtype=None)
        check_classification_targets(y)
        if first:
            self.categories_ = {}
        y_view, y_tensors = target_view(
            y, n_samples, self.categories_, classes=classes, likelihood="categorical"
        )
        environments_given = environments is not None
        if environments is None and not first:
            if self._n_environments > 1:
                raise ValueError(
                    "partial_fit got no environments for this chunk; every chunk needs those "
                    "of its rows."
                )
            environments = np.full(n_samples, self.environments_[0])
        if environments is None:
            warn_at_caller(
                "InvariantEncoder got no environments: the data are one environment and the "
                "fit is empirical risk minimisation.",
                UserWarning,
            )
            environments = np.zeros(n_samples, dtype=np.int64)
        environments = check_auxiliary(
            environments, name="environments", n_samples=n_samples, ensure_2d=False, dtype=None
        )
        if first:
            self.classes_ = self.categories_["y"]
            self.environments_, groups = np.unique(environments, return_inverse=True)
            self._n_environments = len(self.environments_)
            self._environment_counts = np.bincount(groups, minlength=self._n_environments)
            _check_environments(self.environments_, groups, y, given=environments_given)
            columns = range(self.n_features_in_)
            x_view = view_spec("x", columns, decoder=self.reconstruction_weight > 0)
            self.views_ = [x_view, y_view]
            self.block_names_, self.block_sizes_ = [_BLOCK], [self.n_components]
            self._learned = {"decoder": False, "encoder": False}
            self._masks_for_module = one_block_masks(self.views_, _BLOCK)
        else:
            groups = encode_labels(environments, self.environments_, name="environments")

        tensors = view_tensors(self.views_, self.categories_, X, fitting=False)
        tensors.update(y_tensors)
        tensors[PRESENT][:, present_column(self.views_, "y")] = 1.0
        tensors[GROUPS] = torch.as_tensor(groups.astype(np.int64))
        tensors[STRATA] = y_tensors[view_labels("y")]
        if first:
            labels = y_tensors[view_labels("y")].numpy()
            self._environment_log_prior = group_log_prior(groups, labels, self._n_environments)
        return tensors


def _check_environments(names, groups, y, *, given):
    """Invariance needs several environments, each with every class."""
    names = names.tolist()  # plain Python values, for the messages
    if given and len(names) < 2:
        raise ValueError(
            f"environments holds a single environment ({names[0]!r}): invariance across one "
            "environment asks nothing. Pass environments=None to fit ERM on purpose."
        )
    for index, name in enumerate(names):
        classes = np.unique(y[groups == index]).tolist()
        if given and len(classes) < 2:
            raise ValueError(
                f"Environment {name!r} holds a single class ({classes[0]!r}): its risk cannot "
                "be compared with the others'. Merge it with another environment; in "
                "cross-validation, shuffle the rows (rows sorted by environment leave unshuffled "
                "folds with few of an environment's rows) or split by environment (GroupKFold)."
            )
