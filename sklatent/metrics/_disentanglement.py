"""Disentanglement scores: how each known factor of variation is carried by the code dimensions.

Three scores of the disentanglement literature, as pure functions of a code ``Z`` of shape
(n_samples, n_components) and the true factors of shape (n_samples, n_factors): the mutual
information gap (Chen et al. 2018), the DCI triple (Eastwood and Williams 2018) and the
separated attribute predictability (Kumar et al. 2018). Each is near 1 when every factor is
carried by one code dimension alone and near 0 when the factors are spread over the code.
"""

import numbers

import numpy as np
from sklearn.metrics import balanced_accuracy_score, mutual_info_score
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier

# dci and its helpers live in _dci; _normalized_entropy stays importable from here too
from ._dci import _normalized_entropy, dci  # noqa: F401
from ._disentanglement_inputs import _check_codes_and_factors
from ._identifiability import _standardize_columns

__all__ = ["dci", "mutual_information_gap", "sap_score"]


def _histogram_discretize(x, n_bins):
    """Labels of ``n_bins`` equal-width bins over the range of ``x`` (disentanglement_lib's)."""
    edges = np.histogram_bin_edges(x, bins=n_bins)
    return np.digitize(x, edges[1:-1])


def mutual_information_gap(Z, factors, *, n_bins=20, discrete_factors="auto"):
    r"""Mutual information gap (MIG) of a code with respect to known factors.

    Chen et al. (2018): discretise each code dimension :math:`z_d` into ``n_bins`` equal-width
    bins, estimate the mutual information :math:`I(z_d; v_k)` with each factor :math:`v_k`
    (the plug-in estimate of :func:`sklearn.metrics.mutual_info_score`, in nats), and average
    over the factors the gap between the two most informative dimensions, normalised by the
    factor's entropy:

    .. math::

        \mathrm{MIG} = \frac{1}{K} \sum_{k=1}^{K} \frac{1}{H(v_k)}
        \left( I(z_{d^{(1)}_k}; v_k) - I(z_{d^{(2)}_k}; v_k) \right),

    with :math:`d^{(1)}_k, d^{(2)}_k` the dimensions of largest and second largest mutual
    information with :math:`v_k`.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_components)
        Codes, at least two dimensions.
    factors : array-like or DataFrame of shape (n_samples, n_factors) or (n_samples,)
        True factors of variation, in the same row order.
    n_bins : int, default=20
        Number of equal-width bins of each code dimension and of each continuous factor.
    discrete_factors : "auto", bool or array-like of bool of shape (n_factors,), default="auto"
        Which factors are discrete (used as they are) rather than continuous (binned like the
        codes). ``"auto"`` treats float columns as continuous and every other dtype (integer,
        bool, string, categorical) as discrete.

    Returns
    -------
    score : float
        MIG in [0, 1] up to estimation error; 1 when each factor is carried by one code
        dimension and the others hold nothing about it.

    Raises
    ------
    ValueError
        If ``Z`` has fewer than two columns or non-finite values, if the numbers of rows
        differ, if a factor is constant or if ``n_bins`` < 2.

    See Also
    --------
    dci : Disentanglement, completeness and informativeness from a regressor.
    sap_score : Gap between the two most predictive code dimensions.
    mean_correlation_coefficient : Matched correlation between true and learned latents.

    Notes
    -----
    The plug-in estimate is biased upwards by about :math:`(B_z - 1)(B_v - 1) / (2n)` nats for
    independent variables with :math:`B_z, B_v` occupied bins, so a perfect code scores a little
    under 1 with few samples. A code that copies a factor into two dimensions scores 0 for that
    factor, however informative the code is: MIG rewards a one-to-one (axis-aligned) code.

    References
    ----------
    .. [1] R. T. Q. Chen, X. Li, R. Grosse and D. Duvenaud, "Isolating Sources of
       Disentanglement in Variational Autoencoders", NeurIPS 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.metrics import mutual_information_gap
    >>> rng = np.random.default_rng(0)
    >>> factors = rng.integers(0, 4, size=(2000, 2))  # two discrete factors
    >>> Z = np.column_stack([-3.0 * factors[:, 1], 0.5 * factors[:, 0]])  # axis-aligned code
    >>> round(mutual_information_gap(Z, factors), 2)
    1.0
    >>> Z_twice = np.column_stack([factors[:, 0], factors[:, 0], factors[:, 1]])
    >>> round(mutual_information_gap(Z_twice, factors), 2)  # factor 0 held twice: gap 0
    0.5
    """
    if not isinstance(n_bins, numbers.Integral) or isinstance(n_bins, bool) or n_bins < 2:
        raise ValueError(f"n_bins must be an integer >= 2, got {n_bins!r}.")
    Z, factor_list = _check_codes_and_factors(Z, factors, discrete_factors, min_components=2)
    codes = [_histogram_discretize(z, n_bins) for z in Z.T]
    gaps = []
    for factor in factor_list:
        v = factor.labels if factor.discrete else _histogram_discretize(factor.column, n_bins)
        entropy = mutual_info_score(v, v)
        mi = np.sort([mutual_info_score(code, v) for code in codes])[::-1]
        gaps.append((mi[0] - mi[1]) / entropy)
    return float(np.mean(gaps))


