"""Dependence between codes and a discrete variable: kernel estimators and the adversary's bound.

Each estimator takes a batch of codes ``z`` and integer group labels ``groups`` (the sensitive
attribute, or an environment) and returns a scalar that is zero when ``z`` is independent of the
groups. Conditional independence given a third discrete variable (the label, for equalized odds)
is the frequency-weighted average of the estimator within each of its strata:
:func:`within_strata`.
"""

import numpy as np
import torch

# Bandwidths of the multi-scale Gaussian kernel, as multiples of the median squared distance:
# 16, 4, 1, 1/4 and 1/16. The broad ones see shifts of the whole group, the narrow ones the fine
# differences a tree probe reads back. Each is a quarter of the one before, so each kernel is the
# fourth power of the one before: one exponential serves all five.
_WIDEST_BANDWIDTH_SCALE, _N_BANDWIDTHS = 16.0, 5


def _bandwidth_scales():
    """The bandwidths' multiples of the median, widest first: 16, 4, 1, 1/4, 1/16."""
    return [_WIDEST_BANDWIDTH_SCALE / 4.0**j for j in range(_N_BANDWIDTHS)]


class _GaussianKernelSum(torch.autograd.Function):
    r""":math:`\sum_j \exp(-d / (s_j m))` of squared distances :math:`d` at the bandwidths
    :math:`s_j m`, with its derivative :math:`-\sum_j k_j / (s_j m)` formed alongside.

    One elementwise pass each way instead of the chain of products autograd would record (the
    kernel's backward was half the time of a FairEncoder step at a batch of 256). ``median``
    (:math:`m`) is a constant: it gets no gradient. A backward that builds a graph (second
    derivatives) recomputes the derivative with differentiable operations.
    """

    @staticmethod
    def forward(ctx, squared, median):
        widest, *narrower = _bandwidth_scales()
        kernel = torch.exp(squared / (-widest * median))
        # The derivative only where a gradient is wanted (not in the permutation tests).
        slope = kernel / widest if ctx.needs_input_grad[0] else None
        total = kernel.clone()
        for scale in narrower:
            # exp(-d / (s / 4)) = exp(-d / s) ** 4: squaring twice steps to the next bandwidth.
            kernel = (kernel * kernel).square_()
            total += kernel
            if slope is not None:
                slope.add_(kernel, alpha=1.0 / scale)
        ctx.save_for_backward(squared, slope, median)
        return total

    @staticmethod
    def backward(ctx, grad_total):
        squared, slope, median = ctx.saved_tensors
        if torch.is_grad_enabled():  # create_graph=True: the derivative must be differentiable
            slope = sum(torch.exp(-squared / (s * median)) / s for s in _bandwidth_scales())
        return grad_total * slope / -median, None


def _median_squared_distance(squared):
    """The lower median of the n² entries of a detached matrix of squared distances.

    On the CPU, numpy's selection (introselect): a FairEncoder step at a batch of 256 spent a
    third of a millisecond, an eighth of the step, in torch's ``kthvalue``, and numpy selects
    the same entry in a seventh of that time. Elsewhere :func:`_median_above_diagonal`.
    """
    if squared.device.type != "cpu" or len(squared) == 0:
        return _median_above_diagonal(squared)
    entries = squared.numpy().reshape(-1)
    middle = (entries.size - 1) // 2  # the lower median's position among all entries, sorted
    return squared.new_tensor(np.partition(entries, middle)[middle])


