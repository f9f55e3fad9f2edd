"""scikit-learn style Displays (``from_estimator`` / ``plot``); matplotlib is imported lazily."""

from ._latent_correlation import LatentCorrelationDisplay
from ._tradeoff import TradeoffDisplay
from ._training_curve import TrainingCurveDisplay

__all__ = ["LatentCorrelationDisplay", "TradeoffDisplay", "TrainingCurveDisplay"]
