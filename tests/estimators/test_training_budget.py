"""The automatic training budget: patience counted in gradient steps, hold-out from 200 rows."""

import numpy as np
import pytest
from skorch.callbacks import EarlyStopping

from sklatent import BetaVAE, FairEncoder
from sklatent.estimators._budget import training_budget


@pytest.mark.parametrize(
    ("n_samples", "patience"),
    # rows -> steps an epoch: 60 -> 4, 150 -> 10 (no rows held out), 300 -> 17 (30 held out),
    # 4,000 -> 16, 30,000 -> 106, 300,000 -> 1,055.
    [(60, 40), (150, 16), (300, 10), (4_000, 10), (30_000, 2), (300_000, 2)],
)
def test_the_automatic_patience_is_the_epochs_of_160_steps_and_at_least_2(n_samples, patience):
    assert training_budget(n_samples, early_stopping="auto").patience == patience


def test_a_pinned_patience_is_kept_and_an_unknown_table_gets_10_epochs():
    assert training_budget(30_000, n_iter_no_change=7).patience == 7
    assert training_budget(None).patience == 10


def test_tables_under_200_rows_stop_on_their_training_loss():
    # A tenth of fewer rows is too few to pick an epoch by their loss.
    small, large = (training_budget(n, early_stopping="auto") for n in (199, 200))
    assert (small.early_stopping, small.stop_on_train_loss) == (False, True)
    assert (large.early_stopping, large.validation_fraction) == (True, 0.1)


def test_a_validation_fraction_that_leaves_no_training_row_is_named():
    # It divided by zero steps an epoch before the split's own check could name it.
    with pytest.raises(ValueError, match=r"validation_fraction=0.999 leaves 0 of 500 rows for tr"):
        BetaVAE(validation_fraction=0.999).fit(np.zeros((500, 3)))


def _patience_of(estimator):
    (stopper,) = [cb for cb in estimator.net_.callbacks_ if isinstance(cb[1], EarlyStopping)]
    return stopper[1].patience


def test_fits_stop_with_the_patience_of_their_budget():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 3))
    # 360 training rows in batches of 22: 17 steps an epoch, so 10 epochs.
    vae = BetaVAE(2, hidden_layer_sizes=(8,), random_state=0).fit(X)
    assert _patience_of(vae) == 10
    # FairEncoder's batches are at least 64 rows: 6 steps an epoch, so 27 epochs.
    encoder = FairEncoder(2, hidden_layer_sizes=(8,), random_state=0)
    encoder.fit(X, sensitive_features=rng.randint(0, 2, 400))
    assert _patience_of(encoder) == 27
    assert _patience_of(BetaVAE(2, hidden_layer_sizes=(8,), n_iter_no_change=3).fit(X)) == 3


def test_fair_encoder_stops_on_its_held_out_loss_without_the_penalty():
    # On a few hundred held-out rows the penalty's estimate is noise around zero; weighted 30, it
    # moved the held-out loss more than the fit did and picked an early, untrained epoch.
    rng = np.random.RandomState(0)
    X, s = rng.normal(size=(400, 3)), rng.randint(0, 2, 400)
    y = (X[:, 0] + 0.3 * rng.normal(size=400) > 0).astype(int)
    encoder = FairEncoder(2, hidden_layer_sizes=(8,), independence_weight=30, random_state=0)
    encoder.fit(X, y, sensitive_features=s)
    (stopper,) = [cb for _, cb in encoder.net_.callbacks_ if isinstance(cb, EarlyStopping)]
    assert stopper.monitor == "valid_unpenalised_loss"
    history = encoder.history_
    watched = np.array(history[stopper.start_epoch :, "valid_unpenalised_loss"])
    penalised = np.array(history[stopper.start_epoch :, "valid_loss"])
    independence = np.array(history[stopper.start_epoch :, "valid_independence"])
    np.testing.assert_allclose(watched + 30 * independence, penalised, rtol=1e-5, atol=1e-5)
    # The restored epoch is the best by the watched loss (up to tol), not by the penalised one.
    assert watched[stopper.best_epoch_ - 1 - stopper.start_epoch] <= watched.min() + encoder.tol
