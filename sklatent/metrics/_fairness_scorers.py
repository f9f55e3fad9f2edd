"""Fairness scorers for model selection, fed the sensitive features by metadata routing.

The scorers let :class:`~sklearn.model_selection.GridSearchCV` score each fold with the sensitive
features of that fold; the group metrics themselves are fairlearn's, not rewritten here.
The refit rule :func:`~sklatent.metrics.best_under_budget` reads their scores.
"""

import numpy as np
from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference
from sklearn import config_context, get_config
from sklearn.utils.metadata_routing import UNUSED

from ..utils._sklearn_compat import _MetadataRequester, _Scorer
from ._groups import group_names
from ._leakage import sensitive_leakage
from ._probed_codes import probed_codes

__all__ = [
    "demographic_parity_scorer",
    "equalized_odds_scorer",
    "leakage_scorer",
]


_NO_SENSITIVE_FEATURES = (
    "{scorer} needs the sensitive features of the scored rows and received none. {routing}"
    "pass them to fit, e.g. GridSearchCV(...).fit(X, y, sensitive_features=s): the scorer "
    "requests them (set_score_request(sensitive_features=True)), so each fold is scored with "
    "its own rows. Called by hand, it takes them as scorer(estimator, X, y, "
    "sensitive_features=s)."
)


def _require(sensitive_features, scorer):
    """The sensitive features of the scored rows, of at least two groups."""
    if sensitive_features is None:
        routing = (
            "Metadata routing is on: "
            if get_config()["enable_metadata_routing"]
            else "Enable metadata routing with sklearn.set_config(enable_metadata_routing=True) "
            "and "
        )
        raise ValueError(_NO_SENSITIVE_FEATURES.format(scorer=scorer, routing=routing))
    check_groups_to_compare(sensitive_features, scorer)


def check_groups_to_compare(sensitive_features, scorer):
    """Refuse scored rows of a single group, which fairlearn would score as perfect parity."""
    names = group_names(sensitive_features)
    if names is not None and len(names) < 2:
        # fairlearn gives a difference of 0 between one group and itself: perfect parity, to
        # best_under_budget, for a model whose gap on all rows was 0.42.
        raise ValueError(
            f"{scorer}: the scored rows hold a single group ({names[0]!r}), so there is no "
            "difference between groups to measure. Score folds that hold every group (e.g. "
            "folds stratified by the sensitive attribute, not grouped by it)."
        )


def _positive_class(y_true, y_pred, pos_label, scorer):
    """0/1 labels for fairlearn's rates, which count the predictions equal to 1: "yes"/"no"
    labels never are, and a difference of 0 would read as perfect parity."""
    if pos_label is not None:
        return (np.asarray(y_true) == pos_label) * 1, (np.asarray(y_pred) == pos_label) * 1
    labels = set(np.asarray(y_true).tolist()) | set(np.asarray(y_pred).tolist())
    if not labels <= {0, 1}:
        raise ValueError(
            f"{scorer} measures the rates of the positive class 1, and the labels are "
            f"{sorted(labels, key=str)[:5]}: name the positive class with pos_label= (one "
            "against the rest when there are several)."
        )
    return y_true, y_pred


def _demographic_parity(
    y_true, y_pred, *, sensitive_features=None, method="between_groups", pos_label=None
):
    _require(sensitive_features, "demographic_parity_scorer")
    y_true, y_pred = _positive_class(y_true, y_pred, pos_label, "demographic_parity_scorer")
    return demographic_parity_difference(
        y_true, y_pred, sensitive_features=sensitive_features, method=method
    )


def _equalized_odds(
    y_true,
    y_pred,
    *,
    sensitive_features=None,
    method="between_groups",
    agg="worst_case",
    pos_label=None,
):
    _require(sensitive_features, "equalized_odds_scorer")
    y_true, y_pred = _positive_class(y_true, y_pred, pos_label, "equalized_odds_scorer")
    # agg is passed only when asked for, so that older fairlearn versions without it still work.
    extra = {} if agg == "worst_case" else {"agg": agg}
    return equalized_odds_difference(
        y_true, y_pred, sensitive_features=sensitive_features, method=method, **extra
    )


