"""Evaluation metrics over ``(n_samples, n_components)`` codes: pure numpy/scikit-learn functions.

The metrics the estimators are judged by: leakage probes, disentanglement scores, fairness and
environment scorers, mutual-information estimators.
"""

from ._budget_refit import best_under_budget
from ._disentanglement import dci, mutual_information_gap, sap_score
from ._environments import best_worst_split, environment_scores
from ._fairness_scorers import demographic_parity_scorer, equalized_odds_scorer, leakage_scorer
from ._identifiability import linear_identifiability, mean_correlation_coefficient
from ._invariance_search import environment_accuracy_scoring, most_accurate_invariant_refit
from ._invariance_selection import most_accurate_invariant
from ._latent_report import latent_report
from ._leakage import sensitive_leakage
from ._mutual_information import active_units, mutual_information_ksg

__all__ = [
    "active_units",
    "best_under_budget",
    "best_worst_split",
    "dci",
    "demographic_parity_scorer",
    "environment_accuracy_scoring",
    "environment_scores",
    "equalized_odds_scorer",
    "latent_report",
    "leakage_scorer",
    "linear_identifiability",
    "mean_correlation_coefficient",
    "most_accurate_invariant",
    "most_accurate_invariant_refit",
    "mutual_information_gap",
    "mutual_information_ksg",
    "sap_score",
    "sensitive_leakage",
]
