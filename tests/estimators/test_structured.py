"""StructuredVAE: special cases, missing views, fixed and learned masks, conditional decoders,
and bad structures."""

import itertools

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsRegressor

from sklatent import BetaVAE, FairEncoder, MultiViewEncoder, StructuredVAE
from sklatent.datasets import make_structured
from sklatent.objectives import BetaVAEObjective, StructuredObjective

FAST = {"hidden_layer_sizes": (32,), "max_epochs": 30, "lr": 3e-3, "random_state": 0}


@pytest.fixture(scope="module")
def planted():
    return make_structured(1500, random_state=0)


def test_one_view_one_block_objective_is_the_beta_vae_loss():
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(6, 3, generator=generator)
    outputs = {
        "mean": torch.randn(6, 2, generator=generator),
        "logvar": torch.randn(6, 2, generator=generator),
        "x_params": {"mean": torch.randn(6, 3, generator=generator), "logvar": torch.zeros(6, 3)},
    }
    structured = {**outputs, "views": {"X": outputs["x_params"]}, "gate_probabilities": []}
    batch = {"X": x, "X_X": x, "present": torch.ones(6, 1)}
    expected = BetaVAEObjective(beta=0.7)(outputs, batch)
    terms = StructuredObjective(["X"], beta=0.7)(structured, batch)
    for name in ("loss", "reconstruction", "kl"):
        torch.testing.assert_close(terms[name], expected[name])


