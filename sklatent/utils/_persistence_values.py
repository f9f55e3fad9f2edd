"""The JSON form of an estimator's parameters and fitted attributes: encoded, decoded, checked."""

import warnings

import numpy as np
import pandas as pd
import torch

from ._persistence_schema import (
    REQUIRED,
    check_array_dtype,
    check_consistency,
    check_value,
    declared_attributes,
)


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
        return np.asarray(value["__ndarray__"], dtype=check_array_dtype(value["dtype"]))
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


def _params_to_save(estimator):
    """The estimator's parameters in JSON form; refuses those a loaded model could not do without.

    A parameter that is not a plain value (callbacks, a ``RandomState``, an accelerator) is
    saved as None with a warning when None is a valid value for it, since it matters for
    training only. Otherwise (a ``mechanism`` function) the saved model could not be used, so
    saving fails, naming the format that stores code.
    """
    params, skipped = {}, []
    for name, value in estimator.get_params(deep=False).items():
        try:
            params[name] = _encode(value)
        except TypeError:
            params[name] = None
            skipped.append(name)
    for name in skipped:
        probe = type(estimator)(**{**estimator.get_params(deep=False), name: None})
        try:
            probe._validate_params()
        except ValueError as exc:  # sklearn's InvalidParameterError
            raise TypeError(
                f"{type(estimator).__name__}({name}={getattr(estimator, name)!r}) cannot be "
                f"saved by sklatent.save: {name} holds Python code, and this format stores "
                "no code so that loading a file never runs any. Save the estimator with "
                "joblib.dump or pickle instead, and load such a file only from a source you "
                "trust (unpickling can run arbitrary code); or fit with a value of "
                f"{name} this format stores (a built-in name)."
            ) from exc
    if skipped:
        warnings.warn(
            f"Parameters {skipped} are not plain values and are saved as None.",
            UserWarning,
            stacklevel=3,
        )
    return params


def _fitted_to_save(estimator):
    """The declared fitted attributes, in JSON form (``net_`` goes to the weights file)."""
    public, private = declared_attributes(type(estimator))
    fitted = {}
    for name, value in vars(estimator).items():
        if name == "net_" or not (
            (name.endswith("_") and not name.startswith("_")) or name in private
        ):
            continue
        if name not in public and name not in private:
            # A developer's omission: sklatent.load would refuse the file, so refuse it now.
            raise TypeError(
                f"{type(estimator).__name__}.{name} is set by fit but not declared in the "
                "Attributes section of its docstring, so a saved model could not be loaded."
            )
        fitted[name] = _encode(value)
    return fitted


def _check_params(cls, params):
    if not isinstance(params, dict):
        raise ValueError("params is not a mapping")
    unknown = sorted(set(params) - set(cls().get_params(deep=False)))
    if unknown:
        raise ValueError(f"{cls.__name__} has no parameter(s) {unknown}")
    return {name: _decode(value) for name, value in params.items()}


def _check_fitted(cls, fitted, params, history):
    """The decoded fitted attributes, after the checks of :mod:`._persistence_schema`."""
    if not isinstance(fitted, dict):
        raise ValueError("fitted is not a mapping")
    public, private = declared_attributes(cls)
    undeclared = sorted(set(fitted) - set(public) - private)
    if undeclared:
        raise ValueError(f"{cls.__name__} declares no fitted attribute(s) {undeclared}")
    missing = [name for name in REQUIRED if name not in fitted]
    if missing:
        raise ValueError(f"the fitted attribute(s) {missing} are missing")
    values = {name: _decode(value) for name, value in fitted.items()}
    known = {**params, **values}
    for name, value in values.items():
        if name in public:
            check_value(name, value, public[name], known)
    if not isinstance(history, list) or not all(
        isinstance(row, dict) and all(isinstance(key, str) for key in row) for row in history
    ):
        raise ValueError("the history is not a list of per-epoch records")
    check_consistency(values, len(history))
    return values
