"""ember.utils.data: datasets (Tensor, Subset, Concat, Iterable), random_split and DataLoader."""
import numpy as np
import pytest

import ember
from ember.utils.data import (ConcatDataset, DataLoader, Dataset, IterableDataset, Subset,
                              TensorDataset, random_split)
from utils import to_np


def make(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64)
    return x, y


def test_tensor_dataset_items_and_len():
    x, y = make()
    ds = TensorDataset(ember.tensor(x), y)  # ember tensors and NumPy arrays both work
    assert len(ds) == 10
    xi, yi = ds[3]
    np.testing.assert_array_equal(to_np(xi), x[3])
    assert yi.item() == 3


def test_loader_batches_in_order():
    x, y = make()
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    assert len(loader) == 3
    batches = list(loader)
    assert [tuple(b[0].shape) for b in batches] == [(4, 3), (4, 3), (2, 3)]
    np.testing.assert_array_equal(np.concatenate([to_np(b[1]) for b in batches]), y)
    assert len(DataLoader(TensorDataset(x, y), batch_size=4, drop_last=True)) == 2
    assert [b[0].shape[0] for b in DataLoader(TensorDataset(x, y), batch_size=4, drop_last=True)] == [4, 4]


def test_shuffle_is_a_permutation_and_seeded():
    x, y = make(50)
    order = lambda loader: np.concatenate([to_np(b[1]) for b in loader])  # noqa: E731
    a = order(DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, generator=1))
    b = order(DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, generator=1))
    np.testing.assert_array_equal(a, b)
    assert sorted(a.tolist()) == list(range(50)) and a.tolist() != list(range(50))
    ember.manual_seed(3)
    c = order(DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True))
    ember.manual_seed(3)
    d = order(DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True))
    np.testing.assert_array_equal(c, d)
    # rows stay paired with their labels
    for bx, by in DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, generator=2):
        np.testing.assert_array_equal(to_np(bx), x[to_np(by)])


def test_custom_dataset_default_collate():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return ember.tensor([float(i), float(i * i)]), i

    batches = list(DataLoader(Squares(), batch_size=2))
    assert tuple(batches[0][0].shape) == (2, 2)
    np.testing.assert_array_equal(to_np(batches[2][0]), [[4.0, 16.0]])
    assert to_np(batches[1][1]).tolist() == [2, 3]


def test_bad_input():
    x, y = make()
    with pytest.raises(ValueError, match=r"\[TensorDataset\] size mismatch"):
        TensorDataset(x, y[:5])
    with pytest.raises(ValueError, match=r"\[DataLoader\] batch_size must be a positive int"):
        DataLoader(TensorDataset(x, y), batch_size=0)
    with pytest.raises(ValueError, match=r"\[TensorDataset\] expected at least one tensor"):
        TensorDataset()


def test_subset_and_concat_dataset():
    x, y = make()
    ds = TensorDataset(x, y)
    sub = Subset(ds, [7, 2, 5])
    assert len(sub) == 3 and int(sub[0][1]) == 7 and int(sub[-1][1]) == 5
    cat = ConcatDataset([sub, ds])
    assert len(cat) == 13 and cat.cumulative_sizes == [3, 13]
    assert int(cat[2][1]) == 5 and int(cat[3][1]) == 0 and int(cat[-1][1]) == 9
    with pytest.raises(IndexError, match=r"\[ConcatDataset\]"):
        cat[13]
    with pytest.raises(IndexError, match=r"\[ConcatDataset\]"):
        cat[-14]
    batches = list(DataLoader(cat, batch_size=5))
    assert to_np(batches[0][1]).tolist() == [7, 2, 5, 0, 1]


def test_random_split_sizes_like_torch_and_seeded():
    torch = pytest.importorskip("torch")
    for lengths in ([0.3, 0.3, 0.4], [0.25, 0.75], [3, 7]):
        tsizes = [len(s) for s in torch.utils.data.random_split(range(10), lengths)]
        esizes = [len(s) for s in random_split(list(range(10)), lengths, generator=0)]
        assert esizes == tsizes, lengths
    parts = random_split(list(range(10)), [4, 6], generator=3)
    again = random_split(list(range(10)), [4, 6], generator=3)
    assert [p.indices for p in parts] == [p.indices for p in again]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    ember.manual_seed(1)
    a = random_split(list(range(10)), [5, 5])[0].indices
    ember.manual_seed(1)
    assert random_split(list(range(10)), [5, 5])[0].indices == a
    with pytest.raises(ValueError, match=r"\[random_split\]"):
        random_split(list(range(10)), [4, 5])
    with pytest.raises(ValueError, match=r"\[random_split\]"):
        random_split(list(range(10)), [0.5, 0.2])


def test_iterable_dataset_batches_in_order():
    class Stream(IterableDataset):
        def __iter__(self):
            for i in range(7):
                yield np.float32(i), i

    batches = list(DataLoader(Stream(), batch_size=3))
    assert [to_np(b[1]).tolist() for b in batches] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(list(DataLoader(Stream(), batch_size=3, drop_last=True))) == 2
    with pytest.raises(ValueError, match="shuffle=True is not supported"):
        DataLoader(Stream(), shuffle=True)
    with pytest.raises(TypeError, match="cannot be indexed"):
        Stream()[0]
    with pytest.raises(TypeError, match=r"\[DataLoader\] the length"):
        len(DataLoader(Stream()))
