"""The score of a fitted model in each environment: the worst one and the spread between them.

An invariant model (Arjovsky et al. 2019, "Invariant Risk Minimization") is judged by how it
does in every environment, not on the pooled data: its worst environment, and how far apart
its best and worst environments are.
"""

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.metrics import check_scoring
from sklearn.utils import Bunch

from ..utils._validation import cv_split_scores

__all__ = ["best_worst_split", "environment_scores"]


def _n_rows(data):
    return data.shape[0] if hasattr(data, "shape") else len(data)


def _take(data, rows):
    """Rows of an array, a sparse matrix, a list or a pandas object (``iloc``)."""
    if hasattr(data, "iloc"):
        return data.iloc[rows]
    if isinstance(data, np.ndarray) or sparse.issparse(data):
        return data[rows]
    return np.asarray(data)[rows]


def environment_labels(environments):
    """The sorted distinct environments and each row's index among them, checked.

    Raises a ValueError when ``environments`` is not a non-empty 1-D array, has missing values
    or mixes label types that do not sort.
    """
    labels = np.asarray(environments)
    if labels.ndim != 1 or labels.shape[0] == 0:
        raise ValueError(f"environments must be a non-empty 1-D array, got shape {labels.shape}.")
    if pd.isna(labels).any():
        raise ValueError("environments contains missing values (NaN or None).")
    try:
        return np.unique(labels, return_inverse=True)
    except TypeError as error:
        raise ValueError(
            "environments must be labels of one type (ints or strings), got a mix that does "
            f"not sort: {error}"
        ) from None


def environment_scores(estimator, X, y, environments, *, scoring=None):
    """Score a fitted estimator separately in each environment.

    A model that relies on a spurious signal scores well where the signal holds and badly where
    it fails, which the pooled score hides; the worst environment and the spread between the
    best and the worst one show it. Report them next to the pooled score.

    Parameters
    ----------
    estimator : estimator instance
        A fitted estimator (or pipeline), scored as is: nothing is refit.
    X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
        Input data; rows are selected per environment (``iloc`` for pandas objects).
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Targets.
    environments : array-like of shape (n_samples,)
        The environment of each row: any labels that :func:`numpy.unique` can sort (ints,
        strings), no missing values.
    scoring : str or callable, default=None
        One score, as in :func:`~sklearn.model_selection.cross_val_score`: a scorer name
        (``"accuracy"``, ``"roc_auc"``, ``"neg_log_loss"``...) or a callable
        ``scorer(estimator, X, y)`` returning a float, built by
        :func:`~sklearn.metrics.check_scoring`. None means ``estimator.score``. Greater is
        better, as for every scikit-learn scorer, so the worst environment has the smallest
        score.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        table : pandas.DataFrame
            One row per environment, indexed by the environment label (sorted, index name
            ``"environment"``), with the columns ``score`` (float) and ``n_samples`` (int).
        worst : float
            The smallest score over the environments.
        worst_environment : object
            The label of the environment with the smallest score (the first one on ties).
        spread : float
            The largest score minus the smallest one, 0 for a model as good everywhere.
        mean : float
            The unweighted mean of the per-environment scores (each environment counts once,
            whatever its size; DomainBed's average).

    Raises
    ------
    ValueError
        If ``X``, ``y`` and ``environments`` differ in length, ``environments`` is not 1-D,
        is empty or has missing values, or ``scoring`` names several metrics (a list or a
        dict).
    TypeError
        If ``scoring`` is None and the estimator has no ``score`` method.

    See Also
    --------
    sklatent.datasets.make_colored_images : Colored-MNIST environments from grayscale images.
    sklatent.datasets.make_spurious_environments : Causal and spurious features by environment.

    Notes
    -----
    An environment where the scorer is undefined (``roc_auc`` on an environment that holds a
    single class) gets what the scorer gives there: an error or NaN (then ``worst``,
    ``spread`` and ``mean`` are NaN too, and ``worst_environment`` is that environment).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklatent.datasets import make_spurious_environments
    >>> from sklatent.metrics import environment_scores
    >>> X, y, env = make_spurious_environments(2000, random_state=0)
    >>> erm = LogisticRegression().fit(X[env < 2], y[env < 2])
    >>> result = environment_scores(erm, X, y, env)
    >>> result.table.round(3)  # doctest: +NORMALIZE_WHITESPACE
                 score  n_samples
    environment
    0            0.900       2000
    1            0.785       2000
    2            0.127       2000
    >>> result.worst_environment, round(result.worst, 2), round(result.spread, 2)
    (2, 0.13, 0.77)
    """
    if isinstance(scoring, (list, tuple, set, dict)):
        raise ValueError(
            f"scoring must name one metric (a string or a callable), got {scoring!r}; call "
            "environment_scores once per metric."
        )
    scorer = check_scoring(estimator, scoring=scoring)
    names, codes = environment_labels(environments)
    n_X, n_y = _n_rows(X), _n_rows(y)
    if not n_X == n_y == codes.shape[0]:
        raise ValueError(
            f"X, y and environments must have the same number of rows, got {n_X}, {n_y} and "
            f"{codes.shape[0]}."
        )
    scores, sizes = [], []
    for k in range(len(names)):
        rows = np.flatnonzero(codes == k)
        scores.append(float(scorer(estimator, _take(X, rows), _take(y, rows))))
        sizes.append(rows.shape[0])
    table = pd.DataFrame(
        {"score": scores, "n_samples": np.array(sizes, dtype=np.int64)},
        index=pd.Index(names.tolist(), name="environment"),
    )
    scores = np.array(scores)
    worst = int(np.argmin(scores))  # the first NaN if there is one, as ``min`` gives NaN
    return Bunch(
        table=table,
        worst=float(scores.min()),
        worst_environment=names.tolist()[worst],
        spread=float(scores.max() - scores.min()),
        mean=float(scores.mean()),
    )


