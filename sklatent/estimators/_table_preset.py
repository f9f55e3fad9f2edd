"""The base of the presets that read all of ``X`` as one complete view."""

from ._renamed import current_value
from ._structured import StructuredVAE
from ._structured_tensors import condition_widths


class TablePreset(StructuredVAE):
    """Base of the presets that read all of ``X`` as one complete view (fair, invariant,
    disentangled): a missing value is an error there, as in the other estimators, rather than a
    missing view."""

    # The label, environments or sensitive attribute come beside X: no score or sample of X.
    _models_X_alone = False

    # A preset fixes its structure (``FIXED_STRUCTURE``: no learned gates, so no sparsity,
    # temperature or restarts; every view observed, so no view dropout) and defines its own
    # objective (``_make_objective``).
    def _module_kwargs(self):
        return {
            "temperature": 1.0,
            "view_dropout": 0.0,
            "condition_widths": condition_widths(self.views_, self.categories_),
        }

    def _n_restarts(self):
        return 1

    @property
    def _dependence_measure(self):
        # Every table preset has one; the former names still count (see _renamed.py).
        return current_value(self, "dependence_measure")

    # Their lone view over all of X cannot go missing: NaN is refused as scikit-learn does.
    _nan_marks_missing_views = False


# The parameters that lay out the structure, which the table presets fix (one block over all
# of X, no learned gates).
FIXED_STRUCTURE = frozenset(
    {
        "views",
        "latent_blocks",
        "decoder_mask",
        "encoder_mask",
        "sparsity",
        "temperature",
        "n_init",
        "view_dropout",
    }
)


def inherited_constraints(excluded):
    """StructuredVAE's parameter constraints, less the ``excluded`` parameters."""
    constraints = StructuredVAE._parameter_constraints
    return {name: constraint for name, constraint in constraints.items() if name not in excluded}
