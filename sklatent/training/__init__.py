"""The training engine; the only package of sklatent that imports skorch.

:class:`LatentNet` trains one objective; :class:`AdversarialNet` alternates encoder and critic
steps. Both batch in-memory tensors by index slices and record every named loss term.
"""

from ._accelerate import (
    AcceleratedAdversarialNet,
    AcceleratedLatentNet,
    ProcessShards,
    accelerated,
)
from ._adversarial import AdversarialNet, detach_outputs
from ._callbacks import Anneal, StopAfterWarmUp, WarmUp, training_callbacks
from ._constraint import HeldOutBound
from ._data import IndexBatches, RandomSplit, TensorData, stratified_order
from ._net import INFERENCE_BATCH_SIZE, LatentNet

__all__ = [
    "INFERENCE_BATCH_SIZE",
    "AcceleratedAdversarialNet",
    "AcceleratedLatentNet",
    "AdversarialNet",
    "Anneal",
    "HeldOutBound",
    "IndexBatches",
    "LatentNet",
    "ProcessShards",
    "RandomSplit",
    "StopAfterWarmUp",
    "TensorData",
    "WarmUp",
    "accelerated",
    "detach_outputs",
    "stratified_order",
    "training_callbacks",
]
