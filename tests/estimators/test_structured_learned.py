"""Learned decoder masks of StructuredVAE: what a fit reports about the graph it learned."""

import warnings

import numpy as np
import pytest

from sklatent import DisconnectedViewWarning, StructuredVAE
from sklatent.datasets import make_structured


def _planted_with_a_noise_view(seed=0):
    """Two views of one block, and a third view of independent noise that no block explains."""
    data = make_structured(600, {"a": ["z0"], "b": ["z0"]}, view_sizes=6, random_state=seed)
    noise = np.random.RandomState(seed).standard_normal((600, 2))
    views = data.views | {"noise": [12, 13]}
    return np.hstack([data.X, noise]), views


def test_a_view_left_without_parent_block_is_reported():
    X, views = _planted_with_a_noise_view()
    model = StructuredVAE(
        views,
        {"z0": 2},
        decoder_mask="learn",
        sparsity=0.3,
        n_init=1,
        max_epochs=40,
        random_state=0,
    )
    with pytest.warns(DisconnectedViewWarning, match=r"\['noise'\]"):
        model.fit(X)
    assert not model.decoder_mask_["noise"].any()
    assert model.decoder_mask_[["a", "b"]].to_numpy().all()


def test_no_warning_when_every_view_keeps_a_parent():
    X, views = _planted_with_a_noise_view()
    model = StructuredVAE(
        views,
        {"z0": 2},
        decoder_mask="learn",
        sparsity=0.0,
        n_init=1,
        max_epochs=5,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", DisconnectedViewWarning)
        model.fit(X)
    assert model.decoder_mask_.to_numpy().all()
