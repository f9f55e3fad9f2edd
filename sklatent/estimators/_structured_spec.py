"""Parsing and validation of the ``views``, ``latent_blocks`` and mask parameters."""

import numpy as np
import pandas as pd
import torch

from ..utils._torch import as_float_tensor
from ..utils._validation import encode_labels

LIKELIHOODS = ("gaussian", "bernoulli", "categorical")


def _column_indices(columns, n_features, feature_names, view):
    """Indices into X of a view's columns given as indices, names, a slice or one of these."""
    if isinstance(columns, slice):
        indices = list(range(n_features))[columns]
    else:
        items = [columns] if isinstance(columns, (int, np.integer, str)) else list(columns)
        indices = []
        for item in items:
            if isinstance(item, str):
                if feature_names is None or item not in feature_names:
                    raise ValueError(f"View {view!r} names column {item!r}, which X does not have.")
                indices.append(int(np.flatnonzero(feature_names == item)[0]))
            elif isinstance(item, (int, np.integer)) and -n_features <= item < n_features:
                indices.append(int(item) % n_features)
            else:
                raise ValueError(
                    f"View {view!r} names column {item!r}, outside X's {n_features} columns."
                )
    if not indices:
        raise ValueError(f"View {view!r} has no columns.")
    return indices


def parse_views(views, n_features, feature_names):
    """``views`` as a list of ``{"name", "columns", "likelihood"}`` dicts, checked against X."""
    if views is None:
        return [{"name": "X", "columns": list(range(n_features)), "likelihood": "gaussian"}]
    if not isinstance(views, dict) or not views:
        raise ValueError("views must be a non-empty dict: view name -> columns of X.")
    parsed, seen = [], {}
    for name, spec in views.items():
        likelihood = "gaussian"
        if isinstance(spec, dict):
            likelihood = spec.get("likelihood", "gaussian")
            spec = spec.get("columns")
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"View {name!r}: likelihood must be one of {LIKELIHOODS}.")
        columns = _column_indices(spec, n_features, feature_names, name)
        if likelihood == "categorical" and len(columns) != 1:
            raise ValueError(f"Categorical view {name!r} must be one column of labels.")
        for column in columns:
            if column in seen:
                raise ValueError(f"Column {column} belongs to views {seen[column]!r} and {name!r}.")
            seen[column] = name
        parsed.append({"name": str(name), "columns": columns, "likelihood": likelihood})
    return parsed


def parse_blocks(latent_blocks):
    """``latent_blocks`` (block name -> size) as a list of names and a list of sizes."""
    if not isinstance(latent_blocks, dict) or not latent_blocks:
        raise ValueError("latent_blocks must be a non-empty dict: block name -> size.")
    for name, size in latent_blocks.items():
        if not isinstance(size, (int, np.integer)) or size < 1:
            raise ValueError(f"Latent block {name!r} needs a positive integer size, got {size!r}.")
    return [str(name) for name in latent_blocks], [int(s) for s in latent_blocks.values()]


def parse_mask(mask, blocks, views, *, kind):
    """A mask as a (blocks x views) boolean DataFrame; None means every link.

    ``kind="decoder"`` reads a dict as view -> parent blocks, ``kind="encoder"`` as block -> the
    views that inform it; a DataFrame must have the block names as index and view names as
    columns.
    """
    frame = pd.DataFrame(True, index=blocks, columns=views)
    if mask is None:
        return frame
    if isinstance(mask, pd.DataFrame):
        if set(mask.index) != set(blocks) or set(mask.columns) != set(views):
            raise ValueError(
                f"The {kind} mask DataFrame needs index {blocks} (blocks) and columns {views} "
                f"(views), got index {list(mask.index)} and columns {list(mask.columns)}."
            )
        return mask.loc[blocks, views].astype(bool)
    if not isinstance(mask, dict):
        raise ValueError(f"{kind}_mask must be None, 'learn', a dict or a boolean DataFrame.")
    frame[:] = False
    outer, inner = (views, blocks) if kind == "decoder" else (blocks, views)
    outer_kind = "view" if kind == "decoder" else "block"
    for key, linked in mask.items():
        if key not in outer:
            raise ValueError(f"The {kind} mask names an unknown {outer_kind} {key!r}.")
        for other in [linked] if isinstance(linked, str) else linked:
            if other not in inner:
                raise ValueError(f"The {kind} mask links {key!r} to an unknown name {other!r}.")
            block, view = (other, key) if kind == "decoder" else (key, other)
            frame.loc[block, view] = True
    return frame


def one_block_masks(views, block):
    """Masks of a preset with one latent block: it generates every view that has a decoder and
    is informed by every view that has an expert."""
    names = [view["name"] for view in views]
    decoder = [view.get("decoder", True) for view in views]
    encoder = [view.get("expert", True) for view in views]
    return {
        "decoder": pd.DataFrame([decoder], index=[block], columns=names),
        "encoder": pd.DataFrame([encoder], index=[block], columns=names),
    }


def check_structure(decoder, encoder):
    """Every block must generate a view, every view have a parent, every block be informed."""
    idle = [b for b in decoder.index if not decoder.loc[b].any()]
    if idle:
        raise ValueError(f"Latent blocks {idle} generate no view in decoder_mask.")
    orphans = [v for v in decoder.columns if not decoder[v].any()]
    if orphans:
        raise ValueError(f"Views {orphans} have no parent block in decoder_mask.")
    blind = [b for b in encoder.index if not encoder.loc[b].any()]
    if blind:
        raise ValueError(f"Latent blocks {blind} are informed by no view in encoder_mask.")


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
        name, block = view["name"], X[:, view["columns"]]
        row_missing = np.isnan(block).any(axis=1)
        present.append(~row_missing)
        if view["likelihood"] == "categorical":
            values = block[:, 0]
            if fitting:
                categories[name] = np.unique(values[~row_missing])
            labels = encode_labels(
                values, categories[name], name=f"View {name!r}", ignore=row_missing
            )
            tensors[f"labels_{name}"] = torch.as_tensor(labels)
            continue
        if view["likelihood"] == "bernoulli" and (
            np.nanmin(block, initial=0) < 0 or np.nanmax(block, initial=1) > 1
        ):
            raise ValueError(f"Bernoulli view {name!r} needs values in [0, 1].")
        tensors[f"X_{name}"] = as_float_tensor(np.nan_to_num(block), "cpu")
    present = np.column_stack(present)
    if not present[:, [view["columns"] is not None for view in views]].any(axis=1).all():
        row = np.flatnonzero(~present.any(axis=1))[0]
        raise ValueError(f"Row {row} has every view missing (all NaN): nothing to encode.")
    tensors["present"] = torch.as_tensor(present, dtype=torch.float32)
    return tensors
