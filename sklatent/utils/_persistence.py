"""Saving and loading fitted estimators in a format that never runs code when read.

A model is a folder with two files:

- ``model.json``: the estimator's class, its parameters, its fitted attributes, its per-epoch
  training history, and one SHA-256 checksum over all of that and the weights' bytes;
- ``weights.safetensors``: the modules' tensors in the safetensors format, a JSON header and raw
  numbers, which has no way to express code (pickle, and so ``torch.load``, reads a program).

``load`` reads each file once, checks the checksum over those bytes, sets only the attributes
the estimator declares (see :mod:`._persistence_schema`) after checking their values, and checks
that every weight loaded as saved; any failure is a :class:`~sklatent.ModelFileError`. The
checksum catches corrupted and edited files; it cannot stop someone who recomputes it, which is
why the values are checked as well.
"""

import hashlib
import hmac
import json
import os
import warnings
from pathlib import Path

import numpy as np
import torch

from ..exceptions import ModelFileError
from ._persistence_values import (
    _check_fitted,
    _check_params,
    _fitted_to_save,
    _params_to_save,
)
from ._sklearn_compat import check_is_fitted

FORMAT_VERSION = 2
_META = "model.json"
_WEIGHTS = "weights.safetensors"


def _estimator_classes():
    from .. import estimators

    return {name: getattr(estimators, name) for name in estimators.__all__}


