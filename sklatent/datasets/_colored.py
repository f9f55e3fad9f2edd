"""Environments where a spurious signal tracks the label with an environment-dependent strength.

Ground truth for the Invariant Risk Minimization baseline (Arjovsky, Bottou, Gulrajani,
Lopez-Paz 2019, arXiv 1907.02893): a label caused by a signal whose relation to it never
changes (the shape of an image, the causal features), and a signal caused by the label whose
agreement with it changes from one environment to the next (the colour, the spurious features).
The recipe follows the authors' code ``facebookresearch/InvariantRiskMinimization``.
"""

import math
import numbers

import numpy as np
from sklearn.utils import check_array, check_random_state

from ..utils._validation import check_non_negative
from ._base import _check_count

__all__ = ["make_colored_images", "make_spurious_environments"]

_NEUTRAL_FLIP_PROB = 0.5  # a colour that says nothing about the label


def _check_prob(value, name):
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a probability in [0, 1], got {value!r}.")
    return float(value)


def _check_flip_probs(flip_probs):
    if isinstance(flip_probs, str) or not hasattr(flip_probs, "__len__") or not len(flip_probs):
        raise ValueError(
            "flip_probs must be a non-empty sequence of probabilities, one per environment, "
            f"got {flip_probs!r}."
        )
    return np.array([_check_prob(p, f"flip_probs[{i}]") for i, p in enumerate(flip_probs)])


def _flip(bits, prob, rng):
    """``bits`` XOR Bernoulli(``prob``): each bit flipped independently (``prob`` per row)."""
    return np.where(rng.uniform(size=bits.shape[0]) < prob, 1 - bits, bits)


def _pixels(images, image_shape, downsample):
    """Images as float32 rows in [0, 1], subsampled; return them and the output image shape."""
    raw = np.asarray(images)
    array = check_array(raw, allow_nd=True, ensure_min_features=1, input_name="images")
    if array.ndim not in (2, 3):
        raise ValueError(
            "images must be of shape (n_samples, height, width) or (n_samples, height * width), "
            f"got shape {array.shape}."
        )
    if array.ndim == 3:
        shape = array.shape[1:]
        if image_shape is not None and tuple(image_shape) != shape:
            raise ValueError(f"image_shape={image_shape!r} disagrees with images of shape {shape}.")
    elif image_shape is not None:
        shape = tuple(_check_count(s, "image_shape[i]", 1) for s in image_shape)
        if len(shape) != 2 or math.prod(shape) != array.shape[1]:
            raise ValueError(
                f"image_shape={image_shape!r} must be (height, width) with height * width equal "
                f"to the {array.shape[1]} columns of images."
            )
    else:
        side = math.isqrt(array.shape[1])
        shape = (side, side) if side * side == array.shape[1] else (1, array.shape[1])
        if downsample is not None and side * side != array.shape[1]:
            raise ValueError(
                f"images has {array.shape[1]} columns, not a square number: pass image_shape "
                "to downsample flat images."
            )
    array = array.reshape(array.shape[0], *shape)
    if array.size and array.min() < 0:
        raise ValueError("images must be non-negative (pixel intensities).")
    if downsample is not None:
        array = array[:, ::downsample, ::downsample]  # the IRM code's 28 x 28 -> 14 x 14
    if raw.dtype == np.uint8:
        scale = 255.0
    else:
        top = float(array.max()) if array.size else 0.0
        scale = top if top > 1 else 1.0
    pixels = (array.reshape(array.shape[0], -1) / scale).astype(np.float32)
    return pixels, array.shape[1:]


