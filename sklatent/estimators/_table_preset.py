"""The base of the presets that read all of ``X`` as one complete view."""

from ._base import LatentTransformer
from ._structured import StructuredVAE


class TablePreset(StructuredVAE):
    """Base of the presets that read all of ``X`` as one complete view (fair, invariant,
    disentangled): a missing value is an error there, as in the other estimators, rather than a
    missing view."""

    # The label, environments or sensitive attribute come beside X: no score or sample of X.
    _models_X_alone = False

    def _validate_X(self, X, *, reset):
        return LatentTransformer._validate_X(self, X, reset=reset)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags
