"""InvariantEncoder: accuracy under a spurious correlation's reversal, routing, classifier API."""

import pickle
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV, GroupKFold
from skorch.callbacks import Callback

from sklatent import CollapsedPredictionsWarning, InvariantEncoder
from sklatent.datasets import make_spurious_environments
from sklatent.metrics import environment_scores

# Causal features give 0.75 in every environment; the spurious one agrees with the label in 90%
# and 80% of the training environments' rows and in 10% of the test environment's.
X, Y, ENV = make_spurious_environments(1000, random_state=0)
X_ALL = X
TRAIN, TEST = ENV < 2, ENV == 2
# Full-batch training, as in the IRM paper: every step sees both environments whole.
FULL_BATCH = {"batch_size": 2000, "max_epochs": 500, "warmup_epochs": 100, "random_state": 0}
FULL_BATCH["unbiased"] = False  # IRMv1 as the paper estimates it (the margins were measured so)


def _test_accuracy(**params):
    model = InvariantEncoder(**{**FULL_BATCH, **params})
    model.fit(X[TRAIN], Y[TRAIN], environments=ENV[TRAIN])
    return model.score(X[TEST], Y[TEST])


@pytest.fixture(scope="module")
def erm_accuracy():
    return _test_accuracy(penalty_weight=0.0)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("penalty", "params", "margin"),
    # Measured on the test environment: ERM 0.117; IRMv1 0.544, REx 0.679, I(z; e | y) 0.509
    # (MMD) and 0.681 (the conditional-permutation critic), in environment-stratified batches.
    [
        ("irm", {"penalty_weight": 1e4}, 0.3),
        ("rex", {"penalty_weight": 1e4}, 0.45),
        # The kernel penalty on 2,000-row batches is slow: minibatches of 500 instead.
        (
            "conditional_independence",
            {"penalty_weight": 100, "batch_size": 500, "max_epochs": 120, "warmup_epochs": 25},
            0.3,
        ),
        (
            "conditional_independence",
            {
                "dependence_measure": "permutation",
                "penalty_weight": 100,
                "batch_size": 500,
                "max_epochs": 120,
                "warmup_epochs": 25,
            },
            0.4,
        ),
    ],
)
def test_penalties_hold_up_when_the_spurious_correlation_reverses(
    erm_accuracy, penalty, params, margin
):
    assert erm_accuracy < 0.2  # ERM bets on the spurious feature
    assert _test_accuracy(penalty=penalty, **params) > erm_accuracy + margin


SMALL = {"n_components": 2, "max_epochs": 3, "hidden_layer_sizes": (8,), "random_state": 0}


def test_a_classifier_that_transforms():
    labels = np.where(Y == 1, "yes", "no")
    model = InvariantEncoder(**SMALL).fit(X, labels, environments=ENV)
    assert model.classes_.tolist() == ["no", "yes"]
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert set(model.predict(X)) <= {"no", "yes"}
    assert model.transform(X).shape == (len(X), 2)
    assert list(model.get_feature_names_out()) == ["invariantencoder0", "invariantencoder1"]
    table = environment_scores(model, X, labels, ENV).table
    assert table.index.tolist() == [0, 1, 2]
    # No decoder of X at the defaults: inverse_transform says so instead of returning NaN.
    with pytest.raises(ValueError, match=r"without a decoder of X.*reconstruction_weight > 0"):
        model.inverse_transform(model.transform(X))


@pytest.mark.slow
def test_environments_route_as_groups_through_grid_search():
    def n_environments_fitted(estimator, X, y):
        return float(len(estimator.environments_))

    grid = {"penalty_weight": [0.0, 10.0]}
    with sklearn.config_context(enable_metadata_routing=True):
        model = InvariantEncoder(**SMALL).set_fit_request(environments="groups")
        search = GridSearchCV(
            model, grid, cv=GroupKFold(3), scoring=n_environments_fitted, refit=False
        ).fit(X, Y, groups=ENV)
    # GroupKFold leaves one environment out per fold, and each fold's fit got the environments
    # of its own training rows: two of the three (without routing it would see one, [0]).
    for split in range(3):
        np.testing.assert_array_equal(search.cv_results_[f"split{split}_test_score"], 2.0)


