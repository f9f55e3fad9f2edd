"""The attributes DisentangledEncoder is fitted on: types, labels, missing entries, strata."""

from numbers import Integral

import numpy as np
import pandas as pd
import torch
from pandas.api.types import is_integer_dtype

from .._batch import PRESENT, attribute_strata, present_column, view_labels, view_values
from ..utils._labels import encode_labels
from ..utils._torch import as_float_tensor
from ..utils._validation import check_auxiliary, check_declared_classes, holds_dates
from ..utils._warnings import warn_at_caller
from ._structured_spec import view_spec

KINDS = ("categorical", "continuous")
# What pandas infers for an object column holding numbers only.
NUMBERS = ("integer", "floating", "mixed-integer-float", "decimal")


def _is_continuous(values):
    """Floats that are not all whole numbers (missing entries aside) are a continuous attribute."""
    if values.dtype.kind != "f":
        return False
    observed = values[~np.isnan(values)]
    return bool(np.any(observed != np.round(observed)))


def _missing(values, kind):
    if kind == "continuous":
        return np.isnan(values.astype(float))
    if values.dtype.kind in "biuf":
        return np.isnan(values.astype(float)) | (values == -1)
    return pd.isna(values)


def parse_attributes(y, attribute_types, n_samples, fitted_names=None):
    """Names, kinds and columns of the attributes in ``y`` (one column per attribute).

    ``fitted_names``: the attributes of a fitted model. A DataFrame's columns must be them; the
    columns of an array or a Series are them by position, whatever the Series' name.
    """
    # Missing labels mark unobserved attributes here; infinities and wrong shapes are errors.
    array = check_auxiliary(
        y, name="y", n_samples=n_samples, ensure_2d=None, dtype=None, allow_missing=True
    )
    frame = y if isinstance(y, pd.DataFrame) else None
    if frame is None and fitted_names is None and isinstance(y, pd.Series) and y.name is not None:
        frame = y.to_frame()  # at fit, a named column names its attribute, as a DataFrame's do
    if frame is None:
        array = array.reshape(n_samples, -1)
        names = [f"attr{k}" for k in range(array.shape[1])]
        if fitted_names is not None:
            if len(fitted_names) != array.shape[1]:
                raise ValueError(
                    f"y has {array.shape[1]} column(s); the model was fitted on "
                    f"{len(fitted_names)} attribute(s), {fitted_names}."
                )
            names = list(fitted_names)
        frame = pd.DataFrame(array, columns=names)
    names = [str(name) for name in frame.columns]
    if len(set(names)) != len(names):
        raise ValueError(f"y has duplicate attribute names: {names}.")
    if fitted_names is not None and names != list(fitted_names):
        raise ValueError(f"y has the attributes {names}; the model was fitted on {fitted_names}.")
    if isinstance(attribute_types, dict):
        unknown = set(attribute_types) - set(names)
        if unknown:
            raise ValueError(f"attribute_types names unknown attributes {sorted(unknown)}.")
    elif not (attribute_types is None or isinstance(attribute_types, str)):
        if len(attribute_types) != len(names):
            raise ValueError(
                f"attribute_types needs one type per attribute ({len(names)}: {names}), got "
                f"{list(attribute_types)!r}."
            )
    attributes = []
    for index, name in enumerate(names):
        if holds_dates(frame.iloc[:, index]):
            # 40 days were read as 40 classes, and predicted back as datetime objects.
            raise ValueError(
                f"Attribute {name!r} holds dates or times. Encode it first: as numbers (e.g. "
                "days since a date) for a continuous attribute, or as text labels for classes."
            )
        values = frame.iloc[:, index].to_numpy()
        # An object column of numbers (a mixed y's numeric column) becomes numeric, so that
        # its kind can be told; text that reads as whole numbers ("0", "1") stays text, class
        # names that predict returns as given; text of other numbers ("0.25") is measurements.
        if values.dtype.kind == "O":
            numeric = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy()
            parsed = not np.isnan(numeric[~pd.isna(values)]).any()
            inferred = pd.api.types.infer_dtype(values, skipna=True)
            if parsed and (inferred in NUMBERS or _is_continuous(numeric)):
                values = numeric
        declared = _declared_kind(attribute_types, name, index)
        kind = declared or ("continuous" if _is_continuous(values) else "categorical")
        if kind not in KINDS:
            raise ValueError(f"Attribute {name!r}: type must be one of {KINDS}, got {kind!r}.")
        if kind == "continuous" and values.dtype.kind not in "biuf":
            raise ValueError(f"Continuous attribute {name!r} holds non-numeric values.")
        column = frame.iloc[:, index]
        if kind == "categorical" and values.dtype.kind == "f" and is_integer_dtype(column.dtype):
            # pandas' nullable integers with NA came out as floats: classes 0., 1. predicted
            # back as floats. -1 marks a missing label of integer classes, as below.
            values = column.fillna(-1).to_numpy(dtype=np.int64)
        missing = _missing(values, kind)
        if missing.all():
            raise ValueError(f"Attribute {name!r} has no observed value.")
        attributes.append(
            {
                "name": name,
                "kind": kind,
                "values": values,
                "missing": missing,
                "declared": declared is not None,
            }
        )
    return attributes


