"""partial_fit: one epoch per chunk, what the first chunk fixes, clear errors, and dask-ml's
Incremental wrapper."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from skorch.callbacks import Callback
from test_fair import S, X, Y

from sklatent import BetaVAE, FairEncoder, MutualInformationMachine, TrainingDivergedError
from sklatent.metrics import sensitive_leakage

CHUNKS = np.array_split(np.arange(1200), 4)
SMALL = {"n_components": 2, "hidden_layer_sizes": (8,), "random_state": 0}


def _stream(estimator, n_passes=2, **aux):
    for _ in range(n_passes):
        for rows in CHUNKS:
            estimator.partial_fit(X[rows], **{k: v[rows] for k, v in aux.items()})
    return estimator


@pytest.mark.parametrize("cls", [BetaVAE, MutualInformationMachine])
def test_the_same_chunks_give_the_same_model_and_each_call_is_one_epoch(cls):
    first, second = _stream(cls(**SMALL)), _stream(cls(**SMALL))
    assert first.n_iter_ == 8 and len(first.history_) == 8
    np.testing.assert_array_equal(first.transform(X), second.transform(X))
    # Another call moves the weights; a chunk of another width is refused, the model kept.
    before = first.transform(X)
    first.partial_fit(X[:300])
    assert not np.array_equal(first.transform(X), before)
    with pytest.raises(ValueError, match="X has 3 features, but"):
        first.partial_fit(X[:300, :3])
    assert first.n_iter_ == 9


@pytest.mark.parametrize("cls", [BetaVAE, MutualInformationMachine])
def test_fit_on_one_row_is_refused_and_a_one_row_chunk_still_trains(cls):
    with pytest.raises(ValueError, match="A fit needs at least 2 training samples, got 1 sample"):
        cls(**SMALL).fit(X[:1])
    streamed = cls(**SMALL).partial_fit(X[:1])
    assert streamed.n_iter_ == 1 and np.isfinite(streamed.transform(X[:5])).all()


def test_partial_fit_after_fit_continues_from_the_fitted_weights():
    fitted = BetaVAE(**SMALL, max_epochs=30).fit(X)
    loss = fitted.score(X)
    fitted.partial_fit(X)
    # One more epoch from the fitted weights, not a fresh start (which scores far worse).
    assert fitted.score(X) > loss - 0.05
    assert fitted.score(X) > BetaVAE(**SMALL).partial_fit(X).score(X) + 0.1
    # ... and counts on from the fit's epochs, as MLPClassifier's n_iter_ does.
    assert fitted.n_iter_ == len(fitted.history_) == 31


FAILING = []  # armed by a test: the callback below raises at the end of an epoch


class _FailWhenArmed(Callback):
    def on_epoch_end(self, net, **kwargs):
        if FAILING:
            raise RuntimeError("this chunk failed")


@pytest.mark.parametrize("start", ["stream", "fit"])
def test_a_chunk_that_fails_in_training_leaves_the_model_as_it_was(start):
    # A chunk whose training failed (a diverging loss, a callback's error) discarded every chunk
    # trained before, and the next call silently started a new model.
    def started():
        model = BetaVAE(**SMALL, max_epochs=3, callbacks=[_FailWhenArmed()])
        return _stream(model, n_passes=1) if start == "stream" else model.fit(X)

    model = started()
    before, epochs = model.transform(X), model.n_iter_
    FAILING.append(True)
    try:
        with pytest.raises(RuntimeError, match="this chunk failed"):
            model.partial_fit(X[:300])
    finally:
        FAILING.clear()
    assert model.n_iter_ == len(model.history_) == epochs
    np.testing.assert_array_equal(model.transform(X), before)
    # The next chunk continues from there: weights and optimiser as before the failed call.
    continued = started()
    model.partial_fit(X[:300])
    continued.partial_fit(X[:300])
    assert model.n_iter_ == epochs + 1
    np.testing.assert_array_equal(model.transform(X), continued.transform(X))
    # A diverging chunk raises and changes nothing either. (After a fit it trained: the check
    # compared its losses with its own first batch's.)
    model = started()
    codes = model.transform(X)
    with pytest.raises(TrainingDivergedError):
        model.partial_fit(X[:300] * 1e12)
    np.testing.assert_array_equal(model.transform(X), codes)


def test_a_failed_call_leaves_the_attributes_read_from_the_fit():
    # They were read again from the restored net, after parameters had changed: a budget's
    # difference_ and independence_weight_ were gone.
    fair = FairEncoder(**SMALL, difference_bound=0.1, max_epochs=3, callbacks=[_FailWhenArmed()])
    fair.fit(X, Y, sensitive_features=S)
    read = {"difference_": fair.difference_, "independence_weight_": fair.independence_weight_}
    fair.set_params(difference_bound=None)  # partial_fit refuses a bound
    FAILING.append(True)
    try:
        with pytest.raises(RuntimeError, match="this chunk failed"):
            fair.partial_fit(X[:300], Y[:300], sensitive_features=S[:300])
    finally:
        FAILING.clear()
    assert {name: getattr(fair, name, None) for name in read} == read


def test_a_failed_call_keeps_the_fits_batch_records_and_a_random_states_draws():
    import warnings

    # The fit's per-batch records were dropped before the call trained; a RandomState's seed
    # draw was spent by the failed call, so the next chunk trained as after another call.
    def started():
        rng = np.random.RandomState(0)
        return BetaVAE(**{**SMALL, "random_state": rng}, max_epochs=3).fit(X)

    model = started()
    batches = [len(row["batches"]) for row in model.history_]

    def warn_when_read():  # a warning turned into an error, after training
        warnings.warn("read after training", UserWarning, stacklevel=2)

    model._read_fitted = warn_when_read
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        with pytest.raises(UserWarning, match="read after training"):
            model.partial_fit(X[:300])
    assert [len(row["batches"]) for row in model.history_] == batches
    untouched = started()
    np.testing.assert_array_equal(model.transform(X), untouched.transform(X))
    model.partial_fit(X[:300])
    untouched.partial_fit(X[:300])
    np.testing.assert_array_equal(model.transform(X), untouched.transform(X))


def test_a_changed_architecture_is_refused_by_partial_fit_and_the_model_kept():
    model = BetaVAE(**SMALL, max_epochs=2).fit(X)
    before = model.transform(X)
    model.set_params(n_components=4)
    with pytest.raises(ValueError, match=r"no longer describe its fitted network .* call fit"):
        model.partial_fit(X)
    np.testing.assert_array_equal(model.transform(X), before)
    assert model.n_iter_ == len(model.history_) == 2
    # A module the new parameters do not have (an adversary's critic) is named alike.
    fair = FairEncoder(**SMALL, dependence_measure="adversarial", max_epochs=2)
    fair.fit(X, Y, sensitive_features=S).set_params(dependence_measure="mmd")
    with pytest.raises(ValueError, match="no longer describe its fitted network"):
        fair.partial_fit(X, Y, sensitive_features=S)


def test_fair_encoder_streamed_hides_the_planted_proxy():
    encoder = _stream(
        FairEncoder(n_components=4, independence_weight=1, random_state=0),
        n_passes=30,
        y=Y,
        sensitive_features=S,
    )
    Z = encoder.transform(X)
    train, test = slice(0, 1200), slice(1200, None)
    accuracy = LogisticRegression().fit(Z[train], Y[train]).score(Z[test], Y[test])
    leak = sensitive_leakage(Z[train], S[train], Z_test=Z[test], sensitive_features_test=S[test])
    # Measured: accuracy 0.893, probe AUC 0.565 (raw features: 0.922 and 0.988; majority 0.5).
    assert leak["roc_auc"] < 0.65
    assert accuracy > 0.8


def test_fair_encoder_fixes_groups_and_classes_on_the_first_chunk():
    encoder = FairEncoder(**SMALL)
    encoder.partial_fit(X[:300], Y[:300], sensitive_features=S[:300], classes=[0, 1, 2])
    assert encoder.sensitive_groups_.tolist() == ["0", "1"]
    assert encoder.categories_["y"].tolist() == [0, 1, 2]
    encoder.partial_fit(X[300:600], np.full(300, 2), sensitive_features=S[300:600])
    with pytest.raises(ValueError, match="sensitive_features holds groups not seen in fit"):
        encoder.partial_fit(X[:10], Y[:10], sensitive_features=np.full(10, 7))
    # A chunk refused by validation leaves the model as it was (as scikit-learn's partial_fit).
    assert encoder.n_iter_ == 2 and encoder.transform(X[:5]).shape == (5, 2)


def test_fair_encoder_partial_fit_errors_name_the_problem():
    encoder = FairEncoder(**SMALL).partial_fit(X[:300], Y[:300], sensitive_features=S[:300])
    with pytest.raises(ValueError, match="no sensitive features for this chunk"):
        encoder.partial_fit(X[300:600], Y[300:600])
    with pytest.raises(ValueError, match="y in some chunks and not in others"):
        encoder.partial_fit(X[300:600], sensitive_features=S[300:600])
    with pytest.raises(
        ValueError, match=r"not seen in fit: .* fit, or the first partial_fit call, fixes"
    ):
        encoder.partial_fit(X[:10], np.full(10, 5), sensitive_features=S[:10])
    with pytest.raises(ValueError, match="difference_bound is met on rows held out of fit"):
        FairEncoder(difference_bound=0.05).partial_fit(X, Y, sensitive_features=S)
    # classes= that lacks a class of the first chunk named the fit ("not seen in fit").
    with pytest.raises(ValueError, match=r"classes lacks \[1\], labels of this chunk"):
        FairEncoder(**SMALL).partial_fit(X, Y, sensitive_features=S, classes=[0, 2])


def test_dask_ml_incremental_streams_the_blocks_of_a_dask_array():
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    blocks = da.from_array(X[:1200].astype(np.float32), chunks=(300, X.shape[1]))
    wrapped = wrappers.Incremental(BetaVAE(**SMALL), shuffle_blocks=False).fit(blocks)
    manual = BetaVAE(**SMALL)
    for rows in CHUNKS:
        manual.partial_fit(X[rows].astype(np.float32))
    codes = wrapped.transform(blocks).compute()
    np.testing.assert_array_equal(codes, manual.transform(X[:1200].astype(np.float32)))
    # FairEncoder reads the sensitive column from each block (fit keyword arguments are not
    # split into blocks by dask-ml); it has no score, so the wrapper needs a scoring.
    with_s = da.from_array(np.c_[X[:1200], S[:1200]], chunks=(300, X.shape[1] + 1))
    fair = FairEncoder(**SMALL, sensitive_feature_ids=[X.shape[1]])
    wrapped = wrappers.Incremental(fair, scoring=_no_score, shuffle_blocks=False)
    wrapped.fit(with_s, da.from_array(Y[:1200], chunks=300))
    assert wrapped.estimator_.n_iter_ == 4
    assert wrapped.estimator_.sensitive_groups_.tolist() == ["0", "1"]  # as if S were passed itself


def _no_score(estimator, X, y=None):
    return 0.0


def _spurious_stream(penalty_weight):
    """InvariantEncoder streamed over four chunks of the two training environments (shuffled,
    so that every chunk holds both), 125 passes; the test environment's accuracy."""
    from sklatent import InvariantEncoder
    from sklatent.datasets import make_spurious_environments

    X_all, y_all, env = make_spurious_environments(1000, random_state=0)
    order = np.random.RandomState(0).permutation(2000)  # the training environments: rows < 2000
    model = InvariantEncoder(
        penalty="rex", penalty_weight=penalty_weight, warmup_epochs=100, batch_size=500
    ).set_params(random_state=0)
    for _ in range(125):
        for rows in np.array_split(order, 4):
            model.partial_fit(X_all[rows], y_all[rows], environments=env[rows], classes=[0, 1])
    return model.score(X_all[env == 2], y_all[env == 2])