class _PredictionGapScorer(_Scorer):
    """Minus a gap between the groups' rates of ``estimator.predict(X)``: scikit-learn's scorer
    of ``make_scorer``, so that a search predicts once for it and the other scorers, which also
    takes the sensitive features as a keyword when called by hand with routing off."""

    def __call__(self, estimator, X, y_true, **kwargs):
        if not kwargs:  # the error of a missing keyword then says whether routing is on
            return super().__call__(estimator, X, y_true)
        # scikit-learn's scorers refuse keywords unless routing is on; a search routes them.
        with config_context(enable_metadata_routing=True):
            return super().__call__(estimator, X, y_true, **kwargs)

    def __repr__(self):
        options = ", ".join(f"{key}={value!r}" for key, value in self._kwargs.items())
        return f"{self._score_func.__name__.lstrip('_')}_scorer({options})"


def _requesting_sensitive_features(scorer):
    # set_score_request runs only with routing enabled; the request it stores outlives the
    # context, so the scorer is ready whatever the global setting was at construction.
    with config_context(enable_metadata_routing=True):
        return scorer.set_score_request(sensitive_features=True)


def demographic_parity_scorer(*, method="between_groups", pos_label=None):
    r"""Scorer returning minus fairlearn's demographic parity difference of the predictions.

    The value is :math:`-\max_{a,b} |P(\hat y = 1 \mid A=a) - P(\hat y = 1 \mid A=b)|`:
    **negative**, 0 at parity, negated like scikit-learn's ``neg_*`` scorers so that greater
    is better. The scorer requests ``sensitive_features`` through metadata routing.

    Parameters
    ----------
    method : {"between_groups", "to_overall"}, default="between_groups"
        Passed to :func:`fairlearn.metrics.demographic_parity_difference`.
    pos_label : scalar, default=None
        The positive class, whose rate is compared (one against the rest when there are
        several classes). None: the labels must be 0/1 (or booleans); other labels raise a
        ValueError, since fairlearn would count none of them positive and report parity.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y, sensitive_features=...)``: minus the difference of
        ``estimator.predict(X)``. A search routes it the sensitive features of each fold
        (metadata routing on); called by hand it takes them as a keyword. Without them it
        raises a ValueError saying how to route them, and so it does for rows of a single
        group (fairlearn's difference would be 0, read as perfect parity): a search scores
        such a fold ``error_score``, so stratify the folds on the sensitive attribute when a
        group is small.

    See Also
    --------
    equalized_odds_scorer, leakage_scorer, best_under_budget

    Examples
    --------
    >>> import numpy as np, sklearn
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import cross_validate
    >>> from sklatent.metrics import demographic_parity_scorer
    >>> rng = np.random.default_rng(0)
    >>> X, s = rng.normal(size=(200, 3)), rng.integers(0, 2, size=200)
    >>> y = (X[:, 0] + s > 0.5).astype(int)
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     scores = cross_validate(LogisticRegression(), X, y, cv=3,
    ...                             scoring={"dp": demographic_parity_scorer()},
    ...                             params={"sensitive_features": s})
    >>> bool(np.all(scores["test_dp"] <= 0))
    True
    """
    options = {"method": method, "pos_label": pos_label}
    return _requesting_sensitive_features(_PredictionGapScorer(_demographic_parity, -1, options))


def equalized_odds_scorer(*, method="between_groups", agg="worst_case", pos_label=None):
    """Scorer returning minus fairlearn's equalized odds difference of the predictions.

    The value is minus the larger (``agg="worst_case"``) or the mean (``agg="mean"``) of the
    between-group differences in true positive rate and in false positive rate: **negative**,
    0 when both rates are equal across groups, negated so that greater is better. The scorer
    requests ``sensitive_features`` through metadata routing.

    Parameters
    ----------
    method : {"between_groups", "to_overall"}, default="between_groups"
        Passed to :func:`fairlearn.metrics.equalized_odds_difference`.
    agg : {"worst_case", "mean"}, default="worst_case"
        Passed to :func:`fairlearn.metrics.equalized_odds_difference` when not the default
        (fairlearn versions that have the parameter).
    pos_label : scalar, default=None
        The positive class, as in :func:`demographic_parity_scorer`.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y, sensitive_features=...)``; raises a ValueError without
        sensitive features or for rows of a single group, as
        :func:`demographic_parity_scorer`.

    See Also
    --------
    demographic_parity_scorer, best_under_budget

    Examples
    --------
    >>> from sklatent.metrics import equalized_odds_scorer
    >>> equalized_odds_scorer()
    equalized_odds_scorer(method='between_groups', agg='worst_case', pos_label=None)
    """
    options = {"method": method, "agg": agg, "pos_label": pos_label}
    return _requesting_sensitive_features(_PredictionGapScorer(_equalized_odds, -1, options))


