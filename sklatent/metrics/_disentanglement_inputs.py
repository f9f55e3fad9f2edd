"""Validation of the codes and factors shared by the disentanglement scores."""

import numpy as np
import pandas as pd
from sklearn.utils import Bunch, check_array


def _factor_columns(factors):
    """Split ``factors`` (array-like, Series or DataFrame) into 1-D columns, keeping dtypes."""
    if hasattr(factors, "iloc"):  # pandas: one dtype per column
        frame = factors.to_frame() if factors.ndim == 1 else factors
        return [frame.iloc[:, j].to_numpy() for j in range(frame.shape[1])]
    arr = np.asarray(factors)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError(f"factors must be 1-D or 2-D, got an array of shape {arr.shape}.")
    return [arr[:, j] for j in range(arr.shape[1])]


def _check_codes_and_factors(Z, factors, discrete_factors, *, min_components=1):
    """Validate the code and the factors; return ``Z`` and one Bunch per factor.

    Each factor Bunch holds ``discrete`` (bool), ``labels`` (int codes 0..m-1 for a discrete
    factor, else None) and ``column`` (float values: the numbers themselves, or the label codes
    for a non-numeric factor).
    """
    Z = check_array(Z, dtype=np.float64, ensure_min_samples=2, input_name="Z")
    if Z.shape[1] < min_components:
        raise ValueError(
            f"Z must have at least {min_components} columns (code dimensions), got {Z.shape[1]}."
        )
    columns = _factor_columns(factors)
    if len(columns) == 0 or len(columns[0]) != Z.shape[0]:
        n = len(columns[0]) if columns else len(factors)  # no column: count its rows
        raise ValueError(
            "Z and factors must have the same number of samples (rows) and factors at least "
            f"one column; got {Z.shape[0]} rows in Z and factors of {n} rows, "
            f"{len(columns)} columns."
        )
    if isinstance(discrete_factors, str) and discrete_factors == "auto":
        mask = [col.dtype.kind != "f" for col in columns]
    elif isinstance(discrete_factors, bool | np.bool_):
        mask = [bool(discrete_factors)] * len(columns)
    else:
        mask = np.asarray(discrete_factors)
        if mask.dtype != bool or mask.shape != (len(columns),):
            raise ValueError(
                "discrete_factors must be 'auto', a bool or a boolean mask of length "
                f"n_factors={len(columns)}, got {discrete_factors!r}."
            )
        mask = mask.tolist()
    result = []
    for j, (col, discrete) in enumerate(zip(columns, mask, strict=True)):
        numeric = col.dtype.kind in "biuf"
        if numeric and not np.all(np.isfinite(col.astype(np.float64))):
            raise ValueError(f"Factor {j} contains NaN or infinity.")
        if not numeric and pd.isna(col).any():
            raise ValueError(f"Factor {j} contains missing values (None or NaN).")
        if not numeric and not discrete:
            raise ValueError(f"Factor {j} is not numeric: it can only be a discrete factor.")
        uniques, labels = np.unique(col, return_inverse=True)
        if len(uniques) < 2:
            raise ValueError(f"Factor {j} is constant: the score is undefined for it.")
        values = col.astype(np.float64) if numeric else labels.astype(np.float64)
        result.append(
            Bunch(discrete=bool(discrete), labels=labels if discrete else None, column=values)
        )
    return Z, result
