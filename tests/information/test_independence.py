"""Dependence estimators between codes and groups, against closed forms and known answers."""

import math

import numpy as np
import pytest
import torch

from sklatent.information import (
    adversary_information,
    group_mmd,
    normalized_hsic,
    within_strata,
)
from sklatent.information._independence import (
    _kernel,
    _median_above_diagonal,
    _median_squared_distance,
)

torch.manual_seed(0)
N = 400
GROUPS = torch.as_tensor(np.random.RandomState(0).binomial(1, 0.3, N))


def _codes(shift):
    """Codes whose mean moves by ``shift`` in group 1."""
    return torch.randn(N, 3, generator=torch.Generator().manual_seed(1)) + shift * GROUPS[:, None]


def _kernel_written_out(z):
    """The definition: differences, a detached median of all n² entries, and one exponential per
    bandwidth 16, 4, 1, 1/4, 1/16 x median."""
    squared = (z[:, None] - z[None]).pow(2).sum(-1)
    median = squared.detach().flatten().median().clamp_min(1e-8)
    return sum(torch.exp(-squared / (s * median)) for s in (16, 4, 1, 0.25, 0.0625))


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 64])
def test_kernel_and_its_gradient_equal_the_sum_of_five_gaussians_written_out(n):
    # The fast form (inner products, the median selected by numpy on the CPU, one
    # exponential raised to fourth powers, its own backward) against the definition.
    z = _codes(0.7).double()[:n].requires_grad_()
    weights = torch.randn(n, n, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    fast, expected = _kernel(z), _kernel_written_out(z)
    torch.testing.assert_close(fast, expected, rtol=1e-10, atol=1e-10)
    (gradient,) = torch.autograd.grad((fast * weights).sum(), z)
    (expected_gradient,) = torch.autograd.grad((expected * weights).sum(), z)
    torch.testing.assert_close(gradient, expected_gradient, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 64, 257])
@pytest.mark.parametrize("select", [_median_squared_distance, _median_above_diagonal])
def test_both_medians_select_the_lower_median_of_all_entries(select, n):
    # numpy's selection on the CPU, kthvalue above the diagonal on other devices: both the
    # lower median of the n² entries, the definition's bandwidth.
    z = _codes(0.7)[:n]
    squared = (z[:, None] - z[None]).pow(2).sum(-1)
    expected = squared.flatten().median()
    assert select(squared).dtype == squared.dtype
    assert float(select(squared)) == float(expected)


def test_kernel_keeps_its_precision_for_codes_far_from_the_origin():
    # Inner products cancel for codes close together and far from the origin, the state a
    # penalty pushes codes to: the kernel is taken on centred codes. float32 against float64.
    z = 0.01 * _codes(0.0)[:64] + 10.0
    torch.testing.assert_close(
        _kernel(z).double(), _kernel_written_out(z.double()), rtol=0, atol=1e-4
    )
    constant = torch.full((64, 3), 10.0, requires_grad=True)
    (gradient,) = torch.autograd.grad(group_mmd(constant, GROUPS[:64], 2), constant)
    assert float(gradient.abs().max()) < 1e-5


def test_kernel_is_taken_in_float32_under_bfloat16_autocast():
    # The narrowest kernel is the widest to the 256th power: in bfloat16 its rounding grows as
    # much (errors up to 0.35 were measured before the kernel upcast).
    layer = torch.nn.Linear(3, 8)
    x = _codes(0.7)[:128]
    expected = _kernel_written_out(layer(x).double())
    with torch.autocast("cpu", dtype=torch.bfloat16):
        codes = layer(x)
        assert codes.dtype == torch.bfloat16
        kernel = _kernel(codes)
    assert kernel.dtype == torch.float32
    # What is left is the bfloat16 rounding of the codes themselves.
    assert float((kernel.double() - expected).abs().mean().detach()) < 0.01


def test_second_derivatives_equal_those_of_the_definition():
    z = _codes(0.7).double()[:32].requires_grad_()
    groups = GROUPS[:32]

    def squared_gradient_norm(kernel_of):
        kernel = kernel_of(z)
        value = (kernel * (groups[:, None] == groups[None]).double()).mean()
        (gradient,) = torch.autograd.grad(value, z, create_graph=True)
        (second,) = torch.autograd.grad(gradient.pow(2).sum(), z)
        return second

    torch.testing.assert_close(
        squared_gradient_norm(_kernel), squared_gradient_norm(_kernel_written_out)
    )


def test_group_mmd_is_unbiased_where_the_biased_estimate_is_not():
    # Groups drawn at random: the population MMD is 0. The U-statistic averages to 0 over
    # draws; the V-statistic (self-pairs kept) stays positive, a pull towards clumped codes.
    z = _codes(0.0).double()
    kernel = _kernel(z)
    generator = torch.Generator().manual_seed(3)
    unbiased, biased = [], []
    for _ in range(30):
        groups = torch.randint(0, 2, (N,), generator=generator)
        unbiased.append(float(group_mmd(z, groups, 2)))
        a, b = groups == 0, groups == 1
        v_stat = kernel[a][:, a].mean() + kernel[b][:, b].mean() - 2 * kernel[a][:, b].mean()
        biased.append(float(v_stat) / 4)
    assert abs(np.mean(unbiased)) < 3 * np.std(unbiased) / np.sqrt(30)
    assert np.mean(biased) > 3 * np.std(unbiased)  # measured: 4.6 sd


