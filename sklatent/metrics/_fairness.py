"""How much a code reveals of a sensitive attribute, and fairness scorers for model selection.

:func:`sensitive_leakage` trains a classifier (the *probe*) to predict the sensitive group from
the code: a fair representation leaves it at chance. The scorers let
:class:`~sklearn.model_selection.GridSearchCV` score each fold with the sensitive features of that
fold through metadata routing; the group metrics themselves are fairlearn's, not rewritten here.
"""

import numbers
import warnings

import numpy as np
import pandas as pd
from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference
from sklearn import config_context
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import make_scorer, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline
from sklearn.utils import Bunch, check_array
from sklearn.utils.metadata_routing import UNUSED

from ..utils._sklearn_compat import _MetadataRequester

__all__ = [
    "best_under_budget",
    "demographic_parity_scorer",
    "equalized_odds_scorer",
    "leakage_scorer",
    "sensitive_leakage",
]


def _group_table(sensitive_features, name):
    """The sensitive features as a 2-D object array: one column per attribute, never a view."""
    table = np.array(sensitive_features, dtype=object)  # a copy: the caller's data stays as is
    if table.ndim == 1:
        table = table.reshape(-1, 1)
    if table.ndim != 2 or table.shape[1] == 0:
        raise ValueError(f"{name} must be 1-D or 2-D, got shape {np.shape(sensitive_features)}.")
    if pd.isna(table).any():
        raise ValueError(f"{name} contains missing values (NaN or None); give them a group label.")
    return table


def _encode_groups(table):
    """One integer label per row; several columns form intersectional groups, as in fairlearn."""
    keys = table[:, 0] if table.shape[1] == 1 else pd.MultiIndex.from_arrays(list(table.T))
    codes, uniques = pd.factorize(keys)
    return codes, list(uniques)


def _check_codes(Z, name):
    Z = check_array(Z, dtype=np.float64, ensure_2d=False, ensure_min_samples=2, input_name=name)
    return Z.reshape(-1, 1) if Z.ndim == 1 else Z


def _probe_scores(probe_classes, proba, groups):
    """Macro one-vs-rest ROC AUC over the groups present, accuracy and majority share."""
    present = [k for k in range(len(probe_classes)) if np.any(groups == probe_classes[k])]
    # With two groups both one-vs-rest AUCs equal the binary AUC, so one formula serves both.
    auc = np.mean([roc_auc_score(groups == probe_classes[k], proba[:, k]) for k in present])
    predicted = np.asarray(probe_classes)[np.argmax(proba, axis=1)]
    return Bunch(
        roc_auc=float(auc),
        accuracy=float(np.mean(predicted == groups)),
        majority_rate=float(np.bincount(groups).max() / len(groups)),
    )


def _check_several_groups(names, name):
    if len(names) < 2:
        raise ValueError(
            f"{name} holds a single group ({names[0]!r}): there is nothing to predict, so "
            "leakage is undefined."
        )


