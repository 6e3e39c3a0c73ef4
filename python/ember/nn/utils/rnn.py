"""ember.nn.utils.rnn: variable-length batches for RNN / LSTM / GRU, like torch.nn.utils.rnn.

``PackedSequence`` is a namedtuple (data, batch_sizes, sorted_indices, unsorted_indices) in
PyTorch's layout: ``data`` (sum of lengths, *) holds step 0 of every sequence (longest
first), then step 1 of those still running, ...; ``batch_sizes`` counts the sequences
running at each step. The conversions run in C++ (ember._C.nn) and are differentiable.
Lengths may be a list, a NumPy array or an int64 tensor; zero lengths are rejected.
"""
import collections as _collections

from ... import _C

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "pack_sequence", "unpad_sequence", "unpack_sequence", "invert_permutation"]


def invert_permutation(permutation):
    """The inverse of a 1-D int64 permutation tensor (None stays None)."""
    if permutation is None:
        return None
    import numpy as np
    p = np.asarray(permutation.tolist(), dtype=np.int64)
    inv = np.empty_like(p)
    inv[p] = np.arange(p.size, dtype=np.int64)
    from ... import tensor
    return tensor(inv.tolist(), dtype=_C.int64)


class PackedSequence(_collections.namedtuple(
        "PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """A packed batch of variable-length sequences (see the module docstring). Build it with
    pack_padded_sequence or pack_sequence rather than by hand."""

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence(tuple_of_fields), as torch allows
            data, batch_sizes = data[0], data[1]
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """A PackedSequence with data converted by Tensor.to (indices unchanged)."""
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else type(self)(data, self.batch_sizes,
                                                         self.sorted_indices,
                                                         self.unsorted_indices)

    def float(self):
        return self.to(dtype=_C.float32)

    def double(self):
        return self.to(dtype=_C.float64)

    @property
    def is_cuda(self):
        return False

    def is_pinned(self):
        return False


def _lengths(lengths):
    if hasattr(lengths, "tolist"):
        lengths = lengths.tolist()
    return [int(v) for v in lengths]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Packs a padded batch (L, N, *) (or (N, L, *) when batch_first) of sequences with the
    given lengths. enforce_sorted=True requires non-increasing lengths; otherwise the batch
    is sorted and the permutation kept in sorted_indices / unsorted_indices."""
    return PackedSequence(*_C.nn._pack_padded_sequence(input, _lengths(lengths), batch_first,
                                                       enforce_sorted))


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Inverse of pack_padded_sequence: returns (padded, lengths) in the original batch
    order; lengths is an int64 tensor."""
    return _C.nn._pad_packed_sequence(sequence, batch_first, float(padding_value), total_length)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stacks tensors (L_i, *) into (max L_i, N, *) (or (N, max L_i, *) when batch_first),
    filling with padding_value after each sequence (padding_side='right') or before it
    ('left'). Another padding_side raises ValueError (PyTorch raises RuntimeError)."""
    from ... import Tensor
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    return _C.nn._pad_sequence(list(sequences), batch_first, float(padding_value),
                               str(padding_side))


def pack_sequence(sequences, enforce_sorted=True):
    """Packs a list of tensors (L_i, *); with enforce_sorted the lengths must not increase."""
    return PackedSequence(*_C.nn._pack_sequence(list(sequences), enforce_sorted))


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences (L_i, *) held in a padded batch."""
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[i, :n] for i, n in enumerate(_lengths(lengths))]


def unpack_sequence(packed_sequences):
    """The list of sequences (L_i, *) held in a PackedSequence, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