#: More classes than this, guessed from whole numbers, are more likely a measurement (an age, a
#: count) than class labels: the fit says how to declare it continuous.
MANY_CLASSES = 20


def warn_of_guessed_labels(attributes):
    """Warn for each categorical attribute of numbers whose reading may not be the user's.

    -1 marks an unlabelled row, scikit-learn's convention (``LabelPropagation``,
    ``SelfTrainingClassifier``); but a table may hold -1 as a class (the sign of a change, say),
    which would be dropped without a word. And whole numbers are guessed to be classes, which
    makes a measurement such as an age a head of dozens of classes.
    """
    for attribute in attributes:
        values, name = attribute["values"], attribute["name"]
        if attribute["kind"] != "categorical" or values.dtype.kind not in "biuf":
            continue
        n_classes = len(np.unique(values[~attribute["missing"]]))
        if not attribute["declared"] and n_classes > MANY_CLASSES:
            warn_at_caller(
                f"Attribute {name!r}: its {n_classes} distinct whole numbers are read as "
                f"{n_classes} classes. If it is a measurement, declare it: "
                f"attribute_types={{{name!r}: 'continuous'}} ('categorical' keeps the classes "
                "and silences this).",
                UserWarning,
            )
        n_minus_one = int(np.sum(values == -1))
        if n_minus_one:
            warn_at_caller(
                f"Attribute {name!r}: {n_minus_one} rows hold -1, read as a "
                "missing label (scikit-learn's mark of an unlabelled row) and left out of its "
                "readout and penalty. Mark missing labels NaN instead to silence this; if -1 "
                "is a class, encode the labels as text (e.g. y.astype('string'), which keeps "
                "NaN missing).",
                UserWarning,
            )


def _declared_kind(attribute_types, name, index):
    if attribute_types is None:
        return None
    if isinstance(attribute_types, dict):
        return attribute_types.get(name)
    if isinstance(attribute_types, str):
        return attribute_types
    return list(attribute_types)[index]


def attribute_tensors(attribute, n_bins, fitted=None, scale=None):
    """Readout targets and conditioning strata of one attribute; learns categories/bins.

    Returns the tensors (``labels_<name>`` or ``X_<name>``, ``strata``), the presence mask, the
    fitted state (``categories`` or ``edges``) and, for a continuous attribute, its
    ``(mean, standard deviation)`` (``scale``, learned when None), to reuse on new data.
    """
    name, values, missing = attribute["name"], attribute["values"], attribute["missing"]
    observed = values[~missing]
    if attribute["kind"] == "categorical":
        categories = fitted if fitted is not None else np.unique(observed)
        if fitted is None and len(categories) < 2:
            raise ValueError(
                f"Attribute {name!r} has one class ({categories.tolist()[0]!r}), a single "
                "value: there is nothing for its subspace to encode."
            )
        # Missing entries (None, NaN, -1) get a placeholder label; as objects where the
        # labels are of another kind than the fitted ones (numbers after text), whose
        # placeholder the array could not hold.
        same_kind = values.dtype.kind == np.asarray(categories).dtype.kind
        filled = values.copy() if same_kind else values.astype(object)
        filled[missing] = categories[0]
        labels = encode_labels(filled, categories, name=f"Attribute {name!r}", ignore=missing)
        strata = np.where(missing, -1, labels)
        return {view_labels(name): torch.as_tensor(labels)}, strata, ~missing, categories, None
    values = values.astype(float)
    observed = values[~missing]  # as floats: a boolean column has no quantiles
    if fitted is None:
        if np.unique(observed).size < 2:
            raise ValueError(f"Attribute {name!r} is constant: nothing to encode.")
        fitted = np.unique(np.quantile(observed, np.linspace(0, 1, n_bins + 1)[1:-1]))
    if scale is None:
        with np.errstate(over="ignore"):
            scale = np.array([observed.mean(), observed.std()])
        if not np.isfinite(scale).all():
            raise ValueError(
                f"Continuous attribute {name!r} holds values too large for float64 arithmetic "
                "(its standard deviation overflows); rescale it, e.g. divide it by "
                f"{np.abs(observed).max():.3g}."
            )
    strata = np.where(missing, -1, np.digitize(np.nan_to_num(values), fitted))
    # Standardised, so that the readout's squared error weighs the same in any unit: a monthly
    # income in raw units swamped the other attributes' readouts, which fell to the class
    # frequencies. predict maps the readout back.
    standardized = np.where(missing, 0.0, (values - scale[0]) / scale[1])
    target = as_float_tensor(standardized[:, None], "cpu")
    return {view_values(name): target}, strata, ~missing, fitted, scale


