"""nansum, nanmean, var_mean, std_mean, aminmax: against NumPy and torch (values and
gradients), dims / keepdim / dtype, float64 gradcheck, thread-count determinism, bad input."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from utils import same_for_threads, tensor, to_np


def _with_nans(shape, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    a[rng.random(shape) < 0.3] = np.nan
    return a.astype(dtype)


@pytest.mark.parametrize("dim,keepdim", [(None, False), (1, False), ((0, 2), True), (-1, True)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nansum_nanmean_forward(dim, keepdim, dtype):
    a = _with_nans((3, 4, 5), dtype=dtype)
    rtol = 1e-12 if dtype == np.float64 else 2e-6
    s = ember.nansum(tensor(a), dim, keepdim)
    m = ember.nanmean(tensor(a), dim=dim, keepdim=keepdim)
    np.testing.assert_allclose(to_np(s), np.nansum(a, axis=dim, keepdims=keepdim), rtol=rtol, atol=rtol)
    np.testing.assert_allclose(to_np(m), np.nanmean(a, axis=dim, keepdims=keepdim), rtol=rtol, atol=rtol)
    np.testing.assert_array_equal(to_np(tensor(a).nansum(dim, keepdim)), to_np(s))
    np.testing.assert_array_equal(to_np(tensor(a).nanmean(dim, keepdim)), to_np(m))
    assert s.dtype == tensor(a).dtype and m.dtype == tensor(a).dtype


def test_nansum_nanmean_dtype_ints_and_all_nan():
    a = _with_nans((4, 6), dtype=np.float32)
    s = ember.nansum(tensor(a), dtype=ember.float64)
    assert s.dtype == ember.float64
    np.testing.assert_allclose(s.item(), np.nansum(a.astype(np.float64)), rtol=1e-12)
    m = ember.nanmean(tensor(a), 1, dtype=ember.float64)
    assert m.dtype == ember.float64
    np.testing.assert_allclose(to_np(m), np.nanmean(a.astype(np.float64), axis=1), rtol=1e-12)
    i = np.arange(12).reshape(3, 4)
    si = ember.nansum(tensor(i), 0)
    assert si.dtype == ember.int64
    np.testing.assert_array_equal(to_np(si), i.sum(0))
    allnan = np.full((2, 3), np.nan)
    np.testing.assert_array_equal(to_np(ember.nansum(tensor(allnan), 1)), [0.0, 0.0])
    assert np.isnan(to_np(ember.nanmean(tensor(allnan), 1))).all()


def test_nan_reductions_gradients_and_torch_parity():
    torch = pytest.importorskip("torch")
    a = _with_nans((3, 5), seed=1)
    for name in ("nansum", "nanmean"):
        e, t = tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        out = getattr(ember, name)(e, 1, True)
        tout = getattr(torch, name)(t, 1, True)
        np.testing.assert_allclose(to_np(out), tout.detach().numpy(), rtol=1e-12)
        g = np.random.default_rng(2).standard_normal((3, 1))
        (out * tensor(g)).sum().backward()
        (tout * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(to_np(e.grad), t.grad.numpy(), rtol=1e-12)
        assert (to_np(e.grad)[np.isnan(a)] == 0).all()
    x = tensor(np.random.default_rng(3).standard_normal((3, 4)), requires_grad=True)
    assert gradcheck(lambda v: ember.nansum(v, 1), (x,))
    assert gradcheck(lambda v: ember.nanmean(v, 0), (x,))
    assert gradgradcheck(lambda v: ember.nanmean(v * v, 0), (x,))


@pytest.mark.parametrize("name", ["var_mean", "std_mean"])
def test_var_std_mean(name):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(4).standard_normal((4, 5, 6))
    for kwargs in ({}, {"dim": 1}, {"dim": (0, 2), "keepdim": True}, {"dim": 1, "correction": 0},
                   {"dim": 2, "unbiased": False}):
        v, m = getattr(ember, name)(tensor(a), **kwargs)
        tv, tm = getattr(torch, name)(torch.from_numpy(a), **kwargs)
        np.testing.assert_allclose(to_np(v), tv.numpy(), rtol=1e-12)
        np.testing.assert_allclose(to_np(m), tm.numpy(), rtol=1e-12, atol=1e-15)
        v2, m2 = getattr(tensor(a), name)(**kwargs)
        np.testing.assert_array_equal(to_np(v2), to_np(v))
    e, t = tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    v, m = getattr(ember, name)(e, 1)
    tv, tm = getattr(torch, name)(t, 1)
    (v.sum() + 2 * m.sum()).backward()
    (tv.sum() + 2 * tm.sum()).backward()
    np.testing.assert_allclose(to_np(e.grad), t.grad.numpy(), rtol=1e-10)
    x = tensor(a[:2, :3, :2], requires_grad=True)
    assert gradcheck(lambda u: getattr(ember, name)(u, 1), (x,))
    with pytest.raises(TypeError, match=rf"\[{name}\] expected only one of unbiased and correction"):
        getattr(ember, name)(tensor(a), 1, unbiased=True, correction=0)


def test_aminmax():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(5).standard_normal((4, 6))
    a[1, 2] = np.nan
    r = ember.aminmax(tensor(a))
    tr = torch.aminmax(torch.from_numpy(a))
    assert np.isnan(r.min.item()) and np.isnan(r.max.item()) and np.isnan(tr.min.item())
    for dim in (0, 1, -1):
        for keepdim in (False, True):
            r = ember.aminmax(tensor(a), dim=dim, keepdim=keepdim)
            tr = torch.aminmax(torch.from_numpy(a), dim=dim, keepdim=keepdim)
            mn, mx = r
            np.testing.assert_array_equal(to_np(mn), tr.min.numpy())
            np.testing.assert_array_equal(to_np(r.max), tr.max.numpy())
    i = np.array([[3, -1, 7], [0, 5, 5]])
    r = tensor(i).aminmax(dim=1)
    np.testing.assert_array_equal(to_np(r.min), [-1, 0])
    np.testing.assert_array_equal(to_np(r.max), [7, 5])
    assert r.min.dtype == ember.int64
    s = ember.aminmax(tensor(np.array(2.5)))
    assert s.min.item() == 2.5 and s.max.item() == 2.5
    # gradients flow to the extremes, ties split evenly (like amin / amax)
    e = tensor(np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]]), requires_grad=True)
    r = ember.aminmax(e, dim=1)
    (r.min.sum() + r.max.sum()).backward()
    np.testing.assert_allclose(to_np(e.grad), [[1.0, 0.5, 0.5], [1.0, 1.0, 0.0]])
    with pytest.raises(RuntimeError, match=r"\[aminmax\] cannot compute aminmax over an empty"):
        ember.aminmax(tensor(np.zeros((2, 0))), dim=1)
    with pytest.raises(IndexError, match=r"\[aminmax\]"):
        ember.aminmax(tensor(a), dim=2)


def test_bad_inputs():
    with pytest.raises(TypeError, match=r"\[nanmean\] expected a floating point input"):
        ember.nanmean(tensor(np.array([1, 2])))
    with pytest.raises(IndexError, match=r"\[nansum\]"):
        ember.nansum(tensor(np.ones((2, 2))), 3)
    with pytest.raises(TypeError, match=r"\[nansum\] expected dim"):
        ember.nansum(tensor(np.ones((2, 2))), "a")


def test_thread_count_does_not_change_results():
    a = tensor(_with_nans((300, 1001), seed=6, dtype=np.float32))
    same_for_threads(lambda: ember.nansum(a))
    same_for_threads(lambda: ember.nanmean(a, 1))
    same_for_threads(lambda: ember.var_mean(a, 0))
    same_for_threads(lambda: ember.std_mean(a))
    same_for_threads(lambda: ember.aminmax(a, dim=1))
