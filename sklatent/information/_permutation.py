"""Conditional permutations: fake samples of a product of conditionals from a batch.

For the conditional mutual information :math:`I(a; b \\mid s)` of paper 001 (Funke et al. 2022):
permuting ``b`` among the rows that share a value of ``s`` keeps each marginal given ``s`` and
breaks any remaining dependence, so a critic that tells real rows from permuted ones measures
:math:`I(a; b \\mid s)`.
"""

import torch

from ._independence import _kernel


def permute_within_strata(strata, generator=None):
    """A permutation of the rows that only exchanges rows of the same stratum.

    Parameters
    ----------
    strata : torch.Tensor of shape (n_samples,)
        Integer stratum of each row; rows with a negative stratum (missing) stay in place.
    generator : torch.Generator, default=None
        Source of randomness.

    Returns
    -------
    index : torch.Tensor of shape (n_samples,)
        ``b[index]`` is ``b`` permuted within each stratum.
    usable : torch.Tensor of bool, shape (n_samples,)
        Rows whose stratum has at least two rows in the batch (a row alone in its stratum, or
        missing, cannot be exchanged and is left out of the critic's loss).
    """
    index = torch.arange(len(strata), device=strata.device)
    usable = torch.zeros(len(strata), dtype=torch.bool, device=strata.device)
    for value in torch.unique(strata):
        if value < 0:
            continue
        rows = torch.nonzero(strata == value).squeeze(1)
        if len(rows) < 2:
            continue
        order = torch.randperm(len(rows), generator=generator, device="cpu").to(rows.device)
        index[rows] = rows[order]
        usable[rows] = True
    return index, usable


def two_sample_mmd(a, b):
    r"""Unbiased squared MMD between two samples of equal size, multi-scale Gaussian kernel.

    .. math::

        \mathrm{MMD}^2_u = \frac{1}{n(n-1)} \sum_{i \ne j}
            \big(k(a_i, a_j) + k(b_i, b_j) - 2\, k(a_i, b_j)\big)

    The bandwidths follow the spread of both samples together (see
    :func:`~sklatent.information.group_mmd`).

    Parameters
    ----------
    a, b : torch.Tensor of shape (n_samples, n_features)
        The two samples (at least two rows each).

    Returns
    -------
    torch.Tensor
        A scalar whose expectation is zero when both samples come from one distribution.
    """
    n = len(a)
    kernel = _kernel(torch.cat([a, b]))
    off_diagonal = 1.0 - torch.eye(n, dtype=a.dtype, device=a.device)
    within_a, within_b, cross = kernel[:n, :n], kernel[n:, n:], kernel[:n, n:]
    total = (within_a + within_b - cross - cross.T) * off_diagonal
    return total.sum() / (n * (n - 1))


def permutation_pairs(a, b, strata, generator=None):
    """Real rows ``[a, b]`` and fake rows ``[a, b permuted within strata]``.

    The fake rows are a sample of :math:`p(a \\mid s)\\, p(b \\mid s)`: a critic that tells them
    from the real rows measures :math:`I(a; b \\mid s)` (one stratum: :math:`I(a; b)`).

    Parameters
    ----------
    a, b : torch.Tensor of shape (n_samples, n_a) and (n_samples, n_b)
        The two variables.
    strata : torch.Tensor of shape (n_samples,)
        Integer stratum of each row (negative: missing).
    generator : torch.Generator, default=None
        Source of randomness.

    Returns
    -------
    real, fake : torch.Tensor of shape (n_usable, n_a + n_b)
        The rows that could be exchanged within their stratum, before and after the permutation.
    strata : torch.Tensor of shape (n_usable,)
        Their strata.
    """
    permutation, usable = permute_within_strata(strata, generator)
    real, fake = torch.cat([a, b], dim=1), torch.cat([a, b[permutation]], dim=1)
    return real[usable], fake[usable], strata[usable]


def discrimination_loss(real_logits, fake_logits, *, swapped=False):
    """Binary cross-entropy of a critic that tells real rows (1) from permuted rows (0).

    Parameters
    ----------
    real_logits, fake_logits : torch.Tensor of shape (n_samples,)
        The critic's logits on real and on permuted rows.
    swapped : bool, default=False
        The encoder's side: the labels are swapped, so the encoder is rewarded for codes whose
        real rows look permuted (Funke et al. 2022, paper 001).

    Returns
    -------
    torch.Tensor
        A scalar: the mean cross-entropy on real rows plus that on permuted rows.
    """
    real_label, fake_label = (0.0, 1.0) if swapped else (1.0, 0.0)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    return bce(real_logits, torch.full_like(real_logits, real_label)) + bce(
        fake_logits, torch.full_like(fake_logits, fake_label)
    )


def stratified_two_sample_mmd(real, fake, strata):
    """:func:`two_sample_mmd` of real and permuted rows within each stratum, weighted by its share.

    Parameters
    ----------
    real, fake : torch.Tensor of shape (n_samples, n_features)
        Paired rows, as :func:`permutation_pairs` returns them.
    strata : torch.Tensor of shape (n_samples,)
        Their strata; a stratum with fewer than two rows contributes nothing.

    Returns
    -------
    torch.Tensor
        A scalar.
    """
    total = real.new_zeros(())
    for value in torch.unique(strata):
        rows = strata == value
        if int(rows.sum()) >= 2:
            total = total + rows.to(real.dtype).mean() * two_sample_mmd(real[rows], fake[rows])
    return total
