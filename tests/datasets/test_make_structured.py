"""Tests for the planted-structure multi-view generator ``make_structured``."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsRegressor

from sklatent.datasets._structured import make_structured

DEFAULT = {"v0": ["z0"], "v1": ["z0", "z1"], "v2": ["z1", "z2"], "v3": ["z2"]}


@pytest.fixture(scope="module")
def data():
    return make_structured(n_samples=2000, random_state=0)


def _knn_r2(Z, X):
    knn = KNeighborsRegressor(n_neighbors=10)
    return cross_val_score(knn, Z, X, cv=2, scoring="r2").mean()


def test_default_shapes_and_names(data):
    assert data.X.shape == (2000, 40)
    assert data.view_names == ["v0", "v1", "v2", "v3"]
    assert data.block_names == ["z0", "z1", "z2"]
    assert data.structure == DEFAULT
    assert data.views == {v: list(range(10 * i, 10 * i + 10)) for i, v in enumerate(DEFAULT)}
    assert all(isinstance(i, int) for cols in data.views.values() for i in cols)
    assert {k: z.shape for k, z in data.latents.items()} == {k: (2000, 2) for k in data.block_names}
    assert data.latents_array.shape == (2000, 6)
    for k, cols in data.blocks.items():
        np.testing.assert_array_equal(data.latents_array[:, cols], data.latents[k])
    np.testing.assert_allclose(data.X.mean(axis=0), 0.0, atol=1e-10)
    np.testing.assert_allclose(data.X.std(axis=0), 1.0)


def test_decoder_mask_matches_structure(data):
    mask = data.decoder_mask
    assert isinstance(mask, pd.DataFrame)
    assert (mask.dtypes == np.dtype(bool)).all()
    assert list(mask.index) == data.block_names and list(mask.columns) == data.view_names
    for view, parents in DEFAULT.items():
        for block in data.block_names:
            assert mask.loc[block, view] == (block in parents)


def test_custom_structure_and_sizes():
    structure = {"img": ["shared", "style"], "txt": ["shared"], "lab": "content"}
    data = make_structured(
        50,
        structure,
        view_sizes={"img": 7, "txt": 3, "lab": 1},
        block_sizes={"content": 1, "shared": 4, "style": 2},
        noise=0.0,
        random_state=1,
    )
    assert data.X.shape == (50, 11)
    assert data.block_names == ["content", "shared", "style"]  # order of block_sizes
    assert data.views == {"img": list(range(7)), "txt": [7, 8, 9], "lab": [10]}
    assert data.latents_array.shape == (50, 7)
    assert data.blocks == {"content": [0], "shared": [1, 2, 3, 4], "style": [5, 6]}
    assert data.decoder_mask.to_numpy().astype(int).tolist() == [[0, 0, 1], [1, 1, 0], [1, 0, 0]]


def test_determinism():
    a = make_structured(100, random_state=3)
    b = make_structured(100, random_state=3)
    c = make_structured(100, random_state=4)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.latents_array, b.latents_array)
    assert not np.allclose(a.X, c.X)


@pytest.mark.parametrize("view", list(DEFAULT))
def test_view_depends_only_on_its_parents(data, view):
    Xv = data.X[:, data.views[view]]
    parents = np.hstack([data.latents[k] for k in DEFAULT[view]])
    others = np.hstack([data.latents[k] for k in data.block_names if k not in DEFAULT[view]])
    assert _knn_r2(parents, Xv) > 0.8
    assert LinearRegression().fit(others, Xv).score(others, Xv) < 0.05
    assert _knn_r2(others, Xv) < 0.05


def test_views_are_nonlinear_and_use_every_parent(data):
    for view in ["v1", "v2"]:
        Xv = data.X[:, data.views[view]]
        parents = np.hstack([data.latents[k] for k in DEFAULT[view]])
        linear = cross_val_score(LinearRegression(), parents, Xv, cv=2, scoring="r2").mean()
        assert linear < _knn_r2(parents, Xv) - 0.05  # tanh leaves a nonlinear part
        for k in DEFAULT[view]:
            assert 0.1 < _knn_r2(data.latents[k], Xv) < 0.85  # each parent matters


def test_noise_level():
    clean = make_structured(2000, noise=0.0, random_state=0)
    noisy = make_structured(2000, noise=1.0, random_state=0)
    np.testing.assert_array_equal(clean.latents_array, noisy.latents_array)
    # same weights: the noisy view is the clean one plus unit noise, rescaled by sqrt(2)
    residual = noisy.X - clean.X / np.sqrt(2.0)
    assert 0.4 < residual.var() < 0.6


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"structure": {"a": ["z0"], "b": []}}, "View 'b' has no parent"),
        ({"structure": {"a": ["z0", "z9"]}, "block_sizes": {"z0": 2}}, r"unknown parent.*'z9'"),
        (
            {"structure": {"a": ["z0"]}, "block_sizes": {"z0": 2, "z1": 2}},
            r"\['z1'\] generate no view",
        ),
        ({"structure": {"a": ["z0", "z0"]}}, "distinct"),
        ({"structure": {}}, "non-empty dict"),
        ({"view_sizes": {"v0": 3}}, r"no size for the view\(s\) \['v1', 'v2', 'v3'\]"),
        ({"view_sizes": {"v0": 3, "v1": 3, "v2": 3, "v3": 3, "v9": 3}}, r"unknown view.*'v9'"),
        ({"block_sizes": 0}, "block_sizes == 0, must be >= 1"),
        ({"n_samples": 0}, "n_samples"),
        ({"noise": -0.1}, "noise"),
        ({"noise": float("inf")}, "noise"),
    ],
)
def test_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_structured(**kwargs)
