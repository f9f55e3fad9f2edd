"""posterior, score_samples, score and sample of the structured bottleneck."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from sklatent import FairEncoder, InvariantEncoder, MultiViewEncoder, StructuredVAE

rng = np.random.RandomState(0)
# Two views driven by one shared factor, and a categorical view read from its sign.
factor = rng.normal(size=(600, 1))
X = np.hstack(
    [
        factor + 0.3 * rng.normal(size=(600, 2)),
        -factor + 0.3 * rng.normal(size=(600, 2)),
        (factor > 0).astype(float),
    ]
)
VIEWS = {"a": [0, 1], "b": [2, 3], "c": {"columns": [4], "likelihood": "categorical"}}


@pytest.fixture(scope="module")
def fitted():
    return StructuredVAE(VIEWS, max_epochs=60, random_state=0).fit(X[:400])


def test_posterior_mean_is_the_code_and_its_variance_shrinks_below_the_prior(fitted):
    mean, variance = fitted.posterior(X)
    np.testing.assert_array_equal(mean, fitted.transform(X))
    assert variance.shape == mean.shape
    assert np.all(variance > 0) and np.all(variance < 1)


def test_score_is_the_mean_bound_and_each_row_is_scored_alone(fitted):
    scores = fitted.score_samples(X[400:])
    assert fitted.score(X[400:]) == pytest.approx(scores.mean())
    np.testing.assert_array_equal(fitted.score_samples(X[400:410]), scores[:10])


def test_the_bound_prefers_held_out_rows_to_rows_without_their_structure(fitted):
    # Each column shuffled on its own: the same marginals, the shared factor gone.
    shuffled = np.column_stack([rng.permutation(column) for column in X[400:].T])
    assert fitted.score(X[400:]) > fitted.score(shuffled) + 1.0


def test_a_missing_view_leaves_its_term_out_of_the_bound(fitted):
    rows = X[400:410].copy()
    rows[:, :2] = np.nan
    assert np.all(np.isfinite(fitted.score_samples(rows)))


def test_samples_follow_the_data(fitted):
    drawn = fitted.sample(2000, random_state=0)
    np.testing.assert_array_equal(drawn, fitted.sample(2000, random_state=0))
    assert set(np.unique(drawn[:, 4])) <= {0.0, 1.0}
    # The shared factor: views a and b move against each other, as in the data.
    assert np.corrcoef(drawn[:, 0], drawn[:, 2])[0, 1] < -0.5
    np.testing.assert_allclose(drawn[:, :4].std(axis=0), X[:, :4].std(axis=0), rtol=0.25)


def test_sample_refuses_views_decoded_given_others():
    views = {"a": [0, 1], "b": {"columns": [2, 3], "conditions": ["a"]}}
    model = StructuredVAE(views, max_epochs=2, random_state=0).fit(X[:, :4])
    with pytest.raises(ValueError, match="decoded given other views"):
        model.sample(3)


def test_a_default_scored_grid_search_runs_on_the_bound():
    search = GridSearchCV(
        MultiViewEncoder(1, views={"a": [0, 1], "b": [2, 3]}, max_epochs=5, random_state=0),
        {"beta": [0.5, 1.0]},
        cv=2,
    ).fit(X[:, :4])
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_presets_have_the_posterior_but_no_bound_of_X_alone():
    s = (X[:, 4] > 0).astype(int)
    encoder = FairEncoder(max_epochs=3, random_state=0).fit(X[:, :4], sensitive_features=s)
    np.testing.assert_array_equal(encoder.posterior(X[:, :4])[0], encoder.transform(X[:, :4]))
    assert not hasattr(encoder, "score") and not hasattr(encoder, "sample")
    assert not hasattr(encoder, "score_samples")
    assert hasattr(InvariantEncoder(), "score")  # a classifier's accuracy, its own
