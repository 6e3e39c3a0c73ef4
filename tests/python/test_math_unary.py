"""Unary maths: asinh, acosh, atanh, erfc, erfinv, exp2, lgamma, digamma, polygamma, logit,
sinc, frac, fix, deg2rad, rad2deg, sgn, signbit, i0 and the numpy-style aliases. Forward
against NumPy / math / SciPy (float32, float64, int inputs), float64 gradcheck and
gradgradcheck, torch parity for values and gradients, NaN / inf / pole edge cases,
in-place forms, bad input."""
import math

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from utils import same_for_threads, tensor, to_np

SMOOTH = {
    "asinh": (np.arcsinh, (-3.0, 3.0)),
    "acosh": (np.arccosh, (1.2, 4.0)),
    "atanh": (np.arctanh, (-0.9, 0.9)),
    "erfc": (np.vectorize(math.erfc), (-3.0, 3.0)),
    "exp2": (np.exp2, (-3.0, 3.0)),
    "lgamma": (np.vectorize(math.lgamma), (0.2, 6.0)),
    "sinc": (np.sinc, (-3.0, 3.0)),
    "i0": (np.i0, (-5.0, 5.0)),
    "deg2rad": (np.deg2rad, (-360.0, 360.0)),
    "rad2deg": (np.rad2deg, (-7.0, 7.0)),
    "frac": (lambda x: x - np.trunc(x), (-5.0, 5.0)),
}
# ops whose references need SciPy
SCIPY = {
    "erfinv": ("erfinv", (-0.95, 0.95)),
    "digamma": ("psi", (0.3, 6.0)),
}


def _inputs(lo, hi, shape=(3, 5), seed=0):
    return np.random.default_rng(seed).uniform(lo, hi, shape)


def _check_forward(name, ref, lo, hi):
    a = _inputs(lo, hi)
    for dtype, rtol in ((np.float64, 1e-12), (np.float32, 3e-6)):
        x = a.astype(dtype)
        out = getattr(ember, name)(tensor(x))
        assert out.dtype == tensor(x).dtype
        np.testing.assert_allclose(to_np(out), ref(x.astype(np.float64)), rtol=rtol, atol=rtol)
        np.testing.assert_allclose(to_np(getattr(tensor(x), name)()), to_np(out), rtol=0, atol=0)


@pytest.mark.parametrize("name", sorted(SMOOTH))
def test_forward_matches_numpy(name):
    ref, (lo, hi) = SMOOTH[name]
    _check_forward(name, ref, lo, hi)


@pytest.mark.parametrize("name", sorted(SCIPY))
def test_forward_matches_scipy(name):
    sp = pytest.importorskip("scipy.special")
    fn, (lo, hi) = SCIPY[name]
    _check_forward(name, getattr(sp, fn), lo, hi)


@pytest.mark.parametrize("name", sorted(SMOOTH) + sorted(SCIPY))
def test_gradcheck_and_gradgradcheck(name):
    lo, hi = (SMOOTH.get(name) or SCIPY[name])[1]
    x = tensor(_inputs(lo, hi, seed=1), requires_grad=True)
    fn = getattr(ember, name)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


@pytest.mark.parametrize("name", sorted(SMOOTH) + sorted(SCIPY))
def test_torch_parity_values_and_grads(name):
    torch = pytest.importorskip("torch")
    lo, hi = (SMOOTH.get(name) or SCIPY[name])[1]
    a = _inputs(lo, hi, seed=2).astype(np.float32)
    g = np.random.default_rng(3).standard_normal(a.shape).astype(np.float32)
    e, t = tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, tout = getattr(ember, name)(e), getattr(torch, name)(t)
    np.testing.assert_allclose(to_np(out), tout.detach().numpy(), rtol=3e-6, atol=2e-6)
    (out * tensor(g)).sum().backward()
    (tout * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(to_np(e.grad), t.grad.numpy(), rtol=2e-5, atol=2e-5)


EDGE = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, -2.0, -2.5, 3.0, 1e-30, 40.0])


