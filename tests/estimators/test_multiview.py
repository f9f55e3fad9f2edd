"""MultiViewEncoder: the shared block, cross-view prediction and missing views."""

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklatent import MultiViewEncoder

rng = np.random.RandomState(0)
N = 1200
COMMON = rng.normal(size=(N, 2))
OWN_A, OWN_B = rng.normal(size=(N, 1)), rng.normal(size=(N, 1))
MIX_A, MIX_B = rng.normal(size=(3, 6)), rng.normal(size=(3, 5))
A = np.tanh(np.hstack([COMMON, OWN_A]) @ MIX_A) + 0.05 * rng.normal(size=(N, 6))
B = np.hstack([COMMON, OWN_B]) @ MIX_B + 0.05 * rng.normal(size=(N, 5))
X = np.hstack([A, B])
VIEWS = {"a": list(range(6)), "b": list(range(6, 11))}
FAST = {"views": VIEWS, "max_epochs": 150, "lr": 3e-3, "random_state": 0}


@pytest.fixture(scope="module")
def encoder():
    return MultiViewEncoder(2, 1, **FAST).fit(X)


def _r2(predicted, truth):
    return 1 - np.sum((predicted - truth) ** 2) / np.sum((truth - truth.mean(0)) ** 2)


@pytest.mark.slow
def test_shared_block_carries_the_common_factors(encoder):
    from sklearn.linear_model import LinearRegression

    codes = encoder.transform(X)
    assert codes.shape == (N, 2)

    def r2(target):
        return LinearRegression().fit(codes, target).score(codes, target)

    # Measured (view_dropout=0.5): common factors 0.95, own factors 0.05 and 0.00. Without view
    # dropout: 0.81, and a's own factor leaks into the shared block (0.33).
    assert r2(COMMON) > 0.85
    assert r2(OWN_A) < 0.2
    assert r2(OWN_B) < 0.1


def test_cross_view_prediction_beats_the_mean(encoder):
    predicted = encoder.predict_view(X, source="a", target="b")
    assert predicted.shape == (N, 5)
    # b's own factor is unpredictable from a: the best possible R^2 is about 2/3.
    assert _r2(predicted, B) > 0.5


def test_codes_from_one_view_stay_close_to_codes_from_both(encoder):
    only_a = X.copy()
    only_a[:, VIEWS["b"]] = np.nan
    both, from_a = encoder.transform(X), encoder.transform(only_a)
    assert np.isfinite(from_a).all()
    assert np.mean((both - from_a) ** 2) < 0.3 * np.mean(both**2)


def test_names_outputs_and_generation():
    full = MultiViewEncoder(2, 1, output="all", **{**FAST, "max_epochs": 2}).fit(X)
    names = list(full.get_feature_names_out())
    assert names == ["shared0", "shared1", "private_a_0", "private_b_0"]
    Z = full.transform(X)
    assert full.inverse_transform(Z).shape == X.shape
    assert full.inverse_transform(Z, view="b").shape == (N, 5)
    with pytest.raises(ValueError, match="Unknown view 'c'"):
        full.predict_view(X, source="c", target="b")


def test_shared_codes_generate_every_view_with_the_private_blocks_at_zero(encoder):
    Z = encoder.transform(X)  # output="shared", the default
    generated = encoder.inverse_transform(Z)
    assert generated.shape == X.shape
    np.testing.assert_allclose(generated[:, VIEWS["b"]], encoder.inverse_transform(Z, view="b"))


@pytest.mark.slow
def test_view_dropout_brings_one_view_codes_close_to_all_view_codes():
    only_b = X.copy()
    only_b[:, VIEWS["a"]] = np.nan
    gaps = {}
    for dropout in (0.0, 0.5):
        encoder = MultiViewEncoder(2, 1, view_dropout=dropout, **FAST).fit(X)
        both, from_b = encoder.transform(X), encoder.transform(only_b)
        gaps[dropout] = np.mean((both - from_b) ** 2) / np.mean(both**2)
    # Measured: 0.23 without view dropout, 0.03 with it.
    assert gaps[0.5] < 0.5 * gaps[0.0]


@pytest.mark.parametrize("output", ["shared", "all"])
def test_pandas_output_names_the_columns_transform_returns(output):
    small = {"views": VIEWS, "hidden_layer_sizes": (8,), "max_epochs": 2, "random_state": 0}
    frame = pd.DataFrame(X[:100], index=np.arange(100) + 1000)
    encoder = MultiViewEncoder(2, 1, output=output, **small).fit(frame.to_numpy())
    expected = list(encoder.get_feature_names_out())
    assert len(expected) == encoder.transform(X[:5]).shape[1]
    # Asked of the estimator...
    codes = encoder.set_output(transform="pandas").transform(frame.to_numpy())
    assert list(codes.columns) == expected
    # ...or globally, in a pipeline, where fit_transform goes through transform too.
    with sklearn.config_context(transform_output="pandas"):
        pipe = make_pipeline(StandardScaler(), MultiViewEncoder(2, 1, output=output, **small))
        codes = pipe.fit_transform(frame)
        assert list(codes.columns) == expected
        assert list(codes.index) == list(frame.index)
        assert list(pipe.transform(frame).columns) == expected


def test_a_lone_view_gets_no_private_block():
    X = np.random.RandomState(0).normal(size=(80, 4))
    encoder = MultiViewEncoder(2, 3, output="all", max_epochs=1, random_state=0).fit(X)
    assert encoder.block_names_ == ["shared"]
    assert list(encoder.get_feature_names_out()) == ["shared0", "shared1"]
    assert encoder.transform(X).shape == (80, 2)
