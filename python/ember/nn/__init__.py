"""ember.nn: modules (layers) and their base class.

``Module`` is the C++ base class of every layer (ember._C.nn.Module); Python models
subclass it exactly like torch.nn.Module. Standard layers are implemented in C++ and
re-exported here.
"""
from .._C.nn import Module, Sequential, ModuleList, ModuleDict  # noqa: F401
from .._C.nn import Identity, Flatten, Unflatten  # noqa: F401
from .parameter import Parameter  # noqa: F401

__all__ = ["Module", "Parameter", "Sequential", "ModuleList", "ModuleDict", "Identity",
           "Flatten", "Unflatten"]
