"""MechanismEncoder: identification from known translations, collapse, routing and errors."""

import warnings

import numpy as np
import pytest
import sklearn
import torch
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklatent import MechanismEncoder
from sklatent.datasets import make_mechanism_pairs
from sklatent.metrics import linear_identifiability, mean_correlation_coefficient

FAST = {"hidden_layer_sizes": (32, 32), "lr": 3e-3, "random_state": 0}


@pytest.fixture(scope="module")
def translations():
    return make_mechanism_pairs(1500, 4, "translation", random_state=0)


@pytest.mark.slow
def test_known_translations_identify_the_latents(translations):
    data = translations
    enc = MechanismEncoder(4, max_epochs=30, **FAST)
    enc.fit(data.X, X_next=data.X_next, actions=data.actions)
    held_out = make_mechanism_pairs(1000, 4, "translation", random_state=1)
    # The mixing differs per random_state; score on fresh latents through the same mixing.
    codes = enc.transform(data.mixing(held_out.latents))
    assert mean_correlation_coefficient(held_out.latents, codes) > 0.95
    # Identified up to an offset: the code moves by exactly the action.
    moved = enc.transform(data.X_next) - enc.transform(data.X)
    assert np.mean((moved - data.actions) ** 2) < 0.05 * np.mean(data.actions**2)
    np.testing.assert_allclose(
        enc.predict_next(data.X, data.actions), enc.transform(data.X) + data.actions, atol=1e-5
    )


@pytest.mark.slow
def test_linear_mechanism_collapses_without_the_variance_term():
    data = make_mechanism_pairs(800, 3, "linear", random_state=0)
    kwargs = {"mechanism": "linear", "transition_matrix": data.mechanism_matrix, "max_epochs": 40}
    collapsed = MechanismEncoder(3, collapse_weight=0.0, collinearity_weight=0.0, **kwargs, **FAST)
    kept = MechanismEncoder(3, collapse_weight=1.0, **kwargs, **FAST)
    collapsed_codes = collapsed.fit(data.X, X_next=data.X_next).transform(data.X)
    kept_codes = kept.fit(data.X, X_next=data.X_next).transform(data.X)
    assert collapsed_codes.std(axis=0).max() < 0.05
    assert kept_codes.std(axis=0).min() > 0.8


def test_unknown_offsets_are_learned_per_action_label():
    data = make_mechanism_pairs(800, 3, "translation_unknown", random_state=0)
    labels = np.array(["left", "right", "up"])[data.actions]
    enc = MechanismEncoder(3, mechanism="translation_unknown", max_epochs=5, **FAST)
    enc.fit(data.X, X_next=data.X_next, actions=labels)
    assert list(enc.action_labels_) == ["left", "right", "up"]
    assert enc.offsets_.shape == (3, 3)
    expected = enc.transform(data.X[:5]) + enc.offsets_[data.actions[:5]]
    np.testing.assert_allclose(enc.predict_next(data.X[:5], labels[:5]), expected, rtol=1e-5)
    with pytest.raises(ValueError, match="not seen in fit"):
        enc.predict_next(data.X[:2], ["down", "up"])


def test_callable_mechanism_and_its_shape_check(translations):
    data = translations

    def rotate_and_shift(z, a):
        return z.flip(-1) + a

    enc = MechanismEncoder(4, mechanism=rotate_and_shift, max_epochs=2, **FAST)
    enc.fit(data.X, X_next=data.X_next, actions=data.actions)
    assert enc.transform(data.X).shape == (1500, 4)

    def wrong(z, a):
        return z[:, :2]

    with pytest.raises(ValueError, match=r"\(2, 4\)"):
        MechanismEncoder(4, mechanism=wrong, **FAST).fit(
            data.X, X_next=data.X_next, actions=data.actions
        )


