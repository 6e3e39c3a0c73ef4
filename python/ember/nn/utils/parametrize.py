"""ember.nn.utils.parametrize: PyTorch's parametrizations (register_parametrization,
remove_parametrizations, is_parametrized, cached, type_before_parametrizations).

As in PyTorch, the module's class is swapped for a generated subclass with a property per
parametrized tensor (reading it evaluates the parametrization on the originals, kept in
``module.parametrizations[name].original`` / ``original0``, ``original1``, ...), so the
state_dict keys are PyTorch's. ember's C++ layers read their parameters from registry slots,
not Python attributes, so the parameter's slot is removed (out of parameters() and
state_dict) and a forward pre-hook stores the freshly computed tensor in it before every call
(Module._set_removed_parameter); the hook is the one visible difference from PyTorch (it
stays registered, as a no-op, after remove_parametrizations). copy.deepcopy gives the copy
its own generated class (nn/_deepcopy.py). Written in Python: it is plumbing over ember ops.
Limit: only parameters of C++ layers are fed to their forward (a parametrized buffer of a
C++ layer is seen through the attribute only).
"""
import contextlib

from ... import _C
from ..parameter import Parameter

_cache_enabled = 0
_cache = {}


@contextlib.contextmanager
def cached():
    """Within this context, each parametrized tensor is computed once on first access and
    reused (e.g. a weight read in every step of an RNN)."""
    global _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache.clear()


def _no_grad():
    from ... import no_grad
    return no_grad()


def _set_like(original, new):
    """Writes new into original in place when shapes and dtypes allow (keeps optimizer
    references), else returns new as a parameter like original."""
    if tuple(original.shape) == tuple(new.shape) and original.dtype == new.dtype:
        with _no_grad():
            original.copy_(new)
        return original
    return Parameter(new.detach(), original.requires_grad) if isinstance(original, Parameter) else new


def _check_result(op, new, current, hint):
    """A safe parametrization returns a tensor of the tensor's own shape and dtype."""
    if not isinstance(new, _C.Tensor):
        raise ValueError(f"{op} a parametrization must return a tensor, got "
                         f"{type(new).__name__}")
    if tuple(new.shape) != tuple(current.shape) or new.dtype != current.dtype:
        raise ValueError(f"{op} registering a parametrization may not change the shape or "
                         f"dtype of the tensor, got {tuple(current.shape)} -> "
                         f"{tuple(new.shape)}{hint}")