def test_one_view_one_block_matches_beta_vae_on_the_same_weights():
    X = np.random.RandomState(0).normal(size=(64, 5))
    common = {"n_components": 3, "hidden_layer_sizes": (16,), "beta": 0.7, "max_epochs": 2}
    vae = BetaVAE(**common, random_state=0).fit(X)
    structured = StructuredVAE(**common, random_state=1).fit(X)
    module, vae_module = structured.net_.module_.eval(), vae.net_.module_.eval()
    module.experts["X"].load_state_dict(vae_module.encoder.net.state_dict())
    module.decoders["X"].load_state_dict(vae_module.decoder.state_dict())
    x = torch.tensor(X, dtype=torch.float32)
    batch = {"X": x, "X_X": x, "present": torch.ones(64, 1)}
    eps = torch.randn(64, 3, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        outputs = module(batch, eps=eps)
        mean, logvar = vae_module.encoder(x)
        # The posterior is the BetaVAE encoder's Gaussian times the prior N(0, I)...
        precision = 1 + torch.exp(-logvar)
        torch.testing.assert_close(outputs["logvar"], -torch.log(precision))
        torch.testing.assert_close(outputs["mean"], torch.exp(-logvar) * mean / precision)
        # ...and with that posterior and the same draw, the loss is BetaVAE's.
        z = outputs["mean"] + eps * torch.exp(0.5 * outputs["logvar"])
        vae_outputs = {**outputs, "z": z, "x_params": vae_module.decoder(z)}
        expected = vae.net_.criterion_(vae_outputs, batch)
        terms = structured.net_.criterion_(outputs, batch)
    for name in ("loss", "reconstruction", "kl"):
        torch.testing.assert_close(terms[name], expected[name])


def test_posterior_is_the_product_of_prior_and_experts():
    model = StructuredVAE(views={"a": [0, 1], "b": [2, 3]}, n_components=2, **FAST)
    X = np.random.RandomState(0).normal(size=(50, 4))
    model.fit(X)
    module = model.net_.module_.eval()
    batch = {
        "X_a": torch.tensor(X[:5, :2], dtype=torch.float32),
        "X_b": torch.tensor(X[:5, 2:], dtype=torch.float32),
        "present": torch.ones(5, 2),
    }
    with torch.no_grad():
        mean, logvar = module.posterior(batch)
        experts = [module.experts[v](batch[f"X_{v}"]).chunk(2, -1) for v in ("a", "b")]
    precisions = [torch.exp(-lv) for _, lv in experts]
    expected_precision = 1 + precisions[0] + precisions[1]
    expected_mean = (precisions[0] * experts[0][0] + precisions[1] * experts[1][0]) / (
        expected_precision
    )
    torch.testing.assert_close(logvar, -torch.log(expected_precision))
    torch.testing.assert_close(mean, expected_mean)


@pytest.mark.slow
def test_missing_views_are_inferred_from_the_rest(planted):
    data = planted
    model = StructuredVAE(views=data.views, n_components=6, **FAST).fit(data.X)
    full = model.transform(data.X)
    partial = data.X.copy()
    partial[:, data.views["v3"]] = np.nan
    codes = model.transform(partial)
    assert np.isfinite(codes).all()
    # The code moves when a view goes missing, but stays close: the other views still inform it.
    gap = np.mean((codes - full) ** 2)
    assert 0 < gap < 0.5 * np.mean(full**2)
    # Training with some rows missing a view works as well.
    holes = data.X.copy()
    holes[:300][:, data.views["v0"]] = np.nan
    assert np.isfinite(StructuredVAE(views=data.views, **FAST).fit(holes).transform(holes)).all()


def test_a_row_with_every_view_missing_is_refused(planted):
    model = StructuredVAE(views=planted.views, max_epochs=1, random_state=0).fit(planted.X)
    X = planted.X[:3].copy()
    X[1] = np.nan
    with pytest.raises(ValueError, match=r"Row 1 has a NaN in every view .* encode\.$"):
        model.transform(X)
    one_view = StructuredVAE(max_epochs=1, random_state=0).fit(planted.X)
    X[1] = planted.X[1]
    X[1, 0] = np.nan  # without views, one NaN hides the row's only view
    with pytest.raises(
        ValueError, match=r"Row 1 has a NaN .* With one view .* impute missing values first"
    ):
        one_view.transform(X)


def test_nan_is_declared_accepted_only_where_it_can_mark_a_missing_view(planted):
    # scikit-learn's checks put NaN in the input of an estimator whose tags allow it: with a lone
    # view such a row is refused, so the tag must not promise it.
    def allows_nan(estimator):
        return estimator.__sklearn_tags__().input_tags.allow_nan

    assert allows_nan(StructuredVAE(views=planted.views))
    assert allows_nan(MultiViewEncoder(views={"a": [0, 1], "b": [2, 3]}))
    assert not allows_nan(StructuredVAE())
    assert not allows_nan(StructuredVAE(views={"x": [0, 1, 2]}))
    # Two views, but one informs no block: a NaN in the other leaves nothing to encode.
    generated_only = {"a": [0, 1, 2], "b": {"columns": [3], "expert": False}}
    assert not allows_nan(StructuredVAE(views=generated_only))
    assert not allows_nan(StructuredVAE(views=planted.views, encoder_mask={"z": ["v0"]}))
    two_informing = {"z": ["v0", "v1"]}
    assert allows_nan(StructuredVAE(views=planted.views, encoder_mask=two_informing))
    assert not allows_nan(MultiViewEncoder())
    assert not allows_nan(FairEncoder())  # a table preset: one view over all of X


@pytest.mark.slow
def test_fixed_masks_shape_the_decoders_and_name_the_blocks(planted):
    data = planted
    blocks = {"z0": 2, "z1": 2, "z2": 2}
    parents = {view: list(data.decoder_mask.index[data.decoder_mask[view]]) for view in data.views}
    model = StructuredVAE(data.views, blocks, decoder_mask=parents, **FAST).fit(data.X)
    pd.testing.assert_frame_equal(
        model.decoder_mask_, data.decoder_mask.rename_axis(None).rename_axis(None, axis=1)
    )
    assert list(model.get_feature_names_out()) == ["z0_0", "z0_1", "z1_0", "z1_1", "z2_0", "z2_1"]
    # v0 is generated by z0 alone: changing z1 and z2 leaves its reconstruction unchanged.
    Z = model.transform(data.X[:20])
    moved = Z.copy()
    moved[:, 2:] += 3.0
    before, after = model.inverse_transform(Z), model.inverse_transform(moved)
    v0, v3 = data.views["v0"], data.views["v3"]
    np.testing.assert_allclose(before[:, v0], after[:, v0], atol=1e-6)
    assert not np.allclose(before[:, v3], after[:, v3])


@pytest.mark.slow
def test_categorical_view_round_trips_labels():
    rng = np.random.RandomState(0)
    labels = rng.choice([3.0, 7.0, 9.0], size=400)
    X = np.column_stack([labels + 0.1 * rng.normal(size=400), rng.normal(size=400), labels])
    views = {"x": [0, 1], "label": {"columns": [2], "likelihood": "categorical"}}
    model = StructuredVAE(views, n_components=2, **FAST).fit(X)
    assert list(model.categories_["label"]) == [3.0, 7.0, 9.0]
    decoded = model.inverse_transform(model.transform(X))[:, 2]
    assert np.mean(decoded == labels) > 0.9


def test_a_categorical_view_never_observed_is_named():
    # Its empty categories failed with a bare "index -1 is out of bounds".
    X = np.c_[np.random.RandomState(0).normal(size=(50, 2)), np.full(50, np.nan)]
    views = {"x": [0, 1], "label": {"columns": [2], "likelihood": "categorical"}}
    with pytest.raises(ValueError, match="View 'label' has no observed value in these rows"):
        StructuredVAE(views, n_components=2, **FAST).fit(X)
    # Another view never observed trains nothing of its own: a warning says so.
    views["label"] = [2]
    with pytest.warns(UserWarning, match="View 'label' has no observed value .* do not train"):
        StructuredVAE(views, n_components=2, **{**FAST, "max_epochs": 2}).fit(X)


@pytest.mark.slow
def test_learned_masks_report_gate_probabilities(planted):
    data = planted
    model = StructuredVAE(
        data.views, {"z0": 2, "z1": 2}, decoder_mask="learn", encoder_mask="learn", **FAST
    ).fit(data.X)
    assert model.structure_.shape == (2, 4)
    assert ((model.structure_ > 0) & (model.structure_ < 1)).all().all()
    pd.testing.assert_frame_equal(model.decoder_mask_, model.structure_ > 0.5)
    assert model.history_[-1, "train_gates"] > 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"decoder_mask": {"v9": ["z0"]}}, "unknown view 'v9'"),
        ({"decoder_mask": {"v0": ["z7"]}}, "unknown name 'z7'"),
        (
            {"decoder_mask": {"v0": ["z0"], "v1": ["z0"], "v2": ["z0"], "v3": ["z0"]}},
            r"blocks \['z1'\] generate no view",
        ),
        ({"decoder_mask": pd.DataFrame(True, index=["z0"], columns=["v0"])}, "needs index"),
        ({"encoder_mask": {"z0": ["v0"]}}, r"blocks \['z1'\] are informed by no view"),
        ({"views": {"a": [0, 99]}}, "outside X's"),
        (
            {"views": {"a": ["age", "income"]}},
            r"no column names of text: .* set_output\(transform='pandas'\)",
        ),
        ({"views": {"a": [0, 1], "b": [1, 2]}}, "belongs to views"),
        ({"views": {"a": {"columns": [0, 1], "likelihood": "categorical"}}}, "one column"),
    ],
)
def test_bad_structures_get_clear_errors(planted, kwargs, message):
    arguments = {"views": planted.views, "latent_blocks": {"z0": 1, "z1": 1}, **kwargs}
    with pytest.raises(ValueError, match=message):
        StructuredVAE(**arguments, max_epochs=1).fit(planted.X)


