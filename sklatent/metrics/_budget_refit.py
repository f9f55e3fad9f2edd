"""A ``refit`` rule for searches scored by a fairness scorer and a utility: the most useful
candidate within a fairness budget."""

import numbers

import numpy as np

from ..utils._validation import check_non_negative, cv_split_scores, cv_test_scores
from ..utils._warnings import warn_at_caller

__all__ = ["best_under_budget"]


def _shared_failed_splits(cv_results, metric):
    """Where every candidate failed on the same splits while others scored: those folds, not
    the candidates, are at fault (a fold whose rows hold a single sensitive group)."""
    failed_everywhere = np.all(np.isnan(cv_split_scores(cv_results, metric)), axis=0)
    failed = [f"split{k}" for k in np.flatnonzero(failed_everywhere)]
    if not failed or failed_everywhere.all():
        return ""
    return (
        f", on the same splits ({', '.join(failed)}) while the others scored: a fold shared by "
        "every candidate could not be scored (e.g. its rows hold a single sensitive group; "
        "stratify the folds on the label and the sensitive attribute together)"
    )


class _BestUnderBudget:
    """Picklable ``refit`` callable (a fitted search that holds it can still be pickled)."""

    def __init__(self, metric, budget, utility, margin=0.0, baseline=None):
        self.metric = metric
        self.budget = budget
        self.utility = utility
        self.margin = margin
        self.baseline = baseline

    def __repr__(self):
        return (
            f"best_under_budget({self.metric!r}, {self.budget!r}, utility={self.utility!r}, "
            f"margin={self.margin!r}, baseline={self.baseline!r})"
        )

    def _test_scores(self, cv_results, name, statistic="mean"):
        return cv_test_scores(cv_results, name, statistic, caller=repr(self))

    def __call__(self, cv_results):
        metric = self._test_scores(cv_results, self.metric)
        utility = self._test_scores(cv_results, self.utility)
        if np.all(np.isnan(metric)):
            raise ValueError(
                f"Every mean_test_{self.metric} is NaN: scoring failed for every candidate"
                f"{_shared_failed_splits(cv_results, self.metric)} (see the warnings of the "
                "search, or set error_score='raise')."
            )
        if np.nanmax(metric) > 0:  # a score of the quantity itself: every candidate would pass
            raise ValueError(
                f"mean_test_{self.metric} holds positive values (up to {np.nanmax(metric):.4g}): "
                "best_under_budget reads the metric as minus a quantity to keep small. Build "
                "its scorer with make_scorer(..., greater_is_better=False), or use "
                "demographic_parity_scorer, equalized_odds_scorer or leakage_scorer."
            )
        margin = self.margin
        if margin == "std":
            margin = self._test_scores(cv_results, self.metric, "std")
        with np.errstate(invalid="ignore"):
            feasible = np.flatnonzero((metric - margin >= -self.budget) & ~np.isnan(utility))
        if feasible.size:
            # Highest utility; among equals, the one that stays furthest inside the budget.
            order = np.lexsort((-metric[feasible], -utility[feasible]))
            chosen = int(feasible[order[0]])
            if self.baseline is not None and utility[chosen] <= self.baseline:
                warn_at_caller(
                    f"Every candidate within the budget is at or below the baseline: the best, "
                    f"candidate {chosen}, has mean_test_{self.utility} {utility[chosen]:.4g} "
                    f"against {self.baseline:.4g}. Within this budget the search found only "
                    "models no better than that (often a constant prediction): add weights "
                    "between its candidates, or loosen the budget.",
                    UserWarning,
                )
            return chosen
        best = int(np.nanargmax(metric))
        if metric[best] >= -self.budget:  # within the budget, excluded by the margin or utility
            why = (
                f"within -{self.budget:.4g} but not by the margin, or with a NaN "
                f"mean_test_{self.utility}"
            )
        else:
            why = f"below -{self.budget:.4g}"
        warn_at_caller(
            f"No candidate meets the budget: the best mean_test_{self.metric} is "
            f"{metric[best]:.4g}, {why}. Refitting candidate {best}, the "
            f"one with the best {self.metric}, whatever its {self.utility} "
            f"(mean_test_{self.utility} {utility[best]:.4g}): the fairest candidate is often "
            "close to a constant predictor, so compare it with a constant predictor's score.",
            UserWarning,
        )
        return best


def best_under_budget(metric, budget, *, utility="accuracy", margin=0.0, baseline=None):
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
    margin : float or "std", default=0.0
        Room kept inside the budget for the noise of the cross-validated estimate: a candidate
        meets the budget when its mean quantity plus ``margin`` is at most ``budget``.
        ``"std"`` takes each candidate's standard deviation over the folds
        (``std_test_<metric>``): a candidate whose mean is just within the budget is as likely
        as not to exceed it once refitted and scored on new rows.
    baseline : float, default=None
        A ``utility`` that a useful candidate beats, such as the majority class's share for
        accuracy (``max(np.bincount(y)) / len(y)``). When the chosen candidate does not beat
        it, the callable warns (``UserWarning``): the budget was met only by candidates no
        better than a constant prediction. None: no such check.

    Returns
    -------
    refit : callable
        ``refit(cv_results) -> int``, picklable. If no candidate meets the budget, it warns
        (``UserWarning``) and returns the candidate with the best ``metric``, as raising would
        abort the search's ``fit`` after all its work. It raises a ValueError if ``metric``
        or ``utility`` is not a scorer name, if every ``metric`` score is NaN, or if one is
        positive (a scorer of the quantity itself rather than of minus it).

    See Also
    --------
    demographic_parity_scorer, leakage_scorer

    Notes
    -----
    With a callable ``refit`` scikit-learn sets ``best_index_`` and ``best_params_`` but not
    ``best_score_``; read the scores of ``cv_results_`` at ``best_index_``.

    A candidate whose fit failed scores the search's ``error_score``: keep its default, NaN,
    which this rule passes over. A number such as 0 reads as a gap of 0, within any budget,
    and the search would refit the failed candidate. ``HalvingGridSearchCV`` accepts a callable
    ``refit`` but does not call it (it keeps its last round's best mean score).

    Examples
    --------
    >>> from sklatent.metrics import best_under_budget
    >>> refit = best_under_budget("dp", 0.05)
    >>> cv_results = {"mean_test_accuracy": [0.90, 0.85, 0.80],
    ...               "mean_test_dp": [-0.20, -0.04, -0.01]}
    >>> refit(cv_results)
    1
    >>> cv_results |= {"std_test_dp": [0.02, 0.02, 0.01]}
    >>> best_under_budget("dp", 0.05, margin="std")(cv_results)  # 0.04 + 0.02 > 0.05
    2
    """
    check_non_negative(budget, "budget")  # a difference or a leakage
    for name, value in (("metric", metric), ("utility", utility)):
        if not isinstance(value, str):
            raise ValueError(f"{name} must be the name of a scorer (a str), got {value!r}.")
    if not (
        margin == "std"
        or (isinstance(margin, numbers.Real) and not isinstance(margin, bool) and margin >= 0)
    ):
        raise ValueError(f'margin must be a non-negative number or "std", got {margin!r}.')
    if baseline is not None and not (
        isinstance(baseline, numbers.Real) and not isinstance(baseline, bool)
    ):
        raise ValueError(f"baseline must be a number or None, got {baseline!r}.")
    baseline = None if baseline is None else float(baseline)
    return _BestUnderBudget(metric, float(budget), utility, margin, baseline)
