"""ember.nn.Parameter: a tensor marked as a module parameter.

PyTorch's Parameter is a Tensor subclass; ember keeps one tensor type and marks parameters
with a flag on the tensor (set here and by C++ register_parameter). ``Parameter(data)``
returns an ember.Tensor that shares memory with ``data`` (a detached leaf) and
``isinstance(t, Parameter)`` checks the flag. Deviation: ``type(p)`` is ember.Tensor.
"""
import numpy as np

from .. import _C


class _ParameterMeta(type):
    def __call__(cls, data=None, requires_grad=True):
        if data is None:
            data = _C.from_numpy(np.empty((0,), dtype=np.float32))
        return _C.nn._make_parameter(data, requires_grad)

    def __instancecheck__(cls, obj):
        return isinstance(obj, _C.Tensor) and obj._is_parameter


class Parameter(metaclass=_ParameterMeta):
    """Parameter(data=None, requires_grad=True): a tensor that modules register as a
    parameter when assigned as an attribute. Shares memory with ``data``."""


def _install_repr():
    # Parameters print as PyTorch's do: "Parameter containing:\n<tensor repr>".
    base = _C.Tensor.__repr__
    if getattr(base, "_ember_parameter_repr", False):
        return

    def __repr__(self):
        text = base(self)
        return "Parameter containing:\n" + text if self._is_parameter else text

    __repr__._ember_parameter_repr = True
    _C.Tensor.__repr__ = __repr__


_install_repr()
