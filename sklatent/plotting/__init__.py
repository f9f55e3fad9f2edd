"""scikit-learn style Displays (``from_estimator`` / ``plot``); matplotlib is imported lazily."""

from ._training_curve import TrainingCurveDisplay

__all__ = ["TrainingCurveDisplay"]