def test_without_environments_it_warns_and_fits_erm():
    with pytest.warns(UserWarning, match="no environments"):
        model = InvariantEncoder(**SMALL).fit(X, Y)
    assert model.environments_.tolist() == [0]
    assert model.history_[-1, "train_penalty"] == 0.0


def test_environments_of_another_length_are_an_error():
    with pytest.raises(ValueError, match="environments has 10 rows but X has"):
        InvariantEncoder(**SMALL).fit(X, Y, environments=ENV[:10])


def test_one_environment_or_an_environment_with_one_class_is_an_error():
    with pytest.raises(ValueError, match="single environment"):
        InvariantEncoder(**SMALL).fit(X, Y, environments=np.zeros(len(X)))
    environments = np.where((ENV == 2) & (Y == 0), 0, ENV)  # environment 2 keeps only class 1
    with pytest.raises(ValueError, match=r"y holds one class \(0\): a label head needs two"):
        InvariantEncoder(**SMALL).fit(X, np.zeros(len(X), int), environments=ENV)
    # In a search, the usual cause is unshuffled folds of rows sorted by environment.
    with pytest.raises(ValueError, match=r"Environment 2 holds a single class.*shuffle the rows"):
        InvariantEncoder(**SMALL).fit(X, Y, environments=environments)


def test_weight_decay_is_scaled_with_the_loss_after_annealing():
    # IRM's reference code divides its L2 term with the rest of the loss; with Adam's weight
    # decay that means dividing the decay too, or it outweighs the risk by penalty_weight.
    model = InvariantEncoder(**{**SMALL, "alpha": 0.01, "penalty_weight": 100.0})
    model.set_params(warmup_epochs=1, max_epochs=2).fit(X, Y, environments=ENV)
    decays = [group["weight_decay"] for group in model.net_.optimizer_.param_groups]
    assert decays == pytest.approx([0.01 / 100.0] * len(decays))


def test_partial_fit_scales_the_weight_decay_once():
    # Each call began training with the decay the last call had scaled, and scaled it again:
    # 1e-4, 1e-6, 1e-8... after the warm-up, until alpha did nothing.
    model = InvariantEncoder(**{**SMALL, "alpha": 0.01, "penalty_weight": 100.0})
    model.set_params(warmup_epochs=1)
    for _ in range(4):
        model.partial_fit(X, Y, environments=ENV)
    decays = [group["weight_decay"] for group in model.net_.optimizer_.param_groups]
    assert decays == pytest.approx([0.01 / 100.0] * len(decays))
    # A checkpoint of the stream, resumed: the callback's record of the decay survives it.
    resumed = pickle.loads(pickle.dumps(model))
    for _ in range(2):
        resumed.partial_fit(X, Y, environments=ENV)
    decays = [group["weight_decay"] for group in resumed.net_.optimizer_.param_groups]
    assert decays == pytest.approx([0.01 / 100.0] * len(decays))


class _EnvironmentCounts(Callback):
    """Records how many rows of each environment every training batch holds."""

    def __init__(self):
        self.counts = []

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if training:
            self.counts.append(np.bincount(batch["groups"].cpu().numpy(), minlength=3))


@pytest.mark.parametrize("stratify", [True, False])
def test_minibatches_hold_every_environment_in_proportion(stratify):
    # Environments of 300, 300 and 50 rows in batches of 50: at random, some batches miss the
    # small one; stratified, each holds 23, 23 and 4 rows (to within one).
    X_env, y_env, env = make_spurious_environments(300, flip_probs=(0.1, 0.2, 0.3), random_state=0)
    keep = (env != 2) | (np.arange(len(env)) % 6 == 0)
    recorder = _EnvironmentCounts()
    model = InvariantEncoder(
        **{**SMALL, "batch_size": 50, "max_epochs": 5, "stratify_batches": stratify},
        callbacks=[recorder],
    )
    model.fit(X_env[keep], y_env[keep], environments=env[keep])
    # The estimator trains on copies of its callbacks: read the net's.
    counts = np.array(dict(model.net_.callbacks_)["_EnvironmentCounts"].counts)
    full = counts[counts.sum(axis=1) == 50]
    deviation = np.abs(full - [23, 23, 4]).max()
    assert deviation <= 1 if stratify else deviation > 1


