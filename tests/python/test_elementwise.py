"""Elementwise ops: forward vs NumPy, type promotion and parity with PyTorch, gradients
(finite differences and torch), in-place semantics, operators, bad input, determinism."""
import math

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck
from utils import randn, same_for_threads, tensor, to_np

RNG = np.random.default_rng(1234)

# ----------------------------------------------------------------------------- helpers


def erf64(x):
    return np.vectorize(math.erf)(np.asarray(x, dtype=np.float64))


def gelu64(x):
    x = np.asarray(x, dtype=np.float64)
    return x * 0.5 * np.vectorize(math.erfc)(-x / math.sqrt(2.0))


def gelu_tanh64(x):
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def softplus64(x, beta=1.0, threshold=20.0):
    x = np.asarray(x, dtype=np.float64)
    return np.where(beta * x > threshold, x, np.log1p(np.exp(beta * x)) / beta)


def sigmoid64(x):
    x = np.asarray(x, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -x))


UNARY = {  # name: (float64 reference, input domain)
    "exp": (np.exp, (-80, 80)),
    "log": (np.log, (1e-6, 1e6)),
    "sqrt": (np.sqrt, (0, 1e4)),
    "rsqrt": (lambda x: 1 / np.sqrt(x), (1e-4, 1e4)),
    "sin": (np.sin, (-10, 10)),
    "cos": (np.cos, (-10, 10)),
    "tanh": (np.tanh, (-12, 12)),
    "sigmoid": (sigmoid64, (-30, 30)),
    "erf": (erf64, (-5, 5)),
    "relu": (lambda x: np.maximum(x, 0), (-5, 5)),
    "gelu": (gelu64, (-12, 12)),
    "silu": (lambda x: x * sigmoid64(x), (-30, 30)),
    "softplus": (softplus64, (-30, 40)),
    "abs": (np.abs, (-5, 5)),
    "neg": (np.negative, (-5, 5)),
    "sign": (np.sign, (-5, 5)),
}


def sample(lo, hi, n=3000):
    x = RNG.uniform(lo, hi, size=n)
    if lo < 0 < hi:
        x[:5] = [0.0, -0.0, 1e-7, -1e-7, 0.5]
    return x.astype(np.float32)


# ----------------------------------------------------------------------------- forward


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_forward_float32_vs_float64_reference(name):
    ref, (lo, hi) = UNARY[name]
    x = sample(lo, hi)
    got = to_np(getattr(ember, name)(tensor(x)))
    assert got.dtype == np.float32
    want = ref(x.astype(np.float64))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # method form on a non-contiguous input (transposed NumPy view): same values as the
    # contiguous copy, bit for bit; then float64
    xt = x.reshape(60, 50).T
    tt = ember.from_numpy(xt)
    assert not tt.is_contiguous()
    got_t = to_np(getattr(tt, name)())
    np.testing.assert_array_equal(got_t, to_np(getattr(ember, name)(tensor(np.ascontiguousarray(xt)))))
    got64 = to_np(getattr(ember, name)(tensor(x.astype(np.float64))))
    np.testing.assert_allclose(got64, want, rtol=1e-12, atol=1e-300)


