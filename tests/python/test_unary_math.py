"""log1p, expm1, log2, log10, tan, atan, asin, acos, sinh, cosh, floor, ceil, round, trunc,
square, reciprocal: forward against NumPy (float32 and float64, integer inputs), float64
gradient checks, torch parity, in-place forms, bad input."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from utils import same_for_threads, tensor, to_np

# name -> (numpy function, domain of the test inputs)
SMOOTH = {
    "log1p": (np.log1p, (-0.9, 3.0)),
    "expm1": (np.expm1, (-3.0, 3.0)),
    "log2": (np.log2, (0.1, 5.0)),
    "log10": (np.log10, (0.1, 5.0)),
    "tan": (np.tan, (-1.2, 1.2)),
    "atan": (np.arctan, (-4.0, 4.0)),
    "asin": (np.arcsin, (-0.95, 0.95)),
    "acos": (np.arccos, (-0.95, 0.95)),
    "sinh": (np.sinh, (-3.0, 3.0)),
    "cosh": (np.cosh, (-3.0, 3.0)),
    "square": (np.square, (-3.0, 3.0)),
    "reciprocal": (np.reciprocal, (0.2, 3.0)),
}


def _inputs(lo, hi, shape=(3, 5), seed=0):
    return np.random.default_rng(seed).uniform(lo, hi, shape)


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_smooth_forward_and_gradients(name):
    fn, (lo, hi) = SMOOTH[name]
    a = _inputs(lo, hi)
    for dtype, rtol in ((np.float64, 1e-12), (np.float32, 2e-6)):
        x = a.astype(dtype)
        out = getattr(ember, name)(tensor(x))
        assert out.dtype == tensor(x).dtype
        np.testing.assert_allclose(to_np(out), fn(x), rtol=rtol, atol=rtol)
        np.testing.assert_allclose(to_np(getattr(tensor(x), name)()), fn(x), rtol=rtol, atol=rtol)
    xg = tensor(a, requires_grad=True)
    assert gradcheck(getattr(ember, name), (xg,))
    assert gradgradcheck(getattr(ember, name), (xg,))


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_smooth_torch_parity(name):
    torch = pytest.importorskip("torch")
    lo, hi = SMOOTH[name][1]
    a = _inputs(lo, hi, seed=1).astype(np.float32)
    g = np.random.default_rng(2).standard_normal(a.shape).astype(np.float32)
    e, t = tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, tout = getattr(ember, name)(e), getattr(torch, name)(t)
    np.testing.assert_allclose(to_np(out), tout.detach().numpy(), rtol=2e-6, atol=1e-6)
    (out * tensor(g)).sum().backward()
    (tout * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(to_np(e.grad), t.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_integer_inputs():
    i = np.array([[1, 2], [3, 9]], dtype=np.int64)
    out = ember.log1p(tensor(i))
    assert out.dtype == ember.float32
    np.testing.assert_allclose(to_np(out), np.log1p(i), rtol=1e-6)
    assert ember.square(tensor(i)).dtype == ember.int64
    np.testing.assert_array_equal(to_np(ember.square(tensor(i))), i * i)
    assert ember.reciprocal(tensor(i)).dtype == ember.float32
    for name in ("floor", "ceil", "round", "trunc"):
        out = getattr(ember, name)(tensor(i))
        assert out.dtype == ember.int64
        np.testing.assert_array_equal(to_np(out), i)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rounding(dtype):
    a = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -1.7, 1.2, 3.999, np.nan, np.inf, -0.0],
                 dtype=dtype)
    for name, ref in (("floor", np.floor), ("ceil", np.ceil), ("trunc", np.trunc),
                      ("round", np.round)):  # np.round is half to even too
        out = to_np(getattr(ember, name)(tensor(a)))
        np.testing.assert_array_equal(out, ref(a))
        assert np.array_equal(np.signbit(out), np.signbit(ref(a)))
    b = np.array([1.2345, -2.5678, 1234.5, 0.125], dtype=dtype)
    np.testing.assert_allclose(to_np(ember.round(tensor(b), decimals=2)), np.round(b, 2), rtol=1e-6)
    np.testing.assert_allclose(to_np(tensor(b).round(decimals=-2)), np.round(b, -2), rtol=1e-6)


def test_rounding_torch_parity_and_zero_gradient():
    torch = pytest.importorskip("torch")
    a = (np.random.default_rng(3).standard_normal(50) * 4).astype(np.float32)
    a[:6] = [0.5, 1.5, 2.5, -0.5, -2.5, 7.0]
    for name in ("floor", "ceil", "round", "trunc"):
        e = tensor(a, requires_grad=True)
        out = getattr(ember, name)(e)
        np.testing.assert_array_equal(to_np(out), getattr(torch, name)(torch.tensor(a)).numpy())
        (out * 3).sum().backward()
        np.testing.assert_array_equal(to_np(e.grad), np.zeros_like(a))
    for d in (1, 3, -1):
        np.testing.assert_array_equal(to_np(ember.round(tensor(a), decimals=d)),
                                      torch.round(torch.tensor(a), decimals=d).numpy())


def test_inplace_forms():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(4).uniform(-0.9, 3, (4, 3)).astype(np.float32)
    for name in ("log1p_", "expm1_", "floor_", "ceil_", "trunc_", "round_"):
        x = tensor(a)
        y = getattr(x, name)()
        assert y is x
        np.testing.assert_allclose(to_np(x), getattr(torch.tensor(a), name)().numpy(), rtol=1e-6)
    # Autograd through an in-place op on a non-leaf.
    e = tensor(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    (e * 2).log1p_().sum().backward()
    (t * 2).log1p_().sum().backward()
    np.testing.assert_allclose(to_np(e.grad), t.grad.numpy(), rtol=1e-6)
    i = tensor(np.array([1, 2]))
    i.floor_()
    with pytest.raises(TypeError, match=r"log1p_"):
        i.log1p_()


def test_bad_input_and_threads():
    with pytest.raises(TypeError):
        ember.log1p(None)
    with pytest.raises(TypeError):
        ember.round(ember.randn(3), decimals=1.5)
    x = ember.randn(200_000)
    same_for_threads(lambda: (ember.floor(x * 3), ember.log1p(x.abs()), ember.round(x, decimals=2)))
