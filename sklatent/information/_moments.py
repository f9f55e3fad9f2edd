"""Moment constraints: the non-collapse terms of objectives that a constant code would satisfy."""

import torch


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

    Examples
    --------
    One per dimension for the collapsed code, near zero for standard normal codes:

    >>> import torch
    >>> from sklatent.information import unit_variance_penalty
    >>> _ = torch.manual_seed(0)
    >>> float(unit_variance_penalty(torch.zeros(100, 3)))
    3.0
    >>> float(unit_variance_penalty(torch.randn(100, 3))) < 0.1
    True
    """
    return (z.var(dim=0) - 1.0).pow(2).sum()


def collinearity_penalty(z):
    r"""Negative log-determinant of the batch correlation matrix of the code.

    .. math::

        \Gamma(z) = -\log\det \widehat{\operatorname{Corr}}(z) \;\ge\; 0

    Zero for uncorrelated dimensions, unbounded as two of them become collinear: it rules out the
    low-rank codes (copies of one or two signals) that per-dimension variance constraints allow.
    It also pulls against latents that are truly correlated, so keep its weight small there.

    Parameters
    ----------
    z : torch.Tensor of shape (n_samples, n_components)
        A batch of codes; more rows than columns.

    Returns
    -------
    torch.Tensor
        A scalar.

    Examples
    --------
    Near zero for independent dimensions, large when the third nearly copies the first:

    >>> import torch
    >>> from sklatent.information import collinearity_penalty
    >>> _ = torch.manual_seed(0)
    >>> z = torch.randn(100, 3)
    >>> float(collinearity_penalty(z)) < 0.1
    True
    >>> z[:, 2] = z[:, 0] + 0.01 * torch.randn(100)
    >>> float(collinearity_penalty(z)) > 5
    True
    """
    centred = z - z.mean(dim=0)
    covariance = centred.T @ centred / (len(z) - 1)
    scale = torch.sqrt(torch.diagonal(covariance).clamp_min(1e-12))
    correlation = covariance / (scale[:, None] * scale[None, :])
    eye = torch.eye(len(correlation), dtype=z.dtype, device=z.device)
    # A small ridge keeps the log-determinant finite for an exactly singular batch.
    return -torch.logdet(correlation + 1e-6 * eye)
