"""Reductions and the softmax family: forward vs NumPy over many dim combinations and
layouts, float64 gradient checks, PyTorch parity (forward and gradients), numerical
stability, bad input, and bitwise determinism across thread counts."""
import numpy as np
import pytest

import ember
from utils import to_np, tensor, randn, same_for_threads

DIMS_3D = [None, 0, 1, 2, -1, -3, (0, 1), (0, 2), (1, 2), (2, 0), [-1, 0], (0, 1, 2)]


def _axis(dim):
    if dim is None:
        return None
    return tuple(dim) if isinstance(dim, (tuple, list)) else dim


def _np_lse(a, axis, keepdims=False):
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    r = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return r if keepdims else np.squeeze(r, axis=axis if axis is not None else tuple(range(a.ndim)))


def _np_softmax(a, axis):
    e = np.exp(a - np.max(a, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _inputs(dtype):
    """Contiguous and non-contiguous (transposed) 3-D inputs of the same logical shape."""
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 4, 5)).astype(dtype)
    b = np.ascontiguousarray(a.transpose(2, 1, 0)).transpose(2, 1, 0)  # F-order view
    assert not b.flags["C_CONTIGUOUS"]
    return [a, b]


# ---------------------------------------------------------------- forward vs NumPy

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("keepdim", [False, True])
def test_forward_vs_numpy(dtype, keepdim):
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    for a in _inputs(dtype):
        t = ember.from_numpy(a)
        for dim in DIMS_3D:
            ax = _axis(dim)
            np.testing.assert_allclose(to_np(ember.sum(t, dim, keepdim)), np.sum(a, ax, keepdims=keepdim), **tol)
            np.testing.assert_allclose(to_np(t.mean(dim, keepdim)), np.mean(a, ax, keepdims=keepdim), **tol)
            np.testing.assert_allclose(to_np(t.var(dim, keepdim=keepdim)),
                                       np.var(a, ax, ddof=1, keepdims=keepdim), **tol)
            np.testing.assert_allclose(to_np(ember.std(t, dim, keepdim=keepdim, correction=0)),
                                       np.std(a, ax, keepdims=keepdim), **tol)
            amax_dim = () if dim is None else dim
            np.testing.assert_array_equal(to_np(ember.amax(t, amax_dim, keepdim)), np.max(a, ax, keepdims=keepdim))
            np.testing.assert_array_equal(to_np(t.amin(amax_dim, keepdim)), np.min(a, ax, keepdims=keepdim))
            np.testing.assert_allclose(to_np(ember.logsumexp(t, dim, keepdim)), _np_lse(a, ax, keepdim), **tol)
            assert ember.sum(t, dim, keepdim).dtype == t.dtype
        for d in range(-3, 3):
            v, i = ember.max(t, d, keepdim)
            np.testing.assert_array_equal(to_np(v), np.max(a, d, keepdims=keepdim))
            np.testing.assert_array_equal(to_np(i), np.argmax(a, d, keepdims=keepdim))
            r = t.min(dim=d, keepdim=keepdim)
            np.testing.assert_array_equal(to_np(r.values), np.min(a, d, keepdims=keepdim))
            np.testing.assert_array_equal(to_np(r.indices), np.argmin(a, d, keepdims=keepdim))
            np.testing.assert_array_equal(to_np(ember.argmax(t, d, keepdim)), np.argmax(a, d, keepdims=keepdim))
            np.testing.assert_array_equal(to_np(t.argmin(d, keepdim)), np.argmin(a, d, keepdims=keepdim))
            np.testing.assert_allclose(to_np(ember.softmax(t, d)), _np_softmax(a, d), **tol)
            np.testing.assert_allclose(to_np(t.log_softmax(d)), np.log(_np_softmax(a, d)), **tol)
        assert to_np(ember.argmax(t)) == np.argmax(a)
        assert ember.argmax(t, keepdim=True).shape == (1, 1, 1)
        assert to_np(t.max()) == np.max(a) and to_np(ember.min(t)) == np.min(a)


