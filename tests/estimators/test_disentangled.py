"""DisentangledEncoder: the correlation-shift toy of paper 001, missing labels, errors."""

import warnings

import numpy as np
import pandas as pd
import pytest

from sklatent import DisentangledEncoder
from sklatent.datasets import make_correlated_attributes

# Two Gaussian attributes with correlation 0.8 in training, x = s + noise (the paper's toy).
X, Y = make_correlated_attributes(3000, correlation=0.8, random_state=0)
SHIFTED = {c: make_correlated_attributes(3000, correlation=c, random_state=1) for c in (-0.8, 0.8)}
FAST = {"subspace_sizes": 1, "max_epochs": 30, "random_state": 0}


def _explained_variance(**params):
    model = DisentangledEncoder(**{**FAST, **params}).fit(X, Y)
    return {c: model.score(*data) for c, data in SHIFTED.items()}


@pytest.fixture(scope="module")
def scores():
    return {
        "none": _explained_variance(independence="none"),
        "unconditional": _explained_variance(
            independence="unconditional", dependence_measure="mmd", independence_weight=100
        ),
        "conditional": _explained_variance(independence="conditional", independence_weight=3),
    }


@pytest.mark.slow
def test_conditional_independence_is_flat_under_correlation_shift(scores):
    # Closed-form references: none 0.833 / 0.919, conditional 0.909 at c = -0.8 / +0.8.
    # Measured (3,000 rows): none 0.829 / 0.919, conditional 0.893 / 0.896.
    conditional, none = scores["conditional"], scores["none"]
    assert abs(none[-0.8] - 0.833) < 0.02 and abs(none[0.8] - 0.919) < 0.02
    assert abs(conditional[-0.8] - conditional[0.8]) < 0.02
    assert conditional[0.8] > 0.88
    assert conditional[-0.8] > none[-0.8] + 0.05


def test_unconditional_independence_costs_accuracy_in_distribution(scores):
    # I(z_1; z_2) = 0 fights the attributes' own correlation (closed form 0.601 / 0.698 at
    # c = -0.8 / +0.8; measured 0.702 / 0.704).
    assert scores["unconditional"][0.8] < scores["conditional"][0.8] - 0.1
    assert scores["unconditional"][0.8] < 0.72


@pytest.mark.slow
def test_mmd_critic_without_an_adversary_reaches_the_closed_form():
    # The target on the paper's toy: within 0.02 of the closed-form 0.909 at both
    # correlations (measured: 0.897 / 0.906; 5 seeds of the benchmark: 0.903 / 0.909 / 0.906).
    shifted = _explained_variance(
        independence="conditional", dependence_measure="mmd", independence_weight=10
    )
    assert all(abs(value - 0.909) < 0.02 for value in shifted.values())
    assert abs(shifted[-0.8] - shifted[0.8]) < 0.02


@pytest.mark.slow
def test_warmup_trains_the_readouts_alone_first():
    settings = {**FAST, "max_epochs": 3, "independence_weight": 10, "warmup_epochs": 2}
    model = DisentangledEncoder(**settings, dependence_measure="mmd").fit(X, Y)
    history = model.history_
    measured = min(abs(history[epoch, "train_independence"]) for epoch in range(3))
    assert measured > 1e-3
    for epoch, annealed in ((0, False), (1, False), (2, True)):
        loss, penalty = history[epoch, "train_loss"], history[epoch, "train_independence"]
        readouts = history[epoch, "train_reconstruction"]
        assert loss == pytest.approx(readouts + (10 * penalty if annealed else 0.0), abs=1e-5)


SMALL = {"subspace_sizes": 2, "max_epochs": 3, "hidden_layer_sizes": (8,), "random_state": 0}
rng = np.random.RandomState(0)
LABELS = pd.DataFrame({"digit": rng.randint(0, 3, 300), "colour": rng.choice(["r", "g"], 300)})
FEATURES = np.hstack([LABELS[["digit"]].to_numpy(), (LABELS[["colour"]] == "r").to_numpy()])
FEATURES = FEATURES + 0.1 * rng.normal(size=FEATURES.shape)