@pytest.mark.slow
def test_invariant_encoder_streamed_holds_up_when_the_spurious_correlation_reverses():
    # Measured: ERM 0.107, REx 0.366 on the test environment (full-batch fit: 0.117 and 0.679).
    erm = _spurious_stream(0.0)
    assert erm < 0.2
    assert _spurious_stream(1e4) > erm + 0.15


def test_invariant_encoder_partial_fit_fixes_classes_and_environments():
    from sklatent import InvariantEncoder

    env = np.arange(1500) % 2
    model = InvariantEncoder(**SMALL).partial_fit(
        X[:300], Y[:300], environments=env[:300], classes=[0, 1]
    )
    model.partial_fit(X[300:600], Y[300:600], environments=env[300:600])
    assert model.classes_.tolist() == [0, 1] and model.environments_.tolist() == [0, 1]
    assert model.n_iter_ == 2 and model.predict(X[:5]).shape == (5,)
    with pytest.raises(ValueError, match="environments holds labels not seen in fit"):
        model.partial_fit(X[:10], Y[:10], environments=np.full(10, 9))
    with pytest.raises(ValueError, match="no environments for this chunk"):
        model.partial_fit(X[:10], Y[:10])
    # A later call may repeat the classes (in any order); one that declares others is refused,
    # as scikit-learn's SGDClassifier refuses it, and the model is kept (it trained as if the
    # classes had not been given).
    model.partial_fit(X[:300], Y[:300], environments=env[:300], classes=[1, 0])
    with pytest.raises(ValueError, match=r"classes=\[0, 1, 2\] is not the same as .*: \[0, 1\]"):
        model.partial_fit(X[:300], Y[:300], environments=env[:300], classes=[0, 1, 2])
    assert model.n_iter_ == 3
    # The same classes again with a label outside them: the label is named, not the classes.
    with pytest.raises(ValueError, match=r"y holds labels not seen in fit: \[2\]"):
        model.partial_fit(X[:3], np.array([0, 1, 2]), environments=env[:3], classes=[0, 1])


