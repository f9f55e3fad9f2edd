"""The rule of :func:`most_accurate_invariant` inside a scikit-learn search.

Each cross-validation fold is scored environment by environment (accuracy and held-out rows,
the environments arriving by metadata routing); the ``refit`` callable pools the folds into one
held-out accuracy per environment and candidate, and applies the rule to them.
"""

import numpy as np
from sklearn import config_context, get_config
from sklearn.metrics import accuracy_score, make_scorer

from ..utils._validation import check_non_negative, cv_split_scores
from ._environments import environment_labels
from ._invariance_selection import check_accuracies, choose_invariant

__all__ = ["environment_accuracy_scoring", "most_accurate_invariant_refit"]

_ACCURACY, _ROWS = "accuracy_env_", "n_samples_env_"

_NO_ENVIRONMENTS = (
    "environment_accuracy_scoring needs the environment of each scored row and received none. "
    "Enable metadata routing with sklearn.set_config(enable_metadata_routing=True) and pass "
    "them to the search's fit: GridSearchCV(...).fit(X, y, environments=environments)."
)


def _rows_of(environments, environment):
    if environments is None:
        raise ValueError(_NO_ENVIRONMENTS)
    labels = np.asarray(environments)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]  # one column of a DataFrame
    if labels.ndim != 1:
        raise ValueError(
            f"environments must hold one label per row (1-D), got shape {labels.shape}."
        )
    return labels == environment


def _environment_accuracy(y_true, y_pred, *, environment, environments=None):
    rows = _rows_of(environments, environment)
    if not rows.any():
        return np.nan  # the environment has no row in this fold; its row count says 0
    return accuracy_score(np.asarray(y_true)[rows], np.asarray(y_pred)[rows])


def _environment_rows(y_true, y_pred, *, environment, environments=None):
    return float(_rows_of(environments, environment).sum())


def _requesting_environments(score_func, environment):
    scorer = make_scorer(score_func, environment=environment)
    # set_score_request runs only with routing enabled; the request it stores outlives the
    # context, and the search routes the environments when the user enables routing.
    with config_context(enable_metadata_routing=True):
        return scorer.set_score_request(environments=True)


def environment_accuracy_scoring(environments):
    """Make scorers of each fold's accuracy and held-out rows, environment by environment.

    For :class:`~sklearn.model_selection.GridSearchCV` (or any search) with
    :func:`most_accurate_invariant_refit`: the scorers read the environment of each scored row
    by metadata routing, so that each fold is scored in each environment.

    Parameters
    ----------
    environments : array-like of shape (n_samples,)
        The training environments' labels (all the rows, or just their distinct values): a
        pair of scorers is made for each distinct label.

    Returns
    -------
    scoring : dict
        ``{"accuracy_env_<label>": scorer, "n_samples_env_<label>": scorer, ...}``, to pass as
        the search's ``scoring``. The accuracy is NaN in a fold with no row of that
        environment (its row count is 0 there). Each scorer requests ``environments``
        (``set_score_request(environments=True)``).

    Raises
    ------
    ValueError
        If ``environments`` is not 1-D, has missing values or fewer than two distinct labels.

    See Also
    --------
    most_accurate_invariant_refit : The ``refit`` callable that reads these scores.
    environment_scores : The same scores for one fitted model and one held-out set.

    Examples
    --------
    >>> import sklearn
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklatent.datasets import make_spurious_environments
    >>> from sklatent.metrics import environment_accuracy_scoring
    >>> X, y, env = make_spurious_environments(500, flip_probs=(0.1, 0.2), random_state=0)
    >>> scoring = environment_accuracy_scoring(env)
    >>> sorted(scoring)
    ['accuracy_env_0', 'accuracy_env_1', 'n_samples_env_0', 'n_samples_env_1']
    >>> model = LogisticRegression().fit(X, y)
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     accuracy = scoring["accuracy_env_1"](model, X, y, environments=env)
    >>> round(accuracy, 2)  # the spurious feature agrees with the label 80% of the time here
    0.78
    """
    names, _ = environment_labels(environments)
    if names.shape[0] < 2:
        raise ValueError(
            f"environment_accuracy_scoring compares environments: got {names.shape[0]} "
            "distinct label(s), it needs at least two."
        )
    scoring = {}
    for name in names.tolist():
        scoring[f"{_ACCURACY}{name}"] = _requesting_environments(_environment_accuracy, name)
        scoring[f"{_ROWS}{name}"] = _requesting_environments(_environment_rows, name)
    return scoring


class _MostAccurateInvariantRefit:
    """Picklable ``refit`` callable (a fitted search that holds it can still be pickled)."""

    def __init__(self, z):
        self.z = z

    def __repr__(self):
        return f"most_accurate_invariant_refit(z={self.z!r})"

    def _environment_names(self, cv_results):
        names = [
            k[len("mean_test_" + _ACCURACY) :]
            for k in cv_results
            if k.startswith("mean_test_" + _ACCURACY)
        ]
        names = [n for n in names if f"mean_test_{_ROWS}{n}" in cv_results]
        if len(names) < 2:
            raise ValueError(
                f"{self!r}: the search's cv_results_ hold the accuracies and row counts of "
                f"{len(names)} environment(s), it needs two or more: pass "
                "scoring=environment_accuracy_scoring(environments) to the search."
            )
        return names

    def __call__(self, cv_results):
        names = self._environment_names(cv_results)
        pooled, sizes = pool_folds(cv_results, names)
        fitted = np.flatnonzero(~np.isnan(sizes).any(axis=1))
        if fitted.size == 0:
            hint = (
                ""
                if get_config()["enable_metadata_routing"]
                else " Metadata routing is off, so the scorers received no environments: "
                "sklearn.set_config(enable_metadata_routing=True)."
            )
            raise ValueError(
                "Every candidate's environment scores failed (see the warnings of the search, "
                f"or set error_score='raise').{hint}"
            )
        pooled, sizes = pooled[fitted], sizes[fitted]
        if (sizes == 0).any():
            raise ValueError(
                f"{self!r}: no held-out row of environment(s) "
                f"{[n for n, s in zip(names, sizes[0], strict=True) if s == 0]} in any fold "
                "(or every candidate failed, with a numeric error_score)."
            )
        check_accuracies(pooled, repr(self))
        return int(fitted[choose_invariant(pooled, sizes, self.z)])