def test_named_categorical_attributes_and_their_api():
    model = DisentangledEncoder(**SMALL).fit(FEATURES, LABELS)
    assert model.attributes_ == ["digit", "colour"]
    assert model.attribute_types_ == {"digit": "categorical", "colour": "categorical"}
    assert list(model.get_feature_names_out()) == ["digit_0", "digit_1", "colour_0", "colour_1"]
    predicted = model.predict(FEATURES)
    assert predicted.shape == (300, 2) and set(predicted[:, 1]) <= {"r", "g"}
    digit_proba, colour_proba = model.predict_proba(FEATURES)
    assert digit_proba.shape == (300, 3) and colour_proba.shape == (300, 2)
    assert digit_proba.dtype == colour_proba.dtype == np.float64  # as InvariantEncoder's
    np.testing.assert_allclose(digit_proba.sum(axis=1), 1.0, rtol=1e-6)
    assert 0 <= model.score(FEATURES, LABELS) <= 1


def test_text_labels_that_read_as_numbers_come_back_as_given():
    # "0"/"1" are class names, not numbers: predict returned the integers 0 and 1, which
    # never equal the labels fit was given.
    labels = pd.DataFrame({"digit": LABELS["digit"].astype(str), "colour": LABELS["colour"]})
    model = DisentangledEncoder(**SMALL).fit(FEATURES, labels)
    assert model.categories_["digit"].tolist() == ["0", "1", "2"]
    assert set(model.predict(FEATURES)[:, 0]) <= {"0", "1", "2"}
    # A column of numbers in an object array is still numeric (here a continuous attribute),
    # and so is text of numbers that are not all whole (measurements written as text).
    mixed = np.empty((300, 3), dtype=object)
    mixed[:, 0] = np.random.RandomState(1).normal(size=300)
    mixed[:, 1] = LABELS["colour"].to_numpy()
    mixed[:, 2] = [f"{value:.3f}" for value in np.random.RandomState(2).normal(size=300)]
    assert DisentangledEncoder(**SMALL).fit(FEATURES, mixed).attribute_types_ == {
        "attr0": "continuous",
        "attr1": "categorical",
        "attr2": "continuous",
    }


def test_missing_labels_drop_out_of_their_attribute_only():
    partial = LABELS.assign(digit=np.where(rng.rand(300) < 0.5, -1, LABELS["digit"]))
    partial["colour"] = partial["colour"].where(rng.rand(300) > 0.5, None)
    before = partial.copy()
    n_hidden = int((partial["digit"] == -1).sum())
    # -1 may be a class in the user's table: reading it as missing says so.
    with pytest.warns(UserWarning, match=f"'digit': {n_hidden} rows hold -1, read as a missing"):
        model = DisentangledEncoder(**SMALL).fit(FEATURES, partial)
    pd.testing.assert_frame_equal(partial, before)  # the user's labels are not modified
    assert model.categories_["digit"].tolist() == [0, 1, 2]  # -1 is missing, not a class
    assert np.isfinite(model.history_[-1, "train_loss"])
    as_text = DisentangledEncoder(**SMALL).fit(FEATURES, partial.astype({"digit": str}))
    assert as_text.categories_["digit"].tolist() == ["-1", "0", "1", "2"]


def test_whole_numbers_of_many_values_read_as_classes_warn():
    ages = pd.Series(np.random.RandomState(0).randint(20, 60, 300).astype(float), name="age")
    with pytest.warns(UserWarning, match=r"'age': its \d\d distinct whole numbers are read as"):
        DisentangledEncoder(**SMALL).fit(FEATURES, ages)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*distinct whole numbers")
        declared = DisentangledEncoder(attribute_types={"age": "continuous"}, **SMALL)
        assert declared.fit(FEATURES, ages).attribute_types_ == {"age": "continuous"}
        DisentangledEncoder(**SMALL).fit(FEATURES, LABELS)  # three classes: no warning


def test_a_named_series_names_its_attribute():
    model = DisentangledEncoder(**SMALL).fit(FEATURES, LABELS["digit"])
    assert model.attributes_ == ["digit"]
    assert model.get_feature_names_out()[0] == "digit_0"
    unnamed = DisentangledEncoder(**SMALL).fit(FEATURES, LABELS["digit"].to_numpy())
    assert unnamed.attributes_ == ["attr0"]
    # After fit, an array or a Series is read by position, whatever its name; a DataFrame by
    # its columns, which must be the fitted attributes.
    for fitted, other in [(model, LABELS["digit"].to_numpy()), (unnamed, LABELS["digit"])]:
        assert fitted.score(FEATURES, other) == fitted.score(FEATURES, LABELS["digit"].to_numpy())
        fitted.partial_fit(FEATURES, other.rename("renamed") if hasattr(other, "rename") else other)
    with pytest.raises(ValueError, match=r"attributes \['digit'\]; the model was fitted on"):
        unnamed.score(FEATURES, LABELS[["digit"]])
    with pytest.raises(ValueError, match=r"y has 2 column\(s\); the model was fitted on 1"):
        unnamed.score(FEATURES, LABELS.to_numpy())