def test_fair_encoder_partial_fit_refuses_other_classes_after_fit():
    model = FairEncoder(**SMALL, max_epochs=2).fit(X[:300], Y[:300], sensitive_features=S[:300])
    with pytest.raises(ValueError, match=r"classes=\[0, 1, 2\] is not the same as .*: \[0, 1\]"):
        model.partial_fit(X[:300], Y[:300], sensitive_features=S[:300], classes=[0, 1, 2])
    assert model.n_iter_ == 2


def test_structured_and_multiview_encoders_stream_with_missing_views():
    from sklatent import MultiViewEncoder, StructuredVAE

    views = {"a": [0, 1, 2], "b": [3, 4, 5, 6]}
    with_gaps = X.copy()
    with_gaps[::5, 3:] = np.nan  # view b missing in a fifth of the rows
    for make in (
        lambda: StructuredVAE(views, hidden_layer_sizes=(8,), random_state=0),
        lambda: MultiViewEncoder(2, views=views, hidden_layer_sizes=(8,), random_state=0),
    ):
        first, second = _stream(make()), _stream(make())
        assert first.n_iter_ == 8
        np.testing.assert_array_equal(first.transform(X), second.transform(X))
        gappy = make()
        for rows in CHUNKS:
            gappy.partial_fit(with_gaps[rows])
        assert np.isfinite(gappy.transform(with_gaps)).all()


