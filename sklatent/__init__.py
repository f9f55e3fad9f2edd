"""sklatent: scikit-learn compatible representation learners in torch.

Fair, invariant, disentangled and identifiable latent representations as estimators that drop
into a :class:`~sklearn.pipeline.Pipeline` and tune with
:class:`~sklearn.model_selection.GridSearchCV`.
"""

from ._config import config_context, get_config, set_config
from .estimators import (
    BetaVAE,
    DisentangledEncoder,
    FairEncoder,
    InvariantEncoder,
    MechanismEncoder,
    MultiViewEncoder,
    MutualInformationMachine,
    StructuredVAE,
)
from .exceptions import (
    CollapsedCodesWarning,
    CollapsedPredictionsWarning,
    DisconnectedViewWarning,
    ModelFileError,
    TrainingDivergedError,
)
from .utils._persistence import load, save

__version__ = "0.1.0.dev0"

__all__ = [
    "BetaVAE",
    "CollapsedCodesWarning",
    "CollapsedPredictionsWarning",
    "DisconnectedViewWarning",
    "DisentangledEncoder",
    "FairEncoder",
    "InvariantEncoder",
    "MechanismEncoder",
    "ModelFileError",
    "MultiViewEncoder",
    "MutualInformationMachine",
    "StructuredVAE",
    "TrainingDivergedError",
    "__version__",
    "config_context",
    "get_config",
    "load",
    "save",
    "set_config",
]