class _BestWorstSplit:
    """Picklable ``refit`` callable (a fitted search that holds it can still be pickled)."""

    def __init__(self, metric):
        self.metric = metric

    def __repr__(self):
        return f"best_worst_split({self.metric!r})"

    def __call__(self, cv_results):
        suffix = "score" if self.metric is None else self.metric
        scores = cv_split_scores(cv_results, suffix)
        if scores.size == 0:
            raise ValueError(
                f"cv_results_ has no split<k>_test_{suffix}: "
                + (
                    "with multi-metric scoring, name the scorer (best_worst_split('accuracy'))."
                    if self.metric is None
                    else f"the search has no scorer named {self.metric!r}."
                )
            )
        # A split whose score failed (NaN) counts as the worst possible.
        worst = np.where(np.isnan(scores), -np.inf, scores).min(axis=1)
        if np.all(worst == -np.inf):
            raise ValueError(
                f"Every candidate has a NaN or -inf split{{k}}_test_{suffix}: scoring failed "
                "(see the warnings of the search, or set error_score='raise')."
            )
        mean = np.nanmean(np.where(np.isinf(scores), np.nan, scores), axis=1)
        # Best worst split; among equals, the best mean; then the lowest index.
        order = np.lexsort((-np.nan_to_num(mean, nan=-np.inf), -worst))
        return int(order[0])


def best_worst_split(metric=None):
    """A ``refit`` callable: the candidate whose worst cross-validation split scores best.

    With :class:`~sklearn.model_selection.LeaveOneGroupOut` over the training environments,
    each split holds out one environment, so this picks the candidate that does best in the
    environment it finds hardest, among environments it was not trained on: a selection rule
    that needs no test environment (the leave-one-environment-out rule of Gulrajani and
    Lopez-Paz, 2021, scored by its worst fold instead of its mean). The mean over the splits
    would reward a model that leans on a signal most training environments share; the worst
    split does not.

    Parameters
    ----------
    metric : str, default=None
        The scorer to read, a key of the search's ``scoring`` dict; None for a search with a
        single score (``split<k>_test_score``).

    Returns
    -------
    refit : callable
        ``refit(cv_results) -> int``, picklable: the index of the candidate with the highest
        smallest ``split<k>_test_<metric>``; ties go to the higher mean over the splits, then
        to the lower index. A NaN split score counts as the worst possible, so keep the
        search's ``error_score`` at its default, NaN: a number would score a failed fit
        (``HalvingGridSearchCV`` does not call a callable ``refit``). It raises a ValueError
        if ``cv_results`` has no such scores or every candidate has a NaN one.

    See Also
    --------
    environment_scores : The score of a fitted model in each environment.

    Notes
    -----
    Each fit leaves one environment out, so an estimator that needs several environments
    (:class:`~sklatent.InvariantEncoder`) needs at least three training environments. Route
    the environments to both the splitter and the estimator::

        sklearn.set_config(enable_metadata_routing=True)
        encoder = InvariantEncoder().set_fit_request(environments="groups")
        search = GridSearchCV(
            encoder, {"penalty_weight": [0, 1, 10, 100]},
            cv=LeaveOneGroupOut(), refit=best_worst_split(),
        ).fit(X, y, groups=environments)

    With a callable ``refit`` scikit-learn sets ``best_index_`` and ``best_params_`` but not
    ``best_score_``.

    Examples
    --------
    >>> from sklatent.metrics import best_worst_split
    >>> cv_results = {"split0_test_score": [0.90, 0.76], "split1_test_score": [0.70, 0.75]}
    >>> best_worst_split()(cv_results)  # the mean favours 0, the worst split 1
    1
    """
    if metric is not None and not isinstance(metric, str):
        raise ValueError(f"metric must be a scorer name (a str) or None, got {metric!r}.")
    return _BestWorstSplit(metric)
