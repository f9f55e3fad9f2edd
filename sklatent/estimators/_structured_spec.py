"""Parsing and validation of the ``views``, ``latent_blocks`` and mask parameters."""

import numpy as np
import pandas as pd
import torch

from .._batch import PRESENT, condition_values, view_labels, view_values
from ..utils._torch import as_float_tensor
from ..utils._validation import encode_labels

LIKELIHOODS = ("gaussian", "bernoulli", "categorical")


def view_spec(
    name,
    columns,
    *,
    likelihood="gaussian",
    conditions=(),
    expert=True,
    decoder=True,
    n_features=None,
    decoder_hidden_layer_sizes=None,
):
    """One view of the model as ``views_`` holds it, every field set: the one constructor.

    Parameters
    ----------
    name : str
        The view's name.
    columns : list of int or None
        Its columns of X; None for a view given beside X (a label, an attribute).
    likelihood : {"gaussian", "bernoulli", "categorical"}, default="gaussian"
        Its decoder's likelihood.
    conditions : sequence of str, default=()
        The variables whose values its decoder reads beside the code.
    expert : bool, default=True
        Whether it informs the posterior.
    decoder : bool, default=True
        Whether it is generated and reconstructed.
    n_features : int, default=None
        Its width: ``len(columns)`` when None (required for a view given beside X).
    decoder_hidden_layer_sizes : tuple of int, default=None
        Its decoder's hidden layers; None: the model's ``hidden_layer_sizes``, () a decoder
        linear in the code.

    Returns
    -------
    view : dict
        Every parameter, by name.

    Examples
    --------
    >>> view_spec("y", None, likelihood="categorical", expert=False, n_features=1)["decoder"]
    True
    """
    return {
        "name": str(name),
        "columns": None if columns is None else [int(c) for c in columns],
        "likelihood": likelihood,
        "conditions": [str(c) for c in conditions],
        "expert": bool(expert),
        "decoder": bool(decoder),
        "n_features": len(columns) if n_features is None else int(n_features),
        "decoder_hidden_layer_sizes": (
            None if decoder_hidden_layer_sizes is None else list(decoder_hidden_layer_sizes)
        ),
    }


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


_VIEW_KEYS = ("columns", "likelihood", "conditions", "expert", "decoder")


def _view_entry(name, spec):
    """The columns, likelihood and role options of one entry of ``views``."""
    if not isinstance(spec, dict):
        return spec, "gaussian", {"conditions": [], "expert": True, "decoder": True}
    unknown = [key for key in spec if key not in _VIEW_KEYS]
    if unknown:
        raise ValueError(
            f"View {name!r} has unknown keys {unknown}; a view dict takes {list(_VIEW_KEYS)}."
        )
    if "columns" not in spec:
        raise ValueError(f"View {name!r} needs its 'columns'.")
    conditions = spec.get("conditions", [])
    conditions = [conditions] if isinstance(conditions, str) else list(conditions)
    options = {
        "conditions": [str(c) for c in conditions],
        "expert": spec.get("expert", True),
        "decoder": spec.get("decoder", True),
    }
    for key in ("expert", "decoder"):
        if not isinstance(options[key], (bool, np.bool_)):
            raise ValueError(f"View {name!r}: {key!r} must be True or False, not {options[key]!r}.")
        options[key] = bool(options[key])
    if options["conditions"] and not options["decoder"]:
        raise ValueError(
            f"View {name!r} has conditions but no decoder (decoder=False): conditions are "
            "inputs of a view's decoder."
        )
    return spec["columns"], spec.get("likelihood", "gaussian"), options


def _check_conditions(parsed):
    """Conditions name other views, once each; every view informs or is generated or conditions."""
    names = [view["name"] for view in parsed]
    used = set()
    for view in parsed:
        conditions = view["conditions"]
        if len(set(conditions)) != len(conditions):
            raise ValueError(f"View {view['name']!r} names a condition twice: {conditions}.")
        for condition in conditions:
            if condition == view["name"]:
                raise ValueError(f"View {view['name']!r} is conditioned on itself.")
            if condition not in names:
                raise ValueError(
                    f"View {view['name']!r} is conditioned on {condition!r}, which is not a "
                    f"view; the views are {names}."
                )
        used.update(conditions)
    for view in parsed:
        if not (view["expert"] or view["decoder"] or view["name"] in used):
            raise ValueError(
                f"View {view['name']!r} has neither an expert nor a decoder (expert=False, "
                "decoder=False) and conditions no view: it takes no part in the model."
            )


