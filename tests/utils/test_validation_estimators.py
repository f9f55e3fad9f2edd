"""Every estimator rejects bad auxiliary variables the same way, naming the variable."""

import warnings

import numpy as np
import pandas as pd
import pytest

from sklatent import (
    BetaVAE,
    DisentangledEncoder,
    FairEncoder,
    InvariantEncoder,
    MechanismEncoder,
    StructuredVAE,
)

N = 60
X = np.random.RandomState(0).normal(size=(N, 4))
Y = np.arange(N) % 2
ENV = (np.arange(N) // 2) % 2
TINY = {"hidden_layer_sizes": (8,), "max_epochs": 1, "random_state": 0}


def _fit_invariant(y=Y, environments=ENV):
    InvariantEncoder(2, **TINY).fit(X, y, environments=environments)


def _fit_mechanism(mechanism="translation", X_next=X, actions=None):
    MechanismEncoder(2, mechanism=mechanism, **TINY).fit(X, X_next=X_next, actions=actions)


def _fit_disentangled(y):
    DisentangledEncoder(subspace_sizes=1, **TINY).fit(X, y)


# name -> (a valid value, fit with a value of that variable, a value with the wrong ndim)
AUXILIARIES = {
    "environments": (ENV, lambda v: _fit_invariant(environments=v), np.c_[ENV, ENV]),
    "y": (Y, lambda v: _fit_invariant(y=v), np.c_[Y, Y]),
    "sensitive_features": (
        np.array(["f", "m"], dtype=object)[ENV],
        lambda v: FairEncoder(2, **TINY).fit(X, Y, sensitive_features=v),
        None,  # several columns are several sensitive features
    ),
    "actions (labels)": (
        ENV,
        lambda v: _fit_mechanism("translation_unknown", actions=v),
        np.c_[ENV, ENV],
    ),
    "actions (offsets)": (np.zeros((N, 2)), lambda v: _fit_mechanism(actions=v), np.zeros(N)),
    "X_next": (X, lambda v: _fit_mechanism(X_next=v), X[:, 0]),
}


def _fit(name, value):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # no environments, consecutive rows...
        AUXILIARIES[name][1](value)


def _spoiled(value, entry):
    """``value`` with one entry of row 5 replaced (by NaN, None, pd.NA or infinity)."""
    if isinstance(entry, float):
        spoiled = np.asarray(value, dtype=float).copy()
    else:
        spoiled = np.asarray(value, dtype=object).copy()
    spoiled[(5,) + (0,) * (spoiled.ndim - 1)] = entry
    return spoiled


@pytest.mark.parametrize("name", list(AUXILIARIES))
@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (np.nan, "missing values"),
        (None, "missing values"),
        (pd.NA, "missing values"),
        (np.inf, "infinite values"),
    ],
    ids=["nan", "None", "pd.NA", "inf"],
)
def test_missing_or_infinite_entries_are_errors_that_name_the_variable(name, entry, message):
    value = AUXILIARIES[name][0]
    if isinstance(entry, float) and np.asarray(value).dtype == object:
        value = np.where(value == "f", 0.0, 1.0)  # float entries go into a float column
    variable = name.split(" ")[0]
    with pytest.raises(ValueError, match=rf"^{variable} holds {message}.* at rows \[5\]"):
        _fit(name, _spoiled(value, entry))


@pytest.mark.parametrize("name", list(AUXILIARIES))
def test_a_wrong_number_of_rows_is_an_error(name):
    variable = name.split(" ")[0]
    with pytest.raises(ValueError, match=rf"{variable} has {N - 3} rows but X has {N}"):
        _fit(name, AUXILIARIES[name][0][:-3])


@pytest.mark.parametrize("name", [name for name in AUXILIARIES if name != "y"])
def test_a_scalar_is_an_error_that_names_the_variable(name):
    # The conversions' own errors ("at least 1 dimension", "Must pass 2-d input") named nothing.
    variable = name.split(" ")[0]
    with pytest.raises(ValueError, match=rf"^{variable} must be array-like, got the scalar 1"):
        _fit(name, 1)


def test_values_beyond_float32_are_an_error_in_fit_and_in_transform():
    # They became infinities in the float32 tensors, and transform returned NaN codes.
    model = BetaVAE(2, **TINY).fit(X)
    wide = X.copy()
    wide[3, 1] = 1e39
    for call in (model.transform, BetaVAE(2, **TINY).fit):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no numpy overflow warning before the error
            with pytest.raises(ValueError, match=r"beyond float32's range \(1e\+39"):
                call(wide)


@pytest.mark.parametrize(
    "name", [name for name, (*_, bad) in AUXILIARIES.items() if bad is not None]
)
def test_a_wrong_number_of_dimensions_is_an_error(name):
    variable = name.split(" ")[0]
    with pytest.raises(ValueError, match=rf"{variable} (must be|should be a) (1-D|2-D|1d)"):
        _fit(name, AUXILIARIES[name][2])


