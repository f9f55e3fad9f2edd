"""StructuredVAE's decoder variance: calibrated per view, and "auto" by the number of views."""

import numpy as np
import pytest

from sklatent import StructuredVAE
from sklatent.datasets import make_structured

FAST = {"hidden_layer_sizes": (32,), "max_epochs": 30, "lr": 3e-3, "random_state": 0}


@pytest.fixture(scope="module")
def planted():
    return make_structured(1500, random_state=0)


def test_calibrated_views_take_their_own_variance_from_the_rows_observing_them(planted):
    data = planted
    holes = data.X.copy()
    holes[:300][:, data.views["v0"]] = np.nan
    model = StructuredVAE(views=data.views, decoder_variance="calibrated", **FAST).fit(holes)
    assert np.isfinite(model.score_samples(holes)).all()
    decoded = model.inverse_transform(model.transform(holes))
    for name, columns in data.views.items():
        observed = ~np.isnan(holes[:, columns[0]])
        mse = np.mean((decoded[observed][:, columns] - holes[observed][:, columns]) ** 2)
        variance = np.exp(model.net_.module_.decoders[name].logvar.numpy())
        # One value per view: the running average of its training reconstruction error, which
        # the codes' sampling noise keeps above the error of the posterior means.
        assert np.ptp(variance) == 0
        assert mse < variance[0] < 3 * mse


@pytest.mark.parametrize(
    ("views", "calibrated"),
    [
        (None, True),  # a lone view: BetaVAE's model and default
        ({"x": [0, 1, 2], "y": [3, 4, 5]}, False),
        ({"x": {"columns": [0, 1, 2, 3, 4], "conditions": ["c"]}, "c": [5]}, False),  # a CVAE
    ],
)
def test_auto_decoder_variance_is_calibrated_for_a_lone_view_only(views, calibrated):
    X = np.random.RandomState(0).normal(size=(60, 6))
    model = StructuredVAE(views, n_components=2, hidden_layer_sizes=(4,), max_epochs=1).fit(X)
    decoders = model.net_.module_.decoders.values()
    gaussian = [decoder for decoder in decoders if hasattr(decoder, "calibrated")]
    assert gaussian and all(decoder.calibrated == calibrated for decoder in gaussian)
