"""Penalties on how a predictor's risk differs across environments (IRMv1 and REx)."""

import torch


def environment_risks(losses, environments, n_environments):
    """Mean loss of each environment present in the batch.

    Parameters
    ----------
    losses : torch.Tensor of shape (n_samples,)
        Per-row losses.
    environments : torch.Tensor of shape (n_samples,)
        Integer environment labels in ``[0, n_environments)``.
    n_environments : int
        Number of environments.

    Returns
    -------
    torch.Tensor of shape (n_present,)
        The risks of the environments with at least one row in the batch.

    Examples
    --------
    Environment 1 has no row in this batch:

    >>> import torch
    >>> from sklatent.information import environment_risks
    >>> losses = torch.tensor([1.0, 3.0, 0.5, 1.5])
    >>> environment_risks(losses, torch.tensor([0, 0, 2, 2]), n_environments=3).tolist()
    [2.0, 1.0]
    """
    risks = [
        losses[environments == environment].mean()
        for environment in range(n_environments)
        if bool((environments == environment).any())
    ]
    return torch.stack(risks)


def risk_variance(losses, environments, n_environments):
    r"""Variance of the per-environment risks (V-REx, Krueger et al. 2021).

    .. math:: \mathrm{REx} = \operatorname{Var}_e\big(R_e\big)

    Parameters
    ----------
    losses, environments, n_environments
        As for :func:`environment_risks`.

    Returns
    -------
    torch.Tensor
        A scalar, zero when every environment has the same risk (and with one environment).

    Examples
    --------
    >>> import torch
    >>> from sklatent.information import risk_variance
    >>> environments = torch.tensor([0, 0, 1, 1])
    >>> float(risk_variance(torch.tensor([1.0, 3.0, 2.0, 2.0]), environments, 2))
    0.0
    >>> float(risk_variance(torch.tensor([1.0, 1.0, 3.0, 3.0]), environments, 2))
    1.0
    """
    risks = environment_risks(losses, environments, n_environments)
    return ((risks - risks.mean()) ** 2).mean()


def irm_penalty(logits, targets, environments, n_environments, *, unbiased=False):
    r"""IRMv1: squared gradient of each environment's risk with respect to a scale on the logits.

    .. math::

        \mathrm{IRM} = \frac{2}{\max(E, 2)}
        \sum_{e=1}^{E} \big\|\nabla_{w \mid w=1} R_e(w \cdot f)\big\|^2

    over the :math:`E` environments with rows in the batch (two rows or more for the unbiased
    estimate), after Arjovsky et al. 2019 (eq. IRMv1): zero when the classifier on top of the
    representation is simultaneously optimal in every environment. The paper sums the
    environments' terms beside the sum of their risks; against one risk of all the rows, as
    here, a sum would make one weight constrain more with every environment added (0.28 for 2
    random environments, 1.4 for 10 and 7.4 for 50 on the same logits). The mean over the
    environments times two is the sum for two environments (and the one term of one), the scale
    the package's defaults and reproductions were set at, whatever their number (our
    normalisation).

    With ``unbiased=True`` each environment's rows are split in two halves and the product of
    the halves' gradients replaces the square, an unbiased estimate of the squared expected
    gradient (as in DomainBed's implementation and the paper's reference code). The gradient is
    taken in closed form,

    .. math::

        \nabla_{w \mid w=1} R_e(w \cdot f)
        = \mathbb E_e\big[(\operatorname{softmax}(f) - \mathbf 1_y)^\top f\big],

    so the penalty is an ordinary function of the logits: it has the same value under
    :func:`torch.no_grad` (a validation loss) as in training.

    Parameters
    ----------
    logits : torch.Tensor of shape (n_samples, n_classes)
        The predictor's logits.
    targets : torch.Tensor of shape (n_samples,)
        Class indices.
    environments : torch.Tensor of shape (n_samples,)
        Integer environment labels in ``[0, n_environments)``.
    n_environments : int
        Number of environments.
    unbiased : bool, default=False
        Use the two-halves estimate.

    Returns
    -------
    torch.Tensor
        A scalar.

    Examples
    --------
    Logits predicting class 1 with probability 0.75 are optimal in an environment where three
    rows in four are of class 1; in one where half are, rescaling the logits would lower its
    risk, and the penalty is positive:

    >>> import math
    >>> import torch
    >>> from sklatent.information import irm_penalty
    >>> logits = torch.tensor([[0.0, math.log(3.0)]]).repeat(8, 1)
    >>> environments = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1])
    >>> targets = torch.tensor([1, 1, 1, 0, 1, 1, 1, 0])
    >>> round(irm_penalty(logits, targets, environments, 2).item(), 3)
    0.0
    >>> targets = torch.tensor([1, 1, 1, 0, 1, 0, 1, 0])
    >>> round(irm_penalty(logits, targets, environments, 2).item(), 3)
    0.075
    """
    # The gradient has a closed form (derivative of the cross-entropy in w at w = 1):
    #     d/dw CE(w l, t) = (softmax(l) - onehot(t)) . l, averaged over the rows.
    # Writing it out, rather than calling ``torch.autograd.grad`` on a dummy scale, keeps the
    # penalty an ordinary function of the logits: it has a value under ``torch.no_grad`` (the
    # validation pass that early stopping reads) and its gradient in the logits is plain
    # backpropagation instead of a double backward.
    one_hot = torch.nn.functional.one_hot(targets.long(), logits.shape[1]).to(logits.dtype)
    row_gradients = ((torch.softmax(logits, dim=1) - one_hot) * logits).sum(dim=1)

    penalty, counted = logits.new_zeros(()), 0
    for environment in range(n_environments):
        rows = torch.nonzero(environments == environment).squeeze(1)
        if unbiased:
            if len(rows) < 2:
                continue
            halves = row_gradients[rows[0::2]].mean(), row_gradients[rows[1::2]].mean()
            penalty = penalty + halves[0] * halves[1]
        elif len(rows):
            penalty = penalty + row_gradients[rows].mean() ** 2
        else:
            continue
        counted += 1
    # The mean over the environments the batch estimates a term for, times two: a batch of
    # 64 rows holds few of 50 environments.
    return penalty * (2.0 / max(counted, 2))
