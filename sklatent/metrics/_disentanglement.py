"""Disentanglement scores: how each known factor of variation is carried by the code dimensions.

Three scores of the disentanglement literature, as pure functions of a code ``Z`` of shape
(n_samples, n_components) and the true factors of shape (n_samples, n_factors): the mutual
information gap (Chen et al. 2018), the DCI triple (Eastwood and Williams 2018) and the
separated attribute predictability (Kumar et al. 2018). Each is near 1 when every factor is
carried by one code dimension alone and near 0 when the factors are spread over the code.
"""

import numbers

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.linear_model import Lasso
from sklearn.metrics import balanced_accuracy_score, mutual_info_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import Bunch, check_array

from ._identifiability import _standardize_columns

__all__ = ["dci", "mutual_information_gap", "sap_score"]


def _factor_columns(factors):
    """Split ``factors`` (array-like, Series or DataFrame) into 1-D columns, keeping dtypes."""
    if hasattr(factors, "iloc"):  # pandas: one dtype per column
        frame = factors.to_frame() if factors.ndim == 1 else factors
        return [frame.iloc[:, j].to_numpy() for j in range(frame.shape[1])]
    arr = np.asarray(factors)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError(f"factors must be 1-D or 2-D, got an array of shape {arr.shape}.")
    return [arr[:, j] for j in range(arr.shape[1])]


def _check_codes_and_factors(Z, factors, discrete_factors, *, min_components=1):
    """Validate the code and the factors; return ``Z`` and one Bunch per factor.

    Each factor Bunch holds ``discrete`` (bool), ``labels`` (int codes 0..m-1 for a discrete
    factor, else None) and ``column`` (float values: the numbers themselves, or the label codes
    for a non-numeric factor).
    """
    Z = check_array(Z, dtype=np.float64, ensure_min_samples=2, input_name="Z")
    if Z.shape[1] < min_components:
        raise ValueError(
            f"Z must have at least {min_components} columns (code dimensions), got {Z.shape[1]}."
        )
    columns = _factor_columns(factors)
    if len(columns) == 0 or len(columns[0]) != Z.shape[0]:
        n = len(columns[0]) if columns else 0
        raise ValueError(
            "Z and factors must have the same number of samples (rows) and factors at least "
            f"one column; got {Z.shape[0]} rows in Z and factors of {n} rows, "
            f"{len(columns)} columns."
        )
    if isinstance(discrete_factors, str) and discrete_factors == "auto":
        mask = [col.dtype.kind != "f" for col in columns]
    elif isinstance(discrete_factors, bool | np.bool_):
        mask = [bool(discrete_factors)] * len(columns)
    else:
        mask = np.asarray(discrete_factors)
        if mask.dtype != bool or mask.shape != (len(columns),):
            raise ValueError(
                "discrete_factors must be 'auto', a bool or a boolean mask of length "
                f"n_factors={len(columns)}, got {discrete_factors!r}."
            )
        mask = mask.tolist()
    result = []
    for j, (col, discrete) in enumerate(zip(columns, mask, strict=True)):
        numeric = col.dtype.kind in "biuf"
        if numeric and not np.all(np.isfinite(col.astype(np.float64))):
            raise ValueError(f"Factor {j} contains NaN or infinity.")
        if not numeric and not discrete:
            raise ValueError(f"Factor {j} is not numeric: it can only be a discrete factor.")
        uniques, labels = np.unique(col, return_inverse=True)
        if len(uniques) < 2:
            raise ValueError(f"Factor {j} is constant: the score is undefined for it.")
        values = col.astype(np.float64) if numeric else labels.astype(np.float64)
        result.append(
            Bunch(discrete=bool(discrete), labels=labels if discrete else None, column=values)
        )
    return Z, result


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


def _normalized_entropy(P, axis):
    """``1 - H(P) / log(m)`` along ``axis`` of a non-negative matrix (normalised there first).

    A slice of zeros (a code or factor no regressor used) scores 0; with ``m = 1`` every slice
    scores 1 (a single option is trivially concentrated).
    """
    m = P.shape[axis]
    totals = P.sum(axis=axis, keepdims=True)
    if m == 1:
        return np.where(totals.squeeze(axis) > 0, 1.0, 0.0)
    Q = np.divide(P, totals, out=np.zeros_like(P), where=totals > 0)
    plogp = np.where(Q > 0, Q * np.log(np.where(Q > 0, Q, 1.0)), 0.0)
    H = -plogp.sum(axis=axis) / np.log(m)
    return np.where(totals.squeeze(axis) > 0, 1.0 - H, 0.0)


