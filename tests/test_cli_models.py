"""``sklatent fit`` / ``transform`` with model folders that are damaged, altered or from another
machine, Parquet tables, and the messages for a missing target or stray labels."""

import json
import pickle
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import sklatent
from sklatent.__main__ import main
from sklatent._cli_data import apply_preprocessing, load_preprocessing

FAST = ["--param", "hidden_layer_sizes=(8,)", "--param", "max_epochs=3"]
FAST += ["--param", "n_components=2", "--param", "random_state=0"]


def _table(n=300, seed=0):
    rng = np.random.RandomState(seed)
    frame = pd.DataFrame(rng.normal(size=(n, 3)), columns=["x0", "x1", "x2"])
    frame["color"] = rng.choice(["red", "green", "blue"], n)
    frame["label"] = np.where(frame["x0"] > 0, "yes", "no")
    frame["group"] = rng.choice(["a", "b"], n)
    return frame


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A FairEncoder fitted by the command line on a small table, and that table."""
    torch.set_num_threads(1)
    folder = tmp_path_factory.mktemp("cli_models")
    _table().to_csv(folder / "train.csv", index=False)
    args = ["fit", "--estimator", "FairEncoder", "--data", str(folder / "train.csv")]
    roles = ["--target", "label", "--sensitive", "group"]
    assert main([*args, *roles, "--out", str(folder / "model"), *FAST]) == 0
    return folder


@pytest.fixture
def model(fitted, tmp_path):
    """A copy of the fitted model folder that a test may alter."""
    return Path(shutil.copytree(fitted / "model", tmp_path / "model"))


def _transform(model, data, out, *extra):
    return main(
        ["transform", "--model", str(model), "--data", str(data), "--out", str(out), *extra]
    )


def _error(capsys):
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("estimator", ["InvariantEncoder", "DisentangledEncoder"])
def test_fit_without_a_target_names_the_option(fitted, tmp_path, capsys, estimator):
    args = ["fit", "--estimator", estimator, "--data", str(fitted / "train.csv")]
    assert main([*args, "--drop", "label", "--out", str(tmp_path / "model"), *FAST[:4]]) == 2
    assert f"{estimator} needs a target: name its column with --target" in _error(capsys)
    assert not (tmp_path / "model").exists()


def test_stray_labels_are_reported(tmp_path, capsys):
    frame = _table()
    frame.loc[7, "label"] = "n/a?"
    frame.to_csv(tmp_path / "train.csv", index=False)
    args = ["fit", "--estimator", "FairEncoder", "--data", str(tmp_path / "train.csv")]
    roles = ["--target", "label", "--sensitive", "group"]
    assert main([*args, *roles, "--out", str(tmp_path / "model"), *FAST]) == 0
    err = capsys.readouterr().err
    assert "warning: --target label: 1 value(s) held by fewer than 5 rows" in err
    assert "'n/a?' (1 row)" in err
    assert "--sensitive group" not in err  # its two groups are common


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        ({"scale": 1e-300}, "has scale 1e-300"),
        ({"scale": 0}, "has scale 0"),
        ({"scale": -1.0}, "has scale -1.0"),
        ({"mean": float("inf")}, "has mean inf"),
        ({"kind": "date"}, "has kind 'date'"),
    ],
)
def test_a_damaged_preprocessing_file_is_a_model_file_problem(
    fitted, model, tmp_path, capsys, edit, fragment
):
    spec = json.loads((model / "preprocessing.json").read_text())
    spec["columns"][0].update(edit)
    (model / "preprocessing.json").write_text(json.dumps(spec))
    assert _transform(model, fitted / "train.csv", tmp_path / "codes.csv") == 3
    err = _error(capsys)
    assert "preprocessing.json is damaged or was not written by `sklatent fit`" in err
    assert fragment in err


def test_a_preprocessing_file_with_repeated_categories_is_refused(fitted, model, tmp_path, capsys):
    spec = json.loads((model / "preprocessing.json").read_text())
    spec["columns"][3]["categories"] = ["red", "red", "blue"]
    (model / "preprocessing.json").write_text(json.dumps(spec))
    assert _transform(model, fitted / "train.csv", tmp_path / "codes.csv") == 3
    assert "categories that are not distinct" in _error(capsys)


def test_a_nearly_constant_column_gets_a_usable_scale(tmp_path, capsys):
    frame = _table()
    frame["x2"] = 1.0 + np.arange(len(frame)) * 1e-300
    frame.to_csv(tmp_path / "train.csv", index=False)
    args = ["fit", "--estimator", "BetaVAE", "--data", str(tmp_path / "train.csv")]
    assert main([*args, "--out", str(tmp_path / "model"), *FAST]) == 0
    assert _transform(tmp_path / "model", tmp_path / "train.csv", tmp_path / "codes.csv") == 0


def test_parquet_in_and_out(tmp_path):
    # pyarrow is in the tests extra: a missing engine fails here rather than skipping.
    _table().to_parquet(tmp_path / "train.parquet")
    args = ["fit", "--estimator", "BetaVAE", "--data", str(tmp_path / "train.parquet")]
    assert main([*args, "--drop", "label", "--out", str(tmp_path / "model"), *FAST]) == 0
    test = _table(40, seed=1)
    test.to_parquet(tmp_path / "test.parquet")
    assert _transform(tmp_path / "model", tmp_path / "test.parquet", tmp_path / "z.parquet") == 0
    codes = pd.read_parquet(tmp_path / "z.parquet")
    X = apply_preprocessing(test, load_preprocessing(tmp_path / "model"))
    np.testing.assert_array_equal(codes.to_numpy(), sklatent.load(tmp_path / "model").transform(X))
    assert list(codes.columns) == ["betavae0", "betavae1"]


def test_a_model_fitted_on_a_gpu_encodes_on_a_cpu_only_machine(
    fitted, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    estimator = sklatent.load(fitted / "model").set_params(device="cuda:0")
    sklatent.save(estimator, tmp_path / "gpu")
    shutil.copy(fitted / "model" / "preprocessing.json", tmp_path / "gpu")
    assert _transform(tmp_path / "gpu", fitted / "train.csv", tmp_path / "gpu.csv") == 0
    assert "device='cuda:0', which this machine lacks" in _error(capsys)
    assert _transform(fitted / "model", fitted / "train.csv", tmp_path / "cpu.csv") == 0
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "gpu.csv"), pd.read_csv(tmp_path / "cpu.csv")
    )
    # --device says where; one this machine lacks is a usage error.
    assert (
        _transform(tmp_path / "gpu", fitted / "train.csv", tmp_path / "c.csv", "--device", "cpu")
        == 0
    )
    assert "lacks" not in _error(capsys)
    assert (
        _transform(fitted / "model", fitted / "train.csv", tmp_path / "c.csv", "--device", "cuda")
        == 2
    )
    assert "--device cuda" in _error(capsys)


class _Payload:
    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_altered_model_files_exit_3_without_a_traceback(fitted, model, tmp_path, capsys, forge):
    def transform():
        return _transform(model, fitted / "train.csv", tmp_path / "codes.csv")

    original = (model / "model.json").read_bytes()
    # A one-byte flip that renames n_features_in_.
    (model / "model.json").write_bytes(original.replace(b'"n_features_in_"', b'"n_features_io_"'))
    assert transform() == 3
    assert "checksum" in _error(capsys)
    forge(model)  # the same with the checksum recomputed
    assert transform() == 3
    assert "declares no fitted attribute(s) ['n_features_io_']" in _error(capsys)
    # Code-running pickle as the weights, checksum recomputed.
    (model / "model.json").write_bytes(original)
    marker = tmp_path / "pickle_ran"
    forge(model, weights=pickle.dumps({"module": _Payload(marker)}))
    assert transform() == 3
    assert "cannot be loaded" in _error(capsys)
    assert not marker.exists()
    assert not (tmp_path / "codes.csv").exists()


def test_a_fit_that_fails_in_torch_is_one_line_and_status_1(fitted, tmp_path, capsys, monkeypatch):
    # An allocation that fails (a huge hidden layer) printed torch's whole traceback.
    def out_of_memory(self, *args, **kwargs):
        raise RuntimeError("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: no memory")

    monkeypatch.setattr(sklatent.BetaVAE, "fit", out_of_memory)
    args = ["fit", "--estimator", "BetaVAE", "--data", str(fitted / "train.csv")]
    assert main([*args, "--drop", "label", "--out", str(tmp_path / "m"), *FAST]) == 1
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("sklatent: error: the fit failed: RuntimeError: [enforce fail")
    # Python's own MemoryError has no message (an IndexError followed); torch's CUDA errors
    # state the cause on their first line, hints after it.
    for raised, said in [
        (MemoryError(), "MemoryError: (no message)"),
        (RuntimeError("CUDA error: out of memory\nCompile with TORCH_USE_CUDA_DSA"), "of memory"),
    ]:

        def failing(self, *args, raised=raised, **kwargs):
            raise raised

        monkeypatch.setattr(sklatent.BetaVAE, "fit", failing)
        assert main([*args, "--drop", "label", "--out", str(tmp_path / "m"), *FAST]) == 1
        assert capsys.readouterr().err.strip().splitlines()[-1].endswith(said)


def test_the_epoch_table_of_verbose_goes_to_stderr(fitted, tmp_path, capsys):
    # The docs say progress goes to stderr; skorch printed its table to stdout.
    args = ["fit", "--estimator", "BetaVAE", "--data", str(fitted / "train.csv")]
    args += ["--drop", "label", "--out", str(tmp_path / "m"), *FAST, "--param", "verbose=1"]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "train_loss" in captured.err and "train_loss" not in captured.out