def test_gelu_tanh_and_softplus_params():
    x = sample(-12, 12)
    np.testing.assert_allclose(to_np(ember.gelu(tensor(x), approximate="tanh")),
                               gelu_tanh64(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(to_np(ember.softplus(tensor(x), beta=2, threshold=5)),
                               softplus64(x, 2.0, 5.0), rtol=1e-5, atol=1e-6)


def test_edge_values():
    inf, nan = float("inf"), float("nan")
    x = tensor(np.array([0.0, -0.0, inf, -inf, nan, 100.0, -100.0, 50.0, -50.0], np.float32))
    np.testing.assert_array_equal(to_np(ember.sigmoid(x))[[2, 3, 5, 6]], [1, 0, 1, 0])
    np.testing.assert_array_equal(to_np(ember.tanh(x))[[0, 2, 3, 7, 8]], [0, 1, -1, 1, -1])
    e = to_np(ember.exp(x))
    assert e[2] == inf and e[3] == 0 and e[5] == inf and e[6] == 0 and e[0] == 1
    assert np.isnan(e[4]) and np.isnan(to_np(ember.tanh(x))[4]) and np.isnan(to_np(ember.sigmoid(x))[4])
    lg = to_np(ember.log(tensor(np.array([0.0, -1.0, inf, 1.0], np.float32))))
    assert lg[0] == -inf and np.isnan(lg[1]) and lg[2] == inf and lg[3] == 0
    sp = to_np(ember.softplus(x))
    assert sp[5] == 100.0 and sp[2] == inf and sp[6] == 0.0
    g = to_np(ember.gelu(x))
    assert g[2] == inf and g[5] == 100.0 and g[6] == 0.0 and np.isnan(g[4])
    r = to_np(ember.relu(x))
    assert np.isnan(r[4]) and r[3] == 0 and r[2] == inf
    assert to_np(ember.erf(x))[2] == 1 and to_np(ember.erf(x))[3] == -1


BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
    "maximum": np.maximum, "minimum": np.minimum, "pow": np.power,
    "eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
    "gt": np.greater, "ge": np.greater_equal,
}
SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (3,)), ((5,), ()),
          ((0, 3), (3,)), ((4, 1), (1, 5))]


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("sa,sb", SHAPES)
def test_binary_forward_broadcast(name, sa, sb):
    a = RNG.uniform(0.5, 2.0, size=sa).astype(np.float32)
    b = RNG.uniform(0.5, 2.0, size=sb).astype(np.float32)
    if b.size > 1:
        b.reshape(-1)[0] = a.reshape(-1)[0] if a.size else 1.0  # a tie for comparisons
    got = to_np(getattr(ember, name)(tensor(a), tensor(b)))
    want = BINARY[name](a, b)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_binary_noncontiguous_and_scalar_operands():
    a = RNG.standard_normal((40, 30)).astype(np.float32)
    b = RNG.standard_normal((30, 40)).astype(np.float32)
    ta, tb = ember.from_numpy(a), ember.from_numpy(b.T)  # tb is a transposed view
    assert not tb.is_contiguous()
    np.testing.assert_array_equal(to_np(ta + tb), a + b.T)
    np.testing.assert_array_equal(to_np(ta * 2.5), a * np.float32(2.5))
    np.testing.assert_array_equal(to_np(2.5 - ta), np.float32(2.5) - a)
    np.testing.assert_allclose(to_np(1 / tb), 1 / b.T, rtol=1e-6)
    np.testing.assert_allclose(to_np(ember.maximum(tb, ta)), np.maximum(b.T, a))


def test_nan_propagation_maximum_minimum_clamp():
    a = tensor(np.array([np.nan, 1.0, 2.0], np.float32))
    b = tensor(np.array([0.0, np.nan, 1.0], np.float32))
    assert np.isnan(to_np(ember.maximum(a, b))[:2]).all() and to_np(ember.maximum(a, b))[2] == 2
    assert np.isnan(to_np(ember.minimum(a, b))[:2]).all() and to_np(ember.minimum(a, b))[2] == 1
    c = to_np(ember.clamp(a, 0.0, 1.5))
    assert np.isnan(c[0]) and c[1] == 1 and c[2] == 1.5


def test_comparisons_with_scalars_are_bool_and_not_differentiable():
    x = randn(3, 4, requires_grad=True)
    for op, ref in [("eq", np.equal), ("lt", np.less), ("ge", np.greater_equal)]:
        out = getattr(ember, op)(x, 0.0)
        assert out.dtype == ember.bool and not out.requires_grad
        np.testing.assert_array_equal(to_np(out), ref(to_np(x), 0.0))
    i = tensor(np.array([1, 2, 3]))
    np.testing.assert_array_equal(to_np(i == 2), [False, True, False])
    np.testing.assert_array_equal(to_np(i < 2.5), [True, True, False])


