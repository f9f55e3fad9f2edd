"""In-memory batching: the data stay as tensors on the device and batches are index slices.

skorch's default path wraps arrays in a ``Dataset`` whose ``__getitem__`` returns one row and a
``DataLoader`` that collates rows back into a batch; for data already in memory that per-row work
is most of an epoch's cost. Here a batch is one gather (shuffled) or one view (in order) per tensor.
"""

import math

import torch


class TensorData:
    """A dict of tensors sharing their first dimension, standing in for a torch ``Dataset``.

    Parameters
    ----------
    tensors : dict of str to torch.Tensor
        The arrays of one fit (``"X"`` and any auxiliary variables), all on the training device.

    Examples
    --------
    >>> import torch
    >>> from sklatent.training import TensorData
    >>> data = TensorData({"X": torch.zeros(5, 3), "groups": torch.tensor([0, 1, 0, 1, 1])})
    >>> len(data), data.subset(torch.tensor([1, 3])).tensors["groups"].tolist()
    (5, [1, 1])
    >>> TensorData({"X": torch.zeros(5, 3), "groups": torch.zeros(4)})
    Traceback (most recent call last):
    ...
    ValueError: All arrays of a fit need the same number of rows, got {'X': 5, 'groups': 4}.
    """

    def __init__(self, tensors):
        lengths = {name: len(value) for name, value in tensors.items()}
        if len(set(lengths.values())) != 1:
            raise ValueError(f"All arrays of a fit need the same number of rows, got {lengths}.")
        self.tensors = tensors
        self.n_samples = next(iter(lengths.values()))

    def __len__(self):
        return self.n_samples

    def subset(self, index):
        """The rows ``index`` (a tensor of positions) as a new :class:`TensorData`."""
        return TensorData({name: value[index] for name, value in self.tensors.items()})


def stratified_order(strata, generator=None):
    """A random order of the rows in which every stretch holds each stratum in proportion.

    Rows are shuffled, then interleaved by their rank within their stratum relative to its
    size, so that consecutive batches of any size hold each stratum's share of the rows (to
    within one row).

    Parameters
    ----------
    strata : torch.Tensor of shape (n_samples,)
        Integer stratum of each row (an environment).
    generator : torch.Generator, default=None
        Source of the shuffle.

    Returns
    -------
    torch.Tensor of shape (n_samples,)
        A permutation of the row indices, on the CPU.

    Examples
    --------
    Six rows of environment 0 and two of environment 1: every four consecutive rows of the
    order hold three of the first and one of the second.

    >>> import torch
    >>> from sklatent.training import stratified_order
    >>> strata = torch.tensor([0, 0, 0, 0, 0, 0, 1, 1])
    >>> order = stratified_order(strata, torch.Generator().manual_seed(0))
    >>> sorted(order.tolist()) == list(range(8)), strata[order].view(2, 4).sum(dim=1).tolist()
    (True, [1, 1])
    """
    strata = strata.cpu()
    order = torch.randperm(len(strata), generator=generator)
    shuffled = strata[order]
    position = torch.empty(len(strata), dtype=torch.float64)
    for value in torch.unique(shuffled):
        rows = torch.nonzero(shuffled == value).squeeze(1)
        position[rows] = (torch.arange(len(rows), dtype=torch.float64) + 0.5) / len(rows)
    return order[torch.argsort(position, stable=True)]


class IndexBatches:
    """Iterable over the batches of a :class:`TensorData`, each a dict of tensors.

    Parameters
    ----------
    data : TensorData
        The rows to batch.
    batch_size : int
        Rows per batch; a batch size larger than the data gives one batch.
    shuffle : bool
        Draw a new permutation every pass (training) or keep the order (inference).
    generator : torch.Generator or None
        The source of the permutations; seeded by the net so a fit is reproducible.
    strata : torch.Tensor of shape (n_samples,), default=None
        When shuffling, keep each stratum's share of the rows in every batch
        (:func:`stratified_order`).

    Examples
    --------
    >>> import torch
    >>> from sklatent.training import IndexBatches, TensorData
    >>> data = TensorData({"X": torch.arange(10.0).unsqueeze(1)})
    >>> [batch["X"].squeeze(1).tolist() for batch in IndexBatches(data, batch_size=4)]
    [[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0], [8.0, 9.0]]
    >>> batches = IndexBatches(data, 4, shuffle=True, generator=torch.Generator().manual_seed(0))
    >>> len(batches), sorted(torch.cat([batch["X"] for batch in batches]).squeeze(1).tolist())
    (3, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
    """

    def __init__(self, data, batch_size, shuffle=False, generator=None, strata=None):
        self.data = data
        self.batch_size = max(1, min(batch_size, len(data)))
        self.shuffle = shuffle
        self.generator = generator
        self.strata = strata

    def __len__(self):
        return math.ceil(len(self.data) / self.batch_size)

    def __iter__(self):
        n, size, tensors = len(self.data), self.batch_size, self.data.tensors
        if not self.shuffle:
            for start in range(0, n, size):
                yield {name: value[start : start + size] for name, value in tensors.items()}
            return
        if self.strata is None:
            order = torch.randperm(n, generator=self.generator)
        else:
            order = stratified_order(self.strata, self.generator)
        device = next(iter(tensors.values())).device
        order = order.to(device)
        for start in range(0, n, size):
            index = order[start : start + size]
            yield {name: value[index] for name, value in tensors.items()}


class RandomSplit:
    """Hold out a random fraction of the rows for validation (skorch's ``train_split`` hook).

    Parameters
    ----------
    fraction : float
        Share of rows in the validation part, in (0, 1).
    seed : int
        Seed of the permutation, so that the split is the same for the same ``random_state``.

    Examples
    --------
    >>> import torch
    >>> from sklatent.training import RandomSplit, TensorData
    >>> data = TensorData({"X": torch.arange(10.0).unsqueeze(1)})
    >>> train, valid = RandomSplit(0.2, seed=0)(data)
    >>> len(train), len(valid)
    (8, 2)
    >>> rows = torch.cat([train.tensors["X"], valid.tensors["X"]]).squeeze(1)
    >>> sorted(rows.tolist()) == list(range(10))  # disjoint and complete
    True
    """

    def __init__(self, fraction, seed):
        self.fraction = fraction
        self.seed = seed

    def __call__(self, dataset, y=None, **fit_params):
        n = len(dataset)
        n_valid = round(self.fraction * n)
        if n_valid < 1 or n_valid >= n:
            raise ValueError(
                f"validation_fraction={self.fraction} leaves {n_valid} of {n} rows for validation; "
                "a split needs at least one row on each side."
            )
        order = torch.randperm(n, generator=torch.Generator().manual_seed(self.seed))
        device = next(iter(dataset.tensors.values())).device
        order = order.to(device)
        return dataset.subset(order[n_valid:]), dataset.subset(order[:n_valid])
