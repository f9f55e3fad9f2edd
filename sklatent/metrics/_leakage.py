"""How much a code reveals of a sensitive attribute.

:func:`sensitive_leakage` trains a classifier (the *probe*) to predict the sensitive group from
the code: a fair representation leaves it at chance. A linear probe certifies nothing (a tree
reads fairlearn's ``CorrelationRemover`` output back perfectly): the default probe is
non-linear.
"""

import numbers

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, check_cv, cross_val_predict
from sklearn.utils import Bunch, check_array
from threadpoolctl import threadpool_limits

from ..utils._warnings import warn_at_caller
from ._groups import encode_groups, group_table

__all__ = ["sensitive_leakage"]

# The probe trains on one OpenMP thread. A process that loads both scikit-learn's OpenMP runtime
# and torch's holds two thread pools: on 2 cores, with scikit-learn imported before torch, the
# default probe took 3.1 s on 179 rows with both threads and 0.08 s with one; on 15,000 rows,
# 2.9 s against 0.56 s (0.50 s with two threads where torch was imported first).
PROBE_OPENMP_THREADS = 1


def _check_codes(Z, name):
    Z = check_array(Z, dtype=np.float64, ensure_2d=False, ensure_min_samples=2, input_name=name)
    return Z.reshape(-1, 1) if Z.ndim == 1 else Z


