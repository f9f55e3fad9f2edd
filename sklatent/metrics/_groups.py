"""Sensitive groups as the fairness metrics read them: a table of group labels, one integer
per row (intersectional groups from several columns), and the checks they share."""

import numpy as np
import pandas as pd


def group_table(sensitive_features, name):
    """The sensitive features as a 2-D object array: one column per attribute, never a view."""
    table = np.array(sensitive_features, dtype=object)  # a copy: the caller's data stays as is
    if table.ndim == 1:
        table = table.reshape(-1, 1)
    if table.ndim != 2 or table.shape[1] == 0:
        raise ValueError(f"{name} must be 1-D or 2-D, got shape {np.shape(sensitive_features)}.")
    if pd.isna(table).any():
        raise ValueError(f"{name} contains missing values (NaN or None); give them a group label.")
    return table


def encode_groups(table):
    """One integer label per row; several columns form intersectional groups, as in fairlearn."""
    keys = table[:, 0] if table.shape[1] == 1 else pd.MultiIndex.from_arrays(list(table.T))
    codes, uniques = pd.factorize(keys)
    return codes, list(uniques)


def group_names(sensitive_features):
    """The groups of ``sensitive_features`` as fairlearn reads them (a dict of columns too), or
    None where fairlearn's own checks should speak (missing values, odd shapes)."""
    if isinstance(sensitive_features, dict):
        sensitive_features = pd.DataFrame(sensitive_features)
    try:
        return encode_groups(group_table(sensitive_features, "sensitive_features"))[1]
    except ValueError:
        return None
