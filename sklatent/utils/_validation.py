"""One validator for the auxiliary arrays that ``fit`` takes besides ``X`` and ``y``, and one for
the non-negative numbers that functions take."""

import math
import numbers
import re

import numpy as np
import pandas as pd
from sklearn.utils import check_array


def check_not_scalar(value, name):
    """Refuse a scalar where one value per row is expected, naming the argument (the
    conversions' own errors, "at least 1 dimension" or "Must pass 2-d input", do not)."""
    # Not np.ndim: an array-like that refuses numpy's functions (scikit-learn's checks pass
    # one) would fail on it.
    scalar = isinstance(value, (str, bytes, numbers.Number, np.generic))
    if scalar or getattr(value, "ndim", None) == 0:
        raise ValueError(f"{name} must be array-like, got the scalar {value!r}.")


def check_auxiliary(
    value, *, name, n_samples, ensure_2d=True, dtype="numeric", allow_missing=False
):
    """Validate an auxiliary ``fit`` argument (``X_next``, ``actions``, ``sensitive_features``...).

    Every estimator validates the variables it takes besides ``X`` through this one function,
    so the same input fails the same way everywhere: missing values, infinities, a wrong
    number of rows or of dimensions are errors that name the argument.

    Parameters
    ----------
    value : array-like
        The argument as the user passed it (never modified: a converted copy is returned when a
        conversion is needed).
    name : str
        The argument's name, used in every error message.
    n_samples : int
        The number of rows of ``X``; the argument must have as many.
    ensure_2d : bool or None, default=True
        True requires a 2-D array; False requires one value per row (a single column is returned
        as 1-D); None accepts either.
    dtype : "numeric", type or None, default="numeric"
        As in :func:`sklearn.utils.check_array`; None keeps labels as they are (strings,
        integers, any objects that sort).
    allow_missing : bool, default=False
        Accept missing entries (NaN, None, ``pd.NA``), for arguments where a missing entry has
        a meaning (an unobserved attribute). Infinities are an error either way.

    Returns
    -------
    ndarray
        The validated array.

    Raises
    ------
    ValueError
        If the argument has the wrong number of rows or dimensions, holds missing values
        (unless ``allow_missing``) or infinities, or mixes labels that cannot be compared
        (such as strings and numbers).

    Examples
    --------
    >>> import numpy as np
    >>> from sklatent.utils._validation import check_auxiliary
    >>> check_auxiliary(["a", "b", "a"], name="environments", n_samples=3, ensure_2d=False,
    ...                 dtype=None)
    array(['a', 'b', 'a'], dtype='<U1')
    >>> check_auxiliary([0.0, np.nan, 1.0], name="environments", n_samples=3, ensure_2d=False,
    ...                 dtype=None)
    Traceback (most recent call last):
    ...
    ValueError: environments holds missing values (NaN, None or pd.NA) at rows [1]: ...
    """
    # Read as it is first: finiteness is checked below, the same way for numbers and labels,
    # so that every auxiliary variable reports a missing or infinite entry with one message
    # (a numeric conversion would fail on pd.NA with a TypeError naming nothing).
    check_not_scalar(value, name)
    array = check_array(
        value, ensure_2d=False, allow_nd=True, dtype=None, ensure_all_finite=False, input_name=name
    )
    if array.ndim > 2:
        raise ValueError(f"{name} must be a 1-D or 2-D array, got shape {array.shape}.")
    if len(array) != n_samples:
        raise ValueError(
            f"{name} has {len(array)} rows but X has {n_samples}: row i of {name} must belong "
            "to row i of X."
        )
    if ensure_2d is True and array.ndim == 1:
        raise ValueError(f"{name} must be 2-D (n_samples, n_columns), got shape {array.shape}.")
    if ensure_2d is False and array.ndim == 2:
        if array.shape[1] != 1:
            raise ValueError(f"{name} must be 1-D (one value per row), got shape {array.shape}.")
        array = array[:, 0]
    # Unchecked, a NaN label would become a group of its own and a None one would fail later,
    # inside np.unique, with an error about sorting.
    missing = pd.isna(array)
    if not allow_missing:
        _reject(missing, name, "missing values (NaN, None or pd.NA)")
    if dtype is not None:
        # None and pd.NA (allowed missing entries) become NaN, which a float array can hold.
        array = np.where(missing, np.nan, array) if missing.any() else array
        array = check_array(
            array, ensure_2d=False, dtype=dtype, ensure_all_finite=False, input_name=name
        )
    if array.dtype.kind == "f":
        _reject(np.isinf(array), name, "infinite values")
    elif array.dtype.kind == "O":
        _reject(np.vectorize(_is_infinite, otypes=[bool])(array), name, "infinite values")
        _check_sortable(array, name)
    return np.asarray(array)


