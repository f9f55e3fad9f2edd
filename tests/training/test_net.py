"""The engine: term recording, divergence, early stopping, callbacks, verbosity, seeding."""

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from sklatent import BetaVAE, FairEncoder, TrainingDivergedError
from sklatent.objectives import Objective
from sklatent.training import LatentNet, RandomSplit, TensorData
from sklatent.utils._torch import torch_seed

X = np.random.RandomState(0).normal(size=(200, 6)).astype(np.float32)
FAST = {"n_components": 2, "hidden_layer_sizes": (16,), "random_state": 0}


def test_every_term_is_recorded_per_batch_and_per_epoch():
    vae = BetaVAE(max_epochs=3, batch_size=64, **FAST).fit(X)
    history = vae.history_
    assert len(history) == 3 == vae.n_iter_
    for row in history:
        sizes = [batch["train_batch_size"] for batch in row["batches"]]
        assert sizes == [64, 64, 64, 8]
        for term in ("loss", "reconstruction", "kl"):
            per_batch = [batch[f"train_{term}"] for batch in row["batches"]]
            assert row[f"train_{term}"] == pytest.approx(np.average(per_batch, weights=sizes))
        # The loss is per feature (6 of them); the terms per row.
        expected = (row["train_reconstruction"] + row["train_kl"]) / X.shape[1]
        assert row["train_loss"] == pytest.approx(expected)


class _ExplodingObjective(Objective):
    """Finite for the first few batches, then NaN: stands in for a diverging fit."""

    term_names = ("fit",)
    weight_names = ("weight",)

    def __init__(self, weight=3.0):
        super().__init__()
        self.weight = weight
        self.calls = 0

    def forward(self, outputs, batch):
        self.calls += 1
        value = outputs.pow(2).mean() * (float("nan") if self.calls > 4 else 1.0)
        return {"fit": value, "loss": self.weight * value}


