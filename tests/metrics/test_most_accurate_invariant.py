"""most_accurate_invariant: choosing by held-out accuracies that agree across environments."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

from sklatent.datasets import make_spurious_environments
from sklatent.metrics import environment_scores, most_accurate_invariant


def result(scores, n_samples=1000):
    table = pd.DataFrame({"score": scores, "n_samples": [n_samples] * len(scores)})
    return Bunch(table=table, mean=float(np.mean(scores)))


def test_the_most_accurate_of_the_invariant_candidates_wins():
    # Spreads 0.10, 0.01, 0.02 against a noise of about 0.02 each (1,000 rows an environment).
    candidates = [result([0.90, 0.80]), result([0.70, 0.71]), result([0.74, 0.72])]
    assert most_accurate_invariant(candidates) == 2
    # With z = 0 only a spread of exactly zero counts as invariant: none here.
    assert most_accurate_invariant(candidates, z=0) == 1  # the smallest spread


def test_the_noise_grows_as_the_held_out_rows_shrink():
    spurious, invariant = [0.90, 0.80], [0.70, 0.70]
    # 1,000 rows an environment: a spread of 0.10 is far outside the noise (2 x 0.016).
    assert most_accurate_invariant([result(spurious), result(invariant)]) == 1
    # 20 rows: the same spread is within it (2 x 0.11), so the more accurate one is kept.
    assert most_accurate_invariant([result(spurious, 20), result(invariant, 20)]) == 0


def test_errors_name_the_problem():
    for z in (-1, np.nan, "2"):  # NaN chose the first candidate silently; "2" failed in <
        with pytest.raises(ValueError, match="z must be a finite non-negative number"):
            most_accurate_invariant([result([0.5, 0.5])], z=z)
    with pytest.raises(ValueError, match="results is empty"):
        most_accurate_invariant([])
    with pytest.raises(ValueError, match="accuracies"):
        most_accurate_invariant([result([-0.3, -0.2])])  # a log loss, not an accuracy
    with pytest.raises(ValueError, match="at least two"):
        most_accurate_invariant([result([0.8])])
    # Scored on other environments (as many of them): accepted before.
    elsewhere = result([0.7, 0.7])
    elsewhere.table.index = [10, 11]
    with pytest.raises(ValueError, match=r"the environments \[0, 1\] and \[10, 11\]"):
        most_accurate_invariant([result([0.8, 0.7]), elsewhere])
    assert most_accurate_invariant(iter([result([0.9, 0.8]), result([0.7, 0.7])])) == 1


def test_two_training_environments_pick_the_model_that_transfers():
    """Two training environments whose spurious feature agrees with the label at 0.9 and 0.8;
    the candidates read it or not. Both environments' held-out accuracies favour the model that
    reads it; how far apart they are exposes it, and the other one transfers to a test
    environment that reverses the feature."""
    X, y, env = make_spurious_environments(2000, flip_probs=(0.1, 0.2, 0.9), random_state=0)
    train, test = env < 2, env == 2
    X_fit, X_val, y_fit, y_val, _, env_val = train_test_split(
        X[train], y[train], env[train], test_size=0.3, stratify=env[train], random_state=0
    )
    columns = [slice(None), slice(0, -1)]  # every feature; the causal ones alone
    models = [LogisticRegression().fit(X_fit[:, c], y_fit) for c in columns]
    results = [
        environment_scores(m, X_val[:, c], y_val, env_val)
        for m, c in zip(models, columns, strict=True)
    ]
    assert results[0].mean > results[1].mean + 0.05  # training-domain validation picks ERM
    chosen = most_accurate_invariant(results)
    assert chosen == 1
    test_accuracy = [m.score(X[test][:, c], y[test]) for m, c in zip(models, columns, strict=True)]
    assert test_accuracy[chosen] > test_accuracy[0] + 0.3
