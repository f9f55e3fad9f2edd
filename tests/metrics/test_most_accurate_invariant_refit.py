"""most_accurate_invariant in a search: per-environment scorers and the refit callable."""

import pickle

import numpy as np
import pytest
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline

from sklatent import InvariantEncoder
from sklatent.datasets import make_spurious_environments
from sklatent.metrics import environment_accuracy_scoring, most_accurate_invariant_refit


def cv_results(accuracies, rows):
    """A search's cv_results_ from accuracies[candidate][environment][fold] and row counts."""
    accuracies, rows = np.asarray(accuracies, dtype=float), np.asarray(rows, dtype=float)
    results = {}
    for e, name in enumerate("ab"):
        results[f"mean_test_accuracy_env_{name}"] = accuracies[:, e].mean(axis=1)
        results[f"mean_test_n_samples_env_{name}"] = rows[:, e].mean(axis=1)
        for k in range(accuracies.shape[2]):
            results[f"split{k}_test_accuracy_env_{name}"] = accuracies[:, e, k]
            results[f"split{k}_test_n_samples_env_{name}"] = rows[:, e, k]
    return results


def test_the_folds_are_pooled_by_their_rows():
    # Candidate 0: 0.9 / 0.8 in every fold (spread 0.10 against a noise of 2 x 0.016 over
    # 1,000 rows an environment); candidate 1 is more accurate in environment b's pooled rows
    # only if the folds are weighted by their rows: (0.9 x 100 + 0.6 x 900) / 1,000 = 0.63
    # against 0.65 in a, invariant; unweighted its b would be 0.75.
    rows = [[[500, 500], [100, 900]]] * 2
    accuracies = [[[0.9, 0.9], [0.8, 0.8]], [[0.65, 0.65], [0.9, 0.6]]]
    assert most_accurate_invariant_refit()(cv_results(accuracies, rows)) == 1
    # Weighted the other way, candidate 1's b pools to 0.87: its spread 0.22 is not noise,
    # and candidate 0's 0.10 is the smaller one.
    rows = [[[500, 500], [900, 100]]] * 2
    assert most_accurate_invariant_refit()(cv_results(accuracies, rows)) == 0


def test_a_fold_without_an_environment_and_a_failed_fit():
    # Fold 1 holds no row of b (accuracy NaN, 0 rows); candidate 2 failed (NaN everywhere).
    accuracies = [[[0.9, 0.9], [0.8, np.nan]], [[0.7, 0.7], [0.71, np.nan]]]
    rows = [[[500, 500], [1000, 0]]] * 2
    failed = [[np.nan] * 2] * 2
    results = cv_results([*accuracies, failed], [*rows, failed])
    assert most_accurate_invariant_refit()(results) == 1
    rule = pickle.loads(pickle.dumps(most_accurate_invariant_refit(z=3)))
    assert rule(results) == 1 and repr(rule) == "most_accurate_invariant_refit(z=3)"


def test_errors_name_the_problem():
    for z in (-1, np.nan, "2"):
        with pytest.raises(ValueError, match="z must be a finite non-negative number"):
            most_accurate_invariant_refit(z=z)
    with pytest.raises(ValueError, match="environment_accuracy_scoring"):
        most_accurate_invariant_refit()({"mean_test_score": [0.5], "split0_test_score": [0.5]})
    nan = [[[np.nan, np.nan], [np.nan, np.nan]]]
    with pytest.raises(ValueError, match="Every candidate's environment scores failed"):
        most_accurate_invariant_refit()(cv_results(nan, nan))
    no_b = cv_results([[[0.9, 0.9], [np.nan, np.nan]]], [[[500, 500], [0, 0]]])
    with pytest.raises(ValueError, match=r"no held-out row of environment\(s\) \['b'\]"):
        most_accurate_invariant_refit()(no_b)
    with pytest.raises(ValueError, match="at least two"):
        environment_accuracy_scoring([1, 1, 1])
    with pytest.raises(ValueError, match="missing values"):
        environment_accuracy_scoring([0.0, np.nan])
    with pytest.raises(ValueError, match="labels of one type"):
        environment_accuracy_scoring(np.array([1, "a"], dtype=object))


@pytest.mark.parametrize("error_score", [np.nan, 0, -1])
def test_a_failed_candidate_is_passed_over_whatever_the_error_score(error_score):
    # Candidate 0 failed in every fold: its scores are all error_score. Candidate 1's
    # accuracy alone failed in one fold with rows (NaN): passed over too.
    failed = [[[error_score] * 2] * 2]
    accuracies = [[[0.9, 0.9], [0.8, 0.8]], [[0.7, np.nan], [0.7, 0.7]], [[0.7, 0.7], [0.72, 0.7]]]
    rows = [[[500, 500], [500, 500]]] * 3
    results = cv_results([*failed, *accuracies], [*failed, *rows])
    assert most_accurate_invariant_refit()(results) == 3


