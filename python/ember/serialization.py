"""Saving and loading tensors in the safetensors format (ember.save / ember.load).

The format is read and written by ember's C++ core (csrc/ember/io/safetensors.cpp), so
files are shared with C++ programs and with the official ``safetensors`` package. This
module only turns Python containers, arrays and paths into what the core expects.
"""
import os
from collections.abc import Mapping

import numpy as np

from . import _C

__all__ = ["save", "load", "load_metadata"]

# NumPy dtypes ember stores as they are, and those it widens losslessly before saving.
_NATIVE = {np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.int64), np.dtype(np.bool_)}
_WIDEN = {
    np.dtype(np.float16): np.float32,
    np.dtype(np.int8): np.int64, np.dtype(np.int16): np.int64, np.dtype(np.int32): np.int64,
    np.dtype(np.uint8): np.int64, np.dtype(np.uint16): np.int64, np.dtype(np.uint32): np.int64,
}


def _as_tensor(where, name, value):
    if isinstance(value, _C.Tensor):
        return value
    if not isinstance(value, np.ndarray):
        # torch tensors and the like: drop autograd history, move to the CPU; bfloat16 has
        # no NumPy dtype, so it goes through float32 (exact).
        if hasattr(value, "detach"):
            value = value.detach()
        if hasattr(value, "cpu"):
            value = value.cpu()
        if str(getattr(value, "dtype", "")).endswith("bfloat16") and hasattr(value, "float"):
            value = value.float()
        try:
            if hasattr(value, "__array__"):
                value = np.asarray(value)
            elif hasattr(value, "numpy"):
                value = np.asarray(value.numpy())
            else:
                raise TypeError("it has neither __array__ nor numpy()")
        except Exception as e:  # noqa: BLE001 - re-raised with the tensor's name
            raise TypeError(f"{where}: tensor {name!r}: expected an ember.Tensor, a NumPy array "
                            f"or an array-like, got {type(value).__name__} ({e})") from e
    dt = value.dtype.newbyteorder("=") if value.dtype.byteorder in "<>" else value.dtype
    if dt in _NATIVE:
        target = dt
    elif dt in _WIDEN:
        target = np.dtype(_WIDEN[dt])
    else:
        raise TypeError(f"{where}: tensor {name!r}: NumPy dtype {value.dtype} is not supported; "
                        "expected float32, float64, int64 or bool (float16 and int8/16/32, "
                        "uint8/16/32 are widened)")
    a = np.asarray(value, dtype=target, order="C")
    if not a.flags.writeable:
        a = a.copy()
    return _C.from_numpy(a)


def save(tensors, path, metadata=None):
    """Writes tensors to ``path`` in the safetensors format; returns None.

    ``tensors`` is a dict / OrderedDict or a list of ``(name, tensor)`` pairs whose values
    are ember tensors, NumPy arrays, or objects with ``__array__`` or ``.numpy()`` (e.g.
    torch tensors). Names are str; ``metadata`` is None or a dict of str to str.
    ember writes float32, float64, int64 and bool; float16 arrays are saved as float32
    and int8/16/32, uint8/16/32 arrays as int64 (deviation from safetensors.numpy, which
    keeps them). The file is written under a temporary name and renamed, so it is never
    seen half-written. Tensors are laid out like the official package (by dtype, then
    name), so ``ember.load`` returns them in that order, not the order given.
    """
    where = f"[save] '{os.fsdecode(path)}'"
    items = list(tensors.items()) if isinstance(tensors, Mapping) else list(tensors)
    pairs = []
    for item in items:
        if not (isinstance(item, tuple) and len(item) == 2):
            raise TypeError(f"{where}: expected a dict of name -> tensor or a list of (name, tensor) "
                            f"pairs, got an item of type {type(item).__name__}")
        name, value = item
        if not isinstance(name, str):
            raise TypeError(f"{where}: tensor names must be str, got {type(name).__name__}")
        pairs.append((name, _as_tensor(where, name, value)))
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, Mapping):
        raise TypeError(f"{where}: metadata must be a dict of str to str or None, got "
                        f"{type(metadata).__name__}")
    for k, v in metadata.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise TypeError(f"{where}: metadata must map str to str, got key {k!r} of type "
                            f"{type(k).__name__} with a value of type {type(v).__name__}")
    _C._save(pairs, os.fsencode(path), dict(metadata))


def load(path):
    """Reads a safetensors file into a dict name -> ember.Tensor, in file order.

    Every tensor owns its memory (the file may be deleted afterwards). F32/F64/I64/BOOL
    load as they are, F16/BF16 as float32, I8/I16/I32/U8/U16/U32 as int64; other dtypes
    raise TypeError. Malformed files raise ValueError, a missing file FileNotFoundError.
    """
    return dict(_C._load(os.fsencode(path)))


def load_metadata(path):
    """The ``__metadata__`` dict (str -> str) of a safetensors file; tensors are not read."""
    return dict(_C._load_metadata(os.fsencode(path)))