class _Linear(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(6, 1)

    def forward(self, batch):
        return self.layer(batch["X"])


def test_non_finite_loss_stops_with_an_error_naming_lr_and_weights():
    net = LatentNet(
        _Linear,
        _ExplodingObjective(),
        max_epochs=5,
        batch_size=50,
        train_split=None,
        lr=0.5,
        verbose=0,
    )
    with pytest.raises(TrainingDivergedError, match=r"\['fit', 'loss'\].*lr=0.5.*weight=3.0"):
        net.fit(TensorData({"X": torch.from_numpy(X)}))


def test_divergent_beta_vae_raises_instead_of_returning_nan_codes():
    with pytest.raises(TrainingDivergedError, match="lr="):
        BetaVAE(max_epochs=2, **FAST).fit(X * 1e30)


def test_a_loss_that_explodes_but_stays_finite_stops_the_fit():
    # At lr=10 the loss reaches ~1e19 and the codes ~1e6 without overflowing.
    with pytest.raises(TrainingDivergedError, match=r"the loss grew to .* at first"):
        BetaVAE(max_epochs=5, lr=10.0, **FAST).fit(X)


def test_early_stopping_stops_and_restores_the_best_weights():
    vae = BetaVAE(
        max_epochs=300,
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=3,
        lr=3e-2,
        **FAST,
    ).fit(X)
    valid_losses = vae.history_[:, "valid_loss"]
    assert vae.n_iter_ < 300
    # The validation rows are the same split the fit used; the restored weights score the best
    # validation loss of the history, not the last one.
    data = TensorData({"X": torch.from_numpy(X)})
    _, valid = RandomSplit(0.25, torch_seed(0))(data)
    vae.net_.module_.eval()
    restored = vae.net_.validation_step(valid.tensors)["loss"].item()
    assert restored == pytest.approx(min(valid_losses), rel=1e-5)
    assert restored < valid_losses[-1] or np.argmin(valid_losses) == len(valid_losses) - 1


def test_a_large_tol_stops_sooner_but_still_keeps_the_lowest_held_out_loss():
    # skorch kept the epoch of the last improvement larger than tol: with tol=0.01 on a slowly
    # improving fit, the first epoch, the worst of the run.
    vae = BetaVAE(
        max_epochs=40,
        early_stopping=True,
        validation_fraction=0.2,
        tol=0.01,
        n_iter_no_change=5,
        **FAST,
    ).fit(X)
    valid_losses = vae.history_[:, "valid_loss"]
    stopper = dict(vae.net_.callbacks_)["early_stopping"]
    assert vae.n_iter_ < 40
    assert stopper.best_epoch_ == 1 + int(np.argmin(valid_losses)) > 1
    data = TensorData({"X": torch.from_numpy(X)})
    _, valid = RandomSplit(0.2, torch_seed(0))(data)
    vae.net_.module_.eval()
    restored = vae.net_.validation_step(valid.tensors)["loss"].item()
    assert restored == pytest.approx(min(valid_losses), rel=1e-5)


def test_validation_fraction_without_early_stopping_records_valid_terms():
    vae = BetaVAE(max_epochs=4, validation_fraction=0.2, **FAST).fit(X)
    assert vae.n_iter_ == 4
    assert {"valid_loss", "valid_kl", "valid_reconstruction"} <= set(vae.history_[-1])


class _EpochCounter(Callback):
    def initialize(self):
        self.epochs = 0
        return self

    def on_epoch_end(self, net, **kwargs):
        self.epochs += 1


def test_user_callbacks_are_passed_through():
    counter = _EpochCounter()
    vae = BetaVAE(max_epochs=4, callbacks=[counter], **FAST).fit(X)
    trained = [cb for _, cb in vae.net_.callbacks_ if isinstance(cb, _EpochCounter)]
    assert [cb.epochs for cb in trained] == [4]
    assert not hasattr(counter, "epochs"), "the user's callback object must not be modified"


def test_a_ctrl_c_reaches_the_caller_while_skorch_stop_signals_still_stop():
    # skorch's fit ends quietly on KeyboardInterrupt: a Ctrl+C returned a half-trained model,
    # and a grid search or the restarts of a fit went on.
    import os
    import signal

    from skorch.callbacks import EarlyStopping

    class CtrlCAtEpoch2(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                os.kill(os.getpid(), signal.SIGINT)

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal
    try:
        model = BetaVAE(2, max_epochs=20, random_state=0, callbacks=[CtrlCAtEpoch2()])
        with pytest.raises(KeyboardInterrupt):
            model.fit(X)
        assert not hasattr(model, "net_")  # unfitted, not half-trained
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        stop = EarlyStopping(monitor="train_loss", patience=1, threshold=10.0)
        stopped = BetaVAE(2, max_epochs=20, early_stopping=False, callbacks=[stop]).fit(X)
        assert stopped.n_iter_ == 2  # a raised KeyboardInterrupt still only stops the fit
        # A stream interrupted in its second chunk keeps what the chunks trained.
        stream = BetaVAE(2, random_state=0, callbacks=[CtrlCAtEpoch2()])
        stream.partial_fit(X)
        with pytest.raises(KeyboardInterrupt):
            stream.partial_fit(X)
        assert stream.n_iter_ == 2 and stream.transform(X).shape == (len(X), 2)
        # A program whose own handler only takes note is left to finish the fit.
        noted = []
        signal.signal(signal.SIGINT, lambda signum, frame: noted.append(signum))
        assert BetaVAE(2, max_epochs=4, callbacks=[CtrlCAtEpoch2()]).fit(X).n_iter_ == 4
        assert noted == [signal.SIGINT]
    finally:
        signal.signal(signal.SIGINT, previous)


def test_callbacks_that_share_an_object_still_share_its_copy():
    class Appends(Callback):
        def __init__(self, seen):
            self.seen = seen

        def on_epoch_end(self, net, **kwargs):
            self.seen.append(len(net.history))

    seen = []
    vae = BetaVAE(max_epochs=2, callbacks=[Appends(seen), Appends(seen)], **FAST).fit(X)
    first, second = [cb for _, cb in vae.net_.callbacks_ if isinstance(cb, Appends)]
    assert first.seen is second.seen and first.seen == [1, 1, 2, 2] and seen == []


def test_a_callback_that_cannot_be_copied_is_named(tmp_path):
    # The fit trains copies of the callbacks; a bare "cannot pickle" error named nothing.
    class FileLogger(Callback):
        def __init__(self, handle):
            self.handle = handle

    with open(tmp_path / "log.txt", "w") as handle:
        with pytest.raises(TypeError, match=r"callbacks\[0\] \(FileLogger\) cannot be copied"):
            BetaVAE(max_epochs=1, callbacks=[FileLogger(handle)], **FAST).fit(X)


def test_verbose_prints_an_epoch_table_and_silent_prints_nothing(capsys):
    BetaVAE(max_epochs=2, verbose=0, **FAST).fit(X)
    assert capsys.readouterr().out == ""
    BetaVAE(max_epochs=2, verbose=1, **FAST).fit(X)
    table = capsys.readouterr().out
    assert "train_kl" in table and "train_reconstruction" in table
    assert len([line for line in table.splitlines() if line.strip().startswith(("1", "2"))]) == 2


def test_the_epoch_table_comes_last_and_shows_the_critic_terms(capsys):
    """skorch prints its table after every other callback: the terms and the critic's are in."""
    groups = np.arange(len(X)) % 2
    encoder = FairEncoder(dependence_measure="adversarial", max_epochs=2, verbose=1, **FAST)
    encoder.fit(X, sensitive_features=groups)
    header = capsys.readouterr().out.splitlines()[0]
    assert "train_critic_" in header and "train_independence" in header
    names = [name for name, _ in encoder.net_.callbacks_]
    assert names[-1] == "print_log"
    silent = FairEncoder(dependence_measure="adversarial", max_epochs=2, verbose=0, **FAST)
    names = [name for name, _ in silent.fit(X, sensitive_features=groups).net_.callbacks_]
    assert "print_log" not in names and "train_critic_" in " ".join(names)


def test_same_random_state_gives_identical_codes_and_leaves_global_rng_alone():
    torch.manual_seed(123)
    before = torch.get_rng_state()
    first = BetaVAE(max_epochs=3, **FAST).fit(X).transform(X)
    assert torch.equal(torch.get_rng_state(), before)
    np.testing.assert_array_equal(first, BetaVAE(max_epochs=3, **FAST).fit(X).transform(X))
    other = BetaVAE(max_epochs=3, **{**FAST, "random_state": 1}).fit(X).transform(X)
    assert not np.allclose(first, other)


def _net(**kwargs):
    return LatentNet(
        _Linear,
        _ExplodingObjective(),
        max_epochs=1,
        batch_size=50,
        train_split=None,
        verbose=0,
        **kwargs,
    ).initialize()


def test_optimisers_take_the_multi_tensor_step_unless_told_otherwise():
    assert _net().optimizer_.defaults["foreach"] is True
    assert _net(optimizer__foreach=False).optimizer_.defaults["foreach"] is False
    # An optimiser without the option is built as before.
    assert "foreach" not in _net(optimizer=torch.optim.LBFGS).optimizer_.defaults


def test_the_multi_tensor_step_gives_the_same_weights_bitwise():
    fitted = BetaVAE(max_epochs=2, batch_size=32, **FAST).fit(X)
    original = torch.optim.Adam.__init__

    def one_tensor_at_a_time(self, params, **kwargs):
        original(self, params, **{**kwargs, "foreach": False})

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(torch.optim.Adam, "__init__", one_tensor_at_a_time)
        reference = BetaVAE(max_epochs=2, batch_size=32, **FAST).fit(X)
    assert fitted.net_.optimizer_.defaults["foreach"] is True
    assert reference.net_.optimizer_.defaults["foreach"] is False
    weights = fitted.net_.module_.state_dict()
    for name, value in reference.net_.module_.state_dict().items():
        assert torch.equal(value, weights[name]), name


class _ForgetfulObjective(Objective):
    """Records a term it never returns."""

    term_names = ("fit", "other")

    def forward(self, outputs, batch):
        value = outputs.pow(2).mean()
        return {"fit": value, "loss": value}


def test_an_objective_that_omits_a_term_is_named():
    # A bare KeyError 'other' came from inside skorch's training step.
    net = LatentNet(_Linear, _ForgetfulObjective(), max_epochs=1, train_split=None, verbose=0)
    named = r"_ForgetfulObjective.forward returned \['fit', 'loss'\], without \['other'\]"
    with pytest.raises(KeyError, match=named):
        net.fit(TensorData({"X": torch.from_numpy(X)}))
