"""ember.special: the torch.special names, and the functions only it has (ndtr, ndtri,
log_ndtr, i0e, i1, i1e, xlog1py, entr, multigammaln): accuracy against SciPy over wide
ranges, float64 gradcheck / gradgradcheck, torch parity for values and gradients, edge
cases, bad input."""
import math

import numpy as np
import pytest

import ember
import ember.special as es
from ember.autograd import gradcheck, gradgradcheck
from utils import same_for_threads, tensor, to_np


def test_names_match_torch_special():
    torch = pytest.importorskip("torch")
    for name in es.__all__:
        assert hasattr(torch.special, name), name
        assert callable(getattr(es, name)), name
    assert ember.special is es


def test_aliases_compute_the_same_as_the_ops():
    x = tensor(np.array([-1.5, 0.25, 2.0]))
    for name, op in (("expit", ember.sigmoid), ("erf", ember.erf), ("erfc", ember.erfc),
                     ("gammaln", ember.lgamma), ("digamma", ember.digamma), ("psi", ember.digamma),
                     ("sinc", ember.sinc), ("i0", ember.i0), ("exp2", ember.exp2),
                     ("expm1", ember.expm1), ("log1p", ember.log1p)):
        np.testing.assert_array_equal(to_np(getattr(es, name)(x)), to_np(op(x)))
    p = tensor(np.array([0.1, 0.5, 0.8]))
    np.testing.assert_array_equal(to_np(es.logit(p)), to_np(ember.logit(p)))
    np.testing.assert_array_equal(to_np(es.erfinv(p)), to_np(ember.erfinv(p)))
    np.testing.assert_array_equal(to_np(es.polygamma(1, p)), to_np(ember.polygamma(1, p)))
    np.testing.assert_array_equal(to_np(es.xlogy(p, x)), to_np(ember.xlogy(p, x)))
    np.testing.assert_array_equal(to_np(es.round(x)), to_np(ember.round(x)))
    m = tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(to_np(es.logsumexp(m, 1)), to_np(ember.logsumexp(m, 1)))
    np.testing.assert_array_equal(to_np(es.softmax(m, 1)), to_np(ember.softmax(m, 1)))
    np.testing.assert_array_equal(to_np(es.log_softmax(m, 0, dtype=ember.float64)),
                                  to_np(ember.log_softmax(m, 0)))


def test_accuracy_against_scipy():
    sp = pytest.importorskip("scipy.special")
    x = np.concatenate([np.linspace(-40, 40, 801), [-1e3, -300, -38.5, 1e-300, 0.0, -0.0]])
    np.testing.assert_allclose(to_np(es.ndtr(tensor(x))), sp.ndtr(x), rtol=1e-13, atol=1e-300)
    # rtol: for x >> 0 the value is -erfc(x / sqrt 2) / 2, and C libraries differ there by ~1e-13
    np.testing.assert_allclose(to_np(es.log_ndtr(tensor(x))), sp.log_ndtr(x), rtol=1e-12, atol=1e-300)
    p = np.concatenate([np.linspace(1e-6, 1 - 1e-6, 501), [1e-300, 1e-100, 1e-20, 1 - 1e-12, 0.5]])
    np.testing.assert_allclose(to_np(es.ndtri(tensor(p))), sp.ndtri(p), rtol=1e-13, atol=1e-15)
    b = np.concatenate([np.linspace(-700, 700, 1401), np.linspace(-35, 35, 701), [1e-12, -1e-200]])
    np.testing.assert_allclose(to_np(es.i0e(tensor(b))), sp.i0e(b), rtol=1e-13)
    np.testing.assert_allclose(to_np(es.i1(tensor(b))), sp.i1(b), rtol=1e-13)
    np.testing.assert_allclose(to_np(es.i1e(tensor(b))), sp.i1e(b), rtol=1e-13)
    np.testing.assert_allclose(to_np(ember.i0(tensor(b))), sp.i0(b), rtol=1e-13)
    q = np.linspace(0.6, 20, 50)
    for d in (1, 2, 3, 5):
        np.testing.assert_allclose(to_np(es.multigammaln(tensor(q + d), d)),
                                   sp.multigammaln(q + d, d), rtol=1e-13, atol=1e-14)
    u, v = np.meshgrid(np.array([0.0, 1.5, -2.0]), np.array([-0.5, 0.0, 3.0, np.nan]))
    np.testing.assert_allclose(to_np(es.xlog1py(tensor(u), tensor(v))), sp.xlog1py(u, v),
                               rtol=1e-15, equal_nan=True)
    e = np.array([0.0, 0.5, 2.0, -1.0, np.nan, np.inf])
    np.testing.assert_allclose(to_np(es.entr(tensor(e))), sp.entr(e), rtol=1e-15, equal_nan=True)


