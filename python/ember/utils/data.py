"""Datasets and a DataLoader with PyTorch's interface, for NumPy arrays and ember tensors:
Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, random_split, DataLoader.

TensorDataset batches are gathered with one index_select per tensor (no per-sample Python
loop); other datasets are indexed per sample and collated with ember.stack. Shuffling uses
a NumPy generator seeded from `generator` (an int) or, by default, from ember's generator,
so ember.manual_seed makes the order reproducible (random_split draws the same way).
"""
import bisect
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


class IterableDataset(Dataset):
    """A stream of samples: subclasses define __iter__ (the DataLoader batches it in order)."""

    def __iter__(self):
        raise NotImplementedError("[IterableDataset] subclasses must define __iter__")

    def __getitem__(self, index):
        raise TypeError("[IterableDataset] an iterable dataset cannot be indexed")


class Subset(Dataset):
    """The samples of dataset at the given indices, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = [int(i) for i in indices]

    def __getitem__(self, index):
        if isinstance(index, (list, tuple)):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """The samples of several datasets one after another."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("[ConcatDataset] expected at least one dataset")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("[ConcatDataset] does not support IterableDataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]))

    def __len__(self):
        return int(self.cumulative_sizes[-1])

    def __getitem__(self, index):
        if index < 0:
            if -index > len(self):
                raise IndexError(f"[ConcatDataset] index {index} out of range for length "
                                 f"{len(self)}")
            index += len(self)
        k = bisect.bisect_right(self.cumulative_sizes, index)
        if k == len(self.datasets):
            raise IndexError(f"[ConcatDataset] index {index} out of range for length {len(self)}")
        start = self.cumulative_sizes[k - 1] if k else 0
        return self.datasets[k][int(index - start)]


def _rng(generator):
    if generator is not None:
        return np.random.default_rng(generator)
    return np.random.default_rng(int(ember.randint(0, 2**62, (1,)).item()))


def random_split(dataset, lengths, generator=None):
    """Splits dataset into non-overlapping random Subsets of the given lengths, or of the
    given fractions of len(dataset) (summing to 1; the remainder goes round-robin to the
    first splits, as in PyTorch). generator: an int seed, or None for ember's generator."""
    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(0 <= f <= 1 for f in lengths) and math.isclose(sum(lengths), 1) \
            and sum(lengths) != n:
        counts = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if any(not float(x).is_integer() or x < 0 for x in lengths) or sum(lengths) != n:
        raise ValueError("[random_split] sum of input lengths does not equal the length of the "
                         f"input dataset ({n}), or they are not fractions summing to 1: {lengths}")
    order = _rng(generator).permutation(n)
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, order[start:start + int(length)]))
        start += int(length)
    return out


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

        if shuffle and isinstance(dataset, IterableDataset):
            raise ValueError("[DataLoader] shuffle=True is not supported for an "
                             "IterableDataset (it has no indices)")

    def __len__(self):
        if isinstance(self.dataset, IterableDataset) and \
                type(self.dataset).__len__ is IterableDataset.__len__:
            raise TypeError("[DataLoader] the length of an IterableDataset without __len__ is "
                            "unknown")
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self):
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return (self._rng or _rng(None)).permutation(n)

    def _iter_stream(self):
        collate = self.collate_fn or default_collate
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield collate(batch)
                batch = []
        if batch and not self.drop_last:
            yield collate(batch)

    def __iter__(self):
        if isinstance(self.dataset, IterableDataset):
            yield from self._iter_stream()
            return
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
