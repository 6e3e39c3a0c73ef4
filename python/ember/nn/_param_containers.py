"""ember.nn.ParameterList / ParameterDict: containers that register their entries as parameters
of themselves (names "0", "1", ... / the dict keys), so the parent sees them in parameters()
and state_dict as "<child>.0" / "<child>.<key>", like PyTorch's.

Written in Python over ember.nn.Module's registry: they hold no maths and no hot loop. As in
PyTorch, a tensor stored in them becomes a Parameter (sharing memory) and any other object is
kept as a plain attribute.
"""
import collections.abc as _abc
from collections import OrderedDict as _OrderedDict

from .. import _C
from .parameter import Parameter


def _as_entry(value):
    if isinstance(value, _C.Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


def _entry_repr(key, value):
    if isinstance(value, _C.Tensor):
        size = "x".join(str(s) for s in value.shape)
        kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
        return f"  ({key}): {kind} containing: [{value.dtype} of size {size}]"
    return f"  ({key}): Object of type: {type(value).__name__}"


class ParameterList(_C.nn.Module):
    """ParameterList(values=None): a list whose tensors are registered as parameters named
    "0", "1", ...; indexing, slicing (a new ParameterList), append, extend, +=, iteration."""

    def __init__(self, values=None):
        super().__init__()
        self._size = 0
        if values is not None:
            self += values

    def _index(self, idx):
        if not isinstance(idx, int) or isinstance(idx, bool):
            raise TypeError(f"[ParameterList] indices must be integers or slices, got "
                            f"{type(idx).__name__}")
        if not -len(self) <= idx < len(self):
            raise IndexError(f"[ParameterList] index {idx} is out of range for a list of "
                             f"{len(self)}")
        return idx % len(self)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return self.__class__(list(self)[idx])
        return getattr(self, str(self._index(idx)))

    def __setitem__(self, idx, param):
        setattr(self, str(self._index(idx)), _as_entry(param))

    def __len__(self):
        return self._size

    def __iter__(self):
        return iter(self[i] for i in range(len(self)))

    def __iadd__(self, parameters):
        return self.extend(parameters)

    def __dir__(self):
        return [k for k in super().__dir__() if not k.isdigit()]

    def append(self, value):
        """Appends value (a tensor becomes a Parameter); returns self."""
        self._size += 1
        setattr(self, str(self._size - 1), _as_entry(value))
        return self

    def extend(self, values):
        """Appends every value of an iterable; returns self."""
        if not isinstance(values, _abc.Iterable) or isinstance(values, _C.Tensor):
            raise TypeError("[ParameterList.extend] expected an iterable of parameters, got "
                            + type(values).__name__)
        for value in values:
            self.append(value)
        return self

    def extra_repr(self):
        return "\n".join(_entry_repr(i, p) for i, p in enumerate(self))

    def __call__(self, *args, **kwargs):
        raise RuntimeError("ParameterList should not be called.")


class ParameterDict(_C.nn.Module):
    """ParameterDict(parameters=None): an ordered dict whose tensors are registered as
    parameters under their (string) keys; the dict methods of PyTorch's ParameterDict."""

    def __init__(self, parameters=None):
        super().__init__()
        self._keys = {}
        if parameters is not None:
            self.update(parameters)

    @staticmethod
    def _check_key(key):
        if not isinstance(key, str):
            raise TypeError("[ParameterDict] keys must be strings, got " + type(key).__name__)
        return key

    def __getitem__(self, key):
        self._check_key(key)
        if key not in self._keys:
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key, value):
        self._check_key(key)
        self._keys[key] = None
        setattr(self, key, _as_entry(value))

    def __delitem__(self, key):
        self._check_key(key)
        del self._keys[key]
        delattr(self, key)

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def __reversed__(self):
        return reversed(list(self._keys))

    def __contains__(self, key):
        return key in self._keys

    def copy(self):
        """A new ParameterDict holding the same parameters (not copies)."""
        return ParameterDict(_OrderedDict((k, self[k]) for k in self._keys))

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def clear(self):
        for k in list(self._keys):
            del self[k]

    def pop(self, key):
        v = self[key]
        del self[key]
        return v

    def popitem(self):
        k = next(reversed(list(self._keys)), None)
        if k is None:
            raise KeyError("popitem(): dictionary is empty")
        return k, self.pop(k)

    def get(self, key, default=None):
        return self[key] if key in self else default

    def fromkeys(self, keys, default=None):
        return ParameterDict((k, default) for k in keys)

    def keys(self):
        return self._keys.keys()

    def items(self):
        return ((k, self[k]) for k in self._keys)

    def values(self):
        return (self[k] for k in self._keys)

    def update(self, parameters):
        """Adds the entries of a mapping (a plain dict in sorted key order, as PyTorch) or of
        an iterable of (key, value) pairs."""
        if not isinstance(parameters, _abc.Iterable):
            raise TypeError("[ParameterDict.update] expected an iterable of key/value pairs, "
                            "got " + type(parameters).__name__)
        if isinstance(parameters, (_OrderedDict, ParameterDict)):
            pairs = list(parameters.items())
        elif isinstance(parameters, _abc.Mapping):
            pairs = sorted(parameters.items())
        else:
            pairs = []
            for j, p in enumerate(parameters):
                if not isinstance(p, _abc.Iterable):
                    raise TypeError(f"[ParameterDict.update] sequence element #{j} should be "
                                    f"Iterable; is {type(p).__name__}")
                p = list(p)
                if len(p) != 2:
                    raise ValueError(f"[ParameterDict.update] sequence element #{j} has length "
                                     f"{len(p)}; 2 is required")
                pairs.append(p)
        for k, v in pairs:
            self[k] = v

    def __or__(self, other):
        out = self.copy()
        out.update(other)
        return out

    def __ror__(self, other):
        out = other.copy()
        out.update(self)
        return out

    def __ior__(self, other):
        self.update(other)
        return self

    def extra_repr(self):
        return "\n".join(_entry_repr(k, p) for k, p in self.items())

    def __call__(self, input):
        raise RuntimeError("ParameterDict should not be called.")
