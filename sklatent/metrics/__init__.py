"""Evaluation metrics over ``(n_samples, n_components)`` codes: pure numpy/scikit-learn functions.

The metrics of the estimator issues (leakage probes, disentanglement scores, mutual-information
estimators) land here with the estimators that need them.
"""

from ._identifiability import linear_identifiability, mean_correlation_coefficient

__all__ = ["linear_identifiability", "mean_correlation_coefficient"]
