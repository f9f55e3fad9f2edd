"""IRMv1 and REx penalties against closed forms."""

import numpy as np
import pytest
import torch

from sklatent.information import environment_risks, irm_penalty, risk_variance

generator = torch.Generator().manual_seed(0)
LOGITS = torch.randn(60, 3, generator=generator, dtype=torch.float64)
TARGETS = torch.randint(0, 3, (60,), generator=generator)
ENVIRONMENTS = torch.arange(60) % 2


def _scale_gradient(rows):
    # d/dw CE(w * l, t) at w = 1 is the mean over rows of (softmax(l) - onehot(t)) . l.
    logits, targets = LOGITS[rows], TARGETS[rows]
    residual = torch.softmax(logits, dim=1) - torch.nn.functional.one_hot(targets, 3)
    return (residual * logits).sum(dim=1).mean()


def test_irm_penalty_is_the_squared_scale_gradient_per_environment():
    expected = sum(_scale_gradient(ENVIRONMENTS == e) ** 2 for e in range(2))
    penalty = irm_penalty(LOGITS, TARGETS, ENVIRONMENTS, 2).detach()
    assert float(penalty) == pytest.approx(float(expected.detach()))


def test_unbiased_irm_penalty_multiplies_the_two_halves():
    expected = 0.0
    for environment in range(2):
        rows = torch.nonzero(ENVIRONMENTS == environment).squeeze(1)
        expected += _scale_gradient(rows[0::2]) * _scale_gradient(rows[1::2])
    value = irm_penalty(LOGITS, TARGETS, ENVIRONMENTS, 2, unbiased=True)
    assert float(value.detach()) == pytest.approx(float(expected.detach()))


def test_irm_penalty_is_differentiable_in_the_logits():
    logits = LOGITS.clone().requires_grad_(True)
    irm_penalty(logits, TARGETS, ENVIRONMENTS, 2).backward()
    assert torch.isfinite(logits.grad).all() and logits.grad.abs().sum() > 0


@pytest.mark.parametrize("unbiased", [False, True])
@pytest.mark.parametrize("context", [torch.no_grad, torch.inference_mode])
def test_irm_penalty_has_its_value_without_gradients(context, unbiased):
    # A validation pass runs without gradients; the penalty there must be the training one.
    expected = irm_penalty(LOGITS, TARGETS, ENVIRONMENTS, 2, unbiased=unbiased)
    with context():
        value = irm_penalty(LOGITS, TARGETS, ENVIRONMENTS, 2, unbiased=unbiased)
    assert float(value) == pytest.approx(float(expected.detach())) and float(value) > 0


def test_irm_penalty_gradient_matches_the_double_backward_of_autograd():
    # IRMv1 as the paper's code writes it: differentiate the risk in a dummy scale with
    # create_graph, square, and backpropagate into the logits.
    logits = LOGITS.clone().requires_grad_(True)
    scale = torch.ones((), dtype=logits.dtype, requires_grad=True)
    reference = 0.0
    for environment in range(2):
        rows = ENVIRONMENTS == environment
        risk = torch.nn.functional.cross_entropy(logits[rows] * scale, TARGETS[rows])
        reference = reference + torch.autograd.grad(risk, scale, create_graph=True)[0] ** 2
    (expected,) = torch.autograd.grad(reference, logits)
    (gradient,) = torch.autograd.grad(irm_penalty(logits, TARGETS, ENVIRONMENTS, 2), logits)
    torch.testing.assert_close(gradient, expected)


def test_risk_variance_of_known_risks():
    losses = torch.tensor([1.0, 1.0, 3.0, 3.0, 5.0])
    environments = torch.tensor([0, 0, 1, 1, 2])
    torch.testing.assert_close(
        environment_risks(losses, environments, 4), torch.tensor([1.0, 3, 5])
    )
    # Risks 1, 3, 5 (environment 3 absent): population variance 8 / 3.
    assert float(risk_variance(losses, environments, 4)) == pytest.approx(8 / 3)
    assert float(risk_variance(losses, torch.zeros(5, dtype=torch.long), 1)) == 0.0