def sensitive_leakage(
    Z,
    sensitive_features,
    *,
    probe=None,
    cv=5,
    random_state=None,
    Z_test=None,
    sensitive_features_test=None,
):
    """Cross-validated accuracy and ROC AUC of a probe that predicts the sensitive group from Z.

    A representation that carries no information about the sensitive attribute leaves every
    probe at chance: ROC AUC 0.5 and accuracy equal to ``majority_rate``. By default the probe
    is fitted and scored with stratified k-fold cross-validation on ``(Z, sensitive_features)``;
    with ``Z_test`` and ``sensitive_features_test`` it is fitted on the first pair and scored on
    the second (probe trained on train codes, scored on test codes).

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_components) or (n_samples,)
        Codes, e.g. the output of ``transform``. A 1-D vector is one column.
    sensitive_features : array-like of shape (n_samples,) or (n_samples, n_attributes)
        Group labels (strings, integers, a pandas Series). Several columns (a 2-D array or a
        DataFrame) are combined into one intersectional group per row, as fairlearn does.
    probe : classifier with ``predict_proba``, default=None
        Cloned before fitting. None means
        ``HistGradientBoostingClassifier(random_state=random_state)``.
    cv : int or cross-validation splitter, default=5
        An int is the number of folds of
        ``StratifiedKFold(shuffle=True, random_state=random_state)``. Ignored with ``Z_test``.
    random_state : int, RandomState instance or None, default=None
        Seeds the fold shuffling and the default probe.
    Z_test : array-like of shape (n_test, n_components), default=None
        Codes to score the probe on. Give it together with ``sensitive_features_test``.
    sensitive_features_test : array-like of shape (n_test,) or (n_test, n_attributes), \
default=None
        Sensitive features of ``Z_test``, with the same columns as ``sensitive_features``.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``roc_auc`` (binary ROC AUC; with more than two groups the macro average of the
        one-vs-rest AUCs of the groups present in the scored data), ``accuracy`` (of the most
        probable group), ``majority_rate`` (share of the most frequent group in the scored data,
        the accuracy of a probe that always guesses it) and ``n_groups`` (number of groups).

    Raises
    ------
    ValueError
        If the numbers of rows disagree, if there is a single sensitive group, if ``Z`` holds
        NaN or infinity, if the sensitive features hold missing values, if only one of
        ``Z_test`` and ``sensitive_features_test`` is given, or if the test data hold a group
        the training data lack.

    See Also
    --------
    leakage_scorer : The same probe as a scorer for model selection.

    Notes
    -----
    The default probe is non-linear on purpose: a linear probe at chance certifies nothing, as
    a code can hide the group from every hyperplane and still reveal it to a shallow tree (for
    instance, the output of fairlearn's ``CorrelationRemover``, which removes only linear
    correlation, can leave a depth-3 tree at ROC AUC 1.0). A probe can only show leakage, never
    prove its absence: a low score is evidence only about probes of that capacity.

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.metrics import sensitive_leakage
    >>> rng = np.random.default_rng(0)
    >>> s = rng.integers(0, 2, size=400)
    >>> Z = np.column_stack([s + 0.1 * rng.normal(size=400), rng.normal(size=400)])
    >>> result = sensitive_leakage(Z, s, random_state=0)
    >>> round(result.roc_auc, 2), result.n_groups
    (1.0, 2)
    >>> Z_fair = rng.normal(size=(400, 2))
    >>> bool(abs(sensitive_leakage(Z_fair, s, random_state=0).roc_auc - 0.5) < 0.1)
    True
    """
    if (Z_test is None) != (sensitive_features_test is None):
        raise ValueError("Give both Z_test and sensitive_features_test, or neither.")
    Z = _check_codes(Z, "Z")
    table = _group_table(sensitive_features, "sensitive_features")
    if Z.shape[0] != table.shape[0]:
        raise ValueError(
            f"Z and sensitive_features must have the same number of rows, got {Z.shape[0]} "
            f"and {table.shape[0]}."
        )
    if probe is None:
        probe = HistGradientBoostingClassifier(random_state=random_state)
    if not hasattr(probe, "predict_proba"):
        raise TypeError(f"probe must be a classifier with predict_proba, got {probe!r}.")

    if Z_test is None:
        groups, names = _encode_groups(table)
        _check_several_groups(names, "sensitive_features")
        if isinstance(cv, numbers.Integral):
            cv = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
        proba = cross_val_predict(probe, Z, groups, cv=cv, method="predict_proba")
        # cross_val_predict orders the columns by sorted label, and the labels are 0..n-1.
        result = _probe_scores(np.arange(len(names)), proba, groups)
        result.n_groups = len(names)
        return result

    Z_test = _check_codes(Z_test, "Z_test")
    table_test = _group_table(sensitive_features_test, "sensitive_features_test")
    if Z_test.shape != (table_test.shape[0], Z.shape[1]) or table_test.shape[1] != table.shape[1]:
        raise ValueError(
            f"Z_test and sensitive_features_test must have the same number of rows and the "
            f"columns of Z and sensitive_features, got shapes {Z_test.shape} and "
            f"{table_test.shape} for training shapes {Z.shape} and {table.shape}."
        )
    # Encode both together so that a group has the same label in training and test data.
    groups_all, names = _encode_groups(np.vstack([table, table_test]))
    groups, groups_test = groups_all[: len(table)], groups_all[len(table) :]
    _check_several_groups([names[k] for k in np.unique(groups)], "sensitive_features")
    unseen = sorted(set(np.unique(groups_test)) - set(np.unique(groups)))
    if unseen:
        raise ValueError(
            "sensitive_features_test holds groups absent from sensitive_features, which the "
            f"probe cannot predict: {[names[k] for k in unseen]}."
        )
    _check_several_groups([names[k] for k in np.unique(groups_test)], "sensitive_features_test")
    fitted = clone(probe).fit(Z, groups)
    result = _probe_scores(fitted.classes_, fitted.predict_proba(Z_test), groups_test)
    result.n_groups = len(np.unique(groups))
    return result


