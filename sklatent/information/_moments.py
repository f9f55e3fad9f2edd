"""Moment constraints: the non-collapse terms of objectives that a constant code would satisfy."""


def unit_variance_penalty(z):
    r"""Squared distance of each code dimension's batch variance from one.

    .. math::

        \Omega(z) = \sum_j \big(\widehat{\operatorname{Var}}(z_j) - 1\big)^2

    It rules out the collapsed code :math:`f \equiv 0` and fixes the scale of each dimension,
    without decorrelating the dimensions (a whitening constraint would fight latents that are
    truly correlated).

    Parameters
    ----------
    z : torch.Tensor of shape (n_samples, n_components)
        A batch of codes; at least two rows.

    Returns
    -------
    torch.Tensor
        A scalar.
    """
    return (z.var(dim=0) - 1.0).pow(2).sum()
