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

    Examples
    --------
    A perfect mean at unit variance costs :math:`\tfrac12 \log 2\pi` per feature, an error of
    one standard deviation half a nat more:

    >>> import torch
    >>> from sklatent.information import gaussian_nll
    >>> x = torch.tensor([[0.0, 0.0], [1.0, 0.0]])
    >>> [round(v, 3) for v in gaussian_nll(x, torch.zeros(2, 2), torch.zeros(2)).tolist()]
    [1.838, 2.338]
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

    Examples
    --------
    Undecided logits cost :math:`\log 2` per feature; confident, correct ones almost nothing:

    >>> import torch
    >>> from sklatent.information import bernoulli_nll
    >>> x = torch.tensor([[1.0, 0.0, 1.0]])
    >>> round(float(bernoulli_nll(x, torch.zeros(1, 3))), 3)
    2.079
    >>> round(float(bernoulli_nll(x, torch.tensor([[10.0, -10.0, 10.0]]))), 3)
    0.0
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

    Examples
    --------
    >>> import torch
    >>> from sklatent.information import categorical_nll
    >>> logits = torch.tensor([[0.0, 0.0, 0.0, 0.0], [5.0, 0.0, 0.0, 0.0]])
    >>> [round(v, 3) for v in categorical_nll(torch.tensor([0, 0]), logits).tolist()]
    [1.386, 0.02]
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

    Examples
    --------
    The keys of ``params`` choose the likelihood:

    >>> import torch
    >>> from sklatent.information import reconstruction_nll
    >>> x = torch.tensor([[1.0, 0.0]])
    >>> gaussian = {"mean": torch.zeros(1, 2), "logvar": torch.zeros(1, 2)}
    >>> round(float(reconstruction_nll(x, gaussian)), 3)
    2.338
    >>> round(float(reconstruction_nll(x, {"logits": torch.zeros(1, 2)})), 3)
    1.386
    """
    if "class_logits" in params:
        return categorical_nll(x, params["class_logits"])
    if "logits" in params:
        return bernoulli_nll(x, params["logits"])
    return gaussian_nll(x, params["mean"], params["logvar"])