@pytest.mark.slow
def test_mechanism_encoder_streamed_identifies_the_latents():
    from sklatent import MechanismEncoder
    from sklatent.datasets import make_mechanism_pairs
    from sklatent.metrics import mean_correlation_coefficient

    data = make_mechanism_pairs(1500, 4, "translation", random_state=0)
    encoder = MechanismEncoder(4, hidden_layer_sizes=(32, 32), lr=3e-3, random_state=0)
    for _ in range(30):
        for rows in np.array_split(np.arange(1500), 3):
            encoder.partial_fit(data.X[rows], X_next=data.X_next[rows], actions=data.actions[rows])
    held_out = make_mechanism_pairs(1000, 4, "translation", random_state=1)
    codes = encoder.transform(data.mixing(held_out.latents))
    # Measured: MCC 0.9998 after 90 calls (the fit of 30 epochs: > 0.95 in its own test).
    assert mean_correlation_coefficient(held_out.latents, codes) > 0.95
    with pytest.raises(ValueError, match="mechanism='translation' needs actions of shape"):
        encoder.partial_fit(data.X[:10], X_next=data.X_next[:10], actions=data.actions[:10, :2])


@pytest.mark.slow
def test_disentangled_encoder_streamed_scores_as_its_fit():
    import pandas as pd

    from sklatent import DisentangledEncoder

    rng = np.random.RandomState(0)
    a, b = rng.randint(0, 3, 1200), rng.normal(size=1200)
    noise = 0.1 * rng.normal(size=(1200, 4))
    features = np.c_[np.eye(3)[a] + noise[:, :3], b + noise[:, 3], rng.normal(size=(1200, 2))]
    attributes = pd.DataFrame({"a": a, "b": b})
    fitted = DisentangledEncoder(1, random_state=0).fit(features, attributes)
    streamed = DisentangledEncoder(1, random_state=0)
    for _ in range(20):
        for rows in np.array_split(np.arange(1200), 4):
            streamed.partial_fit(features[rows], attributes.iloc[rows])
    # Measured: 0.495 both (mean of a's accuracy and b's R^2 from their own subspaces).
    assert streamed.score(features, attributes) > fitted.score(features, attributes) - 0.05
    assert streamed.attribute_types_ == {"a": "categorical", "b": "continuous"}
    with pytest.raises(
        ValueError, match=r"y has the attributes \['c', 'b'\]; the model was fitted on"
    ):
        streamed.partial_fit(features[:10], attributes.iloc[:10].rename(columns={"a": "c"}))
    with pytest.raises(ValueError, match="labels not seen in fit"):
        streamed.partial_fit(features[:10], attributes.iloc[:10].assign(a=7))


