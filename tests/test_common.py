"""scikit-learn's estimator checks over every public estimator, found automatically."""

import inspect

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

import sklatent.estimators
from sklatent.estimators import LatentTransformer


def _public_estimators():
    """Every public estimator at its defaults: the checks judge what a user gets."""
    for name in sklatent.estimators.__all__:
        cls = getattr(sklatent.estimators, name)
        if (
            inspect.isclass(cls)
            and issubclass(cls, LatentTransformer)
            and cls is not LatentTransformer
        ):
            yield cls()


ESTIMATORS = list(_public_estimators())


def test_every_public_estimator_is_checked():
    assert {type(est).__name__ for est in ESTIMATORS} == set(sklatent.estimators.__all__) - {
        "LatentTransformer"
    }


# The checks fit each estimator dozens of times at its default budget: the slow tier.
@pytest.mark.slow
@parametrize_with_checks(ESTIMATORS)  # at the defaults, and no check expected to fail
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda est: type(est).__name__)
def test_estimator_is_exported_at_top_level(estimator):
    import sklatent

    assert getattr(sklatent, type(estimator).__name__) is type(estimator)
