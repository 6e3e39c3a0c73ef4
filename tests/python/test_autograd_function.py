"""ember.autograd.Function: custom Python ops with forward/backward, compared with NumPy,
finite differences and torch.autograd.Function; ctx features and bad uses."""
import gc
import weakref

import numpy as np
import pytest

import ember
from ember.autograd import Function, gradcheck, gradgradcheck
from utils import to_np


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * 3 * x * x


class ScaledMul(Function):
    """(a * b * k, a + b) with a non-tensor argument k; saves an output."""

    @staticmethod
    def forward(ctx, a, k, b):
        prod = a * b * k
        ctx.k = k
        ctx.save_for_backward(a, b, prod)
        return prod, a + b

    @staticmethod
    def backward(ctx, g_prod, g_sum):
        a, b, prod = ctx.saved_tensors
        ga = g_prod * b * ctx.k + g_sum if ctx.needs_input_grad[0] else None
        gb = g_prod * a * ctx.k + g_sum if ctx.needs_input_grad[2] else None
        return ga, None, gb


def _f64(*shape, seed=0, grad=True):
    a = np.random.default_rng(seed).standard_normal(shape)
    return ember.from_numpy(a).requires_grad_(grad)


def test_forward_matches_numpy_and_records_a_node():
    x = _f64(3, 4)
    y = Cube.apply(x)
    np.testing.assert_allclose(to_np(y), to_np(x) ** 3)
    assert y.requires_grad and y.grad_fn is not None and "CubeBackward" in repr(y.grad_fn)
    with ember.no_grad():
        assert not Cube.apply(x).requires_grad
    assert not Cube.apply(x.detach()).requires_grad


def test_gradcheck_and_double_backward():
    x = _f64(2, 3)
    assert gradcheck(Cube.apply, (x,))
    assert gradgradcheck(Cube.apply, (x,))
    a, b = _f64(3, seed=1), _f64(3, seed=2)
    assert gradcheck(lambda a, b: ScaledMul.apply(a, 1.5, b), (a, b))
    assert gradgradcheck(lambda a, b: ScaledMul.apply(a, 1.5, b), (a, b))