@pytest.mark.parametrize("penalty", ["irm", "rex", "conditional_independence"])
def test_every_penalty_has_a_validation_value_for_early_stopping(penalty):
    # The validation pass runs without gradients: IRMv1's penalty, a gradient, must still
    # have its value there, or early stopping on the validation loss has nothing to read.
    model = InvariantEncoder(
        **{**SMALL, "max_epochs": 3}, penalty=penalty, early_stopping=True, validation_fraction=0.2
    )
    model.fit(X, Y, environments=ENV)
    valid = model.history_[:, "valid_penalty"]
    assert len(valid) == 3 and np.isfinite(valid).all()
    if penalty == "irm":
        assert min(valid) > 0  # a real value, not a zero stand-in


def test_a_missing_target_is_named():
    with pytest.raises(ValueError, match="requires y to be passed, but the target y is None"):
        InvariantEncoder(**SMALL).fit(X, None, environments=ENV)


@pytest.mark.slow
def test_defaults_train_enough_on_a_small_table():
    # 178 rows: the automatic budget (batches of 64, early stopping on a tenth) must train the
    # classifier as far as a logistic regression (measured 0.972 vs 0.983, 5-fold CV).
    from sklearn.datasets import load_wine
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_wine(return_X_y=True)
    encoder = make_pipeline(StandardScaler(), InvariantEncoder(random_state=0))
    reference = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    accuracy = cross_val_score(encoder, X, y, cv=5).mean()
    assert accuracy >= cross_val_score(reference, X, y, cv=5).mean() - 0.015


def test_a_head_the_penalty_pins_at_zero_warns():
    # IRMv1 is zero at zero logits, and its square-of-the-gradient estimate is pulled there by
    # the batch's noise: at a large weight from the first step the head stays there (training
    # accuracy about 0.45) while the codes still vary.
    pinned = InvariantEncoder(
        penalty_weight=1e4, unbiased=False, warmup_epochs=0, max_epochs=20, random_state=0
    )
    with pytest.warns(CollapsedPredictionsWarning, match="no better than its class frequencies"):
        pinned.fit(X[TRAIN], Y[TRAIN], environments=ENV[TRAIN])
    with warnings.catch_warnings():
        warnings.simplefilter("error", CollapsedPredictionsWarning)
        learned = InvariantEncoder(max_epochs=20, random_state=0)
        learned.fit(X[TRAIN], Y[TRAIN], environments=ENV[TRAIN])
    assert learned.score(X[TRAIN], Y[TRAIN]) > 0.75


def test_an_environment_too_small_for_the_batches_warns():
    environments = ENV[TRAIN].copy()
    environments[:10] = 5  # 10 rows of 2,000: under one in each automatic batch
    with pytest.warns(UserWarning, match=r"Environment 5 has 10 of the 2000 rows: about 0\.6"):
        InvariantEncoder(max_epochs=2, random_state=0).fit(
            X[TRAIN], Y[TRAIN], environments=environments
        )
    with warnings.catch_warnings():  # full batches hold all 10 rows; no penalty, no warning
        warnings.filterwarnings("error", message="Environment")
        for params in ({"batch_size": 2000}, {"penalty_weight": 0.0}):
            InvariantEncoder(max_epochs=2, random_state=0, **params).fit(
                X[TRAIN], Y[TRAIN], environments=environments
            )


def test_probabilities_sum_to_one_in_float64():
    # A float32 softmax returned as float64 summed to 1 within 1.2e-7: log_loss warned.
    three_classes = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    model = InvariantEncoder(**SMALL).fit(X, three_classes, environments=ENV)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log_loss(three_classes, proba)