def _best_f1(learned, truth):
    """F1 of a learned (blocks x views) graph, best over block orders (blocks are unordered)."""
    best = 0.0
    for order in itertools.permutations(range(len(learned))):
        candidate = learned[list(order)]
        true_positive = (candidate & truth).sum()
        best = max(best, 2 * true_positive / (candidate.sum() + truth.sum()))
    return best


@pytest.mark.slow
def test_learned_decoder_mask_recovers_most_of_a_planted_structure():
    data = make_structured(2000, random_state=0)
    blocks = {name: 2 for name in data.block_names}
    model = StructuredVAE(
        data.views,
        blocks,
        decoder_mask="learn",
        sparsity=0.2,
        max_epochs=60,
        lr=3e-3,
        random_state=0,
    ).fit(data.X)
    learned = model.decoder_mask_.loc[data.block_names, data.view_names].to_numpy()
    truth = data.decoder_mask.to_numpy()
    everything = np.ones_like(truth)
    # Measured F1 1.0 at the defaults (a race of ten restarts), also at sparsity 0.1 (three full
    # restarts: 0.857 there, two extra edges). A fully connected graph scores 0.667.
    assert _best_f1(learned, truth) > 0.85 > _best_f1(everything, truth) + 0.1


# ---- conditional decoders, generated-only and read-only views -------------------------------
def _conditional_data(n=1000, seed=0):
    """x (6 columns) = g(z, c) + noise, with c observed (column 6) and z latent."""
    rng = np.random.RandomState(seed)
    z, c = rng.normal(size=(n, 1)), rng.normal(size=(n, 1))
    weights = rng.normal(size=(2, 6))

    def g(z, c):
        h = np.hstack([z, c]) @ weights
        return np.tanh(h) + 0.5 * h

    X = np.hstack([g(z, c) + 0.1 * rng.normal(size=(n, 6)), c])
    return X, z, g


