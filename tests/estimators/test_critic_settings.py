"""The critic's settings mean the same in every preset that trains one."""

import numpy as np
import pandas as pd
import pytest

from sklatent import DisentangledEncoder, FairEncoder, InvariantEncoder

rng = np.random.RandomState(0)
X = rng.normal(size=(120, 4))
labels = (X[:, 0] > 0).astype(int)
groups = np.r_[np.zeros(60, dtype=int), np.ones(60, dtype=int)]
SMALL = {"max_epochs": 1, "lr": 1e-3, "random_state": 0}

FITS = {
    "FairEncoder": (
        lambda **kw: FairEncoder(dependence_measure="adversarial", **SMALL, **kw),
        lambda est: est.fit(X, labels, sensitive_features=groups),
    ),
    "InvariantEncoder": (
        lambda **kw: InvariantEncoder(
            penalty="conditional_independence", dependence_measure="permutation", **SMALL, **kw
        ),
        lambda est: est.fit(X, labels, environments=groups),
    ),
    "DisentangledEncoder": (
        lambda **kw: DisentangledEncoder(**SMALL, **kw),
        lambda est: est.fit(X, pd.DataFrame({"a": labels, "b": groups})),
    ),
}


@pytest.mark.parametrize("name", FITS)
def test_critic_lr_sets_the_critics_optimiser_and_defaults_to_lr(name):
    make, fit = FITS[name]
    default = fit(make())
    assert default.net_.critic_optimizer_.param_groups[0]["lr"] == pytest.approx(1e-3)
    own = fit(make(critic_lr=0.05))
    assert own.net_.critic_optimizer_.param_groups[0]["lr"] == pytest.approx(0.05)
    assert own.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(1e-3)


@pytest.mark.parametrize("name", FITS)
def test_a_non_positive_critic_lr_is_refused(name):
    make, fit = FITS[name]
    with pytest.raises(ValueError, match="critic_lr"):
        fit(make(critic_lr=0.0))


@pytest.mark.parametrize("name", FITS)
@pytest.mark.parametrize(
    ("sizes", "message"), [((0,), "must be positive"), ((8.5,), "must be a sequence of positive")]
)
def test_critic_hidden_layer_sizes_are_checked_as_hidden_layer_sizes(name, sizes, message):
    # (0,) fitted a critic blind to its input (a penalty that did nothing), 8.5 became 8.
    make, fit = FITS[name]
    estimator = fit(make())
    with pytest.raises(ValueError, match=f"critic_hidden_layer_sizes {message}"):
        fit(estimator.set_params(critic_hidden_layer_sizes=sizes))
    assert not hasattr(estimator, "net_")  # the failed refit left no model behind