def _probe_scores(probe_classes, proba, groups, unscored=()):
    """Macro one-vs-rest ROC AUC over the groups present (less ``unscored``), accuracy and
    majority share."""
    present = [
        k
        for k in range(len(probe_classes))
        if np.any(groups == probe_classes[k]) and probe_classes[k] not in unscored
    ]
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

    Warns
    -----
    UserWarning
        If a tree probe (one with ``min_samples_leaf``, as the default's 20) trains on fewer
        than twice that many rows, or if a probe predicts the same probabilities for every row
        though the codes vary: it could not split, and its ROC AUC of about 0.5 says nothing
        about the codes. If a group is missing from some fold's training rows: that fold
        cannot predict it, and the group is left out of the average of the ROC AUCs.

    Raises
    ------
    ValueError
        If the numbers of rows disagree, if there is a single sensitive group, if ``Z`` holds
        NaN or infinity, if the sensitive features hold missing values, if only one of
        ``Z_test`` and ``sensitive_features_test`` is given, if the test data hold a group
        the training data lack, or if one of two groups has a single row.

    See Also
    --------
    leakage_scorer : The same probe as a scorer for model selection.

    Notes
    -----
    The probe trains with one OpenMP thread: where torch and scikit-learn each load their own
    OpenMP runtime, two threads made the default probe up to 40 times slower on 2 cores.

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
    table = group_table(sensitive_features, "sensitive_features")
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
        groups, names = encode_groups(table)
        _check_several_groups(names, "sensitive_features")
        counts = np.bincount(groups)
        if len(names) == 2 and counts.min() < 2:
            # The fold that holds the lone row out trains its probe on one group, and sklearn's
            # error ("shape mismatch") names neither. With more groups sklearn pads the column.
            raise ValueError(
                f"Group {names[int(counts.argmin())]!r} has a single row: the probe of the fold "
                "that holds it out sees one group only. Merge it with another group, or drop it."
            )
        if isinstance(cv, numbers.Integral):
            cv = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
        # As cross_val_predict reads it; an iterable of splits can then be read twice.
        cv = check_cv(cv, groups, classifier=is_classifier(probe))
        folds = list(cv.split(Z, groups))
        _warn_if_too_few_to_split(min(len(train) for train, _ in folds), probe)
        unscored = _groups_missing_from_a_fold([groups[train] for train, _ in folds], names)
        # params={}: scikit-learn 1.6 with metadata routing on (a routed search scoring with
        # leakage_scorer) fails on the default None.
        with threadpool_limits(PROBE_OPENMP_THREADS, user_api="openmp"):
            proba = cross_val_predict(probe, Z, groups, cv=folds, method="predict_proba", params={})
        _warn_if_predictions_constant([(Z[t], proba[s], groups[s]) for t, s in folds])
        # cross_val_predict orders the columns by sorted label, and the labels are 0..n-1.
        result = _probe_scores(np.arange(len(names)), proba, groups, unscored)
        result.n_groups = len(names)
        return result

    Z_test = _check_codes(Z_test, "Z_test")
    table_test = group_table(sensitive_features_test, "sensitive_features_test")
    if Z_test.shape != (table_test.shape[0], Z.shape[1]) or table_test.shape[1] != table.shape[1]:
        raise ValueError(
            f"Z_test and sensitive_features_test must have the same number of rows and the "
            f"columns of Z and sensitive_features, got shapes {Z_test.shape} and "
            f"{table_test.shape} for training shapes {Z.shape} and {table.shape}."
        )
    # Encode both together so that a group has the same label in training and test data.
    groups_all, names = encode_groups(np.vstack([table, table_test]))
    groups, groups_test = groups_all[: len(table)], groups_all[len(table) :]
    _check_several_groups([names[k] for k in np.unique(groups)], "sensitive_features")
    unseen = sorted(set(np.unique(groups_test)) - set(np.unique(groups)))
    if unseen:
        raise ValueError(
            "sensitive_features_test holds groups absent from sensitive_features, which the "
            f"probe cannot predict: {[names[k] for k in unseen]}."
        )
    _check_several_groups([names[k] for k in np.unique(groups_test)], "sensitive_features_test")
    _warn_if_too_few_to_split(len(Z), probe)
    with threadpool_limits(PROBE_OPENMP_THREADS, user_api="openmp"):
        fitted = clone(probe).fit(Z, groups)
        proba_test = fitted.predict_proba(Z_test)
    _warn_if_predictions_constant([(Z, proba_test, groups_test)])
    result = _probe_scores(fitted.classes_, proba_test, groups_test)
    result.n_groups = len(np.unique(groups))
    return result


def _groups_missing_from_a_fold(training_groups, names):
    """The groups that some fold's probe never saw, with a warning: that fold predicts them
    with probability 0, which ranks their rows last and pulls their one-vs-rest ROC AUC
    towards 0 (noise codes read 0.43 with a group of one row among five). They are left out of
    the macro average; if every group is, there is no average to take."""
    seen_by_all = set.intersection(*(set(np.unique(labels)) for labels in training_groups))
    missing = sorted(set(range(len(names))) - seen_by_all)
    if len(missing) == len(names):
        raise ValueError(
            "Every group is missing from the training rows of some fold (e.g. folds of rows "
            "sorted by group): no group's ROC AUC can be scored. Use a stratified splitter "
            "(cv=5 is StratifiedKFold with shuffling)."
        )
    if missing:
        warn_at_caller(
            f"The groups {[names[k] for k in missing]} are missing from the training rows of "
            "some fold, whose probe cannot predict them: they are left out of the ROC AUC's "
            "average over groups. Merge them with another group, or use fewer folds."
        )
    return missing


def _warn_if_predictions_constant(folds):
    """Warn when a probe that trained on varying codes predicted the same probabilities for
    every row it scored: it found no split it was allowed to take (a tree's
    ``min_samples_leaf`` rows of a group on each side), and its ROC AUC of about 0.5 says
    nothing about the codes (a code that is the group itself read 0.45 on 50 rows, 23 of one
    group). ``folds``: (training codes, predicted probabilities, their rows' groups) of each
    probe; only rows of several groups can tell."""
    constant = sum(
        1
        for codes, proba, scored in folds
        if len(np.unique(scored)) > 1
        and np.ptp(codes, axis=0).max() > 0
        and np.ptp(proba, axis=0).max() == 0
    )
    if constant:
        warn_at_caller(
            f"The leakage probe predicted the same probabilities for every row it scored, in "
            f"{constant} of {len(folds)} fits, though the codes vary: it found no split it was "
            "allowed to take (a tree's min_samples_leaf rows of a group on each side), and its "
            "ROC AUC says little about the codes. Give more rows or fewer folds, or a probe for "
            "small samples (probe=LogisticRegression())."
        )


def _warn_if_too_few_to_split(n_train, probe):
    """Warn when a tree probe trains on too few rows to split once: it then predicts the same
    probabilities for every row, and its ROC AUC reads 0.5 whatever the codes hold."""
    # Also inside a pipeline, a search or a calibrator (``step__min_samples_leaf``).
    params = probe.get_params(deep=True) if hasattr(probe, "get_params") else {}
    leaves = [
        value
        for key, value in params.items()
        if key.split("__")[-1] == "min_samples_leaf" and isinstance(value, numbers.Integral)
    ]
    leaf = max(leaves, default=None)
    if leaf is not None and n_train < 2 * leaf:
        warn_at_caller(
            f"The leakage probe trains on {n_train} rows, fewer than the {2 * leaf} it needs to "
            f"split once (min_samples_leaf={leaf}): it predicts one group for every row, and its "
            "ROC AUC of about 0.5 says nothing about the codes. Give more rows or fewer folds, "
            "or a probe for small samples (probe=LogisticRegression())."
        )
