"""Renamed parameters: the former name keeps working for one release, with a FutureWarning.

scikit-learn's way of renaming a parameter: the former name stays in ``__init__`` with the
hidden default ``"deprecated"``; a value set there is used, with a ``FutureWarning`` at fit,
unless the new name is set too (an error: one of them would be ignored). An estimator lists its
renames in ``_renamed_parameters`` (``{former: new}``), the values that were renamed with them
in ``_renamed_values`` (``{former: {former value: new value}}``), and reads a renamed parameter
through :func:`current_value`. A file saved before a rename holds the former name only:
:func:`upgrade_saved_params` gives it the new one.
"""

import inspect

from ..utils._sklearn_compat import Hidden, StrOptions
from ..utils._warnings import warn_at_caller

#: The hidden default of a former parameter name.
DEPRECATED = "deprecated"

#: The release of the renames, and the release that removes the former names.
RENAMED_IN, REMOVED_IN = "0.1", "0.2"


def former_name_constraint(constraints):
    """The constraints of a former name: its new name's, or the hidden ``"deprecated"``."""
    return [*constraints, Hidden(StrOptions({DEPRECATED}))]


def _translated(cls, former, value):
    return getattr(cls, "_renamed_values", {}).get(former, {}).get(value, value)


def current_value(estimator, name):
    """The value of parameter ``name``, or of its former name when the user set that one.

    Examples
    --------
    >>> class Estimator:
    ...     _renamed_parameters = {"old": "new"}
    ...     _renamed_values = {"old": {"a": "b"}}
    ...     new, old = "c", DEPRECATED
    >>> estimator = Estimator()
    >>> current_value(estimator, "new")
    'c'
    >>> estimator.old = "a"
    >>> current_value(estimator, "new")
    'b'
    """
    for former, new in estimator._renamed_parameters.items():
        if new == name and getattr(estimator, former) != DEPRECATED:
            return _translated(estimator, former, getattr(estimator, former))
    return getattr(estimator, name)


def check_former_names(estimator):
    """At fit: warn for every former name the user set; refuse one set beside its new name."""
    defaults = inspect.signature(type(estimator).__init__).parameters
    for former, new in estimator._renamed_parameters.items():
        if getattr(estimator, former) == DEPRECATED:
            continue
        if getattr(estimator, new) != defaults[new].default:
            raise ValueError(
                f"{former} and {new} are both set, but {former} is the former name of {new}: "
                f"set {new} only."
            )
        warn_at_caller(
            f"{former} was renamed {new} in {RENAMED_IN} and will be removed in {REMOVED_IN}; "
            "its value is used for now.",
            FutureWarning,
        )


def upgrade_pickled_state(cls, state):
    """The ``__dict__`` of an estimator pickled before a rename, with the new names: the
    former name's value under the new one, and the former name at its hidden default."""
    state = upgrade_saved_params(cls, state)
    for former in getattr(cls, "_renamed_parameters", {}):
        state.setdefault(former, DEPRECATED)
    return state


def upgrade_saved_params(cls, params):
    """The parameters of a file saved before a rename, under their new names (a file saved
    after it holds both names and is left as it is)."""
    params = dict(params)
    for former, new in getattr(cls, "_renamed_parameters", {}).items():
        if former in params and new not in params:
            params[new] = _translated(cls, former, params.pop(former))
    return params