def _cvae_views(expert):
    return {
        "x": {"columns": list(range(6)), "conditions": ["c"]},
        "c": {"columns": [6], "decoder": False, "expert": expert},
    }


def _probe_r2(Z, target):
    """How well a non-linear probe reads ``target`` from codes (3-fold R²)."""
    return cross_val_score(KNeighborsRegressor(10), Z, target, cv=3, scoring="r2").mean()


@pytest.fixture(scope="module")
def conditional():
    X, z, g = _conditional_data()
    # The same variables without conditions: c is a view generated from the code like x.
    plain = StructuredVAE({"x": list(range(6)), "c": [6]}, n_components=2, **FAST).fit(X)
    cvae = StructuredVAE(_cvae_views(expert=False), n_components=2, **FAST).fit(X)
    return X, z, g, plain, cvae


@pytest.mark.slow
def test_conditional_vae_code_carries_less_of_the_condition(conditional):
    X, _, _, plain, cvae = conditional
    # Measured: probe R² 0.99 without conditions, 0.02 when x is decoded from (z, c).
    assert _probe_r2(plain.transform(X), X[:, 6]) > 0.9
    assert _probe_r2(cvae.transform(X), X[:, 6]) < 0.25
    # A condition that also informs the code (expert=True) is still not kept in it.
    informed = StructuredVAE(_cvae_views(expert=True), n_components=2, **FAST).fit(X)
    assert _probe_r2(informed.transform(X), X[:, 6]) < 0.25  # measured 0.003


def test_conditional_decoder_generates_counterfactuals(conditional):
    X, z, g, _, cvae = conditional
    Z = cvae.transform(X)
    # Without conditions the conditioned view cannot be decoded; c has no decoder at all.
    assert np.isnan(cvae.inverse_transform(Z)).all()
    other = X.copy()
    other[:, 6] = np.random.RandomState(1).permutation(X[:, 6])
    truth = g(z, other[:, 6:])
    counterfactual = cvae.inverse_transform(Z, conditions=other)[:, :6]
    unchanged = cvae.inverse_transform(Z, conditions=X)[:, :6]
    assert np.isnan(cvae.inverse_transform(Z, conditions=X)[:, 6]).all()
    # Measured: MSE 0.05 against the true x under the new c, 1.2 when c is not changed.
    assert np.mean((counterfactual - truth) ** 2) < 0.2 < 0.5 < np.mean((unchanged - truth) ** 2)
    # A condition missing in a row leaves that row's conditioned view undecoded.
    other[:5, 6] = np.nan
    decoded = cvae.inverse_transform(Z, conditions=other)
    assert np.isnan(decoded[:5]).all() and np.isfinite(decoded[5:, :6]).all()


