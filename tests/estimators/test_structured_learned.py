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


def _learned_structure(views, sparsity, max_epochs):
    return StructuredVAE(
        views,
        {"z0": 2},
        decoder_mask="learn",
        sparsity=sparsity,
        n_init=1,
        max_epochs=max_epochs,
        random_state=0,
    )


def test_a_view_left_without_parent_block_is_reported():
    X, views = _planted_with_a_noise_view()
    # Measured gates: 0.99-1.00 for the two planted views and 0.22-0.33 for the noise view,
    # data seeds 0-3.
    model = _learned_structure(views, sparsity=0.3, max_epochs=40)
    with pytest.warns(DisconnectedViewWarning, match=r"\['noise'\]"):
        model.fit(X)
    assert not model.decoder_mask_["noise"].any()
    assert model.decoder_mask_[["a", "b"]].to_numpy().all()


def test_no_warning_when_every_view_keeps_a_parent():
    X, views = _planted_with_a_noise_view()
    model = _learned_structure(views, sparsity=0.0, max_epochs=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DisconnectedViewWarning)
        model.fit(X)
    assert model.decoder_mask_.to_numpy().all()
