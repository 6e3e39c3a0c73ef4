"""Python-side Tensor conveniences attached to ember.Tensor: repr/str in PyTorch's format,
conversions to Python values (tolist, item, float(), int(), bool(), index), len/iter,
the NumPy __array__ protocol, new_* factories, pickling, and ember.tensor / as_tensor.

Printing follows PyTorch's rules (precision 4, threshold 1000 elements, 3 edge items,
line width 80); dtype names print as ember.float64 etc.
"""
import builtins
import copy
import math

import numpy as np

from . import _C
from ._C import Tensor

_dtype = _C.dtype

_NP_OF = {
    _dtype.bool: np.dtype(np.bool_),
    _dtype.int64: np.dtype(np.int64),
    _dtype.float32: np.dtype(np.float32),
    _dtype.float64: np.dtype(np.float64),
}
_TYPE_NAME = {
    _dtype.bool: "ember.BoolTensor",
    _dtype.int64: "ember.LongTensor",
    _dtype.float32: "ember.FloatTensor",
    _dtype.float64: "ember.DoubleTensor",
}
_SUPPORTED = "ember supports float32, float64, int64 and bool"


# ---------------------------------------------------------------- dtype helpers

def _from_numpy_dtype(npdt, op, python_data=False):
    """The ember dtype for NumPy dtype npdt, PyTorch-style: floats keep float64/float32
    (float64 from Python floats becomes float32, the default), float16 widens to float32,
    every integer type becomes int64; anything else is a TypeError."""
    npdt = np.dtype(npdt)
    if npdt.kind == "b":
        return _dtype.bool
    if npdt.kind in "iu":
        return _dtype.int64
    if npdt.kind == "f":
        if npdt.itemsize == 8:
            return _dtype.float32 if python_data else _dtype.float64
        if npdt.itemsize in (2, 4):
            return _dtype.float32
    raise TypeError(f"[{op}] can't convert data of NumPy dtype {npdt} to a tensor; {_SUPPORTED}")


def _as_dtype(dtype, op="tensor"):
    """An ember dtype from an ember dtype, a Python type (float -> float64, int -> int64,
    bool) or anything np.dtype() accepts; None stays None."""
    if dtype is None or isinstance(dtype, _dtype):
        return dtype
    if dtype is builtins.float:
        return _dtype.float64
    if dtype is builtins.int:
        return _dtype.int64
    if dtype is builtins.bool:
        return _dtype.bool
    try:
        npdt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"[{op}] expected an ember dtype, got {dtype!r}") from None
    if npdt.kind == "f" and npdt.itemsize == 8:
        return _dtype.float64
    return _from_numpy_dtype(npdt, op)


def _copy_into_new(arr, dtype, requires_grad):
    """A fresh ember-owned (64-byte aligned) tensor holding arr converted to dtype."""
    t = _C.empty(tuple(arr.shape), dtype=dtype)
    if t.numel():
        np.copyto(t.numpy(), arr, casting="unsafe")
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(data, dtype=None, device=None, requires_grad=False):
    """Constructs a tensor holding a copy of data (nested lists, scalars, NumPy arrays,
    ember tensors, or anything with __array__).

    Without dtype, like PyTorch: Python floats -> float32, ints -> int64, bools -> bool;
    NumPy arrays keep float64/float32/int64/bool, other integer types become int64 and
    float16 becomes float32. Complex, string and object data raise TypeError; ragged
    nested lists raise ValueError.
    """
    dtype = _as_dtype(dtype, "tensor")
    if device is not None and str(device) != "cpu":
        raise RuntimeError(f"[cuda] ember was built without CUDA; cannot create a tensor on {device}")
    if isinstance(data, Tensor):
        arr = data.detach().numpy()
        inferred = data.dtype
    else:
        python_data = not isinstance(data, (np.ndarray, np.generic)) and not hasattr(data, "__array__")
        try:
            arr = np.asarray(data)
        except ValueError as e:
            raise ValueError(f"[tensor] expected a rectangular nested sequence of numbers "
                             f"(not ragged): {e}") from None
        if python_data and arr.dtype.kind == "O" and _is_ragged(data):
            raise ValueError("[tensor] expected a rectangular nested sequence of numbers, got "
                             "sequences of different lengths")
        inferred = _from_numpy_dtype(arr.dtype, "tensor", python_data=python_data)
    return _copy_into_new(arr, dtype or inferred, requires_grad)


def _is_ragged(data):
    if not isinstance(data, (list, tuple)):
        return False
    lengths = {len(x) if isinstance(x, (list, tuple)) else -1 for x in data}
    return len(lengths) > 1 or any(_is_ragged(x) for x in data)