def make_colored_images(
    images,
    labels,
    *,
    flip_probs=(0.2, 0.1, 0.9),
    label_noise=0.25,
    neutral_envs=0,
    binarize_at=None,
    downsample=None,
    image_shape=None,
    random_state=None,
):
    r"""Colour grayscale images so that the colour predicts a binary label in some environments.

    The Colored MNIST recipe of Arjovsky et al. (2019), applied to any grayscale images
    (MNIST, Fashion-MNIST from :func:`load_fashion_mnist`,
    :func:`~sklearn.datasets.load_digits` for tiny examples):

    1. a binary label :math:`\tilde y = 1[\text{label} \ge t]` with :math:`t` = ``binarize_at``;
    2. the label :math:`y = \tilde y` flipped with probability ``label_noise``, so that the
       shape predicts :math:`y` with accuracy at most :math:`1 - \text{label\_noise}` in every
       environment (the invariant mechanism);
    3. the rows split at random into environments of equal size, environment :math:`e` with
       flip probability :math:`p_e` = ``flip_probs[e]``, then ``neutral_envs`` environments
       with :math:`p_e = 0.5`;
    4. a colour :math:`c = y` flipped with probability :math:`p_e` (the spurious signal: it
       agrees with :math:`y` at rate :math:`1 - p_e`);
    5. two channels, red (colour 0) and green (colour 1): the channel of the colour holds the
       image, the other zeros.

    Parameters
    ----------
    images : array-like of shape (n_samples, height, width) or (n_samples, n_pixels)
        Grayscale images with non-negative intensities. ``uint8`` images are divided by 255;
        other images by their largest value when it exceeds 1 (16 for
        :func:`~sklearn.datasets.load_digits`), else kept, so that ``X`` lies in [0, 1]. Scale
        them to [0, 1] yourself to keep two calls on the same scale. Not modified.
    labels : array-like of shape (n_samples,)
        Numeric class of each image (e.g. the digit), binarized at ``binarize_at``. Not
        modified.
    flip_probs : sequence of float, default=(0.2, 0.1, 0.9)
        Probability :math:`p_e` in [0, 1] that the colour disagrees with the (noisy) label in
        environment :math:`e`. The default is the IRM paper's: 0.2 and 0.1 for the two
        training environments and 0.9 for the **test environment**, the last one, where the
        colour mostly lies.
    label_noise : float, default=0.25
        Probability in [0, 1] that the binary label is flipped, independently of the image and
        the environment.
    neutral_envs : int, default=0
        Number of extra colour-neutral environments (:math:`p_e = 0.5`), numbered after those
        of ``flip_probs``. A model that bets against the colour scores above the invariant
        1 - ``label_noise`` at :math:`p_e = 0.9` without learning shape; a neutral environment
        exposes it.
    binarize_at : float, default=None
        Threshold :math:`t`: labels below it give :math:`\tilde y = 0`, the others 1. None means
        the median label (4.5 for ten balanced classes 0-9: 0-4 against 5-9, as the IRM
        paper's ``digit < 5`` with the classes' roles swapped); when the median is the smallest
        label (0/1 labels, mostly 0), the labels above it give 1.
    downsample : int, default=None
        Keep every ``downsample``-th pixel along each axis (the IRM code keeps every second
        pixel: 28 x 28 becomes 14 x 14); None keeps all pixels.
    image_shape : tuple of (int, int), default=None
        ``(height, width)`` of flat images, needed only to downsample flat images whose number
        of pixels is not a square. Ignored (but checked) for 3-D images.
    random_state : int, RandomState instance or None, default=None
        Seed of the environment split, the label noise and the colour flips, drawn in that
        order. Pass an int for reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, 2 * height' * width'), dtype float32
        The coloured images in [0, 1], flattened channel first: ``X.reshape(n_samples, 2,
        height', width')`` gives the red and the green image (``height'``, ``width'`` after
        downsampling). Row :math:`i` comes from image :math:`i`.
    y : ndarray of shape (n_samples,), dtype int64
        The noisy binary label :math:`y`.
    environments : ndarray of shape (n_samples,), dtype int64
        The environment of each row, 0 to ``len(flip_probs) + neutral_envs - 1``; the sizes of
        the environments differ by at most one.

    Raises
    ------
    ValueError
        If ``images`` and ``labels`` differ in length, if a probability lies outside [0, 1],
        if there are fewer images than environments, if ``binarize_at`` puts every image in one
        class, or if ``images`` has a bad shape, a negative or a missing value.

    See Also
    --------
    make_spurious_environments : The same structure over Gaussian features.
    sklatent.metrics.environment_scores : The score of a model in each environment.

    Notes
    -----
    The IRM paper (Table 1) trains on the environments 0.2 and 0.1 (25,000 MNIST images each,
    14 x 14) and tests on 0.9. The invariant predictor (shape only) reaches 75% in every
    environment; ERM, which follows the colour, 17% on the test environment. To test on
    separate images (e.g. the test split), call this function again on them with
    ``flip_probs=(0.9,)`` and the same ``binarize_at``.

    References
    ----------
    M. Arjovsky, L. Bottou, I. Gulrajani and D. Lopez-Paz, "Invariant Risk Minimization",
    arXiv:1907.02893, 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklatent.datasets import make_colored_images
    >>> digits = load_digits()
    >>> X, y, environments = make_colored_images(
    ...     digits.images, digits.target, neutral_envs=1, random_state=0
    ... )
    >>> X.shape, X.dtype, np.bincount(environments).tolist()
    ((1797, 128), dtype('float32'), [450, 449, 449, 449])
    >>> color = X.reshape(-1, 2, 64).sum(axis=2).argmax(axis=1)  # 0 red, 1 green
    >>> [round(float(np.mean(color[environments == e] == y[environments == e])), 2)
    ...  for e in range(4)]
    [0.8, 0.91, 0.1, 0.51]
    """
    pixels, shape = _pixels(
        images,
        image_shape,
        None if downsample is None else _check_count(downsample, "downsample", 1),
    )
    labels = check_array(labels, ensure_2d=False, input_name="labels")
    if labels.ndim != 1 or labels.shape[0] != pixels.shape[0]:
        raise ValueError(
            f"labels must be 1-D with one label per image: got shape {labels.shape} for "
            f"{pixels.shape[0]} images."
        )
    probs = _check_flip_probs(flip_probs)
    label_noise = _check_prob(label_noise, "label_noise")
    neutral_envs = _check_count(neutral_envs, "neutral_envs", 0)
    probs = np.concatenate([probs, np.full(neutral_envs, _NEUTRAL_FLIP_PROB)])
    n_samples, n_envs = pixels.shape[0], probs.shape[0]
    if n_samples < n_envs:
        raise ValueError(f"{n_samples} images cannot fill {n_envs} environments.")
    threshold = np.median(labels) if binarize_at is None else binarize_at
    if not isinstance(threshold, numbers.Real) or isinstance(threshold, bool):
        raise ValueError(f"binarize_at must be a number or None, got {binarize_at!r}.")
    clean = (labels >= threshold).astype(np.int64)
    if binarize_at is None and clean.min() == 1:  # the median is the smallest label
        clean = (labels > threshold).astype(np.int64)
    if clean.min() == clean.max() and binarize_at is None:
        raise ValueError(f"labels hold a single value ({labels[0]}): no threshold splits them.")
    if clean.min() == clean.max():
        raise ValueError(
            f"binarize_at={float(threshold):g} puts every label in class {clean[0]}; choose a "
            "threshold between the smallest and the largest label."
        )
    rng = check_random_state(random_state)

    environments = np.empty(n_samples, dtype=np.int64)
    for e, rows in enumerate(np.array_split(rng.permutation(n_samples), n_envs)):
        environments[rows] = e
    y = _flip(clean, label_noise, rng)
    color = _flip(y, probs[environments], rng)
    X = np.zeros((n_samples, 2, pixels.shape[1]), dtype=np.float32)
    X[np.arange(n_samples), color] = pixels
    return X.reshape(n_samples, 2 * math.prod(shape)), y, environments


