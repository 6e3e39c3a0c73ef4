"""ops/composite.h: lerp, addcmul, addcdiv, nan_to_num, repeat_interleave, broadcast_tensors,
meshgrid, atleast_Nd, hstack / vstack / dstack, count_nonzero, tril / triu_indices, type_as:
NumPy forward, float64 gradcheck, torch parity, bad input."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from utils import to_np


def _f64(*shape, seed=0, grad=True):
    a = np.random.default_rng(seed).standard_normal(shape)
    return ember.from_numpy(a).requires_grad_(grad)


def test_lerp_addcmul_addcdiv_forward_and_gradients():
    a, b, w = _f64(3, 4), _f64(3, 4, seed=1), _f64(4, seed=2)
    an, bn, wn = to_np(a), to_np(b), to_np(w)
    np.testing.assert_allclose(to_np(ember.lerp(a, b, 0.25)), an + 0.25 * (bn - an))
    np.testing.assert_allclose(to_np(a.lerp(b, w)), an + wn * (bn - an))
    np.testing.assert_allclose(to_np(ember.addcmul(a, b, w, value=0.5)), an + 0.5 * bn * wn)
    np.testing.assert_allclose(to_np(a.addcdiv(b, w + 3, value=-2)), an - 2 * bn / (wn + 3))
    assert gradcheck(lambda a, b, w: ember.lerp(a, b, w), (a, b, w))
    assert gradgradcheck(lambda a, b, w: ember.addcmul(a, b, w, value=2.0), (a, b, w))
    assert gradcheck(lambda a, b, w: ember.addcdiv(a, b, w + 3, value=0.5), (a, b, w))


def test_pointwise_torch_parity():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    an, bn, cn = (rng.standard_normal((2, 5)).astype(np.float32) for _ in range(3))
    e = [ember.from_numpy(x) for x in (an, bn, cn)]
    t = [torch.from_numpy(x) for x in (an, bn, cn)]
    pairs = [
        (ember.lerp(e[0], e[1], 0.3), torch.lerp(t[0], t[1], 0.3)),
        (ember.lerp(e[0], e[1], e[2]), torch.lerp(t[0], t[1], t[2])),
        (ember.addcmul(e[0], e[1], e[2], value=1.5), torch.addcmul(t[0], t[1], t[2], value=1.5)),
        (ember.addcdiv(e[0], e[1], e[2], value=0.5), torch.addcdiv(t[0], t[1], t[2], value=0.5)),
    ]
    for got, want in pairs:
        np.testing.assert_allclose(to_np(got), want.numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(TypeError, match=r"\[addcdiv\] integer division"):
        ember.addcdiv(e[0], ember.ones(2, 5, dtype=ember.int64), ember.ones(2, 5, dtype=ember.int64))


def test_nan_to_num_like_torch():
    torch = pytest.importorskip("torch")
    a = np.array([np.nan, np.inf, -np.inf, 1.5, -2.0], np.float32)
    for kw in ({}, {"nan": 1.0}, {"nan": 0.5, "posinf": 9.0, "neginf": -9.0}):
        np.testing.assert_array_equal(to_np(ember.nan_to_num(ember.from_numpy(a), **kw)),
                                      torch.nan_to_num(torch.from_numpy(a), **kw).numpy())
    x = ember.from_numpy(a.astype(np.float64)).requires_grad_()
    x.nan_to_num().sum().backward()
    np.testing.assert_array_equal(to_np(x.grad), [0, 0, 0, 1, 1])
    i = ember.tensor([1, 2])
    assert to_np(i.nan_to_num()).tolist() == [1, 2]


def test_repeat_interleave_like_torch():
    torch = pytest.importorskip("torch")
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    e, t = ember.from_numpy(a), torch.from_numpy(a)
    cases = [((2,), {}), ((2,), {"dim": 1}), ((ember.tensor([1, 0, 3]),), {"dim": 1}),
             ((ember.tensor([2, 1]),), {"dim": 0}), ((3,), {"dim": -2})]
    for args, kw in cases:
        targs = tuple(torch.from_numpy(to_np(x)) if isinstance(x, ember.Tensor) else x
                      for x in args)
        np.testing.assert_array_equal(to_np(e.repeat_interleave(*args, **kw)),
                                      t.repeat_interleave(*targs, **kw).numpy())
    x = _f64(2, 3)
    assert gradcheck(lambda x: ember.repeat_interleave(x, ember.tensor([2, 0, 1]), dim=1), (x,))
    with pytest.raises(ValueError, match=r"\[repeat_interleave\] expected repeats of size 1 or 3"):
        e.repeat_interleave(ember.tensor([1, 2]), dim=1)
    with pytest.raises(ValueError, match=r"\[repeat_interleave\] repeats must be non-negative"):
        e.repeat_interleave(-1)
    with pytest.raises(TypeError, match=r"\[repeat_interleave\]"):
        e.repeat_interleave(ember.tensor([1.0, 2.0]), dim=0)


def test_broadcast_meshgrid_atleast_and_stacks_like_torch():
    torch = pytest.importorskip("torch")
    x, y, z = np.arange(3.0), np.arange(4.0) * 10, np.arange(2.0) * 100
    ex, ey, ez = (ember.from_numpy(v) for v in (x, y, z))
    tx, ty, tz = (torch.from_numpy(v) for v in (x, y, z))
    for idx in ("ij", "xy"):
        for got, want in zip(ember.meshgrid(ex, ey, ez, indexing=idx),
                             torch.meshgrid(tx, ty, tz, indexing=idx)):
            np.testing.assert_array_equal(to_np(got), want.numpy())
        for got, want in zip(ember.meshgrid([ex, ey], indexing=idx),
                             torch.meshgrid([tx, ty], indexing=idx)):
            np.testing.assert_array_equal(to_np(got), want.numpy())
    a, b = ember.ones(3, 1), ember.zeros(1, 4)
    ba, bb = ember.broadcast_tensors(a, b)
    assert ba.shape == bb.shape == (3, 4)
    for n, fn in ((1, "atleast_1d"), (2, "atleast_2d"), (3, "atleast_3d")):
        for shape in ((), (3,), (2, 3), (2, 3, 4)):
            v = np.arange(float(np.prod(shape))).reshape(shape)
            assert getattr(ember, fn)(ember.from_numpy(v)).shape == \
                tuple(getattr(torch, fn)(torch.from_numpy(v)).shape)
    for fn in ("hstack", "vstack", "dstack"):
        for shapes in (((3,), (3,)), ((2, 3), (2, 3))):
            vs = [np.arange(float(np.prod(s))).reshape(s) + k for k, s in enumerate(shapes)]
            np.testing.assert_array_equal(
                to_np(getattr(ember, fn)([ember.from_numpy(v) for v in vs])),
                getattr(torch, fn)([torch.from_numpy(v) for v in vs]).numpy())
    g1, g2 = _f64(3), _f64(2, seed=1)
    assert gradcheck(lambda a, b: ember.meshgrid(a, b, indexing="xy")[0] * ember.meshgrid(
        a, b, indexing="xy")[1], (g1, g2))
    assert gradcheck(lambda a, b: ember.vstack([a, a * 2]) + 0 * b.sum(), (g1, g2))
    with pytest.raises(ValueError, match=r"\[meshgrid\] indexing must be"):
        ember.meshgrid(ex, ey, indexing="yx")
    with pytest.raises(ValueError, match=r"\[meshgrid\] expected 0-D or 1-D"):
        ember.meshgrid(ember.ones(2, 2))
    with pytest.raises(ValueError, match=r"\[broadcast_tensors\]"):
        ember.broadcast_tensors(ember.ones(3), ember.ones(4))
    with pytest.raises(ValueError, match=r"\[hstack\] expected a non-empty list"):
        ember.hstack([])


def test_count_nonzero_tri_indices_type_as_like_torch():
    torch = pytest.importorskip("torch")
    a = np.array([[0, 1.5, 0], [2, 0, -1]], np.float32)
    for dim in (None, 0, 1, (0, 1)):
        kw = {} if dim is None else {"dim": dim}
        got = ember.count_nonzero(ember.from_numpy(a), **kw)
        assert got.dtype == ember.int64
        np.testing.assert_array_equal(to_np(got),
                                      torch.count_nonzero(torch.from_numpy(a), **kw).numpy())
    for r, c, off in ((3, 3, 0), (4, 2, 1), (2, 5, -1), (0, 3, 0)):
        np.testing.assert_array_equal(to_np(ember.tril_indices(r, c, off)),
                                      torch.tril_indices(r, c, off).numpy())
        np.testing.assert_array_equal(to_np(ember.triu_indices(r, c, off)),
                                      torch.triu_indices(r, c, off).numpy())
    with pytest.raises(ValueError, match=r"\[tril_indices\] expected row and col >= 0"):
        ember.tril_indices(-1, 2)
    x = ember.ones(2, dtype=ember.int64)
    assert x.type_as(ember.ones(1)).dtype == ember.float32
    d = _f64(3)
    y = d.type_as(ember.ones(1))
    y.sum().backward()
    assert y.dtype == ember.float32 and d.grad.dtype == ember.float64