def test_irm_penalty_vanishes_for_a_head_optimal_in_every_environment():
    # Four rows per environment with logit log 3 (probability 0.75): exactly calibrated when
    # three of the four are positive, so no rescaling of the logits lowers the risk.
    logits = torch.tensor([[0.0, float(torch.log(torch.tensor(3.0)))]] * 8, dtype=torch.float64)
    environments = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1])
    calibrated = torch.tensor([1, 1, 1, 0, 0, 1, 1, 1])
    assert float(irm_penalty(logits, calibrated, environments, 2).detach()) == pytest.approx(
        0, abs=1e-12
    )
    miscalibrated = torch.tensor([1, 1, 1, 0, 0, 0, 1, 1])  # environment 1: half positive
    assert float(irm_penalty(logits, miscalibrated, environments, 2).detach()) > 0.01


def test_conditional_permutation_stays_within_strata():
    from sklatent.information import permute_within_strata

    strata = torch.tensor([0, 0, 0, 1, 1, 2, -1, 0])
    index, usable = permute_within_strata(strata, torch.Generator().manual_seed(0))
    assert torch.equal(strata[index], strata)  # every row swapped with one of its stratum
    assert sorted(index.tolist()) == list(range(8))  # a permutation
    # Stratum 2 has one row and -1 is missing: they stay put and are not usable.
    assert usable.tolist() == [True, True, True, True, True, False, False, True]
    assert index[5] == 5 and index[6] == 6


def test_two_sample_mmd_separates_shifted_samples():
    from sklatent.information import two_sample_mmd

    generator = torch.Generator().manual_seed(1)
    a, b = torch.randn(300, 2, generator=generator), torch.randn(300, 2, generator=generator)
    assert abs(float(two_sample_mmd(a, b))) < 0.02
    assert float(two_sample_mmd(a, b + 1.0)) > 0.1


def test_permutation_mmd_is_unbiased_when_one_part_shrinks():
    # A permuted row shares a part with two real rows; kept in the cross term, those pairs
    # pulled the estimate to -0.21 here (independent parts, a shrunk to 1% of b's scale), a
    # value an encoder could chase by shrinking a subspace.
    from sklatent.information import permutation_mmd

    generator = torch.Generator().manual_seed(0)
    estimates = []
    for _ in range(100):
        a = 0.01 * torch.randn(256, 1, generator=generator)
        b = torch.randn(256, 1, generator=generator)
        strata = torch.randint(0, 10, (256,), generator=generator)
        estimates.append(float(permutation_mmd(a, b, strata, generator)))
    assert abs(np.mean(estimates)) < 0.005
    # A dependent pair within each stratum is detected.
    a, strata = torch.randn(256, 1, generator=generator), torch.arange(256) % 4
    dependent = a + 0.3 * torch.randn(256, 1, generator=generator)
    assert float(permutation_mmd(a, dependent, strata, generator)) > 0.1


@pytest.mark.parametrize("unbiased", [False, True])
def test_irm_penalty_does_not_grow_with_the_number_of_environments(unbiased):
    # A sum over the environments weighed 0.28, 1.4 and 7.4 for 2, 10 and 50 random
    # environments of the same logits: one weight meant a constraint five and 25 times as
    # strong. Normalised, random environments weigh alike; two are the sum, as before.
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(4096, 2, generator=generator)
    targets = (torch.rand(4096, generator=generator) < 0.3).long()
    values = {}
    for k in (2, 10, 50):
        environments = torch.randint(0, k, (4096,), generator=generator)
        values[k] = float(irm_penalty(logits, targets, environments, k, unbiased=unbiased))
    assert 0.5 < values[10] / values[2] < 2 and 0.5 < values[50] / values[2] < 2


def test_irm_penalty_of_minibatches_does_not_shrink_with_absent_environments():
    # Normalised by all the fit's environments, a batch of 64 rows holding few of 50 weighed a
    # quarter of two environments' penalty: it is normalised by those the batch estimates.
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(4096, 2, generator=generator)
    targets = (torch.rand(4096, generator=generator) < 0.3).long()
    means = {}
    for k in (2, 50):
        environments = torch.randint(0, k, (4096,), generator=generator)
        batches = [
            float(
                irm_penalty(
                    logits[i : i + 64],
                    targets[i : i + 64],
                    environments[i : i + 64],
                    k,
                    unbiased=True,
                )
            )
            for i in range(0, 4096, 64)
        ]
        means[k] = np.mean(batches)
    assert 0.5 < means[50] / means[2] < 2
