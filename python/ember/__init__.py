"""ember: a small, fast deep-learning core with a PyTorch-shaped API.

Tensors, autograd and layers are implemented in C++ (ember._C); this package re-exports
them and adds the Python conveniences (tensor construction, repr, grad-mode contexts).
"""
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
from .autograd import no_grad, enable_grad, set_grad_enabled, is_grad_enabled  # noqa: E402
from . import autograd  # noqa: E402

__version__ = _C.config()["version"]
import ember.nn as nn  # noqa: E402 - the Python package (replaces ember._C.nn from the star import)
