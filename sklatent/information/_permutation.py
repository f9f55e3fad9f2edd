"""Conditional permutations: fake samples of a product of conditionals from a batch.

For the conditional mutual information :math:`I(a; b \\mid s)` of Funke et al. (2022):
permuting ``b`` among the rows that share a value of ``s`` keeps each marginal given ``s`` and
breaks any remaining dependence, so a critic that tells real rows from permuted ones measures
:math:`I(a; b \\mid s)`.
"""

import torch

from ..utils._torch import fit_generator
from ._independence import _kernel


def permute_within_strata(strata, generator=None):
    """A permutation of the rows that only exchanges rows of the same stratum.

    Parameters
    ----------
    strata : torch.Tensor of shape (n_samples,)
        Integer stratum of each row; rows with a negative stratum (missing) stay in place.
    generator : torch.Generator, default=None
        Source of randomness; None draws from the running fit's stream
        (``random_stream``), or torch's global generator outside a fit.

    Returns
    -------
    index : torch.Tensor of shape (n_samples,)
        ``b[index]`` is ``b`` permuted within each stratum.
    usable : torch.Tensor of bool, shape (n_samples,)
        Rows whose stratum has at least two rows in the batch (a row alone in its stratum, or
        missing, cannot be exchanged and is left out of the critic's loss).

    Examples
    --------
    >>> import torch
    >>> from sklatent.information import permute_within_strata
    >>> strata = torch.tensor([0, 0, 0, 1, 1, -1, 2])
    >>> index, usable = permute_within_strata(strata, torch.Generator().manual_seed(0))
    >>> bool((strata[index] == strata).all()), sorted(index.tolist()) == list(range(7))
    (True, True)
    >>> usable.tolist()
    [True, True, True, True, True, False, False]
    """
    if generator is None:
        generator = fit_generator("cpu")
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

    Examples
    --------
    >>> import torch
    >>> from sklatent.information import two_sample_mmd
    >>> _ = torch.manual_seed(0)
    >>> a, b = torch.randn(100, 2), torch.randn(100, 2)
    >>> abs(float(two_sample_mmd(a, b))) < 0.05, float(two_sample_mmd(a, b + 1.0)) > 0.2
    (True, True)
    """
    n = len(a)
    kernel = _kernel(torch.cat([a, b]))
    distinct = ~torch.eye(n, dtype=torch.bool, device=a.device)
    return _unbiased_mmd(kernel, distinct, cross_pairs=distinct)


def _unbiased_mmd(kernel, distinct, cross_pairs):
    """MMD² from the kernel of two stacked samples of n rows: each kernel mean over the pairs of
    rows drawn independently (U-statistics): distinct rows within a sample, ``cross_pairs``
    (an n x n mask) across them."""
    n = len(distinct)
    within = kernel[:n, :n][distinct].mean() + kernel[n:, n:][distinct].mean()
    return within - 2 * kernel[:n, n:][cross_pairs].mean()


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

    Examples
    --------
    The fake rows keep ``a`` and each row's stratum, and draw ``b`` from another row of the
    stratum; the row alone in stratum 1 is left out:

    >>> import torch
    >>> from sklatent.information import permutation_pairs
    >>> a, b = torch.arange(5.0).unsqueeze(1), 10 * torch.arange(5.0).unsqueeze(1)
    >>> strata = torch.tensor([0, 0, 0, 0, 1])
    >>> real, fake, kept = permutation_pairs(a, b, strata, torch.Generator().manual_seed(0))
    >>> tuple(real.shape), kept.tolist(), bool((real[:, 0] == fake[:, 0]).all())
    ((4, 2), [0, 0, 0, 0], True)
    >>> sorted(fake[:, 1].tolist())
    [0.0, 10.0, 20.0, 30.0]
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
        real rows look permuted (Funke et al. 2022).

    Returns
    -------
    torch.Tensor
        A scalar: the mean cross-entropy on real rows plus that on permuted rows.

    Examples
    --------
    An undecided critic scores :math:`2 \\log 2`; one that tells the rows apart scores near
    zero, and the encoder's (swapped) loss is then large:

    >>> import torch
    >>> from sklatent.information import discrimination_loss
    >>> round(float(discrimination_loss(torch.zeros(4), torch.zeros(4))), 3)
    1.386
    >>> real, fake = torch.full((4,), 5.0), torch.full((4,), -5.0)
    >>> round(float(discrimination_loss(real, fake)), 3)
    0.013
    >>> round(float(discrimination_loss(real, fake, swapped=True)), 3)
    10.013
    """
    real_label, fake_label = (0.0, 1.0) if swapped else (1.0, 0.0)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    return bce(real_logits, torch.full_like(real_logits, real_label)) + bce(
        fake_logits, torch.full_like(fake_logits, fake_label)
    )


