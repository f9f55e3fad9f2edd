"""Generators of observation pairs (x, x') whose latents evolve under a known mechanism.

Ground truth for Ahuja, Hartford & Bengio (2022, "Properties from mechanisms"):
``x = g(z)`` with an injective mixing ``g`` and ``z' = m(z, a)`` with a known mechanism ``m``
and an observed action ``a``. The synthetic set-up follows the authors' follow-up
(arXiv 2206.01101, code ``ahujak/WSRL``).
"""

import functools

import numpy as np
from sklearn.datasets import load_digits
from sklearn.utils import Bunch, check_random_state

from ..utils._validation import check_non_negative
from ._base import _check_count

__all__ = ["make_mechanism_pairs", "make_shifted_digits"]

_MECHANISMS = ("translation", "translation_unknown", "linear")
_MIXINGS = ("mlp", "linear", "identity")
_DISTRIBUTIONS = ("gaussian", "uniform")
_NEGATIVE_SLOPE = 0.2
_DIGIT_SIZE = 8


def _check_option(value, name, options):
    if value not in options:
        raise ValueError(f"{name} must be one of {list(options)}, got {value!r}.")


def _leaky_relu(h):
    return np.where(h > 0, h, _NEGATIVE_SLOPE * h)


def _mlp_mixing(z, *, W1, W2):
    """``x = W2 leaky_relu(W1 z)``, applied to the rows of ``z``."""
    return _leaky_relu(np.asarray(z, dtype=np.float64) @ W1.T) @ W2.T


def _linear_mixing(z, *, W1):
    """``x = W1 z``, applied to the rows of ``z``."""
    return np.asarray(z, dtype=np.float64) @ W1.T


def _identity_mixing(z):
    return np.array(z, dtype=np.float64)


def _random_orthogonal(n, rng):
    """Haar-distributed orthogonal matrix (QR of a Gaussian matrix with the sign fix)."""
    Q, R = np.linalg.qr(rng.standard_normal((n, n)))
    return Q * np.where(np.diag(R) < 0, -1.0, 1.0)


def _well_conditioned(n, rng):
    """``U diag(s) V^T`` with random orthogonal U, V and singular values s ~ U[1, 2]."""
    s = rng.uniform(1.0, 2.0, size=n)
    return (_random_orthogonal(n, rng) * s) @ _random_orthogonal(n, rng).T