def test_single_valued_attributes_and_wrong_shapes_are_errors():
    with pytest.raises(ValueError, match="one class"):
        DisentangledEncoder(**SMALL).fit(FEATURES, LABELS.assign(colour="r"))
    with pytest.raises(ValueError, match="y has 10 rows but X has 300"):
        DisentangledEncoder(**SMALL).fit(FEATURES, LABELS.iloc[:10])
    with pytest.raises(ValueError, match="one positive size per attribute"):
        DisentangledEncoder(subspace_sizes=[1, 2, 3], max_epochs=1).fit(FEATURES, LABELS)


def test_reserved_attribute_names_and_a_short_type_list_are_errors():
    # "x" names the features' view; "free" the free block, which it silently merged with.
    with pytest.raises(ValueError, match=r"'x' is taken by the view of X: rename"):
        DisentangledEncoder(**SMALL).fit(FEATURES, LABELS.rename(columns={"digit": "x"}))
    free = LABELS.rename(columns={"digit": "free"})
    with pytest.raises(ValueError, match=r"'free' is taken by the free block \(n_free\)"):
        DisentangledEncoder(**SMALL, n_free=1, beta=1.0).fit(FEATURES, free)
    assert DisentangledEncoder(**SMALL).fit(FEATURES, free).block_names_ == ["free", "colour"]
    with pytest.raises(ValueError, match=r"one type per attribute \(2: \['digit', 'colour'\]\)"):
        DisentangledEncoder(**SMALL, attribute_types=["categorical"]).fit(FEATURES, LABELS)


def test_score_compares_labels_as_values_whatever_their_number_type():
    # A column with missing labels (NaN) is float: its classes are 0.0, 1.0, 2.0.
    with_missing = LABELS.assign(digit=LABELS["digit"].astype(float).mask(np.arange(300) < 30))
    model = DisentangledEncoder(**SMALL).fit(FEATURES, with_missing)
    predicted = model.predict(FEATURES)
    accuracy = np.mean([predicted[:, 0] == LABELS["digit"], predicted[:, 1] == LABELS["colour"]])
    assert model.score(FEATURES, LABELS.astype({"digit": float})) == pytest.approx(accuracy)
    assert model.score(FEATURES, LABELS) == pytest.approx(accuracy)  # int labels: 0 before
    # Text that reads as whole numbers stays text classes; int labels still match them.
    as_text = DisentangledEncoder(**SMALL).fit(FEATURES, LABELS.astype({"digit": str}))
    text_score = as_text.score(FEATURES, LABELS.astype({"digit": str}))
    assert as_text.categories_["digit"].tolist() == ["0", "1", "2"]
    assert as_text.score(FEATURES, LABELS) == pytest.approx(text_score)


@pytest.mark.slow
def test_half_the_labels_missing_costs_an_attribute_little():
    # Two independent binary attributes; half of the first one's labels hidden. Rows without a
    # label must drop out of that attribute's readout only (measured: 0.910 / 0.900 with every
    # label; a readout that took the hidden rows for a class fell to 0.486).
    X_fit, y_fit = make_correlated_attributes(
        2000, correlation=0.0, task="classification", random_state=0
    )
    X_new, y_new = make_correlated_attributes(
        2000, correlation=0.0, task="classification", random_state=1
    )
    hidden = y_fit.copy()
    hidden[np.random.default_rng(0).random(len(hidden)) < 0.5, 0] = -1
    params = {"subspace_sizes": 1, "independence": "none", "max_epochs": 20, "random_state": 0}
    full = DisentangledEncoder(**params).fit(X_fit, y_fit)
    partial = DisentangledEncoder(**params).fit(X_fit, hidden)
    full_accuracy = (full.predict(X_new) == y_new).mean(axis=0)
    partial_accuracy = (partial.predict(X_new) == y_new).mean(axis=0)
    assert full_accuracy.min() > 0.85
    assert np.all(partial_accuracy > full_accuracy - 0.03)


@pytest.mark.parametrize(("measure", "penalised"), [("mmd", False), ("permutation", True)])
def test_default_warmup_depends_on_the_dependence_measure(measure, penalised):
    # None: 10 epochs of readouts alone for the MMD (exact from the first step), none for the
    # adversary (its penalty grows as its discriminators learn).
    model = DisentangledEncoder(
        **{**FAST, "max_epochs": 1}, dependence_measure=measure, independence_weight=10
    )
    history = model.fit(X, Y).history_
    loss, readouts = history[0, "train_loss"], history[0, "train_reconstruction"]
    expected = readouts + (10 * history[0, "train_independence"] if penalised else 0.0)
    assert abs(history[0, "train_independence"]) > 1e-3
    assert loss == pytest.approx(expected, abs=1e-5)