def test_a_module_mechanism_trains_in_a_copy(translations):
    # The user's module was trained in place: its weights moved, and a refit with the same
    # seed started from the first fit's weights.
    data = translations

    class Shift(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.eye(4))

        def forward(self, z, actions):
            return z + actions @ self.weight

    mechanism = Shift()
    enc = MechanismEncoder(4, mechanism=mechanism, max_epochs=2, **FAST)
    first = enc.fit(data.X, X_next=data.X_next, actions=data.actions).transform(data.X)
    assert torch.equal(mechanism.weight.detach(), torch.eye(4))
    copy = dict(enc.net_.module_.named_parameters())["mechanism.function.weight"]
    assert copy is not mechanism.weight and not torch.equal(copy.detach(), torch.eye(4))
    again = enc.fit(data.X, X_next=data.X_next, actions=data.actions).transform(data.X)
    np.testing.assert_array_equal(first, again)


def test_text_columns_of_x_next_are_named():
    import pandas as pd

    X = pd.DataFrame({"a": np.arange(20.0), "b": np.ones(20)})
    X_next = X.assign(b=["x", "y"] * 10)
    with pytest.raises(
        ValueError, match=r"X_next has columns of text, categories or dates: \['b'\]"
    ):
        MechanismEncoder(2, max_epochs=1, **FAST).fit(X, X_next=X_next)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"X_next": np.zeros((10, 4))}, "X_next has 10 rows"),
        ({"X_next": np.zeros((1500, 3))}, "X_next has 3 columns"),
        ({"actions": np.zeros((1500, 3))}, r"actions of shape \(n_samples, n_components=4\)"),
        ({"actions": np.zeros(1500)}, "actions must be 2-D"),
        ({"actions": np.zeros((7, 4))}, "actions has 7 rows"),
    ],
)
def test_wrong_shapes_get_clear_errors(translations, kwargs, message):
    data = translations
    arguments = {"X_next": data.X_next, "actions": data.actions, **kwargs}
    with pytest.raises(ValueError, match=message):
        MechanismEncoder(4, max_epochs=1, **FAST).fit(data.X, **arguments)


def test_x_next_columns_must_be_those_of_x(translations):
    import pandas as pd

    data = translations
    X = pd.DataFrame(data.X[:100], columns=list("abcdefghij")[: data.X.shape[1]])
    shuffled = X.iloc[:, ::-1]  # the same observations in another column order
    with pytest.raises(ValueError, match=r"X_next has the columns .* in the same order"):
        MechanismEncoder(4, max_epochs=1, **FAST).fit(
            X, X_next=shuffled, actions=data.actions[:100]
        )


def test_linear_needs_a_square_matrix_and_no_actions():
    data = make_mechanism_pairs(50, 3, "linear", random_state=0)
    with pytest.raises(ValueError, match="transition_matrix"):
        MechanismEncoder(3, mechanism="linear", **FAST).fit(data.X, X_next=data.X_next)
    with pytest.raises(ValueError, match=r"\(3, 3\)"):
        MechanismEncoder(3, mechanism="linear", transition_matrix=np.eye(2), **FAST).fit(
            data.X, X_next=data.X_next
        )
    with pytest.raises(ValueError, match="takes no actions"):
        MechanismEncoder(3, mechanism="linear", transition_matrix=np.eye(3), **FAST).fit(
            data.X, X_next=data.X_next, actions=np.zeros((50, 3))
        )


def test_without_x_next_consecutive_rows_are_transitions(translations):
    with pytest.warns(UserWarning, match="consecutive rows"):
        enc = MechanismEncoder(4, max_epochs=1, **FAST).fit(
            translations.X, actions=translations.actions
        )
    assert enc.n_features_in_ == 4


def test_metadata_is_routed_to_fit_and_score_and_split_by_cross_validation(translations):
    data = translations
    with sklearn.config_context(enable_metadata_routing=True):
        enc = (
            MechanismEncoder(4, max_epochs=3, **FAST)
            .set_fit_request(X_next=True, actions=True)
            .set_score_request(X_next=True, actions=True)
        )
        search = GridSearchCV(enc, {"lr": [1e-5, 3e-3]}, cv=KFold(3))
        search.fit(data.X, X_next=data.X_next, actions=data.actions)
    # Each fold scored its own held-out transitions: the learning rate that trains wins.
    assert search.best_params_["lr"] == 3e-3
    assert np.all(search.cv_results_["mean_test_score"] < 0)


