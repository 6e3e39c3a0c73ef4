"""Datasets and a DataLoader with PyTorch's interface, for NumPy arrays and ember tensors.

TensorDataset batches are gathered with one index_select per tensor (no per-sample Python
loop); other datasets are indexed per sample and collated with ember.stack. Shuffling uses
a NumPy generator seeded from `generator` (an int) or, by default, from ember's generator,
so ember.manual_seed makes the order reproducible.
"""
import math

import numpy as np

import ember


def _as_tensor(x):
    if isinstance(x, ember.Tensor):
        return x
    return ember.tensor(np.asarray(x))


class Dataset:
    """Base class: subclasses define __getitem__ and __len__."""

    def __getitem__(self, index):
        raise NotImplementedError("[Dataset] subclasses must define __getitem__")

    def __len__(self):
        raise NotImplementedError("[Dataset] subclasses must define __len__")


class TensorDataset(Dataset):
    """Samples are tuples of the i-th rows of the given tensors (or NumPy arrays)."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("[TensorDataset] expected at least one tensor")
        self.tensors = tuple(_as_tensor(t) for t in tensors)
        n = self.tensors[0].shape[0] if self.tensors[0].ndim else None
        for t in self.tensors:
            if t.ndim == 0 or t.shape[0] != n:
                raise ValueError("[TensorDataset] size mismatch between tensors: first dims "
                                 f"{[tuple(t.shape)[:1] for t in self.tensors]}")

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


def default_collate(samples):
    first = samples[0]
    if isinstance(first, ember.Tensor):
        return ember.stack(samples)
    if isinstance(first, (tuple, list)):
        return type(first)(default_collate(list(s)) for s in zip(*samples))
    if isinstance(first, dict):
        return {k: default_collate([s[k] for s in samples]) for k in first}
    return ember.tensor(np.asarray(samples))


class DataLoader:
    """Iterates over a dataset in batches: batch_size, shuffle, drop_last, collate_fn.

    generator: an int seed for the shuffle order; None draws a seed from ember's generator
    at each epoch (reproducible after ember.manual_seed).
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False,
                 collate_fn=None, generator=None):
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"[DataLoader] batch_size must be a positive int, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.collate_fn = collate_fn
        self._rng = np.random.default_rng(generator) if generator is not None else None

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self):
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        rng = self._rng
        if rng is None:
            seed = int(ember.randint(0, 2**62, (1,)).item())
            rng = np.random.default_rng(seed)
        return rng.permutation(n)

    def __iter__(self):
        order = self._order()
        stop = len(self) * self.batch_size
        for start in range(0, min(stop, len(order)), self.batch_size):
            idx = order[start:start + self.batch_size]
            if isinstance(self.dataset, TensorDataset) and self.collate_fn is None:
                index = ember.from_numpy(idx.astype(np.int64))
                yield tuple(ember.index_select(t, 0, index) for t in self.dataset.tensors)
            else:
                collate = self.collate_fn or default_collate
                yield collate([self.dataset[int(i)] for i in idx])
