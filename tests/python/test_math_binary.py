"""Binary maths: atan2, hypot, logaddexp(2), fmod, remainder (and %), copysign, fmax, fmin,
xlogy, float_power, heaviside, gcd, lcm, ldexp, nextafter. Forward against NumPy (float32,
float64, broadcasting, int inputs), float64 gradcheck / gradgradcheck, torch parity for
values and gradients, NaN / inf / -0.0 edge cases, in-place forms, bad input."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from utils import same_for_threads, tensor, to_np


def _away_from_zero(rng, shape, lo=0.5, hi=3.0):
    return rng.uniform(lo, hi, shape) * rng.choice([-1.0, 1.0], shape)


def _xlogy(a, b):
    return np.where(a == 0, 0.0, a * np.log(b))


# name -> (numpy reference, a sampler, b sampler)
DIFFERENTIABLE = {
    "atan2": (np.arctan2, lambda r, s: r.uniform(-3, 3, s), lambda r, s: r.uniform(-3, 3, s)),
    "hypot": (np.hypot, lambda r, s: r.uniform(-3, 3, s), lambda r, s: r.uniform(-3, 3, s)),
    "logaddexp": (np.logaddexp, lambda r, s: r.uniform(-5, 5, s), lambda r, s: r.uniform(-5, 5, s)),
    "logaddexp2": (np.logaddexp2, lambda r, s: r.uniform(-5, 5, s), lambda r, s: r.uniform(-5, 5, s)),
    "fmod": (np.fmod, lambda r, s: r.uniform(-5, 5, s), _away_from_zero),
    "remainder": (np.remainder, lambda r, s: r.uniform(-5, 5, s), _away_from_zero),
    "copysign": (np.copysign, _away_from_zero, _away_from_zero),
    "fmax": (np.fmax, lambda r, s: r.uniform(-3, 3, s), lambda r, s: r.uniform(-3, 3, s)),
    "fmin": (np.fmin, lambda r, s: r.uniform(-3, 3, s), lambda r, s: r.uniform(-3, 3, s)),
    "xlogy": (_xlogy, lambda r, s: r.uniform(-3, 3, s), lambda r, s: r.uniform(0.2, 4, s)),
}
SHAPES = [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 5))]


@pytest.mark.parametrize("name", sorted(DIFFERENTIABLE))
@pytest.mark.parametrize("shapes", SHAPES)
def test_forward_matches_numpy(name, shapes):
    ref, sa, sb = DIFFERENTIABLE[name]
    rng = np.random.default_rng(0)
    a, b = sa(rng, shapes[0]), sb(rng, shapes[1])
    for dtype, rtol in ((np.float64, 1e-12), (np.float32, 2e-6)):
        x, y = a.astype(dtype), b.astype(dtype)
        out = getattr(ember, name)(tensor(x), tensor(y))
        assert out.dtype == tensor(x).dtype
        np.testing.assert_allclose(to_np(out), ref(x, y), rtol=rtol, atol=rtol)
        method = getattr(tensor(x), name)(tensor(y))
        np.testing.assert_allclose(to_np(method), ref(x, y), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("name", sorted(DIFFERENTIABLE))
def test_gradcheck(name):
    _, sa, sb = DIFFERENTIABLE[name]
    rng = np.random.default_rng(1)
    a = tensor(sa(rng, (3, 4)), requires_grad=True)
    b = tensor(sb(rng, (4,)), requires_grad=True)
    fn = getattr(ember, name)
    assert gradcheck(fn, (a, b))
    assert gradgradcheck(fn, (a, b))


@pytest.mark.parametrize("name", sorted(DIFFERENTIABLE))
def test_torch_parity_values_and_grads(name):
    torch = pytest.importorskip("torch")
    _, sa, sb = DIFFERENTIABLE[name]
    rng = np.random.default_rng(2)
    a, b = sa(rng, (2, 3, 4)).astype(np.float32), sb(rng, (3, 1)).astype(np.float32)
    g = rng.standard_normal((2, 3, 4)).astype(np.float32)
    ea, eb = tensor(a, requires_grad=True), tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out, tout = getattr(ember, name)(ea, eb), getattr(torch, name)(ta, tb)
    np.testing.assert_allclose(to_np(out), tout.detach().numpy(), rtol=2e-6, atol=2e-6)
    (out * tensor(g)).sum().backward()
    (tout * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(to_np(ea.grad), ta.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_np(eb.grad), tb.grad.numpy(), rtol=1e-5, atol=1e-5)


EDGE = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.5, -2.0, 3.0])


def _same_specials(actual, expected):
    """NaN, inf and the sign of zeros and infinities exactly; finite values to a few ulp
    (torch's vectorised transcendental kernels may round differently from the C library)."""
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    nan = np.isnan(expected)
    np.testing.assert_array_equal(np.isnan(actual), nan)
    rtol = 1e-6 if actual.dtype == np.float32 else 1e-15
    np.testing.assert_allclose(actual[~nan], expected[~nan], rtol=rtol, atol=0)
    special = ~nan & ((expected == 0) | np.isinf(expected))
    np.testing.assert_array_equal(np.signbit(actual[special]), np.signbit(expected[special]))


@pytest.mark.parametrize("name", ["atan2", "hypot", "logaddexp", "logaddexp2", "fmod", "remainder",
                                  "copysign", "fmax", "fmin", "xlogy", "nextafter"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nan_inf_signed_zero_like_torch(name, dtype):
    torch = pytest.importorskip("torch")
    a = np.repeat(EDGE, EDGE.size).astype(dtype)
    b = np.tile(EDGE, EDGE.size).astype(dtype)
    out = to_np(getattr(ember, name)(tensor(a), tensor(b)))
    expected = getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b)).numpy()
    if name in ("logaddexp", "logaddexp2", "fmax", "fmin"):  # the sign of a zero tie is unspecified
        out, expected = out + 0.0, expected + 0.0
    _same_specials(out, expected)


@pytest.mark.parametrize("name", ["fmod", "remainder"])
def test_modulo_integers_and_scalars(name):
    torch = pytest.importorskip("torch")
    a = np.array([-7, -3, 0, 4, 9, 10], dtype=np.int64)
    b = np.array([3, -2, 5, -4, 4, 3], dtype=np.int64)
    ref = np.fmod if name == "fmod" else np.remainder
    out = getattr(ember, name)(tensor(a), tensor(b))
    assert out.dtype == ember.int64
    np.testing.assert_array_equal(to_np(out), ref(a, b))
    # Scalar other keeps int64; a float scalar promotes to float32 like torch.
    np.testing.assert_array_equal(to_np(getattr(ember, name)(tensor(a), 3)), ref(a, 3))
    f = getattr(ember, name)(tensor(a), 2.5)
    tf = getattr(torch, name)(torch.from_numpy(a), 2.5)
    assert f.dtype == ember.float32 and tf.dtype == torch.float32
    np.testing.assert_allclose(to_np(f), tf.numpy())
    with pytest.raises(RuntimeError, match=rf"\[{name}\] ZeroDivisionError"):
        getattr(ember, name)(tensor(a), tensor(np.array([1, 0, 1, 1, 1, 1])))


def test_remainder_operators_and_scalar_first():
    torch = pytest.importorskip("torch")
    a = np.array([-7.5, -3.0, 0.5, 4.0, 9.25], dtype=np.float32)
    t = tensor(a)
    np.testing.assert_allclose(to_np(t % 2), np.remainder(a, 2))
    np.testing.assert_allclose(to_np(t % tensor(np.float32([2.0]))), np.remainder(a, 2))
    np.testing.assert_allclose(to_np(5 % tensor(np.float32([2.0, -3.0]))), [1.0, -1.0])
    np.testing.assert_allclose(to_np(ember.remainder(5, tensor(np.float32([2.0, -3.0])))),
                               torch.remainder(5, torch.tensor([2.0, -3.0])).numpy())
    ti = tensor(np.array([7, -7]))
    ti %= 3
    np.testing.assert_array_equal(to_np(ti), [1, 2])


def test_integer_promotion_to_float():
    torch = pytest.importorskip("torch")
    a, b = np.array([1, -2, 0, 3]), np.array([2, 2, -1, 0])
    for name in ("atan2", "copysign", "xlogy", "ldexp"):
        out = getattr(ember, name)(tensor(a), tensor(b))
        tout = getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b))
        assert out.dtype == ember.float32 and tout.dtype == torch.float32, name
        np.testing.assert_allclose(to_np(out), tout.numpy(), rtol=1e-6)
    for name in ("fmax", "fmin"):
        out = getattr(ember, name)(tensor(a), tensor(b))
        assert out.dtype == ember.int64
        np.testing.assert_array_equal(to_np(out), getattr(np, name)(a, b))


