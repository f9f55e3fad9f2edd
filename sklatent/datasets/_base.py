"""Shared helpers for the vendored dataset loaders (package data, no network)."""

import gzip
import io
import json
import numbers
from importlib import resources

import numpy as np
import pandas as pd
from sklearn.utils import Bunch, check_scalar

from ..utils._sklearn_compat import InvalidParameterError

__all__ = ["_check_count", "_finalize_bunch", "_open_text", "_read_json"]

_DATA_PACKAGE = "sklatent.datasets"


def _check_count(value, name, minimum=1):
    """An integer argument of a generator, checked by scikit-learn's ``check_scalar``.

    A value that is not an integer (``check_scalar`` takes ``True`` for 1, so booleans are
    refused here first) raises scikit-learn's ``InvalidParameterError``, both a ``ValueError``
    (as the generators document) and a ``TypeError``; one below ``minimum``, a ``ValueError``.
    """
    if isinstance(value, bool):
        raise InvalidParameterError(f"{name} must be an instance of int, not bool.")
    try:
        return int(check_scalar(value, name, numbers.Integral, min_val=minimum))
    except TypeError as error:
        raise InvalidParameterError(str(error)) from None


def _data_path(name):
    """Traversable pointing to ``sklatent/datasets/data/<name>`` (works from a wheel)."""
    return resources.files(_DATA_PACKAGE) / "data" / name


def _open_text(name):
    """Return the decoded text of a vendored file as a ``StringIO`` (``.gz`` is inflated)."""
    raw = _data_path(name).read_bytes()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return io.StringIO(raw.decode("utf-8"))


def _read_json(name):
    """Parse a vendored JSON file."""
    return json.loads(_data_path(name).read_text(encoding="utf-8"))


def _to_object_array(frame):
    """Object ndarray with ``np.nan`` for missing values (also for categorical columns)."""
    arr = frame.astype(object).to_numpy(dtype=object)
    arr[pd.isna(arr)] = np.nan
    return arr


def _check_flag(value, name):
    """Refuse a flag that is not a boolean ("no" would count as true), as scikit-learn does."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}.")


def _finalize_bunch(*, data, target, sensitive, target_names, descr, as_frame, return_X_y, **extra):
    """Assemble the scikit-learn style return value of a loader.

    ``data``, ``target`` and ``sensitive`` are fresh (caller-owned) pandas objects.
    """
    _check_flag(as_frame, "as_frame")
    _check_flag(return_X_y, "return_X_y")
    feature_names = list(data.columns)
    if not as_frame:
        data = _to_object_array(data)
        target = target.to_numpy(dtype=np.int64, copy=True)  # pandas 3: else a read-only view
        sensitive = _to_object_array(sensitive)
        frame = None
    else:
        frame = pd.concat([data, target], axis=1)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        sensitive=sensitive,
        frame=frame,
        target_names=np.array(target_names),
        feature_names=feature_names,
        DESCR=descr,
        **extra,
    )
