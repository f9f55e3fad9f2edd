"""The DCI score (Eastwood and Williams 2018) and its importance-matrix helpers."""

import numbers

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.linear_model import Lasso
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.utils import Bunch

from ._disentanglement_inputs import _check_codes_and_factors


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
        If the inputs are malformed, a factor is constant, a classifier ``estimator`` is
        given a continuous factor, or the split leaves fewer than 2 rows to fit or to score.
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
    if min(len(train), len(test)) < 2:  # R^2 of one row is undefined, its accuracy 0 or 1
        raise ValueError(
            f"dci splits the {Z.shape[0]} rows into {len(train)} to fit and {len(test)} to "
            f"score (test_size={test_size}); each part needs at least 2 rows: pass more rows "
            "or another test_size."
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
