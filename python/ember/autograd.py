"""Autograd front end: grad-mode contexts, backward over several tensors, grad(), Function."""
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


class inference_mode(_GradMode):
    """Like no_grad (ember has no separate inference tensors): inference_mode(False) keeps
    grad mode on. Context manager and decorator."""

    def __init__(self, mode=True):
        self._mode = not mode

    def __call__(self, fn):
        mode = self._mode

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


def _flat_outputs(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Compares backward's gradients of fn at inputs with central finite differences.

    inputs: a tensor or a sequence of tensors; those with requires_grad=True must be
    float64 and are checked. fn returns a tensor or a tuple of tensors. Every output
    element's gradient row is checked (keep sizes small). Returns True, or raises
    (or returns False with raise_exception=False) naming the first mismatch.
    """
    import numpy as np

    from ._C import from_numpy

    inputs = _flat_outputs(inputs)
    diff = [t for t in inputs if t.requires_grad]
    for t in diff:
        if t.dtype != _C.dtype.float64:
            raise TypeError(f"[gradcheck] inputs that require grad must be float64, got {t.dtype}")
    if not diff:
        raise ValueError("[gradcheck] no input requires grad")

    def evaluate():
        with no_grad():
            return [o.detach().numpy().astype(np.float64).ravel().copy()
                    for o in _flat_outputs(fn(*inputs))]

    outputs = _flat_outputs(fn(*inputs))
    for k, out in enumerate(outputs):
        if not out.requires_grad:
            continue
        for j in range(out.numel()):
            onehot = np.zeros(out.shape, dtype=np.float64)
            onehot.reshape(-1)[j] = 1.0
            g_out = from_numpy(onehot.astype(out.detach().numpy().dtype))
            analytic = grad([out], diff, [g_out], retain_graph=True, allow_unused=True)
            for i, t in enumerate(diff):
                a = (np.zeros(t.shape) if analytic[i] is None
                     else analytic[i].detach().numpy().reshape(t.shape))
                data = t.detach().numpy()  # shares memory with t: perturb in place
                flat = data.reshape(-1)
                if flat.size and not np.shares_memory(flat, data):
                    raise ValueError("[gradcheck] inputs that require grad must be contiguous")
                num = np.zeros(t.numel())
                for e in range(t.numel()):
                    orig = flat[e]
                    flat[e] = orig + eps
                    plus = evaluate()[k][j]
                    flat[e] = orig - eps
                    minus = evaluate()[k][j]
                    flat[e] = orig
                    num[e] = (plus - minus) / (2 * eps)
                a = a.reshape(-1)
                if not np.allclose(a, num, atol=atol, rtol=rtol):
                    bad = int(np.argmax(np.abs(a - num)))
                    msg = (f"[gradcheck] gradient mismatch for output {k} element {j} w.r.t. "
                           f"input {i} element {bad}: analytic {a[bad]:.8g}, numerical "
                           f"{num[bad]:.8g}")
                    if raise_exception:
                        raise AssertionError(msg)
                    return False
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True):
    """Checks second derivatives like torch.autograd.gradgradcheck: gradcheck of the map
    (inputs, grad_outputs) -> gradients of fn's outputs (computed with create_graph=True).

    grad_outputs: one float64 tensor per output that requires grad; random (seeded) when
    None. Returns True, or raises / returns False as gradcheck does.
    """
    import numpy as np

    from ._C import from_numpy

    inputs = _flat_outputs(inputs)
    outs = [o for o in _flat_outputs(fn(*inputs)) if o.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [from_numpy(rng.standard_normal(o.shape)).requires_grad_(True)
                        for o in outs]
    grad_outputs = _flat_outputs(grad_outputs)
    if len(grad_outputs) != len(outs):
        raise ValueError(f"[gradgradcheck] expected {len(outs)} grad_outputs (one per output "
                         f"that requires grad), got {len(grad_outputs)}")
    n = len(inputs)

    def first_grads(*args):
        xs, vs = args[:n], args[n:]
        with enable_grad():  # also when gradcheck evaluates it under no_grad
            ys = [o for o in _flat_outputs(fn(*xs)) if o.requires_grad]
            wrt = [t for t in xs if t.requires_grad]
            gs = grad(ys, wrt, list(vs), create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grads, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)



from . import _function as function  # noqa: E402  (ember.autograd.function.once_differentiable)
from ._function import Function, FunctionCtx, once_differentiable  # noqa: E402,F401
