"""Choosing among fitted candidates by how alike their held-out accuracies are across environments.

Accuracy on held-out rows of the training environments rewards a model that follows a spurious
signal wherever that signal is stronger than the invariant one, in every training environment
(Colored MNIST: the colour agrees with the label 80-90% of the time, the shape 75%), and
leave-one-environment-out needs more than two environments. What such a model cannot hide is
that its accuracy moves with the environment; an invariant model's does not (the risks equal
across environments, the principle of Krueger et al. 2021's risk extrapolation). This rule keeps
the candidates whose accuracies agree within sampling noise and picks the most accurate of
them. The rule is ours, not a published one.
"""

import numpy as np

from ..utils._validation import check_non_negative

__all__ = ["most_accurate_invariant"]


def check_accuracies(scores, caller):
    if np.isnan(scores).any() or (scores < 0).any() or (scores > 1).any():
        raise ValueError(
            f"{caller} reads accuracies (shares in [0, 1]) from "
            f"environment_scores(..., scoring='accuracy'); got scores {scores.tolist()}."
        )
    if scores.shape[-1] < 2:
        raise ValueError(
            f"{caller} compares environments: each candidate needs at least two, "
            f"got {scores.shape[-1]}."
        )


def choose_invariant(scores, sizes, z):
    """Index of the most accurate candidate whose accuracies agree across environments.

    ``scores`` and ``sizes`` have one row per candidate and one column per environment
    (accuracies and the held-out rows behind them); the rule of :func:`most_accurate_invariant`.
    """
    rows = np.arange(scores.shape[0])
    worst, best = scores.argmin(axis=1), scores.argmax(axis=1)
    spread = scores[rows, best] - scores[rows, worst]
    # The standard error of the difference of two independent binomial shares.
    noise = np.sqrt(
        sum(scores[rows, k] * (1 - scores[rows, k]) / sizes[rows, k] for k in (worst, best))
    )
    invariant = np.flatnonzero(spread <= z * noise)
    if invariant.size == 0:
        return int(np.argmin(spread))
    # np.argmax takes the first of equal means, the lower index.
    return int(invariant[np.argmax(scores[invariant].mean(axis=1))])


def most_accurate_invariant(results, *, z=2.0):
    r"""Index of the most accurate candidate whose accuracy is the same in every environment.

    Each candidate (a penalty weight, a critic, ...) is fitted on part of the training
    environments' rows and scored on the rest of them, environment by environment, with
    :func:`environment_scores`. A candidate counts as invariant when the spread of its
    accuracies, best environment minus worst, is within ``z`` standard errors of zero:

    .. math::

        a_{\max} - a_{\min} \le z \sqrt{\frac{a_{\max}(1 - a_{\max})}{n_{\max}}
        + \frac{a_{\min}(1 - a_{\min})}{n_{\min}}}

    Among the invariant candidates the one with the highest mean accuracy over the environments
    is chosen; when none is invariant, the one with the smallest spread. It needs only the
    training environments, and two of them suffice (leave-one-environment-out, with
    :func:`best_worst_split`, needs three for an estimator that trains on several).

    Parameters
    ----------
    results : sequence of :class:`~sklearn.utils.Bunch`
        One :func:`environment_scores` result per candidate, with ``scoring="accuracy"`` (or
        the default ``score`` of a classifier) on held-out rows of the training environments:
        the same rows for every candidate.
    z : float, default=2.0
        How many standard errors of the spread still count as sampling noise.

    Returns
    -------
    index : int
        The position of the chosen candidate in ``results`` (the first one on ties).

    Raises
    ------
    ValueError
        If ``results`` is empty, ``z`` is negative, or a result has fewer than two
        environments or a score outside [0, 1] (not an accuracy).

    See Also
    --------
    environment_scores : The per-environment scores this rule reads.
    best_worst_split : Leave-one-environment-out selection, for three or more environments.

    Notes
    -----
    The rule cannot tell a model that is invariant from one that is equally poor everywhere:
    a constant predictor has the same accuracy in every environment. Keep candidates that learn
    something (the most accurate invariant one is chosen, so a constant one wins only when
    nothing better is invariant), and look at the chosen accuracy.

    Examples
    --------
    Two training environments where a spurious feature agrees with the label 90% and 80% of
    the time and the causal ones 75%: logistic regression on all features (ERM) follows the
    spurious one, and so its accuracy moves between the environments.

    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklatent.datasets import make_spurious_environments
    >>> from sklatent.metrics import environment_scores, most_accurate_invariant
    >>> X, y, env = make_spurious_environments(4000, flip_probs=(0.1, 0.2), random_state=0)
    >>> fit, held_out = slice(0, None, 2), slice(1, None, 2)
    >>> candidates = [X, X[:, :-1]]  # every feature; the causal ones alone
    >>> results = [
    ...     environment_scores(
    ...         LogisticRegression().fit(Z[fit], y[fit]), Z[held_out], y[held_out],
    ...         env[held_out])
    ...     for Z in candidates
    ... ]
    >>> [round(r.spread, 2) for r in results]
    [0.09, 0.02]
    >>> most_accurate_invariant(results)
    1
    """
    check_non_negative(z, "z")
    results = list(results)
    if len(results) == 0:
        raise ValueError("results is empty: pass one environment_scores result per candidate.")
    tables = [result.table for result in results]
    environments = [table.index.tolist() for table in tables]
    if any(labels != environments[0] for labels in environments):
        raise ValueError(
            "most_accurate_invariant compares candidates on the same environments; the results "
            f"have the environments {environments[0]} and "
            f"{next(labels for labels in environments if labels != environments[0])}."
        )
    scores = np.array([table["score"].to_numpy(dtype=np.float64) for table in tables])
    sizes = np.array([table["n_samples"].to_numpy(dtype=np.float64) for table in tables])
    check_accuracies(scores, "most_accurate_invariant")
    return choose_invariant(scores, sizes, z)