def test_labels_that_do_not_sort_are_an_error():
    environments = np.array(["a", 1] * (N // 2), dtype=object)
    with pytest.raises(ValueError, match=r"environments mixes labels of types \['int', 'str'\]"):
        _fit("environments", environments)


@pytest.mark.parametrize(
    ("y", "message"),
    [
        (
            np.c_[Y, np.where(np.arange(N) == 5, np.inf, ENV)],
            r"y holds infinite values at rows \[5\]",
        ),
        (np.c_[Y, ENV][:-3], f"y has {N - 3} rows but X has {N}"),
        (np.c_[Y, ENV][:, :, None], r"y must be a 1-D or 2-D array, got shape \(60, 2, 1\)"),
    ],
)
def test_disentangled_attributes_are_validated_like_the_other_variables(y, message):
    with pytest.raises(ValueError, match=message):
        _fit_disentangled(y)
    if y.ndim == 2:
        with pytest.raises(ValueError, match=message):
            _fit_disentangled(pd.DataFrame(y))  # also as a DataFrame


def test_disentangled_attributes_may_be_missing():
    # A missing attribute label (None, pd.NA or NaN) is an unobserved attribute, not an error.
    smiling = np.array(["no", "yes"], dtype=object)[Y]
    smiling[[1, 2]] = None, pd.NA
    glasses = np.where(np.arange(N) == 3, np.nan, ENV)
    encoder = DisentangledEncoder(subspace_sizes=1, **TINY)
    encoder.fit(X, pd.DataFrame({"smiling": smiling, "glasses": glasses}))
    assert encoder.attributes_ == ["smiling", "glasses"]


def test_text_columns_of_a_frame_are_refused_by_name():
    frame = pd.DataFrame(
        {
            "a": np.linspace(0, 1, 60),
            "colour": ["blue", "red", "green"] * 20,
            "numbers_as_objects": pd.Series([1.0, 2.0, 3.0] * 20, dtype=object),
            "coded": pd.Categorical([1, 2, 3] * 20),
            "day": pd.date_range("2026-01-01", periods=60),
        }
    )
    for estimator in (BetaVAE(2, **TINY), StructuredVAE(**TINY)):
        with pytest.raises(ValueError, match=r"categories or dates: \['colour', 'day'\]"):
            estimator.fit(frame)
        assert estimator.fit(frame.drop(columns=["colour", "day"])).n_features_in_ == 3


def test_the_refusal_suggests_a_preprocessing_that_then_fits():
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    # Ten categories: the one-hot block is sparse enough that a ColumnTransformer returns a
    # sparse matrix unless told otherwise, which the estimators refuse.
    frame = pd.DataFrame(
        {"a": np.linspace(0, 1, 60), "colour": pd.Categorical([f"c{i}" for i in range(10)] * 6)}
    )
    with pytest.raises(ValueError, match=r"sparse_threshold=0\)") as refused:
        BetaVAE(2, **TINY).fit(frame)
    assert "make_column_transformer((OneHotEncoder()" in str(refused.value)
    # A one-hot block would break a categorical view, which reads one column of class codes.
    assert "likelihood='categorical' reads one column of integer codes" in str(refused.value)
    sparse = make_column_transformer((OneHotEncoder(), ["colour"]), remainder=StandardScaler())
    with pytest.raises(TypeError, match="Sparse data"):
        make_pipeline(sparse, BetaVAE(2, **TINY)).fit(frame)
    suggested = make_column_transformer(
        (OneHotEncoder(), ["colour"]), remainder=StandardScaler(), sparse_threshold=0
    )
    pipeline = make_pipeline(suggested, BetaVAE(2, **TINY)).fit(frame)
    assert pipeline.transform(frame).shape == (60, 2)


def test_labels_of_another_type_than_the_fitted_ones_are_named_as_unseen():
    # Text after integer labels, in object arrays, raised numpy's bare TypeError ("'<' not
    # supported between instances of 'int' and 'str'") instead of naming the labels.
    text = pd.Series(np.where(Y == 1, "yes", "no"), dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        invariant = InvariantEncoder(2, **TINY).fit(X, Y, environments=ENV)
        fair = FairEncoder(2, **TINY).fit(X, Y, sensitive_features=ENV)
        mechanism = MechanismEncoder(2, mechanism="translation_unknown", **TINY)
        mechanism.fit(X, X_next=X, actions=ENV)
    calls = [
        (lambda: invariant.partial_fit(X, text, environments=ENV), "y holds labels not seen"),
        (
            lambda: invariant.partial_fit(X, Y, environments=text),
            r"environments holds labels not seen in fit: \['no' 'yes'\]",
        ),
        (lambda: fair.partial_fit(X, Y, sensitive_features=text), "groups not seen in fit"),
        (
            lambda: mechanism.predict_next(X[:2], actions=np.array(["left", "up"], dtype=object)),
            r"actions holds labels not seen in fit: \['left' 'up'\]",
        ),
    ]
    for call, message in calls:
        with pytest.raises(ValueError, match=message):
            call()


def test_attributes_of_another_kind_than_the_fitted_ones_are_named_as_unseen():
    # Numbers after text labels failed on their placeholder ("invalid literal for int()").
    text = np.where(Y == 1, "yes", "no")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = DisentangledEncoder(1, **TINY).fit(X, text)
    with pytest.raises(ValueError, match=r"holds labels not seen in fit: \[1.5 2.5\]"):
        model.partial_fit(X[:4], np.array([1.5, 2.5, 1.5, 2.5]))


def test_unhashable_labels_are_named_as_unseen():
    from sklatent.utils._labels import encode_labels

    labels = np.empty(2, dtype=object)
    labels[:] = [[1], "a"]
    with pytest.raises(ValueError, match=r"not seen in fit: \['a' list\(\[1\]\)\]"):
        encode_labels(labels, np.array([0, 1]), name="y")