def _threshold_scores(Z, labels, test_size, random_state):
    """Held-out chance-adjusted balanced accuracy of a 1-D interval classifier per dimension."""
    n_classes = int(labels.max()) + 1
    train, test = train_test_split(
        np.arange(Z.shape[0]), test_size=test_size, random_state=random_state
    )
    for part, rows in (("fitted", train), ("held-out", test)):
        if np.unique(labels[rows]).size < 2:  # a balanced accuracy of one class is NaN
            raise ValueError(
                f"sap_score's split of the {Z.shape[0]} rows (test_size={test_size}) leaves "
                f"one class of a factor in the {part} part: pass more rows or another "
                "test_size."
            )
    scores = np.empty(Z.shape[1])
    for d in range(Z.shape[1]):
        # a tree with n_classes leaves on one feature = n_classes - 1 thresholds: an interval
        # per class, the 1-D analogue of the paper's threshold classifier
        tree = DecisionTreeClassifier(
            max_leaf_nodes=max(n_classes, 2), class_weight="balanced", random_state=0
        ).fit(Z[train, d : d + 1], labels[train])
        predicted = tree.predict(Z[test, d : d + 1])
        scores[d] = balanced_accuracy_score(labels[test], predicted, adjusted=True)
    return np.clip(scores, 0.0, 1.0)


def sap_score(Z, factors, *, discrete_factors="auto", test_size=0.25, random_state=None):
    r"""Separated attribute predictability (SAP) of a code.

    Kumar et al. (2018): score how well each code dimension :math:`z_d` alone predicts each
    factor :math:`v_k`, giving a matrix :math:`S_{dk}`, and average over the factors the gap
    between the two best dimensions:

    .. math::

        \mathrm{SAP} = \frac{1}{K} \sum_{k=1}^{K} \left(S_{d^{(1)}_k k} - S_{d^{(2)}_k k}\right).

    For a continuous factor :math:`S_{dk}` is the :math:`R^2` of the 1-D linear regression of
    :math:`v_k` on :math:`z_d`, the squared Pearson correlation (in sample, as in the paper).
    For a discrete factor it is the held-out balanced accuracy of a 1-D classifier that cuts
    :math:`z_d` into one interval per class (a threshold for a binary factor), adjusted for
    chance so that 0 is guessing and 1 is perfect
    (:func:`~sklearn.metrics.balanced_accuracy_score` with ``adjusted=True``, clipped at 0).

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_components)
        Codes, at least two dimensions.
    factors : array-like or DataFrame of shape (n_samples, n_factors) or (n_samples,)
        True factors of variation, in the same row order.
    discrete_factors : "auto", bool or array-like of bool of shape (n_factors,), default="auto"
        Which factors are discrete (classified) rather than continuous (regressed). ``"auto"``
        treats float columns as continuous and every other dtype as discrete.
    test_size : float, default=0.25
        Fraction of the rows held out to score the classifiers of discrete factors.
    random_state : int, RandomState instance or None, default=None
        Seed of that split.

    Returns
    -------
    score : float
        SAP in [0, 1]; 1 when each factor is predicted perfectly by one dimension and not at
        all by the others.

    Raises
    ------
    ValueError
        If ``Z`` has fewer than two columns, the inputs are malformed, a factor is constant,
        or the split leaves one class of a discrete factor in either part.

    See Also
    --------
    mutual_information_gap : Gap in mutual information instead of predictability.
    dci : Disentanglement, completeness and informativeness from a regressor.

    Notes
    -----
    The chance adjustment differs from disentanglement_lib, which uses raw accuracy: there a
    perfect code of a balanced binary factor scores only 1 - 0.5 = 0.5, since the other
    dimensions still guess half the labels right.

    References
    ----------
    .. [1] A. Kumar, P. Sattigeri and A. Balakrishnan, "Variational Inference of Disentangled
       Latent Concepts from Unlabeled Observations", ICLR 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.metrics import sap_score
    >>> rng = np.random.default_rng(0)
    >>> factors = rng.normal(size=(1000, 2))
    >>> round(sap_score(np.column_stack([factors[:, 1], 3 * factors[:, 0]]), factors), 2)
    1.0
    >>> labels = rng.integers(0, 2, size=(1000, 2))  # two binary factors
    >>> Z = labels + 0.1 * rng.normal(size=(1000, 2))
    >>> round(sap_score(Z, labels, random_state=0), 1)
    1.0
    """
    if not isinstance(test_size, numbers.Real) or not 0 < test_size < 1:
        raise ValueError(f"test_size must be a float in (0, 1), got {test_size!r}.")
    Z, factor_list = _check_codes_and_factors(Z, factors, discrete_factors, min_components=2)
    Z_std = _standardize_columns(Z)
    gaps = []
    for factor in factor_list:
        if factor.discrete:
            scores = _threshold_scores(Z, factor.labels, test_size, random_state)
        else:
            v = _standardize_columns(factor.column.reshape(-1, 1))[:, 0]
            scores = np.clip((Z_std.T @ v) ** 2, 0.0, 1.0)
        top = np.sort(scores)[::-1]
        gaps.append(top[0] - top[1])
    return float(np.mean(gaps))