def test_score_is_the_negative_equivariance_error(translations):
    data = translations
    enc = MechanismEncoder(4, max_epochs=2, **FAST)
    enc.fit(data.X, X_next=data.X_next, actions=data.actions)
    error = enc.transform(data.X_next) - enc.predict_next(data.X, data.actions)
    expected = -np.mean(np.sum(error**2, axis=1))
    assert enc.score(data.X, X_next=data.X_next, actions=data.actions) == pytest.approx(
        expected, rel=1e-5
    )
    weights = np.arange(len(error), dtype=float)
    weighted = enc.score(data.X, X_next=data.X_next, actions=data.actions, sample_weight=weights)
    assert weighted == pytest.approx(-np.average(np.sum(error**2, axis=1), weights=weights))
    # Without X_next the rows are n - 1 transitions: a weight per row, the last one unused.
    with pytest.warns(UserWarning, match="consecutive rows"):
        chained = enc.score(data.X, actions=data.actions, sample_weight=weights)
        last_changed = np.r_[weights[:-1], 1e6]
        assert chained == enc.score(data.X, actions=data.actions, sample_weight=last_changed)


def test_a_model_fitted_with_actions_needs_them_to_predict_score_and_train(translations):
    data = translations
    enc = MechanismEncoder(4, max_epochs=1, **FAST)
    enc.fit(data.X[:200], X_next=data.X_next[:200], actions=data.actions[:200])
    with pytest.raises(ValueError, match="fitted with actions: pass the offset of each row"):
        enc.predict_next(data.X[:5])
    with pytest.raises(ValueError, match="fitted with actions"):
        enc.score(data.X[:50], X_next=data.X_next[:50])
    with pytest.raises(ValueError, match="fitted with actions"):
        enc.partial_fit(data.X[:50], X_next=data.X_next[:50])
    with pytest.warns(UserWarning, match="without actions"):
        no_actions = MechanismEncoder(4, max_epochs=1, **FAST).fit(
            data.X[:200], X_next=data.X_next[:200]
        )
    # Fitted without offsets (shared latents of consecutive observations), the code is kept.
    np.testing.assert_allclose(
        no_actions.predict_next(data.X[:5]), no_actions.transform(data.X[:5])
    )


def test_pipeline_passes_metadata_without_routing(translations):
    data = translations
    pipe = make_pipeline(MechanismEncoder(4, max_epochs=1, **FAST), StandardScaler())
    pipe.fit(data.X, mechanismencoder__X_next=data.X_next, mechanismencoder__actions=data.actions)
    assert pipe.transform(data.X).shape == (1500, 4)


def test_global_torch_state_untouched(translations):
    state = torch.get_rng_state()
    MechanismEncoder(4, max_epochs=1, **FAST).fit(
        translations.X, X_next=translations.X_next, actions=translations.actions
    )
    assert torch.equal(state, torch.get_rng_state())


@pytest.mark.slow
def test_collinearity_term_lifts_unknown_offsets_to_an_affine_map():
    data = make_mechanism_pairs(3000, 4, "translation_unknown", random_state=0)
    held_out = make_mechanism_pairs(2000, 4, "translation_unknown", random_state=1)
    settings = {"mechanism": "translation_unknown", "max_epochs": 40, "batch_size": 256}
    scores = {}
    for weight in (0.0, 0.1):
        enc = MechanismEncoder(4, collinearity_weight=weight, **settings, **FAST)
        enc.fit(data.X, X_next=data.X_next, actions=data.actions)
        codes = enc.transform(data.mixing(held_out.latents))
        scores[weight] = linear_identifiability(held_out.latents, codes)
    # Measured: affine R^2 0.936 without the term, 0.981 with it.
    assert scores[0.1] > 0.97
    assert scores[0.1] > scores[0.0] + 0.02