def _reject(bad, name, what):
    """Raise naming the first rows of ``name`` where ``bad`` holds."""
    if not bad.any():
        return
    rows = np.flatnonzero(bad.reshape(len(bad), -1).any(axis=1))
    more = " and more" if len(rows) > 5 else ""
    raise ValueError(
        f"{name} holds {what} at rows {rows[:5].tolist()}{more}: it needs a finite value "
        "in every row."
    )


def numeric_dtype(dtype):
    """Whether a DataFrame column of this dtype converts to numbers (categories of numbers do)."""
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.api.types.is_numeric_dtype(dtype.categories.dtype)
    return pd.api.types.is_numeric_dtype(dtype)


def _dates(dtype):
    return (
        pd.api.types.is_datetime64_any_dtype(dtype)
        or pd.api.types.is_timedelta64_dtype(dtype)
        or isinstance(dtype, pd.PeriodDtype)
    )


#: pandas' names of the dates, times and durations an object column can hold (``infer_dtype``).
_TIME_KINDS = {"datetime", "date", "timedelta", "time", "period"}


def holds_dates(column):
    """Whether a pandas column holds dates, times or durations: of such a dtype, or objects."""
    return _dates(column.dtype) or (
        column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) in _TIME_KINDS
    )


def check_numeric_columns(X, name="X"):
    """Refuse a DataFrame ``X`` (the argument ``name``) with columns of text, of text categories
    or of dates, naming them: the estimators take numbers, and the conversion's own error
    ("could not convert string to float") names neither the column nor the remedy. Object
    columns of numbers pass."""
    if not isinstance(X, pd.DataFrame):
        return
    refused = [
        label
        for label, column in X.items()
        if not numeric_dtype(column.dtype)
        and (
            _dates(column.dtype)
            or pd.to_numeric(column, errors="coerce").notna().sum() < column.notna().sum()
        )
    ]
    if refused:
        more = f" and {len(refused) - 5} more" if len(refused) > 5 else ""
        raise ValueError(
            f"{name} has columns of text, categories or dates: {refused[:5]}{more}. The estimators "
            "take dense numbers: encode these first, e.g. in a Pipeline behind "
            "make_column_transformer((OneHotEncoder(), <these columns>), "
            "remainder=StandardScaler(), sparse_threshold=0); a view with "
            "likelihood='categorical' reads one column of integer codes (OrdinalEncoder)."
        )


def row_weights(sample_weight, n_samples):
    """``sample_weight`` checked as scikit-learn checks it (None: equal weights), as float64.

    Raises a ValueError for a wrong length, a negative weight or weights that sum to zero.
    """
    from ._sklearn_compat import _check_sample_weight

    rows = np.empty((n_samples, 0))
    weights = _check_sample_weight(sample_weight, rows, dtype=np.float64, ensure_non_negative=True)
    if not weights.sum() > 0:
        raise ValueError("sample_weight sums to zero: at least one row must have weight.")
    return weights


def check_non_negative(value, name):
    """Raise a ValueError naming ``name`` unless ``value`` is a finite real number >= 0."""
    try:  # float(): a Fraction or a huge int, which np.isfinite refuses
        finite = isinstance(value, numbers.Real) and math.isfinite(float(value))
    except OverflowError:
        finite = False
    if isinstance(value, bool) or not finite or not value >= 0:
        raise ValueError(f"{name} must be a finite non-negative number, got {value!r}.")


def _check_sortable(array, name):
    """Labels are sorted (np.unique) into groups: each column must hold comparable values."""
    for column in array.reshape(len(array), -1).T:
        observed = column[~pd.isna(column)]
        try:
            np.unique(observed)
        except TypeError as exc:
            kinds = sorted({type(value).__name__ for value in observed})
            raise ValueError(
                f"{name} mixes labels of types {kinds} that cannot be compared; use one type "
                "(for example convert every label to str)."
            ) from exc


def _is_infinite(value):
    return isinstance(value, float | np.floating) and bool(np.isinf(value))


