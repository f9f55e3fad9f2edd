"""Restarts: fits from several seeds on one validation split, the one with the lowest held-out
loss kept; optionally a race, in which only the most promising restarts train to the end."""

import math

import numpy as np
from sklearn.utils import check_random_state

# The share of its epochs each restart of a race trains before the race is decided. Chosen on
# design draws of a planted structure (benchmarks/RESULTS.md, "racing restarts"): ranked after
# a quarter of their epochs, ten restarts finishing three recovered the planted graphs of ten
# full restarts at under half their cost.
RACE_SHARE = 0.25


def held_out_loss(net, since=0):
    """A fitted net's held-out loss over its epochs from ``since`` on (the term its early
    stopping watches): its best epoch's with early stopping (which restores that epoch's
    weights), else its last epoch's."""
    losses = net.history[since:, net.criterion_.stopping_monitor()]
    stops_early = "early_stopping" in dict(net.callbacks_)
    return min(losses) if stops_early else losses[-1]


class RestartsMixin:
    """``_fit_best_of``: several fits of the estimator's net, the best one kept."""

    def _fit_best_of(self, tensors, n_fits, n_finish=None):
        """Fit ``n_fits`` nets from different seeds on the same validation split and keep the
        one with the lowest held-out loss; the losses go to ``restart_losses_``. One fit is a
        plain :meth:`_fit_net`.

        With ``n_finish`` below ``n_fits``, the restarts race: each trains the first
        ``RACE_SHARE`` of its epochs, the ``n_finish`` with the lowest held-out loss then train
        the rest of theirs, and the best of those is kept. ``restart_losses_`` holds the loss of
        a restart that did not finish as it was when the race was decided.
        """
        self.__dict__.pop("restart_losses_", None)  # from an earlier fit with restarts
        if n_fits == 1:
            return self._fit_net(tensors)
        split_seed, *seeds = check_random_state(self.random_state).randint(
            np.iinfo(np.int32).max, size=n_fits + 1
        )
        race = n_finish is not None and n_finish < n_fits
        nets = []
        for seed in seeds:
            self._fit_net(tensors, seed=int(seed), split_seed=int(split_seed), race=race)
            nets.append(self.net_)
        losses = np.array([held_out_loss(net) for net in nets])
        finishers = np.argsort(losses, kind="stable")[:n_finish] if race else range(n_fits)
        if race:
            for index in finishers:
                raced = len(nets[index].history)
                # Fewer epochs than the race's: a stopping rule ended it, it is finished.
                if raced == race_epochs(nets[index]) < nets[index].max_epochs:
                    self._fit_net(tensors, seed=int(seeds[index]), net=nets[index])
                    losses[index] = held_out_loss(self.net_, since=raced)
        self.restart_losses_ = losses
        self.net_ = nets[min(finishers, key=lambda index: losses[index])]
        self.n_iter_ = len(self.net_.history)
        self._read_restarts(nets)
        return self

    def _read_restarts(self, nets):
        """Read what the restarts' nets (the kept one among them) say beyond the kept net,
        before the others are dropped; a hook (StructuredVAE reads each one's learned mask)."""


def race_epochs(net):
    """The epochs a restart of a race trains before the race is decided."""
    return max(1, math.ceil(RACE_SHARE * net.max_epochs))