class _LeakageScorer(_MetadataRequester):
    """``scorer(estimator, X, y, sensitive_features=...)``: minus the probe ROC AUC on the codes."""

    # `score` is the method metadata routing inspects; its `estimator` argument is not metadata.
    __metadata_request__score = {"estimator": UNUSED, "sensitive_features": True}

    def __init__(self, probe, cv, random_state):
        self.probe = probe
        self.cv = cv
        self.random_state = random_state

    def __repr__(self):
        return (
            f"leakage_scorer(probe={self.probe!r}, cv={self.cv!r}, "
            f"random_state={self.random_state!r})"
        )

    def __call__(self, estimator, X, y=None, *, sensitive_features=None):
        return self.score(estimator, X, y, sensitive_features=sensitive_features)

    def score(self, estimator, X, y=None, *, sensitive_features=None):
        _require(sensitive_features, "leakage_scorer")
        codes = probed_codes(estimator, X, "leakage_scorer")
        result = sensitive_leakage(
            codes, sensitive_features, probe=self.probe, cv=self.cv, random_state=self.random_state
        )
        return -result.roc_auc


def leakage_scorer(*, probe=None, cv=3, random_state=0):
    """Scorer returning minus the cross-validated ROC AUC of a probe of the sensitive group.

    For a :class:`~sklearn.pipeline.Pipeline` that ends in a model (a last step that predicts
    and is not one of this package's encoders), the codes are the output of every step but the
    last (``estimator[:-1].transform(X)``); a pipeline that ends in a transformer or an encoder
    of this package (:class:`~sklatent.InvariantEncoder` predicts too), or any other
    transformer, gives its ``transform(X)``. The scorer runs
    :func:`sensitive_leakage` on the codes of the scored rows with inner cross-validation
    (the scorer sees only the held-out fold) and returns **minus** its ``roc_auc``: -0.5 for a
    code that hides the group, -1 for one that reveals it; greater is better. It requests
    ``sensitive_features`` through metadata routing; ``set_score_request`` can alias it.

    Parameters
    ----------
    probe : classifier with ``predict_proba``, default=None
        As in :func:`sensitive_leakage`: None means a ``HistGradientBoostingClassifier``.
    cv : int or cross-validation splitter, default=3
        Inner folds over the scored rows.
    random_state : int, RandomState instance or None, default=0
        Seeds the inner folds and the default probe. Fixed by default so that every candidate
        and fold of a search is probed the same way.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y=None, *, sensitive_features=None)``. Without sensitive
        features it raises a ValueError saying how to route them; for rows of a single group
        too (:func:`sensitive_leakage` has nothing to predict).

    See Also
    --------
    sensitive_leakage, demographic_parity_scorer, best_under_budget

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklatent.metrics import leakage_scorer
    >>> rng = np.random.default_rng(0)
    >>> s = rng.integers(0, 2, size=300)
    >>> X = np.column_stack([s + 0.1 * rng.normal(size=300), rng.normal(size=(300, 2))])
    >>> scorer = leakage_scorer()
    >>> pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, s)
    >>> round(scorer(pipe, X, sensitive_features=s), 1)  # the codes hold s
    -1.0
    >>> pipe = make_pipeline(PCA(n_components=2), LogisticRegression()).fit(X, s)
    >>> round(scorer(pipe, X, sensitive_features=s), 1)  # PCA keeps the two noisier columns
    -0.5
    """
    return _LeakageScorer(probe=probe, cv=cv, random_state=random_state)