def pool_folds(cv_results, names):
    """Each candidate's held-out accuracy and rows per environment, the folds pooled.

    Returns two arrays of shape (n_candidates, n_environments): correct predictions over
    held-out rows, and the rows. Both are NaN for a candidate whose fit or scoring failed. A
    fold without a row of an environment counts for nothing there.
    """
    # (candidates, environments, folds)
    accuracy = np.stack([cv_split_scores(cv_results, _ACCURACY + n) for n in names], axis=1)
    rows = np.stack([cv_split_scores(cv_results, _ROWS + n) for n in names], axis=1)
    # Every candidate is scored on the same folds, so the row counts of those that were scored
    # agree; a failed one has the search's error_score instead (NaN or any number), and so
    # does a candidate whose accuracy alone failed (NaN where the fold has rows).
    expected = np.nanmax(rows, axis=0, initial=0.0)
    failed = (rows != expected).any(axis=(1, 2)) | (np.isnan(accuracy) & (rows > 0)).any(
        axis=(1, 2)
    )
    correct = np.where(rows > 0, np.nan_to_num(accuracy) * rows, 0.0).sum(axis=2)
    sizes = rows.sum(axis=2)
    correct[failed], sizes[failed] = np.nan, np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        return correct / sizes, sizes


def most_accurate_invariant_refit(*, z=2.0):
    r"""A ``refit`` callable: :func:`most_accurate_invariant`'s rule over a search's folds.

    With ``scoring=environment_accuracy_scoring(environments)`` each fold records, for each
    training environment, the accuracy on its held-out rows and their number. The callable
    pools the folds into one held-out accuracy per environment (correct predictions over
    held-out rows, so with a K-fold splitter every training row is scored once), keeps the
    candidates whose best-minus-worst accuracy is within ``z`` binomial standard errors, and
    returns the most accurate of them (the smallest spread when none is): the rule of
    :func:`most_accurate_invariant`, ours, after the equal-risks principle of Krueger et al.
    (2021). Two training environments suffice.

    Parameters
    ----------
    z : float, default=2.0
        How many standard errors of the spread still count as sampling noise.

    Returns
    -------
    refit : callable
        ``refit(cv_results) -> int``, picklable: the index of the chosen candidate. Candidates
        whose fit failed (NaN scores) are passed over. It raises a ValueError if
        ``cv_results`` lacks the environment scores, an environment has no held-out row in
        any fold, or every candidate failed.

    Raises
    ------
    ValueError
        If ``z`` is negative.

    See Also
    --------
    environment_accuracy_scoring : The scorers this callable reads.
    most_accurate_invariant : The same rule over results you computed yourself.
    best_worst_split : Leave-one-environment-out selection, for three or more environments.

    Notes
    -----
    Route the environments to the estimator and to the scorers::

        sklearn.set_config(enable_metadata_routing=True)
        encoder = InvariantEncoder().set_fit_request(environments=True)
        search = GridSearchCV(
            encoder, {"penalty_weight": [0, 300, 1000]},
            scoring=environment_accuracy_scoring(environments),
            refit=most_accurate_invariant_refit(),
        ).fit(X, y, environments=environments)

    A fold without a row of some environment scores NaN there (and the search warns of
    non-finite scores); the pooled accuracy ignores it. The ``n_samples_env_<label>`` columns
    of ``cv_results_`` are row counts, not scores: their ranks mean nothing. With several
    metrics and a callable ``refit``, the fitted search has no ``score`` of its own: pass
    ``scoring=`` to any loop around it (``cross_validate``). Rows sorted by environment leave whole
    environments out of unshuffled folds: shuffle the splitter
    (``StratifiedKFold(5, shuffle=True)``). With a callable ``refit`` scikit-learn sets
    ``best_index_`` and ``best_params_`` but not ``best_score_``.

    Examples
    --------
    Two environments, two folds: candidate 0's accuracy differs between the environments (0.9
    in ``a`` and 0.8 in ``b``, over 400 held-out rows each), candidate 1's does not.

    >>> from sklatent.metrics import most_accurate_invariant_refit
    >>> cv_results = {
    ...     "mean_test_accuracy_env_a": [0.9, 0.7], "mean_test_n_samples_env_a": [200, 200],
    ...     "mean_test_accuracy_env_b": [0.8, 0.7], "mean_test_n_samples_env_b": [200, 200],
    ... }
    >>> for k in (0, 1):
    ...     for name, accuracy in (("a", [0.9, 0.7]), ("b", [0.8, 0.7])):
    ...         cv_results[f"split{k}_test_accuracy_env_{name}"] = accuracy
    ...         cv_results[f"split{k}_test_n_samples_env_{name}"] = [200, 200]
    >>> most_accurate_invariant_refit()(cv_results)
    1
    """
    check_non_negative(z, "z")
    return _MostAccurateInvariantRefit(z)
