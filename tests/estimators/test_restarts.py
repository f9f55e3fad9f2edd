"""Restarts of a learned structure: n_init="auto" races ten restarts and finishes three."""

import numpy as np
import pytest

from sklatent import StructuredVAE
from sklatent.datasets import make_structured
from sklatent.estimators._restarts import race_epochs

SETTINGS = {"hidden_layer_sizes": (16,), "max_epochs": 8, "early_stopping": False}
# Eight epochs on 300 rows leave some views without a parent; that is not what is tested here.
pytestmark = pytest.mark.filterwarnings("ignore::sklatent.DisconnectedViewWarning")


@pytest.fixture(scope="module")
def planted():
    return make_structured(300, random_state=0)


def _fit(planted, **params):
    return StructuredVAE(
        planted.views, {"z0": 2, "z1": 2}, decoder_mask="learn", **SETTINGS, **params
    ).fit(planted.X)


def test_auto_races_ten_restarts_and_finishes_the_three_best(planted, restart_nets):
    model, nets = _fit(planted, random_state=0), restart_nets
    epochs = np.array([len(net.history) for net in nets])
    assert len(nets) == 10 and race_epochs(nets[0]) == 2  # a quarter of 8 epochs
    finished = np.flatnonzero(epochs == SETTINGS["max_epochs"])
    assert len(finished) == 3 and set(epochs) == {2, 8}
    # The finishers are the three lowest held-out losses at the race's end (epoch 2) ...
    at_race_end = np.array([net.history[1, "valid_loss"] for net in nets])
    assert set(finished) == set(np.argsort(at_race_end)[:3])
    # ... their losses are their final ones, the others' their race's, and the kept net is
    # the finisher with the lowest.
    losses = model.restart_losses_
    np.testing.assert_allclose(
        losses[finished], [nets[i].history[-1, "valid_loss"] for i in finished]
    )
    raced_out = np.setdiff1d(np.arange(10), finished)
    np.testing.assert_allclose(losses[raced_out], at_race_end[raced_out])
    assert model.net_ is nets[finished[np.argmin(losses[finished])]]
    assert model.n_iter_ == SETTINGS["max_epochs"]


def test_a_race_is_reproducible_and_an_integer_n_init_fits_every_restart(planted, restart_nets):
    a, b = _fit(planted, random_state=1), _fit(planted, random_state=1)
    np.testing.assert_array_equal(a.restart_losses_, b.restart_losses_)
    np.testing.assert_array_equal(a.transform(planted.X), b.transform(planted.X))
    del restart_nets[:]  # the two races' nets
    _fit(planted, random_state=0, n_init=4)
    assert [len(net.history) for net in restart_nets] == [SETTINGS["max_epochs"]] * 4
