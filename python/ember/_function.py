"""ember.autograd.Function: custom differentiable operations written in Python, as in PyTorch.

    class Exp(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            y, = ctx.saved_tensors
            return grad * y

    y = Exp.apply(x)

forward runs without recording a graph; apply then adds one node whose backward calls the
class's backward (under create_graph with grad mode on, so a backward written in ember ops
is differentiable again). The torch 2 style (forward without ctx plus setup_context) works
too. Save tensors with ctx.save_for_backward, not as ctx attributes: saved outputs are kept
without a reference cycle and checked for in-place changes. Differentiable outputs that got
no gradient always arrive as zeros (ember's engine materializes them), also after
ctx.set_materialize_grads(False), which only turns the zeros of non-differentiable outputs
into None; a backward that handles None handles zeros too. Not supported: mark_dirty
(in-place functions), jvp / vmap.
"""
import functools

from . import _C
from .autograd import no_grad

_Tensor = _C.Tensor


class FunctionCtx:
    """The ctx passed to forward / setup_context and backward."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self.materialize_grads = True
        self._to_save = ()
        self._non_differentiable = []

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and not isinstance(t, _Tensor):
                raise TypeError("[Function] save_for_backward can only save tensors (or None), "
                                f"got {type(t).__name__}")
        self._to_save = tensors

    @property
    def saved_tensors(self):
        if not hasattr(self, "_saved"):
            raise RuntimeError("[Function] saved_tensors is only available inside backward")
        return self._saved

    def mark_non_differentiable(self, *outputs):
        self._non_differentiable.extend(outputs)

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors):
        raise NotImplementedError("[Function] mark_dirty (custom in-place functions) is not "
                                  "supported by ember; return a new tensor instead")


class Function:
    """Base class of custom autograd functions: define static forward and backward."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("[Function] subclasses must define a static forward()")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("[Function] setup_context is not defined")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("[Function] subclasses must define a static backward() to "
                                  "be differentiated")

    def __init__(self, *args, **kwargs):
        raise RuntimeError("[Function] custom functions are used through their class: call "
                           f"{type(self).__name__}.apply(...), not an instance")

    @classmethod
    def apply(cls, *args, **kwargs):
        needs = tuple(isinstance(a, _Tensor) and a.requires_grad for a in args)
        ctx = FunctionCtx(needs)
        with no_grad():
            if cls.setup_context is not Function.setup_context:
                out = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, out)
            else:
                out = cls.forward(ctx, *args, **kwargs)
        if not (_C.is_grad_enabled() and any(needs)):
            return out
        return _record(cls, ctx, args, out)


def _record(cls, ctx, args, out):
    name = cls.__name__ + "Backward"
    outs = list(out) if isinstance(out, tuple) else [out]
    tensor_args = [i for i, a in enumerate(args) if isinstance(a, _Tensor)]
    for i, o in enumerate(outs):  # an input returned as is becomes a new alias of it
        if isinstance(o, _Tensor) and any(o._is_same(args[j]) for j in tensor_args):
            outs[i] = o.detach()
    non_diff = ctx._non_differentiable
    diff = [i for i, o in enumerate(outs) if isinstance(o, _Tensor) and o.is_floating_point()
            and not any(o._is_same(n) for n in non_diff)]
    out_meta = [(tuple(o.shape), o.dtype) if isinstance(o, _Tensor) else None for o in outs]
    in_meta = [(tuple(a.shape), a.dtype) if isinstance(a, _Tensor) else None for a in args]
    saved, ctx._to_save, ctx._non_differentiable = list(ctx._to_save), (), []
    position = {i: k for k, i in enumerate(diff)}

    def backward(grads, saved_tensors):
        full = []
        for i, meta in enumerate(out_meta):
            g = grads[position[i]] if i in position else None
            if g is None and meta is not None and ctx.materialize_grads:
                g = _C.zeros(meta[0], dtype=meta[1])
            full.append(g)
        ctx._saved = tuple(saved_tensors)
        try:
            result = cls.backward(ctx, *full)
        finally:
            del ctx._saved
        result = result if isinstance(result, tuple) else (result,)
        n = len(args)
        if len(result) < n or any(r is not None for r in result[n:]):
            raise RuntimeError(f"[{name}] backward returned an incorrect number of gradients "
                               f"(expected {n}, got {len(result)})")
        grads_in = []
        for j, (g, meta) in enumerate(zip(result, in_meta)):
            if g is not None and meta is None:
                raise RuntimeError(f"[{name}] backward returned a gradient different than None "
                                   f"at position {j + 1}, but the corresponding forward input "
                                   "was not a Tensor")
            if meta is None:
                continue
            if g is not None and not ctx.needs_input_grad[j]:
                g = None
            if g is not None:
                if not isinstance(g, _Tensor):
                    raise TypeError(f"[{name}] backward must return Tensors or None, got "
                                    f"{type(g).__name__} at position {j + 1}")
                if tuple(g.shape) != meta[0]:
                    raise RuntimeError(f"[{name}] backward returned an invalid gradient at index "
                                       f"{j} - got {list(g.shape)} but expected shape "
                                       f"{list(meta[0])}")
                if g.dtype != meta[1]:
                    g = g.to(meta[1])
            grads_in.append(g)
        return grads_in

    _C._record_function(name, [args[j] for j in tensor_args], [outs[i] for i in diff], saved,
                        backward)
    return tuple(outs) if isinstance(out, tuple) else outs[0]


def once_differentiable(backward):
    """Decorator for a backward that is not differentiable itself: runs it without grad."""
    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with no_grad():
            return backward(ctx, *grads)

    return wrapper
