"""TradeoffDisplay draws utility against fairness cost with the Pareto front."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from fairlearn.metrics import demographic_parity_difference
from sklearn.datasets import make_classification
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sklatent.metrics
from sklatent.plotting import TradeoffDisplay
from sklatent.plotting._tradeoff import _format_params, pareto_front

matplotlib.use("agg")

X, y = make_classification(n_samples=80, n_features=5, n_informative=3, random_state=0)
s = (X[:, 0] + np.random.RandomState(1).normal(size=len(X)) > 0).astype(int)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _brute_force_front(cost, utility):
    cost, utility = np.asarray(cost, float), np.asarray(utility, float)
    mask = []
    for i in range(len(cost)):
        weakly = (cost <= cost[i]) & (utility >= utility[i])
        strictly = (cost < cost[i]) | (utility > utility[i])
        mask.append(not np.any(weakly & strictly))
    return np.array(mask)


def test_pareto_front_known_answer_with_ties():
    cost = [0.1, 0.2, 0.2, 0.3, 0.3, 0.1, 0.4, 0.05, 0.4]
    utility = [0.7, 0.9, 0.8, 0.85, 0.95, 0.7, 0.95, 0.6, 0.96]
    # 0 and 5 are duplicates (neither dominates the other); 2 loses to 1 at equal cost;
    # 3 loses to 1; 6 loses to 4 at equal utility and higher cost; 8 beats 4 on utility only.
    expected = [True, True, False, False, True, True, False, True, True]
    np.testing.assert_array_equal(pareto_front(cost, utility), expected)


def test_pareto_front_matches_brute_force_on_integer_grid():
    rng = np.random.RandomState(0)
    for _ in range(20):
        cost, utility = rng.randint(0, 4, size=(2, 15))  # many ties
        np.testing.assert_array_equal(
            pareto_front(cost, utility), _brute_force_front(cost, utility)
        )


def test_pareto_front_ignores_nan_and_checks_shapes():
    mask = pareto_front([np.nan, 0.2, 0.1, 0.0], [1.0, 0.5, np.nan, 0.1])
    np.testing.assert_array_equal(mask, [False, True, False, True])
    assert not pareto_front([], []).any()
    with pytest.raises(ValueError, match="same length"):
        pareto_front([0.1, 0.2], [0.5])


def test_params_are_formatted_compactly():
    params = [
        {"fairencoder__beta": 1.0, "fairencoder__independence_weight": 10, "clf__C": 1.0},
        {"fairencoder__beta": 0.1, "fairencoder__independence_weight": 10, "clf__C": 1.0},
        {"fairencoder__beta": 1.0, "fairencoder__independence_weight": 100, "clf__C": 1.0},
    ]
    assert _format_params(params) == [
        "beta=1, independence_weight=10",
        "beta=0.1, independence_weight=10",
        "beta=1, independence_weight=100",
    ]
    # Same short name in two steps: keep the full names.
    assert _format_params([{"a__C": 1, "b__C": 2}, {"a__C": 3, "b__C": 2}]) == ["a__C=1", "a__C=3"]
    # Nothing varies: show everything; values of other types as written.
    assert _format_params([{"kernel": "rbf", "shrinking": True, "est": None}]) == [
        "kernel=rbf, shrinking=True, est=None"
    ]


@pytest.fixture(scope="module")
def search():
    return GridSearchCV(
        LogisticRegression(),
        {"C": [0.001, 0.01, 0.1, 1.0, 10.0]},
        scoring=["accuracy", "neg_log_loss"],
        refit=False,
        cv=3,
    ).fit(X, y)


def test_from_cv_results_draws_every_candidate_and_the_front(search):
    display = TradeoffDisplay.from_cv_results(search, x="neg_log_loss", y="accuracy")
    results = search.cv_results_
    cost = -results["mean_test_neg_log_loss"]  # every score <= 0: negated automatically
    np.testing.assert_allclose(display.cost, cost)
    np.testing.assert_allclose(display.utility, results["mean_test_accuracy"])
    np.testing.assert_allclose(display.scatter_.get_offsets(), np.c_[cost, display.utility])
    assert display.labels == ["C=0.001", "C=0.01", "C=0.1", "C=1", "C=10"]

    front = pareto_front(cost, display.utility)
    np.testing.assert_array_equal(display.front_mask_, front)
    order = np.argsort(cost[front])
    np.testing.assert_allclose(display.front_line_.get_xdata(), cost[front][order])
    np.testing.assert_allclose(display.front_line_.get_ydata(), display.utility[front][order])
    assert display.front_line_.get_drawstyle() == "steps-post"
    assert display.ax_.get_xlabel() == "log_loss"
    assert display.ax_.get_ylabel() == "accuracy"
    assert display.annotations_ == []


def test_from_cv_results_takes_the_dict_and_respects_negate_x(search):
    display = TradeoffDisplay.from_cv_results(
        search.cv_results_, x="neg_log_loss", y="accuracy", negate_x=False, cost_name="score"
    )
    np.testing.assert_allclose(display.cost, search.cv_results_["mean_test_neg_log_loss"])
    assert display.ax_.get_xlabel() == "score"
    # Positive scores are not negated by default.
    display = TradeoffDisplay.from_cv_results(search, x="accuracy", y="accuracy")
    np.testing.assert_allclose(display.cost, search.cv_results_["mean_test_accuracy"])
    # A negated scorer without the neg_ prefix: the label says the cost is minus the score.
    results = {**search.cv_results_, "mean_test_dp": search.cv_results_["mean_test_neg_log_loss"]}
    display = TradeoffDisplay.from_cv_results(results, x="dp", y="accuracy")
    assert display.ax_.get_xlabel() == "dp, minus its score"


def test_bad_scorer_names_are_refused_clearly(search):
    with pytest.raises(ValueError, match=r"x='dp'.*no 'mean_test_dp'.*accuracy"):
        TradeoffDisplay.from_cv_results(search, x="dp", y="accuracy")
    with pytest.raises(ValueError, match=r"y='auc'.*neg_log_loss"):
        TradeoffDisplay.from_cv_results(search, x="neg_log_loss", y="auc")


def test_unfitted_search_is_refused():
    from sklearn.exceptions import NotFittedError

    unfitted = GridSearchCV(LogisticRegression(), {"C": [1.0]})
    with pytest.raises(NotFittedError):
        TradeoffDisplay.from_cv_results(unfitted, x="score", y="score")


def _pipelines():
    return [
        make_pipeline(StandardScaler(), PCA(n_components=2), LogisticRegression()).fit(X, y),
        make_pipeline(StandardScaler(), LogisticRegression(C=0.01)).fit(X, y),
    ]


def test_from_estimators_with_demographic_parity():
    pipes = _pipelines()
    display = TradeoffDisplay.from_estimators(
        pipes, X, y, sensitive_features=s, cost="demographic_parity"
    )
    expected = [demographic_parity_difference(y, p.predict(X), sensitive_features=s) for p in pipes]
    np.testing.assert_allclose(display.cost, expected)
    np.testing.assert_allclose(display.utility, [p.score(X, y) for p in pipes])
    assert display.labels == ["PCA", "StandardScaler"]
    assert [a.get_text() for a in display.annotations_] == display.labels
    assert display.ax_.get_xlabel() == "demographic parity difference"
    assert display.ax_.get_ylabel() == "accuracy"
    assert len(display.scatter_.get_offsets()) == 2


def test_text_labels_need_their_positive_class_named():
    # With "yes"/"no" labels fairlearn counted no prediction as positive: parity 0 everywhere.
    text = np.where(y == 1, "yes", "no")
    pipes = [make_pipeline(StandardScaler(), LogisticRegression()).fit(X, text)]
    with pytest.raises(ValueError, match="name the positive class with pos_label="):
        TradeoffDisplay.from_estimators(pipes, X, text, sensitive_features=s, cost="equalized_odds")
    display = TradeoffDisplay.from_estimators(
        pipes, X, text, sensitive_features=s, cost="demographic_parity", pos_label="yes"
    )
    positive = (pipes[0].predict(X) == "yes") * 1
    expected = demographic_parity_difference(y, positive, sensitive_features=s)
    assert display.cost[0] == pytest.approx(expected) and expected > 0
    # A pos_label that is no label ("Yes") counted no row as positive: parity 0 again.
    with pytest.raises(ValueError, match=r"pos_label='Yes' is none of the classes \['no', 'yes'\]"):
        TradeoffDisplay.from_estimators(
            pipes, X, text, sensitive_features=s, cost="demographic_parity", pos_label="Yes"
        )
    with pytest.raises(ValueError, match="pos_label is read by the demographic_parity"):
        TradeoffDisplay.from_estimators(pipes, X, text, sensitive_features=s, pos_label="yes")


def test_from_estimators_takes_callables_and_names():
    pipes = _pipelines()

    def first_coef(estimator, X, y, *, sensitive_features):
        return abs(estimator[-1].coef_[0, 0])

    display = TradeoffDisplay.from_estimators(
        pipes,
        X,
        y,
        sensitive_features=s,
        cost=first_coef,
        utility="balanced_accuracy",
        names=["pca", "plain"],
        annotate=False,
    )
    np.testing.assert_allclose(display.cost, [abs(p[-1].coef_[0, 0]) for p in pipes])
    assert display.labels == ["pca", "plain"]
    assert display.ax_.get_xlabel() == "first_coef"
    assert display.ax_.get_ylabel() == "balanced_accuracy"
    with pytest.raises(ValueError, match="2 estimators"):
        TradeoffDisplay.from_estimators(pipes, X, y, sensitive_features=s, names=["a"])
    with pytest.raises(ValueError, match="not one of"):
        TradeoffDisplay.from_estimators(pipes, X, y, sensitive_features=s, cost="dp")


def test_leakage_is_probed_on_the_codes_before_the_classifier(monkeypatch):
    seen = []

    def fake_leakage(Z, sensitive_features, **kwargs):
        seen.append((Z, kwargs))
        return {"roc_auc": float(Z.shape[1])}

    monkeypatch.setattr(sklatent.metrics, "sensitive_leakage", fake_leakage, raising=False)
    pipes = _pipelines()
    display = TradeoffDisplay.from_estimators(pipes, X, y, sensitive_features=s, random_state=0)
    np.testing.assert_allclose(display.cost, [2, 5])
    np.testing.assert_allclose(seen[0][0], pipes[0][:-1].transform(X))
    assert seen[0][1] == {"random_state": 0}
    assert display.ax_.get_xlabel().startswith("leakage")
    with pytest.raises(TypeError, match="needs a Pipeline or a transformer"):
        TradeoffDisplay.from_estimators(
            [LogisticRegression().fit(X, y)], X, y, sensitive_features=s
        )


def test_leakage_of_a_pipeline_ending_in_an_encoder_probes_the_encoders_codes():
    # from_estimators probed the steps before the encoder (the scaled features) and named the
    # point after them, where leakage_scorer, and so from_cv_results, probe the encoder's codes.
    from sklearn.preprocessing import StandardScaler

    from sklatent import InvariantEncoder
    from sklatent.metrics import leakage_scorer

    settings = {"max_epochs": 2, "hidden_layer_sizes": (8,), "random_state": 0}
    pipe = make_pipeline(StandardScaler(), InvariantEncoder(**settings)).fit(X, y)
    display = TradeoffDisplay.from_estimators([pipe], X, y, sensitive_features=s, random_state=0)
    probed = sklatent.metrics.sensitive_leakage(pipe.transform(X), s, random_state=0)
    assert display.cost[0] == probed["roc_auc"]
    assert list(display.labels) == ["InvariantEncoder"]
    scorer = leakage_scorer(cv=5, random_state=0)
    assert -scorer(pipe, X, y, sensitive_features=s) == display.cost[0]


def test_leakage_with_the_real_metric():
    if not hasattr(sklatent.metrics, "sensitive_leakage"):
        pytest.skip("sklatent.metrics.sensitive_leakage has not landed yet")
    pipes = _pipelines()
    display = TradeoffDisplay.from_estimators(
        pipes, X, y, sensitive_features=s, cost="leakage", random_state=0
    )
    assert np.all((display.cost >= 0) & (display.cost <= 1))
    # s follows X[:, 0], which both codes keep (a logistic probe scores AUC ~0.9 on each).
    assert np.all(display.cost > 0.7)


def test_plot_returns_self_and_sets_axes():
    display = TradeoffDisplay([0.3, 0.1, 0.2], [0.9, 0.5, 0.95], labels=["a", "b", "c"])
    _, ax = plt.subplots()
    assert display.plot(ax=ax, annotate="front", front_kw={"color": "k"}) is display
    assert display.ax_ is ax
    assert display.figure_ is ax.figure
    np.testing.assert_array_equal(display.front_mask_, [False, True, True])
    assert [a.get_text() for a in display.annotations_] == ["b", "c"]
    assert display.front_line_.get_color() == "k"
    assert display.ax_.get_xlabel() == "cost"
    display.plot(annotate=True)
    assert display.ax_ is not ax
    assert len(display.annotations_) == 3
    with pytest.raises(ValueError, match="one label per candidate"):
        TradeoffDisplay([0.1], [0.2]).plot(annotate=True)


def test_default_names_follow_the_probed_step_through_passthrough_and_nested_pipelines():
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from sklatent.plotting._tradeoff_candidates import _default_names

    pca = PCA(2)
    pipes = [
        Pipeline([("pca", pca), ("last", None)]),
        make_pipeline(pca, "passthrough"),
        make_pipeline(StandardScaler(), make_pipeline(StandardScaler(), pca)),
        make_pipeline(make_pipeline(StandardScaler(), pca), LogisticRegression()),
    ]
    assert _default_names(pipes) == ["PCA #1", "PCA #2", "PCA #3", "PCA #4"]


@pytest.mark.parametrize("cost", ["demographic_parity", "equalized_odds"])
def test_a_group_cost_of_rows_of_one_group_is_refused(cost):
    pipe = _pipelines()[0]
    with pytest.raises(ValueError, match="single group"):
        TradeoffDisplay.from_estimators([pipe], X, y, sensitive_features=[0] * len(y), cost=cost)


def test_default_names_see_through_a_nested_pipeline_ending_in_passthrough():
    from sklearn.pipeline import Pipeline

    from sklatent.plotting._tradeoff_candidates import _default_names

    nested = Pipeline([("pca", PCA(2)), ("p", "passthrough")])
    assert _default_names([make_pipeline(nested, LogisticRegression())]) == ["PCA"]


class _CoinFlipClassifier(LogisticRegression):
    """Predicts at random from numpy's global state, as ExponentiatedGradient does unseeded."""

    def predict(self, X):
        return (np.random.random_sample(len(X)) < 0.5).astype(int)  # noqa: NPY002


def test_both_axes_of_a_randomized_predictor_read_the_same_predictions():
    # Each axis predicted anew: the point had the parity gap of one draw and the accuracy of
    # another, and moved at every call.
    model = _CoinFlipClassifier().fit(X, y)
    state = np.random.get_state()  # noqa: NPY002
    first = TradeoffDisplay.from_estimators(
        [model], X, y, sensitive_features=s, cost="demographic_parity"
    )
    after = np.random.get_state()  # noqa: NPY002
    assert all(np.array_equal(a, b) for a, b in zip(state[1:3], after[1:3], strict=True))
    np.random.set_state(state)  # noqa: NPY002
    predicted = model.predict(X)  # the draw the display read
    expected = demographic_parity_difference(y, predicted, sensitive_features=s)
    assert first.cost[0] == pytest.approx(expected)
    assert first.utility[0] == pytest.approx(np.mean(predicted == y))
