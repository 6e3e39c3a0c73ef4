"""Autograd front end: grad-mode contexts, backward over several tensors, grad()."""
import functools

from . import _C

is_grad_enabled = _C.is_grad_enabled


class _GradMode:
    """Context manager and decorator that sets grad mode, restoring it on exit."""

    _mode = True

    def __enter__(self):
        self._prev = _C.is_grad_enabled()
        _C._set_grad_enabled(self._mode)
        return self

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Disables graph recording in this thread: ops run without tracking gradients."""

    _mode = False


class enable_grad(_GradMode):
    """Enables graph recording in this thread (inside a no_grad block, for example)."""

    _mode = True


class set_grad_enabled(_GradMode):
    """Sets grad mode to `mode`; usable as a function, a context manager or a decorator."""

    def __init__(self, mode):
        self._prev = _C.is_grad_enabled()
        self._mode = bool(mode)
        _C._set_grad_enabled(self._mode)

    def __enter__(self):
        return self

    def __call__(self, fn):
        mode = self._mode
        _C._set_grad_enabled(self._prev)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


def _as_list(x):
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """Accumulates gradients of `tensors` into the .grad of the leaves they depend on."""
    tensors = _as_list(tensors)
    retain = create_graph if retain_graph is None else retain_graph
    _C._backward(tensors, _as_list(grad_tensors), retain, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Gradients of outputs with respect to inputs (a tuple), leaving .grad untouched."""
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    retain = create_graph if retain_graph is None else retain_graph
    return _C._grad(outputs, inputs, _as_list(grad_outputs), retain, create_graph, allow_unused)
