"""Renamed parameters: the former name keeps working for one release, with a FutureWarning.

scikit-learn's way of renaming a parameter: the old name stays in ``__init__`` with the hidden
default ``"deprecated"``; a value set there is used instead of the new parameter's, with a
``FutureWarning`` at fit. An estimator lists its renames in ``_renamed_parameters``
(``{old: (new, version)}``, the version that renamed it) and reads a renamed parameter through
:func:`current_value`.
"""

import warnings

from ..utils._sklearn_compat import Hidden, StrOptions

#: The hidden default of a former parameter name.
DEPRECATED = "deprecated"

#: The release that removes the former names of :data:`RENAMED_IN`.
REMOVED_IN = "0.2"

#: The release of the renames this module knows.
RENAMED_IN = "0.1"


def former_name_constraint(constraints):
    """The constraints of a former name: its new name's, or the hidden ``"deprecated"``."""
    return [*constraints, Hidden(StrOptions({DEPRECATED}))]


def current_value(estimator, name):
    """The value of parameter ``name``, or of its former name when the user set that one.

    Examples
    --------
    >>> class Estimator:
    ...     _renamed_parameters = {"old": "new"}
    ...     new, old = 1, DEPRECATED
    >>> estimator = Estimator()
    >>> current_value(estimator, "new")
    1
    >>> estimator.old = 2
    >>> current_value(estimator, "new")
    2
    """
    for old, new in estimator._renamed_parameters.items():
        if new == name and getattr(estimator, old) != DEPRECATED:
            return getattr(estimator, old)
    return getattr(estimator, name)


def warn_former_names(estimator, stacklevel):
    """Warn, once per fit, for every former parameter name the user set."""
    for old, new in estimator._renamed_parameters.items():
        if getattr(estimator, old) != DEPRECATED:
            warnings.warn(
                f"{old} was renamed {new} in {RENAMED_IN} and will be removed in {REMOVED_IN}; "
                "its value is used for now.",
                FutureWarning,
                stacklevel=stacklevel + 1,
            )