def test_logical_and_bitwise():
    a = np.array([True, False, True, False])
    b = np.array([True, True, False, False])
    ta, tb = tensor(a), tensor(b)
    np.testing.assert_array_equal(to_np(ember.logical_and(ta, tb)), a & b)
    np.testing.assert_array_equal(to_np(ember.logical_or(ta, tb)), a | b)
    np.testing.assert_array_equal(to_np(ember.logical_xor(ta, tb)), a ^ b)
    np.testing.assert_array_equal(to_np(ember.logical_not(tensor(np.array([0.0, 2.0])))), [True, False])
    np.testing.assert_array_equal(to_np(ta & tb), a & b)
    np.testing.assert_array_equal(to_np(ta | tb), a | b)
    np.testing.assert_array_equal(to_np(ta ^ tb), a ^ b)
    np.testing.assert_array_equal(to_np(~ta), ~a)
    i = np.array([5, -3, 12])
    np.testing.assert_array_equal(to_np(tensor(i) & 6), i & 6)
    np.testing.assert_array_equal(to_np(~tensor(i)), ~i)


def test_zero_dim_and_empty():
    s = tensor(np.array(2.0, np.float32))
    out = ember.exp(s)
    assert out.shape == () and abs(to_np(out) - math.exp(2)) < 1e-5
    e = tensor(np.zeros((0, 4), np.float32))
    assert ember.gelu(e).shape == (0, 4) and (e + 1).shape == (0, 4)
    assert (e + tensor(np.ones(4, np.float32))).shape == (0, 4)


# ----------------------------------------------------------------------------- promotion


def test_type_promotion_table():
    torch = pytest.importorskip("torch")
    samples = {
        "i64": np.array([1, -2, 3], np.int64),
        "f32": np.array([0.5, 1.5, -2.0], np.float32),
        "f64": np.array([0.25, 2.0, 3.0], np.float64),
        "b": np.array([True, False, True]),
        "f64_0d": np.array(2.0, np.float64),
        "i64_0d": np.array(3, np.int64),
        "f32_0d": np.array(1.5, np.float32),
    }
    operands = list(samples.items()) + [("int", 2), ("float", 1.5), ("bool", True)]
    for op in ["add", "mul", "div", "maximum", "eq", "sub"]:
        for na, a in samples.items():
            for nb, b in operands:
                if op == "maximum" and not isinstance(b, np.ndarray):
                    continue
                ea = tensor(a)
                eb = tensor(b) if isinstance(b, np.ndarray) else b
                tb = torch.from_numpy(b) if isinstance(b, np.ndarray) else b
                try:
                    want = getattr(torch, op)(torch.from_numpy(a), tb)
                except (RuntimeError, TypeError):
                    with pytest.raises((TypeError, RuntimeError, ValueError)):
                        getattr(ember, op)(ea, eb)
                    continue
                got = getattr(ember, op)(ea, eb)
                assert str(got.dtype).split(".")[1] == str(want.dtype).split(".")[1], (op, na, nb)
                np.testing.assert_allclose(to_np(got).astype(np.float64),
                                           want.numpy().astype(np.float64), rtol=1e-6)


def test_specific_promotions():
    assert (tensor(np.array([1, 2])) + 1.5).dtype == ember.float32
    assert (tensor(np.array([3, 4])) / tensor(np.array([2, 2]))).dtype == ember.float32
    assert (tensor(np.ones(2, np.float32)) + tensor(np.array(1.0))).dtype == ember.float32
    t = tensor(np.array([True, False])) + tensor(np.array([True, True]))
    assert t.dtype == ember.bool and to_np(t).tolist() == [True, True]
    assert ember.exp(tensor(np.array([0, 1]))).dtype == ember.float32
    assert ember.relu(tensor(np.array([-1, 2]))).dtype == ember.int64
    assert ember.clamp(tensor(np.array([-1, 2])), min=0.5).dtype == ember.float32
    assert ember.where(tensor(np.array([True, False])), 1, 2.5).dtype == ember.float32