def test_group_mmd_grows_with_the_shift_and_vanishes_for_a_constant_code():
    values = [float(group_mmd(_codes(shift), GROUPS, 2)) for shift in (0.0, 0.5, 2.0)]
    assert values[0] < 0.02 < values[1] < values[2]
    assert float(group_mmd(torch.ones(N, 3), GROUPS, 2)) == pytest.approx(0.0, abs=1e-6)


def test_group_mmd_does_not_depend_on_the_scale_of_the_codes():
    z = _codes(1.0)
    assert float(group_mmd(10 * z, GROUPS, 2)) == pytest.approx(
        float(group_mmd(z, GROUPS, 2)), rel=1e-5
    )


def test_group_mmd_equals_the_sum_over_groups_written_out():
    # Three groups of different sizes, one of them a single row (skipped): the one-hot form
    # against the definition, group by group, in float64.
    z = _codes(0.7).double()
    groups = GROUPS.clone()
    groups[:50] = 2
    groups[60] = 3
    kernel = _kernel(z)
    kernel = kernel - torch.diag_embed(torch.diagonal(kernel))
    n = len(z)
    total = kernel.sum() / (n * (n - 1))
    expected = 0.0
    for group in range(4):
        rows = groups == group
        m = int(rows.sum())
        if m >= 2:
            within = kernel[rows][:, rows].sum() / (m * (m - 1))
            cross = kernel[rows].sum() / (m * (n - 1))
            expected += m / n * float(within - 2 * cross + total)
    assert float(group_mmd(z, groups, 5)) == pytest.approx(expected, rel=1e-10)


def test_group_mmd_skips_groups_with_one_row():
    groups = torch.zeros(N, dtype=torch.long)
    groups[0] = 1
    assert torch.isfinite(group_mmd(_codes(0.0), groups, 2))


@pytest.mark.parametrize("n_rows", [1, 2, 3])
def test_group_mmd_has_a_finite_gradient_on_the_smallest_batches(n_rows):
    z = torch.randn(n_rows, 2, requires_grad=True)
    (z.pow(2).sum() + group_mmd(z, torch.arange(n_rows) % 2, 2)).backward()
    assert torch.isfinite(z.grad).all()


def test_normalized_hsic_is_in_unit_range_and_orders_dependence():
    independent = float(normalized_hsic(_codes(0.0), GROUPS, 2))
    dependent = float(normalized_hsic(_codes(3.0), GROUPS, 2))
    assert 0 <= independent < 0.05 < 0.5 < dependent <= 1
    one_hot = torch.nn.functional.one_hot(GROUPS, 2).float()
    assert float(normalized_hsic(one_hot, GROUPS, 2)) > 0.9


def test_adversary_information_spans_zero_to_the_entropy():
    p = GROUPS.float().mean()
    log_prior = torch.log(torch.stack([1 - p, p]))
    entropy = -float((1 - p) * torch.log(1 - p) + p * torch.log(p))
    uninformed = log_prior.expand(N, 2)
    assert float(adversary_information(uninformed, log_prior)) == pytest.approx(0, abs=1e-6)
    # A critic that is certain on every row, with the groups' frequencies: I = H(s).
    certain = torch.log(torch.nn.functional.one_hot(GROUPS, 2).float().clamp_min(1e-12))
    assert float(adversary_information(certain, log_prior)) == pytest.approx(entropy, abs=1e-4)
    # A critic confidently wrong is far from the frequencies too: no way out for the encoder.
    wrong = torch.log(torch.nn.functional.one_hot(1 - GROUPS, 2).float().clamp_min(1e-12))
    assert float(adversary_information(wrong, log_prior)) > entropy
    assert math.isfinite(entropy)


def test_within_strata_ignores_dependence_explained_by_the_condition():
    # s depends on z only through y: z and s are dependent, but independent given y.
    generator = torch.Generator().manual_seed(2)
    strata = torch.randint(0, 2, (N,), generator=generator)
    groups = torch.where(torch.rand(N, generator=generator) < 0.8, strata, 1 - strata)
    z = torch.randn(N, 2, generator=generator) + 2.0 * strata[:, None]
    unconditional = float(group_mmd(z, groups, 2))
    conditional = float(within_strata(group_mmd, z, groups, 2, strata, 2))
    assert conditional < 0.2 * unconditional


def test_adversary_information_of_a_certain_critic_is_finite_with_its_gradient():
    # log-probabilities of -inf (torch.log of a probability 0) gave 0 * -inf = NaN.
    from sklatent.information import adversary_information

    prior = torch.log(torch.tensor([0.5, 0.5]))
    log_probabilities = torch.log(torch.tensor([[1.0, 0.0], [0.0, 1.0]])).requires_grad_(True)
    value = adversary_information(log_probabilities, prior)
    value.backward()
    assert float(value) == pytest.approx(np.log(2))
    assert torch.isfinite(log_probabilities.grad).all()
