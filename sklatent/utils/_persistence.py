"""Saving and loading fitted estimators in a format that never runs code when read.

A model is a folder with two files: ``model.json`` (the estimator's class, its parameters, its
fitted attributes and training history, and the SHA-256 of the weights) and ``weights.pt`` (the
modules' state dicts, read back with ``torch.load(weights_only=True)``, which only rebuilds tensors
and plain containers). Pickle, by contrast, can execute arbitrary code from a file.
"""

import hashlib
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..exceptions import ModelFileError
from ._sklearn_compat import check_is_fitted

FORMAT_VERSION = 1
_META = "model.json"
_WEIGHTS = "weights.pt"


def _estimator_classes():
    from .. import estimators

    return {name: getattr(estimators, name) for name in estimators.__all__}


def _encode(value):
    """JSON form of a parameter or fitted attribute; raises TypeError for anything else."""
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, list)):
        return (
            {"__tuple__": [_encode(v) for v in value]}
            if isinstance(value, tuple)
            else [_encode(v) for v in value]
        )
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {"__dict__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, pd.DataFrame):
        return {
            "__frame__": _encode(value.to_numpy()),
            "index": _encode(list(value.index)),
            "columns": _encode(list(value.columns)),
        }
    if isinstance(value, torch.device):
        return str(value)
    raise TypeError(type(value).__name__)


def _decode(value):
    if isinstance(value, dict) and "__ndarray__" in value:
        return np.asarray(value["__ndarray__"], dtype=value["dtype"])
    if isinstance(value, dict) and "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if isinstance(value, dict) and "__dict__" in value:
        return {_decode(k): _decode(v) for k, v in value["__dict__"]}
    if isinstance(value, dict) and "__frame__" in value:
        return pd.DataFrame(
            _decode(value["__frame__"]),
            index=_decode(value["index"]),
            columns=_decode(value["columns"]),
        )
    if isinstance(value, dict):
        return {key: _decode(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save(estimator, path):
    """Save a fitted sklatent estimator to the folder ``path``.

    Parameters
    ----------
    estimator : sklatent estimator
        A fitted estimator of this package.
    path : str or path-like
        Folder to write (created if needed); ``model.json`` and ``weights.pt`` go inside.

    Notes
    -----
    Parameters that are not plain values (callbacks, a ``RandomState`` instance) are not saved:
    they are reset to None with a warning. The model loads on the CPU when saved from a GPU.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> import sklatent
    >>> X = np.random.RandomState(0).normal(size=(50, 4))
    >>> vae = sklatent.BetaVAE(n_components=2, max_epochs=2, random_state=0).fit(X)
    >>> folder = tempfile.mkdtemp()
    >>> sklatent.save(vae, folder)
    >>> np.allclose(sklatent.load(folder).transform(X), vae.transform(X))
    True
    """
    if type(estimator).__name__ not in _estimator_classes():
        raise TypeError(f"save expects a sklatent estimator, got {type(estimator).__name__}.")
    check_is_fitted(estimator, "net_")
    params, skipped = {}, []
    for name, value in estimator.get_params(deep=False).items():
        try:
            params[name] = _encode(value)
        except TypeError:
            params[name] = None
            skipped.append(name)
    if skipped:
        warnings.warn(
            f"Parameters {skipped} are not plain values and are saved as None.",
            UserWarning,
            stacklevel=2,
        )
    net = estimator.net_
    # Fitted attributes, and the private state the estimator needs to rebuild its module.
    fitted = {
        name: _encode(value)
        for name, value in vars(estimator).items()
        if (name.endswith("_") and not name.startswith("_") and name != "net_")
        or name in estimator._persisted_state
    }
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    weights = {
        name: {key: value.cpu() for key, value in module.state_dict().items()}
        for name, module in net.torch_modules().items()
    }
    torch.save(weights, folder / _WEIGHTS)
    meta = {
        "format": "sklatent",
        "format_version": FORMAT_VERSION,
        "estimator": type(estimator).__name__,
        "params": params,
        "fitted": fitted,
        "history": net.history.to_list(),
        "weights_sha256": _sha256(folder / _WEIGHTS),
    }
    (folder / _META).write_text(json.dumps(meta, indent=1))


def load(path):
    """Load an estimator saved by :func:`save`.

    Only tensors and plain values are read: a file cannot run code when loaded. The weights must
    match the checksum recorded at saving time.

    Parameters
    ----------
    path : str or path-like
        The folder given to :func:`save`.

    Returns
    -------
    estimator : sklatent estimator
        The fitted estimator, ready to ``transform``.

    Raises
    ------
    sklatent.ModelFileError
        If the folder does not hold a sklatent model, its weights were altered, or it names an
        estimator this version does not know.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from sklatent import BetaVAE, load, save
    >>> X = np.random.RandomState(0).normal(size=(50, 4))
    >>> vae = BetaVAE(n_components=2, max_epochs=2, random_state=0).fit(X)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     save(vae, folder)
    ...     loaded = load(folder)
    >>> type(loaded).__name__, np.allclose(loaded.transform(X), vae.transform(X))
    ('BetaVAE', True)
    """
    folder = Path(path)
    try:
        meta = json.loads((folder / _META).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{folder} holds no readable sklatent {_META}: {exc}") from exc
    if not isinstance(meta, dict) or meta.get("format") != "sklatent":
        raise ModelFileError(f"{folder / _META} is not a sklatent model file.")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{folder} was saved in format version {meta.get('format_version')!r}; this version of "
            f"sklatent reads version {FORMAT_VERSION}."
        )
    classes = _estimator_classes()
    if meta.get("estimator") not in classes:
        raise ModelFileError(f"{folder} holds an unknown estimator {meta.get('estimator')!r}.")
    weights_path = folder / _WEIGHTS
    if not weights_path.is_file() or _sha256(weights_path) != meta.get("weights_sha256"):
        raise ModelFileError(
            f"{weights_path} is missing or does not match the checksum in {_META}: the weights "
            "were altered or belong to another model."
        )
    try:
        state_dicts = torch.load(weights_path, map_location="cpu", weights_only=True)
        estimator = classes[meta["estimator"]](**_decode(meta["params"]))
        for name, value in meta["fitted"].items():
            setattr(estimator, name, _decode(value))
        estimator._restore_net(state_dicts)
        estimator.net_.history = estimator.net_.history.__class__(meta["history"])
    except (RuntimeError, KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{folder} could not be loaded as a sklatent model: {exc}") from exc
    return estimator
