"""Index-slice batching and the validation split."""

import pytest
import torch

from sklatent.training import IndexBatches, RandomSplit, TensorData, stratified_order


def _data(n=10):
    return TensorData({"X": torch.arange(2 * n, dtype=torch.float32).reshape(n, 2)})


def test_shuffled_batches_cover_every_row_once_per_pass():
    batches = IndexBatches(_data(), batch_size=3, shuffle=True, generator=torch.Generator())
    assert len(batches) == 4
    for _ in range(2):
        rows = torch.cat([batch["X"][:, 0] for batch in batches])
        assert sorted(rows.tolist()) == list(range(0, 20, 2))


def test_ordered_batches_are_views_in_order():
    data = _data()
    batches = list(IndexBatches(data, batch_size=4))
    assert [len(b["X"]) for b in batches] == [4, 4, 2]
    assert batches[0]["X"].data_ptr() == data.tensors["X"].data_ptr()


def test_batch_size_larger_than_data_gives_one_batch():
    assert [len(b["X"]) for b in IndexBatches(_data(5), batch_size=1000)] == [5]


def test_same_seed_gives_same_order():
    def order(seed):
        batches = IndexBatches(
            _data(), 10, shuffle=True, generator=torch.Generator().manual_seed(seed)
        )
        return next(iter(batches))["X"][:, 0].tolist()

    assert order(1) == order(1) != order(2)


def test_tensors_of_different_lengths_are_rejected():
    with pytest.raises(ValueError, match="same number of rows"):
        TensorData({"X": torch.zeros(3, 2), "s": torch.zeros(4)})


def test_random_split_sizes_and_disjointness():
    train, valid = RandomSplit(0.3, seed=0)(_data())
    assert (len(train), len(valid)) == (7, 3)
    rows = torch.cat([train.tensors["X"][:, 0], valid.tensors["X"][:, 0]])
    assert sorted(rows.tolist()) == list(range(0, 20, 2))


def test_random_split_needs_rows_on_both_sides():
    with pytest.raises(ValueError, match="validation_fraction"):
        RandomSplit(0.1, seed=0)(_data(3))


def test_stratified_batches_hold_each_stratum_in_proportion():
    # 700 rows of one environment, 200 of a second and 100 of a third.
    strata = torch.cat([torch.zeros(700), torch.ones(200), torch.full((100,), 2)]).long()
    data = TensorData({"X": torch.arange(1000.0)[:, None], "groups": strata})
    generator = torch.Generator().manual_seed(0)
    batches = list(IndexBatches(data, 50, shuffle=True, generator=generator, strata=strata))
    seen = torch.cat([batch["X"].flatten() for batch in batches])
    assert sorted(seen.tolist()) == list(range(1000))  # every row once
    for batch in batches:
        counts = torch.bincount(batch["groups"], minlength=3)
        assert (counts - torch.tensor([35, 10, 5])).abs().max() <= 1


def test_stratified_order_is_random_within_each_stratum():
    strata = torch.tensor([0] * 50 + [1] * 50)
    first = stratified_order(strata, torch.Generator().manual_seed(0))
    second = stratified_order(strata, torch.Generator().manual_seed(1))
    assert not torch.equal(first, second)
    assert torch.equal(first, stratified_order(strata, torch.Generator().manual_seed(0)))