def add_attribute_tensors(tensors, attributes, views, n_bins, fitted_state=None, scales=None):
    """Add every attribute's targets, strata and presence (its view's column of ``present``
    among ``views``) to ``tensors``; return the categories, the bin edges, the continuous
    attributes' ``(mean, standard deviation)`` and each attribute's number of strata.
    ``fitted_state`` (the categories and edges learned before, or declared, by name) and
    ``scales`` encode the attributes with them instead of learning them."""
    categories, edges, n_strata = {}, {}, []
    scales = dict(scales or {})
    for index, attribute in enumerate(attributes):
        name = attribute["name"]
        known = None if fitted_state is None else fitted_state.get(name)
        targets, strata, present, fitted, scale = attribute_tensors(
            attribute, n_bins, known, scales.get(name)
        )
        if scale is not None:
            scales[name] = scale
        tensors.update(targets)
        tensors[attribute_strata(index)] = torch.as_tensor(strata, dtype=torch.long)
        column = present_column(views, attribute["name"])
        tensors[PRESENT][:, column] = torch.as_tensor(present, dtype=torch.float32)
        if attribute["kind"] == "categorical":
            categories[attribute["name"]] = fitted
            n_strata.append(len(fitted))
        else:
            edges[attribute["name"]] = fitted
            n_strata.append(len(fitted) + 1)  # np.digitize: one more bin than edges
    return categories, edges, scales, n_strata


def declared_classes(classes, attributes, *, check_labels=True):
    """The classes that ``partial_fit``'s ``classes`` declares, by attribute name (unique,
    sorted), checked against the first chunk's attributes (their labels too unless
    ``check_labels`` is False: a later chunk's are checked against the fitted classes)."""
    if classes is None:
        return {}
    if not isinstance(classes, dict):
        raise ValueError(
            f"classes must be a dict {{attribute name: its classes}}, got {type(classes)}."
        )
    kinds = {attribute["name"]: attribute["kind"] for attribute in attributes}
    declared = {}
    for name, values in classes.items():
        if str(name) not in kinds:
            raise ValueError(f"classes names {name!r}, not an attribute of y: {list(kinds)}.")
        if kinds[str(name)] != "categorical":
            raise ValueError(
                f"classes names the continuous attribute {name!r}: only a categorical "
                "attribute has classes (declare it with attribute_types)."
            )
        attribute = attributes[list(kinds).index(str(name))]
        observed = attribute["values"][~attribute["missing"]] if check_labels else []
        label = f"classes[{name!r}]"
        values = check_declared_classes(values, observed, name=label)
        if len(values) < 2:
            raise ValueError(f"{label} holds {len(values)} class: a readout needs two.")
        declared[str(name)] = values
    return declared


def _subspace_sizes(sizes, n_attributes):
    if isinstance(sizes, Integral):
        return [int(sizes)] * n_attributes
    if len(sizes) != n_attributes or any(int(s) < 1 for s in sizes):
        raise ValueError(
            f"subspace_sizes needs one positive size per attribute ({n_attributes}), got {sizes!r}."
        )
    return [int(s) for s in sizes]


def subspace_structure(attributes, sizes, n_free, n_features, reconstruct):
    """Views, blocks and masks of the disentangled preset: one block per attribute (``sizes``:
    one size for all or one per attribute), whose readout reads that block only, plus an
    optional ``"free"`` block; every block is inferred from ``X`` and, when ``reconstruct``,
    generates it."""
    names = [attribute["name"] for attribute in attributes]
    # The features' view and the free block have names of their own, which an attribute's would
    # silently share (an attribute "free" merged with the free block).
    reserved = {"x": "the view of X"} | ({"free": "the free block (n_free)"} if n_free else {})
    for name in names:
        if name in reserved:
            raise ValueError(
                f"Attribute name {name!r} is taken by {reserved[name]}: rename that column of y."
            )
    sizes = _subspace_sizes(sizes, len(attributes))
    views = [view_spec("x", range(n_features), decoder=reconstruct)] + [
        view_spec(
            attribute["name"],
            None,
            likelihood="categorical" if attribute["kind"] == "categorical" else "gaussian",
            expert=False,
            n_features=1,
        )
        for attribute in attributes
    ]
    blocks = dict(zip(names, sizes, strict=True)) | ({"free": n_free} if n_free else {})
    view_names = [view["name"] for view in views]
    decoder = pd.DataFrame(False, index=list(blocks), columns=view_names)
    decoder["x"] = reconstruct
    for name in names:
        decoder.loc[name, name] = True  # each readout reads its own subspace only
    encoder = pd.DataFrame(False, index=list(blocks), columns=view_names)
    encoder["x"] = True
    return views, blocks, {"decoder": decoder, "encoder": encoder}
