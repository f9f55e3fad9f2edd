"""What a fit owns: its random numbers, its threads, and a clean state when it fails."""

import threading
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from skorch.callbacks import Callback

import sklatent
import sklatent.utils._torch
from sklatent import (
    BetaVAE,
    DisentangledEncoder,
    FairEncoder,
    InvariantEncoder,
    MechanismEncoder,
    MultiViewEncoder,
    MutualInformationMachine,
    StructuredVAE,
    TrainingDivergedError,
)

_rng = np.random.RandomState(0)
X = _rng.normal(size=(300, 4))
Y = np.arange(300) % 2
ENV = (np.arange(300) // 2) % 2
SMALL_NO_COMPONENTS = {"hidden_layer_sizes": (8,), "max_epochs": 5, "random_state": 0}
SMALL = {"n_components": 2, **SMALL_NO_COMPONENTS}

# Every public estimator with the arguments of one fit.
CASES = {
    "BetaVAE": (BetaVAE(**SMALL), (X,), {}),
    "MutualInformationMachine": (MutualInformationMachine(**SMALL), (X,), {}),
    "StructuredVAE": (StructuredVAE(**SMALL), (X,), {}),
    "MultiViewEncoder": (
        MultiViewEncoder(1, 1, views={"a": [0, 1], "b": [2, 3]}, **SMALL_NO_COMPONENTS),
        (X,),
        {},
    ),
    "FairEncoder": (FairEncoder(**SMALL), (X, Y), {"sensitive_features": ENV}),
    "InvariantEncoder": (InvariantEncoder(**SMALL), (X, Y), {"environments": ENV}),
    "DisentangledEncoder": (
        DisentangledEncoder(subspace_sizes=1, **SMALL_NO_COMPONENTS),
        (X, np.column_stack([Y, ENV])),
        {},
    ),
    "MechanismEncoder": (MechanismEncoder(**SMALL), (X[:-1],), {"X_next": X[1:]}),
}


def _fit(name, **params):
    estimator, args, kwargs = CASES[name]
    return clone(estimator).set_params(**params).fit(*args, **kwargs), args[0]


@pytest.mark.parametrize("name", list(CASES))
def test_a_last_step_that_overflows_raises_instead_of_returning_non_finite_codes(name):
    with pytest.raises(TrainingDivergedError, match="lr=1e"):
        _fit(name, max_epochs=1, batch_size=1000, lr=1e20)


@pytest.mark.parametrize("name", list(CASES))
def test_inputs_far_outside_the_fit_give_finite_outputs_or_an_error_that_says_so(name):
    # Finite values of 1e30 overflowed float32 in a product of experts (MultiViewEncoder) and in
    # a softmax (InvariantEncoder's predict_proba): NaN codes and probabilities, no error.
    estimator, X_fit = _fit(name)
    for method in ("transform", "predict_proba"):
        if not hasattr(estimator, method):
            continue
        try:
            outputs = getattr(estimator, method)(X_fit[:3] * 1e30)
        except ValueError as error:
            assert "outside the data the model was fitted on" in str(error)
            assert "largest magnitude 2.24e+30" in str(error)
        else:
            assert all(np.isfinite(o).all() for o in np.atleast_1d(outputs))


@pytest.mark.parametrize("name", list(CASES))
def test_a_failed_refit_leaves_the_estimator_unfitted(name):
    estimator, X_fit = _fit(name)
    estimator.set_params(max_epochs=1, batch_size=1000, lr=1e20)
    _, args, kwargs = CASES[name]
    with pytest.raises(TrainingDivergedError):
        estimator.fit(*args, **kwargs)
    with pytest.raises(NotFittedError):
        estimator.transform(X_fit)
    assert not [name for name in vars(estimator) if name.endswith("_")]


def test_a_refit_under_other_parameters_keeps_no_attribute_of_the_earlier_fit():
    # A refit with a known translation kept the learned mechanism's offsets_ and action_labels_.
    labels = np.where(X[:-1, 0] > 0, "left", "right")
    encoder = MechanismEncoder(mechanism="translation_unknown", **SMALL)
    encoder.fit(X[:-1], X_next=X[1:], actions=labels)
    assert hasattr(encoder, "offsets_") and hasattr(encoder, "action_labels_")
    shifts = _rng.normal(size=(len(X) - 1, 2))
    encoder.set_params(mechanism="translation").fit(X[:-1], X_next=X[1:], actions=shifts)
    fresh = MechanismEncoder(mechanism="translation", **SMALL)
    fresh.fit(X[:-1], X_next=X[1:], actions=shifts)
    assert sorted(vars(encoder)) == sorted(vars(fresh))


@pytest.mark.parametrize("name", list(CASES))
def test_a_refit_refused_by_the_checks_of_its_data_leaves_the_estimator_unfitted(name):
    # The earlier fit's model must not survive beside the refused fit's feature count or names.
    estimator, X_fit = _fit(name)
    _, args, kwargs = CASES[name]
    refused = np.column_stack([args[0], args[0][:, 0]])
    refused[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        estimator.fit(refused, *args[1:], **kwargs)
    with pytest.raises(NotFittedError):
        estimator.transform(X_fit)
    assert not [name for name in vars(estimator) if name.endswith("_")]


@pytest.mark.parametrize("name", list(CASES))
def test_a_refit_with_a_refused_parameter_leaves_the_estimator_unfitted(name):
    # scikit-learn checks the parameters before fit's body: the earlier model stayed usable
    # beside the refused value.
    from sklearn.utils._param_validation import InvalidParameterError

    estimator, X_fit = _fit(name)
    _, args, kwargs = CASES[name]
    with pytest.raises(InvalidParameterError, match="lr"):
        estimator.set_params(lr=0.0).fit(*args, **kwargs)
    with pytest.raises(NotFittedError):
        estimator.transform(X_fit)
    assert not [name for name in vars(estimator) if name.endswith("_")]


@pytest.mark.parametrize("name", list(CASES))
def test_a_refused_chunk_leaves_a_partial_fit_as_it_was(name):
    estimator, args, kwargs = CASES[name]
    estimator = clone(estimator)
    refused = args[0].copy()
    refused[0, 0] = np.inf
    with pytest.raises(ValueError):  # a first call refused: nothing of it stays
        estimator.partial_fit(refused, *args[1:], **kwargs)
    assert not [name for name in vars(estimator) if name.endswith("_")]
    estimator.partial_fit(*args, **kwargs)
    codes = estimator.transform(args[0])
    with pytest.raises(ValueError):  # a later call refused: the model trained so far stays
        estimator.partial_fit(refused[:, :-1], *args[1:], **kwargs)
    np.testing.assert_array_equal(estimator.transform(args[0]), codes)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_fits_in_threads_give_the_codes_of_a_fit_alone(name):
    alone, X_fit = _fit(name)
    expected = alone.transform(X_fit)
    results = {}

    def fit(index):
        results[index] = _fit(name)[0].transform(X_fit)

    threads = [threading.Thread(target=fit, args=(index,)) for index in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for codes in results.values():
        np.testing.assert_array_equal(codes, expected)


def test_a_fit_leaves_the_callers_torch_generator_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    _fit("FairEncoder")
    np.testing.assert_array_equal(torch.rand(3), expected)


def test_a_fit_runs_under_the_thread_limit_and_restores_the_callers_setting():
    seen = []

    class RecordThreads(Callback):
        def on_epoch_end(self, net, **kwargs):
            seen.append(torch.get_num_threads())

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        _fit("BetaVAE", callbacks=[RecordThreads()])
        assert set(seen) == {1}
        assert torch.get_num_threads() == 2
        seen.clear()
        with sklatent.config_context(torch_threads=None):
            _fit("BetaVAE", callbacks=[RecordThreads()])
        assert set(seen) == {2}
    finally:
        torch.set_num_threads(before)


def _blas_threads():
    from threadpoolctl import threadpool_info

    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def test_a_fit_limits_blas_threads_and_keeps_a_lower_setting_of_the_callers():
    # The parity budget refits a logistic regression every epoch: its BLAS threads are limited
    # too, and the caller's setting comes back after the fit.
    from threadpoolctl import threadpool_limits

    seen = []

    class RecordBlasThreads(Callback):
        def on_epoch_end(self, net, **kwargs):
            seen.append(_blas_threads())

    with threadpool_limits(2, user_api="blas"):
        _fit("BetaVAE", callbacks=[RecordBlasThreads()])
        assert seen and all(threads == {1} for threads in seen)
        assert _blas_threads() == {2}
    seen.clear()
    with threadpool_limits(1, user_api="blas"), sklatent.config_context(torch_threads=4):
        _fit("BetaVAE", callbacks=[RecordBlasThreads()])
    assert seen and all(threads == {1} for threads in seen)  # not raised to 4


def test_inference_limits_torch_threads_and_each_thread_gets_its_own_setting_back():
    vae, rows = _fit("BetaVAE")
    calls = []
    vae.net_.module_.register_forward_pre_hook(lambda *_: calls.append(torch.get_num_threads()))
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        vae.score(rows[:50])
        vae.transform(rows[:50])
        assert calls and set(calls) == {1}
        assert torch.get_num_threads() == 2
        # A fit in a new thread (which starts at the limit this thread's pass set) overlaps this
        # thread's pass and ends last: this thread, and threads started later, get 2 back.
        inside, release, errors = threading.Event(), threading.Event(), []

        class Pause(Callback):
            def on_epoch_end(self, net, **kwargs):
                inside.set()
                release.wait(timeout=30)

        def fit_in_a_thread():
            try:
                _fit("BetaVAE", callbacks=[Pause()])
            except Exception as error:
                errors.append(error)

        with sklatent.utils._torch.limited_threads(1):
            worker = threading.Thread(target=fit_in_a_thread)
            worker.start()
            assert inside.wait(timeout=30), errors
        release.set()
        worker.join()
        assert not errors, errors
        assert torch.get_num_threads() == 2
        later = []
        probe = threading.Thread(target=lambda: later.append(torch.get_num_threads()))
        probe.start()
        probe.join()
        assert later == [2]
    finally:
        torch.set_num_threads(before)


def test_the_thread_setting_is_validated():
    with pytest.raises(ValueError, match="torch_threads"):
        sklatent.set_config(torch_threads=0)


def test_a_fit_whose_codes_collapse_warns():
    # Rows that all look alike leave the codes nothing to tell apart.
    with pytest.warns(sklatent.CollapsedCodesWarning, match=r"hardly vary.*or train longer\.$"):
        BetaVAE(n_components=2, hidden_layer_sizes=(8,), max_epochs=2, random_state=0).fit(
            np.ones((300, 4))
        )
    # The advice names no weight an estimator does not have, and a learned decoder variance
    # (the Mutual Information Machine's default) where there is one.
    mim = sklatent.MutualInformationMachine(2, hidden_layer_sizes=(8,), max_epochs=2)
    with pytest.warns(
        sklatent.CollapsedCodesWarning,
        match=r"are alike, train longer; a learned decoder variance .*\(decoder_variance=0\.1\)",
    ):
        mim.fit(np.ones((300, 4)))
    # A learned prior's log-variance is no decoder variance.
    mim.set_params(prior="learned", decoder_variance=0.1)
    with pytest.warns(sklatent.CollapsedCodesWarning, match=r"are alike, train longer\.$"):
        mim.fit(np.ones((300, 4)))


def test_a_posterior_collapsed_to_its_prior_warns():
    # A KL weight far above the data's worth drives every code column to the prior: its means
    # still vary a little across rows, but by much less than the posterior's own noise.
    with pytest.warns(sklatent.CollapsedCodesWarning, match="lost in their posterior noise"):
        estimator = BetaVAE(
            n_components=2, hidden_layer_sizes=(8,), beta=100, max_epochs=30, random_state=0
        ).fit(X)
    assert estimator.transform(X).std(axis=0).max() > 1e-3  # varies: not caught as constant


def test_one_row_with_a_huge_posterior_variance_is_no_collapse():
    # A MutualInformationMachine on digits: posteriors at their floor (1e-4) but for one row
    # of 1,437 at 1.5e8, whose variance made the mean across rows 1e5, and the codes, which
    # vary by about 1, counted as lost in that noise.
    from types import SimpleNamespace

    from sklatent.estimators._fit_records import _warn_if_collapsed

    codes = torch.as_tensor(np.random.RandomState(0).normal(size=(1437, 2)))
    logvar = torch.full_like(codes, np.log(1e-4))
    logvar[0] = np.log(1.5e8)
    net = SimpleNamespace(criterion_=SimpleNamespace(weight_names=()), module_=torch.nn.Module())
    with warnings.catch_warnings():
        warnings.simplefilter("error", sklatent.CollapsedCodesWarning)
        _warn_if_collapsed({"mean": codes, "logvar": logvar}, net, judge_posterior=True)
    # Every row's posterior as wide as the codes' spread is, a hundred times over: collapsed.
    with pytest.warns(sklatent.CollapsedCodesWarning, match="lost in their posterior noise"):
        _warn_if_collapsed(
            {"mean": codes, "logvar": torch.full_like(codes, np.log(1e4))}, net, True
        )


def test_a_fit_that_learns_does_not_warn_of_collapse():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", sklatent.CollapsedCodesWarning)
        BetaVAE(n_components=2, hidden_layer_sizes=(8,), max_epochs=20, random_state=0).fit(
            X[:, :2] * 3
        )


def test_a_head_that_predicts_one_class_for_every_row_warns():
    from sklatent.estimators._fit_records import _warn_if_heads_learned_nothing

    # 10% positives; the head ranks them well (p = 0.3 against 0.05) yet never predicts one:
    # its cross-entropy beats the frequencies', its predictions are the majority class.
    labels = torch.tensor([1] * 10 + [0] * 90)
    p1 = torch.where(labels == 1, 0.3, 0.05)
    views = [{"name": "y"}]
    batch = {"labels_y": labels, "present": torch.ones(100, 1)}

    def outputs(p):
        return {"views": {"y": {"class_logits": torch.stack([(1 - p).log(), p.log()], 1)}}}

    with pytest.warns(sklatent.CollapsedPredictionsWarning, match="one class for every one"):
        _warn_if_heads_learned_nothing(outputs(p1), batch, views)
    # ... and says that it ranks them, that the class is rare, and where to look (a head with
    # a 1% class at its best was told only to lower a weight that was 0).
    with pytest.warns(sklatent.CollapsedPredictionsWarning, match=r"rare \(here 10.0% of the"):
        _warn_if_heads_learned_nothing(outputs(p1), batch, views)
    with warnings.catch_warnings():
        warnings.simplefilter("error", sklatent.CollapsedPredictionsWarning)
        _warn_if_heads_learned_nothing(outputs(torch.where(labels == 1, 0.7, 0.05)), batch, views)


def test_a_head_less_accurate_than_the_majority_class_warns():
    from sklatent.estimators._fit_records import _warn_if_heads_learned_nothing

    # 34% positives; the head ranks them (p = 0.6 against 0.55 or 0.2, a log-loss below the
    # frequencies') but predicts positive for two in three negatives: accuracy 0.56 < 0.66.
    labels = torch.tensor([1] * 34 + [0] * 66)
    p1 = torch.where(labels == 1, 0.6, torch.where(torch.arange(100) % 3 > 0, 0.55, 0.2))
    views = [{"name": "y"}]
    batch = {"labels_y": labels, "present": torch.ones(100, 1)}
    logits = torch.stack([(1 - p1).log(), p1.log()], 1)
    frequencies = torch.tensor([0.66, 0.34])
    cross_entropy = torch.nn.functional.cross_entropy(logits, labels)
    assert cross_entropy < 0.99 * -(frequencies * frequencies.log()).sum()
    with pytest.warns(sklatent.CollapsedPredictionsWarning, match=r"accuracy 0\.560 .* 0\.660"):
        _warn_if_heads_learned_nothing({"views": {"y": {"class_logits": logits}}}, batch, views)


def test_a_head_that_ties_with_the_majority_class_warns():
    from sklatent.estimators._fit_records import _warn_if_heads_learned_nothing

    # 78% positives; the head predicts positive for all but two rows, one of each class, and
    # ranks well enough for a log-loss below the frequencies': accuracy 0.78, the majority's.
    # A fair encoder at a large weight ended so on a real table without a warning.
    labels = torch.tensor([1] * 78 + [0] * 22)
    p1 = torch.where(labels == 1, 0.9, 0.6)
    p1[0], p1[78] = 0.4, 0.4
    views = [{"name": "y"}]
    batch = {"labels_y": labels, "present": torch.ones(100, 1)}
    logits = torch.stack([(1 - p1).log(), p1.log()], 1)
    with pytest.warns(sklatent.CollapsedPredictionsWarning, match=r"accuracy 0\.780 .* 0\.780"):
        _warn_if_heads_learned_nothing({"views": {"y": {"class_logits": logits}}}, batch, views)


def test_a_fit_warning_names_the_line_that_called_fit():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    estimator = BetaVAE(n_components=2, hidden_layer_sizes=(8,), max_epochs=2, random_state=0)
    for fitted in (
        estimator,
        make_pipeline(StandardScaler(), estimator),
        # A step before the last is fitted through joblib's caching wrapper.
        make_pipeline(StandardScaler(), estimator, LogisticRegression()),
    ):
        with pytest.warns(sklatent.CollapsedCodesWarning) as caught:
            fitted.fit(np.ones((300, 4)), np.arange(300) % 2)
        assert {w.filename for w in caught} == {__file__}  # not a library's line


def test_overlapping_limits_of_different_counts_leave_later_threads_the_callers_count():
    # Main (at 4) limits to 2; a thread started inside inherits 2; another thread, which set
    # itself to 1, limits too. The inheriting thread leaves last: it must restore 4, not 2.
    limited = sklatent.utils._torch.limited_threads
    before = torch.get_num_threads()
    names = ("own_set", "own_inside", "heir_inside", "own_go", "heir_go")
    steps = {name: threading.Event() for name in names}
    seen = {}

    def own_count():
        torch.get_num_threads()  # torch sets a thread's count at its first call: after that
        torch.set_num_threads(1)
        steps["own_set"].wait(timeout=30)
        with limited(2):
            seen["own"] = torch.get_num_threads()  # not raised above its own 1
            steps["own_inside"].set()
            steps["own_go"].wait(timeout=30)
        seen["own_after"] = torch.get_num_threads()

    def heir():
        seen["heir_start"] = torch.get_num_threads()
        steps["own_inside"].wait(timeout=30)
        with limited(2):
            steps["heir_inside"].set()
            steps["heir_go"].wait(timeout=30)
        seen["heir_after"] = torch.get_num_threads()

    torch.set_num_threads(4)
    try:
        first = threading.Thread(target=own_count)
        first.start()
        with limited(2):
            second = threading.Thread(target=heir)
            second.start()
            steps["own_set"].set()
            assert steps["heir_inside"].wait(timeout=30)
        assert torch.get_num_threads() == 4
        steps["own_go"].set()
        first.join()
        steps["heir_go"].set()  # the heir leaves last
        second.join()
        later = []
        probe = threading.Thread(target=lambda: later.append(torch.get_num_threads()))
        probe.start()
        probe.join()
        assert seen == {"own": 1, "own_after": 1, "heir_start": 2, "heir_after": 4}
        assert later == [4]
    finally:
        torch.set_num_threads(before)


def test_scores_stay_scores_and_decoding_overflow_is_refused():
    # The ELBO is computed from finite outputs in float64: -inf once cast to float32 is a score
    # (it was an error for a moment). Decoding codes of 3e38 overflows: refused, as transform.
    for name in ("BetaVAE", "StructuredVAE"):
        estimator, X_fit = _fit(name)
        scores = estimator.score_samples((X_fit[:3] * 1e20).astype(np.float32))
        assert np.isneginf(scores).all()
        with pytest.raises(ValueError, match="outside the data the model was fitted on"):
            estimator.inverse_transform(np.array([[3e38, -3e38], [1.0, 2.0]]))


@pytest.mark.parametrize("name", list(CASES))
def test_a_float64_default_dtype_of_the_caller_fits_the_same_model(name):
    # With torch.set_default_dtype(torch.float64) every fit failed ("mat1 and mat2 must have
    # the same dtype"): float64 weights beside the float32 data.
    expected, X_fit = _fit(name)
    torch.set_default_dtype(torch.float64)
    try:
        estimator, _ = _fit(name)
        codes = estimator.transform(X_fit)
        assert torch.get_default_dtype() == torch.float64
    finally:
        torch.set_default_dtype(torch.float32)
    np.testing.assert_array_equal(codes, expected.transform(X_fit))


def test_a_balanced_head_is_not_told_its_class_is_rare():
    from sklatent.estimators._fit_records import _warn_if_heads_learned_nothing

    labels = torch.tensor([1, 0] * 50)
    p1 = torch.where(labels == 1, 0.45, 0.40)  # ranks the rows, predicts class 0 everywhere
    logits = torch.stack([(1 - p1).log(), p1.log()], 1)
    batch, views = {"labels_y": labels, "present": torch.ones(100, 1)}, [{"name": "y"}]
    with pytest.warns(sklatent.CollapsedPredictionsWarning) as caught:
        _warn_if_heads_learned_nothing({"views": {"y": {"class_logits": logits}}}, batch, views)
    assert "rare" not in str(caught[0].message)


def test_a_float64_default_dtype_loads_saved_models(tmp_path):
    estimator, X_fit = _fit("StructuredVAE")
    sklatent.save(estimator, tmp_path / "model.skl")
    torch.set_default_dtype(torch.float64)
    try:
        codes = sklatent.load(tmp_path / "model.skl").transform(X_fit)
    finally:
        torch.set_default_dtype(torch.float32)
    np.testing.assert_array_equal(codes, estimator.transform(X_fit))


def test_the_float32_default_holds_until_the_last_threads_block_ends():
    # Each block restored the default it found: a thread whose block outlived the first one's
    # saw float64 again and built float64 weights beside float32 data.
    from sklatent.utils._torch import float32_default

    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = []

    def second():
        first_in.wait()
        with float32_default():
            second_in.set()
            first_out.wait()
            seen.append(torch.get_default_dtype())

    torch.set_default_dtype(torch.float64)
    try:
        worker = threading.Thread(target=second)
        worker.start()
        with float32_default():
            first_in.set()
            second_in.wait()
        first_out.set()
        worker.join()
        after = torch.get_default_dtype()
    finally:
        torch.set_default_dtype(torch.float32)
    assert seen == [torch.float32] and after == torch.float64


def test_a_fit_inside_no_grad_trains_as_outside_and_inference_mode_is_named():
    # A critic's step called backward with gradients off: RuntimeError "element 0 of tensors
    # does not require grad" from DisentangledEncoder's defaults and every adversarial critic.
    from sklatent import DisentangledEncoder

    data = np.random.RandomState(0).normal(size=(200, 4))
    labels = np.column_stack([data[:, 0] > 0, data[:, 1] > 0]).astype(int)
    settings = {"subspace_sizes": 1, "max_epochs": 2, "random_state": 0}
    expected = DisentangledEncoder(**settings).fit(data, labels).transform(data)
    with torch.no_grad():
        codes = DisentangledEncoder(**settings).fit(data, labels).transform(data)
    np.testing.assert_array_equal(codes, expected)
    with torch.no_grad():
        DisentangledEncoder(**settings).fit(data, labels)
        assert not torch.is_grad_enabled()  # the caller's mode, after the fit
    with torch.inference_mode():
        with pytest.raises(RuntimeError, match=r"torch.inference_mode\(\) forbids"):
            DisentangledEncoder(**settings).fit(data, labels)
