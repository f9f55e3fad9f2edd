"""The variables FairEncoder is fitted on besides X: sensitive groups and the label.

Sensitive features become group labels: one group per combination of their values.

Several columns combine into intersectional groups (as fairlearn does); a numeric column with
more than ``max_levels`` distinct values is continuous and is cut at its training quantiles into
``n_bins`` bins, because the independence penalties compare codes between groups.
"""

import numpy as np
import pandas as pd
import torch
from scipy import sparse
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import column_or_1d

from .._batch import view_labels, view_values
from ..utils._labels import encode_labels, one_or_many, repeated
from ..utils._torch import as_float_tensor
from ..utils._validation import (
    check_auxiliary,
    check_classes_unchanged,
    check_declared_classes,
    check_not_scalar,
    numeric_dtype,
)
from ._structured_spec import view_spec


class SensitiveGroups:
    """Maps sensitive-feature rows to integer groups, learned on the training rows.

    Parameters
    ----------
    n_bins : int
        Bins of a continuous column (training quantiles).
    max_levels : int
        A numeric column with more distinct values than this is continuous.
    """

    def __init__(self, n_bins, max_levels=10):
        self.n_bins = n_bins
        self.max_levels = max_levels

    @classmethod
    def fitted(cls, groups, edges):
        """The encoder learned in a fit, from its groups and bin edges (a saved model)."""
        encoder = cls(n_bins=None)
        encoder.groups_, encoder.edges_ = np.asarray(groups, dtype=object), list(edges)
        return encoder

    def fit_encode(self, values, n_samples, name="sensitive_features"):
        """Learn the groups of ``values`` and return each row's group index."""
        columns = _as_columns(values, n_samples, name)
        self.edges_ = [self._bin_edges(column) for column in columns]
        keys = self._keys(columns)
        self.groups_, index = np.unique(keys, return_inverse=True)
        if len(self.groups_) < 2:
            raise ValueError(
                f"{name} has a single group ({self.groups_[0]!r}): there is nothing for the "
                "code to be independent of. Pass the sensitive attribute of every row."
            )
        return index.astype(np.int64)

    def encode(self, values, n_samples, name="sensitive_features"):
        """The group index of each row of ``values``; groups unseen in fit are an error."""
        columns = _as_columns(values, n_samples, name)
        if len(columns) != len(self.edges_):
            raise ValueError(
                f"{name} has {len(columns)} column(s); the groups were learned from "
                f"{len(self.edges_)}. Pass the same sensitive features as in fit."
            )
        return encode_labels(self._keys(columns), self.groups_, name=name, what="groups")

    def _bin_edges(self, column):
        if column.dtype.kind not in "biuf" or len(np.unique(column)) <= self.max_levels:
            return None
        quantiles = np.linspace(0, 1, self.n_bins + 1)[1:-1]
        return np.unique(np.quantile(column.astype(float), quantiles))

    def _keys(self, columns):
        parts = []
        for column, edges in zip(columns, self.edges_, strict=True):
            if edges is not None:
                # The bin of a continuous value, named by its upper edge's position.
                column = np.digitize(column.astype(float), edges)
            parts.append(_group_names(column))
        keys = parts[0]
        for part in parts[1:]:
            keys = np.char.add(np.char.add(keys, "|"), part)
        return keys.astype(object)


def id_list(ids):
    """``sensitive_feature_ids`` as a list: one name or index, or several, each once."""
    ids = one_or_many(ids)
    if any(isinstance(i, (bool, np.bool_)) for i in ids):  # True would read column 1
        raise ValueError(
            f"sensitive_feature_ids names columns by name or position, got {ids!r}: no booleans."
        )
    twice = repeated(str(i) for i in ids)
    if twice:
        raise ValueError(f"sensitive_feature_ids names {twice} more than once.")
    return ids


def index_level_features(X, ids):
    """The sensitive features held in index levels of a DataFrame ``X``, or None.

    AIF360 keeps protected attributes in a DataFrame's index (its ``prot_attr`` convention),
    where they travel with the rows through cross-validation splits but are not features.
    ``ids`` names levels there only when none of its names is a column of ``X``.

    Parameters
    ----------
    X : array-like
        The data given to fit.
    ids : str, int, list or None
        ``sensitive_feature_ids``.

    Returns
    -------
    features : DataFrame of shape (n_samples, len(ids)) or None
        One column per named level; None when ``ids`` names no index level (columns, or no
        DataFrame).
    """
    if ids is None or not isinstance(X, pd.DataFrame):
        return None
    ids = id_list(ids)
    levels = [i for i in ids if i not in X.columns and i in X.index.names and i is not None]
    named_levels = [name for name in X.index.names if name is not None]
    unknown = [i for i in ids if isinstance(i, str) and i not in X.columns]
    if not levels and unknown and named_levels:
        # An AIF360 user names a level: the columns' error alone would not list the levels.
        raise ValueError(
            f"sensitive_feature_ids names {unknown}, neither a column of X nor a level of its "
            f"index (its levels: {named_levels})."
        )
    if not levels:
        return None
    if len(levels) < len(ids):
        columns = [i for i in ids if i not in levels]
        raise ValueError(
            f"sensitive_feature_ids names index levels {levels} and also {columns}, which are "
            "not index levels: name either columns of X or levels of its index, not both."
        )
    return pd.DataFrame({level: X.index.get_level_values(level) for level in levels})


