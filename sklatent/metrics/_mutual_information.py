"""Mutual information between data and codes, and the activity of latent dimensions.

The evaluation metrics of Livne, Swersky & Fleet (2019, "The Mutual Information Machine"):
the Kraskov-Stögbauer-Grassberger (KSG) nearest-neighbour estimate of :math:`I(x; z)` on
pairs of inputs and codes, and the number of active units of Burda et al. (2016), which
counts the latent dimensions a posterior-collapsed model leaves unused.
"""

import numbers

import numpy as np
from scipy.special import digamma
from sklearn.neighbors import KDTree, NearestNeighbors
from sklearn.utils import check_array

from ..utils._validation import check_non_negative
from ..utils._warnings import warn_at_caller

__all__ = ["active_units", "mutual_information_ksg"]


def _check_samples(A, name):
    """Validate a finite float array; a 1-D vector becomes a single column."""
    A = check_array(
        A,
        dtype=np.float64,
        ensure_2d=False,
        ensure_min_samples=1,
        ensure_all_finite=True,
        input_name=name,
    )
    if A.ndim == 1:
        A = A.reshape(-1, 1)
    if A.ndim != 2:
        raise ValueError(f"{name} must be 1-D or 2-D, got an array of shape {A.shape}.")
    return A


def _count_within(A, radii):
    """Number of rows of ``A`` at Chebyshev distance <= ``radii[i]`` of row ``i`` (itself too)."""
    tree = KDTree(A, metric="chebyshev")
    return tree.query_radius(A, r=radii, count_only=True)


def mutual_information_ksg(X, Z, *, n_neighbors=3):
    r"""Kraskov-Stögbauer-Grassberger estimate of the mutual information :math:`I(X; Z)`.

    The first estimator (algorithm 1, max-norm) of Kraskov, Stögbauer and Grassberger (2004),
    for multivariate ``X`` and ``Z``. For each sample :math:`i`, :math:`\epsilon_i` is the
    Chebyshev (max-norm) distance to its ``n_neighbors``-th nearest neighbour in the joint
    space :math:`(x, z)`, and :math:`n_{x,i}`, :math:`n_{z,i}` count the other samples
    strictly closer than :math:`\epsilon_i` in the marginal spaces:

    .. math::

        \hat I(X; Z) = \psi(k) + \psi(N)
        - \frac{1}{N} \sum_{i=1}^{N} \left[\psi(n_{x,i} + 1) + \psi(n_{z,i} + 1)\right],

    with :math:`\psi` the digamma function, :math:`k` = ``n_neighbors`` and :math:`N` the
    number of samples.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features_x) or (n_samples,)
        First variable, e.g. the inputs. A 1-D vector is one column.
    Z : array-like of shape (n_samples, n_features_z) or (n_samples,)
        Second variable, e.g. the codes, for the same samples in the same order.
    n_neighbors : int, default=3
        Number of neighbours :math:`k` in the joint space. Small values have less bias and
        more variance; 3 to 10 is usual.

    Returns
    -------
    mi : float
        Estimated mutual information in nats. It can be slightly negative for independent
        variables (the estimate is not clipped at zero).

    Raises
    ------
    ValueError
        If an input is not 1-D or 2-D or contains NaN or infinity, if the numbers of samples
        differ, if ``n_neighbors`` is not a positive integer, or if ``n_samples`` is not
        larger than ``n_neighbors``.

    See Also
    --------
    sklearn.feature_selection.mutual_info_regression : Per-feature (univariate) KSG estimates.
    active_units : Number of latent dimensions in use.

    Notes
    -----
    **Bias.** The estimate is consistent but biased downwards when the true mutual
    information is high relative to the sample size: since the :math:`k - 1` joint neighbours
    inside :math:`\epsilon_i` are also inside it in each marginal,
    :math:`n_{x,i}, n_{z,i} \ge k - 1` and the estimate can never exceed
    :math:`\psi(N) - \psi(k)` (about 6.4 nats at :math:`N = 1500, k = 3`, the value of
    ``Z = X``), however large the true value (infinite for a deterministic code of a
    continuous input). Compare models only on the same ``N`` and ``k``, and read values near
    that ceiling as "at least".

    **Ties.** Duplicate rows (e.g. a discrete input or a collapsed code) give
    :math:`\epsilon_i = 0` and bias the estimate, by several nats and below zero (a warning
    says so); no random jitter is added, so that the result is deterministic. Add a small
    noise yourself if the data have ties.

    **Scale.** The mutual information is invariant to invertible maps of each variable, but
    the estimator mixes the scales of ``X`` and ``Z`` in the max-norm (for 300 Gaussian
    points, ``Z = X`` gives 4.78 nats but ``Z = 2X + 1`` gives 3.90): standardising each
    column (e.g. :class:`~sklearn.preprocessing.StandardScaler`) usually reduces the bias.

    The cost is :math:`O(N \log N)` per tree query (three KD-trees with the Chebyshev metric),
    growing with the dimension of the joint space.

    References
    ----------
    .. [1] A. Kraskov, H. Stögbauer and P. Grassberger, "Estimating mutual information",
       Physical Review E 69, 066138, 2004.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.metrics import mutual_information_ksg
    >>> rng = np.random.default_rng(0)
    >>> x, e = rng.normal(size=(2, 1000))
    >>> z = 0.9 * x + np.sqrt(1 - 0.9**2) * e  # correlation 0.9
    >>> round(float(-0.5 * np.log(1 - 0.9**2)), 2)  # the closed form, in nats
    0.83
    >>> round(mutual_information_ksg(x, z), 2)
    0.82
    """
    if (
        not isinstance(n_neighbors, numbers.Integral)
        or isinstance(n_neighbors, bool)
        or n_neighbors < 1
    ):
        raise ValueError(f"n_neighbors must be a positive integer, got {n_neighbors!r}.")
    n_neighbors = int(n_neighbors)
    X = _check_samples(X, "X")
    Z = _check_samples(Z, "Z")
    n_samples = X.shape[0]
    if Z.shape[0] != n_samples:
        raise ValueError(
            "X and Z must have the same number of samples (rows), got "
            f"n_samples={n_samples} for X and {Z.shape[0]} for Z."
        )
    if n_samples <= n_neighbors:
        raise ValueError(f"n_samples={n_samples} must be larger than n_neighbors={n_neighbors}.")

    joint = np.hstack([X, Z])
    nn = NearestNeighbors(n_neighbors=n_neighbors, metric="chebyshev").fit(joint)
    distances, _ = nn.kneighbors()  # without arguments: each point's own row is excluded
    eps = distances[:, -1]
    tied = int(np.count_nonzero(eps == 0))
    if tied:
        # Ties bias the estimate far beyond "slightly negative": Z = X of three values read
        # -2.6 nats, two constants -4.8.
        warn_at_caller(
            f"{tied} of the {n_samples} rows have {n_neighbors} or more exact duplicates in "
            "(X, Z): the KSG estimator assumes continuous variables, and ties bias it (by "
            "several nats, to below 0). Add a small noise to discrete or collapsed columns."
        )
    # "strictly closer than eps": the largest float below eps as an inclusive radius
    radii = np.nextafter(eps, 0.0)
    # the counts include the point itself, so they are n_x + 1 and n_z + 1 already
    count_x = _count_within(X, radii)
    count_z = _count_within(Z, radii)
    mi = digamma(n_neighbors) + digamma(n_samples) - np.mean(digamma(count_x) + digamma(count_z))
    return float(mi)


