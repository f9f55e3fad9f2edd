"""sklatent.save / sklatent.load: identical codes, and clear errors on foreign or altered files."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

import sklatent
from sklatent import BetaVAE, ModelFileError

X = np.random.RandomState(0).normal(size=(80, 5))
FAST = {"n_components": 2, "hidden_layer_sizes": (8,), "max_epochs": 3, "random_state": 0}


@pytest.fixture
def saved(tmp_path):
    vae = BetaVAE(**FAST).fit(X)
    sklatent.save(vae, tmp_path / "model")
    return vae, tmp_path / "model"


def test_round_trip_gives_identical_codes_parameters_and_history(saved):
    vae, folder = saved
    loaded = sklatent.load(folder)
    assert type(loaded) is BetaVAE and loaded.get_params() == vae.get_params()
    np.testing.assert_array_equal(loaded.transform(X), vae.transform(X))
    np.testing.assert_array_equal(loaded.score_samples(X), vae.score_samples(X))
    assert loaded.history_[:, "train_loss"] == vae.history_[:, "train_loss"]


def test_feature_names_survive(tmp_path):
    frame = pd.DataFrame(X, columns=list("abcde"))
    vae = BetaVAE(**FAST).fit(frame)
    sklatent.save(vae, tmp_path)
    assert list(sklatent.load(tmp_path).feature_names_in_) == list("abcde")


def test_the_output_container_survives(tmp_path):
    vae = BetaVAE(**FAST).fit(X).set_output(transform="pandas")
    sklatent.save(vae, tmp_path / "pandas")
    loaded = sklatent.load(tmp_path / "pandas")
    pd.testing.assert_frame_equal(loaded.transform(X), vae.transform(X))
    sklatent.save(BetaVAE(**FAST).fit(X), tmp_path / "default")
    assert isinstance(sklatent.load(tmp_path / "default").transform(X), np.ndarray)


def test_loading_builds_no_optimizer(saved):
    # A loaded model only encodes (partial_fit builds a net of its own); torch's first optimizer
    # of a process imports torch._dynamo, about a second of a load that otherwise takes 0.01 s.
    import subprocess
    import sys

    _, folder = saved
    code = (
        "import sys, numpy as np, sklatent; "
        f"model = sklatent.load({str(folder)!r}); model.transform(np.zeros((3, 5))); "
        "print('torch._dynamo' in sys.modules)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"
    loaded = sklatent.load(folder)
    assert loaded.net_.optimizer is torch.optim.Adam  # the net's parameters are unchanged
    loaded.net_.optimizer_.zero_grad()  # torch patches step() at the class on zero_grad
    for method in ("step", "state_dict"):
        with pytest.raises(RuntimeError, match="does not train"):
            getattr(loaded.net_.optimizer_, method)()
    loaded.partial_fit(X)  # continues from the loaded weights, in a net of its own
    # ... and from the saved fit's 3 epochs.
    assert type(loaded.net_.optimizer_).__name__ == "Adam" and loaded.n_iter_ == 4


def test_tampered_weights_are_refused(saved):
    _, folder = saved
    weights = folder / "weights.safetensors"
    data = bytearray(weights.read_bytes())
    data[-100] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="checksum"):
        sklatent.load(folder)


def test_foreign_and_unknown_files_are_refused(saved, tmp_path):
    _, folder = saved
    with pytest.raises(ModelFileError, match="no readable"):
        sklatent.load(tmp_path / "nowhere")
    meta = json.loads((folder / "model.json").read_text())
    (folder / "model.json").write_text(json.dumps({**meta, "estimator": "os.system"}))
    with pytest.raises(ModelFileError, match="unknown estimator"):
        sklatent.load(folder)
    (folder / "model.json").write_text("not json")
    with pytest.raises(ModelFileError):
        sklatent.load(folder)
    (folder / "model.json").write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ModelFileError, match="not a sklatent model"):
        sklatent.load(folder)


def test_callbacks_are_not_saved_but_warned_about(tmp_path):
    from skorch.callbacks import Callback

    vae = BetaVAE(callbacks=[Callback()], **FAST).fit(X)
    with pytest.warns(UserWarning, match="callbacks"):
        sklatent.save(vae, tmp_path)
    assert sklatent.load(tmp_path).callbacks is None


def test_saving_an_unfitted_or_foreign_estimator_fails(tmp_path):
    from sklearn.decomposition import PCA
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        sklatent.save(BetaVAE(), tmp_path)
    with pytest.raises(TypeError, match="sklatent estimator"):
        sklatent.save(PCA().fit(X), tmp_path)


def test_a_model_whose_network_parameters_changed_after_fit_is_not_saved(tmp_path):
    # It was saved with the new parameters, and load could not rebuild its network.
    vae = BetaVAE(**FAST).fit(X).set_params(n_components=3)
    with pytest.raises(ValueError, match=r"no longer describe its fitted network .* before saving"):
        sklatent.save(vae, tmp_path / "model")
    assert not (tmp_path / "model" / "model.json").exists()
    with pytest.raises(ValueError, match="layers differ from the fitted ones"):
        sklatent.save(vae.set_params(n_components=2, activation="tanh"), tmp_path / "model")
    sklatent.save(vae.set_params(activation="relu"), tmp_path / "model")  # set back: saved
    np.testing.assert_array_equal(sklatent.load(tmp_path / "model").transform(X), vae.transform(X))
    # A module the new parameters do not have (an adversary's critic) is named alike.
    fair = sklatent.FairEncoder(**FAST, dependence_measure="adversarial")
    fair.fit(X, X[:, 0] > 0, sensitive_features=X[:, 1] > 0).set_params(dependence_measure="mmd")
    with pytest.raises(ValueError, match="no longer describe its fitted network"):
        sklatent.save(fair, tmp_path / "fair")


def test_a_save_that_fails_leaves_the_model_saved_before(saved, monkeypatch):
    # The weights were overwritten before model.json was written: a full disk in between
    # left a folder whose checksum no longer matched, and the earlier model was lost.
    from pathlib import Path

    vae, folder = saved
    other = BetaVAE(**{**FAST, "random_state": 1}).fit(X)
    write = Path.write_bytes

    def disk_full_at_the_second_file(self, data):
        if self.name.startswith(".model.json"):
            raise OSError(28, "No space left on device")
        return write(self, data)

    monkeypatch.setattr(Path, "write_bytes", disk_full_at_the_second_file)
    with pytest.raises(OSError, match="No space left"):
        sklatent.save(other, folder)
    monkeypatch.undo()
    np.testing.assert_array_equal(sklatent.load(folder).transform(X), vae.transform(X))
    assert sorted(path.name for path in folder.iterdir()) == ["model.json", "weights.safetensors"]


def test_numbers_a_callback_records_in_the_history_are_saved(tmp_path):
    from skorch.callbacks import Callback

    class RecordNumpy(Callback):
        def on_epoch_end(self, net, **kwargs):
            net.history.record("spread", np.float32(0.5))
            net.history.record("steps", torch.tensor(3))
            net.history.record("pair", [np.float32(0.25), np.array(1.0)])
            net.history.record("row", torch.tensor([[3.0]]))

    vae = BetaVAE(**FAST, callbacks=[RecordNumpy()]).fit(X)
    with pytest.warns(UserWarning, match="callbacks"):
        sklatent.save(vae, tmp_path)  # a bare "float32 is not JSON serializable" before
    history = sklatent.load(tmp_path).history_
    assert history[:, "spread"] == [0.5] * 3 and history[:, "steps"] == [3] * 3
    assert history[:, "pair"] == [[0.25, 1.0]] * 3 and history[:, "row"] == [[[3.0]]] * 3

    class RecordObject(Callback):
        def on_epoch_end(self, net, **kwargs):
            net.history.record("model", object())

    with pytest.raises(TypeError, match=r"history's 'model' holds a value .* \(a object\)"):
        sklatent.save(BetaVAE(**FAST, callbacks=[RecordObject()]).fit(X), tmp_path / "other")


def test_saving_to_the_path_of_a_file_names_the_problem(saved, tmp_path):
    file = tmp_path / "model.bin"
    file.write_bytes(b"not a folder")
    with pytest.raises(FileExistsError, match=r"model\.bin is a file: save writes a folder"):
        sklatent.save(saved[0], file)
    assert file.read_bytes() == b"not a folder"


def _structured_estimators():
    from sklatent import (
        DisentangledEncoder,
        FairEncoder,
        InvariantEncoder,
        MultiViewEncoder,
        StructuredVAE,
    )

    views = {"a": [0, 1], "b": [2, 3]}
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 4))
    y, s = (X[:, 0] > 0).astype(int), rng.randint(0, 3, 120)
    common = {"max_epochs": 2, "random_state": 0}
    return [
        (StructuredVAE(views=views, decoder_mask="learn", **common), X, {}),
        (MultiViewEncoder(views=views, **common), X, {}),
        (
            FairEncoder(2, criterion="equalized_odds", **common),
            X,
            {"y": y, "sensitive_features": s},
        ),
        (FairEncoder(2, dependence_measure="adversarial", **common), X, {"sensitive_features": s}),
        (InvariantEncoder(2, **common), X, {"y": y, "environments": s}),
        (DisentangledEncoder(1, **common), X, {"y": np.c_[y, X[:, 1]]}),
    ]


@pytest.mark.parametrize(("estimator", "X", "fit_args"), _structured_estimators())
def test_structured_estimators_round_trip(tmp_path, estimator, X, fit_args):
    # Their fitted state holds dicts, DataFrames and private module settings (masks, groups).
    estimator.fit(X, **fit_args)
    sklatent.save(estimator, tmp_path)
    loaded = sklatent.load(tmp_path)
    np.testing.assert_allclose(loaded.transform(X), estimator.transform(X))
    if hasattr(estimator, "predict"):
        np.testing.assert_array_equal(loaded.predict(X), estimator.predict(X))
    pd.testing.assert_frame_equal(loaded.structure_, estimator.structure_)
    pd.testing.assert_frame_equal(loaded.structure_scores_, estimator.structure_scores_)
    if "sensitive_features" in fit_args:
        codes, s = estimator.transform(X), fit_args["sensitive_features"]
        np.testing.assert_allclose(
            loaded.inverse_transform(codes, sensitive_features=s),
            estimator.inverse_transform(codes, sensitive_features=s),
        )
