"""sklatent.save / sklatent.load for each of the eight estimators: bitwise-identical models, a
declaration for every fitted attribute, and models saved on a GPU loading on a CPU-only machine."""

import warnings

import numpy as np
import pytest
import torch
from _eight_estimators import FITS, X, fit_all

import sklatent
from sklatent.utils._persistence_schema import declared_attributes


@pytest.fixture(scope="module")
def fitted():
    """Each estimator fitted once on tiny settings (the tests below only read them)."""
    return fit_all()


def _outputs(estimator):
    outputs = {"transform": estimator.transform(X)}
    for method in ("predict", "predict_proba", "score_samples"):
        if hasattr(estimator, method):
            outputs[method] = getattr(estimator, method)(X)
    return outputs


def _assert_same_model(loaded, estimator):
    assert type(loaded) is type(estimator)
    assert loaded.get_params() == estimator.get_params()
    expected = _outputs(estimator)
    for method, values in _outputs(loaded).items():
        np.testing.assert_array_equal(values, expected[method], err_msg=method)
    assert loaded.history_[:, "train_loss"] == estimator.history_[:, "train_loss"]


@pytest.mark.parametrize("name", FITS)
def test_round_trip_is_bitwise_identical(fitted, name, tmp_path):
    estimator = fitted[name]
    before = {key: repr(value) for key, value in estimator.get_params().items()}
    sklatent.save(estimator, tmp_path)
    _assert_same_model(sklatent.load(tmp_path), estimator)
    # Saving changed nothing in the estimator.
    assert {key: repr(value) for key, value in estimator.get_params().items()} == before


@pytest.mark.parametrize("name", FITS)
def test_every_attribute_a_fit_sets_is_declared(fitted, name):
    estimator = fitted[name]
    public, private = declared_attributes(type(estimator))
    learned = {k for k in vars(estimator) if k.endswith("_") and not k.startswith("_")}
    assert learned - set(public) == set()
    assert private <= set(vars(estimator))
    # Every declared type is one the loader checks (see check_value).
    known = ("int", "bool", "float", "str", "dict", "list", "ndarray", "pandas.DataFrame")
    for attribute, kind in public.items():
        assert kind.startswith(known) or kind.startswith("skorch."), (attribute, kind)


@pytest.mark.parametrize("name", FITS)
@pytest.mark.parametrize("device", ["cuda", "cuda:0"])
def test_a_model_saved_for_a_gpu_loads_on_a_cpu_only_machine(
    fitted, name, device, tmp_path, monkeypatch
):
    # The weights are CPU tensors whatever the device; only the device parameter says "cuda".
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    estimator = fitted[name]
    estimator.set_params(device=device)
    try:
        sklatent.save(estimator, tmp_path)
    finally:
        estimator.set_params(device="auto")
    with pytest.warns(UserWarning, match=f"device='{device}', which this machine lacks"):
        loaded = sklatent.load(tmp_path)
    assert loaded.device == "cpu"
    _assert_same_model(loaded.set_params(device="auto"), estimator)


def test_load_places_the_model_on_the_device_asked_for(fitted, tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    sklatent.save(fitted["BetaVAE"], tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an explicit device is no reason to warn
        assert sklatent.load(tmp_path, device="cpu").device == "cpu"
    # A device this machine lacks, asked for by the caller, is the caller's error.
    with pytest.raises(ValueError, match="no GPU") as error:
        sklatent.load(tmp_path, device="cuda")
    assert not isinstance(error.value, sklatent.ModelFileError)
