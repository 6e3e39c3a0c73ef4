"""ember: a small, fast deep-learning core with a PyTorch-shaped API.

Tensors, autograd and layers are implemented in C++ (ember._C); this package re-exports
them and adds the Python conveniences (tensor construction, repr, grad-mode contexts).

Random numbers: ember's generator is Philox4x32-10 (counter based). Element i of a
random fill draws from counter offset + i / 4 (i / 2 for 64-bit values), so a seed
(ember.manual_seed) gives the same values for any thread count; the streams differ from
PyTorch's.
"""
import builtins as _builtins

from . import _C
from ._C import Tensor, from_numpy, get_num_threads, set_num_threads, config
from ._C import dtype

bool = dtype.bool  # noqa: A001 - mirrors torch.bool
int64 = dtype.int64
long = dtype.int64
float32 = dtype.float32
float = dtype.float32  # noqa: A001 - mirrors torch.float
float64 = dtype.float64
double = dtype.float64

from ._C import *  # noqa: E402,F401,F403 - ops bound in C++
from ._tensor import tensor, as_tensor  # noqa: E402 - also attaches Tensor's Python methods
from .autograd import no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode  # noqa: E402,E501
from . import autograd  # noqa: E402

__version__ = _C.config()["version"]


def is_tensor(obj):
    """True when obj is an ember.Tensor."""
    return isinstance(obj, Tensor)


def numel(input):
    """Number of elements of input."""
    return input.numel()


def get_default_dtype():
    """The dtype of floating factories without dtype (float32; fixed in this build)."""
    return dtype.float32


def set_default_dtype(d):
    """Only float32 is supported as the default floating dtype in this build."""
    if d != dtype.float32:
        raise NotImplementedError(f"[set_default_dtype] ember's default dtype is fixed to "
                                  f"float32, got {d!r}")


def is_floating_point(input):
    """True when input's dtype is float32 or float64."""
    return input.dtype.is_floating_point


def is_nonzero(input):
    """The truth value of a one-element tensor."""
    return _builtins.bool(input)


def is_same_size(input, other):
    """True when input and other have the same shape."""
    return input.shape == other.shape


# numpy-style comparison aliases PyTorch has (Tensor methods of the same names: _tensor.py).
greater = _C.gt
greater_equal = _C.ge
less = _C.lt
less_equal = _C.le
not_equal = _C.ne


# Subpackages (these replace the bare C++ submodules that the star import brought in).
from .serialization import save, load  # noqa: E402
import ember.nn as nn  # noqa: E402 - the Python package (replaces ember._C.nn from the star import)
from . import optim  # noqa: E402 - the Python package (replaces ember._C.optim)
from . import utils  # noqa: E402
import ember.linalg as linalg  # noqa: E402 - the Python module (replaces ember._C.linalg)
import ember.special as special  # noqa: E402 - the Python module (replaces ember._C.special)
from ._paths import cmake_dir, include_dir, lib_dir  # noqa: E402,F401
