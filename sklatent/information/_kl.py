"""Kullback-Leibler divergences between Gaussians: the "compress" terms of the bottleneck."""


def gaussian_kl_standard(mean, logvar):
    r"""KL divergence from a diagonal Gaussian to the standard normal, per sample.

    .. math::

        \mathrm{KL}\big(\mathcal N(\mu, \operatorname{diag}\sigma^2) \,\|\, \mathcal N(0, I)\big)
        = \tfrac12 \sum_j \big(\mu_j^2 + \sigma_j^2 - \log \sigma_j^2 - 1\big)

    Parameters
    ----------
    mean : torch.Tensor of shape (n_samples, n_components)
        Posterior means :math:`\mu`.
    logvar : torch.Tensor of shape (n_samples, n_components)
        Posterior log-variances :math:`\log \sigma^2`.

    Returns
    -------
    torch.Tensor of shape (n_samples,)
        The divergence of each row, in nats.

    Examples
    --------
    Zero for the prior itself; a unit shift of the mean costs half a nat per dimension:

    >>> import torch
    >>> from sklatent.information import gaussian_kl_standard
    >>> mean = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    >>> gaussian_kl_standard(mean, torch.zeros(2, 2)).tolist()
    [0.0, 1.0]
    """
    return 0.5 * (mean.pow(2) + logvar.exp() - logvar - 1.0).sum(dim=-1)


def gaussian_kl_standard_per_dim(mean, logvar):
    r"""KL divergence to the standard normal per latent dimension, shape (n_samples, n_components).

    The per-dimension form of :func:`gaussian_kl_standard`, for diagnostics of collapsed units.

    Parameters
    ----------
    mean : torch.Tensor of shape (n_samples, n_components)
        Posterior means.
    logvar : torch.Tensor of shape (n_samples, n_components)
        Posterior log-variances.

    Returns
    -------
    torch.Tensor of shape (n_samples, n_components)
        :math:`\tfrac12(\mu^2 + \sigma^2 - \log\sigma^2 - 1)` for each row and dimension, in
        nats.

    Examples
    --------
    The second unit is collapsed onto the prior (zero mean and log-variance in every row):

    >>> import torch
    >>> from sklatent.information import gaussian_kl_standard_per_dim
    >>> mean = torch.tensor([[1.0, 0.0], [-1.0, 0.0]])
    >>> gaussian_kl_standard_per_dim(mean, torch.zeros(2, 2)).mean(dim=0).tolist()
    [0.5, 0.0]
    """
    return 0.5 * (mean.pow(2) + logvar.exp() - logvar - 1.0)