def test_one_subspace_and_nothing_else_is_fitted_without_a_penalty():
    # With one attribute and no free dimensions z_-k is empty: a weight on I(z_k; z_-k | s_k)
    # must change nothing (a discriminator shown identical real and permuted rows would).
    codes = []
    for weight in (1.0, 1000.0):
        encoder = DisentangledEncoder(**SMALL, independence_weight=weight)
        codes.append(encoder.fit(FEATURES, LABELS[["digit"]]).transform(FEATURES))
        assert type(encoder.net_).__name__ == "LatentNet"  # no discriminators to train
        assert max(encoder.history_[:, "train_independence"]) == 0.0
    np.testing.assert_array_equal(codes[0], codes[1])
    two = DisentangledEncoder(**SMALL).fit(FEATURES, LABELS)  # two subspaces: penalised
    assert type(two.net_).__name__ == "AdversarialNet"


def test_a_posterior_never_sampled_is_not_judged_by_its_variance():
    import warnings

    from sklatent import CollapsedCodesWarning

    # beta=0: the readouts train on the posterior mean and its variance stays untrained (about
    # 1), so codes that spread less than that after three epochs are no sign of a collapse.
    encoder = DisentangledEncoder(**SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CollapsedCodesWarning)
        encoder.fit(FEATURES, LABELS[["digit"]])
    assert encoder.net_.module_.sample is False


def test_a_continuous_attribute_fits_the_same_in_any_unit():
    # Standardised inside: in raw units (an income of thousands) the readout's squared error
    # swamped the other attribute's; predict maps the readout back to the unit of y.
    settings = {**FAST, "max_epochs": 3}
    in_thousands = Y * np.array([1000.0, 1.0]) + np.array([5000.0, 0.0])
    plain = DisentangledEncoder(**settings).fit(X, Y)
    scaled = DisentangledEncoder(**settings).fit(X, in_thousands)
    np.testing.assert_allclose(scaled.transform(X[:100]), plain.transform(X[:100]), atol=1e-4)
    np.testing.assert_allclose(
        scaled.predict(X[:100]), plain.predict(X[:100]) * [1000, 1] + [5000, 0], rtol=1e-4, atol=0.1
    )
    assert scaled.score(X, in_thousands) == pytest.approx(plain.score(X, Y), abs=1e-4)


def test_inverse_transform_decodes_x_with_text_attributes_and_refuses_without_a_decoder():
    rng = np.random.RandomState(0)
    features = rng.normal(size=(300, 5))
    labels = pd.DataFrame(
        {"colour": np.where(features[:, 0] > 0, "red", "blue"), "size": features[:, 1] > 0}
    )
    settings = {"max_epochs": 2, "random_state": 0}
    with_decoder = DisentangledEncoder(beta=0.1, **settings).fit(features, labels)
    decoded = with_decoder.inverse_transform(with_decoder.transform(features))
    assert decoded.shape == features.shape and np.isfinite(decoded).all()
    without = DisentangledEncoder(**settings).fit(features, labels)
    with pytest.raises(ValueError, match=r"without a decoder of X.*beta > 0"):
        without.inverse_transform(without.transform(features))


def test_a_model_saved_before_standardised_readouts_predicts_its_readout_as_is():
    # A model file from an earlier version has no scales: its readouts were trained in y's unit.
    model = DisentangledEncoder(**{**FAST, "max_epochs": 2}).fit(X, Y)
    standardised = model.predict(X[:20])
    mean, deviation = model._attribute_scales[model.attributes_[0]]
    del model._attribute_scales
    as_is = model.predict(X[:20])
    np.testing.assert_allclose(standardised[:, 0], as_is[:, 0] * deviation + mean, rtol=1e-5)


def test_a_boolean_attribute_declared_continuous_fits_and_a_huge_one_is_refused():
    labels = pd.DataFrame({"flag": X[:, 0] > 0, "huge": 1e200 * (1.5 + np.tanh(X[:, 1]))})
    settings = {**FAST, "max_epochs": 1}
    flag_only = DisentangledEncoder(attribute_types={"flag": "continuous"}, **settings)
    assert np.isfinite(flag_only.fit(X, labels[["flag"]]).predict(X[:10])).all()
    huge = DisentangledEncoder(attribute_types="continuous", **settings)
    with pytest.raises(ValueError, match=r"'huge' holds values too large.*rescale it"):
        huge.fit(X, labels)
    assert not hasattr(huge, "net_")


