"""Which fitted attributes a saved model may set, and the checks their values must pass.

:func:`sklatent.load` sets only the attributes an estimator declares: the public ones listed in
the numpydoc "Attributes" section of its class docstring or of a sklatent base class (the
documented contract, which scikit-learn's own docstring tests also read), the two that
scikit-learn's ``validate_data`` sets on every estimator, and the private state named by the
class's ``_persisted_state``. Each public value is checked against the type its docstring gives
(``int``, ``bool``, ``list of str``, ``ndarray of shape (n_init,)``...), so an edited or forged
``model.json`` fails with a message instead of loading a model that behaves differently.
"""

import ast
import inspect
import math
import re
import textwrap
from numbers import Integral, Real

import numpy as np
import pandas as pd

#: Set by scikit-learn's ``validate_data`` in every fit, so declared for every estimator.
_SKLEARN_CONVENTIONS = {
    "n_features_in_": "int",
    "feature_names_in_": "ndarray of str of shape (n_features_in_,)",
}
#: Every fit sets these; a file without them is not a fitted model.
REQUIRED = ("n_features_in_", "n_iter_")
# A numpydoc section: its title, a dashed underline, then its body up to the next title.
_ATTRIBUTES = re.compile(r"^Attributes\n-+\n(.*?)(?=^\S[^\n]*\n-+\n|\Z)", re.MULTILINE | re.DOTALL)
# Element types that dtype strings from a file may name: no void, datetime or structured dtypes.
_ARRAY_KINDS = "biufOU"


def _own_docstring(cls):
    """The class's own docstring, read from its source when Python runs with ``-OO``."""
    doc = cls.__dict__.get("__doc__")
    if doc is None:
        # -OO strips docstrings from the objects but not from the source files.
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
        doc = ast.get_docstring(tree.body[0], clean=False)
    return inspect.cleandoc(doc or "")


def _documented_attributes(cls):
    """``{name: type}`` of the Attributes section of ``cls``'s docstring (types may be "")."""
    section = _ATTRIBUTES.search(_own_docstring(cls))
    entries = {}
    for line in section.group(1).splitlines() if section else ():
        if not line or line[0].isspace():  # descriptions are indented under their entry
            continue
        names, _, kind = line.partition(" : ")
        for name in names.split(","):
            entries[name.strip()] = kind.strip()
    return entries


def declared_attributes(cls):
    """The fitted attributes a model of ``cls`` may hold: ``(public {name: type}, private set)``.

    A subclass inherits its sklatent bases' declarations; where both give a type, its own wins
    (a preset writes "As in :class:`StructuredVAE`" without repeating the type).
    """
    public = dict(_SKLEARN_CONVENTIONS)
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith("sklatent."):
            continue
        for name, kind in _documented_attributes(klass).items():
            if kind or name not in public:
                public[name] = kind
    return public, set(cls._persisted_state)


def _shape(kind):
    """The dimensions named by "of shape (a, b)" in a docstring type, or None."""
    match = re.search(r"of shape \(([^)]*)\)", kind)
    if match is None:
        return None
    return [dim.strip().strip("`") for dim in match.group(1).split(",") if dim.strip()]


def _check_shape(name, value, dims, known):
    if value.ndim != len(dims):
        raise ValueError(f"{name} has {value.ndim} dimension(s); its declaration has {len(dims)}")
    for axis, dim in enumerate(dims):
        expected = int(dim) if dim.isdigit() else known.get(dim)
        if isinstance(expected, Integral) and value.shape[axis] != expected:
            raise ValueError(
                f"{name} has {value.shape[axis]} rows on axis {axis}; {dim} = {expected}"
            )


def _is_count(value):
    return isinstance(value, Integral) and not isinstance(value, bool) and value >= 0


def check_value(name, value, kind, known):
    """Raise ValueError unless ``value`` fits the docstring type ``kind``.

    ``known`` maps parameter and attribute names to their values, to resolve shapes such as
    ``(n_actions, n_components)``. A type this function does not know is not checked; the test
    suite makes sure every declared type is known.
    """
    head = kind.split(" ", 1)[0].rstrip(",")
    of_str = kind.startswith(("list of str", "ndarray of str"))
    if head.startswith("skorch."):
        raise ValueError(f"{name} is rebuilt from the weights, not read from a model file")
    if head == "int" and not _is_count(value):
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    if head == "bool" and not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false, got {value!r}")
    if head == "float" and not (isinstance(value, Real) and math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if head == "str" and not isinstance(value, str):
        raise ValueError(f"{name} must be text, got {value!r}")
    if head == "dict" and not (isinstance(value, dict) and all(isinstance(k, str) for k in value)):
        raise ValueError(f"{name} must be a mapping with text keys")
    if head == "pandas.DataFrame" and not isinstance(value, pd.DataFrame):
        raise ValueError(f"{name} must be a table")
    if head == "list":
        item = {"list of str": str, "list of dict": dict}.get(kind)
        if not isinstance(value, list) or (item and not all(isinstance(v, item) for v in value)):
            raise ValueError(f"{name} must be a {kind}")
        if kind == "list of int" and not all(_is_count(v) for v in value):
            raise ValueError(f"{name} must be a list of non-negative integers")
    if head == "ndarray":
        if not isinstance(value, np.ndarray):
            raise ValueError(f"{name} must be an array")
        if of_str and not all(isinstance(v, str) for v in value.ravel()):
            raise ValueError(f"{name} must hold text")
        if value.dtype.kind == "f" and np.isnan(value).any():
            raise ValueError(f"{name} holds NaN")
        dims = _shape(kind)
        if dims is not None:
            _check_shape(name, value, dims, known)


def check_array_dtype(dtype):
    """The numpy dtype a file names for an array, refused unless it is plain numbers or text."""
    dtype = np.dtype(dtype)
    if dtype.kind not in _ARRAY_KINDS or dtype.fields is not None:
        raise ValueError(f"arrays of dtype {dtype} are not stored by sklatent.save")
    return dtype


def check_consistency(fitted, n_epochs):
    """Cross-checks between attributes that the per-attribute types cannot express."""
    if fitted["n_features_in_"] < 1:
        raise ValueError("n_features_in_ must be at least 1")
    if fitted["n_iter_"] != n_epochs:
        raise ValueError(f"n_iter_ = {fitted['n_iter_']} but the history holds {n_epochs} epoch(s)")
    names = fitted.get("feature_names_in_")
    if names is not None and (
        names.shape != (fitted["n_features_in_"],) or not all(isinstance(n, str) for n in names)
    ):
        raise ValueError("feature_names_in_ must name each of the n_features_in_ columns")
    for view in fitted.get("views_", ()):
        columns = view.get("columns")
        if columns is not None and not (
            isinstance(columns, list)
            and all(_is_count(c) and c < fitted["n_features_in_"] for c in columns)
        ):
            raise ValueError(
                f"view {view.get('name')!r} reads columns {columns!r}, not column indices "
                f"below n_features_in_ = {fitted['n_features_in_']}"
            )
    sizes, names = fitted.get("block_sizes_"), fitted.get("block_names_")
    if sizes is not None and (len(sizes) != len(names or ()) or min(sizes, default=1) < 1):
        raise ValueError("block_sizes_ must give a positive size for each of block_names_")