def active_units(estimator, X, *, threshold=0.01, return_variances=False):
    r"""Number of latent dimensions whose posterior mean varies across the data.

    The activity statistic of Burda, Grosse and Salakhutdinov (2016): dimension :math:`j` is
    *active* if

    .. math::

        A_j = \operatorname{Var}_{x}\left(\mathbb{E}_{q(z \mid x)}[z_j]\right) > \delta,

    i.e. if the code moves with the input. A posterior-collapsed dimension returns the prior
    mean for every input and has :math:`A_j \approx 0`.

    Parameters
    ----------
    estimator : fitted estimator
        An object with a ``transform(X)`` method that returns the posterior mean of each
        row's code, as the sklatent representation learners do.
    X : array-like of shape (n_samples, n_features)
        Data to encode, e.g. a held-out set.
    threshold : float, default=0.01
        Activity threshold :math:`\delta`; a dimension counts if its variance is strictly
        greater. The default 0.01 is Burda et al.'s, for codes on the scale of an
        :math:`\mathcal{N}(0, I)` prior.
    return_variances : bool, default=False
        If True, also return the per-dimension variances :math:`A_j`.

    Returns
    -------
    n_active : int
        Number of dimensions with variance above ``threshold``.
    variances : ndarray of shape (n_components,)
        Variance of each dimension of ``estimator.transform(X)`` across the rows (population
        variance, ``ddof=0``). Only returned if ``return_variances=True``.

    Raises
    ------
    ValueError
        If ``threshold`` is negative or not a finite number, or if the codes are not a 2-D
        finite array with at least 2 rows.

    See Also
    --------
    mutual_information_ksg : Mutual information between inputs and codes.

    Notes
    -----
    The statistic depends on the scale of the code: compare models whose prior fixes that
    scale, e.g. :math:`\mathcal{N}(0, I)`.

    References
    ----------
    .. [1] Y. Burda, R. Grosse and R. Salakhutdinov, "Importance Weighted Autoencoders",
       ICLR 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> from sklatent.metrics import active_units
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 4)) * [1.0, 0.5, 0.01, 0.001]
    >>> pca = PCA(n_components=4).fit(X)
    >>> active_units(pca, X)
    2
    >>> n_active, variances = active_units(pca, X, threshold=1e-5, return_variances=True)
    >>> n_active, variances.shape
    (3, (4,))
    """
    check_non_negative(threshold, "threshold")
    codes = check_array(
        estimator.transform(X),
        dtype=np.float64,
        ensure_min_samples=2,
        ensure_all_finite=True,
        input_name="estimator.transform(X)",
    )
    variances = codes.var(axis=0)
    n_active = int(np.count_nonzero(variances > threshold))
    if return_variances:
        return n_active, variances
    return n_active
