"""get_feature_names_out(input_features) of the eight estimators: checked as scikit-learn does."""

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