@pytest.mark.slow
def test_categorical_condition_is_one_hot_and_views_without_decoder_have_no_parent():
    rng = np.random.RandomState(0)
    labels = rng.choice([2.0, 5.0, 9.0], size=600)
    shift = np.select([labels == 2.0, labels == 5.0], [-2.0, 0.0], 2.0)
    z = rng.normal(size=(600, 1))
    X = np.column_stack([z + shift[:, None], z * 0.5 - shift[:, None], labels])
    X[:, :2] += 0.1 * rng.normal(size=(600, 2))
    views = {
        "label": {"columns": [2], "likelihood": "categorical", "decoder": False},
        "x": {"columns": [0, 1], "conditions": "label"},
    }
    model = StructuredVAE(views, n_components=2, decoder_mask="learn", **FAST).fit(X)
    assert list(model.categories_["label"]) == [2.0, 5.0, 9.0]
    # The view without a decoder is listed last and has no parent, whatever its gate.
    assert [view["name"] for view in model.views_] == ["x", "label"]
    assert (model.structure_["label"] == 0).all() and not model.decoder_mask_["label"].any()
    Z = model.transform(X)
    right = model.inverse_transform(Z, conditions=X)[:, :2]
    shifted = X.copy()
    shifted[:, 2] = np.roll(X[:, 2], 1)  # two rows in three get another label
    wrong = model.inverse_transform(Z, conditions=shifted)[:, :2]
    # Measured: MSE 0.63 with the rows' own labels, 6.1 with shifted ones.
    assert np.mean((right - X[:, :2]) ** 2) < 0.3 * np.mean((wrong - X[:, :2]) ** 2)
    shifted[0, 2] = 7.0
    with pytest.raises(ValueError, match="not seen in fit"):
        model.inverse_transform(Z, conditions=shifted)


def test_a_condition_missing_where_its_view_is_observed_is_refused():
    X, _, _ = _conditional_data(n=200)
    views = {
        "x": {"columns": [0, 1, 2], "conditions": ["c"]},
        "w": [3, 4, 5],
        "c": {"columns": [6], "decoder": False},
    }
    X[7, 6] = np.nan
    with pytest.raises(ValueError, match="missing \\(NaN\\) in row 7 where 'x' is observed"):
        StructuredVAE(views, max_epochs=1).fit(X)
    # Where x is missing too, the row is fine: c is not needed to decode it.
    X[7, :3] = np.nan
    assert np.isfinite(StructuredVAE(views, max_epochs=1).fit(X).transform(X)).all()


_X, _C = list(range(6)), [6]


@pytest.mark.parametrize(
    ("views", "kwargs", "message"),
    [
        ({"x": {"columns": _X, "conditions": ["q"]}, "c": _C}, {}, "'q', which is not a view"),
        ({"x": {"columns": _X, "conditions": ["x"]}, "c": _C}, {}, "conditioned on itself"),
        ({"x": _X, "c": {"columns": _C, "expert": False, "decoder": False}}, {}, "neither"),
        (
            {"x": _X, "c": {"columns": _C, "decoder": False, "conditions": ["x"]}},
            {},
            "conditions but no decoder",
        ),
        (
            _cvae_views(expert=True),
            {"decoder_mask": {"x": ["z"], "c": ["z"]}},
            r"'c' has no decoder \(decoder=False\), but decoder_mask gives it parent blocks",
        ),
        (
            _cvae_views(expert=False),
            {"encoder_mask": {"z": ["x", "c"]}},
            r"'c' has no expert \(expert=False\), but encoder_mask lets it inform blocks",
        ),
        ({"x": {"columns": _X, "condition": ["c"]}, "c": _C}, {}, r"unknown keys \['condition'\]"),
        ({"x": {"columns": _X, "expert": "yes"}}, {}, "must be True or False"),
        ({"x": {"likelihood": "gaussian"}}, {}, "needs its 'columns'"),
        ({"x": {"columns": _X, "conditions": ["c", "c"]}, "c": _C}, {}, "condition twice"),
        # True read column 1; keys alike as text met a pandas error ("truth value of a Series").
        ({"x": [True, 2], "c": _C}, {}, r"'x' names column True: .* not by booleans"),
        ({"x": np.True_, "c": _C}, {}, r"'x' names columns by (np\.)?True_?: use names or"),
        ({1: _X, "1": _C}, {}, r"views has keys that are the same name as text: \['1'\]"),
        ({"x": _X}, {"latent_blocks": {0: 1, "0": 1}}, "latent_blocks has keys that are the same"),
    ],
)
def test_bad_view_roles_get_clear_errors(views, kwargs, message):
    X, _, _ = _conditional_data(n=50)
    with pytest.raises(ValueError, match=message):
        StructuredVAE(views, max_epochs=1, **kwargs).fit(X)