_NO_SENSITIVE_FEATURES = (
    "{scorer} needs the sensitive features of the scored rows and received none. Enable "
    "metadata routing with sklearn.set_config(enable_metadata_routing=True) and pass them to "
    "fit, e.g. GridSearchCV(...).fit(X, y, sensitive_features=s): the scorer requests them "
    "(set_score_request(sensitive_features=True)), so each fold is scored with its own rows."
)


def _require(sensitive_features, scorer):
    if sensitive_features is None:
        raise ValueError(_NO_SENSITIVE_FEATURES.format(scorer=scorer))


def _demographic_parity(y_true, y_pred, *, sensitive_features=None, method="between_groups"):
    _require(sensitive_features, "demographic_parity_scorer")
    return demographic_parity_difference(
        y_true, y_pred, sensitive_features=sensitive_features, method=method
    )


def _equalized_odds(
    y_true, y_pred, *, sensitive_features=None, method="between_groups", agg="worst_case"
):
    _require(sensitive_features, "equalized_odds_scorer")
    # agg is passed only when asked for, so that older fairlearn versions without it still work.
    extra = {} if agg == "worst_case" else {"agg": agg}
    return equalized_odds_difference(
        y_true, y_pred, sensitive_features=sensitive_features, method=method, **extra
    )


def _requesting_sensitive_features(scorer):
    # set_score_request runs only with routing enabled; the request it stores outlives the
    # context, so the scorer is ready whatever the global setting was at construction.
    with config_context(enable_metadata_routing=True):
        return scorer.set_score_request(sensitive_features=True)


def demographic_parity_scorer(*, method="between_groups"):
    r"""Scorer returning minus fairlearn's demographic parity difference of the predictions.

    The value is :math:`-\max_{a,b} |P(\hat y = 1 \mid A=a) - P(\hat y = 1 \mid A=b)|`:
    **negative**, 0 at parity, negated like scikit-learn's ``neg_*`` scorers so that greater
    is better. The scorer requests ``sensitive_features`` through metadata routing.

    Parameters
    ----------
    method : {"between_groups", "to_overall"}, default="between_groups"
        Passed to :func:`fairlearn.metrics.demographic_parity_difference`.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y, sensitive_features=...)`` as built by
        :func:`~sklearn.metrics.make_scorer`. Without sensitive features (metadata routing
        off, or not passed to ``fit``) it raises a ValueError saying how to route them.

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
    scorer = make_scorer(_demographic_parity, greater_is_better=False, method=method)
    return _requesting_sensitive_features(scorer)


def equalized_odds_scorer(*, method="between_groups", agg="worst_case"):
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

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y, sensitive_features=...)``; raises a ValueError without
        sensitive features, as :func:`demographic_parity_scorer`.

    See Also
    --------
    demographic_parity_scorer, best_under_budget

    Examples
    --------
    >>> from sklatent.metrics import equalized_odds_scorer
    >>> equalized_odds_scorer()
    make_scorer(_equalized_odds, greater_is_better=False, response_method='predict', \
method=between_groups, agg=worst_case)
    """
    scorer = make_scorer(_equalized_odds, greater_is_better=False, method=method, agg=agg)
    return _requesting_sensitive_features(scorer)


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
        if isinstance(estimator, Pipeline):
            if len(estimator.steps) < 2:
                raise ValueError("leakage_scorer needs a Pipeline of at least two steps.")
            codes = estimator[:-1].transform(X)
        elif hasattr(estimator, "transform"):
            codes = estimator.transform(X)
        else:
            raise TypeError(
                f"leakage_scorer needs a Pipeline or a transformer, got {type(estimator)}."
            )
        result = sensitive_leakage(
            codes, sensitive_features, probe=self.probe, cv=self.cv, random_state=self.random_state
        )
        return -result.roc_auc