def test_integer_and_bool():
    a = np.arange(24, dtype=np.int64).reshape(2, 3, 4) - 7
    t = ember.from_numpy(a)
    assert ember.sum(t).dtype == ember.int64 and to_np(ember.sum(t)) == a.sum()
    np.testing.assert_array_equal(to_np(t.sum((0, 2))), a.sum((0, 2)))
    np.testing.assert_array_equal(to_np(t.sum(1, dtype=ember.float64)), a.sum(1).astype(np.float64))
    np.testing.assert_array_equal(to_np(t.amax(1)), a.max(1))
    np.testing.assert_array_equal(to_np(t.max(0).indices), a.argmax(0))
    m = np.array([[True, False, True], [False, False, True]])
    b = ember.from_numpy(m)
    assert ember.sum(b).dtype == ember.int64 and to_np(ember.sum(b)) == 3
    np.testing.assert_array_equal(to_np(b.sum(0)), m.sum(0))
    np.testing.assert_array_equal(to_np(b.any(1)), m.any(1))
    np.testing.assert_array_equal(to_np(ember.all(b, 0)), m.all(0))
    assert to_np(b.any()) and not to_np(b.all())
    assert ember.any(t).dtype == ember.bool
    np.testing.assert_array_equal(to_np(t.all(2, keepdim=True)), a.all(2, keepdims=True))
    np.testing.assert_allclose(to_np(ember.logsumexp(t, 1)), _np_lse(a.astype(np.float64), 1), rtol=1e-6)
    np.testing.assert_allclose(to_np(t.mean(dtype=ember.float64)), a.mean())


def test_zero_dim_and_empty():
    s = tensor(np.array(2.5))
    for dim in (None, 0, -1, (0,)):
        assert to_np(ember.sum(s, dim)) == 2.5
    assert to_np(s.max(0).values) == 2.5 and to_np(s.max(0).indices) == 0
    assert to_np(ember.softmax(s, 0)) == 1.0 and to_np(ember.logsumexp(s, 0)) == 2.5
    e = tensor(np.zeros((0, 3), np.float32))
    np.testing.assert_array_equal(to_np(e.sum(0)), np.zeros(3))
    assert to_np(e.sum()) == 0
    assert np.all(np.isnan(to_np(e.mean(0))))
    assert to_np(ember.logsumexp(e, 0)).tolist() == [-np.inf] * 3
    assert e.amax(1).shape == (0,) and e.max(1).indices.shape == (0,)
    assert e.softmax(0).shape == (0, 3)
    np.testing.assert_array_equal(to_np(e.any(0)), [False] * 3)
    np.testing.assert_array_equal(to_np(e.all(0)), [True] * 3)


# ---------------------------------------------------------------- gradients

GRAD_CASES = [
    ("sum", lambda x: ember.sum(x, (0, 2))),
    ("sum_all", lambda x: x.sum()),
    ("mean", lambda x: x.mean(1, keepdim=True)),
    ("mean_all", lambda x: ember.mean(x)),
    ("var", lambda x: x.var((0, 1))),
    ("var_c0", lambda x: ember.var(x, 2, correction=0, keepdim=True)),
    ("std", lambda x: x.std(1)),
    ("std_all", lambda x: ember.std(x, unbiased=False)),
    ("max_dim", lambda x: ember.max(x, 1).values),
    ("min_dim", lambda x: x.min(-1, keepdim=True)[0]),
    ("amax", lambda x: ember.amax(x, (0, 2))),
    ("amin", lambda x: x.amin(1, keepdim=True)),
    ("max_all", lambda x: x.max()),
    ("logsumexp", lambda x: ember.logsumexp(x, (1, 2))),
    ("logsumexp_keep", lambda x: x.logsumexp(0, keepdim=True)),
    ("softmax", lambda x: ember.softmax(x, 1)),
    ("softmax_last", lambda x: x.softmax(-1)),
    ("log_softmax", lambda x: ember.log_softmax(x, 0)),
    ("log_softmax_last", lambda x: x.log_softmax(2)),
]