def test_div_rounding_modes_vs_torch():
    torch = pytest.importorskip("torch")
    a = np.array([7, -7, 7, -7, 0, 9], np.int64)
    b = np.array([2, 2, -2, -2, 3, 4], np.int64)
    af, bf = a.astype(np.float32) + 0.5, b.astype(np.float32)
    for mode in ["trunc", "floor"]:
        for x, y in [(a, b), (af, bf)]:
            got = ember.div(tensor(x), tensor(y), rounding_mode=mode)
            want = torch.div(torch.from_numpy(x), torch.from_numpy(y), rounding_mode=mode)
            assert str(got.dtype).split(".")[1] == str(want.dtype).split(".")[1]
            np.testing.assert_array_equal(to_np(got), want.numpy())
    np.testing.assert_array_equal(to_np(tensor(a) // 3), a // 3)
    fz = to_np(ember.div(tensor(np.array([1.0, -1.0, 0.0], np.float32)), 0.0, rounding_mode="floor"))
    assert fz[0] == np.inf and fz[1] == -np.inf and np.isnan(fz[2])


def test_integer_division_by_zero_raises_not_traps():
    a = tensor(np.array([1, 2, 3]))
    z = tensor(np.array([1, 0, 1]))
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        ember.div(a, z, rounding_mode="floor")
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        a // 0
    got = to_np(a / z)  # true division: float, like PyTorch
    assert got[1] == np.inf
    big = tensor(np.array([np.iinfo(np.int64).min]))
    assert to_np(ember.div(big, -1, rounding_mode="trunc"))[0] == np.iinfo(np.int64).min


# ----------------------------------------------------------------------------- gradients


def F(x):
    """ember for ember tensors, torch.nn.functional for torch tensors (no Tensor.gelu there)."""
    if isinstance(x, ember.Tensor):
        return ember
    import torch.nn.functional
    return torch.nn.functional


GRAD_UNARY = {
    "exp": lambda x: x.exp(), "log": lambda x: (x.abs() + 0.5).log(),
    "sqrt": lambda x: (x.abs() + 0.5).sqrt(), "rsqrt": lambda x: (x.abs() + 0.5).rsqrt(),
    "sin": lambda x: x.sin(), "cos": lambda x: x.cos(), "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(), "erf": lambda x: x.erf(), "relu": lambda x: x.relu(),
    "gelu": lambda x: F(x).gelu(x), "gelu_tanh": lambda x: F(x).gelu(x, approximate="tanh"),
    "silu": lambda x: F(x).silu(x), "softplus": lambda x: F(x).softplus(x, beta=2, threshold=3),
    "abs": lambda x: x.abs(), "neg": lambda x: -x, "sign": lambda x: x.sign() * x,
}


@pytest.mark.parametrize("name", sorted(GRAD_UNARY))
def test_gradcheck_unary(name):
    x = randn(2, 3, seed=3, requires_grad=True)
    assert gradcheck(GRAD_UNARY[name], [x])


@pytest.mark.parametrize("name", sorted(GRAD_UNARY))
def test_unary_torch_parity_forward_and_grad(name):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((4, 5)).astype(np.float32) * 3
    x[0, 0] = 1.5  # softplus threshold region (beta 2, threshold 3)
    ex = tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    eo, to = GRAD_UNARY[name](ex), GRAD_UNARY[name](tx)
    np.testing.assert_allclose(to_np(eo), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = RNG.standard_normal((4, 5)).astype(np.float32)
    eo.backward(tensor(g))
    to.backward(torch.tensor(g))
    np.testing.assert_allclose(to_np(ex.grad), tx.grad.numpy(), rtol=1e-5, atol=1e-5)


GRAD_BINARY = {
    "add_alpha": lambda a, b: ember.add(a, b, alpha=2.5) if isinstance(a, ember.Tensor) else a.add(b, alpha=2.5),
    "sub_alpha": lambda a, b: a.sub(b, alpha=0.5),
    "mul": lambda a, b: a * b, "div": lambda a, b: a / (b.abs() + 0.5),
    "pow": lambda a, b: (a.abs() + 0.5) ** b, "maximum": lambda a, b: a.maximum(b),
    "minimum": lambda a, b: a.minimum(b), "where": lambda a, b: (a.where(a > b, b)),
    "clamp_t": lambda a, b: a.clamp(min=b, max=b + 0.5),
    "rsub": lambda a, b: 2 - a * b, "rdiv": lambda a, b: 1.5 / (a.abs() + 1) + b,
    "rpow": lambda a, b: 2 ** a + b, "pow_scalar": lambda a, b: a ** 3 + b ** 0.5 * 0 + b,
}


@pytest.mark.parametrize("name", sorted(GRAD_BINARY))
def test_gradcheck_binary_broadcast(name):
    a = randn(3, 4, seed=5, requires_grad=True)
    b = randn(4, seed=6, requires_grad=True)
    fn = GRAD_BINARY[name]
    if name == "pow_scalar":
        b = tensor(np.abs(to_np(b)) + 0.5, requires_grad=True)
    assert gradcheck(fn, [a, b])


@pytest.mark.parametrize("name", sorted(GRAD_BINARY))
def test_binary_torch_parity_with_ties(name):
    torch = pytest.importorskip("torch")
    a = RNG.standard_normal((3, 4)).astype(np.float32)
    b = RNG.standard_normal((4,)).astype(np.float32)
    a[0] = b  # exact ties (maximum/minimum split, clamp boundary, where)
    if name == "pow_scalar":
        b = np.abs(b) + 0.5
    ea, eb = tensor(a, True), tensor(b, True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    eo, to = GRAD_BINARY[name](ea, eb), GRAD_BINARY[name](ta, tb)
    np.testing.assert_allclose(to_np(eo), to.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = RNG.standard_normal(to.shape).astype(np.float32)
    eo.backward(tensor(g))
    to.backward(torch.tensor(g))
    np.testing.assert_allclose(to_np(ea.grad), ta.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_np(eb.grad), tb.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_pow_exponent_grad_at_zero_base_and_scalar_forms():
    torch = pytest.importorskip("torch")
    a = np.array([0.0, 0.0, 2.0, 3.0])
    b = np.array([2.0, 0.0, 0.0, -1.0])
    ea, eb = tensor(a, True), tensor(b, True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    (ea ** eb).backward(tensor(np.ones(4)))
    (ta ** tb).backward(torch.ones(4, dtype=torch.float64))
    np.testing.assert_allclose(to_np(ea.grad), ta.grad.numpy())
    np.testing.assert_allclose(to_np(eb.grad), tb.grad.numpy())
    i = tensor(np.array([2, 3, -2]))
    np.testing.assert_array_equal(to_np(i ** 3), [8, 27, -8])
    assert (i ** 3).dtype == ember.int64 and (i ** 0.5).dtype == ember.float32
    np.testing.assert_array_equal(to_np(2 ** i)[:2], [4, 8])
    with pytest.raises(RuntimeError, match=r"\[pow\]"):
        i ** -1


def test_clamp_scalar_forms_and_grad_at_bounds():
    torch = pytest.importorskip("torch")
    x = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    for kw in [dict(min=-1.0, max=1.0), dict(min=-1.0), dict(max=1.0), dict(min=1.0, max=-1.0)]:
        ex, tx = tensor(x, True), torch.tensor(x, requires_grad=True)
        eo, to = ex.clamp(**kw), tx.clamp(**kw)
        np.testing.assert_array_equal(to_np(eo), to.detach().numpy())
        eo.backward(tensor(np.ones(5)))
        to.backward(torch.ones(5, dtype=torch.float64))
        np.testing.assert_array_equal(to_np(ex.grad), tx.grad.numpy())
    np.testing.assert_array_equal(to_np(ember.clamp_min(tensor(x), 0)), np.maximum(x, 0))
    np.testing.assert_array_equal(to_np(ember.clamp_max(tensor(x), 0)), np.minimum(x, 0))
    np.testing.assert_array_equal(to_np(tensor(np.array([-5, 0, 5])).clamp(-1, 1)), [-1, 0, 1])
    assert gradcheck(lambda t: t.clamp(-0.5, 0.5), [randn(2, 3, seed=9, requires_grad=True)])


def test_where_and_masked_fill_grads_vs_torch():
    torch = pytest.importorskip("torch")
    a = RNG.standard_normal((3, 4))
    m = RNG.standard_normal((4,)) > 0
    v = np.array(0.75)
    ea, ev = tensor(a, True), tensor(v, True)
    ta, tv = torch.tensor(a, requires_grad=True), torch.tensor(v, requires_grad=True)
    eo = ember.masked_fill(ea, tensor(m), ev) * 2
    to = torch.masked_fill(ta, torch.from_numpy(m), tv) * 2
    np.testing.assert_allclose(to_np(eo), to.detach().numpy())
    eo.backward(tensor(np.ones((3, 4))))
    to.backward(torch.ones(3, 4, dtype=torch.float64))
    np.testing.assert_allclose(to_np(ea.grad), ta.grad.numpy())
    np.testing.assert_allclose(to_np(ev.grad), tv.grad.numpy())
    assert gradcheck(lambda x: x.masked_fill(tensor(m), 3.0), [randn(3, 4, requires_grad=True)])
    c = tensor(m)
    np.testing.assert_array_equal(to_np(ember.where(c, 1.0, 0.0)), np.where(m, 1.0, 0.0).astype(np.float32))
    np.testing.assert_array_equal(to_np(ember.where(c, tensor(a), 0)), np.where(m, a, 0))


def test_double_backward_gelu_and_sigmoid():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal(5)
    for f in [lambda t: F(t).gelu(t), lambda t: t.sigmoid() * t, lambda t: t.tanh() ** 2]:
        ex, tx = tensor(x, True), torch.tensor(x, requires_grad=True)
        (eg,) = ember.autograd.grad([f(ex)], [ex], [tensor(np.ones(5))], create_graph=True)
        (tg,) = torch.autograd.grad(f(tx), tx, torch.ones(5, dtype=torch.float64), create_graph=True)
        (egg,) = ember.autograd.grad([eg], [ex], [tensor(np.ones(5))])
        (tgg,) = torch.autograd.grad(tg, tx, torch.ones(5, dtype=torch.float64))
        np.testing.assert_allclose(to_np(egg), tgg.numpy(), rtol=1e-10, atol=1e-12)


def test_mixed_dtype_grads_come_back_in_input_dtype():
    a = randn(3, dtype=np.float32, requires_grad=True)
    b = randn(3, dtype=np.float64, requires_grad=True)
    out = a * b
    assert out.dtype == ember.float64
    out.backward(tensor(np.ones(3)))
    assert a.grad.dtype == ember.float32 and b.grad.dtype == ember.float64


# ----------------------------------------------------------------------------- in place


def test_inplace_values_identity_and_version():
    a = tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    v0 = a._version
    r = a.add_(1)
    assert r is a and a._version > v0
    a.mul_(tensor(np.array([1.0, 2.0, 3.0], np.float32)))
    a.sub_(1, alpha=2)
    a.div_(2)
    np.testing.assert_allclose(to_np(a), ((np.arange(6).reshape(2, 3) + 1) * [1, 2, 3] - 2) / 2)
    ptr = a.data_ptr()
    a += 1
    a -= tensor(np.array(1.0, np.float32))
    a *= 2
    a /= 2
    assert a.data_ptr() == ptr
    for name, ref in [("exp_", np.exp), ("tanh_", np.tanh), ("sigmoid_", sigmoid64), ("relu_", None),
                      ("abs_", np.abs), ("neg_", np.negative), ("sqrt_", None), ("log_", None)]:
        x = RNG.uniform(0.1, 2.0, 5).astype(np.float32)
        t = tensor(x)
        assert getattr(t, name)() is t
        want = ref(x.astype(np.float64)) if ref else getattr(ember, name[:-1])(tensor(x)).numpy()
        np.testing.assert_allclose(to_np(t), want, rtol=1e-6)
    t = tensor(np.array([-2.0, 0.5, 3.0], np.float32))
    t.clamp_(min=-1, max=1)
    np.testing.assert_array_equal(to_np(t), [-1, 0.5, 1])
    t.masked_fill_(tensor(np.array([True, False, False])), 9.0)
    np.testing.assert_array_equal(to_np(t), [9, 0.5, 1])
    t.pow_(2)
    np.testing.assert_array_equal(to_np(t), [81, 0.25, 1])


def test_inplace_integer_and_selection_forms():
    i = tensor(np.array([7, -7, 9]))
    v = i._version
    ptr = i.data_ptr()
    i.div_(2, rounding_mode="floor")
    np.testing.assert_array_equal(to_np(i), [3, -4, 4])
    i.pow_(2)
    np.testing.assert_array_equal(to_np(i), [9, 16, 16])
    i.masked_fill_(tensor(np.array([False, True, False])), -1)
    np.testing.assert_array_equal(to_np(i), [9, -1, 16])
    i.clamp_(0, 10)
    np.testing.assert_array_equal(to_np(i), [9, 0, 10])
    assert i.data_ptr() == ptr and i._version >= v + 4 and i.dtype == ember.int64
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        i.div_(tensor(np.array([1, 0, 1])), rounding_mode="trunc")
    with pytest.raises(TypeError, match=r"\[div_\]"):
        i.div_(2)  # true division gives float, which can't be written into int64
    f = tensor(np.array([[1.0, 2.0], [3.0, 4.0]], np.float32))
    f.masked_fill_(tensor(np.array([True, False])), tensor(np.array(0.5)))
    np.testing.assert_array_equal(to_np(f), [[0.5, 2.0], [0.5, 4.0]])


def test_inplace_on_noncontiguous_view_and_self_overlap():
    base = np.arange(12, dtype=np.float32).reshape(3, 4)
    arr = base.copy()
    t = ember.from_numpy(arr.T)  # a transposed view sharing arr's memory
    t.add_(1)
    np.testing.assert_array_equal(arr, base + 1)
    s = tensor(np.arange(4, dtype=np.float32).reshape(2, 2))
    s.add_(ember.from_numpy(s.numpy().T))  # other overlaps self in another layout
    np.testing.assert_array_equal(to_np(s), np.array([[0, 3], [3, 6]], np.float32))


def test_inplace_errors():
    i = tensor(np.array([1, 2, 3]))
    with pytest.raises(TypeError, match=r"\[add_\]"):
        i.add_(1.5)
    with pytest.raises(TypeError, match=r"\[exp_\]"):
        i.exp_()
    with pytest.raises(ValueError, match=r"\[add_\]"):
        tensor(np.ones(3, np.float32)).add_(tensor(np.ones((2, 3), np.float32)))
    leaf = randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\[mul_\].*leaf"):
        leaf.mul_(2)
    with ember.no_grad():
        leaf.mul_(2)  # allowed without grad mode


def test_inplace_modification_of_saved_tensor_is_detected():
    x = randn(4, requires_grad=True)
    y = x.sigmoid()
    y.mul_(2)
    with pytest.raises(RuntimeError, match="in-place"):
        y.backward(tensor(np.ones(4)))
    x = randn(4, requires_grad=True)
    y = x * 1
    z = y.exp()
    y.add_(1)
    z.backward(tensor(np.ones(4)))  # exp saved its output, not y: still fine
    np.testing.assert_allclose(to_np(x.grad), np.exp(to_np(x)))


def test_inplace_autograd_matches_torch():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal(5)
    w = RNG.standard_normal(5)
    ex, ew = tensor(x, True), tensor(w, True)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    for X, W, lib in [(ex, ew, ember), (tx, tw, torch)]:
        y = X * 1
        y.mul_(W)
        y.add_(W, alpha=2)
        y.clamp_(min=-0.5)
        y.tanh_()
        out = y * 3
        out.backward(lib.ones(5, dtype=lib.float64) if lib is torch else tensor(np.ones(5)))
    np.testing.assert_allclose(to_np(ex.grad), tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(to_np(ew.grad), tw.grad.numpy(), rtol=1e-10)


# ----------------------------------------------------------------------------- operators


def test_python_operators():
    a = np.array([1.5, -2.0, 3.0], np.float32)
    b = np.array([0.5, 4.0, -1.0], np.float32)
    ta, tb = tensor(a), tensor(b)
    np.testing.assert_allclose(to_np(ta + tb), a + b)
    np.testing.assert_allclose(to_np(1 + ta), 1 + a)
    np.testing.assert_allclose(to_np(ta - 1), a - 1)
    np.testing.assert_allclose(to_np(1 - ta), 1 - a)
    np.testing.assert_allclose(to_np(3 * ta), 3 * a)
    np.testing.assert_allclose(to_np(ta / tb), a / b)
    np.testing.assert_allclose(to_np(2 / ta), 2 / a, rtol=1e-6)
    np.testing.assert_allclose(to_np(abs(ta) ** 2), np.abs(a) ** 2)
    np.testing.assert_allclose(to_np(2 ** ta), 2 ** a, rtol=1e-6)
    np.testing.assert_allclose(to_np(-ta), -a)
    assert (+ta) is ta
    np.testing.assert_allclose(to_np(abs(ta)), np.abs(a))
    for op in ["__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"]:
        np.testing.assert_array_equal(to_np(getattr(ta, op)(tb)), getattr(a, op)(b))
        np.testing.assert_array_equal(to_np(getattr(ta, op)(1.5)), getattr(a, op)(1.5))
    assert (ta == None) is False and (ta != "x") is True  # noqa: E711
    with pytest.raises(TypeError):
        ta + "x"


def test_numpy_scalars_are_numbers():
    t = tensor(np.array([1.0, 2.0], np.float32))
    for out in [t * np.float32(2), np.float32(2) * t, t + np.int64(1), np.float64(1) - t]:
        assert isinstance(out, ember.Tensor) and out.dtype == ember.float32
    np.testing.assert_array_equal(to_np(np.float32(2) * t), [2.0, 4.0])
    np.testing.assert_array_equal(to_np(np.float64(1) - t), [0.0, -1.0])


def test_tensors_hash_by_identity():
    a, b = tensor(np.ones(2)), tensor(np.ones(2))
    d = {a: 1, b: 2}
    assert d[a] == 1 and d[b] == 2 and len({a, b, a}) == 2
    assert hash(a) != hash(b)


# ----------------------------------------------------------------------------- bad input


def test_bad_input_messages():
    x = tensor(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"\[add\]"):
        ember.add(x, tensor(np.ones((4,), np.float32)))
    with pytest.raises(ValueError, match=r"\[mul\]"):
        x * tensor(np.ones((3, 2), np.float32))
    with pytest.raises(TypeError, match=r"\[where\].*bool"):
        ember.where(x, x, x)
    with pytest.raises(TypeError, match=r"\[masked_fill\].*bool"):
        x.masked_fill(x, 1.0)
    with pytest.raises(ValueError, match=r"\[masked_fill\]"):
        x.masked_fill(x > 0, tensor(np.ones(2, np.float32)))
    with pytest.raises(ValueError, match=r"\[gelu\]"):
        ember.gelu(x, approximate="fast")
    with pytest.raises(ValueError, match=r"\[div\].*rounding_mode"):
        ember.div(x, x, rounding_mode="round")
    with pytest.raises(ValueError, match=r"\[clamp\]"):
        ember.clamp(x)
    b = tensor(np.array([True, False]))
    with pytest.raises(TypeError, match=r"\[sub\]"):
        b - b
    with pytest.raises(TypeError, match=r"\[neg\]"):
        -b
    with pytest.raises(TypeError, match=r"\[bitwise_and\]"):
        x & x
    with pytest.raises(TypeError, match=r"\[gelu\]"):
        ember.gelu(tensor(np.array([1, 2])))
    with pytest.raises(TypeError, match=r"\[add\]"):
        ember.add(x, "one")
    with pytest.raises(TypeError, match=r"\[add\].*alpha"):
        ember.add(tensor(np.array([1])), tensor(np.array([1])), alpha=0.5)


# ----------------------------------------------------------------------------- threads


def test_same_for_threads_large_inputs():
    x = randn(300, 700, dtype=np.float32, seed=11)
    row = randn(700, dtype=np.float32, seed=12)
    xt = ember.from_numpy(to_np(x).T.copy().T)  # non-contiguous copy
    same_for_threads(lambda: (ember.gelu(x), x + row, ember.exp(xt), ember.sigmoid(x) * 2,
                              ember.maximum(x, row), ember.where(x > 0, x, row), x.softplus()))


def test_equal_and_allclose():
    torch = pytest.importorskip("torch")
    a = np.array([1.0, 2.0, np.inf, -np.inf, np.nan], dtype=np.float32)
    b = a + np.float32(1e-6)
    for x, y in ((a, a), (a, b), (a[:4], b[:4]), (a[:4], a[:4] * 1.01)):
        for kw in ({}, {"equal_nan": True}, {"rtol": 0.02}, {"atol": 1e-3, "rtol": 0.0}):
            assert ember.allclose(ember.from_numpy(x), ember.from_numpy(y), **kw) == \
                torch.allclose(torch.from_numpy(x), torch.from_numpy(y), **kw)
        assert ember.equal(ember.from_numpy(x), ember.from_numpy(y)) == \
            torch.equal(torch.from_numpy(x), torch.from_numpy(y))
    e = ember.ones(2, 3)
    assert e.equal(ember.ones(2, 3)) and not e.equal(ember.ones(3, 2))
    assert e.allclose(ember.ones(3))  # broadcasts
    assert ember.equal(ember.zeros(0), ember.zeros(0))
    with pytest.raises(ValueError, match=r"\[allclose\]"):
        ember.allclose(e, e, rtol=-1.0)