def leakage_scorer(*, probe=None, cv=3, random_state=0):
    """Scorer returning minus the cross-validated ROC AUC of a probe of the sensitive group.

    For a :class:`~sklearn.pipeline.Pipeline`, the codes are the output of every step but the
    last (``estimator[:-1].transform(X)``: the last step is the downstream model); any other
    estimator must be a transformer and its ``transform(X)`` are the codes. The scorer runs
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
        features it raises a ValueError saying how to route them.

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


class _BestUnderBudget:
    """Picklable ``refit`` callable (a fitted search that holds it can still be pickled)."""

    def __init__(self, metric, budget, utility):
        self.metric = metric
        self.budget = budget
        self.utility = utility

    def __repr__(self):
        return f"best_under_budget({self.metric!r}, {self.budget!r}, utility={self.utility!r})"

    def _mean_test(self, cv_results, name):
        key = f"mean_test_{name}"
        if key not in cv_results:
            names = sorted(k[len("mean_test_") :] for k in cv_results if k.startswith("mean_test_"))
            raise ValueError(
                f"cv_results_ has no {key!r}: best_under_budget needs multi-metric scoring "
                f"with a scorer named {name!r}; the scorers are {names}."
            )
        return np.asarray(cv_results[key], dtype=np.float64)

    def __call__(self, cv_results):
        metric = self._mean_test(cv_results, self.metric)
        utility = self._mean_test(cv_results, self.utility)
        if np.all(np.isnan(metric)):
            raise ValueError(
                f"Every mean_test_{self.metric} is NaN: scoring failed for every candidate "
                "(see the warnings of the search, or set error_score='raise')."
            )
        with np.errstate(invalid="ignore"):
            feasible = np.flatnonzero((metric >= -self.budget) & ~np.isnan(utility))
        if feasible.size:
            # Highest utility; among equals, the one that stays furthest inside the budget.
            order = np.lexsort((-metric[feasible], -utility[feasible]))
            return int(feasible[order[0]])
        best = int(np.nanargmax(metric))
        warnings.warn(
            f"No candidate meets the budget: the best mean_test_{self.metric} is "
            f"{metric[best]:.4g}, below -{self.budget:.4g}. Refitting candidate {best}, the "
            f"one with the best {self.metric}, whatever its {self.utility}.",
            UserWarning,
            stacklevel=2,
        )
        return best


def best_under_budget(metric, budget, *, utility="accuracy"):
    """A ``refit`` callable: the most useful candidate among those within a fairness budget.

    For :class:`~sklearn.model_selection.GridSearchCV` (or any search) with multi-metric
    scoring. ``metric`` names a scorer that returns minus a quantity to keep small (such as
    :func:`demographic_parity_scorer`, :func:`equalized_odds_scorer` or
    :func:`leakage_scorer`): a candidate meets the budget when that quantity is at most
    ``budget``, i.e. ``mean_test_<metric> >= -budget``. Among them, the callable returns the
    index of the one with the highest ``mean_test_<utility>`` (ties go to the better metric,
    then to the lower index).

    Parameters
    ----------
    metric : str
        Key of the constrained scorer in the search's ``scoring`` dict.
    budget : float
        Largest acceptable value of the negated quantity, e.g. 0.05 for a demographic parity
        difference of at most 5 points, or 0.6 for a probe ROC AUC of at most 0.6.
    utility : str, default="accuracy"
        Key of the scorer to maximise within the budget.

    Returns
    -------
    refit : callable
        ``refit(cv_results) -> int``, picklable. If no candidate meets the budget, it warns
        (``UserWarning``) and returns the candidate with the best ``metric``, as raising would
        abort the search's ``fit`` after all its work. It raises a ValueError if ``metric``
        or ``utility`` is not a scorer name, or if every ``metric`` score is NaN.

    See Also
    --------
    demographic_parity_scorer, leakage_scorer

    Notes
    -----
    With a callable ``refit`` scikit-learn sets ``best_index_`` and ``best_params_`` but not
    ``best_score_``; read the scores of ``cv_results_`` at ``best_index_``.

    Examples
    --------
    >>> from sklatent.metrics import best_under_budget
    >>> refit = best_under_budget("dp", 0.05)
    >>> cv_results = {"mean_test_accuracy": [0.90, 0.85, 0.80],
    ...               "mean_test_dp": [-0.20, -0.04, -0.01]}
    >>> refit(cv_results)
    1
    """
    if not isinstance(budget, numbers.Real) or isinstance(budget, bool) or np.isnan(budget):
        raise ValueError(f"budget must be a real number, got {budget!r}.")
    for name, value in (("metric", metric), ("utility", utility)):
        if not isinstance(value, str):
            raise ValueError(f"{name} must be the name of a scorer (a str), got {value!r}.")
    return _BestUnderBudget(metric, float(budget), utility)