def _median_above_diagonal(squared):
    """The same median, read with ``kthvalue`` among the n(n - 1)/2 pairs above the diagonal.

    Those are the entries after the diagonal's n zeros, each appearing twice in the symmetric
    matrix: the same value from half the entries, on any device.
    """
    n = len(squared)
    middle = (n * n - 1) // 2
    if middle < n:  # n <= 2: a zero of the diagonal
        return squared.flatten().median()
    rows, columns = torch.triu_indices(n, n, 1, device=squared.device)
    pairs = squared[rows, columns]
    return pairs.kthvalue((middle - n) // 2 + 1).values


def _kernel(z):
    """Sum of Gaussian kernels at bandwidths relative to the batch's median squared distance.

    The bandwidth follows the spread of the codes (a fixed bandwidth is either blind to codes
    that shrank or saturated by codes that grew) and is detached: the encoder cannot lower the
    penalty by moving the bandwidth. Computed in float32 at least, autocast or not: the
    narrowest kernel is the widest one to the 256th power, which multiplies a half-precision
    rounding error as much.
    """
    if z.dtype in (torch.float16, torch.bfloat16):
        z = z.float()
    with torch.autocast(device_type=z.device.type, enabled=False):
        # Centred (a detached shift: distances do not move), then squared distances from inner
        # products, clamped at zero against rounding: no (n, n, d) difference tensor, and no
        # cancellation of the norms of codes that sit far from the origin. Not cdist: the
        # gradient of a distance (a square root) is not finite where two codes coincide, as they
        # do when the codes collapse.
        z = z - z.detach().mean(dim=0, keepdim=True)
        norms = z.pow(2).sum(dim=-1)
        squared = (norms.unsqueeze(1) + norms.unsqueeze(0) - 2.0 * z @ z.T).clamp_min(0.0)
        median = _median_squared_distance(squared.detach()).clamp_min(1e-8)
        return _GaussianKernelSum.apply(squared, median)


def group_mmd(z, groups, n_groups):
    r"""Squared maximum mean discrepancy between each group's codes and all codes (unbiased).

    .. math::

        \mathrm{MMD}(z, s) = \sum_a \hat p(a)\, \mathrm{MMD}^2_u\big(q(z \mid s=a),\, q(z)\big)

    with a multi-scale Gaussian kernel. For two groups, the population value is
    :math:`p(1-p)\,\mathrm{MMD}^2(q(z \mid s=0), q(z \mid s=1))`, the penalty of the
    Variational Fair Autoencoder (Louizos et al. 2016); against the pooled codes it extends to
    any number of groups. Each mean of the kernel leaves out the pairs of a row with itself
    (U-statistics, Gretton et al. 2012): the biased estimate adds a term that shrinks as codes
    crowd together, which rewards clumped, less informative codes even where the groups are
    already alike. Groups with fewer than two rows in the batch are skipped, and a batch of one
    group has no estimate (0: each group's codes would be compared with themselves).

    Parameters
    ----------
    z : torch.Tensor of shape (n_samples, n_components)
        Codes.
    groups : torch.Tensor of shape (n_samples,)
        Integer group labels in ``[0, n_groups)``.
    n_groups : int
        Number of groups.

    Returns
    -------
    torch.Tensor
        A scalar whose expectation is zero when every group's codes are distributed as all
        codes (an unbiased estimate: it can be slightly negative).

    Examples
    --------
    Near zero for codes independent of the groups, larger when group 1's codes are shifted:

    >>> import torch
    >>> from sklatent.information import group_mmd
    >>> _ = torch.manual_seed(0)
    >>> z, groups = torch.randn(200, 2), torch.arange(200) % 2
    >>> abs(float(group_mmd(z, groups, n_groups=2))) < 0.01
    True
    >>> float(group_mmd(z + groups.unsqueeze(1), groups, n_groups=2)) > 0.1
    True
    """
    n = len(z)
    if n < 2:  # no pair of rows: no estimate (and no 0/0 in the gradient)
        return z.new_zeros(())
    kernel = _kernel(z)
    kernel = kernel - torch.diag_embed(torch.diagonal(kernel))  # leave out each row's self-pair
    to_others = kernel.sum(dim=1)  # similarity of each row to every other row
    total = to_others.sum() / (n * (n - 1))
    # Every group at once through its one-hot indicator (no Python loop over the groups).
    indicator = torch.nn.functional.one_hot(groups, n_groups).to(kernel.dtype)
    counts = indicator.sum(dim=0)
    within = (indicator * (kernel @ indicator)).sum(dim=0)  # kernel sums within each group
    cross = indicator.T @ to_others  # each group's rows to every other row
    pairs = (counts * (counts - 1)).clamp_min(1.0)
    per_group = within / pairs - 2 * cross / (counts.clamp_min(1.0) * (n - 1)) + total
    estimate = torch.where(counts >= 2, (counts / n) * per_group, 0.0).sum()
    # One group in the batch: nothing to compare (no host sync on an accelerator to know it).
    return torch.where((counts > 0).sum() >= 2, estimate, 0.0)


def normalized_hsic(z, groups, n_groups):
    r"""Normalised Hilbert-Schmidt independence criterion between codes and group labels.

    .. math::

        \mathrm{nHSIC}(z, s) = \frac{\operatorname{tr}(K H L H)}
            {\sqrt{\operatorname{tr}(K H K H)\,\operatorname{tr}(L H L H)}}

    with :math:`K` the multi-scale Gaussian kernel of the codes, :math:`L` the delta kernel of the
    groups (one-hot inner products) and :math:`H` the centring matrix (Gretton et al. 2005). The
    normalisation (centred kernel alignment) makes the value lie in [0, 1] whatever the scale of
    the codes, so one ``independence_weight`` means the same on every data set.

    Parameters
    ----------
    z : torch.Tensor of shape (n_samples, n_components)
        Codes.
    groups : torch.Tensor of shape (n_samples,)
        Integer group labels in ``[0, n_groups)``.
    n_groups : int
        Number of groups.

    Returns
    -------
    torch.Tensor
        A scalar in [0, 1], zero when the codes are independent of the groups.

    Examples
    --------
    >>> import torch
    >>> from sklatent.information import normalized_hsic
    >>> _ = torch.manual_seed(0)
    >>> z, groups = torch.randn(200, 2), torch.arange(200) % 2
    >>> float(normalized_hsic(z, groups, n_groups=2)) < 0.05
    True
    >>> float(normalized_hsic(z + groups.unsqueeze(1), groups, n_groups=2)) > 0.2
    True
    """
    one_hot = torch.nn.functional.one_hot(groups, n_groups).to(z.dtype)
    kernel_z = _centre(_kernel(z))
    kernel_s = _centre(one_hot @ one_hot.T)
    cross = (kernel_z * kernel_s).sum()
    # Clamped before the square root, whose gradient is infinite at 0 (identical codes, or one
    # group in the batch, centre a kernel to zero).
    scale = torch.sqrt(((kernel_z * kernel_z).sum() * (kernel_s * kernel_s).sum()).clamp_min(1e-24))
    return cross / scale


def _centre(kernel):
    return (
        kernel
        - kernel.mean(dim=0, keepdim=True)
        - kernel.mean(dim=1, keepdim=True)
        + (kernel.mean())
    )


def adversary_information(log_probabilities, group_log_prior):
    r"""The information about the groups that an adversary reads from the codes.

    .. math::

        \hat I(z; s) = \mathbb E_z\Big[\mathrm{KL}\big(q_\phi(s \mid z) \,\|\, p(s)\big)\Big]

    where :math:`q_\phi` is a critic trained (by cross-entropy) to predict :math:`s` from
    :math:`z`: for a calibrated critic this is :math:`I(z; s)`. It is zero only when the critic's
    prediction is the group frequencies on every row, so the encoder lowers it by making the
    critic unsure. Maximising the critic's cross-entropy instead (a gradient-reversal adversary)
    is also satisfied by a critic that is confidently *wrong*, which an encoder reaches by
    moving the sensitive information rather than removing it.

    Parameters
    ----------
    log_probabilities : torch.Tensor of shape (n_samples, n_groups)
        The critic's log-probabilities of each group.
    group_log_prior : torch.Tensor of shape (n_samples, n_groups) or (n_groups,)
        Log-frequencies of the groups in the training data; per row when they depend on a
        condition (the frequencies within the row's class, for :math:`I(z; s \mid y)`).

    Returns
    -------
    torch.Tensor
        A non-negative scalar, zero when the critic predicts the group frequencies.

    Examples
    --------
    Two equally frequent groups: a critic that predicts the frequencies reads nothing, one that
    is certain on every row reads :math:`\log 2` nats.

    >>> import torch
    >>> from sklatent.information import adversary_information
    >>> prior = torch.log(torch.tensor([0.5, 0.5]))
    >>> round(float(adversary_information(prior.expand(4, 2), prior)), 3)
    0.0
    >>> certain = torch.log(torch.tensor([[1.0, 1e-9], [1e-9, 1.0]])).repeat(2, 1)
    >>> round(float(adversary_information(certain, prior)), 3)
    0.693
    """
    probabilities = log_probabilities.exp()
    prior = group_log_prior.expand_as(log_probabilities)
    # A group of probability 0 contributes 0 (p log p -> 0), not 0 * -inf = NaN; the log is
    # replaced before the product, so that its gradient is not NaN either.
    finite = torch.where(probabilities > 0, log_probabilities, prior)
    return (probabilities * (finite - prior)).sum(dim=1).mean()


def within_strata(estimator, z, groups, n_groups, strata, n_strata):
    r"""Conditional dependence given a discrete variable: the estimator within each stratum.

    .. math:: D(z, s \mid y) = \sum_c \hat p(y=c)\, D(z, s \mid y=c)

    Used for equalized odds (:math:`z \perp s \mid y`). Strata with fewer than four rows in the
    batch are skipped; with one stratum it is the estimator itself, with the estimator's own
    rule for small batches.

    Parameters
    ----------
    estimator : callable
        ``estimator(z, groups, n_groups)``, such as :func:`group_mmd` or :func:`normalized_hsic`.
    z, groups, n_groups
        As for the estimator.
    strata : torch.Tensor of shape (n_samples,)
        Integer labels of the conditioning variable in ``[0, n_strata)``.
    n_strata : int
        Number of strata.

    Returns
    -------
    torch.Tensor
        A scalar.

    Examples
    --------
    The codes shift with the group in the same way in both strata (not independent given the
    stratum), or only through the stratum (independent given it):

    >>> import torch
    >>> from sklatent.information import group_mmd, within_strata
    >>> _ = torch.manual_seed(0)
    >>> z, groups = torch.randn(200, 2), torch.arange(200) % 2
    >>> strata = torch.arange(200) // 100
    >>> float(within_strata(group_mmd, z + groups.unsqueeze(1), groups, 2, strata, 2)) > 0.1
    True
    >>> abs(float(within_strata(group_mmd, z + strata.unsqueeze(1), groups, 2, strata, 2))) < 0.01
    True
    """
    if n_strata == 1:  # one stratum holds every row: the estimator itself
        return estimator(z, groups, n_groups)
    total = z.new_zeros(())
    for stratum in range(n_strata):
        rows = strata == stratum
        n_rows = int(rows.sum())
        if n_rows >= 4:
            total = total + (n_rows / len(z)) * estimator(z[rows], groups[rows], n_groups)
    return total