def test_a_one_dimensional_y_gets_scikit_learn_shaped_predictions():
    # A 1-D y gave (n, 1) predictions, a list of probabilities and no classes_, so
    # cross_val_predict(method="predict_proba") failed.
    from sklearn.model_selection import cross_val_predict

    digit = LABELS["digit"].to_numpy()
    model = DisentangledEncoder(**SMALL).fit(FEATURES, digit)
    assert model.predict(FEATURES).shape == (len(digit),)
    proba = model.predict_proba(FEATURES)
    np.testing.assert_array_equal(model.classes_, np.unique(digit))
    assert proba.shape == (len(digit), len(model.classes_))
    out_of_fold = cross_val_predict(model, FEATURES, digit, cv=2, method="predict_proba")
    assert out_of_fold.shape == proba.shape
    # A DataFrame of one column keeps the multi-output layout.
    table = DisentangledEncoder(**SMALL).fit(FEATURES, LABELS[["digit"]])
    assert table.predict(FEATURES).shape == (len(digit), 1)
    assert isinstance(table.predict_proba(FEATURES), list)
    assert [list(classes) for classes in table.classes_] == [list(model.classes_)]


def test_score_weighs_rows_by_sample_weight():
    model = DisentangledEncoder(**SMALL).fit(FEATURES, LABELS)
    half = np.r_[np.ones(150), np.zeros(len(FEATURES) - 150)]
    assert model.score(FEATURES, LABELS, sample_weight=half) == pytest.approx(
        model.score(FEATURES[:150], LABELS[:150])
    )
    with pytest.raises(ValueError, match=r"sums to zero|at least one non-zero"):
        model.score(FEATURES, LABELS, sample_weight=np.zeros(len(FEATURES)))
    # Weight only where one attribute is missing: that attribute's score is undefined.
    labels = LABELS.copy()
    labels.loc[:149, "colour"] = np.nan
    with pytest.raises(ValueError, match="no weight on the rows where 'colour' is observed"):
        model.score(FEATURES, labels, sample_weight=(np.arange(300) < 150).astype(float))


def test_tags_declare_one_attribute_per_column_of_y():
    # It takes and predicts a 2-D y (one attribute per column); its tags said single output.
    from sklatent import DisentangledEncoder

    tags = DisentangledEncoder().__sklearn_tags__().target_tags
    assert tags.multi_output and tags.required


def test_a_penalty_that_no_batch_could_estimate_warns():
    # Batches of 2 rows: the MMD between real and permuted rows needs 3, and the penalty read
    # 0.0 at every epoch, silently.
    settings = {**FAST, "max_epochs": 2, "dependence_measure": "mmd", "warmup_epochs": 0}
    idle = r"'independence' term \(weight 1\) was 0 in every batch of the fit"
    with pytest.warns(UserWarning, match=idle):
        DisentangledEncoder(**settings, batch_size=2).fit(X, Y)


@pytest.mark.parametrize(
    "times",
    [pd.date_range("2020", periods=300), pd.timedelta_range("1D", periods=300)],
    ids=["dates", "durations"],
)
def test_an_attribute_of_dates_is_refused(times):
    # 300 days were read as 300 classes and predicted back as datetime objects.
    with pytest.raises(ValueError, match="Attribute 'day' holds dates or times"):
        DisentangledEncoder(**FAST).fit(X[:300], pd.Series(times, name="day"))


def test_nullable_integer_labels_with_missing_entries_stay_integers():
    # Int64 with <NA> came out as float classes 0., 1., and predict returned floats.
    labels = pd.Series(pd.array([0, 1, None, 1] * 75, dtype="Int64"), name="label")
    encoder = DisentangledEncoder(**{**FAST, "max_epochs": 2}).fit(X[:300], labels)
    assert encoder.classes_.dtype.kind == "i" and encoder.classes_.tolist() == [0, 1]
    assert encoder.predict(X[:5]).dtype.kind == "i"


def test_probabilities_sum_to_one_in_float64():
    three_classes = pd.Series(np.digitize(Y[:, 0], [-0.5, 0.5]), name="level")
    model = DisentangledEncoder(**{**FAST, "max_epochs": 2}).fit(X, three_classes)
    np.testing.assert_allclose(model.predict_proba(X).sum(axis=1), 1.0, rtol=0, atol=1e-12)