def _importances(model):
    if hasattr(model, "feature_importances_"):
        return np.asarray(model.feature_importances_, dtype=np.float64)
    if hasattr(model, "coef_"):
        coef = np.abs(np.asarray(model.coef_, dtype=np.float64))
        return coef.sum(axis=0) if coef.ndim == 2 else coef
    raise TypeError(
        f"The estimator {model!r} exposes neither feature_importances_ nor coef_ after fit."
    )


def dci(Z, factors, *, estimator=None, discrete_factors="auto", test_size=0.25, random_state=None):
    r"""Disentanglement, completeness and informativeness (DCI) of a code.

    Eastwood and Williams (2018): fit one model per factor :math:`v_k` predicting it from the
    whole code, read an importance matrix :math:`R_{dk} \ge 0` (importance of code dimension
    :math:`d` for factor :math:`k`) from the fitted models, and score it:

    .. math::

        D = \sum_d \rho_d \left(1 - H_K(P_{d\cdot})\right), \quad
        C = \sum_k \tilde\rho_k \left(1 - H_{D}(\tilde P_{\cdot k})\right),

    with :math:`P_{dk} = R_{dk} / \sum_{k'} R_{dk'}` (row-normalised),
    :math:`\tilde P_{dk} = R_{dk} / \sum_{d'} R_{d'k}` (column-normalised), entropies in base
    :math:`K` (number of factors) and :math:`D` (number of code dimensions), and weights
    :math:`\rho_d, \tilde\rho_k` the share of the total importance held by dimension
    :math:`d` or factor :math:`k` (as in disentanglement_lib). Informativeness is the held-out
    score of the models, averaged over the factors.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_components)
        Codes.
    factors : array-like or DataFrame of shape (n_samples, n_factors) or (n_samples,)
        True factors of variation, in the same row order.
    estimator : estimator instance, default=None
        Model fitted per factor (cloned), exposing ``feature_importances_`` (e.g.
        :class:`~sklearn.ensemble.GradientBoostingRegressor`, disentanglement_lib's choice) or
        ``coef_`` (importance :math:`|w|`, summed over classes for a multi-class linear
        classifier). None means :class:`~sklearn.linear_model.Lasso` with ``alpha=0.01`` (the
        linear probe of Eastwood and Williams). A regressor is fitted on standardised codes and
        standardised factor values (label codes 0..m-1 for a non-numeric factor), so that
        :math:`|w|` compares across dimensions; a classifier is fitted on standardised codes and
        the factor's labels, and needs every factor discrete.
    discrete_factors : "auto", bool or array-like of bool of shape (n_factors,), default="auto"
        Which factors are discrete; ``"auto"`` treats float columns as continuous and every
        other dtype as discrete. Only a classifier ``estimator`` uses this.
    test_size : float, default=0.25
        Fraction of the rows held out to score informativeness
        (:func:`~sklearn.model_selection.train_test_split`); the models are fitted on the rest.
    random_state : int, RandomState instance or None, default=None
        Seed of the split.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        disentanglement : float
            :math:`D` in [0, 1]: 1 when every dimension matters for at most one factor.
        completeness : float
            :math:`C` in [0, 1]: 1 when every factor is captured by a single dimension.
        informativeness : float
            Mean over the factors of the held-out score: :math:`R^2` for a regressor, accuracy
            for a classifier (Eastwood and Williams report the error, one minus it).
        informativeness_train : float
            The same on the training rows.
        importances : ndarray of shape (n_components, n_factors)
            The importance matrix :math:`R`.
        disentanglement_per_code : ndarray of shape (n_components,)
            :math:`1 - H_K(P_{d\cdot})`; 0 for a dimension no model uses.
        completeness_per_factor : ndarray of shape (n_factors,)
            :math:`1 - H_D(\tilde P_{\cdot k})`.
        informativeness_per_factor : ndarray of shape (n_factors,)
            Held-out score of each factor's model.

    Raises
    ------
    ValueError
        If the inputs are malformed, a factor is constant, or a classifier ``estimator`` is
        given a continuous factor.
    TypeError
        If the fitted estimator has neither ``feature_importances_`` nor ``coef_``.

    See Also
    --------
    mutual_information_gap : Gap between the two most informative code dimensions.
    sap_score : Gap between the two most predictive code dimensions.

    Notes
    -----
    With the default Lasso, a factor's importances are the absolute weights of a sparse linear
    fit, so an axis-aligned code (each factor an affine function of one dimension) gets exact
    zeros elsewhere and scores :math:`D = C = 1`. A non-linear code needs a non-linear model,
    e.g. ``estimator=GradientBoostingRegressor()``. With one factor every used dimension is
    trivially disentangled (:math:`D = 1`); with one dimension, :math:`C = 1`.

    Read :math:`D` and :math:`C` next to the informativeness: they describe how the importance
    is spread, not how much there is. A code that knows nothing about the factors can still
    score high when the model keeps a few weights fitted to noise (the Lasso keeps weights
    above ``alpha``, and sample correlations of independent variables are of order
    :math:`1/\sqrt{n}`); a model that keeps no weight at all scores :math:`D = C = 0`.

    References
    ----------
    .. [1] C. Eastwood and C. K. I. Williams, "A Framework for the Quantitative Evaluation of
       Disentangled Representations", ICLR 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.metrics import dci
    >>> rng = np.random.default_rng(0)
    >>> factors = rng.normal(size=(1000, 3))
    >>> Z = factors[:, [2, 0, 1]] * [2.0, -1.0, 0.5]  # permuted and rescaled
    >>> result = dci(Z, factors, random_state=0)
    >>> round(result.disentanglement, 3), round(result.completeness, 3)
    (1.0, 1.0)
    >>> bool(result.informativeness > 0.99)
    True
    >>> rotation = np.linalg.qr(rng.normal(size=(3, 3)))[0]
    >>> bool(dci(factors @ rotation, factors, random_state=0).disentanglement < 0.5)
    True
    """
    if not isinstance(test_size, numbers.Real) or not 0 < test_size < 1:
        raise ValueError(f"test_size must be a float in (0, 1), got {test_size!r}.")
    Z, factor_list = _check_codes_and_factors(Z, factors, discrete_factors)
    model = Lasso(alpha=0.01) if estimator is None else estimator
    classify = is_classifier(model)
    if classify and not all(f.discrete for f in factor_list):
        raise ValueError(
            "A classifier estimator needs discrete factors; some factor is continuous. "
            "Discretise it, mark it with discrete_factors, or pass a regressor."
        )
    train, test = train_test_split(
        np.arange(Z.shape[0]), test_size=test_size, random_state=random_state
    )
    Z = StandardScaler().fit(Z[train]).transform(Z)
    importances, scores_train, scores_test = [], [], []
    for factor in factor_list:
        if classify:
            target = factor.labels
        else:
            std = factor.column[train].std()
            target = (factor.column - factor.column[train].mean()) / (std if std > 0 else 1.0)
        fitted = clone(model).fit(Z[train], target[train])
        importances.append(_importances(fitted))
        scores_train.append(fitted.score(Z[train], target[train]))
        scores_test.append(fitted.score(Z[test], target[test]))
    R = np.column_stack(importances)
    total = R.sum()
    code_weight = R.sum(axis=1) / total if total > 0 else np.zeros(R.shape[0])
    factor_weight = R.sum(axis=0) / total if total > 0 else np.zeros(R.shape[1])
    per_code = _normalized_entropy(R, axis=1)
    per_factor = _normalized_entropy(R, axis=0)
    return Bunch(
        disentanglement=float(code_weight @ per_code),
        completeness=float(factor_weight @ per_factor),
        informativeness=float(np.mean(scores_test)),
        informativeness_train=float(np.mean(scores_train)),
        importances=R,
        disentanglement_per_code=per_code,
        completeness_per_factor=per_factor,
        informativeness_per_factor=np.asarray(scores_test, dtype=np.float64),
    )


def _threshold_scores(Z, labels, test_size, random_state):
    """Held-out chance-adjusted balanced accuracy of a 1-D interval classifier per dimension."""
    n_classes = int(labels.max()) + 1
    train, test = train_test_split(
        np.arange(Z.shape[0]), test_size=test_size, random_state=random_state
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
        If ``Z`` has fewer than two columns, the inputs are malformed or a factor is constant.

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
