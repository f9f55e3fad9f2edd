"""The names of a training batch's tensors, one per concept.

A batch is a dict of tensors that share their first dimension (the rows). The estimators build
it, the training loop slices its rows, the modules and objectives read it; every one of them
names a tensor through this module (as scvi-tools' ``REGISTRY_KEYS``), so that a tensor is
spelled once and a preset's extra tensors cannot collide with a view's.

Keys of every table estimator (StructuredVAE and its presets):

- :func:`view_values` of a view: its columns (float, missing entries filled);
- :func:`view_labels` of a categorical view: its class indices (long);
- :data:`PRESENT`: ``(n_rows, n_views)`` float, 1 where the row observes the view, one column
  per view in the order of ``views_`` (:func:`present_column`);
- :func:`condition_values` of a view that conditions decoders: its values, one-hot for labels.

Keys of the presets' penalties:

- :data:`GROUPS`: the sensitive group (FairEncoder) or environment (InvariantEncoder) index;
- :data:`STRATA`: the stratum within which groups are compared (the label's class, for
  equalized odds and conditional penalties); :func:`attribute_strata` of DisentangledEncoder's
  attribute ``k``: its class or bin, -1 where the attribute is missing.

MechanismEncoder's transitions: :data:`FEATURES`, :data:`NEXT_FEATURES`, :data:`ACTIONS`.

The keys' values are stable: the examples in the docstrings of the public modules and
objectives spell them out (``{"X_x": ..., "present": ...}``) so that they read alone.
"""

PRESENT = "present"
GROUPS = "groups"
STRATA = "strata"
FEATURES = "X"
NEXT_FEATURES = "X_next"
ACTIONS = "actions"


def view_values(name):
    """Key of the values of the view ``name``."""
    return f"X_{name}"


def view_labels(name):
    """Key of the class indices of the categorical view ``name``."""
    return f"labels_{name}"


def condition_values(name):
    """Key of the values of the view ``name`` as a decoder's condition."""
    return f"condition_{name}"


def attribute_strata(index):
    """Key of the strata of DisentangledEncoder's attribute number ``index``."""
    return f"strata_{index}"


def present_column(views, name):
    """Column of :data:`PRESENT` that flags the view ``name`` of ``views`` as observed.

    Examples
    --------
    >>> present_column([{"name": "x"}, {"name": "y"}], "y")
    1
    """
    return next(index for index, view in enumerate(views) if view["name"] == name)