def test_gcd_lcm():
    torch = pytest.importorskip("torch")
    a = np.array([0, 12, -18, 7, 0, 2 ** 40], dtype=np.int64)
    b = np.array([0, 8, 24, -5, 9, 2 ** 20 * 3], dtype=np.int64)
    np.testing.assert_array_equal(to_np(ember.gcd(tensor(a), tensor(b))), np.gcd(a, b))
    np.testing.assert_array_equal(to_np(ember.lcm(tensor(a), tensor(b))),
                                  torch.lcm(torch.from_numpy(a), torch.from_numpy(b)).numpy())
    t = tensor(a)
    assert t.gcd_(tensor(b)) is t
    np.testing.assert_array_equal(to_np(t), np.gcd(a, b))
    with pytest.raises(TypeError, match=r"\[gcd\] expected integer"):
        ember.gcd(tensor(a.astype(np.float32)), tensor(b))


def test_heaviside():
    torch = pytest.importorskip("torch")
    x = np.array([-1.5, 0.0, -0.0, 2.0, np.nan, np.inf], dtype=np.float32)
    v = np.array([0.5], dtype=np.float32)
    out = ember.heaviside(tensor(x), tensor(v))
    np.testing.assert_array_equal(
        to_np(out), torch.heaviside(torch.from_numpy(x), torch.from_numpy(v)).numpy())
    xi = np.array([-3, 0, 4])
    np.testing.assert_array_equal(to_np(ember.heaviside(tensor(xi), tensor(np.array([7])))), [0, 7, 1])
    with pytest.raises(TypeError, match=r"\[heaviside\] expected input and values of the same dtype"):
        ember.heaviside(tensor(x), tensor(np.array([1])))
    xr = tensor(x[:4], requires_grad=True)
    with pytest.raises(NotImplementedError, match=r"\[heaviside\] the derivative is not implemented"):
        ember.heaviside(xr, tensor(v)).sum().backward()


