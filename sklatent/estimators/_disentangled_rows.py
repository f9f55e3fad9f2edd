"""The rows DisentangledEncoder trains on: its data and attributes as tensors.

One code path for ``fit`` and ``partial_fit``: the first call learns the features, the
attributes and the subspaces; a later ``partial_fit`` call encodes its chunk with them.
"""

import numpy as np

from ..utils._validation import check_classes_unchanged
from ._disentangled_data import (
    add_attribute_tensors,
    declared_classes,
    parse_attributes,
    subspace_structure,
    warn_of_guessed_labels,
)
from ._structured_tensors import view_tensors


class DisentangledTrainingRows:
    """DisentangledEncoder's structure and training tensors from ``X`` and the attributes."""

    def _build_structure(self, attributes):
        free = self.n_free if self.beta > 0 else 0
        self.views_, blocks, masks = subspace_structure(
            attributes, self.subspace_sizes, free, self.n_features_in_, self.beta > 0
        )
        self.block_names_, self.block_sizes_ = list(blocks), list(blocks.values())
        self._learned = {"decoder": False, "encoder": False}
        self._masks_for_module = masks

    def _training_tensors(self, X, y, *, first, classes=None):
        """Validate a fit's data and return its tensors; ``first`` learns the features and the
        attributes (else the fitted ones encode the chunk)."""
        if y is None:
            raise ValueError(
                "DisentangledEncoder requires y to be passed, but the target y is None: "
                "y holds the attributes, one column each."
            )
        X = self._validate_X(X, reset=first)
        if first:
            attributes = parse_attributes(y, self.attribute_types, len(X))
            # The first call learns the classes that classes= does not declare.
            fitted_state = declared_classes(classes, attributes)
            warn_of_guessed_labels(attributes)
            self.attributes_ = [attribute["name"] for attribute in attributes]
            # A 1-D y (one attribute) gets 1-D predictions, as scikit-learn's estimators give.
            self._single_output = np.asarray(y).ndim == 1  # not np.ndim: array-likes may refuse it
            self.attribute_types_ = {a["name"]: a["kind"] for a in attributes}
            self._build_structure(attributes)
            self.categories_ = {}
        else:  # a later chunk: the fitted attributes, by name or by position
            attributes = parse_attributes(
                y, self.attribute_types_, len(X), fitted_names=self.attributes_
            )
            declared_now = declared_classes(classes, attributes, check_labels=False)
            for name, declared in declared_now.items():
                check_classes_unchanged(declared, self.categories_[name], name=f"classes[{name!r}]")
            fitted_state = {**self._edges, **self.categories_}
        tensors = view_tensors(self.views_, self.categories_, X, fitting=False)
        categories, edges, scales, n_strata = add_attribute_tensors(
            tensors,
            attributes,
            self.views_,
            self.n_bins,
            fitted_state,
            None if first else {name: self._attribute_scale(name) for name in self._edges},
        )
        if first:
            self.categories_.update(categories)
            self._edges, self._attribute_scales, self._n_strata = edges, scales, n_strata
        return tensors
