"""structure_scores_: how many of StructuredVAE's restarts learned each edge."""

import copy

import numpy as np
import pandas as pd
import pytest
import torch

from sklatent import StructuredVAE
from sklatent.datasets import make_structured
from sklatent.estimators._structured_restarts import aligned_to, restart_agreement

FAST = {"hidden_layer_sizes": (16,), "max_epochs": 2, "random_state": 0}


@pytest.fixture(scope="module")
def planted():
    return make_structured(300, random_state=0)


def test_alignment_swaps_only_blocks_of_the_same_size():
    kept = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=bool)
    # Blocks 0 and 1 (size 2) swapped; block 2 (size 1) holds block 0's edges but cannot move.
    other = np.array([[0, 1, 0], [1, 0, 0], [1, 0, 0]], dtype=bool)
    aligned = aligned_to(kept, other, [2, 2, 1])
    np.testing.assert_array_equal(aligned, [[1, 0, 0], [0, 1, 0], [1, 0, 0]])
    np.testing.assert_array_equal(aligned_to(kept, other, [1, 2, 3]), other)


def test_agreement_counts_the_kept_mask_and_every_restart():
    kept = np.array([[1, 1, 0, 0], [0, 0, 1, 1]], dtype=bool)
    extra_edge = kept.copy()
    extra_edge[0, 2] = True
    scores = restart_agreement(kept, [kept, kept[::-1], extra_edge, extra_edge[::-1]], [3, 3])
    np.testing.assert_allclose(scores, [[1, 1, 0.5, 0], [0, 0, 1, 1]])


def _with_decoder_mask(net, mask):
    """A copy of a fitted net whose learned decoder gates threshold to ``mask``."""
    net = copy.deepcopy(net)
    with torch.no_grad():
        net.module_.decoder_gates.logits.copy_(torch.tensor(np.where(mask, 3.0, -3.0)))
    return net


def test_scores_are_the_share_of_restarts_with_each_edge(planted):
    model = StructuredVAE(
        planted.views, {"z0": 2, "z1": 2}, decoder_mask="learn", n_init=1, **FAST
    ).fit(planted.X)
    blocks, views = ["z0", "z1"], list(planted.views)
    kept = np.array([[1, 1, 0, 0], [0, 1, 1, 1]], dtype=bool)
    # Two restarts learned the kept graph (one with its blocks swapped), one a denser one.
    denser = kept | np.array([[0, 0, 1, 0], [0, 0, 0, 0]], dtype=bool)
    nets = [_with_decoder_mask(model.net_, m) for m in (kept, kept[::-1], denser)]
    model.net_ = nets[0]
    model._read_restarts(nets)
    model._read_structure()
    expected = pd.DataFrame([[1, 1, 1 / 3, 0], [0, 1, 1, 1]], index=blocks, columns=views)
    pd.testing.assert_frame_equal(model.structure_scores_, expected, check_dtype=False)
    # The list is read once: the next reading (a partial_fit's) scores the one net it has.
    model._read_structure()
    np.testing.assert_array_equal(model.structure_scores_, kept.astype(float))


@pytest.mark.parametrize(
    ("decoder_mask", "n_init"), [("learn", 1), ({"a": ["z0"], "b": ["z0", "z1"]}, "auto")]
)
def test_scores_of_one_model_are_its_mask(decoder_mask, n_init):
    X = np.random.RandomState(0).normal(size=(120, 4))
    model = StructuredVAE(
        {"a": [0, 1], "b": [2, 3]},
        {"z0": 1, "z1": 1},
        decoder_mask=decoder_mask,
        n_init=n_init,
        **FAST,
    ).fit(X)
    pd.testing.assert_frame_equal(
        model.structure_scores_, model.decoder_mask_.astype(float), check_dtype=False
    )


def test_a_fit_with_restarts_scores_the_masks_of_all_of_them(planted, restart_nets):
    seen = restart_nets
    model = StructuredVAE(
        planted.views, {"z0": 2, "z1": 2}, decoder_mask="learn", n_init=3, **FAST
    ).fit(planted.X)
    assert len(seen) == 3 and any(net is model.net_ for net in seen)
    masks = [net.module_.decoder_gates.logits.detach().numpy() > 0 for net in seen]
    kept = model.decoder_mask_.to_numpy()
    np.testing.assert_allclose(
        model.structure_scores_, restart_agreement(kept, masks, model.block_sizes_)
    )