def test_conditions_of_inverse_transform_are_checked(conditional):
    X, _, _, _, cvae = conditional
    Z = cvae.transform(X[:10])
    with pytest.raises(ValueError, match="conditions has 9 rows and the codes 10"):
        cvae.inverse_transform(Z, conditions=X[:9])
    with pytest.raises(ValueError, match="features"):
        cvae.inverse_transform(Z, conditions=X[:10, :6])


def test_a_conditional_model_survives_save_and_load(tmp_path):
    from sklatent import load, save

    rng = np.random.RandomState(0)
    X = np.c_[rng.normal(size=(100, 4)), rng.choice([1.0, 2.0], size=100)]
    views = {
        "x": {"columns": [0, 1, 2, 3], "conditions": ["c"]},
        "c": {"columns": [4], "likelihood": "categorical", "decoder": False},
    }
    model = StructuredVAE(views, max_epochs=2, random_state=0).fit(X)
    save(model, tmp_path / "model")
    loaded = load(tmp_path / "model")
    Z = model.transform(X)
    np.testing.assert_allclose(loaded.transform(X), Z)
    np.testing.assert_allclose(
        loaded.inverse_transform(Z, conditions=X), model.inverse_transform(Z, conditions=X)
    )


@pytest.mark.slow
def test_restarts_keep_the_fit_with_the_lowest_held_out_loss(planted):
    model = StructuredVAE(
        planted.views, {"z0": 2, "z1": 2}, decoder_mask="learn", n_init=3, **FAST
    ).fit(planted.X)
    losses = model.restart_losses_
    assert losses.shape == (3,) and len(np.unique(losses)) == 3  # three different starts
    assert model.history_[-1, "valid_loss"] == pytest.approx(losses.min())
    assert model.n_iter_ == FAST["max_epochs"]


@pytest.mark.parametrize(
    ("decoder_mask", "n_init", "restarts"),
    [("learn", "auto", 10), (None, "auto", 1), ("learn", 1, 1)],
)
def test_n_init_auto_restarts_only_learned_structures(planted, decoder_mask, n_init, restarts):
    model = StructuredVAE(
        planted.views,
        {"z0": 1, "z1": 1},
        decoder_mask=decoder_mask,
        n_init=n_init,
        **{**FAST, "max_epochs": 2},
    ).fit(planted.X)
    assert len(getattr(model, "restart_losses_", [None])) == restarts
    # A held-out split is drawn only to rank restarts (or when asked for).
    assert ("valid_loss" in model.history_[-1]) == (restarts > 1)
    if restarts > 1:  # a later fit without restarts leaves no stale losses behind
        assert not hasattr(model.set_params(n_init=1).fit(planted.X), "restart_losses_")


def test_transform_and_fit_transform_honour_set_output():
    # transform is defined in a mixin: scikit-learn must still wrap it for set_output.
    frame = pd.DataFrame(np.random.RandomState(0).normal(size=(60, 3)), columns=["a", "b", "c"])
    encoder = StructuredVAE(n_components=2, **{**FAST, "max_epochs": 1})
    codes = encoder.set_output(transform="pandas").fit_transform(frame)
    assert isinstance(codes, pd.DataFrame)
    assert list(encoder.transform(frame).columns) == ["z0", "z1"]