def test_float_power():
    torch = pytest.importorskip("torch")
    a = np.array([1.5, 2.0, 0.5, 3.0], dtype=np.float32)
    ai = np.array([2, 3, 4, 5])
    for x, e in ((tensor(a), 2), (tensor(ai), -1), (tensor(ai), tensor(a)), (tensor(a), 0.5)):
        out = ember.float_power(x, e)
        tx = torch.from_numpy(to_np(x))
        te = torch.from_numpy(to_np(e)) if isinstance(e, ember.Tensor) else e
        assert out.dtype == ember.float64
        np.testing.assert_allclose(to_np(out), torch.float_power(tx, te).numpy(), rtol=1e-12)
    np.testing.assert_allclose(to_np(ember.float_power(2, tensor(ai))), 2.0 ** ai)
    x = tensor(np.array([1.5, 2.5]), requires_grad=True)
    e = tensor(np.array([0.5, 2.0]), requires_grad=True)
    assert gradcheck(ember.float_power, (x, e))
    t = tensor(np.array([2.0, 3.0]))
    assert t.float_power_(2) is t
    np.testing.assert_allclose(to_np(t), [4.0, 9.0])
    with pytest.raises(TypeError, match=r"\[float_power_\] the base has dtype float32"):
        tensor(a).float_power_(2)


