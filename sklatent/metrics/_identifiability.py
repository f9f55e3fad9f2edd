"""Identifiability scores: how well learned latents recover known ground-truth latents.

Both scores compare a learned code with the true latents of a generator such as
:func:`~sklatent.datasets.make_mechanism_pairs`: the mean correlation coefficient (MCC) asks
for a recovery up to permutation and per-coordinate monotone (Spearman) or affine (Pearson)
maps; linear identifiability asks for a recovery up to an arbitrary affine map.
"""

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.stats import rankdata
from sklearn.linear_model import LinearRegression
from sklearn.metrics import r2_score
from sklearn.utils import check_array

__all__ = ["linear_identifiability", "mean_correlation_coefficient"]

_METHODS = ("pearson", "spearman")


def _check_latent_pair(Z_true, Z_learned):
    """Validate two 2-D finite float arrays with the same number of rows."""
    Z_true = check_array(
        Z_true, dtype=np.float64, ensure_min_samples=2, ensure_all_finite=True, input_name="Z_true"
    )
    Z_learned = check_array(
        Z_learned,
        dtype=np.float64,
        ensure_min_samples=2,
        ensure_all_finite=True,
        input_name="Z_learned",
    )
    if Z_true.shape[0] != Z_learned.shape[0]:
        raise ValueError(
            "Z_true and Z_learned must have the same number of samples (rows), got "
            f"n_samples={Z_true.shape[0]} for Z_true and {Z_learned.shape[0]} for Z_learned."
        )
    return Z_true, Z_learned


def _standardize_columns(Z):
    """Centre each column and scale it to unit Euclidean norm; constant columns become 0."""
    Z = Z - Z.mean(axis=0)
    # Divided by its largest entry first, so that the squares of the norm neither overflow
    # nor underflow: codes of scale 1e160 or 1e-200 read as constant (an MCC of 0).
    peaks = np.abs(Z).max(axis=0)
    Z = Z / np.where(peaks > 0, peaks, 1.0)
    norms = np.linalg.norm(Z, axis=0)
    # a constant column has no direction: it correlates with nothing (0, not NaN)
    scale = np.where(norms > 0, norms, 1.0)
    return np.where(norms > 0, Z / scale, 0.0)


