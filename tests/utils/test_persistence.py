"""sklatent.save / sklatent.load: identical codes, and clear errors on foreign or altered files."""

import json

import numpy as np
import pandas as pd
import pytest

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


def test_tampered_weights_are_refused(saved):
    _, folder = saved
    weights = folder / "weights.pt"
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
