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