def test_ldexp_and_nextafter():
    torch = pytest.importorskip("torch")
    m = np.array([0.5, -1.25, 3.0], dtype=np.float32)
    e = np.array([3, -2, 10])
    np.testing.assert_allclose(to_np(ember.ldexp(tensor(m), tensor(e))), np.ldexp(m, e))
    mg = tensor(m.astype(np.float64), requires_grad=True)
    assert gradcheck(lambda x: ember.ldexp(x, tensor(e)), (mg,))
    for dtype in (np.float32, np.float64):
        a = np.array([1.0, 0.0, -0.0, 1.0, np.inf], dtype=dtype)
        b = np.array([2.0, 1.0, -1.0, 0.0, 0.0], dtype=dtype)
        np.testing.assert_array_equal(to_np(ember.nextafter(tensor(a), tensor(b))), np.nextafter(a, b))
    with pytest.raises(TypeError, match=r"\[nextafter\] expected floating point tensors"):
        ember.nextafter(tensor(np.array([1])), tensor(np.array([2])))
    tr = torch.tensor([1.0])
    assert torch.nextafter(tr, tr + 1).item() == ember.nextafter(tensor(np.float32([1.0])),
                                                                 tensor(np.float32([2.0]))).item()


@pytest.mark.parametrize("name,other", [("atan2_", "t"), ("arctan2_", "t"), ("hypot_", "t"),
                                        ("fmod_", 1.5), ("remainder_", 1.5), ("copysign_", -1.0),
                                        ("xlogy_", 2.0), ("ldexp_", "t"), ("nextafter_", "t")])
def test_inplace_forms(name, other):
    rng = np.random.default_rng(3)
    a, b = rng.uniform(0.5, 3, (3, 4)), rng.uniform(0.5, 3, (4,))
    o = tensor(b) if other == "t" else other
    t = tensor(a)
    assert getattr(t, name)(o) is t
    np.testing.assert_array_equal(to_np(t), to_np(getattr(ember, name.rstrip("_"))(tensor(a), o)))
    if name == "nextafter_":
        return  # not differentiable (as in torch)
    # autograd through the in-place form
    x = tensor(a, requires_grad=True)
    y = x * 1.0
    getattr(y, name)(o)
    y.sum().backward()
    assert x.grad is not None


def test_aliases_and_methods():
    a, b = tensor(np.array([1.0, -2.0])), tensor(np.array([3.0, 4.0]))
    np.testing.assert_array_equal(to_np(ember.arctan2(a, b)), to_np(ember.atan2(a, b)))
    np.testing.assert_array_equal(to_np(a.arctan2(b)), to_np(ember.atan2(a, b)))
    np.testing.assert_array_equal(to_np(a.xlogy(2)), to_np(ember.xlogy(a, tensor(np.array([2.0])))))
    np.testing.assert_allclose(to_np(ember.xlogy(2, b)), 2 * np.log([3.0, 4.0]))


def test_bad_inputs():
    f, i = tensor(np.ones((2, 3))), tensor(np.ones((2, 3), dtype=np.int64))
    with pytest.raises(TypeError, match=r"\[hypot\] expected floating point tensors"):
        ember.hypot(i, i)
    with pytest.raises(TypeError, match=r"\[logaddexp\] expected floating point tensors"):
        ember.logaddexp(i, i)
    with pytest.raises(ValueError, match=r"\[atan2\]"):
        ember.atan2(f, tensor(np.ones((4,))))
    with pytest.raises(TypeError, match=r"\[atan2_\] result type float32 can't be cast"):
        i.atan2_(i)
    with pytest.raises(TypeError, match=r"\[fmax\] expected numeric tensors, got bool"):
        ember.fmax(tensor(np.array([True])), tensor(np.array([False])))
    with pytest.raises(TypeError):
        ember.atan2(f, 2.0)  # other must be a tensor, as in torch
    with pytest.raises(TypeError, match=r"\[fmod\]"):
        ember.fmod(f, "x")


def test_thread_count_does_not_change_results():
    rng = np.random.default_rng(4)
    a = tensor(rng.uniform(-5, 5, 200_001).astype(np.float32))
    b = tensor(_away_from_zero(rng, (200_001,)).astype(np.float32))
    for name in ("atan2", "logaddexp", "remainder", "xlogy", "fmax"):
        same_for_threads(lambda: getattr(ember, name)(a, b))
