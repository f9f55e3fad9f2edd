"""Tests for environment_scores: the score of a fitted model in each environment."""

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, make_scorer, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklatent.datasets import make_spurious_environments
from sklatent.metrics import environment_scores


@pytest.fixture(scope="module")
def data():
    X, y, env, mask = make_spurious_environments(3000, return_causal_mask=True, random_state=0)
    train = env < 2
    erm = LogisticRegression().fit(X[train], y[train])
    causal = make_pipeline(
        ColumnTransformer([("causal", "passthrough", np.flatnonzero(mask))]),
        LogisticRegression(),
    ).fit(X[train], y[train])
    return X, y, env, erm, causal


def test_table_matches_per_environment_scores(data):
    X, y, env, erm, _ = data
    result = environment_scores(erm, X, y, env)
    assert list(result.table.columns) == ["score", "n_samples"]
    assert result.table.index.name == "environment"
    assert result.table.index.tolist() == [0, 1, 2]
    assert result.table["n_samples"].tolist() == [3000, 3000, 3000]
    expected = [erm.score(X[env == e], y[env == e]) for e in range(3)]
    np.testing.assert_allclose(result.table["score"], expected, rtol=0, atol=1e-12)
    assert result.worst == min(expected) and result.worst_environment == 2
    assert result.spread == pytest.approx(max(expected) - min(expected))
    assert result.mean == pytest.approx(np.mean(expected))


def test_erm_follows_the_spurious_feature_and_the_causal_model_does_not(data):
    X, y, env, erm, causal = data
    erm_result = environment_scores(erm, X, y, env)
    # ERM reads the spurious feature: about 1 - p_e where it is reliable, far below 0.5 where
    # it is reversed
    assert erm_result.table.loc[0, "score"] > 0.85 and erm_result.worst < 0.3
    assert erm_result.spread > 0.6
    causal_result = environment_scores(causal, X, y, env)
    # the causal columns alone: 1 - label_noise = 0.75 in every environment
    np.testing.assert_allclose(causal_result.table["score"], 0.75, atol=0.03)
    assert causal_result.spread < 0.04
    assert causal_result.worst > erm_result.worst + 0.4


def test_scoring_string_and_callables(data):
    X, y, env, erm, _ = data
    auc = environment_scores(erm, X, y, env, scoring="roc_auc").table["score"]
    expected = [roc_auc_score(y[env == e], erm.predict_proba(X[env == e])[:, 1]) for e in range(3)]
    np.testing.assert_allclose(auc, expected, rtol=0, atol=1e-12)
    balanced = environment_scores(erm, X, y, env, scoring=make_scorer(balanced_accuracy_score))
    expected = [balanced_accuracy_score(y[env == e], erm.predict(X[env == e])) for e in range(3)]
    np.testing.assert_allclose(balanced.table["score"], expected, rtol=0, atol=1e-12)

    def share_of_ones(estimator, X, y):
        return float(np.mean(estimator.predict(X)))

    ones = environment_scores(erm, X, y, env, scoring=share_of_ones)
    expected = [np.mean(erm.predict(X[env == e])) for e in range(3)]
    np.testing.assert_allclose(ones.table["score"], expected, rtol=0, atol=1e-12)
    loss = environment_scores(erm, X, y, env, scoring="neg_log_loss")
    assert (loss.table["score"] < 0).all()  # greater is better: the worst is the largest loss
    assert loss.worst_environment == 2


def test_pandas_inputs_and_string_environments(data):
    X, y, env, erm, _ = data
    names = np.array(["red", "green", "test"])[env]
    frame = pd.DataFrame(X, index=np.arange(len(X)) + 1000)
    series = pd.Series(y, index=frame.index)
    result = environment_scores(erm, frame.to_numpy(), series, pd.Series(names))
    assert result.table.index.tolist() == ["green", "red", "test"]  # sorted labels
    assert result.worst_environment == "test" and isinstance(result.worst_environment, str)
    reference = environment_scores(erm, X, y, env)
    np.testing.assert_allclose(
        result.table.loc[["red", "green", "test"], "score"], reference.table["score"]
    )
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(frame, series)
    from_frame = environment_scores(pipe, frame, series, names)
    from_numpy = environment_scores(pipe, X, y, names)
    pd.testing.assert_frame_equal(from_frame.table, from_numpy.table)


def test_single_environment_and_nan_scores(data):
    X, y, env, erm, _ = data
    one = environment_scores(erm, X, y, np.zeros(len(y), dtype=int))
    assert one.table.shape == (1, 2) and one.spread == 0.0
    assert one.worst == pytest.approx(erm.score(X, y))

    def undefined_in_env_1(estimator, X, y):
        return np.nan if len(y) == 3001 else 1.0

    env = env.copy()
    env[np.flatnonzero(env == 2)[0]] = 1  # environment 1 now has 3001 rows
    result = environment_scores(erm, X, y, env, scoring=undefined_in_env_1)
    assert np.isnan(result.worst) and np.isnan(result.spread) and np.isnan(result.mean)
    assert result.worst_environment == 1


def test_errors(data):
    X, y, env, erm, _ = data
    with pytest.raises(ValueError, match="same number of rows"):
        environment_scores(erm, X, y, env[:-1])
    with pytest.raises(ValueError, match="same number of rows"):
        environment_scores(erm, X[:-1], y, env)
    with pytest.raises(ValueError, match="1-D"):
        environment_scores(erm, X, y, env.reshape(-1, 1))
    with pytest.raises(ValueError, match="1-D"):
        environment_scores(erm, X[:0], y[:0], env[:0])
    with pytest.raises(ValueError, match="missing values"):
        environment_scores(erm, X, y, np.where(env == 0, np.nan, env))
    with pytest.raises(ValueError, match="one metric"):
        environment_scores(erm, X, y, env, scoring=["accuracy", "roc_auc"])
    with pytest.raises(NotFittedError):
        environment_scores(LogisticRegression(), X, y, env)
    with pytest.raises(TypeError):
        environment_scores(StandardScaler().fit(X), X, y, env)


def test_inputs_unchanged(data):
    X, y, env, erm, _ = data
    copies = X.copy(), y.copy(), env.copy()
    environment_scores(erm, X, y, env, scoring="accuracy")
    for before, after in zip(copies, (X, y, env), strict=True):
        np.testing.assert_array_equal(before, after)
