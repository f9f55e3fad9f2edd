"""Renamed parameters: the former name works for one release, with a FutureWarning."""

import warnings

import numpy as np
import pytest

import sklatent
from sklatent.estimators._renamed import DEPRECATED, current_value

rng = np.random.RandomState(0)
X = rng.normal(size=(300, 4))
y, env = np.arange(300) % 2, (np.arange(300) // 2) % 2
two_attributes = np.column_stack([y, env])  # one attribute alone would have no penalty
FAST = {"hidden_layer_sizes": (8,), "max_epochs": 5, "random_state": 0}

# (estimator, its fit's arguments, its other parameters, former name and value, new name and
# value). The values differ from the default, so that a fit shows which one was used.
RENAMES = [
    (
        sklatent.FairEncoder,
        {"sensitive_features": env},
        {},
        ("independence", "hsic"),
        ("dependence_measure", "hsic"),
    ),
    (
        sklatent.InvariantEncoder,
        {"y": y, "environments": env},
        {"penalty": "conditional_independence"},
        ("independence", "hsic"),
        ("dependence_measure", "hsic"),
    ),
    (
        sklatent.InvariantEncoder,
        {"y": y, "environments": env},
        {},
        ("anneal_epochs", 1),
        ("warmup_epochs", 1),
    ),
    (
        sklatent.DisentangledEncoder,
        {"y": two_attributes},
        {},
        ("critic", "mmd"),
        ("dependence_measure", "mmd"),
    ),
    (  # the former critic="adversarial" named the permutation discriminators (the default)
        sklatent.DisentangledEncoder,
        {"y": two_attributes},
        {},
        ("critic", "adversarial"),
        ("dependence_measure", "permutation"),
    ),
    (  # the penalty's weight is named as in FairEncoder
        sklatent.DisentangledEncoder,
        {"y": two_attributes},
        {},
        ("cmi_weight", 10.0),
        ("independence_weight", 10.0),
    ),
]


def _fit(Estimator, fit_arguments, params, **renamed):
    return Estimator(**{**FAST, **params, **renamed}).fit(X, **fit_arguments)


@pytest.mark.parametrize(
    ("Estimator", "fit_arguments", "params", "old", "new"),
    RENAMES,
    ids=[f"{E.__name__}-{old[0]}={old[1]}" for E, _, _, old, _ in RENAMES],
)
def test_a_former_name_warns_and_is_used(Estimator, fit_arguments, params, old, new):
    with pytest.warns(FutureWarning, match=f"{old[0]} was renamed {new[0]}") as caught:
        former = _fit(Estimator, fit_arguments, params, **{old[0]: old[1]})
    assert {w.filename for w in caught} == {__file__}  # the line that called fit
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)  # the new name alone warns nothing
        renamed = _fit(Estimator, fit_arguments, params, **{new[0]: new[1]})
        default = _fit(Estimator, fit_arguments, params)
    np.testing.assert_array_equal(former.transform(X), renamed.transform(X))
    if new[1] != Estimator().get_params()[new[0]]:
        assert not np.array_equal(former.transform(X), default.transform(X))
    assert Estimator().get_params()[old[0]] == DEPRECATED


def test_a_former_name_outside_its_values_is_refused():
    with pytest.raises(ValueError, match="independence"):
        sklatent.FairEncoder(independence="kernel").fit(X, sensitive_features=env)


def test_the_current_value_prefers_a_set_former_name():
    encoder = sklatent.FairEncoder(dependence_measure="adversarial")
    assert current_value(encoder, "dependence_measure") == "adversarial"
    encoder.set_params(independence="hsic")
    assert current_value(encoder, "dependence_measure") == "hsic"


def test_the_former_and_the_new_name_set_together_are_refused():
    # Either would be ignored: e.g. a grid over dependence_measure around a former name.
    encoder = sklatent.FairEncoder(**FAST, independence="mmd", dependence_measure="adversarial")
    with pytest.raises(ValueError, match="independence and dependence_measure are both set"):
        encoder.fit(X, sensitive_features=env)
    assert not hasattr(encoder, "net_")