def make_spurious_environments(
    n_samples_per_env=1000,
    *,
    flip_probs=(0.1, 0.2, 0.9),
    n_causal=2,
    n_spurious=1,
    label_noise=0.25,
    spurious_noise=0.1,
    return_causal_mask=False,
    random_state=None,
):
    r"""Generate causal features with a fixed mechanism and spurious ones that vary by environment.

    The Colored MNIST structure over Gaussian features, with the environment :math:`e` given
    by the flip probability :math:`p_e` = ``flip_probs[e]``:

    .. math::

        x_c \sim \mathcal{N}(0, I_{d_c}), \qquad
        y = 1[\textstyle\sum_j x_{c,j} > 0] \oplus \eta, \quad
        \eta \sim \mathrm{Bernoulli}(\text{label\_noise}),

        s = y \oplus \epsilon_e, \quad \epsilon_e \sim \mathrm{Bernoulli}(p_e), \qquad
        x_s = (2 s - 1) \mathbf{1}_{d_s} + \sigma \, \mathcal{N}(0, I_{d_s}),

    with :math:`\sigma` = ``spurious_noise``. The causal features cause :math:`y` through the
    same mechanism in every environment; the spurious features are caused by :math:`y` and
    agree with it at rate :math:`1 - p_e`, which changes across environments. Known answers:

    - the invariant rule :math:`1[\sum_j x_{c,j} > 0]` (the Bayes rule from the causal
      features) has accuracy :math:`1 - \text{label\_noise}` (0.75) in every environment;
    - the sign of a spurious feature has accuracy about :math:`1 - p_e` (exactly, as
      :math:`\sigma \to 0`): 0.9 and 0.8 in the default training environments, 0.1 in the
      last one, where the correlation is reversed. A model fit on the pooled training
      environments leans on the spurious features and fails there.

    Parameters
    ----------
    n_samples_per_env : int, default=1000
        Number of rows in each environment.
    flip_probs : sequence of float, default=(0.1, 0.2, 0.9)
        Probability :math:`p_e` in [0, 1] that the spurious signal disagrees with :math:`y` in
        environment :math:`e`. 0.5 makes it pure noise; the default ends with a **test
        environment** (0.9) where the spurious correlation is reversed.
    n_causal : int, default=2
        Number :math:`d_c` of causal features.
    n_spurious : int, default=1
        Number :math:`d_s` of spurious features, noisy copies of the same signal :math:`s`.
    label_noise : float, default=0.25
        Probability in [0, 1] that :math:`y` is flipped, the same in every environment.
    spurious_noise : float, default=0.1
        Standard deviation :math:`\sigma \ge 0` of the Gaussian noise of the spurious features.
        At the default the spurious signal is read almost exactly, so it predicts :math:`y`
        better than the causal features in the default training environments.
    return_causal_mask : bool, default=False
        If True, also return the boolean mask of the causal columns.
    random_state : int, RandomState instance or None, default=None
        Seed of the causal features, the label noise, the spurious flips and the spurious
        noise, drawn in that order. Pass an int for reproducible output.

    Returns
    -------
    X : ndarray of shape (n_envs * n_samples_per_env, n_causal + n_spurious)
        The causal features (first ``n_causal`` columns), then the spurious ones.
    y : ndarray of shape (n_envs * n_samples_per_env,), dtype int64
        The binary label.
    environments : ndarray of shape (n_envs * n_samples_per_env,), dtype int64
        The environment of each row, in blocks: ``n_samples_per_env`` rows of environment 0,
        then of environment 1, and so on.
    causal_mask : ndarray of shape (n_causal + n_spurious,), dtype bool
        True for the causal columns. Only returned if ``return_causal_mask`` is True.

    Raises
    ------
    ValueError
        If a probability lies outside [0, 1], ``flip_probs`` is empty, a count is not a
        positive integer, or ``spurious_noise`` is negative.

    See Also
    --------
    make_colored_images : The same structure over images (Colored MNIST).
    sklatent.metrics.environment_scores : The score of a model in each environment.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklatent.datasets import make_spurious_environments
    >>> X, y, env, causal = make_spurious_environments(
    ...     2000, return_causal_mask=True, random_state=0
    ... )
    >>> X.shape, causal.tolist()
    ((6000, 3), [True, True, False])
    >>> invariant = (X[:, causal].sum(axis=1) > 0).astype(int)
    >>> [round(float(np.mean(invariant[env == e] == y[env == e])), 2) for e in range(3)]
    [0.74, 0.74, 0.76]
    >>> train = env < 2
    >>> erm = LogisticRegression().fit(X[train], y[train])
    >>> round(erm.score(X[env == 2], y[env == 2]), 2)  # the spurious feature misleads it
    0.13
    """
    n_samples_per_env = _check_count(n_samples_per_env, "n_samples_per_env", 1)
    probs = _check_flip_probs(flip_probs)
    n_causal = _check_count(n_causal, "n_causal", 1)
    n_spurious = _check_count(n_spurious, "n_spurious", 1)
    label_noise = _check_prob(label_noise, "label_noise")
    check_non_negative(spurious_noise, "spurious_noise")
    rng = check_random_state(random_state)

    environments = np.repeat(np.arange(probs.shape[0], dtype=np.int64), n_samples_per_env)
    n_samples = environments.shape[0]
    causal = rng.standard_normal((n_samples, n_causal))
    y = _flip((causal.sum(axis=1) > 0).astype(np.int64), label_noise, rng)
    signal = _flip(y, probs[environments], rng)
    spurious = (2.0 * signal - 1.0)[:, None] + spurious_noise * rng.standard_normal(
        (n_samples, n_spurious)
    )
    X = np.hstack([causal, spurious])
    if return_causal_mask:
        mask = np.arange(n_causal + n_spurious) < n_causal
        return X, y, environments, mask
    return X, y, environments
