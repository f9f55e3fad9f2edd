"""Helpers turning a search's cv_results or fitted estimators into TradeoffDisplay inputs."""

from numbers import Integral, Real

import numpy as np

_COST_NAMES = {
    "leakage": "leakage (probe ROC AUC of s)",
    "demographic_parity": "demographic parity difference",
    "equalized_odds": "equalized odds difference",
}


def _format_value(value):
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, Integral):
        return str(int(value))
    if isinstance(value, Real):
        return f"{value:g}"
    if isinstance(value, str):
        return value
    return repr(value)


def _format_params(params):
    """``"beta=1, independence_weight=10"`` per candidate: short names, varying params only.

    A parameter is shown by its last ``__`` component (``fairencoder__beta`` -> ``beta``) unless
    two parameters of the search would then share a name; parameters with the same value in every
    candidate are left out (all are kept when none varies).
    """
    params = [dict(p) for p in params]
    formatted = [{key: _format_value(value) for key, value in p.items()} for p in params]
    keys = list(dict.fromkeys(key for p in formatted for key in p))
    varying = [key for key in keys if len({p.get(key, "\0missing") for p in formatted}) > 1] or keys
    short = {key: key.rsplit("__", 1)[-1] for key in keys}
    if len(set(short.values())) < len(short):
        short = {key: key for key in keys}
    return [", ".join(f"{short[key]}={p[key]}" for key in varying if key in p) for p in formatted]


def _default_names(estimators):
    from ..metrics._probed_codes import probed_step

    names = []
    for estimator in estimators:
        step = probed_step(estimator)  # the step whose codes the leakage probe reads
        names.append("passthrough" if step is None else type(step).__name__)
    for name in set(names):
        indices = [i for i, n in enumerate(names) if n == name]
        if len(indices) > 1:
            for k, i in enumerate(indices, 1):
                names[i] = f"{name} #{k}"
    return names


def _builtin_cost(cost, random_state, pos_label=None):
    if cost == "leakage":

        def leakage(estimator, X, y, *, sensitive_features):
            # The codes leakage_scorer probes: a search's figures and these agree.
            from ..metrics import sensitive_leakage
            from ..metrics._probed_codes import probed_codes

            Z = probed_codes(estimator, X, 'cost="leakage"')
            return sensitive_leakage(Z, sensitive_features, random_state=random_state)["roc_auc"]

        return leakage

    from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference

    from ..metrics._fairness_scorers import _positive_class, check_groups_to_compare

    metric = {
        "demographic_parity": demographic_parity_difference,
        "equalized_odds": equalized_odds_difference,
    }[cost]

    def group_difference(estimator, X, y, *, sensitive_features):
        # fairlearn counts the predictions equal to 1: "yes"/"no" labels read as parity 0, and
        # so would a pos_label that is no class ("Yes"). (A search's scorers check it alike.)
        y_pred = estimator.predict(X)
        classes = getattr(estimator, "classes_", None)
        known = np.unique(np.r_[np.asarray(y), y_pred]) if classes is None else classes
        known = sorted(np.asarray(known).tolist(), key=str)
        if pos_label is not None and pos_label not in known:
            raise ValueError(f"pos_label={pos_label!r} is none of the classes {known[:5]}.")
        y_true, y_pred = _positive_class(y, y_pred, pos_label, f'cost="{cost}"')
        check_groups_to_compare(sensitive_features, f'cost="{cost}"')
        return metric(y_true, y_pred, sensitive_features=sensitive_features)

    return group_difference
