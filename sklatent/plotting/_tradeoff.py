"""Utility against fairness cost: every candidate as a point and the Pareto front as a step line."""

import numpy as np

from ..utils._sklearn_compat import check_is_fitted
from ..utils._validation import cv_test_scores
from ._tradeoff_candidates import (
    _COST_NAMES,
    _builtin_cost,
    _default_names,
    _format_params,
)


def pareto_front(cost, utility):
    """Mask of the candidates no other candidate dominates (lower cost, higher utility).

    Candidate ``j`` dominates ``i`` when ``cost[j] <= cost[i]`` and ``utility[j] >= utility[i]``
    with at least one inequality strict. Exact duplicates do not dominate each other, so all
    copies of a front point are on the front. A candidate with a NaN cost or utility (a failed
    fit scored ``error_score=np.nan``) is never on the front and dominates nothing.

    Parameters
    ----------
    cost : array-like of shape (n_candidates,)
        Lower is better.
    utility : array-like of shape (n_candidates,)
        Higher is better.

    Returns
    -------
    mask : ndarray of bool of shape (n_candidates,)
        True for the non-dominated candidates.

    Examples
    --------
    >>> from sklatent.plotting._tradeoff import pareto_front
    >>> pareto_front(cost=[0.1, 0.2, 0.2, 0.3], utility=[0.7, 0.9, 0.8, 0.85])
    array([ True,  True, False, False])
    """
    cost = np.asarray(cost, dtype=float)
    utility = np.asarray(utility, dtype=float)
    if cost.ndim != 1 or cost.shape != utility.shape:
        raise ValueError(
            "cost and utility must be 1d arrays of the same length; "
            f"got shapes {cost.shape} and {utility.shape}."
        )
    mask = np.zeros(cost.shape, dtype=bool)
    valid = np.flatnonzero(~(np.isnan(cost) | np.isnan(utility)))
    if valid.size == 0:
        return mask
    c, u = cost[valid], utility[valid]
    # Sort by cost, best utility first within equal costs. A point survives when it has the best
    # utility of its cost group and beats (strictly) every point of strictly lower cost.
    order = np.lexsort((-u, c))
    c, u = c[order], u[order]
    group_start = np.searchsorted(c, c, side="left")
    best_before = np.maximum.accumulate(u)[np.maximum(group_start - 1, 0)]
    keep = (u == u[group_start]) & ((group_start == 0) | (u > best_before))
    mask[valid[order[keep]]] = True
    return mask


