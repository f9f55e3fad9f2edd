"""Tests for the vendored dataset loaders (no network access)."""

import gzip
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from sklearn.utils import Bunch

from sklatent.datasets._adult import load_adult
from sklatent.datasets._german import load_german_credit

ADULT_FEATURES = [
    "age", "workclass", "fnlwgt", "education", "education_num", "marital_status",
    "occupation", "relationship", "race", "sex", "capital_gain", "capital_loss",
    "hours_per_week", "native_country",
]  # fmt: skip


def _raw_german_rows():
    raw = (resources.files("sklatent.datasets") / "data" / "german.data.gz").read_bytes()
    return [line.split() for line in gzip.decompress(raw).decode().splitlines() if line.strip()]


# --------------------------------------------------------------------------- Adult


@pytest.mark.parametrize(
    "split, dropna, n_rows",
    [
        ("train", False, 32561),
        ("test", False, 16281),
        ("train", True, 30162),
        ("test", True, 15060),
    ],
)
def test_adult_shapes(split, dropna, n_rows):
    bunch = load_adult(split=split, dropna=dropna)
    assert isinstance(bunch, Bunch)
    assert bunch.data.shape == (n_rows, 14)
    assert bunch.target.shape == (n_rows,)
    assert bunch.sensitive.shape == (n_rows, 3)
    assert bunch.frame.shape == (n_rows, 15)
    assert bunch.feature_names == ADULT_FEATURES
    assert list(bunch.data.columns) == ADULT_FEATURES
    assert bunch.split == split
    assert isinstance(bunch.DESCR, str) and "CC BY 4.0" in bunch.DESCR
    np.testing.assert_array_equal(bunch.target_names, ["<=50K", ">50K"])
    if dropna:
        assert not bunch.data.isna().any().any()
        pd.testing.assert_index_equal(bunch.data.index, pd.RangeIndex(n_rows))
    else:
        assert bunch.data.isna().any().any()


def test_adult_target():
    train = load_adult()
    assert train.target.name == "income"
    assert train.target.dtype == np.int64
    assert set(np.unique(train.target)) == {0, 1}
    assert abs(train.target.mean() - 0.241) < 0.001
    test = load_adult(split="test")
    assert set(np.unique(test.target)) == {0, 1}
    assert 0.2 < test.target.mean() < 0.3  # '>50K.' was parsed, not dropped
    for bunch in (train, test):
        cats = bunch.data.select_dtypes("category")
        for col in cats:
            assert not any(str(v).endswith(".") for v in cats[col].cat.categories), col


def test_adult_dtypes_and_categories_match_between_splits():
    train, test = load_adult().data, load_adult(split="test").data
    pd.testing.assert_series_equal(train.dtypes, test.dtypes)
    categorical = [c for c in train if isinstance(train[c].dtype, pd.CategoricalDtype)]
    assert sorted(categorical) == sorted(
        ["workclass", "education", "marital_status", "occupation", "relationship", "race",
         "sex", "native_country"]
    )  # fmt: skip
    for col in categorical:
        cats = train[col].cat.categories
        assert list(cats) == sorted(cats)
        pd.testing.assert_index_equal(cats, test[col].cat.categories)
    for col in set(ADULT_FEATURES) - set(categorical):
        assert train[col].dtype == np.int64


def test_adult_sensitive_matches_data():
    bunch = load_adult(dropna=True)
    assert list(bunch.sensitive.columns) == ["sex", "race", "age"]
    pd.testing.assert_frame_equal(bunch.sensitive, bunch.data[["sex", "race", "age"]])


def test_adult_bad_split():
    with pytest.raises(ValueError, match="split"):
        load_adult(split="validation")


def test_adult_return_X_y_and_numpy():
    X, y = load_adult(split="test", return_X_y=True)
    assert isinstance(X, pd.DataFrame) and isinstance(y, pd.Series)
    assert X.shape == (16281, 14) and y.shape == (16281,)

    bunch = load_adult(as_frame=False)
    assert isinstance(bunch.data, np.ndarray) and bunch.data.dtype == object
    assert bunch.data.shape == (32561, 14)
    assert isinstance(bunch.target, np.ndarray) and bunch.target.dtype == np.int64
    assert bunch.sensitive.dtype == object and bunch.sensitive.shape == (32561, 3)
    assert bunch.frame is None
    assert pd.isna(bunch.data[:, ADULT_FEATURES.index("workclass")]).any()

    X, y = load_adult(as_frame=False, return_X_y=True, dropna=True)
    assert isinstance(X, np.ndarray) and X.shape == (30162, 14)
    assert isinstance(y, np.ndarray) and y.shape == (30162,)
    # The caller owns the arrays: under pandas 3 the target was a read-only view.
    assert X.flags.writeable and y.flags.writeable and bunch.target.flags.writeable


