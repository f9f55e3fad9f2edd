"""One large fit on several devices: skorch's ``AccelerateMixin`` over the sklatent nets.

skorch's mixin prepares the modules, the optimizers and the batches with a Hugging Face
``accelerate.Accelerator`` (device placement, mixed precision, distributed data parallel). Two
things differ for sklatent's nets: a batch is a dict of tensors rather than an ``(X, y)`` pair, so
the training step is the net's own (with the accelerator's autocast and backward through the
:meth:`LatentNet.forward_context` and :meth:`LatentNet.backward` hooks); and batches are index
slices of tensors already on the device rather than a ``DataLoader`` the accelerator could shard,
so under several processes each one trains on its share of every batch (see
:class:`ProcessShards`).
"""

from skorch.hf import AccelerateMixin

from ._adversarial import AdversarialNet
from ._net import LatentNet


class ProcessShards:
    """The batches of one process when ``n_processes`` processes train one model.

    Every process draws the same permutation (the nets seed it identically), so taking rows
    ``rank, rank + n, ...`` of each batch splits every batch into disjoint shards; distributed
    data parallel then averages the gradients, and one step sees the whole batch.

    Parameters
    ----------
    batches : iterable of dict of str to torch.Tensor
        The batches, identical in every process.
    rank, n_processes : int
        This process's index and the number of processes.
    """

    def __init__(self, batches, rank, n_processes):
        self.batches = batches
        self.rank = rank
        self.n_processes = n_processes

    def __len__(self):
        return len(self.batches)

    def __iter__(self):
        for batch in self.batches:
            yield {name: value[self.rank :: self.n_processes] for name, value in batch.items()}


class _AcceleratedSteps:
    """What the accelerated nets change in the sklatent nets (placed before skorch's mixin)."""

    def _initialize_accelerator(self):
        # Distributed data parallel refuses a module with no trainable parameter, which is what
        # an objective usually is: such an objective is only moved to the device (its buffers).
        if self._wrapped_with_accelerator:
            return self
        criteria, trainable = self._criteria, []
        for name in criteria:
            criterion = getattr(self, name + "_")
            if any(p.requires_grad for p in criterion.parameters()):
                trainable.append(name)
            else:
                criterion.to(self.accelerator.device)
        self._criteria = trainable
        try:
            return super()._initialize_accelerator()
        finally:
            self._criteria = criteria

    def forward_context(self):
        return self.accelerator.autocast()

    def backward(self, loss):
        self.accelerator.backward(loss)

    def train_step_single(self, batch, **fit_params):
        # skorch's mixin unpacks (X, y) batches; sklatent's batches are dicts.
        return LatentNet.train_step_single(self, batch, **fit_params)

    def get_iterator(self, dataset, training=False):
        batches = super().get_iterator(dataset, training=training)
        n_processes = self.accelerator.num_processes
        if training and n_processes > 1:
            return ProcessShards(batches, self.accelerator.process_index, n_processes)
        return batches


class AcceleratedLatentNet(_AcceleratedSteps, AccelerateMixin, LatentNet):
    """:class:`LatentNet` trained through an ``accelerate.Accelerator`` (``accelerator=``)."""


class AcceleratedAdversarialNet(_AcceleratedSteps, AccelerateMixin, AdversarialNet):
    """:class:`AdversarialNet` trained through an ``accelerate.Accelerator`` (``accelerator=``)."""


_ACCELERATED = {LatentNet: AcceleratedLatentNet, AdversarialNet: AcceleratedAdversarialNet}


def accelerated(net_class):
    """The accelerated counterpart of a sklatent net class.

    Parameters
    ----------
    net_class : type
        :class:`LatentNet` or :class:`AdversarialNet`.

    Returns
    -------
    type
        :class:`AcceleratedLatentNet` or :class:`AcceleratedAdversarialNet`.
    """
    return _ACCELERATED[net_class]