def test_matches_torch_autograd_function():
    torch = pytest.importorskip("torch")

    class TScaledMul(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, k, b):
            ctx.k = k
            ctx.save_for_backward(a, b)
            return a * b * k, a + b

        @staticmethod
        def backward(ctx, g_prod, g_sum):
            a, b = ctx.saved_tensors
            return g_prod * b * ctx.k + g_sum, None, g_prod * a * ctx.k + g_sum

    an, bn = (np.random.default_rng(s).standard_normal((4, 3)).astype(np.float32) for s in (3, 4))
    ea, eb = ember.from_numpy(an).requires_grad_(), ember.from_numpy(bn).requires_grad_()
    ta, tb = torch.from_numpy(an).requires_grad_(), torch.from_numpy(bn).requires_grad_()
    ep, es = ScaledMul.apply(ea, 2.0, eb)
    tp, ts = TScaledMul.apply(ta, 2.0, tb)
    ((ep * ep).sum() + es.sum()).backward()
    ((tp * tp).sum() + ts.sum()).backward()
    for e, t in ((ep, tp), (es, ts), (ea.grad, ta.grad), (eb.grad, tb.grad)):
        np.testing.assert_allclose(to_np(e), t.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_needs_input_grad_and_unused_outputs_are_materialized():
    a, b = _f64(3, seed=1), _f64(3, seed=2, grad=False)
    seen = {}

    class Spy(ScaledMul):
        @staticmethod
        def backward(ctx, g_prod, g_sum):
            seen["needs"], seen["g_sum"] = ctx.needs_input_grad, g_sum
            return ScaledMul.backward(ctx, g_prod, g_sum)

    prod, _ = Spy.apply(a, 2.0, b)
    prod.sum().backward()
    assert seen["needs"] == (True, False, False)
    np.testing.assert_array_equal(to_np(seen["g_sum"]), np.zeros(3))  # materialized zeros
    np.testing.assert_allclose(to_np(a.grad), 2 * to_np(b))


def test_set_materialize_grads_false_passes_none_for_non_differentiable_outputs():
    seen = []

    class Two(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            idx = x.argmax()
            ctx.mark_non_differentiable(idx)
            return x * 2, idx

        @staticmethod
        def backward(ctx, g2, g_idx):
            seen.append(g_idx)
            return g2 * 2

    x = _f64(2)
    Two.apply(x)[0].sum().backward()
    assert seen == [None]
    np.testing.assert_array_equal(to_np(x.grad), [2.0, 2.0])


def test_setup_context_style_and_non_differentiable_outputs():
    class MaxWithIndex(Function):
        @staticmethod
        def forward(x):
            idx = x.argmax(dim=0)
            return x.max(dim=0).values, idx

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, = inputs
            ctx.mark_non_differentiable(output[1])
            ctx.save_for_backward(output[1])
            ctx.n = x.shape[0]

        @staticmethod
        def backward(ctx, grad, grad_idx):
            idx, = ctx.saved_tensors
            return ember.nn.functional.one_hot(idx, ctx.n).to(grad.dtype) * grad

    x = ember.tensor([1.0, 5.0, 2.0], requires_grad=True)
    v, i = MaxWithIndex.apply(x)
    assert not i.requires_grad and v.requires_grad and int(i) == 1
    v.backward()
    np.testing.assert_array_equal(to_np(x.grad), [0.0, 1.0, 0.0])


def test_input_returned_as_is_becomes_an_alias():
    class Ident(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 10

    x = _f64(3)
    y = Ident.apply(x)
    assert y is not x and y.grad_fn is not None and x.grad_fn is None
    y.sum().backward()
    np.testing.assert_array_equal(to_np(x.grad), [10.0] * 3)


def test_once_differentiable_backward_has_no_graph():
    class Sq(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @ember.autograd.function.once_differentiable
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * x * g

    x = _f64(3)
    g, = ember.autograd.grad(Sq.apply(x).sum(), x, create_graph=True)
    assert not g.requires_grad


def test_bad_backward_results_give_clear_errors():
    def run(result):
        class Bad(Function):
            @staticmethod
            def forward(ctx, x, k):
                return x * k

            @staticmethod
            def backward(ctx, g):
                return result(g)

        Bad.apply(_f64(3), 2.0).sum().backward()

    with pytest.raises(RuntimeError, match=r"\[BadBackward\].*incorrect number of gradients"):
        run(lambda g: g)
    with pytest.raises(RuntimeError, match=r"invalid gradient at index 0 - got \[2\]"):
        run(lambda g: (g[:2], None))
    with pytest.raises(RuntimeError, match="was not a Tensor"):
        run(lambda g: (g, g))
    with pytest.raises(TypeError, match="must return Tensors or None"):
        run(lambda g: (3.0, None))
    run(lambda g: (g, None, None))  # extra trailing Nones are fine, as in torch

    class Raises(Cube):
        @staticmethod
        def backward(ctx, g):
            raise KeyError("inside backward")

    x = _f64(2)
    with pytest.raises(KeyError, match="inside backward"):
        Raises.apply(x).sum().backward()
    Cube.apply(x).sum().backward()  # the engine is still usable


def test_misuse_errors():
    x = _f64(3)
    y = Cube.apply(x)
    x.detach().mul_(2)  # modifies the saved input in place
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()
    with pytest.raises(RuntimeError, match="use|apply"):
        Cube()

    class Dirty(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_dirty(x)
            return x

    with pytest.raises(NotImplementedError, match="mark_dirty"):
        Dirty.apply(_f64(2))

    class SavesNumber(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(3)
            return x

    with pytest.raises(TypeError, match="save_for_backward"):
        SavesNumber.apply(_f64(2))

    class Peeks(Function):
        @staticmethod
        def forward(ctx, x):
            return ctx.saved_tensors

    with pytest.raises(RuntimeError, match="only available inside backward"):
        Peeks.apply(_f64(2))
    with pytest.raises(NotImplementedError, match="backward"):
        class NoBackward(Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2
        NoBackward.apply(_f64(2)).sum().backward()


def test_graph_with_saved_output_is_freed():
    class Marker:
        pass

    markers = []

    class ExpFn(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.marker = Marker()
            markers.append(weakref.ref(ctx.marker))
            ctx.save_for_backward(y)  # an output: kept without a reference cycle
            return y

        @staticmethod
        def backward(ctx, g):
            y, = ctx.saved_tensors
            return g * y

    x = _f64(3)
    y = ExpFn.apply(x)
    y.sum().backward(retain_graph=True)
    np.testing.assert_allclose(to_np(x.grad), np.exp(to_np(x)))
    gc.collect()
    assert markers[0]() is not None  # the graph (and its ctx) lives as long as y
    del y
    gc.collect()
    assert markers[0]() is None