@pytest.mark.slow
def test_reconstruction_term_trains_a_decoder_of_the_code():
    data = make_mechanism_pairs(800, 3, "linear", random_state=0)
    kwargs = {"mechanism": "linear", "transition_matrix": data.mechanism_matrix, "max_epochs": 20}
    enc = MechanismEncoder(3, reconstruction_weight=1.0, **kwargs, **FAST)
    enc.fit(data.X, X_next=data.X_next)
    assert enc.net_.module_.decoder is not None
    errors = enc.history_[:, "train_reconstruction"]
    assert errors[-1] < 0.5 * errors[0]
    # Without the weight there is no decoder and the term is recorded as zero.
    plain = MechanismEncoder(3, **{**kwargs, "max_epochs": 2}, **FAST).fit(
        data.X, X_next=data.X_next
    )
    assert plain.net_.module_.decoder is None
    assert plain.history_[-1, "train_reconstruction"] == 0.0


def test_without_x_next_actions_have_one_row_per_transition_or_per_row():
    data = make_mechanism_pairs(40, 2, "translation", random_state=0)
    small = {"hidden_layer_sizes": (8,), "max_epochs": 2, "random_state": 0}
    codes = []
    # One action per transition (39 for 40 rows), or one per row with the last ignored.
    for actions in (data.actions[:-1], data.actions):
        with pytest.warns(UserWarning, match="consecutive rows"):
            enc = MechanismEncoder(2, **small).fit(data.X, actions=actions)
        codes.append(enc.transform(data.X))
    np.testing.assert_allclose(codes[0], codes[1])
    with pytest.warns(UserWarning, match="consecutive rows"):
        with pytest.raises(ValueError, match=r"actions has 38 rows, but .* 39 transitions"):
            MechanismEncoder(2, **small).fit(data.X, actions=data.actions[:-2])


def _small_pairs(n=120):
    rng = np.random.RandomState(0)
    Z, A = rng.normal(size=(n, 2)), rng.normal(size=(n, 2))
    return np.c_[Z, Z[:, :1]], np.c_[Z + A, (Z + A)[:, :1]], A


def test_methods_after_fit_use_the_fitted_mechanism_whatever_set_params_says():
    # A translation model whose parameter was then set to "linear": score and predict_next
    # went on with the translation while checking actions against "linear", scoring with every
    # offset 0 (-1.17 against -0.15) and refusing the actions the model needs.
    X, X_next, A = _small_pairs()
    encoder = MechanismEncoder(max_epochs=2, **FAST).fit(X, X_next=X_next, actions=A)
    score, predicted = encoder.score(X, X_next=X_next, actions=A), encoder.predict_next(X, A)
    encoder.set_params(mechanism="linear", transition_matrix=np.eye(2))
    assert encoder.score(X, X_next=X_next, actions=A) == score
    np.testing.assert_array_equal(encoder.predict_next(X, A), predicted)
    with pytest.raises(ValueError, match="fitted with actions"):
        encoder.score(X, X_next=X_next)


def test_a_transition_matrix_without_the_linear_mechanism_is_refused():
    X, X_next, A = _small_pairs()
    encoder = MechanismEncoder(transition_matrix=5 * np.eye(2), max_epochs=1, **FAST)
    with pytest.raises(ValueError, match=r"matrix A of mechanism='linear'.*'translation'"):
        encoder.fit(X, X_next=X_next, actions=A)
    with pytest.raises(ValueError, match="holds NaN or infinite entries"):
        encoder.set_params(mechanism="linear", transition_matrix=[[np.nan, 0], [0, 1]])
        encoder.fit(X, X_next=X_next)


