"""Leakage probe and fairness scorers: known outcomes, routing through GridSearchCV, errors."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info, threadpool_limits

from sklatent.metrics import (
    best_under_budget,
    demographic_parity_scorer,
    equalized_odds_scorer,
    leakage_scorer,
    sensitive_leakage,
)


@pytest.fixture(autouse=True)
def _one_openmp_thread():
    # The gradient-boosting probe spin-waits on its OpenMP threads when the two shared cores are
    # busy (minutes instead of seconds); one thread keeps every test at a few seconds.
    with threadpool_limits(1, user_api="openmp"):
        yield


def _binary(n=600, seed=0):
    return np.random.default_rng(seed).integers(0, 2, size=n)


# --------------------------------------------------------------------------- sensitive_leakage


def test_code_holding_s_leaks_completely():
    s = _binary()
    noise = np.random.default_rng(1).normal(size=(600, 3))
    Z = np.column_stack([s + 0.1 * noise[:, 0], noise[:, 1:]])
    result = sensitive_leakage(Z, s, random_state=0)
    assert result.roc_auc > 0.99
    assert result.accuracy > 0.99
    assert result.majority_rate == pytest.approx(np.bincount(s).max() / len(s))
    assert result.n_groups == 2


def test_a_probe_trained_on_too_few_rows_to_split_warns():
    # The default gradient boosting needs 2 x 20 rows to split: on 45 rows (5 folds of 36) its
    # AUC was 0.447 for a code that is the group itself, and nothing said why.
    s = np.arange(45) % 2
    Z = np.column_stack([s + 0.05 * np.random.default_rng(0).normal(size=45), np.zeros(45)])
    with pytest.warns(UserWarning, match="trains on 36 rows, fewer than the 40"):
        sensitive_leakage(Z, s, random_state=0)
    with pytest.warns(UserWarning, match="trains on 30 rows"):
        sensitive_leakage(Z[:30], s[:30], Z_test=Z[30:], sensitive_features_test=s[30:])
    with pytest.warns(UserWarning, match="trains on 36 rows"):  # the default, named
        sensitive_leakage(Z, s, probe=HistGradientBoostingClassifier(), random_state=0)
    with pytest.warns(UserWarning, match="trains on 36 rows"):  # inside a pipeline
        probe = make_pipeline(StandardScaler(), HistGradientBoostingClassifier())
        sensitive_leakage(Z, s, probe=probe, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sensitive_leakage(Z, s, probe=LogisticRegression(), random_state=0).roc_auc == 1.0
        assert sensitive_leakage(np.tile(Z, (2, 1)), np.tile(s, 2), random_state=0).roc_auc == 1.0


def test_a_probe_that_could_not_split_varying_codes_warns():
    # 50 rows, 23 of group 0: each fold's probe trains on 40 rows, 18 or 19 of group 0. The
    # code is the group, so its one split is at the group's boundary, which a leaf of 20 rows
    # cannot take: the probe predicted one probability for every row and the AUC read 0.45,
    # without a word.
    s = np.array([0] * 23 + [1] * 27)
    Z = 3.0 * s[:, None]
    with pytest.warns(UserWarning, match=r"same probabilities for every row .* in 5 of 5 fits"):
        sensitive_leakage(Z, s, random_state=0)
    train = np.array(["a"] * 19 + ["b"] * 27)
    with pytest.warns(UserWarning, match=r"same probabilities .* in 1 of 1 fits"):  # Z_test
        codes = 3.0 * (train == "b")[:, None]
        sensitive_leakage(codes, train, Z_test=codes[17:21], sensitive_features_test=train[17:21])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # The same groups with a code that varies within them: the probe splits, and reads it.
        noisy = Z + np.random.default_rng(0).normal(scale=0.5, size=Z.shape)
        assert sensitive_leakage(noisy, s, random_state=0).roc_auc > 0.85
        # 20 of each in every fold: the split at the boundary is taken.
        s = np.arange(50) % 2
        assert sensitive_leakage(3.0 * s[:, None], s, random_state=0).roc_auc == 1.0
        # A constant code: one probability for every row is the right answer.
        assert sensitive_leakage(np.zeros((50, 1)), s, random_state=0).roc_auc == 0.5


def test_folds_where_every_group_is_missing_somewhere_are_refused():
    # Unshuffled folds of rows sorted by group: each fold's probe misses the group it scores.
    from sklearn.model_selection import KFold

    groups = np.repeat(["a", "b", "c"], 40)
    Z = np.random.default_rng(0).normal(size=(120, 2))
    with pytest.raises(ValueError, match="Every group is missing from the training rows"):
        sensitive_leakage(Z, groups, cv=KFold(3))


def test_code_independent_of_s_is_at_chance():
    s = _binary(1000)
    Z = np.random.default_rng(2).normal(size=(1000, 3))
    result = sensitive_leakage(Z, s, random_state=0)
    assert abs(result.roc_auc - 0.5) < 0.06
    assert result.accuracy < result.majority_rate + 0.06


def test_non_linear_leakage_escapes_a_linear_probe_but_not_the_default():
    rng = np.random.default_rng(3)
    Z = rng.normal(size=(800, 2))
    s = (np.abs(Z[:, 0]) > 0.7).astype(int)  # no linear correlation with Z, fully determined
    linear = sensitive_leakage(Z, s, probe=LogisticRegression(), random_state=0)
    default = sensitive_leakage(Z, s, random_state=0)
    assert linear.roc_auc < 0.6
    assert default.roc_auc > 0.95


@pytest.mark.slow
def test_multi_valued_s_is_macro_one_vs_rest_auc():
    rng = np.random.default_rng(4)
    s = rng.choice(["a", "b", "c"], size=600)
    Z = np.column_stack([(s == "a") + 0.8 * rng.normal(size=600), rng.normal(size=600)])
    Z[:, 1] += 0.8 * (s == "b")
    result = sensitive_leakage(Z, s, random_state=0)
    assert result.n_groups == 3
    # the same probe and folds by hand: scikit-learn's multi-class OvR macro AUC
    proba = cross_val_predict(
        HistGradientBoostingClassifier(random_state=0),
        Z,
        s,
        cv=StratifiedKFold(5, shuffle=True, random_state=0),
        method="predict_proba",
    )
    assert result.roc_auc == pytest.approx(
        roc_auc_score(s, proba, multi_class="ovr", average="macro"), abs=1e-6
    )
    assert 0.6 < result.roc_auc < 1.0


@pytest.mark.slow
def test_several_columns_combine_into_intersectional_groups():
    rng = np.random.default_rng(5)
    s = pd.DataFrame({"sex": rng.choice(["f", "m"], 800), "race": rng.integers(0, 2, 800)})
    noise = 0.1 * rng.normal(size=(800, 2))
    both = np.column_stack([(s["sex"] == "f") + noise[:, 0], s["race"] + noise[:, 1]])
    one = both[:, :1]
    result_both = sensitive_leakage(both, s, random_state=0)
    assert result_both.n_groups == 4
    assert result_both.roc_auc > 0.99
    # a code that holds only sex separates half of the four intersectional groups
    assert sensitive_leakage(one, s, random_state=0).roc_auc < 0.9
    # a 2-D array gives the same groups as the DataFrame
    same = sensitive_leakage(both, s.to_numpy(), random_state=0)
    assert same.roc_auc == pytest.approx(result_both.roc_auc)


def test_series_with_a_shuffled_index_is_read_by_position():
    s = _binary(400, seed=6)
    Z = np.column_stack([s + 0.1 * np.random.default_rng(7).normal(size=400)])
    series = pd.Series(s, index=np.random.default_rng(8).permutation(400))
    assert sensitive_leakage(Z[:, 0], series, random_state=0).roc_auc > 0.99


def test_train_test_mode_fits_on_train_and_scores_on_test():
    rng = np.random.default_rng(9)
    s_train, s_test = _binary(500, seed=10), _binary(300, seed=11)
    Z_train = np.column_stack([s_train + 0.3 * rng.normal(size=500), rng.normal(size=500)])
    Z_test = np.column_stack([s_test + 0.3 * rng.normal(size=300), rng.normal(size=300)])
    result = sensitive_leakage(
        Z_train, s_train, Z_test=Z_test, sensitive_features_test=s_test, random_state=0
    )
    probe = HistGradientBoostingClassifier(random_state=0).fit(Z_train, s_train)
    expected = roc_auc_score(s_test, probe.predict_proba(Z_test)[:, 1])
    assert result.roc_auc == pytest.approx(expected)
    assert result.accuracy == pytest.approx(probe.score(Z_test, s_test))
    assert result.majority_rate == pytest.approx(np.bincount(s_test).max() / 300)
    # test codes that forgot s: the probe learned on train codes is at chance
    scrambled = sensitive_leakage(
        Z_train, s_train, Z_test=rng.normal(size=(300, 2)), sensitive_features_test=s_test
    )
    assert abs(scrambled.roc_auc - 0.5) < 0.1


OPENMP_THREADS_SEEN = []


class _ThreadRecordingProbe(ClassifierMixin, BaseEstimator):
    """A logistic regression that records the OpenMP threads it may use when fitted."""

    def fit(self, X, y):
        OPENMP_THREADS_SEEN.extend(
            pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "openmp"
        )
        self.model_ = LogisticRegression().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return self.model_.predict_proba(X)

    def predict(self, X):
        return self.model_.predict(X)


def test_the_probe_trains_on_one_openmp_thread():
    # Where torch's and scikit-learn's OpenMP runtimes share a process, a probe on two threads
    # took 40 times as long on 2 cores.
    s = _binary(300, seed=3)
    Z = np.column_stack([s + np.random.default_rng(3).normal(size=300), np.zeros(300)])
    OPENMP_THREADS_SEEN.clear()
    with threadpool_limits(2, user_api="openmp"):
        sensitive_leakage(Z, s, probe=_ThreadRecordingProbe(), cv=2)
        sensitive_leakage(Z, s, probe=_ThreadRecordingProbe(), Z_test=Z, sensitive_features_test=s)
    assert OPENMP_THREADS_SEEN and set(OPENMP_THREADS_SEEN) == {1}


def test_string_groups_keep_their_identity_across_train_and_test():
    s_train = np.array(["x", "y"] * 100)
    s_test = np.array(["y", "x"] * 50)  # first seen in the other order
    Z_train = (s_train == "x").astype(float)[:, None]
    Z_test = (s_test == "x").astype(float)[:, None]
    result = sensitive_leakage(Z_train, s_train, Z_test=Z_test, sensitive_features_test=s_test)
    assert result.roc_auc == 1.0 and result.accuracy == 1.0


def test_inputs_are_not_modified():
    rng = np.random.default_rng(12)
    Z = rng.normal(size=(200, 2))
    s = pd.DataFrame({"a": rng.choice(["u", "v"], 200), "b": rng.integers(0, 2, 200)})
    Z_copy, s_copy = Z.copy(), s.copy()
    sensitive_leakage(Z, s, random_state=0)
    np.testing.assert_array_equal(Z, Z_copy)
    pd.testing.assert_frame_equal(s, s_copy)


@pytest.mark.parametrize(
    ("Z", "s", "match"),
    [
        (np.zeros((10, 2)), np.zeros(10), "single group"),
        (np.zeros((10, 2)), np.arange(9) % 2, "same number of rows"),
        (np.full((10, 2), np.nan), np.arange(10) % 2, "NaN"),
        (np.zeros((10, 2)), np.array(["a", None] * 5, dtype=object), "missing values"),
    ],
    ids=["single-group", "lengths", "nan-in-Z", "missing-s"],
)
def test_invalid_inputs_raise(Z, s, match):
    with pytest.raises(ValueError, match=match):
        sensitive_leakage(Z, s)


def test_invalid_test_pairs_raise():
    Z, s = np.zeros((20, 1)), np.arange(20) % 2
    with pytest.raises(ValueError, match="both Z_test and sensitive_features_test"):
        sensitive_leakage(Z, s, Z_test=Z)
    with pytest.raises(ValueError, match="absent from sensitive_features"):
        sensitive_leakage(Z, s, Z_test=Z, sensitive_features_test=np.arange(20) % 3)
    with pytest.raises(ValueError, match="sensitive_features_test holds a single group"):
        sensitive_leakage(Z, s, Z_test=Z, sensitive_features_test=np.zeros(20))
    with pytest.raises(ValueError, match="same number of rows"):
        sensitive_leakage(Z, s, Z_test=np.zeros((20, 2)), sensitive_features_test=s)


# --------------------------------------------------------------------------- scorers


def _fairness_data(n=360):
    """y is rare and correlates with s: a weak model predicts all 0 (parity), a strong one not."""
    rng = np.random.default_rng(13)
    s = rng.integers(0, 2, size=n)
    X = rng.normal(size=(n, 4))
    X[:, 0] += s
    y = (X[:, 0] + X[:, 1] + 0.5 * rng.normal(size=n) > 1.5).astype(int)
    return X, y, s


def _search(n_jobs=1):
    return GridSearchCV(
        make_pipeline(StandardScaler(), LogisticRegression()),
        {"logisticregression__C": [1e-4, 1e-2, 1.0]},
        scoring={
            "accuracy": "accuracy",
            "dp": demographic_parity_scorer(),
            "leakage": leakage_scorer(),
        },
        refit=best_under_budget("dp", 0.05),
        cv=StratifiedKFold(3),
        n_jobs=n_jobs,
    )


@pytest.mark.slow
def test_grid_search_routes_each_fold_its_sensitive_features():
    X, y, s = _fairness_data()
    with sklearn.config_context(enable_metadata_routing=True):
        search = _search().fit(X, y, sensitive_features=s)
    results = search.cv_results_
    for name in ("accuracy", "dp", "leakage"):
        assert np.all(np.isfinite(results[f"mean_test_{name}"]))
    assert np.all(results["mean_test_dp"] <= 0)
    feasible = np.flatnonzero(results["mean_test_dp"] >= -0.05)
    assert 0 < feasible.size < len(results["params"])  # the budget binds
    assert search.best_index_ in feasible
    assert results["mean_test_accuracy"][search.best_index_] == max(
        results["mean_test_accuracy"][feasible]
    )

    # split 0 of the last candidate by hand: the scorers saw the rows of that test fold
    train, test = next(StratifiedKFold(3).split(X, y))
    pipe = clone(search.estimator).set_params(**results["params"][-1]).fit(X[train], y[train])
    y_pred = pipe.predict(X[test])
    expected_dp = demographic_parity_difference(y[test], y_pred, sensitive_features=s[test])
    assert expected_dp > 0.05
    assert results["split0_test_dp"][-1] == pytest.approx(-expected_dp)
    expected_leakage = sensitive_leakage(
        pipe[:-1].transform(X[test]), s[test], cv=3, random_state=0
    )
    assert results["split0_test_leakage"][-1] == pytest.approx(-expected_leakage.roc_auc)
    pickle.loads(pickle.dumps(search))  # the refit callable does not block pickling


@pytest.mark.slow
def test_grid_search_with_two_jobs_matches_one_job():
    X, y, s = _fairness_data()
    with sklearn.config_context(enable_metadata_routing=True):
        one = _search(n_jobs=1).fit(X, y, sensitive_features=s)
        two = _search(n_jobs=2).fit(X, y, sensitive_features=s)
    for name in ("dp", "leakage", "accuracy"):
        np.testing.assert_allclose(
            two.cv_results_[f"mean_test_{name}"], one.cv_results_[f"mean_test_{name}"]
        )
    assert two.best_index_ == one.best_index_


def test_a_search_predicts_once_per_fold_for_the_accuracy_and_the_gap_scorers():
    # As scikit-learn's own scorers share one predict call per fold, so do these.
    from sklearn.model_selection import cross_validate

    class CountingLogisticRegression(LogisticRegression):
        calls = 0

        def predict(self, X):
            CountingLogisticRegression.calls += 1
            return super().predict(X)

    X, y, s = _fairness_data()
    scoring = {
        "accuracy": "accuracy",
        "dp": demographic_parity_scorer(),
        "eo": equalized_odds_scorer(),
    }
    with sklearn.config_context(enable_metadata_routing=True):
        cross_validate(
            CountingLogisticRegression(),
            X,
            y,
            cv=3,
            scoring=scoring,
            params={"sensitive_features": s},
        )
    assert CountingLogisticRegression.calls == 3


@pytest.mark.parametrize("routing", [False, True])
def test_group_gap_scorers_match_fairlearn_when_called_by_hand(routing):
    # A scorer of make_scorer refuses the sensitive_features keyword with routing off; the
    # scorers take it either way, as leakage_scorer always did.
    X, y, s = _fairness_data()
    model = LogisticRegression().fit(X, y)
    y_pred = model.predict(X)
    with sklearn.config_context(enable_metadata_routing=routing):
        eo = equalized_odds_scorer()(model, X, y, sensitive_features=s)
        dp = demographic_parity_scorer()(model, X, y, sensitive_features=s)
    assert eo == pytest.approx(-equalized_odds_difference(y, y_pred, sensitive_features=s))
    assert dp == pytest.approx(-demographic_parity_difference(y, y_pred, sensitive_features=s))
    assert repr(equalized_odds_scorer(agg="mean")) == (
        "equalized_odds_scorer(method='between_groups', agg='mean', pos_label=None)"
    )


def test_a_group_with_fewer_rows_than_folds_is_named():
    # A training fold without the second group trained its probe on one group, and sklearn's
    # error ("shape mismatch") named neither the group nor the folds.
    Z = np.random.default_rng(0).normal(size=(60, 2))
    s = np.array(["a"] * 59 + ["b"])
    with pytest.raises(ValueError, match=r"Group 'b' has a single row: the probe of the fold"):
        sensitive_leakage(Z, s)
    # Two rows, or a lone row among three groups (sklearn pads its column), still score.
    two = np.array(["a"] * 58 + ["b"] * 2)
    assert np.isfinite(sensitive_leakage(Z, two, random_state=0).roc_auc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn's: the least populated class has 1 member
        three = np.array(["a"] * 30 + ["c"] * 29 + ["b"])
        assert np.isfinite(sensitive_leakage(Z, three, random_state=0).roc_auc)


@pytest.mark.parametrize("make", [demographic_parity_scorer, equalized_odds_scorer])
def test_text_labels_need_their_positive_class_named(make):
    # fairlearn counts predictions equal to 1: "yes"/"no" never are, and the demographic parity
    # scorer reported perfect parity (0.0) where the groups' rates differ.
    X, y, s = _fairness_data()
    text = np.where(y == 1, "yes", "no")
    model = LogisticRegression().fit(X, text)
    with sklearn.config_context(enable_metadata_routing=True):
        with pytest.raises(ValueError, match=r"labels are \['no', 'yes'\]: name the positive"):
            make()(model, X, text, sensitive_features=s)
        named = make(pos_label="yes")(model, X, text, sensitive_features=s)
        as_ints = make()(LogisticRegression().fit(X, y), X, y, sensitive_features=s)
    assert named == pytest.approx(as_ints) and named < -0.05


def test_leakage_scorer_accepts_a_transformer_and_an_alias():
    X, y, s = _fairness_data()
    scaler = StandardScaler().fit(X)
    expected = -sensitive_leakage(scaler.transform(X), s, cv=3, random_state=0).roc_auc
    assert leakage_scorer()(scaler, X, sensitive_features=s) == pytest.approx(expected)
    # A pipeline of transformers is probed on its output (its last step was dropped).
    from sklearn.decomposition import PCA

    pipe = make_pipeline(StandardScaler(), PCA(n_components=1)).fit(X)
    output = -sensitive_leakage(pipe.transform(X), s, cv=3, random_state=0).roc_auc
    assert output != pytest.approx(expected)
    assert leakage_scorer()(pipe, X, sensitive_features=s) == pytest.approx(output)
    # An encoder of this package that also predicts is probed on its codes, not dropped.
    from sklatent import InvariantEncoder

    env = np.arange(len(X)) % 2
    pipe = make_pipeline(StandardScaler(), InvariantEncoder(2, max_epochs=2, random_state=0))
    pipe.fit(X, y, invariantencoder__environments=env)
    codes = -sensitive_leakage(pipe.transform(X), s, cv=3, random_state=0).roc_auc
    assert leakage_scorer()(pipe, X, sensitive_features=s) == pytest.approx(codes)
    # So is one at the end of a nested pipeline, and a user's subclass.
    nested = make_pipeline(pipe[0], make_pipeline(pipe[-1]))  # the fitted steps
    assert leakage_scorer()(nested, X, sensitive_features=s) == pytest.approx(codes)
    subclass = type("MyEncoder", (InvariantEncoder,), {"__module__": "analysis"})
    mine = make_pipeline(StandardScaler(), subclass(2, max_epochs=2, random_state=0))
    mine.fit(X, y, myencoder__environments=env)
    assert leakage_scorer()(mine, X, sensitive_features=s) == pytest.approx(codes)
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = leakage_scorer().set_score_request(sensitive_features="group")
        routing = scorer.get_metadata_routing()
    assert routing.score.requests == {"sensitive_features": "group"}


@pytest.mark.parametrize("make", [demographic_parity_scorer, equalized_odds_scorer, leakage_scorer])
def test_scorers_without_sensitive_features_say_how_to_route_them(make):
    X, y, _ = _fairness_data()
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    with pytest.raises(ValueError, match="enable_metadata_routing=True"):
        make()(pipe, X, y)
    with sklearn.config_context(enable_metadata_routing=True):  # on, and still none passed
        with pytest.raises(ValueError, match="Metadata routing is on: pass them to fit"):
            make()(pipe, X, y)
    # routing off: a search scores without them and, with error_score="raise", says so
    search = GridSearchCV(
        pipe,
        {"logisticregression__C": [1.0]},
        scoring={"f": make()},
        refit=False,
        cv=2,
        error_score="raise",
    )
    with pytest.raises(ValueError, match="set_score_request"):
        search.fit(X, y)


# --------------------------------------------------------------------------- best_under_budget


def test_best_under_budget_picks_most_useful_feasible_candidate_with_ties_to_the_fairer():
    refit = best_under_budget("leak", 0.6, utility="auc")
    results = {
        "mean_test_auc": [0.95, 0.80, 0.80, np.nan, 0.70],
        "mean_test_leak": [-0.90, -0.58, -0.52, -0.50, -0.55],
    }
    assert refit(results) == 2


def test_best_under_budget_keeps_a_margin_for_the_spread_over_folds():
    results = {
        "mean_test_accuracy": [0.85, 0.83, 0.80],
        "mean_test_dp": [-0.045, -0.03, -0.01],
        "std_test_dp": [0.03, 0.01, 0.01],
    }
    assert best_under_budget("dp", 0.05)(results) == 0
    assert best_under_budget("dp", 0.05, margin="std")(results) == 1  # 0.045 + 0.03 > 0.05
    assert best_under_budget("dp", 0.05, margin=0.025)(results) == 2
    with pytest.raises(ValueError, match="std_test_dp"):
        best_under_budget("dp", 0.05, margin="std")({k: results[k] for k in list(results)[:2]})
    for margin in (-0.01, "sd", True):
        with pytest.raises(ValueError, match="margin must be"):
            best_under_budget("dp", 0.05, margin=margin)


def test_best_under_budget_falls_back_to_the_fairest_with_a_warning():
    refit = best_under_budget("dp", 0.01)
    results = {"mean_test_accuracy": [0.9, 0.8], "mean_test_dp": [-0.3, np.nan]}
    with pytest.warns(UserWarning, match=r"No candidate meets the budget.*-0.3, below -0.01"):
        assert refit(results) == 0
    # It says what the refitted candidate scored, which may be a constant predictor's score.
    with pytest.warns(UserWarning, match=r"mean_test_accuracy 0.9\): the fairest candidate"):
        refit(results)
    # Called by GridSearchCV, the warning names the line that called the search's fit.
    X, y, s = _fairness_data()
    search = GridSearchCV(
        LogisticRegression(),
        {"C": [1.0, 10.0]},
        scoring={"accuracy": "accuracy", "dp": demographic_parity_scorer()},
        refit=best_under_budget("dp", 1e-6),
        cv=StratifiedKFold(3),
    )
    with sklearn.config_context(enable_metadata_routing=True):
        with pytest.warns(UserWarning, match="No candidate meets the budget") as caught:
            search.fit(X, y, sensitive_features=s)
    assert {w.filename for w in caught} == {__file__}


def test_the_warning_says_when_the_margin_or_utility_excluded_a_candidate_within_budget():
    results = {"mean_test_accuracy": [0.9, np.nan], "mean_test_dp": [-0.04, -0.01]}
    results["std_test_dp"] = [0.02, 0.0]
    with pytest.warns(UserWarning, match=r"-0.01, within -0.05 but not by the margin"):
        assert best_under_budget("dp", 0.05, margin="std")(results) == 1


def test_best_under_budget_warns_when_only_candidates_at_the_baseline_meet_the_budget():
    # On a real table the one candidate within the budget predicted the majority class in
    # every fold, and the search chose it without a word.
    results = {"mean_test_accuracy": [0.84, 0.776], "mean_test_dp": [-0.22, -0.01]}
    with pytest.warns(
        UserWarning, match=r"candidate 1, has mean_test_accuracy 0.776 against 0.777"
    ):
        assert best_under_budget("dp", 0.05, baseline=0.777)(results) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert best_under_budget("dp", 0.05, baseline=0.7)(results) == 1
    with pytest.raises(ValueError, match="baseline must be a number"):
        best_under_budget("dp", 0.05, baseline="majority")


def test_best_under_budget_errors():
    with pytest.raises(ValueError, match=r"no 'mean_test_dp'.*'accuracy'"):
        best_under_budget("dp", 0.05)({"mean_test_accuracy": [1.0]})
    with pytest.raises(ValueError, match="NaN"):
        best_under_budget("dp", 0.05)({"mean_test_accuracy": [1.0], "mean_test_dp": [np.nan]})
    # A scorer of the difference itself (greater_is_better left True) would pass every candidate.
    positive = {"mean_test_accuracy": [0.9, 0.8], "mean_test_dp": [0.20, 0.01]}
    with pytest.raises(ValueError, match=r"positive values \(up to 0.2\).*greater_is_better"):
        best_under_budget("dp", 0.05)(positive)
    with pytest.raises(ValueError, match="budget"):
        best_under_budget("dp", "small")
    with pytest.raises(ValueError, match="budget must be a finite non-negative number"):
        best_under_budget("dp", -0.1)


def test_a_group_missing_from_a_folds_training_rows_is_left_out_of_the_auc():
    # The fold that held out the lone row of "E" never saw E: it gave E probability 0, which
    # ranked the row last, and E's AUC of 0 pulled the average of codes that separate every
    # other group perfectly from 1 to 0.75 (noise codes read 0.43).
    groups = np.array(["A"] * 100 + ["B"] * 100 + ["C"] * 100 + ["E"])
    Z = (groups[:, None] == np.array(["A", "B", "C", "E"])).astype(float)
    with pytest.warns(UserWarning, match=r"groups \['E'\] are missing from the training rows"):
        result = sensitive_leakage(Z, groups, probe=LogisticRegression(), random_state=0)
    assert result.roc_auc == 1.0 and result.n_groups == 4


@pytest.mark.parametrize("make", [demographic_parity_scorer, equalized_odds_scorer])
def test_gap_scorers_refuse_rows_of_a_single_group(make):
    # fairlearn's difference between one group and itself is 0: folds grouped by the sensitive
    # attribute read as perfect parity, and best_under_budget refitted a model whose gap on
    # all rows was 0.42.
    X = np.random.default_rng(0).normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match=r"hold a single group \('F'\), so there is no diff"):
        make()(model, X, y, sensitive_features=["F"] * 60)


def test_best_under_budget_names_a_split_that_failed_for_every_candidate():
    # A fold of one group fails every candidate's parity score: "every mean is NaN" hid why.
    cv_results = {
        "mean_test_accuracy": [0.8, 0.7],
        "mean_test_dp": [np.nan, np.nan],
        "split0_test_dp": [np.nan, np.nan],
        "split1_test_dp": [-0.2, -0.05],
    }
    with pytest.raises(ValueError, match=r"on the same splits \(split0\) while the others"):
        best_under_budget("dp", 0.05)(cv_results)


def test_gap_scorers_take_a_dict_of_sensitive_columns_as_fairlearn_does():
    # The single-group check read the dict as one object and refused it (shape ()).
    X = np.random.default_rng(0).normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    columns = {"a": np.arange(60) % 2, "b": np.arange(60) % 3}
    expected = -demographic_parity_difference(y, model.predict(X), sensitive_features=columns)
    assert demographic_parity_scorer()(model, X, y, sensitive_features=columns) == expected
