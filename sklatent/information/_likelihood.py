"""Reconstruction negative log-likelihoods: the "explain" terms of the bottleneck.

Each function returns one value per sample (summed over features), so the objective decides how
to average, weight or mask rows.
"""

import math

import torch
import torch.nn.functional as F

_LOG_2PI = math.log(2.0 * math.pi)


def gaussian_nll(x, mean, logvar):
    r"""Negative log-likelihood of ``x`` under a diagonal Gaussian, per sample.

    .. math::

        -\log \mathcal N(x \mid \mu, \sigma^2)
        = \tfrac12 \sum_j \Big(\log 2\pi + \log\sigma_j^2 + \frac{(x_j-\mu_j)^2}{\sigma_j^2}\Big)

    Parameters
    ----------
    x : torch.Tensor of shape (n_samples, n_features)
        Observed values.
    mean : torch.Tensor of shape (n_samples, n_features)
        Decoder means.
    logvar : torch.Tensor broadcastable to (n_samples, n_features)
        Decoder log-variances: one per feature (learned or fixed) or one per sample and feature.

    Returns
    -------
    torch.Tensor of shape (n_samples,)
    """
    return 0.5 * (_LOG_2PI + logvar + (x - mean).pow(2) * torch.exp(-logvar)).sum(dim=-1)


def bernoulli_nll(x, logits):
    r"""Negative log-likelihood of ``x`` in [0, 1] under independent Bernoullis, per sample.

    .. math::

        -\sum_j \big(x_j \log p_j + (1 - x_j)\log(1 - p_j)\big),\quad p = \sigma(\ell)

    Computed from the logits :math:`\ell` for numerical stability; fractional ``x`` (grey levels)
    gives the continuous cross-entropy.

    Parameters
    ----------
    x : torch.Tensor of shape (n_samples, n_features)
        Observed values in [0, 1].
    logits : torch.Tensor of shape (n_samples, n_features)
        Decoder logits.

    Returns
    -------
    torch.Tensor of shape (n_samples,)
    """
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=-1)


def categorical_nll(labels, logits):
    r"""Negative log-likelihood of class labels under a categorical distribution, per sample.

    .. math:: -\log \operatorname{softmax}(\ell)_{y}

    Parameters
    ----------
    labels : torch.Tensor of shape (n_samples,)
        Class indices (int64).
    logits : torch.Tensor of shape (n_samples, n_classes)
        Decoder logits.

    Returns
    -------
    torch.Tensor of shape (n_samples,)
    """
    return F.cross_entropy(logits, labels, reduction="none")


def reconstruction_nll(x, params):
    """Negative log-likelihood of ``x`` under the decoder distribution described by ``params``.

    Parameters
    ----------
    x : torch.Tensor of shape (n_samples, n_features)
        Observed values.
    params : dict of torch.Tensor
        ``{"mean", "logvar"}`` for a Gaussian decoder, ``{"logits"}`` for a Bernoulli one, or
        ``{"class_logits"}`` for a categorical one (then ``x`` holds class indices), as returned
        by the decoders in :mod:`sklatent.modules`.

    Returns
    -------
    torch.Tensor of shape (n_samples,)
    """
    if "class_logits" in params:
        return categorical_nll(x, params["class_logits"])
    if "logits" in params:
        return bernoulli_nll(x, params["logits"])
    return gaussian_nll(x, params["mean"], params["logvar"])