def test_fractional_actions_of_unknown_translations_are_refused():
    # Each value would be an action of its own, with an offset learned from one row.
    X, X_next, A = _small_pairs()
    encoder = MechanismEncoder(mechanism="translation_unknown", max_epochs=1, **FAST)
    with pytest.raises(ValueError, match=r"fractional numbers.*mechanism='translation'"):
        encoder.fit(X, X_next=X_next, actions=A[:, 0])
    whole = np.arange(len(X)) % 3 * 1.0  # floats that are labels
    assert encoder.fit(X, X_next=X_next, actions=whole).offsets_.shape == (3, 2)


def test_text_actions_of_a_callable_mechanism_are_named():
    X, X_next, _ = _small_pairs()
    encoder = MechanismEncoder(mechanism=lambda z, a: z, max_epochs=1, **FAST)
    with pytest.raises(ValueError, match="actions must be numbers"):
        encoder.fit(X, X_next=X_next, actions=np.array(["u", "v"] * 60))


def test_a_fit_on_one_transition_counts_transitions():
    X, _, A = _small_pairs()
    with pytest.warns(UserWarning, match="No X_next"):
        with pytest.raises(ValueError, match=r"at least 2 transitions .*got 1 transition"):
            MechanismEncoder(max_epochs=1, **FAST).fit(X[:2], actions=A[:1])


def test_terms_that_no_batch_could_estimate_warn():
    # One row a batch: no variance, no correlation; the code shrank to a spread of 0.02-0.06
    # while the history read 0.0 for both terms, and nothing said so.
    X, X_next, _ = _small_pairs()  # a linear mechanism does not explain them: no matter here
    settings = {"mechanism": "linear", "transition_matrix": np.diag([1.5, 0.6]), "max_epochs": 2}
    with pytest.warns(UserWarning) as caught:
        MechanismEncoder(**settings, batch_size=1, **FAST).fit(X, X_next=X_next)
    idle = [str(w.message) for w in caught if "in every batch" in str(w.message)]
    assert len(idle) == 2
    assert "'collapse' term (weight 1)" in idle[0] and "needs two rows" in idle[0]
    assert "'collinearity' term (weight 0.1)" in idle[1] and "more rows than the code" in idle[1]
    assert all("of at most 1 rows" in message for message in idle)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MechanismEncoder(**settings, batch_size=32, **FAST).fit(X, X_next=X_next)


def test_a_saved_model_with_an_ignored_matrix_still_loads(forge, tmp_path):
    # Files of earlier releases may hold a transition_matrix beside another mechanism, which
    # fit ignored then: loading rebuilds the net, and must not refuse what a fit now refuses.
    import sklatent

    X, X_next, A = _small_pairs()
    encoder = MechanismEncoder(max_epochs=1, **FAST).fit(X, X_next=X_next, actions=A)
    sklatent.save(encoder, tmp_path / "model")

    def edit(meta):
        meta["params"]["transition_matrix"] = [[1.0, 0.0], [0.0, 1.0]]

    forge(tmp_path / "model", edit)
    loaded = sklatent.load(tmp_path / "model")
    np.testing.assert_array_equal(loaded.transform(X), encoder.transform(X))
    with pytest.raises(ValueError, match="matrix A of mechanism='linear'"):
        loaded.fit(X, X_next=X_next, actions=A)


def test_partial_fit_refuses_a_mechanism_set_after_the_fit():
    X, X_next, A = _small_pairs()
    encoder = MechanismEncoder(max_epochs=1, **FAST).fit(X, X_next=X_next, actions=A)
    encoder.set_params(mechanism="translation_unknown")
    with pytest.raises(ValueError, match="set to 'translation_unknown' after the model was fit"):
        encoder.partial_fit(X, X_next=X_next, actions=np.arange(len(X)) % 3)
    encoder.set_params(mechanism="translation").partial_fit(X, X_next=X_next, actions=A)


def test_fractional_actions_in_an_object_column_are_refused_too():
    X, X_next, _ = _small_pairs()
    actions = np.array([0.5, 1, 2] * 40, dtype=object)
    with pytest.raises(ValueError, match="fractional numbers"):
        MechanismEncoder(mechanism="translation_unknown", max_epochs=1, **FAST).fit(
            X, X_next=X_next, actions=actions
        )
