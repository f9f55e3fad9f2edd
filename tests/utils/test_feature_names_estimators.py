"""get_feature_names_out(input_features) of the eight estimators: checked as scikit-learn does."""

import copy

import numpy as np
import pytest
from _eight_estimators import FITS, X, fit_all


@pytest.fixture(scope="module")
def fitted():
    return fit_all()


@pytest.mark.parametrize("name", FITS)
def test_the_names_seen_in_fit_are_accepted_and_others_refused(fitted, name):
    estimator = fitted[name]
    names = estimator.get_feature_names_out()
    assert list(estimator.get_feature_names_out(list(X.columns))) == list(names)
    with pytest.raises(ValueError, match="input_features is not equal to feature_names_in_"):
        estimator.get_feature_names_out(["a", "b", "c", "e"])


@pytest.mark.parametrize("name", FITS)
def test_an_unfitted_estimator_raises_not_fitted_for_names_and_decoding(name):
    # Some returned names from n_components unfitted; some failed inverse_transform on a
    # missing block_sizes_ (an AttributeError naming no fit).
    from sklearn.exceptions import NotFittedError

    unfitted = FITS[name][0]()
    with pytest.raises(NotFittedError):
        unfitted.get_feature_names_out()
    if hasattr(unfitted, "inverse_transform"):
        given = {"sensitive_features": [0]} if name == "FairEncoder" else {}
        with pytest.raises(NotFittedError):
            unfitted.inverse_transform([[0.0, 0.0]], **given)


# The parameter that sets each estimator's code width.
WIDTH = {"MultiViewEncoder": "n_shared", "DisentangledEncoder": "subspace_sizes"}


@pytest.mark.parametrize("name", FITS)
def test_a_changed_width_parameter_waits_for_the_next_fit(fitted, name):
    # Names were read from the parameter while the codes kept the fitted width (a DataFrame
    # output failed), and MultiViewEncoder's shared output took in private blocks.
    estimator = copy.deepcopy(fitted[name])
    before = estimator.transform(X)
    estimator.set_params(**{WIDTH.get(name, "n_components"): 3})
    codes = estimator.set_output(transform="pandas").transform(X)
    assert list(codes.columns) == list(estimator.get_feature_names_out())
    np.testing.assert_array_equal(codes.to_numpy(), before)
    # Decoding and predicting the next codes check the codes' and actions' width as fitted.
    if name in ("BetaVAE", "FairEncoder"):
        given = {"sensitive_features": FITS[name][1]["sensitive_features"]} if FITS[name][1] else {}
        assert estimator.inverse_transform(before, **given).shape[0] == len(X)
    if name == "MechanismEncoder":
        assert estimator.predict_next(X, FITS[name][1]["actions"]).shape == before.shape


def test_a_module_that_does_not_record_its_width_reads_the_parameter(fitted):
    # A subclass's own module, or one pickled before modules recorded their width.
    vae = copy.deepcopy(fitted["BetaVAE"])
    del vae.net_.module_.n_components
    assert len(vae.get_feature_names_out()) == vae.transform(X).shape[1]