def mean_correlation_coefficient(Z_true, Z_learned, *, method="pearson", return_matching=False):
    r"""Mean absolute correlation between true and learned latents after optimal matching.

    The mean correlation coefficient (MCC) of the identifiability literature: compute the
    absolute correlation :math:`|\rho_{ij}|` between every true dimension :math:`i` and every
    learned dimension :math:`j`, find the one-to-one matching :math:`\pi` that maximises the
    total (Hungarian algorithm, :func:`scipy.optimize.linear_sum_assignment`) and divide the
    matched entries' sum by the number of true latents:

    .. math::

        \mathrm{MCC} = \frac{1}{k_{\text{true}}} \max_{\pi} \sum_{i} |\rho_{i, \pi(i)}|,

    the sum over the :math:`\min(k_{\text{true}}, k_{\text{learned}})` matched pairs. A score
    of 1 means every true latent is recovered by a distinct learned dimension up to an affine
    map (``method="pearson"``) or a strictly monotone map (``method="spearman"``).

    Parameters
    ----------
    Z_true : array-like of shape (n_samples, n_true)
        Ground-truth latents.
    Z_learned : array-like of shape (n_samples, n_learned)
        Learned codes for the same samples, in the same order. ``n_learned`` may differ from
        ``n_true``. Extra learned dimensions are left unmatched and do not lower the score;
        with fewer learned dimensions than true ones, each true latent left unmatched counts
        as a correlation of 0, so that a code too small to hold every true latent cannot
        score 1. The score is therefore not symmetric when the widths differ: pass the true
        latents first.
    method : {"pearson", "spearman"}, default="pearson"
        Correlation coefficient. ``"spearman"`` is the Pearson correlation of the ranks (ties
        get their average rank), invariant to strictly monotone transforms of each column.
    return_matching : bool, default=False
        If True, also return the matching.

    Returns
    -------
    mcc : float
        Mean over the true latents of their matched absolute correlation (0 where unmatched),
        in [0, 1].
    row_ind : ndarray of shape (min(n_true, n_learned),)
        Indices of the matched true dimensions (sorted). Only returned if
        ``return_matching=True``.
    col_ind : ndarray of shape (min(n_true, n_learned),)
        Index of the learned dimension matched to ``row_ind[i]``. Only returned if
        ``return_matching=True``.

    Raises
    ------
    ValueError
        If an input is not 2-D, has fewer than 2 samples or contains NaN or infinity, if
        the numbers of samples differ, or if ``method`` is unknown.

    See Also
    --------
    linear_identifiability : R² of the best affine map from learned to true latents.

    Notes
    -----
    A constant column (zero variance) has correlation 0 with every other column, instead of
    the undefined 0/0 that :func:`numpy.corrcoef` reports as NaN. The absolute value makes
    the score blind to sign flips, as permutation, scaling and sign are the indeterminacies
    the score is meant to ignore.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.metrics import mean_correlation_coefficient
    >>> rng = np.random.default_rng(0)
    >>> Z = rng.normal(size=(500, 3))
    >>> Z_hat = -2.0 * Z[:, [2, 0, 1]] + 1.0  # permuted, rescaled, sign-flipped
    >>> round(mean_correlation_coefficient(Z, Z_hat), 6)
    1.0
    >>> mcc, rows, cols = mean_correlation_coefficient(Z, Z_hat, return_matching=True)
    >>> cols.tolist()
    [1, 2, 0]
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {list(_METHODS)}, got {method!r}.")
    Z_true, Z_learned = _check_latent_pair(Z_true, Z_learned)
    if method == "spearman":
        Z_true = rankdata(Z_true, axis=0)
        Z_learned = rankdata(Z_learned, axis=0)
    corr = np.abs(_standardize_columns(Z_true).T @ _standardize_columns(Z_learned))
    corr = np.clip(corr, 0.0, 1.0)  # rounding can push |rho| a hair above 1
    row_ind, col_ind = linear_sum_assignment(corr, maximize=True)
    # Averaged over the true latents: an unmatched one (fewer learned dimensions) adds 0.
    mcc = float(corr[row_ind, col_ind].sum() / Z_true.shape[1])
    if return_matching:
        return mcc, row_ind, col_ind
    return mcc


def linear_identifiability(Z_true, Z_learned):
    r"""R² of the best affine map from the learned latents to the true latents.

    Fits :math:`\hat z = W \hat{z}_{\text{learned}} + b` by ordinary least squares
    (:class:`~sklearn.linear_model.LinearRegression`) and returns the coefficient of
    determination of that fit, averaged uniformly over the true dimensions:

    .. math::

        R^2 = \frac{1}{k_{\text{true}}} \sum_{i=1}^{k_{\text{true}}}
        \left(1 - \frac{\sum_n (z_{ni} - \hat z_{ni})^2}{\sum_n (z_{ni} - \bar z_i)^2}\right).

    A score of 1 means the true latents are an affine function of the learned ones
    (identification up to an affine map).

    Parameters
    ----------
    Z_true : array-like of shape (n_samples, n_true)
        Ground-truth latents (the regression targets).
    Z_learned : array-like of shape (n_samples, n_learned)
        Learned codes for the same samples, in the same order (the regressors).

    Returns
    -------
    score : float
        Uniform average over the true dimensions of the in-sample R², at most 1 (it can
        be negative only in degenerate cases, as least squares with an intercept does at
        least as well as the mean).

    Raises
    ------
    ValueError
        If an input is not 2-D, has fewer than 2 samples or contains NaN or infinity, or if
        the numbers of samples differ.

    See Also
    --------
    mean_correlation_coefficient : Matched per-dimension correlation.

    Notes
    -----
    The map is fitted and scored on the same data: an in-sample score, which is optimistic
    when ``n_learned`` is large relative to ``n_samples``. For a held-out estimate, fit a
    :class:`~sklearn.linear_model.LinearRegression` on one split and score it on another
    (e.g. with :func:`~sklearn.model_selection.cross_val_score`). Each true dimension
    counts equally (``multioutput="uniform_average"`` of :func:`~sklearn.metrics.r2_score`),
    whatever its variance; a constant true dimension scores 1 if predicted exactly, else 0.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.metrics import linear_identifiability
    >>> rng = np.random.default_rng(0)
    >>> Z = rng.normal(size=(500, 3))
    >>> Z_hat = Z @ rng.normal(size=(3, 3)) + 5.0  # an invertible affine map of Z
    >>> round(linear_identifiability(Z, Z_hat), 6)
    1.0
    """
    Z_true, Z_learned = _check_latent_pair(Z_true, Z_learned)
    prediction = LinearRegression().fit(Z_learned, Z_true).predict(Z_learned)
    return float(r2_score(Z_true, prediction, multioutput="uniform_average"))
