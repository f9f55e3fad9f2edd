"""sklatent.load refuses edited, forged and code-carrying model files with ModelFileError, and
reading a model changes nothing and runs no code from it."""

import json
import pickle
import shutil
import warnings

import numpy as np
import pytest
import torch

import sklatent
from sklatent import BetaVAE, ModelFileError, MultiViewEncoder, MutualInformationMachine

X = np.random.RandomState(0).normal(size=(300, 4))
FAST = {"hidden_layer_sizes": (8,), "max_epochs": 5, "random_state": 0}


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    """Saved folders of a MultiViewEncoder, a BetaVAE and a MutualInformationMachine."""
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("models")
    models = {
        "multiview": MultiViewEncoder(2, views={"a": [0, 1], "b": [2, 3]}, **FAST),
        "vae": BetaVAE(2, **FAST),
        "mim": MutualInformationMachine(2, **FAST),
    }
    for name, model in models.items():
        sklatent.save(model.fit(X), root / name)
    return root


@pytest.fixture
def copy(originals, tmp_path):
    def copy(name):
        shutil.copytree(originals / name, tmp_path / name)
        return tmp_path / name

    return copy


def _number_paths(node, path=()):
    """The path of every number (not bool) in a JSON document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _number_paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _number_paths(value, (*path, index))
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield path


def test_every_edit_of_a_number_is_refused(copy):
    # Before the checksum covered model.json, some such edits loaded and changed the codes
    # silently (a view's column 0 -> 1, n_shared 2 -> 3).
    folder = copy("multiview")
    text = (folder / "model.json").read_text()
    paths = list(_number_paths(json.loads(text)))
    assert len(paths) > 50
    for path in paths:
        meta = json.loads(text)
        parent = meta
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] += 1
        (folder / "model.json").write_text(json.dumps(meta, indent=1))
        with pytest.raises(ModelFileError):
            sklatent.load(folder)


def _set(path, value):
    def edit(meta):
        parent = meta
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = value

    return edit


def _rename(section, old, new):
    def edit(meta):
        meta[section][new] = meta[section].pop(old)

    return edit


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_set(("fitted", "transform"), 1), "declares no fitted attribute.*'transform'"),
        (_rename("fitted", "n_features_in_", "n_features_io_"), "declares no fitted attribute"),
        (
            _set(("fitted", "views_", 0, "__dict__", 1, 1), [0, 9]),
            "reads columns \\[0, 9\\]",
        ),
        (_set(("fitted", "n_iter_"), -1), "n_iter_ must be a non-negative integer"),
        (_set(("fitted", "n_iter_"), 4), "history holds 5 epoch"),
        (_set(("fitted", "n_features_in_"), "4"), "n_features_in_ must be a non-negative"),
        (_set(("fitted", "block_names_"), "shared"), "block_names_ must be a list of str"),
        (_set(("fitted", "net_"), None), "net_ is rebuilt from the weights"),
        (
            _set(("fitted", "feature_names_in_"), {"__ndarray__": ["a"], "dtype": "object"}),
            "feature_names_in_ has 1 rows",
        ),
        (
            _set(("fitted", "feature_names_in_"), {"__ndarray__": [], "dtype": "V8"}),
            "dtype",
        ),
        (_set(("params", "os"), "system"), "no parameter"),
        (_set(("params", "beta"), -1.0), "'beta' parameter"),
        (_set(("params", "device"), "floppy"), "floppy"),
        (_set(("params", "hidden_layer_sizes"), {"__tuple__": [9]}), "size mismatch"),
        (_set(("history",), "none"), "history is not a list"),
        (_set(("estimator",), "StructuredVAE"), "weights of another estimator"),
        (_set(("transform_output",), ["pandas"]), "transform_output is not a name"),
        (_set(("transform_output",), "exec"), "exec"),
    ],
)
def test_forged_files_with_a_recomputed_checksum_are_refused(copy, edit, message, forge):
    folder = copy("multiview")
    forge(folder, edit)
    with pytest.raises(ModelFileError, match=message):
        sklatent.load(folder)


def test_weights_of_another_estimator_are_refused(copy, originals, forge):
    # A MutualInformationMachine's weights have the shapes of a BetaVAE's.
    folder = copy("vae")
    forge(folder, weights=(originals / "mim" / "weights.safetensors").read_bytes())
    with pytest.raises(ModelFileError, match="weights of another estimator"):
        sklatent.load(folder)
    # Without a recomputed checksum, the checksum refuses them.
    shutil.copy(originals / "vae" / "model.json", folder / "model.json")
    with pytest.raises(ModelFileError, match="checksum"):
        sklatent.load(folder)


class _Payload:
    """Unpickling this creates the file ``marker``: the proof that a pickle ran code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_code_running_pickle_as_weights_never_runs(copy, tmp_path, forge):
    folder = copy("vae")
    marker = tmp_path / "pickle_ran"
    payload = pickle.dumps({"module": _Payload(marker)})
    torch_payload = tmp_path / "payload.pt"
    torch.save({"module": _Payload(marker)}, torch_payload)
    assert not marker.exists()
    for weights in (payload, torch_payload.read_bytes()):
        (folder / "weights.pt").write_bytes(weights)  # the file name of the previous format
        forge(folder, weights=weights)
        with pytest.raises(ModelFileError):
            sklatent.load(folder)
        assert not marker.exists()


