"""Renamed parameters: the former name works for one release, with a FutureWarning."""

import warnings

import numpy as np
import pytest

import sklatent
from sklatent.estimators._renamed import DEPRECATED, current_value

rng = np.random.RandomState(0)
X = rng.normal(size=(300, 4))
y, env = np.arange(300) % 2, (np.arange(300) // 2) % 2
FAST = {"hidden_layer_sizes": (8,), "max_epochs": 5, "random_state": 0}

# (estimator, its fit's arguments, its other parameters, former name and value, new name and
# value). The values differ from the default, so that a fit shows which one was used.
RENAMES = [
    (
        sklatent.FairEncoder,
        {"sensitive_features": env},
        {},
        ("independence", "hsic"),
        ("dependence_measure", "hsic"),
    ),
    (
        sklatent.InvariantEncoder,
        {"y": y, "environments": env},
        {"penalty": "conditional_independence"},
        ("independence", "hsic"),
        ("dependence_measure", "hsic"),
    ),
    (
        sklatent.InvariantEncoder,
        {"y": y, "environments": env},
        {},
        ("anneal_epochs", 1),
        ("warmup_epochs", 1),
    ),
    (sklatent.DisentangledEncoder, {"y": y}, {}, ("critic", "mmd"), ("dependence_measure", "mmd")),
    (  # the former critic="adversarial" named the permutation discriminators
        sklatent.DisentangledEncoder,
        {"y": y},
        {"dependence_measure": "mmd"},  # the default compared against: the former name wins
        ("critic", "adversarial"),
        ("dependence_measure", "permutation"),
    ),
]


def _fit(Estimator, fit_arguments, params, **renamed):
    return Estimator(**{**FAST, **params, **renamed}).fit(X, **fit_arguments)


@pytest.mark.parametrize(
    ("Estimator", "fit_arguments", "params", "old", "new"),
    RENAMES,
    ids=[f"{E.__name__}-{old[0]}={old[1]}" for E, _, _, old, _ in RENAMES],
)
def test_a_former_name_warns_and_is_used(Estimator, fit_arguments, params, old, new):
    with pytest.warns(FutureWarning, match=f"{old[0]} was renamed {new[0]}"):
        former = _fit(Estimator, fit_arguments, params, **{old[0]: old[1]})
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)  # the new name alone warns nothing
        renamed = _fit(Estimator, fit_arguments, params, **{new[0]: new[1]})
        default = _fit(Estimator, fit_arguments, params)
    np.testing.assert_array_equal(former.transform(X), renamed.transform(X))
    assert not np.array_equal(former.transform(X), default.transform(X))
    assert Estimator().get_params()[old[0]] == DEPRECATED


def test_a_former_name_outside_its_values_is_refused():
    with pytest.raises(ValueError, match="independence"):
        sklatent.FairEncoder(independence="kernel").fit(X, sensitive_features=env)


def test_the_current_value_prefers_a_set_former_name():
    encoder = sklatent.FairEncoder(dependence_measure="adversarial")
    assert current_value(encoder, "dependence_measure") == "adversarial"
    encoder.set_params(independence="hsic")
    assert current_value(encoder, "dependence_measure") == "hsic"
