"""The contract every objective follows."""

from torch import nn


def zero_attached_to(module):
    """A zero loss in the graph of ``module``'s parameters: what a critic step returns on a
    batch where no row could be used, so that its backward pass and optimizer step still run."""
    return sum(0.0 * parameter.sum() for parameter in module.parameters())


class Objective(nn.Module):
    """A training objective: named loss terms from a module's outputs and the batch.

    Subclasses set ``term_names`` and implement :meth:`forward`, returning a dict that holds
    every name of ``term_names`` plus ``"loss"``, the scalar that is minimised. The training
    engine records each term per batch and per epoch under ``train_<name>`` / ``valid_<name>``.

    ``weight_names`` names the constructor weights of the objective; the engine cites them
    when a loss stops being finite. ``stopping_term`` names the term whose held-out value
    the early stopping watches: ``"loss"``, unless a penalty's held-out estimate is too noisy
    to tell one epoch from another (see :class:`~sklatent.objectives.FairObjective`).

    Examples
    --------
    A minimal objective: one term, which is also the loss.

    >>> import torch
    >>> from sklatent.objectives import Objective
    >>> class CodeEnergy(Objective):
    ...     term_names = ("energy",)
    ...     def forward(self, outputs, batch):
    ...         energy = outputs["z"].pow(2).sum(dim=1).mean()
    ...         return {"energy": energy, "loss": energy}
    >>> terms = CodeEnergy()({"z": torch.ones(4, 2)}, batch={})
    >>> {name: float(value) for name, value in terms.items()}
    {'energy': 2.0, 'loss': 2.0}
    """

    term_names = ()
    weight_names = ()
    stopping_term = "loss"
    #: A sentence naming a cause of divergence specific to the objective, added to the error.
    divergence_hint = ""

    def stopping_monitor(self):
        """The history key the early stopping watches, ``valid_<stopping_term>``.

        Raises
        ------
        ValueError
            If ``stopping_term`` is neither ``"loss"`` nor one of ``term_names``: the
            net records no such key, and the fit would fail at its first epoch's end.

        Examples
        --------
        >>> from sklatent.objectives import FairObjective
        >>> FairObjective(["x", "y"], n_groups=2).stopping_monitor()
        'valid_unpenalised_loss'
        """
        if self.stopping_term not in ("loss", *self.term_names):
            raise ValueError(
                f"{type(self).__name__}.stopping_term is {self.stopping_term!r}, which is not "
                f"one of the terms it records: {['loss', *self.term_names]}."
            )
        return f"valid_{self.stopping_term}"

    def weights(self):
        """The current value of each weight named in ``weight_names``."""
        return {name: getattr(self, name) for name in self.weight_names}

    def batch_estimated_terms(self):
        """The weighted terms estimated from a batch's rows: ``{term: (weight, need)}``, their
        current weights and what a batch needs to estimate them (words for a warning). A
        batch without it gives 0 for such a term, and a fit where one was 0 in every batch
        warns that it never acted."""
        return {}