def test_one_small_first_chunk_is_not_called_a_posterior_collapse():
    import warnings

    from sklearn.datasets import load_digits

    from sklatent import CollapsedCodesWarning

    # One epoch on 100 rows leaves most of the posterior at its prior: too little training to
    # judge (after a full fit the same codes would warn). Only constant codes warn here.
    digits = load_digits().data[:100] / 16.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", CollapsedCodesWarning)
        BetaVAE(random_state=0).partial_fit(digits)
    with pytest.warns(CollapsedCodesWarning, match="hardly vary"):
        BetaVAE(random_state=0).partial_fit(np.ones((100, 4)))


def test_disentangled_encoder_partial_fit_takes_the_classes_a_first_chunk_lacks():
    import pandas as pd

    from sklatent import DisentangledEncoder

    rng = np.random.RandomState(0)
    a, b = rng.randint(0, 3, 400), rng.normal(size=400)
    features = np.c_[np.eye(3)[a], b] + 0.1 * rng.normal(size=(400, 4))
    attributes = pd.DataFrame({"a": a, "b": b})
    first = a != 2  # the first chunk holds no row of class 2
    model = DisentangledEncoder(1, random_state=0)
    model.partial_fit(features[first], attributes[first], classes={"a": [0, 1, 2]})
    model.partial_fit(features, attributes)  # a later chunk with class 2 now encodes
    assert model.categories_["a"].tolist() == [0, 1, 2]
    assert model.predict_proba(features)[0].shape == (400, 3)  # one list entry per attribute
    model.partial_fit(features, attributes, classes={"a": [2, 1, 0]})  # the same, repeated
    with pytest.raises(ValueError, match=r"classes\['a'\]=\[0, 1, 2, 3\] is not the same as"):
        model.partial_fit(features, attributes, classes={"a": [0, 1, 2, 3]})
    # Without classes=, the first chunk fixed two classes and the second was refused.
    bare = DisentangledEncoder(1, random_state=0).partial_fit(features[first], attributes[first])
    with pytest.raises(ValueError, match="labels not seen in fit"):
        bare.partial_fit(features, attributes)
    for classes, message in [
        ({"c": [0, 1]}, r"classes names 'c', not an attribute of y: \['a', 'b'\]"),
        ({"b": [0, 1]}, "classes names the continuous attribute 'b'"),
        ({"a": [0]}, r"classes\['a'\] lacks \[1, 2\], labels of this chunk"),
        ({"a": 3}, r"classes\['a'\] must be array-like, got the scalar 3"),
        ([0, 1, 2], "classes must be a dict"),
    ]:
        with pytest.raises(ValueError, match=message):
            DisentangledEncoder(1).partial_fit(features, attributes, classes=classes)


def test_each_partial_fit_call_shuffles_its_batches_anew():
    # Each call seeded its shuffle with random_state alone, and replayed the first epoch's
    # batches (as did a restart trained on after its race).
    from skorch.callbacks import Callback

    first_rows = []

    class FirstRowOfEachBatch(Callback):
        def on_epoch_begin(self, net, **kwargs):
            first_rows.append([])

        def on_batch_begin(self, net, batch=None, training=False, **kwargs):
            if training:
                first_rows[-1].append(float(next(iter(batch.values()))[0, 0]))

    rows = np.c_[np.arange(64.0), np.random.RandomState(0).normal(size=(64, 2))]
    model = BetaVAE(batch_size=16, callbacks=[FirstRowOfEachBatch()], **SMALL)
    for _ in range(3):
        model.partial_fit(rows)
    assert len(first_rows) == 3 and len({tuple(epoch) for epoch in first_rows}) == 3
    # The same calls in the same order still give the same batches.
    again = []
    first_rows, again = again, first_rows
    model = BetaVAE(batch_size=16, callbacks=[FirstRowOfEachBatch()], **SMALL)
    for _ in range(3):
        model.partial_fit(rows)
    assert first_rows == again