# Not sgn: ember's sign keeps NaN (like NumPy) where torch's gives 0. i0(+-inf) is inf here
# (NumPy, SciPy); torch returns NaN there, so infinities are checked separately.
@pytest.mark.parametrize("name", ["asinh", "acosh", "atanh", "erfc", "erfinv", "exp2", "lgamma",
                                  "digamma", "sinc", "i0", "frac", "deg2rad"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_edge_values_like_torch(name, dtype):
    torch = pytest.importorskip("torch")
    x = EDGE.astype(dtype)
    if name == "i0":
        assert (to_np(ember.i0(tensor(np.array([np.inf, -np.inf], dtype=dtype)))) == np.inf).all()
        x = x[np.isfinite(x) | np.isnan(x)]
    out = to_np(getattr(ember, name)(tensor(x)))
    expected = getattr(torch, name)(torch.from_numpy(x)).numpy()
    assert out.dtype == expected.dtype
    rtol = 1e-12 if dtype == np.float64 else 2e-6
    # float32 sinc at integers: torch rounds pi x in float32 (sin gives ~1e-8, not 0); ember
    # computes in double, so only an absolute tolerance makes sense there.
    atol = 1e-7 if (name == "sinc" and dtype == np.float32) else 0
    np.testing.assert_allclose(out, expected, rtol=rtol, atol=atol, equal_nan=True)
    np.testing.assert_array_equal(np.isinf(out), np.isinf(expected))


def test_integer_inputs_compute_in_float32():
    torch = pytest.importorskip("torch")
    a = np.array([1, 2, 3, 5])
    for name in ("asinh", "acosh", "erfc", "exp2", "lgamma", "digamma", "sinc", "i0", "deg2rad",
                 "rad2deg", "erfinv", "atanh"):
        out = getattr(ember, name)(tensor(a))
        tout = getattr(torch, name)(torch.from_numpy(a))
        assert out.dtype == ember.float32 and tout.dtype == torch.float32, name
        # atol: torch's float32 sinc(integer) is ~1e-8 (pi x rounded in float32), ours ~1e-17
        np.testing.assert_allclose(to_np(out), tout.numpy(), rtol=2e-6, atol=1e-7, equal_nan=True)


def test_digamma_polygamma_accuracy():
    sp = pytest.importorskip("scipy.special")
    x = np.concatenate([np.linspace(0.01, 30, 301), np.linspace(-9.75, -0.25, 39), [1e-8, 1e3, 1e8]])
    np.testing.assert_allclose(to_np(ember.digamma(tensor(x))), sp.psi(x), rtol=1e-12, atol=1e-12)
    assert to_np(ember.digamma(tensor(np.array([0.0, -0.0, -1.0, -3.0])))).tolist()[:2] == [-np.inf, np.inf]
    assert np.isnan(to_np(ember.digamma(tensor(np.array([-1.0, -3.0]))))).all()
    for n in (1, 2, 3, 5):
        np.testing.assert_allclose(to_np(ember.polygamma(n, tensor(x))), sp.polygamma(n, x),
                                   rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_np(ember.polygamma(0, tensor(x))), sp.psi(x), rtol=1e-12, atol=1e-12)


def test_polygamma_grad_method_inplace():
    torch = pytest.importorskip("torch")
    a = np.array([0.5, 1.5, 3.0, 7.0])
    x = tensor(a, requires_grad=True)
    for n in (0, 1, 2):
        assert gradcheck(lambda t: ember.polygamma(n, t), (x,))
        assert gradgradcheck(lambda t: ember.polygamma(n, t), (x,))
        # torch's trigamma and higher orders are good to ~1e-9 (accuracy against SciPy is
        # checked in test_digamma_polygamma_accuracy)
        tp = torch.polygamma(n, torch.from_numpy(a)).numpy()
        np.testing.assert_allclose(to_np(tensor(a).polygamma(n)), tp, rtol=1e-8)
    t = tensor(a)
    assert t.polygamma_(1) is t
    np.testing.assert_allclose(to_np(t), to_np(ember.polygamma(1, tensor(a))), rtol=0)
    with pytest.raises(ValueError, match=r"\[polygamma\] expected a non-negative order n, got -1"):
        ember.polygamma(-1, tensor(a))


def test_erfinv_accuracy_and_limits():
    sp = pytest.importorskip("scipy.special")
    y = np.concatenate([np.linspace(-0.999, 0.999, 401), [1 - 1e-12, -1 + 1e-15, 1e-300, -1e-20]])
    np.testing.assert_allclose(to_np(ember.erfinv(tensor(y))), sp.erfinv(y), rtol=1e-13, atol=0)
    out = to_np(ember.erfinv(tensor(np.array([1.0, -1.0, 1.5, np.nan, -0.0]))))
    assert out[0] == np.inf and out[1] == -np.inf and np.isnan(out[2]) and np.isnan(out[3])
    assert out[4] == 0 and np.signbit(out[4])


def test_i0_wide_range():
    x = np.linspace(-700, 700, 1401)
    np.testing.assert_allclose(to_np(ember.i0(tensor(x))), np.i0(x), rtol=1e-13)


def test_logit():
    torch = pytest.importorskip("torch")
    a = np.array([0.0, 1e-7, 0.2, 0.5, 0.9, 1.0, 1.2, -0.1])
    for eps in (None, 1e-6, 0.25):
        out = to_np(ember.logit(tensor(a), eps))
        tout = torch.logit(torch.from_numpy(a), eps).numpy()
        np.testing.assert_allclose(out, tout, rtol=1e-12, equal_nan=True)
        np.testing.assert_allclose(to_np(tensor(a).logit(eps=eps)), tout, rtol=1e-12, equal_nan=True)
    inside = np.array([0.1, 0.3, 0.6, 0.95])
    x = tensor(inside, requires_grad=True)
    assert gradcheck(lambda t: ember.logit(t), (x,))
    assert gradgradcheck(lambda t: ember.logit(t), (x,))
    # eps clamps: zero gradient outside [eps, 1 - eps], like torch
    e, t = tensor(inside, requires_grad=True), torch.tensor(inside, requires_grad=True)
    ember.logit(e, 0.2).sum().backward()
    torch.logit(t, 0.2).sum().backward()
    np.testing.assert_allclose(to_np(e.grad), t.grad.numpy(), rtol=1e-12)
    ti = tensor(np.array([0.25, 0.5]))
    assert ti.logit_() is ti
    np.testing.assert_allclose(to_np(ti), [np.log(1 / 3), 0.0], atol=1e-15)
    with pytest.raises(TypeError, match=r"\[logit\] expected a numeric tensor, got bool"):
        ember.logit(tensor(np.array([True])))


def test_signbit_sgn_frac_fix():
    torch = pytest.importorskip("torch")
    x = np.array([-0.0, 0.0, -np.nan, np.nan, -1.5, 2.0, -np.inf], dtype=np.float32)
    np.testing.assert_array_equal(to_np(ember.signbit(tensor(x))), np.signbit(x))
    assert ember.signbit(tensor(x)).dtype == ember.bool
    np.testing.assert_array_equal(to_np(ember.signbit(tensor(np.array([-3, 0, 4])))), [True, False, False])
    np.testing.assert_array_equal(to_np(ember.signbit(tensor(np.array([True, False])))), [False, False])
    np.testing.assert_array_equal(to_np(tensor(x).signbit()), np.signbit(x))
    y = np.array([-2.75, -0.5, 0.0, 1.25, 3.0])
    np.testing.assert_array_equal(to_np(ember.sgn(tensor(y))), np.sign(y))
    np.testing.assert_array_equal(to_np(ember.frac(tensor(y))), torch.frac(torch.from_numpy(y)).numpy())
    np.testing.assert_array_equal(to_np(ember.fix(tensor(y))), np.trunc(y))
    np.testing.assert_array_equal(to_np(tensor(y).fix()), np.trunc(y))
    with pytest.raises(TypeError, match=r"\[frac\] expected a floating point tensor"):
        ember.frac(tensor(np.array([1, 2])))


def test_aliases():
    a = tensor(np.array([-0.5, 0.25, 0.75]))
    for alias, name in (("arcsin", "asin"), ("arccos", "acos"), ("arctan", "atan"),
                        ("arcsinh", "asinh"), ("arctanh", "atanh"), ("absolute", "abs"),
                        ("negative", "neg")):
        np.testing.assert_array_equal(to_np(getattr(ember, alias)(a)), to_np(getattr(ember, name)(a)))
        np.testing.assert_array_equal(to_np(getattr(a, alias)()), to_np(getattr(ember, name)(a)))
    b = tensor(np.array([1.5, 2.0]))
    np.testing.assert_array_equal(to_np(ember.arccosh(b)), to_np(ember.acosh(b)))
    assert ember.positive(a) is not None
    np.testing.assert_array_equal(to_np(ember.positive(a)), to_np(a))
    with pytest.raises(TypeError, match=r"\[positive\] expected a numeric tensor, got bool"):
        ember.positive(tensor(np.array([True])))
    for alias, name in (("greater", "gt"), ("greater_equal", "ge"), ("less", "lt"),
                        ("less_equal", "le"), ("not_equal", "ne")):
        np.testing.assert_array_equal(to_np(getattr(ember, alias)(a, 0.25)),
                                      to_np(getattr(ember, name)(a, 0.25)))
        np.testing.assert_array_equal(to_np(getattr(a, alias)(a)), to_np(getattr(a, name)(a)))


@pytest.mark.parametrize("name", ["asinh_", "arcsinh_", "atanh_", "erfc_", "erfinv_", "exp2_",
                                  "lgamma_", "digamma_", "sinc_", "i0_", "frac_", "deg2rad_",
                                  "rad2deg_", "sgn_", "fix_", "arcsin_", "asin_", "acos_",
                                  "atan_", "arctan_", "absolute_", "negative_"])
def test_inplace_forms(name):
    a = _inputs(0.1, 0.9, seed=4)
    t = tensor(a)
    assert getattr(t, name)() is t
    np.testing.assert_array_equal(to_np(t), to_np(getattr(tensor(a), name[:-1])()))
    x = tensor(a, requires_grad=True)
    y = x * 1.0
    getattr(y, name)()
    y.sum().backward()
    assert x.grad is not None


def test_inplace_float_op_on_integer_tensor_raises():
    with pytest.raises(TypeError, match=r"\[asinh_\] result type float32 can't be cast"):
        tensor(np.array([1, 2])).asinh_()


def test_thread_count_does_not_change_results():
    rng = np.random.default_rng(5)
    a = rng.uniform(0.05, 0.95, 150_001)
    for x in (tensor(a), tensor(a.astype(np.float32))):
        for name in ("erfinv", "digamma", "i0", "lgamma", "sinc"):
            same_for_threads(lambda: getattr(ember, name)(x))
