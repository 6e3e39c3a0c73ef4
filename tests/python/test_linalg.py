"""Tests of the matmul family: matmul, mm, bmm, dot, mv, outer, addmm, linear."""
import os
import subprocess
import sys

import numpy as np
import pytest

import ember
from utils import randn, same_for_threads, tensor, to_np

RNG = np.random.default_rng(1234)


def arr(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def tol(dtype):
    return dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)


# ---------------------------------------------------------------- forward vs NumPy

MATMUL_SHAPES = [
    ((5,), (5,)), ((3,), (3, 4)), ((4, 3), (3,)), ((2, 3), (3, 4)), ((1, 7), (7, 1)),
    ((7, 1), (1, 6)), ((1, 9), (9, 33)), ((33, 9), (9, 1)), ((2, 4, 3), (3, 5)),
    ((4, 3), (2, 3, 5)), ((2, 1, 4, 3), (5, 3, 2)), ((3,), (2, 3, 4)), ((2, 4, 3), (3,)),
    ((6, 1, 5, 7), (1, 3, 7, 2)), ((37, 70), (70, 45)), ((130, 257), (257, 70)),
    ((0, 3), (3, 4)), ((2, 0), (0, 3)), ((3, 4), (4, 0)), ((0, 2, 3), (3, 2)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matmul_forward(sa, sb, dtype):
    a, b = arr(*sa, dtype=dtype), arr(*sb, dtype=dtype)
    out = ember.matmul(tensor(a), tensor(b))
    ref = np.matmul(a, b)
    assert out.shape == ref.shape and out.dtype == tensor(a).dtype
    np.testing.assert_allclose(to_np(out), ref, **tol(dtype))


def test_matmul_int64():
    a = RNG.integers(-5, 5, (3, 4, 5)).astype(np.int64)
    b = RNG.integers(-5, 5, (5, 6)).astype(np.int64)
    out = ember.matmul(tensor(a), tensor(b))
    assert out.dtype == ember.int64
    np.testing.assert_array_equal(to_np(out), a @ b)


@pytest.mark.parametrize("m,n,k", [(64, 48, 80), (1, 40, 33), (40, 1, 33), (13, 29, 1)])
def test_matmul_noncontiguous_views(m, n, k):
    # np.transpose'd / sliced arrays reach ember as strided views; no copy is needed.
    at = arr(k, m)
    bt = arr(n, k)
    a, b = np.transpose(at), np.transpose(bt)
    ta, tb = ember.from_numpy(a), ember.from_numpy(b)
    assert not ta.is_contiguous() or m == 1 or k == 1
    np.testing.assert_allclose(to_np(ember.matmul(ta, tb)), a @ b, rtol=1e-4, atol=1e-4)
    big = arr(2 * m, 3 * k)
    sliced = big[::2, ::3]
    np.testing.assert_allclose(to_np(ember.matmul(ember.from_numpy(sliced), tb)), sliced @ b,
                               rtol=1e-4, atol=1e-4)
    # Permuted batch: (k, B, m) viewed as (B, m, k).
    p = arr(k, 3, m)
    pv = np.transpose(p, (1, 2, 0))
    np.testing.assert_allclose(to_np(ember.matmul(ember.from_numpy(pv), tb)), pv @ b,
                               rtol=1e-4, atol=1e-4)
    stacked = ember.from_numpy(np.stack([b] * 3))
    np.testing.assert_allclose(to_np(ember.bmm(ember.from_numpy(pv), stacked)), pv @ b,
                               rtol=1e-4, atol=1e-4)


def test_family_forward():
    a, b, v, w = arr(4, 5), arr(5, 3), arr(5), arr(5)
    A, B, V, W = map(tensor, (a, b, v, w))
    np.testing.assert_allclose(to_np(ember.mm(A, B)), a @ b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_np(A.mm(B)), a @ b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_np(A @ B), a @ b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_np(A.matmul(B)), a @ b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_np(B.__rmatmul__(A)), a @ b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_np(ember.mv(A, V)), a @ v, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_np(A.mv(V)), a @ v, rtol=1e-5, atol=1e-5)
    d = ember.dot(V, W)
    assert d.shape == ()
    np.testing.assert_allclose(to_np(d), v @ w, rtol=1e-5)
    np.testing.assert_allclose(to_np(V.dot(W)), v @ w, rtol=1e-5)
    np.testing.assert_allclose(to_np(ember.outer(V, W)), np.outer(v, w), rtol=1e-6)
    np.testing.assert_allclose(to_np(V.outer(W)), np.outer(v, w), rtol=1e-6)
    x, y = arr(3, 4, 5), arr(3, 5, 2)
    np.testing.assert_allclose(to_np(ember.bmm(tensor(x), tensor(y))), x @ y, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_np(tensor(x).bmm(tensor(y))), x @ y, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("ishape", [(4, 3), (3,), (1, 3), (4, 1), ()])
def test_addmm_forward(ishape):
    inp, m1, m2 = arr(*ishape), arr(4, 6), arr(6, 3)
    out = ember.addmm(tensor(inp), tensor(m1), tensor(m2), beta=0.5, alpha=-2.0)
    np.testing.assert_allclose(to_np(out), 0.5 * inp - 2.0 * (m1 @ m2), rtol=1e-5, atol=1e-5)
    out = tensor(inp).addmm(tensor(m1), tensor(m2))
    np.testing.assert_allclose(to_np(out), inp + m1 @ m2, rtol=1e-5, atol=1e-5)


def test_addmm_beta_zero_ignores_nan():
    inp = np.full((4, 3), np.nan, np.float32)
    m1, m2 = arr(4, 6), arr(6, 3)
    out = ember.addmm(tensor(inp), tensor(m1), tensor(m2), beta=0)
    np.testing.assert_allclose(to_np(out), m1 @ m2, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("xshape", [(5,), (3, 5), (2, 3, 5), (300, 64)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_forward(xshape, with_bias):
    in_f = xshape[-1]
    x, w, b = arr(*xshape), arr(7, in_f), arr(7)
    out = ember.linear(tensor(x), tensor(w), tensor(b) if with_bias else None)
    ref = x @ w.T + (b if with_bias else 0)
    assert out.shape == ref.shape
    np.testing.assert_allclose(to_np(out), ref, rtol=1e-4, atol=1e-4)


# Few rows (M <= 128) in float32 take the small-M kernel (weight read in place, only the
# input packed): ragged row / column / K counts, strided inputs, no bias, threads.
@pytest.mark.parametrize("m,n,k", [(64, 70, 300), (17, 23, 19), (33, 16, 64), (128, 45, 40)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_small_m(m, n, k, with_bias):
    x, w, b = arr(m, k), arr(n, k), arr(n)
    ref = x.astype(np.float64) @ w.T.astype(np.float64) + (b if with_bias else 0)
    eb = tensor(b) if with_bias else None
    for ex in (tensor(x), ember.from_numpy(np.ascontiguousarray(x.T)).t(),
               ember.from_numpy(np.ascontiguousarray(np.stack([x, x], 1))).select(1, 1)):
        same_for_threads(lambda: ember.linear(ex, tensor(w), eb))
        out = ember.linear(ex, tensor(w), eb)
        np.testing.assert_allclose(to_np(out), ref, rtol=1e-5, atol=1e-4)


def test_linear_small_m_torch_parity_and_nan():
    torch = pytest.importorskip("torch")
    x, w, b = arr(2, 24, 48), arr(40, 48), arr(40)
    x[0, 3, 5] = np.nan
    out = ember.linear(tensor(x), tensor(w), tensor(b))
    ref = torch.nn.functional.linear(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b))
    np.testing.assert_allclose(to_np(out), ref.numpy(), rtol=1e-5, atol=1e-5)
    assert np.isnan(to_np(out)[0, 3]).all() and not np.isnan(to_np(out)[1]).any()


def test_linear_noncontiguous_input():
    x = np.transpose(arr(5, 2, 3), (1, 2, 0))  # (2, 3, 5), not foldable without a copy
    w, b = arr(4, 5), arr(4)
    out = ember.linear(ember.from_numpy(x), tensor(w), tensor(b))
    np.testing.assert_allclose(to_np(out), x @ w.T + b, rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------- gradients

GRAD_SHAPES = [
    ((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((2, 2, 3), (3, 2)),
    ((2, 3), (2, 3, 2)), ((3,), (2, 3, 2)), ((2, 2, 3), (3,)), ((2, 1, 2, 3), (3, 3, 2)),
    ((1, 4), (4, 1)),
]


@pytest.mark.parametrize("sa,sb", GRAD_SHAPES)
def test_matmul_gradcheck(sa, sb):
    a = randn(*sa, seed=1, requires_grad=True)
    b = randn(*sb, seed=2, requires_grad=True)
    assert ember.autograd.gradcheck(ember.matmul, [a, b])


def test_family_gradcheck():
    gc = ember.autograd.gradcheck
    a, b = randn(2, 3, 4, seed=3, requires_grad=True), randn(2, 4, 2, seed=4, requires_grad=True)
    assert gc(ember.bmm, [a, b])
    m1, m2 = randn(3, 4, seed=5, requires_grad=True), randn(4, 2, seed=6, requires_grad=True)
    inp = randn(2, seed=7, requires_grad=True)
    assert gc(lambda i, x, y: ember.addmm(i, x, y, beta=0.7, alpha=-1.3), [inp, m1, m2])
    assert gc(lambda i, x, y: ember.addmm(i, x, y), [inp, m1, m2])
    assert gc(ember.mm, [m1, m2])
    v = randn(4, seed=8, requires_grad=True)
    assert gc(ember.mv, [m1, v])
    assert gc(ember.dot, [v, randn(4, seed=9, requires_grad=True)])
    assert gc(ember.outer, [v, randn(3, seed=10, requires_grad=True)])


@pytest.mark.parametrize("xshape", [(4,), (3, 4), (2, 2, 4)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_gradcheck(xshape, with_bias):
    x = randn(*xshape, seed=11, requires_grad=True)
    w = randn(3, 4, seed=12, requires_grad=True)
    if with_bias:
        b = randn(3, seed=13, requires_grad=True)
        assert ember.autograd.gradcheck(ember.linear, [x, w, b])
    else:
        assert ember.autograd.gradcheck(lambda x, w: ember.linear(x, w), [x, w])


def test_double_backward_matmul():
    a = randn(2, 3, seed=14, requires_grad=True)
    b = randn(3, 2, seed=15, requires_grad=True)

    def first_grad(a, b):
        with ember.enable_grad():  # gradcheck evaluates under no_grad
            (ga,) = ember.autograd.grad([ember.matmul(ember.mul(a, a), b)], [a],
                                        [ember.from_numpy(np.ones((2, 2)))], create_graph=True)
        return ember.mul(ga, ga)

    assert ember.autograd.gradcheck(first_grad, [a, b])


# ---------------------------------------------------------------- PyTorch parity

TORCH_CASES = [((2, 1, 4, 3), (5, 3, 2)), ((4,), (3, 4, 6)), ((3, 4, 6), (6,)), ((8, 5), (5, 9))]


@pytest.mark.parametrize("sa,sb", TORCH_CASES)
def test_matmul_torch_parity(sa, sb):
    torch = pytest.importorskip("torch")
    a, b = arr(*sa), arr(*sb)
    ea, eb = tensor(a, requires_grad=True), tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    eo, to = ember.matmul(ea, eb), torch.matmul(ta, tb)
    np.testing.assert_allclose(to_np(eo), to.detach().numpy(), rtol=1e-5, atol=1e-5)
    g = arr(*to.shape)
    eo.backward(tensor(g))
    to.backward(torch.tensor(g))
    np.testing.assert_allclose(to_np(ea.grad), ta.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(to_np(eb.grad), tb.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_linear_addmm_bmm_torch_parity():
    torch = pytest.importorskip("torch")
    x, w, b = arr(2, 3, 6), arr(5, 6), arr(5)
    ex, ew, eb = (tensor(t, requires_grad=True) for t in (x, w, b))
    tx, tw, tb = (torch.tensor(t, requires_grad=True) for t in (x, w, b))
    eo, to = ember.linear(ex, ew, eb), torch.nn.functional.linear(tx, tw, tb)
    np.testing.assert_allclose(to_np(eo), to.detach().numpy(), rtol=1e-5, atol=1e-5)
    g = arr(2, 3, 5)
    eo.backward(tensor(g))
    to.backward(torch.tensor(g))
    for e, t in ((ex, tx), (ew, tw), (eb, tb)):
        np.testing.assert_allclose(to_np(e.grad), t.grad.numpy(), rtol=1e-4, atol=1e-4)

    i, m1, m2 = arr(4), arr(3, 5), arr(5, 4)
    ei, e1, e2 = (tensor(t, requires_grad=True) for t in (i, m1, m2))
    ti, t1, t2 = (torch.tensor(t, requires_grad=True) for t in (i, m1, m2))
    eo = ember.addmm(ei, e1, e2, beta=0.5, alpha=2.0)
    to = torch.addmm(ti, t1, t2, beta=0.5, alpha=2.0)
    np.testing.assert_allclose(to_np(eo), to.detach().numpy(), rtol=1e-5, atol=1e-5)
    g = arr(3, 4)
    eo.backward(tensor(g))
    to.backward(torch.tensor(g))
    for e, t in ((ei, ti), (e1, t1), (e2, t2)):
        np.testing.assert_allclose(to_np(e.grad), t.grad.numpy(), rtol=1e-4, atol=1e-4)

    p, q = arr(3, 4, 5), arr(3, 5, 2)
    ep, eq = tensor(p, requires_grad=True), tensor(q, requires_grad=True)
    tp, tq = torch.tensor(p, requires_grad=True), torch.tensor(q, requires_grad=True)
    eo, to = ember.bmm(ep, eq), torch.bmm(tp, tq)
    g = arr(3, 4, 2)
    eo.backward(tensor(g))
    to.backward(torch.tensor(g))
    np.testing.assert_allclose(to_np(eo), to.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_np(ep.grad), tp.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(to_np(eq.grad), tq.grad.numpy(), rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------- bad input

def test_bad_input():
    t = lambda *s, dtype=np.float32: tensor(np.ones(s, dtype))  # noqa: E731
    with pytest.raises(ValueError, match=r"\[matmul\].*\(2, 3\) and \(4, 5\)"):
        ember.matmul(t(2, 3), t(4, 5))
    with pytest.raises(ValueError, match=r"\[matmul\]"):
        ember.matmul(t(), t(3))
    with pytest.raises(ValueError, match=r"\[matmul\]"):
        ember.matmul(t(2, 3, 4), t(3, 4, 5))  # batch dims 2 and 3 do not broadcast
    with pytest.raises(ValueError, match=r"\[matmul\]"):
        t(2, 3) @ t(2, 3)
    with pytest.raises(TypeError, match=r"\[matmul\].*same dtype"):
        ember.matmul(t(2, 3), t(3, 2, dtype=np.float64))
    with pytest.raises(TypeError, match=r"\[matmul\].*bool"):
        ember.matmul(t(2, 3, dtype=bool), t(3, 2, dtype=bool))
    with pytest.raises(ValueError, match=r"\[mm\]"):
        ember.mm(t(2, 2, 3), t(3, 2))
    with pytest.raises(ValueError, match=r"\[bmm\]"):
        ember.bmm(t(2, 2, 3), t(3, 3, 2))
    with pytest.raises(ValueError, match=r"\[bmm\]"):
        ember.bmm(t(2, 3), t(3, 2))
    with pytest.raises(ValueError, match=r"\[dot\]"):
        ember.dot(t(3), t(4))
    with pytest.raises(ValueError, match=r"\[mv\]"):
        ember.mv(t(2, 3), t(4))
    with pytest.raises(ValueError, match=r"\[outer\]"):
        ember.outer(t(2, 3), t(4))
    with pytest.raises(ValueError, match=r"\[addmm\]"):
        ember.addmm(t(5), t(2, 3), t(3, 4))
    with pytest.raises(ValueError, match=r"\[addmm\]"):
        ember.addmm(t(2, 4), t(2, 3), t(2, 4))
    with pytest.raises(TypeError, match=r"\[addmm\]"):
        ember.addmm(t(2, 4, dtype=np.float64), t(2, 3), t(3, 4))
    with pytest.raises(ValueError, match=r"\[linear\]"):
        ember.linear(t(2, 3), t(4, 5))
    with pytest.raises(ValueError, match=r"\[linear\]"):
        ember.linear(t(2, 5), t(4, 5), t(3))
    with pytest.raises(ValueError, match=r"\[linear\]"):
        ember.linear(t(2, 5), t(5))


# ---------------------------------------------------------------- determinism and ISAs

def test_same_for_threads_large():
    a, b = tensor(arr(300, 700)), tensor(arr(700, 500))
    same_for_threads(lambda: ember.matmul(a, b))
    bt = ember.from_numpy(np.transpose(arr(500, 700)))
    same_for_threads(lambda: ember.matmul(a, bt))
    inp, m1, m2 = tensor(arr(301, 1)), tensor(arr(301, 403)), tensor(arr(403, 299))
    same_for_threads(lambda: ember.addmm(inp, m1, m2, beta=0.7, alpha=-1.3))


def test_same_for_threads_batched_and_vector():
    a, b = tensor(arr(16, 70, 90)), tensor(arr(16, 90, 50))
    same_for_threads(lambda: ember.bmm(a, b))
    x, w = tensor(arr(1, 2000)), tensor(arr(2000, 1500))
    same_for_threads(lambda: ember.matmul(x, w))
    m, v = tensor(arr(1500, 2000)), tensor(arr(2000))
    same_for_threads(lambda: ember.matmul(m, v))
    xl, wl, bl = tensor(arr(4, 50, 300)), tensor(arr(200, 300)), tensor(arr(200))
    same_for_threads(lambda: ember.linear(xl, wl, bl))


ISA_SCRIPT = r"""
import numpy as np, ember
rng = np.random.default_rng(0)
for m, n, k in [(1, 1, 1), (13, 37, 29), (100, 70, 300), (1, 65, 40), (65, 1, 40), (5, 5, 1)]:
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((n, k)).astype(np.float32).T   # transposed view
    out = ember.matmul(ember.from_numpy(a), ember.from_numpy(b)).numpy()
    ref = a.astype(np.float64) @ b.astype(np.float64)
    assert np.allclose(out, ref, rtol=1e-4, atol=1e-4), (m, n, k, np.abs(out - ref).max())
print(ember.config()["isa"])
"""


@pytest.mark.parametrize("isa", ["baseline", "avx2"])
def test_isa_variants(isa):
    env = dict(os.environ, EMBER_ISA=isa)
    r = subprocess.run([sys.executable, "-c", ISA_SCRIPT], env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    native = ember.config()["isa"]
    reported = r.stdout.strip()
    # The variable can only lower the ISA: a machine without AVX2 reports baseline.
    if native.startswith("baseline"):
        assert reported.startswith("baseline")
    else:
        assert reported.startswith(isa)