def test_edge_values():
    out = to_np(es.ndtri(tensor(np.array([0.0, 1.0, -0.5, 1.5, np.nan]))))
    assert out[0] == -np.inf and out[1] == np.inf and np.isnan(out[2:]).all()
    out = to_np(es.log_ndtr(tensor(np.array([-np.inf, np.inf, np.nan]))))
    assert out[0] == -np.inf and out[1] == 0.0 and np.isnan(out[2])
    out = to_np(es.i0e(tensor(np.array([np.inf, -np.inf, np.nan]))))
    assert out[0] == 0 and out[1] == 0 and np.isnan(out[2])
    out = to_np(es.i1(tensor(np.array([np.inf, -np.inf, -0.0]))))
    assert out[0] == np.inf and out[1] == -np.inf and out[2] == 0 and np.signbit(out[2])


UNARY = {
    "ndtr": (-3.0, 3.0),
    "ndtri": (0.05, 0.95),
    "log_ndtr": (-6.0, 3.0),
    "i0e": (-4.0, 4.0),
    "i1": (-4.0, 4.0),
    "i1e": (-4.0, 4.0),
    "entr": (0.1, 3.0),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_grads_and_torch_parity(name):
    torch = pytest.importorskip("torch")
    lo, hi = UNARY[name]
    a = np.random.default_rng(0).uniform(lo, hi, (3, 4))
    x = tensor(a, requires_grad=True)
    fn = getattr(es, name)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))
    for dtype, rtol in ((np.float64, 1e-12), (np.float32, 3e-6)):
        ad = a.astype(dtype)
        e, t = tensor(ad, requires_grad=True), torch.tensor(ad, requires_grad=True)
        out, tout = fn(e), getattr(torch.special, name)(t)
        assert out.dtype == e.dtype
        np.testing.assert_allclose(to_np(out), tout.detach().numpy(), rtol=rtol, atol=rtol)
        out.sum().backward()
        tout.sum().backward()
        np.testing.assert_allclose(to_np(e.grad), t.grad.numpy(), rtol=10 * rtol, atol=10 * rtol)
    xi = tensor(np.array([1, 2]))
    assert fn(xi).dtype == ember.float32


def test_xlog1py_and_multigammaln_grads_and_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a, b = rng.uniform(-2, 2, (3, 4)), rng.uniform(-0.5, 3, (4,))
    x, y = tensor(a, requires_grad=True), tensor(b, requires_grad=True)
    assert gradcheck(es.xlog1py, (x, y))
    assert gradgradcheck(es.xlog1py, (x, y))
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    es.xlog1py(x, y).sum().backward()
    torch.special.xlog1py(ta, tb).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), ta.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(to_np(y.grad), tb.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(to_np(es.xlog1py(2, y)), 2 * np.log1p(b), rtol=1e-15)
    np.testing.assert_allclose(to_np(es.xlog1py(x, 1.0)), a * math.log(2.0), rtol=1e-15)
    q = tensor(rng.uniform(2.0, 5.0, (5,)), requires_grad=True)
    assert gradcheck(lambda v: es.multigammaln(v, 3), (q,))
    tq = torch.tensor(to_np(q), requires_grad=True)
    es.multigammaln(q, 3).sum().backward()
    torch.special.multigammaln(tq, 3).sum().backward()
    np.testing.assert_allclose(to_np(q.grad), tq.grad.numpy(), rtol=1e-12)


def test_bad_inputs():
    with pytest.raises(ValueError, match=r"\[multigammaln\] expected all elements of input > \(p - 1\) / 2"):
        es.multigammaln(tensor(np.array([0.4, 3.0])), 2)
    with pytest.raises(ValueError, match=r"\[multigammaln\] expected p >= 1, got 0"):
        es.multigammaln(tensor(np.array([3.0])), 0)
    with pytest.raises(TypeError, match=r"\[entr\] expected a numeric tensor, got bool"):
        es.entr(tensor(np.array([True])))
    with pytest.raises(ValueError, match=r"\[xlog1py\]"):
        es.xlog1py(tensor(np.ones(3)), tensor(np.ones(4)))


def test_thread_count_does_not_change_results():
    x = tensor(np.random.default_rng(2).uniform(0.01, 0.99, 200_003))
    for fn in (es.ndtri, es.log_ndtr, es.i0e, es.i1, es.entr):
        same_for_threads(lambda: fn(x))