def _as_saved_before_the_rename(former, new, value):
    """A model.json edit: the parameters and views as a file of the previous release holds."""

    def edit(meta):
        meta["params"].pop(new)
        meta["params"][former] = value
        for view in meta["fitted"]["views_"]:  # encoded as {"__dict__": [[key, value], ...]}
            # Views of files saved before view_spec lack fields: the width of a view of X's
            # columns, and empty conditions.
            fields = dict(view["__dict__"])
            if fields["columns"] is not None:
                fields.pop("n_features")
            if not fields["conditions"]:
                fields.pop("conditions")
            view["__dict__"] = [list(item) for item in fields.items()]

    return edit


@pytest.mark.parametrize(
    ("Estimator", "fit_arguments", "former", "value", "new", "new_value"),
    [
        (
            sklatent.FairEncoder,
            {"sensitive_features": env},
            "independence",
            "hsic",
            "dependence_measure",
            "hsic",
        ),
        (
            sklatent.DisentangledEncoder,
            {"y": y},
            "critic",
            "adversarial",
            "dependence_measure",
            "permutation",
        ),
        (
            sklatent.DisentangledEncoder,
            {"y": two_attributes},
            "cmi_weight",
            10.0,
            "independence_weight",
            10.0,
        ),
    ],
)
def test_a_file_saved_before_the_rename_loads_under_the_new_names(
    Estimator, fit_arguments, former, value, new, new_value, forge, tmp_path
):
    encoder = Estimator(**FAST, **{new: new_value}).fit(X, **fit_arguments)
    sklatent.save(encoder, tmp_path / "model")
    forge(tmp_path / "model", _as_saved_before_the_rename(former, new, value))
    loaded = sklatent.load(tmp_path / "model")
    np.testing.assert_array_equal(loaded.transform(X), encoder.transform(X))
    assert loaded.get_params()[new] == new_value
    assert loaded.get_params()[former] == DEPRECATED
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)  # a refit uses the new name, silently
        loaded.fit(X, **fit_arguments)


def test_a_former_name_in_a_pipeline_step_warns_at_the_line_that_called_fit():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    encoder = sklatent.FairEncoder(independence="hsic", **FAST)
    pipe = make_pipeline(encoder, LogisticRegression())  # fitted through joblib's cache
    with pytest.warns(FutureWarning, match="independence was renamed") as caught:
        pipe.fit(X, y)
    assert {w.filename for w in caught} == {__file__}


def test_an_estimator_pickled_before_the_rename_works_under_the_new_name():
    # A pickle of the previous release holds cmi_weight (and its objective cmi_weight and the
    # term "cmi"): repr, get_params, clone and partial_fit raised AttributeError.
    import pickle

    from sklearn.base import clone

    encoder = sklatent.DisentangledEncoder(**FAST, independence_weight=7.0)
    encoder.fit(X, two_attributes)
    state = encoder.__getstate__()
    state["cmi_weight"] = state.pop("independence_weight")
    objective = state["net_"].criterion_
    objective.cmi_weight = vars(objective).pop("independence_weight")
    objective.term_names = tuple("cmi" if t == "independence" else t for t in objective.term_names)
    old = object.__new__(sklatent.DisentangledEncoder)
    old.__setstate__(pickle.loads(pickle.dumps(state)))
    assert old.get_params()["independence_weight"] == 7.0
    assert old.get_params()["cmi_weight"] == DEPRECATED
    assert clone(old).independence_weight == 7.0
    np.testing.assert_array_equal(old.transform(X), encoder.transform(X))
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        old.partial_fit(X, two_attributes)
    assert old.history_[-1, "train_independence"] != 0.0


def test_the_objective_takes_its_former_weight_name_with_a_warning():
    from sklatent.objectives import DisentangledObjective

    with pytest.warns(FutureWarning, match="cmi_weight was renamed independence_weight"):
        objective = DisentangledObjective(["a"], [slice(0, 1)], [2], cmi_weight=5.0)
    assert objective.independence_weight == 5.0


def test_the_objective_refuses_both_weight_names():
    from sklatent.objectives import DisentangledObjective

    with pytest.raises(ValueError, match="cmi_weight and independence_weight are both set"):
        DisentangledObjective(["a"], [slice(0, 1)], [2], cmi_weight=5.0, independence_weight=2.0)