def _sample_latents(n_samples, n_latents, distribution, rng):
    if distribution == "uniform":
        return rng.uniform(-2.0, 2.0, size=(n_samples, n_latents))
    # z = e + A u with e ~ N(0, I), u ~ N(0, I_blocks): z ~ N(0, I + A A^T)
    n_blocks = min(n_latents, 2)  # block b holds the coordinates i with (i >= n // 2) == b
    block = (np.arange(n_latents) >= n_latents // 2) & (n_blocks == 2)
    A = 0.5 * (block[:, None] == np.arange(n_blocks))
    eps = rng.standard_normal((n_samples, n_latents))
    return eps + rng.standard_normal((n_samples, A.shape[1])) @ A.T


def make_mechanism_pairs(
    n_samples=1000,
    n_latents=10,
    mechanism="translation",
    *,
    latent_distribution="gaussian",
    mixing="mlp",
    n_actions=None,
    noise=0.0,
    random_state=None,
):
    r"""Generate observation pairs whose true latents follow a known mechanism.

    Draws latents :math:`z`, applies a known mechanism :math:`z' = m(z, a)` with action
    :math:`a`, and mixes both with the same injective map :math:`x = g(z)`, so that row
    :math:`i` of ``X_next`` follows row :math:`i` of ``X`` under ``actions[i]``, as
    :class:`~sklatent.MechanismEncoder` expects.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of pairs.
    n_latents : int, default=10
        Dimension of the latents and of the observations.
    mechanism : {"translation", "translation_unknown", "linear"}, default="translation"
        - ``"translation"``: :math:`z' = z + a` with observed shifts
          :math:`a \sim \mathcal{N}(0, I)` of shape (n_samples, n_latents), comparable to the
          unit-scale spread of the latents.
        - ``"translation_unknown"``: integer actions :math:`a \in \{0, \dots, K-1\}` drawn
          uniformly, :math:`z' = z + \delta_a`; the offsets :math:`\delta_k` are the unit
          vectors :math:`e_k` when :math:`K` equals ``n_latents`` (the follow-up's set-up),
          else i.i.d. :math:`\mathcal{N}(0, I)` vectors.
        - ``"linear"``: :math:`z' = M z` with :math:`M` diagonal, its entries ``n_latents``
          evenly spaced distinct values in [0.5, 1.5] in a random order; no actions.
    latent_distribution : {"gaussian", "uniform"}, default="gaussian"
        ``"gaussian"``: :math:`z \sim \mathcal{N}(0, I + A A^\top)` with two correlated
        blocks, the first ``n_latents // 2`` coordinates and the rest (one block if
        ``n_latents`` is 1). Column :math:`b` of :math:`A` is 0.5 on block :math:`b` and 0
        elsewhere, so each coordinate has variance 1.25, coordinates of a block correlate at
        0.25 / 1.25 = 0.2, and the blocks are independent. ``"uniform"``:
        :math:`z \sim U(-2, 2)^{n}`, i.i.d. coordinates.
    mixing : {"mlp", "linear", "identity"}, default="mlp"
        ``"mlp"``: :math:`x = W_2\,\mathrm{LeakyReLU}_{0.2}(W_1 z)`, a bias-free invertible
        2-layer MLP. ``"linear"``: :math:`x = W_1 z`. ``"identity"``: :math:`x = z`. Each
        :math:`W = U \operatorname{diag}(s) V^\top` with Haar-random orthogonal :math:`U, V`
        and singular values :math:`s \sim U[1, 2]`, so its condition number is at most 2.
    n_actions : int, default=None
        Number :math:`K` of distinct actions of ``"translation_unknown"``; None means
        ``n_latents``. Ignored by the other mechanisms.
    noise : float, default=0.0
        Standard deviation of the Gaussian noise added to :math:`z'` (a stochastic
        mechanism). Zero gives the exact mechanism.
    random_state : int, RandomState instance or None, default=None
        Seed of the latents, weights, actions and noise. Pass an int for reproducible output.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        X : ndarray of shape (n_samples, n_latents)
            Observations :math:`g(z)`.
        X_next : ndarray of shape (n_samples, n_latents)
            Observations :math:`g(z')` after the mechanism.
        actions : ndarray of shape (n_samples, n_latents), ndarray of shape (n_samples,) or None
            Float shifts (``"translation"``), int64 labels (``"translation_unknown"``) or
            None (``"linear"``).
        latents : ndarray of shape (n_samples, n_latents)
            True latents :math:`z`.
        latents_next : ndarray of shape (n_samples, n_latents)
            True latents :math:`z'`.
        mechanism_matrix : ndarray of shape (n_latents, n_latents) or None
            :math:`M` for ``"linear"`` (``latents_next = latents @ M.T`` without noise),
            else None.
        offsets : ndarray of shape (n_actions, n_latents) or None
            :math:`\delta_k` for ``"translation_unknown"``, else None.
        mixing : callable
            The mixing :math:`g` as a numpy function mapping an array of shape
            (m, n_latents) of latents to observations, e.g. for latent traversals.

    Raises
    ------
    ValueError
        If ``mechanism``, ``mixing`` or ``latent_distribution`` is unknown, if
        ``n_samples``, ``n_latents`` or ``n_actions`` is not a positive integer, or if
        ``noise`` is negative.

    See Also
    --------
    make_shifted_digits : Digit images translated on a canvas by known shifts.

    Notes
    -----
    Draws happen in a fixed order (latents, mixing weights, actions, noise), so changing
    ``noise`` leaves the noise-free part of the data unchanged for a given seed.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.datasets import make_mechanism_pairs
    >>> data = make_mechanism_pairs(n_samples=200, n_latents=4, random_state=0)
    >>> data.X.shape, data.actions.shape
    ((200, 4), (200, 4))
    >>> bool(np.allclose(data.latents_next, data.latents + data.actions))
    True
    >>> bool(np.allclose(data.mixing(data.latents_next), data.X_next))
    True
    """
    n_samples = _check_count(n_samples, "n_samples", 1)
    n_latents = _check_count(n_latents, "n_latents", 1)
    _check_option(mechanism, "mechanism", _MECHANISMS)
    _check_option(mixing, "mixing", _MIXINGS)
    _check_option(latent_distribution, "latent_distribution", _DISTRIBUTIONS)
    n_actions = n_latents if n_actions is None else _check_count(n_actions, "n_actions", 1)
    check_non_negative(noise, "noise")
    rng = check_random_state(random_state)

    Z = _sample_latents(n_samples, n_latents, latent_distribution, rng)
    g = _identity_mixing
    if mixing != "identity":
        W1 = _well_conditioned(n_latents, rng)
        g = functools.partial(_linear_mixing, W1=W1)
    if mixing == "mlp":
        g = functools.partial(_mlp_mixing, W1=W1, W2=_well_conditioned(n_latents, rng))

    actions = offsets = M = None
    if mechanism == "translation":
        actions = rng.standard_normal((n_samples, n_latents))
        Z_next = Z + actions
    elif mechanism == "translation_unknown":
        same = n_actions == n_latents
        offsets = np.eye(n_latents) if same else rng.standard_normal((n_actions, n_latents))
        actions = rng.randint(0, n_actions, size=n_samples).astype(np.int64)
        Z_next = Z + offsets[actions]
    else:
        M = np.diag(rng.permutation(np.linspace(0.5, 1.5, n_latents)))
        Z_next = Z @ M.T
    if noise > 0:
        Z_next = Z_next + noise * rng.standard_normal(Z_next.shape)

    return Bunch(
        X=g(Z),
        X_next=g(Z_next),
        actions=actions,
        latents=Z,
        latents_next=Z_next,
        mechanism_matrix=M,
        offsets=offsets,
        mixing=g,
    )


def make_shifted_digits(n_samples=2000, *, canvas_size=16, max_shift=2, random_state=None):
    """Generate pairs of digit images moved by known shifts on a blank canvas.

    Each pair takes an 8 x 8 image of :func:`~sklearn.datasets.load_digits` (rows drawn
    uniformly with replacement), places it with its top-left corner at row ``u`` and column
    ``v`` of a blank ``canvas_size`` x ``canvas_size`` canvas, then moves it by
    ``(du, dv)``. Positions are drawn uniformly among those where the digit fits; shifts
    uniformly among the integers with ``|du|, |dv| <= max_shift`` that keep the digit inside
    the canvas. The true latents are the position, the mechanism a known translation:
    ``latents_next = latents + actions``.

    Parameters
    ----------
    n_samples : int, default=2000
        Number of pairs.
    canvas_size : int, default=16
        Side of the square canvas, at least 8.
    max_shift : int, default=2
        Largest absolute shift along each axis, at least 0.
    random_state : int, RandomState instance or None, default=None
        Seed of the digit rows, positions and shifts. Pass an int for reproducible output.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        X : ndarray of shape (n_samples, canvas_size ** 2)
            Flattened (row-major) images before the shift, pixel values in [0, 1] (the 0-16
            intensities of ``load_digits`` divided by 16).
        X_next : ndarray of shape (n_samples, canvas_size ** 2)
            Flattened images after the shift.
        actions : ndarray of shape (n_samples, 2)
            The shifts ``(du, dv)`` (rows, columns) as floats.
        latents : ndarray of shape (n_samples, 2)
            The positions ``(u, v)`` of the top-left corner before the shift, as floats.
        latents_next : ndarray of shape (n_samples, 2)
            The positions after the shift.
        digits : ndarray of shape (n_samples,)
            The class (0-9) of the digit shown.
        images_shape : tuple of int
            ``(canvas_size, canvas_size)``, to reshape a row of ``X`` into an image.

    Raises
    ------
    ValueError
        If ``n_samples`` < 1, ``canvas_size`` < 8 or ``max_shift`` < 0.

    See Also
    --------
    make_mechanism_pairs : Synthetic latents with a known mechanism and mixing.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.datasets import make_shifted_digits
    >>> data = make_shifted_digits(n_samples=100, random_state=0)
    >>> data.X.shape, data.images_shape
    ((100, 256), (16, 16))
    >>> du, dv = data.actions[0].astype(int)
    >>> image = data.X[0].reshape(data.images_shape)
    >>> bool(np.array_equal(np.roll(image, (du, dv), axis=(0, 1)).ravel(), data.X_next[0]))
    True
    """
    n_samples = _check_count(n_samples, "n_samples", 1)
    canvas_size = _check_count(canvas_size, "canvas_size", _DIGIT_SIZE)
    max_shift = _check_count(max_shift, "max_shift", 0)
    rng = check_random_state(random_state)

    digits = load_digits()
    rows = rng.randint(0, len(digits.target), size=n_samples)
    last = canvas_size - _DIGIT_SIZE  # largest top-left coordinate where the digit fits
    position = rng.randint(0, last + 1, size=(n_samples, 2))
    low = np.maximum(-max_shift, -position)
    high = np.minimum(max_shift, last - position)
    shift = rng.randint(low, high + 1)

    images = digits.images[rows] / 16.0

    def paint(corner):
        canvas = np.zeros((n_samples, canvas_size, canvas_size))
        r = corner[:, :1, None] + np.arange(_DIGIT_SIZE)[None, :, None]
        c = corner[:, 1:, None] + np.arange(_DIGIT_SIZE)[None, None, :]
        canvas[np.arange(n_samples)[:, None, None], r, c] = images
        return canvas.reshape(n_samples, -1)

    return Bunch(
        X=paint(position),
        X_next=paint(position + shift),
        actions=shift.astype(np.float64),
        latents=position.astype(np.float64),
        latents_next=(position + shift).astype(np.float64),
        digits=digits.target[rows].astype(np.int64),
        images_shape=(canvas_size, canvas_size),
    )
