"""Parsing and validation of the ``views``, ``latent_blocks`` and mask parameters."""

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..utils._labels import one_or_many, repeated

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


def column_indices(columns, n_features, feature_names, subject):
    """Indices into X of columns given as indices, names, a slice or one of these; ``subject``
    (``"View 'a'"``, ``"sensitive_feature_ids"``) names them in the errors."""
    if isinstance(columns, (bool, np.bool_)):
        raise ValueError(f"{subject} names columns by {columns!r}: use names or positions.")
    if columns is None or not isinstance(columns, (slice, int, np.integer, str, Iterable)):
        raise ValueError(f"{subject} names its columns by {columns!r}: use names or positions.")
    if isinstance(columns, slice):
        indices = list(range(n_features))[columns]
    else:
        items = one_or_many(columns)
        indices = []
        for item in items:
            if isinstance(item, (bool, np.bool_)):  # an int to Python: True would read column 1
                raise ValueError(
                    f"{subject} names column {item!r}: columns are named by name or position, "
                    "not by booleans."
                )
            if isinstance(item, str):
                if feature_names is None:
                    raise ValueError(
                        f"{subject} names column {item!r}, but X has no column names of "
                        "text: pass a DataFrame (a ColumnTransformer keeps its input names with "
                        "set_output(transform='pandas') and verbose_feature_names_out=False), or "
                        "give the columns as indices."
                    )
                if item not in feature_names:
                    raise ValueError(
                        f"{subject} names column {item!r}, which X does not have (its "
                        f"columns: {', '.join(map(str, feature_names[:8]))}"
                        f"{', ...' if len(feature_names) > 8 else ''})."
                    )
                indices.append(int(np.flatnonzero(feature_names == item)[0]))
            elif isinstance(item, (int, np.integer)) and -n_features <= item < n_features:
                indices.append(int(item) % n_features)
            elif not isinstance(item, (int, np.integer)):
                raise ValueError(
                    f"{subject} names column {item!r}: columns are named by name or integer "
                    "position."
                )
            else:
                raise ValueError(
                    f"{subject} names column {item!r}, outside X's {n_features} columns."
                )
    if not indices:
        raise ValueError(f"{subject} has no columns.")
    return indices


_VIEW_KEYS = ("columns", "likelihood", "conditions", "expert", "decoder")


def _view_entry(name, spec, keys):
    """The columns, likelihood and role options of one entry of ``views``; ``keys``: those a
    view dict may hold (MultiViewEncoder's views take no roles or conditions)."""
    if not isinstance(spec, dict):
        return spec, "gaussian", {"conditions": [], "expert": True, "decoder": True}
    unknown = [key for key in spec if key not in keys]
    if unknown:
        more = "" if keys == _VIEW_KEYS else f" (StructuredVAE's views take {list(_VIEW_KEYS)})"
        raise ValueError(
            f"View {name!r} has unknown keys {unknown}; a view dict takes {list(keys)}{more}."
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


def parse_views(views, n_features, feature_names, keys=None):
    """``views`` as a list of :func:`view_spec` dicts, checked against X; ``keys``: those a view
    dict may hold (None: every key of :data:`_VIEW_KEYS`)."""
    keys = _VIEW_KEYS if keys is None else tuple(keys)
    if views is None:
        return [view_spec("X", range(n_features))]
    if not isinstance(views, dict) or not views:
        raise ValueError("views must be a non-empty dict: view name -> columns of X.")
    _check_distinct_names(views, "views")
    parsed, seen = [], {}
    for name, spec in views.items():
        spec, likelihood, options = _view_entry(name, spec, keys)
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"View {name!r}: likelihood must be one of {LIKELIHOODS}.")
        columns = column_indices(spec, n_features, feature_names, f"View {name!r}")
        if likelihood == "categorical" and len(columns) != 1:
            raise ValueError(f"Categorical view {name!r} must be one column of labels.")
        for column in columns:
            if column in seen:
                raise ValueError(f"Column {column} belongs to views {seen[column]!r} and {name!r}.")
            seen[column] = name
        parsed.append(view_spec(name, columns, likelihood=likelihood, **options))
    _check_conditions(parsed)
    return parsed


def _check_distinct_names(spec, argument):
    """Names are used as text (the masks' rows and columns, the codes' column names): keys that
    differ only in type, such as 1 and "1", would name one view or block twice."""
    twice = repeated(str(key) for key in spec)
    if twice:
        raise ValueError(
            f"{argument} has keys that are the same name as text: {twice} (such as 1 and "
            "'1'); give each a distinct name."
        )


def parse_blocks(latent_blocks):
    """``latent_blocks`` (block name -> size) as a list of names and a list of sizes."""
    if not isinstance(latent_blocks, dict) or not latent_blocks:
        raise ValueError("latent_blocks must be a non-empty dict: block name -> size.")
    _check_distinct_names(latent_blocks, "latent_blocks")
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
        # Names are text (a view or block keyed 0 is "0"), as in views_ and structure_.
        mask = mask.rename(index=str, columns=str)
        if set(mask.index) != set(blocks) or set(mask.columns) != set(views):
            raise ValueError(
                f"The {kind} mask DataFrame needs index {blocks} (blocks) and columns {views} "
                f"(views), got index {list(mask.index)} and columns {list(mask.columns)}."
            )
        mask = mask.loc[blocks, views]
        values = mask.to_numpy()
        if values.dtype != bool and not np.isin(values, [0, 1]).all():
            raise ValueError(
                f"The {kind} mask DataFrame must hold True/False (or 1/0), got values such as "
                f"{values[~np.isin(values, [0, 1])][0]}; threshold scores (such as "
                "structure_scores_) yourself."
            )
        return mask.astype(bool)
    if not isinstance(mask, dict):
        raise ValueError(f"{kind}_mask must be None, 'learn', a dict or a boolean DataFrame.")
    frame[:] = False
    outer, inner = (views, blocks) if kind == "decoder" else (blocks, views)
    outer_kind = "view" if kind == "decoder" else "block"
    for key, linked in mask.items():
        if str(key) not in outer:
            raise ValueError(f"The {kind} mask names an unknown {outer_kind} {key!r}.")
        for other in one_or_many(linked):
            if str(other) not in inner:
                raise ValueError(f"The {kind} mask links {key!r} to an unknown name {other!r}.")
            block, view = (str(other), str(key)) if kind == "decoder" else (str(key), str(other))
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


def informing_views(views, encoder_mask):
    """Whether two views or more of the ``views`` parameter can inform the code (experts that a
    dict ``encoder_mask`` names, or every expert), read from the parameters alone (for tags)."""
    if not isinstance(views, dict):
        return False
    experts = {
        name
        for name, spec in views.items()
        if not (isinstance(spec, dict) and not spec.get("expert", True))
    }
    if isinstance(encoder_mask, dict):
        named = {view for parents in encoder_mask.values() for view in np.atleast_1d(parents)}
        experts &= {str(view) for view in named}
    return len(experts) > 1
