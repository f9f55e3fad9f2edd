"""best_worst_split: the refit rule of leave-one-environment-out selection."""

import pickle

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, LeaveOneGroupOut
from sklearn.pipeline import make_pipeline

from sklatent.datasets import make_spurious_environments
from sklatent.metrics import best_worst_split


def test_it_picks_the_best_worst_split_not_the_best_mean():
    cv_results = {
        "split0_test_score": [0.90, 0.76, 0.76],
        "split1_test_score": [0.70, 0.75, 0.74],
        "split2_test_score": [0.95, 0.80, 0.90],
    }
    # Worst splits 0.70, 0.75, 0.74: candidate 1, although 0 has the best mean.
    assert best_worst_split()(cv_results) == 1
    # Equal worst splits: the better mean wins.
    cv_results["split1_test_score"] = [0.70, 0.75, 0.75]
    assert best_worst_split()(cv_results) == 2


def test_a_named_metric_and_nan_splits():
    cv_results = {
        "split0_test_accuracy": [0.9, np.nan, 0.6],
        "split1_test_accuracy": [0.8, 0.99, 0.6],
        "split0_test_score": [0.0, 1.0, 0.0],  # another scorer: not read
        "split1_test_score": [0.0, 1.0, 0.0],
    }
    assert best_worst_split("accuracy")(cv_results) == 0  # a failed split counts as worst
    rule = pickle.loads(pickle.dumps(best_worst_split("accuracy")))
    assert rule(cv_results) == 0 and repr(rule) == "best_worst_split('accuracy')"


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="no scorer named 'auc'"):
        best_worst_split("auc")({"split0_test_accuracy": [0.5]})
    with pytest.raises(ValueError, match="name the scorer"):
        best_worst_split()({"split0_test_accuracy": [0.5]})
    with pytest.raises(ValueError, match="scoring failed"):
        best_worst_split()({"split0_test_score": [np.nan, np.nan]})
    with pytest.raises(ValueError, match="metric must be a scorer name"):
        best_worst_split(3)


def test_leave_one_environment_out_drops_the_spurious_feature_where_the_mean_keeps_it():
    """Three training environments whose spurious feature agrees with the label at 0.9, 0.8 and
    0.7; the candidates read it or not. Held out in turn, the environment where it agrees least
    exposes the model that leans on it; the mean over the folds rewards it."""
    X, y, env = make_spurious_environments(500, flip_probs=(0.1, 0.2, 0.3), random_state=0)
    n_causal = X.shape[1] - 1
    pipe = make_pipeline(
        ColumnTransformer(
            [("causal", "passthrough", list(range(n_causal))), ("spurious", "drop", [n_causal])]
        ),
        LogisticRegression(),
    )
    grid = {"columntransformer__spurious": ["passthrough", "drop"]}
    worst = GridSearchCV(pipe, grid, cv=LeaveOneGroupOut(), refit=best_worst_split())
    worst.fit(X, y, groups=env)
    mean = GridSearchCV(pipe, grid, cv=LeaveOneGroupOut()).fit(X, y, groups=env)
    assert worst.best_params_ == {"columntransformer__spurious": "drop"}
    assert mean.best_params_ == {"columntransformer__spurious": "passthrough"}
    # The causal rule scores about 0.75 in every environment.
    split_scores = [worst.cv_results_[f"split{k}_test_score"][1] for k in range(3)]
    assert min(split_scores) > 0.7