@pytest.mark.parametrize("name,fn", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradcheck(name, fn):
    x = randn(2, 3, 4, requires_grad=True)
    assert ember.autograd.gradcheck(fn, [x])


def test_gradcheck_ties_and_noncontiguous():
    a = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    x = tensor(a, requires_grad=True)
    ember.amax(x, 1).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    y = tensor(a, requires_grad=True)
    ember.max(y, 1).values.sum().backward()
    np.testing.assert_allclose(to_np(y.grad), [[0, 1, 0], [1, 0, 0]])
    # a transposed (non-contiguous) leaf gets the same gradients as its contiguous copy
    a = np.random.default_rng(3).standard_normal((4, 3))
    for fn in (lambda v: v.softmax(0), lambda v: v.var(1), lambda v: v.amax(0), lambda v: v.logsumexp(1)):
        grads = []
        for arr in (a.T, np.ascontiguousarray(a.T)):
            z = ember.from_numpy(arr)
            z.requires_grad_()
            out = fn(z)
            ember.sum(ember.mul(out, randn(*out.shape, seed=9))).backward()
            grads.append(to_np(z.grad))
        np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name,fn", [c for c in GRAD_CASES if c[0] in
                                     ("var", "std", "logsumexp", "softmax", "log_softmax")],
                         ids=lambda c: c if isinstance(c, str) else "")
def test_double_backward(name, fn):
    x = randn(2, 3, 4, requires_grad=True)
    w = randn(*fn(x).shape, seed=5)

    def first_grad(v):
        with ember.enable_grad():  # gradcheck evaluates under no_grad
            (g,) = ember.autograd.grad(ember.sum(ember.mul(fn(v), w)), [v], create_graph=True)
        return g

    assert ember.autograd.gradcheck(first_grad, [x])


# ---------------------------------------------------------------- PyTorch parity

TORCH_CASES = [
    ("sum", lambda m, x: m.sum(x, (0, 2))),
    ("mean", lambda m, x: m.mean(x, -1, keepdim=True)),
    ("var", lambda m, x: m.var(x, 1)),
    ("std", lambda m, x: m.std(x, (0, 1), correction=0)),
    ("max", lambda m, x: m.max(x, 2)[0]),
    ("min", lambda m, x: m.min(x, 0, keepdim=True).values),
    ("amax", lambda m, x: m.amax(x, (1, 2))),
    ("amin", lambda m, x: m.amin(x, 0)),
    ("logsumexp", lambda m, x: m.logsumexp(x, (0, 2))),
    ("softmax", lambda m, x: m.softmax(x, 1)),
    ("log_softmax", lambda m, x: m.log_softmax(x, -1)),
    ("log_softmax0", lambda m, x: m.log_softmax(x, 0)),
]


