"""Tensors of a parsed model's views: values, presence, labels and conditions, and back."""

import numpy as np
import torch

from .._batch import PRESENT, condition_values, view_labels, view_values
from ..utils._labels import encode_labels
from ..utils._torch import as_float_tensor
from ..utils._warnings import warn_at_caller


def _columns(X, columns):
    """The columns of ``X`` at ``columns``: a view when they are a run of adjacent columns (no
    copy of a chunk that may be most of memory), else a copy."""
    columns = np.asarray(columns)
    if len(columns) and np.array_equal(columns, np.arange(columns[0], columns[0] + len(columns))):
        return X[:, columns[0] : columns[0] + len(columns)]
    return X[:, columns]


def view_tensors(views, categories, X, *, fitting):
    """Per-view tensors (missing entries filled), presence flags and categorical labels.

    A view's expert reads all of its columns: with any of them NaN, the view is missing in that
    row and drops out of the posterior and the reconstruction. ``categories`` (view name -> the
    sorted labels seen in fit) is filled in when ``fitting``.
    """
    tensors, present = {}, []
    for view in views:
        if view["columns"] is None:
            # A variable passed to fit besides X (a label): the estimator fills it in.
            present.append(np.zeros(len(X), dtype=bool))
            continue
        name, block = view["name"], _columns(X, view["columns"])
        row_missing = np.isnan(block).any(axis=1)
        present.append(~row_missing)
        if fitting and row_missing.all():
            unobserved = f"View {name!r} has no observed value in these rows (NaN in every one)"
            if view["likelihood"] == "categorical":
                raise ValueError(
                    f"{unobserved}: its categories cannot be learned. Drop the view, or fit on "
                    "rows that observe it."
                )
            warn_at_caller(
                f"{unobserved}: its encoder and decoder do not train on them. Drop the view, "
                "or fit on rows that observe it (later partial_fit chunks that observe it "
                "train it).",
                UserWarning,
            )
        if view["likelihood"] == "categorical":
            values = block[:, 0]
            if fitting:
                categories[name] = np.unique(values[~row_missing])
            labels = encode_labels(
                values, categories[name], name=f"View {name!r}", ignore=row_missing
            )
            tensors[view_labels(name)] = torch.as_tensor(labels)
            continue
        if view["likelihood"] == "bernoulli" and (
            np.nanmin(block, initial=0) < 0 or np.nanmax(block, initial=1) > 1
        ):
            raise ValueError(f"Bernoulli view {name!r} needs values in [0, 1].")
        if row_missing.any():
            block = np.nan_to_num(block)
        tensors[view_values(name)] = as_float_tensor(block, "cpu")
    present = np.column_stack(present)
    # Only views with an expert inform the code (a view given besides X has no columns).
    informative = [view["columns"] is not None and view["expert"] for view in views]
    observed = present[:, informative].any(axis=1)
    if not observed.all():
        row = np.flatnonzero(~observed)[0]
        lone = (
            " With one view (as without views), impute missing values first (e.g. "
            "sklearn.impute.SimpleImputer), or group the columns into views so that a NaN "
            "hides only its own."
            if sum(informative) == 1
            else ""
        )
        raise ValueError(
            f"Row {row} has a NaN in every view that informs the code: a view with a NaN in a "
            f"row is missing there, so nothing is left to encode.{lone}"
        )
    tensors[PRESENT] = torch.as_tensor(present, dtype=torch.float32)
    return tensors


def condition_widths(views, categories):
    """Width of each view that conditions a decoder: its columns, or its number of labels."""
    used = {name for view in views for name in view["conditions"]}
    return {
        view["name"]: (
            len(categories[view["name"]])
            if view["likelihood"] == "categorical"
            else len(view["columns"])
        )
        for view in views
        if view["name"] in used and view["columns"] is not None
    }


def condition_tensors(views, categories, X):
    """The observed values of the views that condition decoders, and where each is missing.

    Returns ``({"condition_<name>": tensor}, {name: missing rows})``: a Gaussian or Bernoulli
    view is its columns (missing rows filled with 0), a categorical view its one-hot labels.
    """
    widths = condition_widths(views, categories)
    tensors, missing = {}, {}
    for view in views:
        name = view["name"]
        if name not in widths:
            continue
        block = X[:, view["columns"]]
        rows = np.isnan(block).any(axis=1)
        if view["likelihood"] == "categorical":
            labels = encode_labels(
                block[:, 0], categories[name], name=f"View {name!r}", ignore=rows
            )
            value = torch.nn.functional.one_hot(torch.as_tensor(labels), widths[name]).float()
        else:
            value = as_float_tensor(np.nan_to_num(block), "cpu")
        tensors[condition_values(name)], missing[name] = value, rows
    return tensors, missing


def check_conditions_observed(views, present, missing):
    """In fit, a view's conditions must be observed in every row where the view is."""
    for index, view in enumerate(views):
        for condition in view["conditions"]:
            if condition not in missing:
                continue  # a preset's own conditioning variable, always given
            rows = np.flatnonzero(np.asarray(present[:, index], dtype=bool) & missing[condition])
            if len(rows):
                raise ValueError(
                    f"View {view['name']!r} is conditioned on view {condition!r}, which is "
                    f"missing (NaN) in row {rows[0]} where {view['name']!r} is observed "
                    f"({len(rows)} such rows). Drop those rows, or set {view['name']!r} to NaN "
                    "there as well."
                )


def decoder_means(views, categories, params, missing, dtype):
    """Each decoded view's decoder means (most likely labels for a categorical view) as arrays,
    NaN in rows where a condition of the view is missing or was not given."""
    decoded = {}
    for view in views:
        # A readout of labels (an attribute, text or numbers) has no columns in X: predict
        # reads it, and decoding it here failed on text labels.
        if view["name"] not in params or view["columns"] is None:
            continue
        p = params[view["name"]]
        if "class_logits" in p:
            labels = p["class_logits"].argmax(dim=1).cpu().numpy()
            values = categories[view["name"]][labels][:, None].astype(dtype)
        else:
            mean = torch.sigmoid(p["logits"]) if "logits" in p else p["mean"]
            values = mean.cpu().numpy().astype(dtype)
        for condition in view["conditions"]:
            values[missing.get(condition, np.ones(len(values), dtype=bool))] = np.nan
        decoded[view["name"]] = values
    return decoded