class TradeoffDisplay:
    """Utility against fairness cost, with the Pareto front, in the style of scikit-learn Displays.

    Every candidate (a hyper-parameter setting of a grid search, or a method) is a point; the
    candidates no other one beats on both axes (see ``pareto_front``) are ringed and joined
    by a step line: at any cost budget on the x axis, the line gives the best utility reachable
    within it. Build it with :meth:`from_cv_results` or :meth:`from_estimators`; the constructor
    takes precomputed values.

    Parameters
    ----------
    cost : array-like of shape (n_candidates,)
        Fairness cost, lower is better (probe ROC AUC of the sensitive attribute, demographic
        parity difference, ...). Drawn on the x axis.
    utility : array-like of shape (n_candidates,)
        Utility, higher is better (accuracy, ...). Drawn on the y axis.
    labels : list of str, default=None
        One name per candidate, written next to the points by ``plot(annotate=...)``.
    cost_name : str, default="cost"
        x-axis label.
    utility_name : str, default="utility"
        y-axis label.

    Attributes
    ----------
    front_mask_ : ndarray of bool of shape (n_candidates,)
        True for the Pareto-front candidates.
    ax_ : matplotlib Axes
        The axes drawn on.
    figure_ : matplotlib Figure
        The figure holding ``ax_``.
    scatter_ : matplotlib PathCollection
        All candidates.
    front_line_ : matplotlib Line2D
        The Pareto front, sorted by cost, drawn as a step line with ringed markers.
    annotations_ : list of matplotlib Annotation
        The labels written, empty unless ``annotate``.

    See Also
    --------
    pareto_front : The mask of non-dominated candidates.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklatent.plotting import TradeoffDisplay
    >>> X, y = make_classification(n_samples=60, n_features=4, random_state=0)
    >>> search = GridSearchCV(
    ...     LogisticRegression(), {"C": [0.01, 1.0, 100.0]},
    ...     scoring=["accuracy", "neg_log_loss"], refit=False, cv=3,
    ... ).fit(X, y)
    >>> display = TradeoffDisplay.from_cv_results(search, x="neg_log_loss", y="accuracy")
    >>> display.labels
    ['C=0.01', 'C=1', 'C=100']
    >>> display.ax_.get_xlabel()
    'log_loss'
    """

    def __init__(self, cost, utility, *, labels=None, cost_name="cost", utility_name="utility"):
        self.cost = cost
        self.utility = utility
        self.labels = labels
        self.cost_name = cost_name
        self.utility_name = utility_name

    @classmethod
    def from_cv_results(
        cls,
        search_or_cv_results,
        *,
        x,
        y,
        negate_x=None,
        cost_name=None,
        utility_name=None,
        ax=None,
        annotate=False,
        front_kw=None,
        scatter_kw=None,
    ):
        """Plot the trade-off between two scorers of a multi-metric search.

        Parameters
        ----------
        search_or_cv_results : fitted search estimator or dict
            A fitted :class:`~sklearn.model_selection.GridSearchCV` (or any search with
            ``cv_results_``), or its ``cv_results_`` dict (a DataFrame of it works too).
        x : str
            Scorer giving the cost: its ``mean_test_<x>`` is the x axis.
        y : str
            Scorer giving the utility (greater is better): its ``mean_test_<y>`` is the y axis.
        negate_x : bool, default=None
            Whether to plot minus the ``x`` scores. scikit-learn scorers are greater-is-better,
            so a scorer of a cost returns the cost negated (``neg_log_loss``, or a
            ``make_scorer(demographic_parity_difference, greater_is_better=False)``); negating
            gives back the cost, lower is better. None negates when every (non-NaN) score is
            <= 0, which such a scorer always gives; pass False for a cost scorer that returns
            the cost itself (then its search's ``refit``/``rank_test_`` treat it as a utility).
        cost_name : str, default=None
            x-axis label; None uses ``x``, with a ``neg_`` prefix dropped when negated (or
            ``", minus its score"`` appended: ``"dp, minus its score"`` for the parity scorer,
            whose score is the negated difference).
        utility_name : str, default=None
            y-axis label; None uses ``y``.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        annotate : bool or "front", default=False
            Passed to :meth:`plot`.
        front_kw, scatter_kw : dict, default=None
            Passed to :meth:`plot`.

        Returns
        -------
        display : TradeoffDisplay
            With ``labels`` the candidates' parameters, as ``"beta=1, independence_weight=10"``:
            parameters named without their ``step__`` prefix (unless that is ambiguous), those
            equal in every candidate left out.
        """
        cv_results = getattr(search_or_cv_results, "cv_results_", None)
        if cv_results is None:
            if hasattr(search_or_cv_results, "fit"):
                check_is_fitted(search_or_cv_results, "cv_results_")
            cv_results = search_or_cv_results
        scores = cv_test_scores(cv_results, x, "mean", caller=f"x={x!r}")
        utility = cv_test_scores(cv_results, y, "mean", caller=f"y={y!r}")
        if negate_x is None:
            finite = scores[~np.isnan(scores)]
            negate_x = finite.size > 0 and bool(np.all(finite <= 0))
        cost = -scores if negate_x else scores
        if cost_name is None:
            cost_name = x
            if negate_x:
                cost_name = x[len("neg_") :] if x.startswith("neg_") else f"{x}, minus its score"
        labels = _format_params(cv_results["params"]) if "params" in cv_results else None
        display = cls(
            cost,
            utility,
            labels=labels,
            cost_name=cost_name,
            utility_name=y if utility_name is None else utility_name,
        )
        return display.plot(ax=ax, annotate=annotate, front_kw=front_kw, scatter_kw=scatter_kw)

    @classmethod
    def from_estimators(
        cls,
        estimators,
        X,
        y,
        *,
        sensitive_features,
        cost="leakage",
        utility="accuracy",
        names=None,
        pos_label=None,
        random_state=None,
        cost_name=None,
        utility_name=None,
        ax=None,
        annotate=True,
        front_kw=None,
        scatter_kw=None,
    ):
        """Compare fitted pipelines (one per method) on held-out data.

        Parameters
        ----------
        estimators : list of fitted estimators
            Each a fitted :class:`~sklearn.pipeline.Pipeline` ending in a classifier, such as
            ``make_pipeline(StandardScaler(), FairEncoder(), LogisticRegression())``, or in
            an encoder that predicts (``make_pipeline(StandardScaler(), InvariantEncoder())``).
        X : array-like of shape (n_samples, n_features)
            Evaluation data, best held out from the fits.
        y : array-like of shape (n_samples,)
            Targets.
        sensitive_features : array-like of shape (n_samples,) or (n_samples, n_sensitive)
            Sensitive attribute(s) of the rows of ``X``.
        cost : {"leakage", "demographic_parity", "equalized_odds"} or callable, \
                default="leakage"
            Fairness cost, lower is better:

            - ``"leakage"``: ``sensitive_leakage(Z, sensitive_features)["roc_auc"]``, the
              cross-validated ROC AUC of a probe predicting the sensitive attribute from the
              codes ``Z`` of ``X``, the codes :func:`~sklatent.metrics.leakage_scorer`
              probes: those of the steps before a downstream classifier, or the pipeline's
              ``transform`` when it ends in one of this package's encoders or in a
              transformer (0.5: nothing leaks; an estimator that neither is nor ends in a
              transformer raises a TypeError);
            - ``"demographic_parity"`` / ``"equalized_odds"``: fairlearn's
              :func:`~fairlearn.metrics.demographic_parity_difference` /
              :func:`~fairlearn.metrics.equalized_odds_difference` of the pipeline's
              predictions;
            - a callable ``cost(estimator, X, y, *, sensitive_features) -> float``.
        utility : str or callable, default="accuracy"
            A scikit-learn scorer name (see :func:`~sklearn.metrics.get_scorer`) or a callable
            ``utility(estimator, X, y) -> float``, greater is better.
        names : list of str, default=None
            One label per estimator; None names a pipeline after the class of the step whose
            codes the leakage probe reads (``"FairEncoder"``), numbering repeats.
        pos_label : int, float, bool or str, default=None
            The positive class of ``"demographic_parity"`` and ``"equalized_odds"``, whose
            rates count it against the rest; None: the labels must be 0 and 1.
        random_state : int, RandomState instance or None, default=None
            Passed to the leakage probe; an int measures every estimator on the same folds.
        cost_name, utility_name : str, default=None
            Axis labels; None describes ``cost`` and ``utility``.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        annotate : bool or "front", default=True
            Passed to :meth:`plot`; on by default since a handful of methods are compared.
        front_kw, scatter_kw : dict, default=None
            Passed to :meth:`plot`.

        Returns
        -------
        display : TradeoffDisplay
        """
        from sklearn.metrics import get_scorer

        estimators = list(estimators)
        if not estimators:
            raise ValueError("estimators is empty; pass at least one fitted estimator.")
        if names is None:
            names = _default_names(estimators)
        elif len(names) != len(estimators):
            raise ValueError(f"Got {len(names)} names for {len(estimators)} estimators.")
        if pos_label is not None and cost not in ("demographic_parity", "equalized_odds"):
            raise ValueError(
                f"pos_label is read by the demographic_parity and equalized_odds costs only, "
                f"not by cost={cost!r}."
            )
        if callable(cost):
            cost_fn = cost
        elif cost in _COST_NAMES:
            cost_fn = _builtin_cost(cost, random_state, pos_label)
        else:
            raise ValueError(f"cost={cost!r} is not one of {sorted(_COST_NAMES)} or a callable.")
        utility_fn = get_scorer(utility) if isinstance(utility, str) else utility
        costs, utilities = [], []
        # Each axis predicts anew: a randomized predict drawing from numpy's global random
        # state (fairlearn's ExponentiatedGradient without a random_state) drew two sets of
        # predictions, and the point had a cost of one and the accuracy of the other. Both
        # axes replay the same draws, and the caller's state is left as it was.
        state = np.random.get_state()  # noqa: NPY002 (the global state is the point)
        try:
            for estimator in estimators:
                check_is_fitted(estimator)
                np.random.set_state(state)  # noqa: NPY002
                cost_value = cost_fn(estimator, X, y, sensitive_features=sensitive_features)
                np.random.set_state(state)  # noqa: NPY002
                costs.append(float(cost_value))
                utilities.append(float(utility_fn(estimator, X, y)))
        finally:
            np.random.set_state(state)  # noqa: NPY002
        if cost_name is None:
            cost_name = _COST_NAMES.get(cost) if isinstance(cost, str) else None
            cost_name = cost_name or getattr(cost, "__name__", "cost")
        if utility_name is None:
            utility_name = utility if isinstance(utility, str) else None
            utility_name = utility_name or getattr(utility, "__name__", "utility")
        display = cls(
            np.asarray(costs),
            np.asarray(utilities),
            labels=list(names),
            cost_name=cost_name,
            utility_name=utility_name,
        )
        return display.plot(ax=ax, annotate=annotate, front_kw=front_kw, scatter_kw=scatter_kw)

    def plot(self, ax=None, *, annotate=False, front_kw=None, scatter_kw=None):
        """Draw the candidates and the Pareto front.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        annotate : bool or "front", default=False
            Write ``labels`` next to every point (True) or the front points only ("front").
        front_kw : dict, default=None
            Keyword arguments of :meth:`matplotlib.axes.Axes.plot` for the front line,
            overriding ``drawstyle="steps-post"``, ringed ``"o"`` markers, color ``"C1"``.
        scatter_kw : dict, default=None
            Keyword arguments of :meth:`matplotlib.axes.Axes.scatter` for the candidates,
            overriding color ``"C0"``.

        Returns
        -------
        display : TradeoffDisplay
            With ``front_mask_``, ``ax_``, ``figure_``, ``scatter_``, ``front_line_`` and
            ``annotations_`` set.
        """
        import matplotlib.pyplot as plt

        cost = np.asarray(self.cost, dtype=float)
        utility = np.asarray(self.utility, dtype=float)
        self.front_mask_ = pareto_front(cost, utility)
        if annotate not in (False, True, "front"):
            raise ValueError(f"annotate must be False, True or 'front'; got {annotate!r}.")
        if annotate and (self.labels is None or len(self.labels) != len(cost)):
            raise ValueError("annotate needs one label per candidate in labels.")
        if ax is None:
            _, ax = plt.subplots()

        scatter_kw = {"color": "C0", "alpha": 0.7, "label": "candidates", **(scatter_kw or {})}
        self.scatter_ = ax.scatter(cost, utility, **scatter_kw)
        front = np.flatnonzero(self.front_mask_)
        front = front[np.lexsort((utility[front], cost[front]))]
        front_kw = {
            "color": "C1",
            "drawstyle": "steps-post",
            "marker": "o",
            "markersize": 10,
            "markerfacecolor": "none",
            "label": "Pareto front",
            **(front_kw or {}),
        }
        (self.front_line_,) = ax.plot(cost[front], utility[front], **front_kw)

        shown = front if annotate == "front" else np.arange(len(cost)) if annotate else []
        self.annotations_ = [
            ax.annotate(
                str(self.labels[i]),
                (cost[i], utility[i]),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize="small",
            )
            for i in shown
            if not (np.isnan(cost[i]) or np.isnan(utility[i]))
        ]
        ax.set_xlabel(self.cost_name)
        ax.set_ylabel(self.utility_name)
        ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self
