"""ember.utils.data: TensorDataset and DataLoader (batching, shuffling, drop_last, collate)."""
import numpy as np
import pytest

import ember
from ember.utils.data import DataLoader, Dataset, TensorDataset
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
