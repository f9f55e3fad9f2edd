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
from ._skorch_compat import criterion_names, is_wrapped_with_accelerator, registered_criteria


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

    Examples
    --------
    >>> import torch
    >>> from sklatent.training import ProcessShards
    >>> batches = [{"X": torch.arange(6)}, {"X": torch.arange(6, 10)}]
    >>> [batch["X"].tolist() for batch in ProcessShards(batches, rank=0, n_processes=2)]
    [[0, 2, 4], [6, 8]]
    >>> [batch["X"].tolist() for batch in ProcessShards(batches, rank=1, n_processes=2)]
    [[1, 3, 5], [7, 9]]
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
        if is_wrapped_with_accelerator(self):
            return self
        trainable = []
        for name in criterion_names(self):
            criterion = getattr(self, name + "_")
            if any(p.requires_grad for p in criterion.parameters()):
                trainable.append(name)
            else:
                criterion.to(self.accelerator.device)
        with registered_criteria(self, trainable):
            return super()._initialize_accelerator()

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
    """:class:`LatentNet` trained through an ``accelerate.Accelerator`` (``accelerator=``).

    Examples
    --------
    >>> import torch
    >>> from accelerate import Accelerator
    >>> from sklatent.modules import VAEModule
    >>> from sklatent.objectives import BetaVAEObjective
    >>> from sklatent.training import AcceleratedLatentNet, TensorData
    >>> net = AcceleratedLatentNet(VAEModule, BetaVAEObjective(), accelerator=Accelerator(cpu=True),
    ...                            module__n_features=3, module__n_components=1,
    ...                            module__hidden_layer_sizes=(), max_epochs=2, train_split=None,
    ...                            verbose=0)
    >>> net = net.fit(TensorData({"X": torch.randn(32, 3)}))
    >>> len(net.history), net.accelerator.device.type
    (2, 'cpu')
    """


class AcceleratedAdversarialNet(_AcceleratedSteps, AccelerateMixin, AdversarialNet):
    """:class:`AdversarialNet` trained through an ``accelerate.Accelerator`` (``accelerator=``).

    Examples
    --------
    :class:`AdversarialNet`'s example, with an accelerator:

    >>> import torch
    >>> from accelerate import Accelerator
    >>> from sklatent.modules import StructuredModule
    >>> from sklatent.objectives import FairObjective
    >>> from sklatent.training import AcceleratedAdversarialNet, TensorData
    >>> module = StructuredModule([{"name": "x", "n_features": 3, "likelihood": "gaussian"}],
    ...                           [2], torch.ones(1, 1), torch.ones(1, 1), hidden_layer_sizes=(8,))
    >>> objective = FairObjective(["x"], n_groups=2, dependence_measure="adversarial",
    ...                           group_log_prior=torch.log(torch.tensor([[0.5, 0.5]])))
    >>> net = AcceleratedAdversarialNet(module, objective, accelerator=Accelerator(cpu=True),
    ...                                 critic=torch.nn.Linear, critic__in_features=2,
    ...                                 critic__out_features=2, max_epochs=2, train_split=None,
    ...                                 verbose=0)
    >>> X = torch.randn(64, 3)
    >>> data = {"X_x": X, "present": torch.ones(64, 1), "groups": (X[:, 0] > 0).long()}
    >>> len(net.fit(TensorData(data)).history)
    2
    """


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

    Examples
    --------
    >>> from sklatent.training import AcceleratedLatentNet, LatentNet, accelerated
    >>> accelerated(LatentNet) is AcceleratedLatentNet
    True
    >>> issubclass(accelerated(LatentNet), LatentNet)
    True
    """
    return _ACCELERATED[net_class]
