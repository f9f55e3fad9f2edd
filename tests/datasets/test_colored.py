"""Tests for the IRM environment generators (Colored MNIST and its Gaussian twin)."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from sklatent.datasets import make_colored_images, make_spurious_environments


def _images(n, side=4, seed=0):
    """uint8 images with every pixel >= 1 (so the colour channel is never ambiguous), labels 0-9."""
    rng = np.random.default_rng(seed)
    images = rng.integers(1, 256, size=(n, side, side), dtype=np.uint8)
    return images, rng.integers(0, 10, size=n)


def _colors(X, n_pixels):
    """Which channel holds the image: 0 red, 1 green."""
    return X.reshape(X.shape[0], 2, n_pixels).sum(axis=2).argmax(axis=1)


# ---------------------------------------------------------------------------- make_colored_images


def test_colored_shapes_dtypes_range_and_channels():
    images, labels = _images(1001, side=5)
    X, y, env = make_colored_images(images, labels, random_state=0)
    assert X.shape == (1001, 50) and X.dtype == np.float32
    assert y.shape == env.shape == (1001,) and y.dtype == env.dtype == np.int64
    assert set(np.unique(y)) == {0, 1} and set(np.unique(env)) == {0, 1, 2}
    assert sorted(np.bincount(env).tolist()) == [333, 334, 334]  # equal up to one row
    assert X.min() >= 0 and X.max() <= 1
    channels = X.reshape(1001, 2, 25)
    color = _colors(X, 25)
    # the colour channel holds the image / 255, the other channel zeros
    np.testing.assert_array_equal(
        channels[np.arange(1001), color], (images.reshape(1001, 25) / 255).astype(np.float32)
    )
    np.testing.assert_array_equal(channels[np.arange(1001), 1 - color], 0)


def test_colored_agreement_per_environment_is_one_minus_flip_prob():
    n = 30000
    images, labels = _images(n, side=2)
    flip_probs = (0.2, 0.1, 0.9)
    X, y, env = make_colored_images(
        images, labels, flip_probs=flip_probs, neutral_envs=2, random_state=1
    )
    color = _colors(X, 4)
    assert np.bincount(env).tolist() == [6000] * 5
    for e, p in enumerate((*flip_probs, 0.5, 0.5)):
        agreement = np.mean(color[env == e] == y[env == e])
        assert agreement == pytest.approx(1 - p, abs=0.02)  # binomial sd <= 0.0065


def test_colored_label_noise_rate_and_binarization():
    n = 20000
    images, labels = _images(n, side=2, seed=2)
    _, y, env = make_colored_images(images, labels, label_noise=0.25, random_state=2)
    clean = (labels >= 5).astype(int)  # the median of ten balanced classes is 4.5
    assert np.mean(y != clean) == pytest.approx(0.25, abs=0.015)
    for e in range(3):  # the same noise in every environment
        assert np.mean(y[env == e] != clean[env == e]) == pytest.approx(0.25, abs=0.03)
    _, y, _ = make_colored_images(images, labels, label_noise=0.0, binarize_at=3, random_state=2)
    np.testing.assert_array_equal(y, (labels >= 3).astype(int))
    # 0/1 labels, mostly 0: the median (0) put every label in class 1 and was refused.
    binary = (labels >= 6).astype(int)
    _, y, _ = make_colored_images(images, binary, label_noise=0.0, random_state=2)
    np.testing.assert_array_equal(y, binary)


def test_colored_exact_without_noise():
    images, labels = _images(200, seed=3)
    X, y, env = make_colored_images(
        images, labels, flip_probs=(0.0, 1.0), label_noise=0.0, random_state=3
    )
    color = _colors(X, 16)
    np.testing.assert_array_equal(y, (labels >= np.median(labels)).astype(int))
    np.testing.assert_array_equal(color[env == 0], y[env == 0])
    np.testing.assert_array_equal(color[env == 1], 1 - y[env == 1])


def test_colored_downsample_follows_the_irm_code():
    images, labels = _images(10, side=28, seed=4)
    X, _, _ = make_colored_images(images, labels, downsample=2, random_state=0)
    assert X.shape == (10, 2 * 14 * 14)
    color = _colors(X, 196)
    kept = X.reshape(10, 2, 196)[np.arange(10), color]
    np.testing.assert_array_equal(
        kept, (images[:, ::2, ::2].reshape(10, 196) / 255).astype(np.float32)
    )


def test_colored_flat_images_and_image_shape():
    images, labels = _images(50, side=6, seed=5)
    square = make_colored_images(images, labels, downsample=2, random_state=0)
    flat = make_colored_images(images.reshape(50, 36), labels, downsample=2, random_state=0)
    for a, b in zip(square, flat, strict=True):
        np.testing.assert_array_equal(a, b)
    wide = np.ones((4, 2 * 3), dtype=np.uint8)
    X, _, _ = make_colored_images(
        wide, [0, 1, 0, 1], flip_probs=(0.5,), image_shape=(2, 3), downsample=2, random_state=0
    )
    assert X.shape == (4, 2 * 1 * 2)
    X, _, _ = make_colored_images(wide, [0, 1, 0, 1], flip_probs=(0.5,), random_state=0)
    assert X.shape == (4, 12)  # no downsampling: any number of pixels
    with pytest.raises(ValueError, match="not a square number"):
        make_colored_images(wide, [0, 1, 0, 1], downsample=2, flip_probs=(0.5,))


def test_colored_scaling_of_non_uint8_images():
    digits = load_digits()
    X, _, _ = make_colored_images(digits.images, digits.target, random_state=0)
    assert X.max() == 1.0  # load_digits' 0-16 intensities divided by 16
    color = _colors(X, 64)
    kept = X.reshape(-1, 2, 64)[np.arange(len(X)), color]
    np.testing.assert_allclose(kept, digits.data / 16, rtol=1e-6)
    unit = np.full((6, 2, 2), 0.5)
    X, _, _ = make_colored_images(unit, [0, 0, 0, 1, 1, 1], random_state=0)
    assert set(np.unique(X)) == {0.0, 0.5}  # values in [0, 1] are kept


def test_colored_reproducible_and_inputs_unchanged():
    images, labels = _images(300, seed=6)
    images.flags.writeable = False
    labels.flags.writeable = False
    images_before, labels_before = images.copy(), labels.copy()
    a = make_colored_images(images, labels, neutral_envs=1, random_state=7)
    b = make_colored_images(images, labels, neutral_envs=1, random_state=7)
    c = make_colored_images(images, labels, neutral_envs=1, random_state=8)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[2], c[2])
    np.testing.assert_array_equal(images, images_before)
    np.testing.assert_array_equal(labels, labels_before)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"flip_probs": (0.2, 1.5)}, r"flip_probs\[1\] must be a probability"),
        ({"flip_probs": (-0.1,)}, r"flip_probs\[0\] must be a probability"),
        ({"flip_probs": ()}, "non-empty sequence"),
        ({"flip_probs": 0.2}, "non-empty sequence"),
        ({"label_noise": 1.2}, "label_noise must be a probability"),
        ({"neutral_envs": -1}, "neutral_envs == -1, must be >= 0"),
        ({"downsample": 0}, "downsample == 0, must be >= 1"),
        ({"binarize_at": 10}, "puts every label in class 0"),
        ({"binarize_at": "5"}, "binarize_at must be a number"),
        ({"image_shape": (2, 8)}, "disagrees with images"),
    ],
)
def test_colored_bad_arguments(kwargs, match):
    images, labels = _images(20, seed=9)
    with pytest.raises(ValueError, match=match):
        make_colored_images(images, labels, **kwargs)


def test_colored_bad_data():
    images, labels = _images(20, seed=10)
    with pytest.raises(ValueError, match="one label per image"):
        make_colored_images(images, labels[:-1])
    with pytest.raises(ValueError, match="one label per image"):
        make_colored_images(images, labels.reshape(10, 2))
    with pytest.raises(ValueError, match="cannot fill 4 environments"):
        make_colored_images(images[:3], labels[:3], neutral_envs=1)
    with pytest.raises(ValueError, match="non-negative"):
        make_colored_images(images.astype(float) - 10, labels)
    with pytest.raises(ValueError, match="of shape"):
        make_colored_images(images.reshape(20, 1, 4, 4), labels)
    nan_images = images.astype(float)
    nan_images[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        make_colored_images(nan_images, labels)
    with pytest.raises(ValueError, match=r"labels hold a single value \(3\)"):
        make_colored_images(images, np.full(20, 3))
    with pytest.raises(ValueError, match="binarize_at=10 puts every label in class 0"):
        make_colored_images(images, labels, binarize_at=10)


# --------------------------------------------------------------------- make_spurious_environments


def test_spurious_shapes_blocks_and_mask():
    X, y, env, mask = make_spurious_environments(
        50, flip_probs=(0.1, 0.9), n_causal=3, n_spurious=2, return_causal_mask=True, random_state=0
    )
    assert X.shape == (100, 5) and X.dtype == np.float64
    assert y.dtype == env.dtype == np.int64 and set(np.unique(y)) == {0, 1}
    np.testing.assert_array_equal(env, np.repeat([0, 1], 50))
    assert mask.dtype == bool and mask.tolist() == [True, True, True, False, False]
    assert len(make_spurious_environments(10, random_state=0)) == 3


def test_spurious_known_answers_per_environment():
    flip_probs = (0.1, 0.2, 0.9, 0.5)
    X, y, env, mask = make_spurious_environments(
        20000, flip_probs=flip_probs, return_causal_mask=True, random_state=1
    )
    invariant = (X[:, mask].sum(axis=1) > 0).astype(int)
    spurious = (X[:, ~mask][:, 0] > 0).astype(int)
    for e, p in enumerate(flip_probs):
        rows = env == e
        # the causal mechanism is the same everywhere: 1 - label_noise
        assert np.mean(invariant[rows] == y[rows]) == pytest.approx(0.75, abs=0.015)
        # the spurious signal agrees at 1 - p_e (sigma = 0.1: its sign is read exactly)
        assert np.mean(spurious[rows] == y[rows]) == pytest.approx(1 - p, abs=0.015)
        # the causal features are N(0, I) in every environment
        np.testing.assert_allclose(X[rows][:, mask].mean(axis=0), 0, atol=0.03)
        np.testing.assert_allclose(X[rows][:, mask].std(axis=0), 1, atol=0.03)


def test_spurious_noise_and_copies():
    X, _, _, mask = make_spurious_environments(
        5000, n_spurious=3, spurious_noise=0.2, return_causal_mask=True, random_state=2
    )
    S = X[:, ~mask]
    sign = np.sign(S.mean(axis=1))
    assert np.all(np.sign(S) == sign[:, None])  # three noisy copies of one signal
    assert (S - sign[:, None]).std() == pytest.approx(0.2, rel=0.03)
    X, y, env = make_spurious_environments(
        100, flip_probs=(0.0, 1.0), label_noise=0.0, spurious_noise=0.0, random_state=3
    )
    np.testing.assert_array_equal(y, (X[:, :2].sum(axis=1) > 0).astype(int))
    np.testing.assert_array_equal(X[:, 2], np.where(env == 0, 2 * y - 1, 1 - 2 * y))


def test_spurious_reproducible():
    a = make_spurious_environments(30, random_state=4)
    b = make_spurious_environments(30, random_state=4)
    c = make_spurious_environments(30, random_state=5)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.allclose(a[0], c[0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"flip_probs": (0.1, 1.1)}, r"flip_probs\[1\] must be a probability"),
        ({"flip_probs": ()}, "non-empty sequence"),
        ({"label_noise": -0.1}, "label_noise must be a probability"),
        ({"n_causal": 0}, "n_causal == 0, must be >= 1"),
        ({"spurious_noise": -1.0}, "spurious_noise must be a finite non-negative number"),
        ({"spurious_noise": np.inf}, "spurious_noise must be a finite"),  # gave inf columns
        ({"n_samples_per_env": 0}, "n_samples_per_env == 0, must be >= 1"),
    ],
)
def test_spurious_bad_arguments(kwargs, match):
    kwargs = {"n_samples_per_env": 10, **kwargs}
    with pytest.raises(ValueError, match=match):
        make_spurious_environments(**kwargs)


@pytest.mark.parametrize(("value", "kind"), [(1.5, "float"), (True, "bool")])
def test_a_count_that_is_not_an_integer_is_a_type_error(value, kind):
    with pytest.raises(TypeError, match=f"n_spurious must be an instance of int, not {kind}"):
        make_spurious_environments(n_samples_per_env=10, n_spurious=value)