def as_tensor(data, dtype=None, device=None):
    """Like tensor(), but shares memory when it can: an ember tensor of the right dtype is
    returned as is, and a writeable NumPy array of a supported dtype is wrapped zero-copy."""
    dtype = _as_dtype(dtype, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None or dtype == data.dtype else data.to(dtype)
    if (isinstance(data, np.ndarray) and data.dtype in (np.float32, np.float64, np.int64, np.bool_)
            and data.flags.writeable and data.dtype.isnative
            and all(s >= 0 and s % data.itemsize == 0 for s in data.strides)):
        t = _C.from_numpy(data)
        return t if dtype is None or dtype == t.dtype else t.to(dtype)
    return tensor(data, dtype=dtype, device=device)


# ---------------------------------------------------------------- printing

_PRECISION, _THRESHOLD, _EDGEITEMS, _LINEWIDTH = 4, 1000, 3, 80


class _Formatter:
    """Chooses one format for all elements (integer-valued, fixed or scientific) and the
    width to right-align them to, from the (summarised) values, as PyTorch does."""

    def __init__(self, values, floating):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        flat = values.reshape(-1)
        if not floating:
            for v in flat.tolist():
                self.width = max(self.width, len(str(v)))
            return
        finite = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if finite.size == 0:
            return
        mags = np.abs(finite)
        lo, hi = float(mags.min()), float(mags.max())
        vals = finite.tolist()
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if self.int_mode:
            if hi / lo > 1000.0 or hi > 1.0e8:
                self.sci_mode = True
                self.width = max(len(f"{v:.{_PRECISION}e}") for v in vals)
            else:
                self.width = max(len(f"{v:.0f}") + 1 for v in vals)
        elif hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4:
            self.sci_mode = True
            self.width = max(len(f"{v:.{_PRECISION}e}") for v in vals)
        else:
            self.width = max(len(f"{v:.{_PRECISION}f}") for v in vals)

    def format(self, v):
        if not self.floating:
            s = str(v)
        elif self.sci_mode:
            s = f"{v:{self.width}.{_PRECISION}e}"
        elif self.int_mode:
            s = f"{v:.0f}"
            if math.isfinite(v):
                s += "."
        else:
            s = f"{v:.{_PRECISION}f}"
        return " " * (self.width - len(s)) + s


def _summarized(a):
    for axis in range(a.ndim):
        n = a.shape[axis]
        if n > 2 * _EDGEITEMS:
            keep = list(range(_EDGEITEMS)) + list(range(n - _EDGEITEMS, n))
            a = a.take(keep, axis=axis)
    return a


def _vector_str(a, indent, summarize, fmt):
    per_line = max(1, int(math.floor((_LINEWIDTH - indent) / (fmt.width + 2))))
    if summarize and a.shape[0] > 2 * _EDGEITEMS:
        items = ([fmt.format(v) for v in a[:_EDGEITEMS].tolist()] + [" ..."]
                 + [fmt.format(v) for v in a[-_EDGEITEMS:].tolist()])
    else:
        items = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(a, indent, summarize, fmt):
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, fmt)
    n = a.shape[0]
    if summarize and n > 2 * _EDGEITEMS:
        rows = ([_nested_str(a[i], indent + 1, summarize, fmt) for i in range(_EDGEITEMS)] + ["..."]
                + [_nested_str(a[i], indent + 1, summarize, fmt) for i in range(n - _EDGEITEMS, n)])
    else:
        rows = [_nested_str(a[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _data_str(a, indent, floating):
    summarize = a.size > _THRESHOLD
    fmt = _Formatter(_summarized(a) if summarize else a, floating)
    return _nested_str(a, indent, summarize, fmt)


def _repr(self):
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    dt = self.dtype
    if self.numel() == 0:
        if self.dim() != 1:
            suffixes.append("size=" + str(tuple(self.shape)))
        if dt != _dtype.float32:  # nothing to infer the dtype from
            suffixes.append(f"dtype={dt}")
        body = "[]"
    else:
        if dt not in (_dtype.float32, _dtype.int64, _dtype.bool):
            suffixes.append(f"dtype={dt}")
        body = _data_str(self.detach().numpy(), indent, dt.is_floating_point)
    if self.grad_fn is not None:
        suffixes.append(f"grad_fn=<{self.grad_fn.name()}>")
    elif self.requires_grad:
        suffixes.append("requires_grad=True")
    out = prefix + body
    parts = [out]
    last = len(out) - out.rfind("\n") + 1
    for s in suffixes:
        if last + len(s) + 2 > _LINEWIDTH:
            parts.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            parts.append(", " + s)
            last += len(s) + 2
    parts.append(")")
    return "".join(parts)


# ---------------------------------------------------------------- Python values

def _tolist(self):
    """Nested Python lists of Python numbers (a plain number for a 0-d tensor)."""
    return self.detach().numpy().tolist()


def _item(self):
    """The value of a one-element tensor as a Python number."""
    n = self.numel()
    if n != 1:
        raise RuntimeError(f"[item] a tensor with {n} elements cannot be converted to a Python "
                           "number; expected exactly one element")
    return self.detach().numpy().reshape(-1)[0].item()


def _one_value(self, op):
    if self.numel() != 1:
        raise ValueError(f"[{op}] only one-element tensors can be converted to Python scalars, "
                         f"got shape {tuple(self.shape)}")
    return self.detach().numpy().reshape(-1)[0].item()


def _bool(self):
    if self.numel() != 1:
        raise RuntimeError(f"[bool] the truth value of a tensor with {self.numel()} elements is "
                           "ambiguous; use .any() or .all()")
    return builtins.bool(self.detach().numpy().reshape(-1)[0])


def _index(self):
    if self.dtype not in (_dtype.int64, _dtype.bool) or self.numel() != 1:
        raise TypeError("[__index__] only integer tensors of a single element can be converted "
                        f"to an index, got dtype {self.dtype!r} and shape {tuple(self.shape)}")
    return builtins.int(self.detach().numpy().reshape(-1)[0])


def _len(self):
    if self.dim() == 0:
        raise TypeError("[len] len() of a 0-d tensor")
    return self.shape[0]


def _iter(self):
    if self.dim() == 0:
        raise TypeError("[iter] iteration over a 0-d tensor")
    # Each row is self[i] (a view sharing memory and autograd history).
    return (self[i] for i in range(self.shape[0]))


def _format(self, spec):
    if self.dim() == 0:
        return self.item().__format__(spec)
    return object.__format__(self, spec)


def _array(self, dtype=None, copy=None):
    """NumPy's __array__ protocol (NumPy 2 signature). Shares memory unless a copy is asked
    for or dtype differs; copy=False with a dtype change raises ValueError."""
    arr = self.numpy()
    if dtype is not None and np.dtype(dtype) != arr.dtype:
        if copy is False:
            raise ValueError(f"[__array__] converting {self.dtype!r} to {np.dtype(dtype)} "
                             "needs a copy, but copy=False")
        return arr.astype(dtype)
    return arr.copy() if copy else arr


_C_numpy = Tensor.numpy


def _numpy(self, *, force=False):
    """A NumPy array sharing this tensor's memory. force=True detaches first (and would
    copy from another device), as in PyTorch."""
    if force:
        return _C_numpy(self.detach())
    return _C_numpy(self)


def _type(self, dtype=None, non_blocking=False, **kwargs):
    """Without dtype: the type name ('ember.FloatTensor', ...). With dtype: to(dtype)."""
    if dtype is None:
        return _TYPE_NAME[self.dtype]
    if isinstance(dtype, str):
        names = {v: k for k, v in _TYPE_NAME.items()}
        if dtype not in names:
            raise ValueError(f"[type] unknown type name {dtype!r}; expected one of {sorted(names)}")
        dtype = names[dtype]
    return self.to(_as_dtype(dtype, "type"))


# ---------------------------------------------------------------- new_* factories

def _new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    return tensor(data, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def _sized(name):
    factory = getattr(_C, name)

    def method(self, *size, dtype=None, device=None, requires_grad=False):
        return factory(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    method.__name__ = "new_" + name
    method.__doc__ = f"ember.{name}(*size) with this tensor's dtype unless dtype is given."
    return method


def _new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    return _C.full(size, fill_value, dtype=dtype or self.dtype, device=device,
                   requires_grad=requires_grad)


def _rebuild(array, requires_grad):
    return tensor(array, requires_grad=requires_grad)


def _reduce_ex(self, protocol):
    # Pickles (and deep copies) the data and requires_grad; not the graph or .grad.
    return (_rebuild, (np.array(self.detach().numpy()), self.requires_grad))


def _deepcopy(self, memo):
    # PyTorch's semantics: a leaf's data, requires_grad, parameter flag and .grad are copied.
    if not self.is_leaf:
        raise RuntimeError("[deepcopy] only tensors created explicitly by the user (graph "
                           "leaves) can be deep-copied; call .detach() first")
    new = self.detach().clone()
    if self._is_parameter:
        new = _C.nn._make_parameter(new, self.requires_grad)
    elif self.requires_grad:
        new.requires_grad_(True)
    memo[id(self)] = new
    if self.grad is not None:
        new.grad = copy.deepcopy(self.grad, memo)
    return new


def _attach():
    methods = {
        "__repr__": _repr,
        "__str__": _repr,
        "__format__": _format,
        "tolist": _tolist,
        "item": _item,
        "__bool__": _bool,
        "__float__": lambda self: builtins.float(_one_value(self, "float")),
        "__int__": lambda self: builtins.int(_one_value(self, "int")),
        "__index__": _index,
        "__len__": _len,
        "__iter__": _iter,
        "__array__": _array,
        "numpy": _numpy,
        "type": _type,
        "new_tensor": _new_tensor,
        "new_zeros": _sized("zeros"),
        "new_ones": _sized("ones"),
        "new_empty": _sized("empty"),
        "new_full": _new_full,
        "__reduce_ex__": _reduce_ex,
        "__deepcopy__": _deepcopy,
    }
    for name, fn in methods.items():
        setattr(Tensor, name, fn)
    # numpy-style comparison aliases, as PyTorch's Tensor has them
    for alias, name in (("greater", "gt"), ("greater_equal", "ge"), ("less", "lt"),
                        ("less_equal", "le"), ("not_equal", "ne")):
        setattr(Tensor, alias, getattr(Tensor, name))
    Tensor.is_nonzero = _bool
    Tensor.is_same_size = lambda self, other: self.shape == other.shape
    Tensor.__array_priority__ = 1000
    Tensor.is_cpu = property(lambda self: self.device == "cpu")


_attach()