def test_environments_as_one_column_and_routing_off():
    X, y, env = make_spurious_environments(200, flip_probs=(0.1, 0.2), random_state=0)
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    grid = {"columntransformer__spurious": ["passthrough", "drop"]}

    def search():
        return GridSearchCV(
            spurious_pipeline(),
            grid,
            scoring=environment_accuracy_scoring(env),
            refit=most_accurate_invariant_refit(),
            cv=folds,
        )

    with sklearn.config_context(enable_metadata_routing=True):
        column = search().fit(X, y, environments=env.reshape(-1, 1))
        flat = search().fit(X, y, environments=env)
    assert column.best_index_ == flat.best_index_
    for key in ("split0_test_accuracy_env_0", "split2_test_n_samples_env_1"):
        np.testing.assert_array_equal(column.cv_results_[key], flat.cv_results_[key])
    # Without routing the scorers get no environments; the refit says why.
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="Metadata routing is off"):
        search().fit(X, y)


def test_the_scorers_need_routed_environments():
    X, y, env = make_spurious_environments(100, flip_probs=(0.1, 0.2), random_state=0)
    model = LogisticRegression().fit(X, y)
    scoring = environment_accuracy_scoring(env)
    assert sorted(scoring) == [
        "accuracy_env_0",
        "accuracy_env_1",
        "n_samples_env_0",
        "n_samples_env_1",
    ]
    with sklearn.config_context(enable_metadata_routing=True):
        assert scoring["n_samples_env_1"](model, X, y, environments=env) == 100
        accuracy = scoring["accuracy_env_1"](model, X, y, environments=env)
        assert accuracy == model.score(X[env == 1], y[env == 1])
        # The first 100 rows are environment 0's.
        first = scoring["accuracy_env_1"](model, X[:100], y[:100], environments=env[:100])
        assert np.isnan(first)
        with pytest.raises(ValueError, match="enable_metadata_routing=True"):
            scoring["accuracy_env_0"](model, X, y)


def spurious_pipeline():
    """Logistic regression on the causal features, with the spurious one as a grid choice."""
    X, _, _ = make_spurious_environments(1, random_state=0)
    n_causal = X.shape[1] - 1
    columns = [("causal", "passthrough", list(range(n_causal))), ("spurious", "drop", [n_causal])]
    return make_pipeline(ColumnTransformer(columns), LogisticRegression())


def test_two_training_environments_in_a_grid_search():
    """Two training environments whose spurious feature agrees with the label at 0.9 and 0.8:
    the search's own accuracy keeps the feature, the rule drops it."""
    X, y, env = make_spurious_environments(1000, flip_probs=(0.1, 0.2), random_state=0)
    grid = {"columntransformer__spurious": ["passthrough", "drop"]}
    # The rows come sorted by environment: shuffled folds hold both in each.
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(
            spurious_pipeline(),
            grid,
            scoring=environment_accuracy_scoring(env),
            refit=most_accurate_invariant_refit(),
            cv=folds,
        ).fit(X, y, environments=env)
    accuracy = GridSearchCV(spurious_pipeline(), grid, cv=folds).fit(X, y)
    assert accuracy.best_params_ == {"columntransformer__spurious": "passthrough"}
    assert search.best_params_ == {"columntransformer__spurious": "drop"}
    # Every training row is scored once: 1,000 an environment over the 5 folds.
    assert search.cv_results_["mean_test_n_samples_env_0"][0] * 5 == 1000


@pytest.mark.slow
def test_it_chooses_an_invariance_weight_that_transfers():
    """InvariantEncoder's REx weight chosen from two training environments (0.9, 0.8) only; the
    test environment reverses the spurious feature (0.1). On the design draws (random_state 100,
    101; weights 0, 1e3, 1e4, 1e5) the chosen weight scored 0.445 and 0.42 at test, ERM 0.12."""
    X, y, env = make_spurious_environments(1000, random_state=0)
    train, test = env < 2, env == 2
    params = {"batch_size": 2000, "max_epochs": 500, "warmup_epochs": 100, "random_state": 0}
    with sklearn.config_context(enable_metadata_routing=True):
        encoder = InvariantEncoder(penalty="rex", **params).set_fit_request(environments=True)
        search = GridSearchCV(
            encoder,
            {"penalty_weight": [0.0, 1e4]},
            scoring=environment_accuracy_scoring(env[train]),
            refit=most_accurate_invariant_refit(),
            cv=StratifiedKFold(3, shuffle=True, random_state=0),
        ).fit(X[train], y[train], environments=env[train])
    assert search.best_params_ == {"penalty_weight": 1e4}
    erm = InvariantEncoder(penalty="rex", penalty_weight=0.0, **params)  # the search's ERM
    erm.fit(X[train], y[train], environments=env[train])
    assert search.best_estimator_.score(X[test], y[test]) > erm.score(X[test], y[test]) + 0.3
