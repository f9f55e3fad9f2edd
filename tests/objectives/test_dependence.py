"""DependencePenalty's conditional-permutation critic: it reads I(z; g | c) and nothing else."""

import math

import pytest
import torch

from sklatent.information import discrimination_loss, permutation_pairs
from sklatent.modules import PermutationCritics
from sklatent.objectives import DependencePenalty


def _trained_critic_loss(codes, batch, penalty, steps=300):
    """The critic's loss after ``steps`` of training on fixed codes (no encoder)."""
    torch.manual_seed(0)
    width = codes.shape[1] + penalty.n_groups + (penalty.n_strata or 0)
    critic = PermutationCritics([width], hidden_layer_sizes=(32,))
    optimizer = torch.optim.Adam(critic.parameters(), lr=1e-2)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = penalty.critic_loss(codes, batch, critic)
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        return float(penalty.critic_loss(codes, batch, critic))


def _batch(seed, code_from, agreement):
    """Label c, group g equal to c in a share ``agreement`` of rows, and a code that copies
    either c or g."""
    generator = torch.Generator().manual_seed(seed)
    strata = torch.randint(0, 2, (1000,), generator=generator)
    agree = torch.rand(1000, generator=generator) < agreement
    groups = torch.where(agree, strata, 1 - strata)
    source = strata if code_from == "condition" else groups
    codes = source[:, None].float() + 0.3 * torch.randn(1000, 2, generator=generator)
    return codes, {"groups": groups, "strata": strata}


CHANCE = 2 * math.log(2)  # the cross-entropy on real plus permuted rows of a blind critic


def test_the_critic_reads_a_code_that_copies_the_group_given_the_label():
    codes, batch = _batch(0, code_from="group", agreement=0.5)
    penalty = DependencePenalty("permutation", n_groups=2, n_strata=2)
    assert _trained_critic_loss(codes, batch, penalty) < CHANCE - 0.3


def test_given_the_label_a_code_of_the_label_alone_shows_no_dependence():
    # z depends on g only through c: I(z; g | c) = 0, although I(z; g) > 0.
    codes, batch = _batch(1, code_from="condition", agreement=0.9)
    conditional = DependencePenalty("permutation", n_groups=2, n_strata=2)
    unconditional = DependencePenalty("permutation", n_groups=2)
    assert _trained_critic_loss(codes, batch, conditional) > CHANCE - 0.05
    assert _trained_critic_loss(codes, batch, unconditional) < CHANCE - 0.1


def test_permuted_rows_keep_each_condition_and_the_first_variable():
    a = torch.arange(6.0)[:, None]
    b = torch.arange(6.0)[:, None] * 10
    strata = torch.tensor([0, 0, 0, 1, 1, -1])
    real, fake, kept = permutation_pairs(a, b, strata, torch.Generator().manual_seed(0))
    assert kept.tolist() == [0, 0, 0, 1, 1]  # the missing row is left out
    torch.testing.assert_close(real[:, 0], fake[:, 0])
    assert sorted(fake[:3, 1].tolist()) == [0.0, 10.0, 20.0]
    assert sorted(fake[3:, 1].tolist()) == [30.0, 40.0]


def test_the_encoder_side_swaps_the_labels():
    real, fake = torch.tensor([3.0, 2.0]), torch.tensor([-3.0, -1.0])
    critic_side = discrimination_loss(real, fake)
    encoder_side = discrimination_loss(real, fake, swapped=True)
    assert float(critic_side) < 0.5 < float(encoder_side)
    assert float(discrimination_loss(fake, real)) == pytest.approx(float(encoder_side))