def check_sensitive_columns_numeric(X, ids):
    """Refuse, by name, columns of a DataFrame ``X`` named by ``sensitive_feature_ids`` that
    hold text or categories: X is converted to numbers, those columns with it."""
    if ids is None or not isinstance(X, pd.DataFrame):
        return
    ids = id_list(ids)
    named = [i for i in ids if isinstance(i, str) and i in X.columns]
    text = [i for i in named if not numeric_dtype(X[i].dtype)]
    if text:
        raise ValueError(
            f"sensitive_feature_ids names column(s) {text} of X, which hold text or categories: "
            "X is converted to numbers. Pass the attribute as sensitive_features (and drop it "
            "from X), or encode it as numbers first (e.g. OrdinalEncoder)."
        )


def _group_names(column):
    """Each value's group name, whole numbers written as integers, value by value: a 0/1
    attribute names its groups "0" and "1" whether it came as integers, booleans or floats
    (columns of ``X`` named by ``sensitive_feature_ids`` arrive as floats), and 0.5 stays
    "0.5" beside them."""
    if column.dtype.kind == "b":
        column = column.astype(np.int64)
    names = column.astype(str)
    if column.dtype.kind == "f":
        # Beyond 2**53 a float is not an exact integer: keep its float name.
        whole = (column == np.round(column)) & (np.abs(column) < 2.0**53)
        names[whole] = column[whole].astype(np.int64).astype(str)
    return names


def _as_columns(values, n_samples, name):
    """The columns of one or several sensitive features, each a 1-D array of n_samples."""
    if isinstance(values, pd.DataFrame):
        frame = values
    elif isinstance(values, pd.Series):
        frame = values.to_frame()
    else:
        check_not_scalar(values, name)
        if sparse.issparse(values):  # scikit-learn's message for the other auxiliary arguments
            raise TypeError(
                f"Sparse data was passed for {name}, but dense data is required. Use "
                "'.toarray()' to convert to a dense numpy array."
            )
        array = np.asarray(values)
        if array.ndim > 2:
            raise ValueError(f"{name} must be a 1-D or 2-D array, got shape {array.shape}.")
        frame = pd.DataFrame(array.reshape(len(array), -1))
    columns = []
    for _, column in frame.items():
        values = column.to_numpy()
        if values.dtype.kind in "biuf":
            values = check_auxiliary(values, name=name, n_samples=n_samples, ensure_2d=False)
        else:
            values = check_auxiliary(
                values.astype(object), name=name, n_samples=n_samples, ensure_2d=False, dtype=None
            )
        columns.append(values)
    if not columns:
        raise ValueError(f"{name} has no columns.")
    return columns


def target_view(
    y,
    n_samples,
    categories,
    *,
    classes=None,
    likelihood=None,
    head_hidden_layer_sizes=None,
    head_trains=True,
):
    """The label as a view (classes or Gaussian values) and its tensors; None without y.

    ``categories["y"]`` holds the classes: learned here from ``classes`` (or from ``y``) unless
    present, when they encode ``y`` (a later chunk of ``partial_fit``). ``likelihood`` fixes the
    label's kind (a later chunk's kind is the first chunk's); None infers it from ``y``.
    ``head_hidden_layer_sizes`` are the hidden layers of the label's decoder (None: the model's).
    A head that trains (``head_trains``) needs two classes or more.
    """
    if y is None:
        return None, None
    y = check_auxiliary(y, name="y", n_samples=n_samples, ensure_2d=None, dtype=None)
    if likelihood is None:
        kind = type_of_target(y, input_name="y")
        likelihood = "categorical" if kind in ("binary", "multiclass") else "gaussian"
    if likelihood == "categorical":
        y = column_or_1d(y, warn=True)  # a column vector of classes, as scikit-learn's do
        learned_before = "y" in categories
        if not learned_before and classes is None:
            categories["y"] = np.unique(y)
        elif not learned_before:
            categories["y"] = check_declared_classes(classes, y, name="classes")
        elif classes is not None:  # the same classes again; y's labels are checked below
            declared = check_declared_classes(classes, [], name="classes")
            check_classes_unchanged(declared, categories["y"], name="classes")
        if head_trains and not learned_before and len(categories["y"]) < 2:
            only, source = categories["y"].tolist()[0], "y" if classes is None else "classes"
            raise ValueError(
                f"{source} holds one class ({only!r}): a label head needs two or more (a first "
                "partial_fit chunk of one class needs every class in classes=)."
            )
        try:
            labels = encode_labels(y, categories["y"], name="y")
        except ValueError as error:
            if not learned_before:
                raise
            raise ValueError(
                f"{error} fit, or the first partial_fit call, fixes the classes: pass every "
                "class to the first partial_fit call with classes=, or fit again."
            ) from None
        likelihood, n_features = "categorical", 1
        tensors = {view_labels("y"): torch.as_tensor(labels)}
    else:
        values = check_auxiliary(y, name="y", n_samples=n_samples, ensure_2d=None)
        values = values.reshape(n_samples, -1)
        likelihood, n_features = "gaussian", values.shape[1]
        tensors = {view_values("y"): as_float_tensor(values, "cpu")}
    # The label is generated from the code, never read by it: transform gets X only.
    view = view_spec(
        "y",
        None,
        likelihood=likelihood,
        expert=False,
        n_features=n_features,
        decoder_hidden_layer_sizes=head_hidden_layer_sizes,
    )
    return view, tensors


def group_log_prior(groups, strata, n_groups):
    """Log-frequency of each group within each stratum (one stratum: the marginal)."""
    counts = np.zeros((strata.max() + 1, n_groups))
    np.add.at(counts, (strata, groups), 1.0)
    frequencies = counts / counts.sum(axis=1, keepdims=True).clip(min=1.0)
    return np.log(frequencies.clip(min=1e-12)).astype(np.float32)
