"""copy.deepcopy for modules (installed as ember.nn.Module.__deepcopy__).

A C++ layer is copied by its own class (Module._shallow_copy: same configuration, shared
entries); a Python subclass of ember.nn.Module is rebuilt with cls.__new__ and
Module.__init__. Then, as in PyTorch, every parameter, buffer and child and the instance
__dict__ are deep-copied through the same memo, so tied weights and shared children stay
shared in the copy. Limit: a Python subclass of a C++ layer other than Module (say of
ember.nn.Linear) raises NotImplementedError; hold the layer as a child instead.
"""
import copy

from .. import _C

_NATIVE = _C.nn.Module.__module__  # the module name of every C++ layer class


def _native_base(cls):
    return next(c for c in cls.__mro__ if c.__module__ == _NATIVE)


def _module_deepcopy(self, memo):
    # A parametrized module (nn.utils.parametrize) is copied as its original class and then
    # given a fresh generated class of its own.
    parametrized = type(self).__dict__.get("_ember_original_class")
    cls = parametrized or type(self)
    if cls.__module__ == _NATIVE:
        new = self._shallow_copy()
    elif _native_base(cls) is _C.nn.Module:
        new = cls.__new__(cls)
        _C.nn.Module.__init__(new)
        new._copy_hooks(self)
    else:
        raise NotImplementedError(
            f"[deepcopy] copying {cls.__name__}, a Python subclass of ember.nn."
            f"{_native_base(cls).__name__}, is not supported; subclass ember.nn.Module and "
            "hold the layer as a child instead")
    memo[id(self)] = new
    params, buffers, children = self._own_entries()
    for name, p in params:
        new.register_parameter(name, copy.deepcopy(p, memo))
    for name, b, persistent in buffers:
        new.register_buffer(name, copy.deepcopy(b, memo), persistent)
    for name, c in children:
        new.add_module(name, copy.deepcopy(c, memo))
    new.training = self.training
    for k, v in self.__dict__.items():
        new.__dict__[k] = copy.deepcopy(v, memo)
    if parametrized is not None:
        from .utils.parametrize import _clone_class
        new.__class__ = _clone_class(type(self))
    return new


_C.nn.Module.__deepcopy__ = _module_deepcopy
