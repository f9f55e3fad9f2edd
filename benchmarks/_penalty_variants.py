"""Alternatives to FairEncoder's penalised training, for design studies only.

Each variant patches the package for the rest of the process; ``apply(name)`` turns one on. None
of them is the package's behaviour (benchmarks/RESULTS.md, "Four alternatives for FairEncoder's
penalised fits", says what each measured):

- ``train-penalty-stop``: the early stopping watches the held-out loss without the penalty plus
  ``independence_weight`` times the penalty's training estimate of the epoch.
- ``three-bandwidths``: the dependence kernel keeps its three widest bandwidths (16, 4 and 1
  times the median squared distance), without 1/4 and 1/16.
- ``clamped``: the kernel penalty's training estimate is clamped at zero, so that a batch whose
  unbiased estimate is negative gives no gradient.
- ``memory``: the kernel penalty of a training batch is estimated against the batch and the
  detached codes of the last 448 training rows (groups and strata with them); the gradient is
  scaled by (rows + memory) / rows, so that each batch row weighs in the gradient as a row of a
  batch without memory does (1 / rows, not 1 / (rows + memory)).
- ``narrow-memory``: the three wide bandwidths on the batch alone, and the two narrow ones (1/4
  and 1/16 of the median) on the batch and the memory, as in ``memory``.
- ``full-steps``: the automatic budget's 2,000 gradient steps without its cap of 200 epochs,
  which a batch of 64 rows reaches on tables of fewer than 640 training rows (400 planted rows
  get 1,200 steps under the cap).
- ``lr-3e-3``: FairEncoder's default learning rate 3e-3 instead of 1e-3.
- ``patient-full-steps``: ``full-steps`` with a patience of 480 gradient steps instead of 160.
- ``capped-step``: ``difference_bound``'s multiplier rises by at most a factor e an epoch (the
  exponent of its update capped at 1; it is unbounded, (estimate - error - bound) / bound, so
  a held-out difference of 0.2 against a bound of 0.02 multiplies the weight by e^9).
"""

import math

import torch

import sklatent.estimators._budget as budget
import sklatent.information._independence as kernels
from sklatent._batch import GROUPS
from sklatent.information import within_strata
from sklatent.objectives import _dependence
from sklatent.training import StopAfterWarmUp

VARIANTS = (
    "train-penalty-stop",
    "three-bandwidths",
    "clamped",
    "memory",
    "narrow-memory",
    "full-steps",
    "lr-3e-3",
    "patient-full-steps",
    "capped-step",
)
MEMORY_ROWS = 448
_KERNEL_PENALTIES = ("mmd", "hsic")


def apply(name):
    """Turn the variant ``name`` on (None: none)."""
    if name is None:
        return
    {
        "train-penalty-stop": _watch_training_penalty,
        "three-bandwidths": _three_bandwidths,
        "clamped": _clamp_penalty,
        "memory": _penalty_with_memory,
        "narrow-memory": lambda: _penalty_with_memory(narrow_only=True),
        "full-steps": _without_epoch_cap,
        "lr-3e-3": _learning_rate_3e_3,
        "patient-full-steps": _patient_without_epoch_cap,
        "capped-step": _capped_multiplier_step,
    }[name]()


def _capped_multiplier_step():
    from sklatent.training import HeldOutBound

    def _updated(self, weight, estimate, error):
        if estimate - error > self.bound:
            weight *= math.exp(min(1.0, self.step * (estimate - error - self.bound) / self.bound))
        elif estimate + error < self.bound:
            weight *= math.exp(self.step_down * (estimate + error - self.bound) / self.bound)
        return min(self.max_weight, max(self.min_weight, weight))

    HeldOutBound._updated = _updated


def _learning_rate_3e_3():
    from sklatent import FairEncoder

    FairEncoder.__init__.__kwdefaults__["lr"] = 3e-3


def _without_epoch_cap():
    budget.MAX_AUTO_EPOCHS = budget.MIN_STEPS


def _patient_without_epoch_cap():
    _without_epoch_cap()
    budget.PATIENCE_STEPS = 3 * budget.PATIENCE_STEPS


def _watch_training_penalty():
    original = StopAfterWarmUp.on_epoch_end

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        if self.monitor == "valid_unpenalised_loss" and "valid_held_out_only" not in row:
            held_out = row["valid_unpenalised_loss"]  # rewritten before the stopping reads it
            net.history.record("valid_held_out_only", held_out)
            penalty = net.criterion_.independence_weight * row["train_independence"]
            net.history.record("valid_unpenalised_loss", held_out + penalty)
        return original(self, net, **kwargs)

    StopAfterWarmUp.on_epoch_end = on_epoch_end


def _three_bandwidths():
    kernels._N_BANDWIDTHS = 3


def _clamp_penalty():
    original = _dependence.DependencePenalty.forward

    def forward(self, codes, batch, critic=None):
        value = original(self, codes, batch, critic)
        if self.estimator in _KERNEL_PENALTIES and self.training:
            return value.clamp_min(0.0)
        return value

    _dependence.DependencePenalty.forward = forward


def _with_bandwidths(widest, count, estimate):
    """``estimate()`` with the kernel's bandwidths set to ``count`` of them from ``widest``."""
    saved = kernels._WIDEST_BANDWIDTH_SCALE, kernels._N_BANDWIDTHS
    kernels._WIDEST_BANDWIDTH_SCALE, kernels._N_BANDWIDTHS = widest, count
    try:
        return estimate()
    finally:
        kernels._WIDEST_BANDWIDTH_SCALE, kernels._N_BANDWIDTHS = saved


def _penalty_with_memory(narrow_only=False):
    original = _dependence.DependencePenalty.forward

    def forward(self, codes, batch, critic=None):
        if self.estimator not in _KERNEL_PENALTIES or not self.training:
            return original(self, codes, batch, critic)
        strata, n_strata = self._strata(batch)
        current = (codes, batch[GROUPS], strata)
        memory = self.__dict__.get("_memory")
        if memory is None:
            rows = current
        else:
            rows = [torch.cat(pair) for pair in zip(current, memory, strict=True)]
        estimator = _dependence._KERNEL_ESTIMATORS[self.estimator]

        def estimate(codes, groups, strata):
            return within_strata(estimator, codes, groups, self.n_groups, strata, n_strata)

        if narrow_only:  # the narrow kernels on the rows and memory, the wide on the batch
            value = _with_bandwidths(0.25, 2, lambda: estimate(*rows))
        else:
            value = estimate(*rows)
        value = value.detach() + (len(rows[0]) / len(codes)) * (value - value.detach())
        if narrow_only:
            value = value + _with_bandwidths(16.0, 3, lambda: estimate(*current))
        self.__dict__["_memory"] = tuple(part.detach()[:MEMORY_ROWS] for part in rows)
        return value

    _dependence.DependencePenalty.forward = forward
