"""TrainingCurveDisplay draws the recorded loss terms."""

import matplotlib
import numpy as np
import pytest

from sklatent import BetaVAE
from sklatent.plotting import TrainingCurveDisplay

matplotlib.use("agg")

X = np.random.RandomState(0).normal(size=(60, 4))


def test_every_recorded_term_is_drawn_against_epochs():
    vae = BetaVAE(n_components=2, max_epochs=4, validation_fraction=0.25, random_state=0).fit(X)
    display = TrainingCurveDisplay.from_estimator(vae)
    assert set(display.lines_) == {
        f"{split}_{term}"
        for split in ("train", "valid")
        for term in ("loss", "kl", "reconstruction")
    }
    np.testing.assert_array_equal(display.lines_["train_kl"].get_xdata(), [1, 2, 3, 4])
    np.testing.assert_allclose(display.lines_["train_kl"].get_ydata(), vae.history_[:, "train_kl"])
    assert display.ax_.get_xlabel() == "epoch"


def test_unknown_terms_are_refused():
    vae = BetaVAE(n_components=2, max_epochs=2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="not recorded"):
        TrainingCurveDisplay.from_estimator(vae, terms=["valid_loss"])


def test_one_term_may_be_named_alone():
    vae = BetaVAE(n_components=2, max_epochs=2, random_state=0).fit(X)
    display = TrainingCurveDisplay.from_estimator(vae, terms="train_kl")
    assert list(display.lines_) == ["train_kl"]


def test_a_pipeline_shows_its_sklatent_step_and_other_estimators_are_named():
    from sklearn.exceptions import NotFittedError
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    vae = BetaVAE(n_components=2, max_epochs=3, random_state=0)
    pipe = make_pipeline(StandardScaler(), vae, LogisticRegression())
    with pytest.raises(NotFittedError):
        TrainingCurveDisplay.from_estimator(pipe)
    pipe.fit(X, np.arange(60) % 2)
    display = TrainingCurveDisplay.from_estimator(pipe)
    np.testing.assert_allclose(display.lines_["train_kl"].get_ydata(), vae.history_[:, "train_kl"])
    scaler = StandardScaler().fit(X)
    with pytest.raises(TypeError, match="StandardScaler records no training history"):
        TrainingCurveDisplay.from_estimator(scaler)
    with pytest.raises(ValueError, match="No step of this Pipeline"):
        TrainingCurveDisplay.from_estimator(make_pipeline(scaler).fit(X))