def test_flags_that_are_not_booleans_are_refused():
    # "no" counted as true.
    for flag in ("as_frame", "return_X_y", "dropna"):
        with pytest.raises(ValueError, match=f"{flag} must be True or False, got 'no'"):
            load_adult(**{flag: "no"})
    with pytest.raises(ValueError, match="as_frame must be True or False"):
        load_german_credit(as_frame=None)


def test_adult_returns_copies():
    first = load_adult()
    first.data.loc[0, "age"] = -1
    del first.data["sex"]
    first.target[:] = 7
    first.sensitive.loc[0, "race"] = "Other"
    second = load_adult()
    assert second.data.loc[0, "age"] == 39
    assert "sex" in second.data
    assert set(np.unique(second.target)) == {0, 1}
    assert second.sensitive.loc[0, "race"] == "White"


# ------------------------------------------------------------------------- German


def test_german_shapes_and_target():
    bunch = load_german_credit()
    assert bunch.data.shape == (1000, 20)
    assert bunch.frame.shape == (1000, 21)
    assert len(bunch.feature_names) == 20 == len(set(bunch.feature_names))
    assert "personal_status_sex" in bunch.feature_names and "credit" not in bunch.feature_names
    assert bunch.target.name == "credit" and bunch.target.dtype == np.int64
    assert int(bunch.target.sum()) == 700
    np.testing.assert_array_equal(bunch.target_names, ["bad", "good"])
    raw_good = sum(row[20] == "1" for row in _raw_german_rows())
    assert raw_good == int(bunch.target.sum())


def test_german_decoded_dtypes():
    data = load_german_credit().data
    for col in data:
        if data[col].dtype == np.int64:
            continue
        assert isinstance(data[col].dtype, pd.CategoricalDtype), col
        values = data[col].astype(str)
        assert not values.str.match(r"^A\d+$").any(), col  # decoded, not codes
        assert not values.str.endswith(" ").any(), col
    numeric = {
        "duration", "credit_amount", "installment_rate", "present_residence", "age",
        "existing_credits", "people_liable",
    }  # fmt: skip
    assert {c for c in data if data[c].dtype == np.int64} == numeric
    assert data.loc[0, "status"] == "... < 0 DM"
    assert data.loc[0, "personal_status_sex"] == "male : single"
    assert set(data["telephone"]) == {"yes", "no"}
    assert not data.isna().any().any()


def test_german_sensitive():
    bunch = load_german_credit()
    rows = _raw_german_rows()
    n_female = sum(row[8] in ("A92", "A95") for row in rows)
    sens = bunch.sensitive
    assert list(sens.columns) == ["sex", "age"]
    pd.testing.assert_index_equal(sens.index, bunch.data.index)
    assert (sens["sex"] == "female").sum() == n_female
    assert (sens["sex"] == "male").sum() == 1000 - n_female
    assert sens["age"].dtype == np.int64
    np.testing.assert_array_equal(sens["age"], [int(row[12]) for row in rows])
    pd.testing.assert_series_equal(sens["age"], bunch.data["age"])
    female_text = bunch.data["personal_status_sex"].astype(str).str.startswith("female")
    np.testing.assert_array_equal(female_text, sens["sex"] == "female")


def test_german_return_X_y_and_numpy():
    X, y = load_german_credit(return_X_y=True)
    assert isinstance(X, pd.DataFrame) and X.shape == (1000, 20)
    assert isinstance(y, pd.Series) and y.shape == (1000,)
    bunch = load_german_credit(as_frame=False)
    assert isinstance(bunch.data, np.ndarray) and bunch.data.dtype == object
    assert bunch.data.shape == (1000, 20)
    assert bunch.target.dtype == np.int64 and bunch.target.shape == (1000,)
    assert bunch.sensitive.dtype == object and bunch.sensitive.shape == (1000, 2)
    assert bunch.frame is None
    X, y = load_german_credit(as_frame=False, return_X_y=True)
    assert isinstance(X, np.ndarray) and isinstance(y, np.ndarray)
    assert y.flags.writeable and bunch.target.flags.writeable


def test_german_returns_copies():
    first = load_german_credit()
    first.data.loc[0, "age"] = -1
    first.target[:] = 0
    first.sensitive.loc[0, "sex"] = "female"
    second = load_german_credit()
    assert second.data.loc[0, "age"] == 67
    assert int(second.target.sum()) == 700
    assert second.sensitive.loc[0, "sex"] == "male"
