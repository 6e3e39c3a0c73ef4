"""ember.optim: optimizers with PyTorch's API, implemented once in C++ (ember._C.optim).

SGD, Adam, AdamW, RMSprop, Adagrad, NAdam, RAdam, Adamax, Adadelta, ASGD and Rprop follow torch.optim's single-tensor (foreach=False)
update formulas; ``foreach``/``fused``/``capturable`` are accepted and ignored (every
update is one fused pass per parameter), ``differentiable=True`` raises
NotImplementedError. ``param_groups`` is a list of live dict-like views: assigning
``opt.param_groups[0]['lr'] = x`` takes effect. ``opt.state[p]`` returns a snapshot dict
whose tensors are the live state buffers. Gradient clipping lives in ember.nn.utils
(bound here as ``ember._C.optim._clip_grad_norm_`` / ``_clip_grad_value_``).
LBFGS is written in Python over ember ops (lbfgs.py says why).
"""
from collections.abc import MutableMapping as _MutableMapping

from .._C.optim import SGD, Adam, AdamW, RMSprop, Adagrad, Optimizer, ParamGroup  # noqa: F401
from .._C.optim import NAdam, RAdam, Adamax, Adadelta, ASGD, Rprop  # noqa: F401
from . import lr_scheduler  # noqa: F401
from .lbfgs import LBFGS  # noqa: F401

_MutableMapping.register(ParamGroup)

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "NAdam", "RAdam",
           "Adamax", "Adadelta", "ASGD", "Rprop", "LBFGS", "lr_scheduler"]