@pytest.mark.parametrize("name,fn", TORCH_CASES, ids=[c[0] for c in TORCH_CASES])
def test_torch_parity(name, fn):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(7).standard_normal((5, 6, 70)).astype(np.float32)
    g = np.random.default_rng(8).standard_normal(fn(torch, torch.from_numpy(a)).shape).astype(np.float32)
    x = tensor(a, requires_grad=True)
    out = fn(ember, x)
    ember.sum(ember.mul(out, tensor(g))).backward()
    tx = torch.from_numpy(a.copy()).requires_grad_()
    tout = fn(torch, tx)
    (tout * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(to_np(out), tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_torch_parity_indices_nan_inf():
    torch = pytest.importorskip("torch")
    a = np.array([[1.0, np.nan, 3.0, np.nan], [2.0, 5.0, 5.0, -1.0],
                  [-np.inf, -np.inf, -np.inf, -np.inf], [np.inf, 1.0, np.inf, 0.0]], np.float32)
    t, ta = ember.from_numpy(a), torch.from_numpy(a)
    for d in (0, 1):
        for name in ("max", "min"):
            r, tr = getattr(ember, name)(t, d), getattr(torch, name)(ta, d)
            np.testing.assert_array_equal(to_np(r.values), tr.values.numpy())
            np.testing.assert_array_equal(to_np(r.indices), tr.indices.numpy())
        np.testing.assert_array_equal(to_np(ember.argmax(t, d)), torch.argmax(ta, d).numpy())
        np.testing.assert_array_equal(to_np(ember.argmin(t, d)), torch.argmin(ta, d).numpy())
        np.testing.assert_array_equal(to_np(ember.logsumexp(t, d)), torch.logsumexp(ta, d).numpy())
        np.testing.assert_allclose(to_np(ember.softmax(t, d)), torch.softmax(ta, d).numpy(), rtol=1e-6)
        np.testing.assert_allclose(to_np(ember.log_softmax(t, d)), torch.log_softmax(ta, d).numpy(), rtol=1e-6)
    assert np.isnan(to_np(t.max())) and np.isnan(to_np(t.amin()))
    # long rows take the SIMD path: NaN and first-index ties there too
    b = np.random.default_rng(0).standard_normal((3, 1000)).astype(np.float32)
    b[0, 517] = np.nan
    b[1, 300] = b[1, 700] = 10.0
    tb = torch.from_numpy(b)
    r = ember.max(ember.from_numpy(b), 1)
    np.testing.assert_array_equal(to_np(r.values), tb.max(1).values.numpy())
    np.testing.assert_array_equal(to_np(r.indices), tb.max(1).indices.numpy())


# ---------------------------------------------------------------- numerical stability

def test_stability():
    big = np.array([[1e4, 1e4 - 1, -1e4], [-3e4, -3e4 + 2, -3e4 + 1]], np.float32)
    t = ember.from_numpy(big)
    ref = _np_softmax(big.astype(np.float64), 1)
    np.testing.assert_allclose(to_np(t.softmax(1)), ref, rtol=1e-5, atol=1e-7)
    ref_log = big.astype(np.float64) - _np_lse(big.astype(np.float64), 1, keepdims=True)
    np.testing.assert_allclose(to_np(t.log_softmax(1)), ref_log, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(to_np(ember.logsumexp(t, 1)), _np_lse(big.astype(np.float64), 1), rtol=1e-6)
    lse = ember.logsumexp(ember.from_numpy(np.full(5, 1e30, np.float32)), 0)
    np.testing.assert_allclose(to_np(lse), 1e30 + np.log(5), rtol=1e-6)
    ones = ember.from_numpy(np.ones(1 << 24, np.float32))
    assert to_np(ones.sum()) == 16777216.0
    assert to_np(ones.mean()) == 1.0 and to_np(ones.var()) == 0.0
    # shifted data: a naive one-pass variance would lose everything here
    rng = np.random.default_rng(2)
    a = (1e4 + rng.standard_normal(100000)).astype(np.float32)
    np.testing.assert_allclose(to_np(ember.from_numpy(a).var()), np.var(a.astype(np.float64), ddof=1), rtol=1e-3)
    # float32 sum of many small values stays close to the float64 answer
    c = rng.random(3_000_001).astype(np.float32)
    np.testing.assert_allclose(to_np(ember.from_numpy(c).sum()), c.astype(np.float64).sum(), rtol=1e-6)
    col = rng.random((5000, 3)).astype(np.float32)
    np.testing.assert_allclose(to_np(ember.from_numpy(col).sum(0)), col.astype(np.float64).sum(0), rtol=1e-5)


# ---------------------------------------------------------------- bad input

def test_bad_input():
    t = randn(2, 3)
    with pytest.raises(IndexError, match=r"\[sum\] dim 3 is out of range"):
        ember.sum(t, 3)
    with pytest.raises(IndexError, match=r"\[softmax\] dim -3 is out of range"):
        ember.softmax(t, -3)
    with pytest.raises(ValueError, match=r"\[mean\] dim 1 appears more than once"):
        t.mean((1, -1))
    with pytest.raises(IndexError, match=r"\[argmax\]"):
        ember.argmax(tensor(np.zeros(0)))
    with pytest.raises(IndexError, match=r"\[max\]"):
        ember.max(tensor(np.zeros((0, 2))))
    with pytest.raises(IndexError, match=r"\[amax\] expected reduction dim 0 to have non-zero size"):
        ember.amax(tensor(np.zeros((0, 2))), 0)
    with pytest.raises(IndexError, match=r"\[min\]"):
        ember.min(tensor(np.zeros((0, 2))), 0)
    i = tensor(np.arange(4))
    with pytest.raises(TypeError, match=r"\[mean\] expected a floating point"):
        i.mean()
    with pytest.raises(TypeError, match=r"\[var\] expected a floating point"):
        ember.var(i)
    with pytest.raises(TypeError, match=r"\[std\]"):
        i.std()
    with pytest.raises(TypeError, match=r"\[softmax\] expected a floating point"):
        ember.softmax(i, 0)
    with pytest.raises(TypeError, match=r"\[var\] expected only one of unbiased and correction"):
        ember.var(t, unbiased=True, correction=0)
    with pytest.raises(TypeError, match=r"\[sum\] expected dtype"):
        ember.sum(t, dtype=ember.bool)
    with pytest.raises(TypeError, match=r"\[sum\] expected dim to be an int"):
        ember.sum(t, "0")
    with pytest.raises(TypeError, match=r"\[max\] expected dim to be an int"):
        ember.max(t, 1.5)
    # the softmax dtype argument casts int input
    np.testing.assert_allclose(to_np(ember.softmax(i, 0, dtype=ember.float64)), _np_softmax(np.arange(4.0), 0))


# ---------------------------------------------------------------- determinism

def test_same_for_threads():
    rng = np.random.default_rng(4)
    a = ember.from_numpy(rng.standard_normal(3_000_017).astype(np.float32))
    m = ember.from_numpy(rng.standard_normal((1001, 2999)).astype(np.float32))
    d = ember.from_numpy(rng.standard_normal((3, 1_000_003)))
    same_for_threads(lambda: (a.sum(), a.mean(), a.var(), a.std(), a.max(), ember.argmax(a), a.amin(),
                              ember.logsumexp(a, 0)))
    same_for_threads(lambda: (m.sum(0), m.sum(1), m.mean(1), m.var(0), m.var(1), *m.max(1), *m.min(0),
                              m.amax(0), ember.logsumexp(m, 1), ember.logsumexp(m, 0)))
    same_for_threads(lambda: (m.softmax(1), m.log_softmax(1), m.softmax(0), m.log_softmax(0)))
    gm = ember.from_numpy(rng.standard_normal((1001, 2999)).astype(np.float32))
    mg = ember.from_numpy(to_np(m))
    mg.requires_grad_()

    def softmax_grads():
        outs = [f(mg) for f in (lambda v: v.softmax(1), lambda v: v.log_softmax(1),
                                lambda v: v.softmax(0), lambda v: v.log_softmax(0))]
        return tuple(ember.autograd.grad([o], [mg], [gm])[0] for o in outs)

    same_for_threads(softmax_grads)
    same_for_threads(lambda: (d.sum(1), d.var(1), *d.max(1), ember.logsumexp(d, 1), d.sum(0)))
    b = ember.from_numpy(rng.random((7, 300_001)) < 1e-5)
    i = ember.from_numpy(rng.integers(-9, 9, 2_000_003))
    same_for_threads(lambda: (b.any(1), b.all(0), b.sum(1), i.sum(), *i.max(0), ember.argmin(i)))


def test_dim_forms_and_dtype_arg():
    a = np.random.default_rng(6).standard_normal((3, 4)).astype(np.float32)
    t = ember.from_numpy(a)
    np.testing.assert_allclose(to_np(t.sum(())), a.sum(), rtol=1e-6)
    np.testing.assert_allclose(to_np(t.sum([])), a.sum(), rtol=1e-6)
    np.testing.assert_allclose(to_np(t.mean([0, 1], True)), a.mean(keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(to_np(ember.var(t, 1, False)), a.var(1), rtol=1e-5)  # unbiased=False
    np.testing.assert_allclose(to_np(ember.var(t, 1, True, True)), a.var(1, ddof=1, keepdims=True), rtol=1e-5)
    x = tensor(a, requires_grad=True)
    y = ember.log_softmax(x, 1, dtype=ember.float64)
    assert y.dtype == ember.float64
    ember.sum(ember.mul(y, tensor(np.ones((3, 4))))).backward()
    assert x.grad.dtype == ember.float32
    np.testing.assert_allclose(to_np(x.grad), 1 - 4 * _np_softmax(a.astype(np.float64), 1), rtol=1e-5, atol=1e-6)
    s = tensor(a, requires_grad=True)
    ember.sum(ember.sum(s, 0, dtype=ember.float64)).backward()
    assert s.grad.dtype == ember.float32 and np.all(to_np(s.grad) == 1)


def test_torch_parity_ties_and_corrections():
    torch = pytest.importorskip("torch")
    a = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, -1.0, 2.0], [3.0, 0.5, 0.5, 3.0]])
    cases = [lambda m, x: m.max(x), lambda m, x: m.amin(x, 1), lambda m, x: m.amax(x, (0, 1)),
             lambda m, x: m.min(x, 0)[0], lambda m, x: m.var(x, 1, correction=0.5),
             lambda m, x: m.std(x, 0, correction=2), lambda m, x: m.logsumexp(x, (0, 1))]
    for fn in cases:
        x = tensor(a, requires_grad=True)
        out = fn(ember, x)
        ember.sum(out).backward()
        tx = torch.from_numpy(a.copy()).requires_grad_()
        tout = fn(torch, tx)
        tout.sum().backward()
        np.testing.assert_allclose(to_np(out), tout.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------- prod

@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_prod_matches_numpy(dim):
    a = np.random.default_rng(0).uniform(0.5, 1.5, (3, 4, 5)).astype(np.float32)
    out = ember.prod(ember.from_numpy(a), dim)
    np.testing.assert_allclose(to_np(out), np.prod(a.astype(np.float64), axis=dim), rtol=1e-6)
    if dim is not None:
        kept = ember.from_numpy(a).prod(dim, keepdim=True)
        assert kept.shape == np.prod(a, axis=dim, keepdims=True).shape
    i = np.array([[2, -3], [4, 5]], dtype=np.int64)
    np.testing.assert_array_equal(to_np(ember.from_numpy(i).prod(dim if dim != -1 else 1)),
                                  np.prod(i, axis=dim if dim != -1 else 1))
    assert ember.tensor([True, False]).prod().dtype == ember.int64
    assert float(ember.prod(ember.zeros(0))) == 1.0


@pytest.mark.parametrize("zeros", [0, 1, 2])
def test_prod_gradient_with_zeros(zeros):
    a = np.random.default_rng(1).uniform(0.5, 2.0, (3, 5))
    a[0, :zeros] = 0.0
    a[2, 1:1 + zeros] = 0.0
    x = ember.from_numpy(a.copy()).requires_grad_()
    assert ember.autograd.gradcheck(lambda t: ember.prod(t, 1), (x,))
    assert ember.autograd.gradgradcheck(lambda t: ember.prod(t, 1), (x,))
    assert ember.autograd.gradcheck(lambda t: ember.prod(t[:2, :3]), (x,))
    torch = pytest.importorskip("torch")
    t = torch.tensor(a, requires_grad=True)
    ember.prod(x, 1).sum().backward()
    torch.prod(t, 1).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), t.grad.numpy(), rtol=1e-12, atol=1e-12)
    assert np.isfinite(to_np(x.grad)).all()


def test_prod_torch_parity_and_bad_input():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(2).uniform(-1.5, 1.5, (4, 6)).astype(np.float32)
    np.testing.assert_allclose(to_np(ember.from_numpy(a).prod(0)), torch.tensor(a).prod(0).numpy(),
                               rtol=1e-6)
    np.testing.assert_allclose(float(ember.from_numpy(a).prod()), float(torch.tensor(a).prod()),
                               rtol=1e-5)
    with pytest.raises(IndexError, match=r"\[prod\]"):
        ember.prod(ember.ones(2, 2), 2)
    with pytest.raises(TypeError, match=r"\[prod\]"):
        ember.prod(ember.ones(2, 2), (0, 1))
    x = ember.rand(300, 500) + 0.5
    same_for_threads(lambda: (x.prod(1), x.prod(0)))