def parse_views(views, n_features, feature_names):
    """``views`` as a list of :func:`view_spec` dicts, checked against X."""
    if views is None:
        return [view_spec("X", range(n_features))]
    if not isinstance(views, dict) or not views:
        raise ValueError("views must be a non-empty dict: view name -> columns of X.")
    parsed, seen = [], {}
    for name, spec in views.items():
        spec, likelihood, options = _view_entry(name, spec)
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"View {name!r}: likelihood must be one of {LIKELIHOODS}.")
        columns = _column_indices(spec, n_features, feature_names, name)
        if likelihood == "categorical" and len(columns) != 1:
            raise ValueError(f"Categorical view {name!r} must be one column of labels.")
        for column in columns:
            if column in seen:
                raise ValueError(f"Column {column} belongs to views {seen[column]!r} and {name!r}.")
            seen[column] = name
        parsed.append(view_spec(name, columns, likelihood=likelihood, **options))
    _check_conditions(parsed)
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
    decoder = [view["decoder"] for view in views]
    encoder = [view["expert"] for view in views]
    return {
        "decoder": pd.DataFrame([decoder], index=[block], columns=names),
        "encoder": pd.DataFrame([encoder], index=[block], columns=names),
    }


def apply_view_roles(mask, views, *, kind, given):
    """Clear the links of views without a decoder (``kind="decoder"``) or without an expert
    (``kind="encoder"``); a mask the user ``given`` explicitly must not hold such links."""
    role = "decoder" if kind == "decoder" else "expert"
    for view in views:
        if view[role]:
            continue
        linked = list(mask.index[mask[view["name"]].to_numpy(dtype=bool)])
        if given and linked:
            relation = "gives it parent blocks" if kind == "decoder" else "lets it inform blocks"
            raise ValueError(
                f"View {view['name']!r} has no {role} ({role}=False), but {kind}_mask "
                f"{relation} {linked}."
            )
        mask[view["name"]] = False
    return mask


def views_without_parent(decoder, views=None):
    """Views with a decoder (all columns when ``views`` is None) that no block generates."""
    decoded = [v["name"] for v in views if v["decoder"]] if views else decoder.columns
    return [v for v in decoded if not decoder[v].any()]


def check_structure(decoder, encoder, views=None):
    """Every block must generate a view and be informed by one; every decoded view needs one."""
    idle = [b for b in decoder.index if not decoder.loc[b].any()]
    if idle:
        raise ValueError(f"Latent blocks {idle} generate no view in decoder_mask.")
    orphans = views_without_parent(decoder, views)
    if orphans:
        raise ValueError(f"Views {orphans} have no parent block in decoder_mask.")
    blind = [b for b in encoder.index if not encoder.loc[b].any()]
    if blind:
        raise ValueError(f"Latent blocks {blind} are informed by no view in encoder_mask.")


def parse_masks(decoder_mask, encoder_mask, blocks, views):
    """Both masks as (blocks x views) boolean DataFrames, checked against the views' roles and
    the structure; a learned mask (``"learn"``) starts from every allowed link."""
    names = [view["name"] for view in views]
    masks = {}
    for kind, mask in (("decoder", decoder_mask), ("encoder", encoder_mask)):
        given = not isinstance(mask, str) and mask is not None
        parsed = parse_mask(mask if given else None, blocks, names, kind=kind)
        masks[kind] = apply_view_roles(parsed, views, kind=kind, given=given)
    check_structure(masks["decoder"], masks["encoder"], views)
    return masks


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
        raise ValueError(
            f"Row {row} has every view missing (all NaN) among the views that inform the "
            "code: nothing to encode."
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
    """Each decoded view's decoder means (most likely labels for a categorical view) as arrays;
    NaN in rows where a condition of the view is missing or was not given."""
    decoded = {}
    for view in views:
        if view["name"] not in params:
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