def permutation_mmd(a, b, strata, generator=None):
    r"""Unbiased squared MMD between rows ``[a, b]`` and rows with ``b`` permuted within strata.

    .. math::

        \sum_s \hat p(s)\, \mathrm{MMD}^2_u\big(p(a, b \mid s),\, p(a \mid s)\, p(b \mid s)\big)

    zero in expectation when :math:`a \perp b \mid s` (one stratum: :math:`a \perp b`). A
    permuted row :math:`(a_j, b_{\pi(j)})` shares a component with two real rows, :math:`j` and
    :math:`\pi(j)`; those pairs are left out of the cross term. Kept in, they bias the estimate
    below zero (-0.06 for independent standard normal parts, batches of 256 rows in 10 strata),
    and further (-0.21) when one part shrinks so that rows sharing the other look alike: an
    encoder that minimised it was rewarded for shrinking a subspace, not for independence. The
    bandwidths follow the spread of each stratum's rows (see
    :func:`~sklatent.information.group_mmd`).

    Parameters
    ----------
    a, b : torch.Tensor of shape (n_samples, n_a) and (n_samples, n_b)
        The two variables.
    strata : torch.Tensor of shape (n_samples,)
        Integer stratum of each row (negative: missing, left out); a stratum with fewer than
        three rows contributes nothing.
    generator : torch.Generator, default=None
        Source of randomness for the permutation.

    Returns
    -------
    torch.Tensor
        A scalar, weighted by the strata's shares of the rows used.

    Examples
    --------
    Within each stratum, ``b`` copies ``a``: permuting ``b`` breaks the pairs, and the real and
    permuted rows differ. With ``b`` independent of ``a`` the estimate is near zero, on either
    side:

    >>> import torch
    >>> from sklatent.information import permutation_mmd
    >>> _ = torch.manual_seed(0)
    >>> a, strata = torch.randn(200, 1), torch.arange(200) % 2
    >>> float(permutation_mmd(a, a.clone(), strata)) > 0.1
    True
    >>> abs(float(permutation_mmd(a, torch.randn(200, 1), strata))) < 0.05
    True
    """
    index, usable = permute_within_strata(strata, generator)
    real, fake = torch.cat([a, b], dim=1), torch.cat([a, b[index]], dim=1)
    n_used = int(usable.sum())
    total = a.new_zeros(())
    for value in torch.unique(strata[usable]):
        rows = torch.nonzero(usable & (strata == value)).squeeze(1)
        n = len(rows)
        if n < 3:  # with two rows, every cross pair shares a component
            continue
        # Fake row j took b from row index[j]: its position among this stratum's (sorted) rows.
        donor = torch.searchsorted(rows, index[rows])
        positions = torch.arange(n, device=rows.device)
        distinct = positions.unsqueeze(1) != positions.unsqueeze(0)
        cross_pairs = distinct & (positions.unsqueeze(1) != donor.unsqueeze(0))
        kernel = _kernel(torch.cat([real[rows], fake[rows]]))
        total = total + (n / n_used) * _unbiased_mmd(kernel, distinct, cross_pairs)
    return total