def _checksum(meta, weights):
    """SHA-256 over ``model.json`` without its checksum field, then the weights file's bytes.

    The JSON is hashed in a canonical form (sorted keys, no spaces), so the digest does not
    depend on how it was indented; the estimator's class is one of the fields it covers.
    """
    body = {key: value for key, value in meta.items() if key != "sha256"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(canonical + b"\0" + weights).hexdigest()


def save(estimator, path):
    """Save a fitted sklatent estimator to the folder ``path``.

    Parameters
    ----------
    estimator : sklatent estimator
        A fitted estimator of this package.
    path : str or path-like
        Folder to write (created if needed); ``model.json`` and ``weights.safetensors`` go
        inside.

    Raises
    ------
    TypeError
        If ``estimator`` is not a sklatent estimator, a parameter it needs to encode holds
        Python code (a ``mechanism`` function: use joblib or pickle for such a model), or its
        history holds a value other than numbers, text and lists (a callback's record).
    ValueError
        If the parameters no longer describe the fitted network (changed with ``set_params``
        after fit), so that the saved model could not be loaded.

    Notes
    -----
    Parameters only training uses and that are not plain values (callbacks, a ``RandomState``
    instance, an accelerator) are reset to None with a warning. The weights are saved as CPU
    tensors: a model fitted on a GPU loads on a machine without one (see :func:`load`). The
    history keeps one row per epoch; the per-batch rows are not saved, nor is the optimiser's
    state: a loaded model continued with ``partial_fit`` starts a fresh optimiser (pickle or
    joblib keep it, to resume a stream exactly). The output container chosen with
    ``set_output`` is kept.

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
    from safetensors.torch import save as safetensors_bytes

    if type(estimator).__name__ not in _estimator_classes():
        raise TypeError(f"save expects a sklatent estimator, got {type(estimator).__name__}.")
    check_is_fitted(estimator, "net_")
    name = type(estimator).__name__
    params = _params_to_save(estimator)
    _check_params_rebuild_the_net(estimator, params)
    fitted = _fitted_to_save(estimator)
    net = estimator.net_
    # Contiguous copies: safetensors refuses views and tensors that share memory (tied weights).
    tensors = {
        f"{module_name}.{key}": value.detach().cpu().clone(memory_format=torch.contiguous_format)
        for module_name, module in net.torch_modules().items()
        for key, value in module.state_dict().items()
    }
    weights = safetensors_bytes(tensors, metadata={"format": "sklatent", "estimator": name})
    meta = {
        "format": "sklatent",
        "format_version": FORMAT_VERSION,
        "estimator": name,
        "params": params,
        "fitted": fitted,
        # Per epoch only: the per-batch rows grow with the data and serve no loaded model.
        "history": [
            {key: _history_value(key, value) for key, value in row.items() if key != "batches"}
            for row in net.history.to_list()
        ],
    }
    # The container set with set_output (scikit-learn keeps it outside the parameters).
    output = getattr(estimator, "_sklearn_output_config", {}).get("transform")
    if output is not None:
        meta["transform_output"] = output
    meta["sha256"] = _checksum(meta, weights)
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(f"{folder} is a file: save writes a folder; give a folder's path.")
    folder.mkdir(parents=True, exist_ok=True)
    # Each file is written whole beside its final name, then renamed over it: a write that
    # fails (a full disk) leaves a model saved there before as it was.
    written = {_WEIGHTS: weights, _META: json.dumps(meta, indent=1).encode()}
    partial = {name: folder / f".{name}.partial" for name in written}
    try:
        for name, content in written.items():
            partial[name].write_bytes(content)
        for name in written:
            os.replace(partial[name], folder / name)
    finally:
        for file in partial.values():
            file.unlink(missing_ok=True)


def _check_params_rebuild_the_net(estimator, params):
    """Refuse to save a model that :func:`load` could not rebuild from the saved parameters:
    one whose network parameters were changed with ``set_params`` after fit."""
    from ..estimators._fit_guard import NETWORK_MISMATCH, changed_network_error

    probe = type(estimator)(**{**_check_params(type(estimator), params), "device": "cpu"})
    probe.__dict__.update(  # what load sets: the declared fitted attributes
        (name, value)
        for name, value in vars(estimator).items()
        if name != "net_"
        and ((name.endswith("_") and not name.startswith("_")) or name in probe._persisted_state)
    )
    fitted = estimator.net_.torch_modules()
    try:
        probe._restore_net({name: module.state_dict() for name, module in fitted.items()})
        # Same shapes, other layers (a changed activation): load would give other codes.
        for name, module in probe.net_.torch_modules().items():
            if repr(module) != repr(fitted[name]):
                raise RuntimeError(f"the {name}'s layers differ from the fitted ones")
    except NETWORK_MISMATCH as exc:
        raise changed_network_error(
            estimator,
            exc,
            "so the saved model could not be loaded: set them back, or fit again, before saving",
        ) from exc


def _history_value(key, value):
    """A value of the history as JSON: numpy and torch numbers and arrays as Python numbers and
    lists, at any depth (a callback may record them); anything else JSON cannot hold is a
    TypeError naming the key."""

    def plain(item):
        if isinstance(item, (np.generic, np.ndarray, torch.Tensor)):
            return item.tolist()  # a number, or nested lists of the same shape
        raise TypeError(f"a {type(item).__name__}")

    try:
        return json.loads(json.dumps(value, default=plain))
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"The history's {key!r} holds a value save cannot write as JSON ({error}): record "
            "numbers, text, or lists or arrays of them."
        ) from None


def _device_available(device):
    """Whether tensors can be placed on ``device`` on this machine."""
    from ._torch import resolve_device

    try:
        torch.empty(0, device=resolve_device(device))
    except Exception:  # no such device here: torch raises RuntimeError or AssertionError
        return False
    return True


def _loading_device(saved, requested, folder):
    """The ``device`` parameter of the loaded model: ``requested``, else the saved one if this
    machine has it, else the CPU with a warning."""
    if requested is not None:
        return requested
    if not (isinstance(saved, str) and saved == "auto"):
        torch.device(saved)  # not a device name at all: a problem of the file, not the machine
    if _device_available(saved):
        return saved
    warnings.warn(
        f"{folder} was saved with device={saved!r}, which this machine lacks: the model is "
        "loaded on the CPU (device='cpu'). Pass device= to sklatent.load to choose.",
        UserWarning,
        stacklevel=3,
    )
    return "cpu"


def _read(folder, name):
    try:
        return (folder / name).read_bytes()
    except OSError as exc:
        raise ModelFileError(
            f"{folder} is not a sklatent model folder: it holds no readable {name} ({exc})."
        ) from exc


def _read_meta(folder):
    data = _read(folder, _META)
    try:
        meta = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{folder / _META} is not JSON: {exc}") from exc
    if not isinstance(meta, dict) or meta.get("format") != "sklatent":
        raise ModelFileError(f"{folder / _META} is not a sklatent model file.")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{folder} was saved in format version {meta.get('format_version')!r}; this version of "
            f"sklatent reads version {FORMAT_VERSION}: load and save it again with the version "
            "that wrote it, or fit the model again."
        )
    if meta.get("estimator") not in _estimator_classes():
        raise ModelFileError(f"{folder} holds an unknown estimator {meta.get('estimator')!r}.")
    return meta


def _weights_metadata(weights):
    """The ``__metadata__`` of a safetensors header (8-byte length, then JSON)."""
    size = int.from_bytes(weights[:8], "little")
    if len(weights) < 8 or size > len(weights) - 8:
        raise ValueError("the weights file is not in the safetensors format")
    return json.loads(weights[8 : 8 + size]).get("__metadata__") or {}


def _check_weights(estimator, tensors):
    """Every module's tensors are in the file, with the saved names, shapes and dtypes."""
    expected = {
        f"{module_name}.{key}": value
        for module_name, module in estimator.net_.torch_modules().items()
        for key, value in module.state_dict().items()
    }
    if set(expected) != set(tensors):
        missing, extra = sorted(set(expected) - set(tensors)), sorted(set(tensors) - set(expected))
        raise ValueError(f"the weights lack {missing[:5]} and hold unknown {extra[:5]}")
    for name, value in expected.items():
        # A fit that meets NaN stops with TrainingDivergedError, so no saved model holds one.
        if tensors[name].is_floating_point() and tensors[name].isnan().any():
            raise ValueError(f"the weight {name} holds NaN")
        if value.dtype != tensors[name].dtype or not torch.equal(value.cpu(), tensors[name]):
            raise ValueError(f"the weight {name} did not load as saved")


def load(path, *, device=None):
    """Load an estimator saved by :func:`save`.

    Only tensors and plain values are read: a file cannot run code when loaded. One checksum
    covers the model file, the estimator's class and the weights; only the fitted attributes
    the estimator declares are set, each checked against its declared type.

    Parameters
    ----------
    path : str or path-like
        The folder given to :func:`save`.
    device : str or torch.device, default=None
        Where to place the model (it becomes the ``device`` parameter). None: the device it
        was saved with when this machine has it, else the CPU with a warning, so a model
        fitted on a GPU loads on a machine without one.

    Returns
    -------
    estimator : sklatent estimator
        The fitted estimator, ready to ``transform``; its codes are identical to the saved
        estimator's on the same device.

    Raises
    ------
    sklatent.ModelFileError
        If the folder does not hold a sklatent model, any of its files was altered or belongs
        to another model, it names an estimator or attribute this version does not know, or
        its values are not what the estimator declares.
    ValueError
        If ``device`` names a device this machine lacks.

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
    # Imported here, outside the try below: a missing package is not a problem of the file.
    from safetensors.torch import load as tensors_from_bytes

    from ._torch import resolve_device

    if device is not None:
        resolve_device(device)  # a device this machine lacks is the caller's error
        if not _device_available(device):
            raise ValueError(f"device={device!r}: torch cannot place tensors there.")
    folder = Path(path)
    try:
        return _load(folder, device, tensors_from_bytes)
    except ModelFileError:
        raise
    except Exception as exc:  # whatever the file holds, the caller gets one documented error
        raise ModelFileError(
            f"{folder} could not be loaded as a sklatent model: {type(exc).__name__}: {exc}"
        ) from exc


def _load(folder, device, tensors_from_bytes):
    from ..estimators._renamed import upgrade_saved_params

    meta = _read_meta(folder)
    weights = _read(folder, _WEIGHTS)
    # Hash the bytes that are parsed below: the files are read once.
    if not hmac.compare_digest(str(meta.get("sha256")), _checksum(meta, weights)):
        raise ModelFileError(
            f"{folder}: {_META} or {_WEIGHTS} was altered, or they belong to different models "
            "(the checksum in model.json does not match)."
        )
    name = meta["estimator"]
    if _weights_metadata(weights).get("estimator") != name:
        raise ModelFileError(f"{folder / _WEIGHTS} holds the weights of another estimator.")
    cls = _estimator_classes()[name]
    params = upgrade_saved_params(cls, _check_params(cls, meta.get("params")))
    params["device"] = _loading_device(params.get("device", "auto"), device, folder)
    history = meta.get("history")
    fitted = _check_fitted(cls, meta.get("fitted"), params, history)
    estimator = cls(**params)
    estimator._validate_params()
    for attribute, value in fitted.items():
        setattr(estimator, attribute, value)
    tensors = tensors_from_bytes(weights)
    modules = {}
    for key, value in tensors.items():
        module_name, _, tensor_name = key.partition(".")
        modules.setdefault(module_name, {})[tensor_name] = value
    estimator._restore_net(modules)
    _check_weights(estimator, tensors)
    estimator.net_.history = estimator.net_.history.__class__(history)
    output = meta.get("transform_output")
    if output is not None:
        if output not in ("default", "pandas", "polars"):  # what set_output accepts
            raise ModelFileError(f"{folder / _META}: transform_output is not a name: {output!r}.")
        estimator.set_output(transform=output)
    return estimator
