"""get_feature_names_out(input_features) of the eight estimators: checked as scikit-learn does."""

import warnings

import pytest
from test_persistence_estimators import FITS, X


@pytest.fixture(scope="module")
def fitted():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tiny fits: convergence warnings are expected
        return {name: make().fit(X, **kwargs) for name, (make, kwargs) in FITS.items()}


@pytest.mark.parametrize("name", FITS)
def test_the_names_seen_in_fit_are_accepted_and_others_refused(fitted, name):
    estimator = fitted[name]
    names = estimator.get_feature_names_out()
    assert list(estimator.get_feature_names_out(list(X.columns))) == list(names)
    with pytest.raises(ValueError, match="input_features is not equal to feature_names_in_"):
        estimator.get_feature_names_out(["a", "b", "c", "e"])