class ParametrizationList(_C.nn.Module):
    """The parametrizations of one tensor, applied in order ("0", "1", ...), and the original
    tensor(s) they act on ("original", or "original0", "original1", ... when the first
    parametrization's right_inverse returns several)."""

    def __init__(self, modules, original, unsafe=False):
        super().__init__()
        if len(modules) == 0:
            raise ValueError("[register_parametrization] ParametrizationList requires one or more "
                             "modules")
        self._n = 0
        self.unsafe = unsafe
        for m in modules:
            self.append(m)
        new = original
        with _no_grad():
            for m in reversed(list(self)):
                if hasattr(m, "right_inverse"):
                    new = m.right_inverse(new)
        if not isinstance(new, _C.Tensor) and not isinstance(new, (tuple, list)):
            raise ValueError("[register_parametrization] 'right_inverse' must return a Tensor or a "
                             f"sequence of tensors, got {type(new).__name__}")
        self.is_tensor = isinstance(new, _C.Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        is_param = isinstance(original, Parameter)
        if self.is_tensor:
            if original.dtype != new.dtype:
                raise ValueError("[register_parametrization] when right_inverse is given it must "
                                 f"keep the dtype: got {original.dtype} and {new.dtype}")
            self._register("original", _set_like(original, new), is_param)
        else:
            for i, t in enumerate(new):
                if not isinstance(t, _C.Tensor):
                    raise ValueError("[register_parametrization] 'right_inverse' must return a "
                                     f"sequence of tensors, got element {i} of type "
                                     f"{type(t).__name__}")
                t = t.detach()
                if is_param:
                    t = Parameter(t, original.requires_grad)
                self._register(f"original{i}", t, is_param)

    def _register(self, name, tensor, as_param):
        if as_param:
            self.register_parameter(name, tensor if isinstance(tensor, Parameter)
                                    else Parameter(tensor))
        else:
            self.register_buffer(name, tensor)

    def append(self, module):
        setattr(self, str(self._n), module)
        self._n += 1

    def __len__(self):
        return self._n

    def __iter__(self):
        return (getattr(self, str(i)) for i in range(self._n))

    def __getitem__(self, i):
        return getattr(self, str(range(self._n)[i]))

    def right_inverse(self, value):
        """Sets the originals so that evaluating the parametrizations gives value."""
        with _no_grad():
            for m in reversed(list(self)):
                if not hasattr(m, "right_inverse"):
                    raise RuntimeError(f"parametrization {type(m).__name__} does not implement "
                                       "right_inverse.")
                value = m.right_inverse(value)
            if self.is_tensor:
                self.original.copy_(value)
            else:
                for i, t in enumerate(value):
                    getattr(self, f"original{i}").copy_(t)

    def evaluate(self):
        """The parametrized tensor: the parametrizations applied to the originals."""
        if self.is_tensor:
            x = self[0](self.original)
        else:
            x = self[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for m in list(self)[1:]:
            x = m(x)
        return x

    def forward(self, *args):
        return self.evaluate()

    def __call__(self, *args):
        return self.evaluate()


def _parametrized_value(module, name):
    plist = module.parametrizations[name]
    if not _cache_enabled:
        return plist.evaluate()
    key = (id(module), name)
    if key not in _cache:
        _cache[key] = plist.evaluate()
    return _cache[key]


def _refresh_slots(module, args):
    # Stores each parametrized tensor where the C++ forward of a built-in layer reads it.
    if not is_parametrized(module):
        return
    for name in list(module.parametrizations.keys()):
        module._set_removed_parameter(name, _parametrized_value(module, name))


def _inject_new_class(module):
    cls = module.__class__

    def __setattr__(self, name, value):
        if name in type(self)._ember_parametrized:
            self.parametrizations[name].right_inverse(value)
        else:
            cls.__setattr__(self, name, value)

    # __slots__ = (): the same instance layout, so __class__ may be reassigned.
    new_cls = type(f"Parametrized{cls.__name__}", (cls,), {
        "__slots__": (), "__setattr__": __setattr__, "_ember_parametrized": set(),
        "_ember_original_class": cls})
    module.__class__ = new_cls


def _clone_class(cls):
    """A fresh generated class like cls (for a copy of a parametrized module)."""
    body = {k: v for k, v in cls.__dict__.items() if k not in ("__dict__", "__weakref__")}
    body["_ember_parametrized"] = set(cls._ember_parametrized)
    return type(cls.__name__, cls.__bases__, body)


def _inject_property(module, name):
    cls = type(module)
    setattr(cls, name, property(lambda self: _parametrized_value(self, name),
                                lambda self, value: self.parametrizations[name].right_inverse(value)))
    cls._ember_parametrized.add(name)


def is_parametrized(module, tensor_name=None):
    """True when module has a parametrization (on tensor_name, when given)."""
    plists = module.__dict__.get("_ember_has_parametrizations") and getattr(
        module, "parametrizations", None)
    if plists is None or not plists:
        return False
    return True if tensor_name is None else tensor_name in plists


def type_before_parametrizations(module):
    """The class of module before any parametrization was registered."""
    cls = type(module)
    return cls._ember_original_class if is_parametrized(module) else cls


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """Makes module.<tensor_name> the output of parametrization(original): the original moves
    to module.parametrizations[tensor_name].original (or original0, original1, ... when
    parametrization.right_inverse returns several tensors). Registering again on the same
    name chains the parametrizations."""
    op = "[register_parametrization]"
    if not isinstance(parametrization, _C.nn.Module):
        raise TypeError(f"{op} expected the parametrization to be an ember.nn.Module, got "
                        f"{type(parametrization).__name__}")
    if is_parametrized(module, tensor_name):
        plist = module.parametrizations[tensor_name]
        if not unsafe:
            current = getattr(module, tensor_name)
            _check_result(op, parametrization(current), current, "")
        plist.append(parametrization)
        plist.unsafe = plist.unsafe or unsafe
        return module
    params = dict(module.named_parameters(recurse=False))
    buffers = dict(module.named_buffers(recurse=False))
    if tensor_name not in params and tensor_name not in buffers:
        raise ValueError(f"{op} module '{type(module).__name__}' has no parameter or buffer "
                         f"with name '{tensor_name}'")
    original = params.get(tensor_name, buffers.get(tensor_name))
    plist = ParametrizationList([parametrization], original, unsafe=unsafe)
    if not unsafe:
        with _no_grad():
            out = plist.evaluate()
        _check_result(op, out, original, " (pass unsafe=True to allow it)")
    delattr(module, tensor_name)
    if not is_parametrized(module):
        module.parametrizations = _C.nn.ModuleDict()
        module.__dict__["_ember_has_parametrizations"] = True
        _inject_new_class(module)
        if not module.__dict__.get("_ember_parametrize_hooked"):
            # Registered once and kept (a no-op while nothing is parametrized), so copies of
            # the module (which copy its hooks) stay consistent without a handle.
            module.register_forward_pre_hook(_refresh_slots)
            module.__dict__["_ember_parametrize_hooked"] = True
    module.parametrizations[tensor_name] = plist
    _inject_property(module, tensor_name)
    return module


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Undoes register_parametrization on tensor_name: the tensor becomes a plain parameter
    (or buffer) again, holding the parametrized value (leave_parametrized=True, written into
    the original when shapes match) or the original."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f"[remove_parametrizations] module {type(module).__name__} does not have "
                         f"a parametrization on {tensor_name}")
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with _no_grad():
                original = _set_like(original, getattr(module, tensor_name))
    else:
        if not leave_parametrized:
            raise ValueError("[remove_parametrizations] cannot leave unparametrized "
                             "(leave_parametrized=False) a tensor that is parametrized in terms "
                             "of a sequence of tensors")
        t = getattr(module, tensor_name)
        original = Parameter(t.detach(), t.requires_grad) if t.requires_grad else t.detach()
    cls = type(module)
    delattr(cls, tensor_name)
    cls._ember_parametrized.discard(tensor_name)
    del module.parametrizations[tensor_name]
    if isinstance(original, Parameter):
        module.register_parameter(tensor_name, original)
    else:
        module.register_buffer(tensor_name, original)
    if not module.parametrizations:
        del module.parametrizations
        del module.__dict__["_ember_has_parametrizations"]
        module.__class__ = cls._ember_original_class
    return module
