"""Tests for the vendored UCI Multiple Features loader (no network access)."""

import gzip
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from sklearn.utils import Bunch

from sklatent.datasets._multiple_features import load_multiple_features

WIDTHS = {"fou": 76, "fac": 216, "kar": 64, "pix": 240, "zer": 47, "mor": 6}


def test_all_views_shapes_and_dtypes():
    bunch = load_multiple_features()
    assert isinstance(bunch, Bunch)
    assert bunch.data.shape == (2000, 649)
    assert bunch.data.dtype == np.float64
    assert bunch.target.shape == (2000,)
    assert bunch.target.dtype == np.int64
    assert bunch.frame is None
    assert bunch.view_names == list(WIDTHS)
    assert {name: len(cols) for name, cols in bunch.views.items()} == WIDTHS
    assert len(bunch.feature_names) == 649
    assert np.isfinite(bunch.data).all()
    assert "Fourier coefficients" in bunch.DESCR and "CC BY 4.0" in bunch.DESCR


def test_200_per_digit():
    target = load_multiple_features().target
    np.testing.assert_array_equal(np.bincount(target), np.full(10, 200))


def test_view_indices_partition_columns():
    bunch = load_multiple_features()
    flat = [i for cols in bunch.views.values() for i in cols]
    assert flat == list(range(649))  # consecutive, ordered, disjoint, covering
    for name, cols in bunch.views.items():
        assert all(bunch.feature_names[i].startswith(f"{name}_") for i in cols)


def test_columns_match_the_raw_files():
    bunch = load_multiple_features()
    raw = (
        resources.files("sklatent.datasets") / "data" / "mfeat" / "mfeat-mor.csv.gz"
    ).read_bytes()
    lines = gzip.decompress(raw).decode().splitlines()
    first = [float(v) for v in lines[1].split(",")]
    np.testing.assert_allclose(bunch.data[0, bunch.views["mor"]], first[:-1])
    assert bunch.target[0] == int(first[-1])


def test_subset_of_views_in_given_order():
    full = load_multiple_features()
    sub = load_multiple_features(views=["mor", "fou"])
    assert sub.data.shape == (2000, 82)
    assert sub.view_names == ["mor", "fou"]
    assert sub.views == {"mor": list(range(6)), "fou": list(range(6, 82))}
    np.testing.assert_array_equal(sub.data[:, sub.views["fou"]], full.data[:, full.views["fou"]])
    np.testing.assert_array_equal(sub.target, full.target)
    assert load_multiple_features(views="zer").data.shape == (2000, 47)


def test_as_frame():
    bunch = load_multiple_features(views=["kar", "mor"], as_frame=True)
    assert isinstance(bunch.data, pd.DataFrame)
    assert list(bunch.data.columns) == [f"kar_{i}" for i in range(64)] + [
        f"mor_{i}" for i in range(6)
    ]
    assert bunch.feature_names == list(bunch.data.columns)
    assert isinstance(bunch.target, pd.Series) and bunch.target.name == "digit"
    assert bunch.frame.shape == (2000, 71)
    assert list(bunch.frame.columns[-2:]) == ["mor_5", "digit"]
    assert (bunch.data.dtypes == np.float64).all()


@pytest.mark.parametrize("as_frame", [False, True])
def test_return_X_y(as_frame):
    X, y = load_multiple_features(views=["pix"], as_frame=as_frame, return_X_y=True)
    assert X.shape == (2000, 240) and y.shape == (2000,)
    assert isinstance(X, pd.DataFrame) == as_frame


def test_returns_copies():
    first = load_multiple_features(views=["mor"])
    first.data[:] = -1.0
    first.target[:] = -1
    second = load_multiple_features(views=["mor"])
    assert (second.data != -1.0).any() and (second.target >= 0).all()
    assert second.data.flags.writeable and second.target.flags.writeable


@pytest.mark.parametrize(
    "views, match",
    [
        (["pix", "digits"], r"Unknown view.*'digits'.*'fou', 'fac', 'kar', 'pix', 'zer', 'mor'"),
        ([], "at least one"),
        (["pix", "pix"], "duplicates"),
    ],
)
def test_bad_views(views, match):
    with pytest.raises(ValueError, match=match):
        load_multiple_features(views=views)