def check_declared_classes(classes, labels, *, name):
    """The classes a first ``partial_fit`` call declares (its ``classes=``), unique and sorted,
    checked to hold every label of that call's ``labels`` (the observed ones).

    Raises
    ------
    ValueError
        If ``classes`` is a scalar, mixes labels that cannot be compared, or lacks a label of
        ``labels``.
    """
    check_not_scalar(classes, name)
    values = np.unique(
        check_auxiliary(classes, name=name, n_samples=len(classes), ensure_2d=False, dtype=None)
    )
    # Python's equality, as the labels are encoded: 1 == 1.0, and "1" is not 1.
    lacking = set(np.asarray(labels).tolist()) - set(values.tolist())
    if lacking:
        raise ValueError(
            f"{name} lacks {sorted(lacking, key=str)[:5]}, labels of this chunk: it declares "
            "every class, those of the first chunk included."
        )
    return values


def check_classes_unchanged(declared, fitted, *, name):
    """Refuse a later ``partial_fit`` call whose ``classes=`` differs from the fitted classes.

    scikit-learn's incremental estimators raise here (``SGDClassifier``'s "is not the same as
    on last call"): the classes are fixed by ``fit`` or the first call, and a later call that
    declares others would otherwise be trained as if it had not.

    Raises
    ------
    ValueError
        If the unique, sorted ``declared`` classes are not ``fitted``.
    """
    if len(declared) != len(fitted) or not all(
        a == b for a, b in zip(declared.tolist(), fitted.tolist(), strict=True)
    ):
        raise ValueError(
            f"{name}={declared.tolist()} is not the same as the classes fixed by fit or the "
            f"first partial_fit call: {fitted.tolist()}. Fit again to change them."
        )


def cv_test_scores(cv_results, name, statistic, *, caller):
    """The ``<statistic>_test_<name>`` column of a search's ``cv_results_``, as float64.

    Raises a ValueError that names ``caller`` and the scorers the search recorded when the
    column is missing (a single-metric search, or a scorer's name misspelt).

    Examples
    --------
    >>> from sklatent.utils._validation import cv_test_scores
    >>> cv_test_scores({"mean_test_accuracy": [0.8, 0.9]}, "accuracy", "mean", caller="x")
    array([0.8, 0.9])
    """
    key = f"{statistic}_test_{name}"
    if key not in cv_results:
        recorded = sorted(k[len("mean_test_") :] for k in cv_results if k.startswith("mean_test_"))
        raise ValueError(
            f"{caller}: the search's cv_results_ hold no {key!r}; it needs multi-metric scoring "
            f"with a scorer named {name!r}. The scorers recorded: {recorded}."
        )
    return np.asarray(cv_results[key], dtype=np.float64)


def cv_split_scores(cv_results, name):
    """The ``split<k>_test_<name>`` columns of a search's ``cv_results_``, in split order.

    Returns an array of shape (n_candidates, n_splits), float64; (0, 0) when the search
    recorded no such column.

    Examples
    --------
    >>> from sklatent.utils._validation import cv_split_scores
    >>> cv_split_scores({"split1_test_score": [0.7, 0.6], "split0_test_score": [0.8, 0.9]},
    ...                 "score")
    array([[0.8, 0.7],
           [0.9, 0.6]])
    """
    pattern = re.compile(rf"split(\d+)_test_{re.escape(name)}")
    keys = sorted((int(m.group(1)), k) for k in cv_results if (m := pattern.fullmatch(k)))
    if not keys:
        return np.empty((0, 0))
    return np.column_stack([np.asarray(cv_results[k], dtype=np.float64) for _, k in keys])


def check_hidden_layer_sizes(hidden_layer_sizes, name="hidden_layer_sizes"):
    """``hidden_layer_sizes`` (the parameter ``name``) as a tuple of positive ints (an empty one:
    no hidden layer)."""
    sizes = np.atleast_1d(np.asarray(hidden_layer_sizes))
    if sizes.size and (sizes.ndim != 1 or not np.issubdtype(sizes.dtype, np.integer)):
        raise ValueError(
            f"{name} must be a sequence of positive integers, got {hidden_layer_sizes!r}."
        )
    if np.any(sizes < 1):
        raise ValueError(f"{name} must be positive, got {hidden_layer_sizes!r}.")
    return tuple(int(size) for size in sizes)


def last_step_with(pipeline, attribute):
    """Index of the last step of ``pipeline`` that has ``attribute`` (None when none has it).

    The sklatent step of a user's pipeline is rarely the last one (a classifier often follows
    it): displays and reports that read a sklatent estimator look it up this way.
    """
    found = [i for i, (_, step) in enumerate(pipeline.steps) if hasattr(step, attribute)]
    return found[-1] if found else None