def test_a_model_of_the_previous_format_is_refused_with_a_way_out(copy, forge):
    folder = copy("vae")
    forge(folder, _set(("format_version",), 1))
    with pytest.raises(ModelFileError, match=r"format version 1.*fit the model again"):
        sklatent.load(folder)


def test_a_mechanism_function_is_refused_at_save(tmp_path):
    def rotate(z, actions):
        return z.flip(1)

    encoder = sklatent.MechanismEncoder(2, mechanism=rotate, **FAST)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        encoder.fit(X)
    with pytest.raises(TypeError, match=r"mechanism=.*joblib.dump or pickle.*trust"):
        sklatent.save(encoder, tmp_path / "model")
    assert not (tmp_path / "model").exists()


def test_the_history_is_saved_per_epoch_not_per_batch(tmp_path):
    sizes = {}
    for batch_size in (8, 300):
        vae = BetaVAE(2, batch_size=batch_size, **FAST).fit(X)
        sklatent.save(vae, tmp_path / str(batch_size))
        text = (tmp_path / str(batch_size) / "model.json").read_text()
        sizes[batch_size] = len(text)
        assert '"batches"' not in text
        loaded = sklatent.load(tmp_path / str(batch_size))
        assert loaded.history_[:, "train_loss"] == vae.history_[:, "train_loss"]
    # 38 batches an epoch against 1: the file does not grow with the number of batches.
    assert abs(sizes[8] - sizes[300]) < 500


def test_loading_changes_neither_the_files_nor_the_data(copy):
    folder = copy("vae")
    before = {path.name: (path.read_bytes(), path.stat().st_mtime_ns) for path in folder.iterdir()}
    X_before = X.copy()
    first = sklatent.load(folder).transform(X)
    second = sklatent.load(folder).transform(X)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(X, X_before)
    after = {path.name: (path.read_bytes(), path.stat().st_mtime_ns) for path in folder.iterdir()}
    assert after == before


def test_weights_holding_nan_are_refused(copy, forge):
    from safetensors.torch import load, save

    folder = copy("vae")
    tensors = load((folder / "weights.safetensors").read_bytes())
    name = next(key for key, value in tensors.items() if value.is_floating_point())
    tensors[name][0] = float("nan")
    forge(folder, weights=save(tensors, metadata={"format": "sklatent", "estimator": "BetaVAE"}))
    with pytest.raises(ModelFileError, match="holds NaN"):
        sklatent.load(folder)
