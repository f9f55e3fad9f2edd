"""Tests for the Fashion-MNIST idx loader (synthetic idx files; the real data is not needed)."""

import gzip

import numpy as np
import pytest
from sklearn.utils import Bunch

from sklatent.datasets._fashion_mnist import TARGET_NAMES, load_fashion_mnist


def _idx_bytes(array, magic):
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def _write_split(folder, prefix, images, labels, compress):
    for name, array, magic in (
        (f"{prefix}-images-idx3-ubyte", images, 0x803),
        (f"{prefix}-labels-idx1-ubyte", labels, 0x801),
    ):
        raw = _idx_bytes(array, magic)
        if compress:
            (folder / f"{name}.gz").write_bytes(gzip.compress(raw))
        else:
            (folder / name).write_bytes(raw)


def _synthetic(n, seed):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    return images, labels


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize(("kind", "prefix"), [("train", "train"), ("test", "t10k")])
def test_loads_synthetic_idx_files(tmp_path, compress, kind, prefix):
    images, labels = _synthetic(7, seed=0)
    _write_split(tmp_path, prefix, images, labels, compress)
    bunch = load_fashion_mnist(tmp_path, kind=kind)
    assert isinstance(bunch, Bunch)
    assert bunch.data.shape == (7, 784) and bunch.data.dtype == np.uint8
    np.testing.assert_array_equal(bunch.images, images)
    np.testing.assert_array_equal(bunch.data, images.reshape(7, -1))
    np.testing.assert_array_equal(bunch.target, labels)
    assert bunch.target.dtype == np.int64
    assert bunch.target_names.tolist() == list(TARGET_NAMES) and len(TARGET_NAMES) == 10
    assert "Zalando" in bunch.DESCR and "MIT" in bunch.DESCR
    assert bunch.data.flags.writeable
    X, y = load_fashion_mnist(str(tmp_path), kind=kind, return_X_y=True)
    np.testing.assert_array_equal(X, bunch.data)
    np.testing.assert_array_equal(y, bunch.target)


def test_splits_are_read_from_their_own_files(tmp_path):
    train, test = _synthetic(5, seed=1), _synthetic(3, seed=2)
    _write_split(tmp_path, "train", *train, compress=True)
    _write_split(tmp_path, "t10k", *test, compress=False)
    assert load_fashion_mnist(tmp_path).data.shape == (5, 784)
    np.testing.assert_array_equal(load_fashion_mnist(tmp_path, kind="test").images, test[0])


def test_missing_files_name_the_debian_package_and_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="dataset-fashion-mnist") as info:
        load_fashion_mnist(tmp_path)
    assert "path" in str(info.value)
    _write_split(tmp_path, "train", *_synthetic(2, seed=0), compress=False)
    (tmp_path / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match="train-labels-idx1-ubyte"):
        load_fashion_mnist(tmp_path)


def test_wrong_magic_number(tmp_path):
    images, labels = _synthetic(2, seed=0)
    _write_split(tmp_path, "train", images, labels, compress=False)
    # a labels file where the images file should be
    (tmp_path / "train-images-idx3-ubyte").write_bytes(_idx_bytes(labels, 0x801))
    with pytest.raises(ValueError, match="magic number"):
        load_fashion_mnist(tmp_path)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"PK\x03\x04 not an idx file")
    with pytest.raises(ValueError, match="magic number"):
        load_fashion_mnist(tmp_path)


def test_inconsistent_files(tmp_path):
    images, labels = _synthetic(4, seed=0)
    _write_split(tmp_path, "train", images, labels[:3], compress=False)
    with pytest.raises(ValueError, match="4 images but"):
        load_fashion_mnist(tmp_path)
    raw = _idx_bytes(images, 0x803)[:-5]  # truncated pixels
    (tmp_path / "train-images-idx3-ubyte").write_bytes(raw)
    with pytest.raises(ValueError, match="announces the shape"):
        load_fashion_mnist(tmp_path)
    _write_split(tmp_path, "train", images[:, :27, :27], labels, compress=False)
    with pytest.raises(ValueError, match=r"expected \(28, 28\)"):
        load_fashion_mnist(tmp_path)
    _write_split(tmp_path, "train", images, np.array([0, 1, 2, 10]), compress=False)
    with pytest.raises(ValueError, match="label 10"):
        load_fashion_mnist(tmp_path)
    (tmp_path / "train-images-idx3-ubyte").unlink()
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="gzip"):
        load_fashion_mnist(tmp_path)


def test_unknown_kind(tmp_path):
    with pytest.raises(ValueError, match="kind"):
        load_fashion_mnist(tmp_path, kind="validation")
