"""median / nanmedian, kthvalue, mode, quantile / nanquantile, msort: forward against NumPy,
float64 gradient checks, torch parity (values, indices, gradients), ties where torch is
deterministic, bad input, thread determinism."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from utils import same_for_threads, tensor, to_np


def _distinct(shape, seed=0, dtype=np.float64):
    # Values without ties, so every index choice is unambiguous.
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    return (rng.permutation(n).reshape(shape) + rng.uniform(0.1, 0.9, shape)).astype(dtype)


def _lower_median(a, axis):
    s = np.sort(a, axis=axis)
    return np.take(s, (a.shape[axis] - 1) // 2, axis=axis)


# ---------------------------------------------------------------- median / kthvalue

@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_median_kthvalue_match_numpy(dim, keepdim):
    a = _distinct((4, 5, 6), dtype=np.float32)
    v, i = ember.median(tensor(a), dim, keepdim=keepdim)
    ref = _lower_median(a, dim)
    if keepdim:
        ref = np.expand_dims(ref, dim)
    np.testing.assert_array_equal(to_np(v), ref)
    idx = to_np(i) if keepdim else np.expand_dims(to_np(i), dim)
    picked = np.take_along_axis(a, idx, dim)
    np.testing.assert_array_equal(picked if keepdim else picked.squeeze(dim), to_np(v))
    k = 3
    kv, ki = tensor(a).kthvalue(k, dim, keepdim)
    kref = np.take(np.sort(a, axis=dim), k - 1, axis=dim)
    np.testing.assert_array_equal(to_np(kv), np.expand_dims(kref, dim) if keepdim else kref)
    assert ki.dtype == ember.int64 and kv.dtype == ember.float32


def test_global_median_and_nan():
    a = _distinct((5, 4))
    assert float(ember.median(tensor(a))) == np.sort(a.ravel())[(a.size - 1) // 2]
    assert float(tensor(a).nanmedian()) == float(ember.median(tensor(a)))
    b = np.array([3.0, np.nan, 1.0, 2.0, np.nan])
    assert np.isnan(float(ember.median(tensor(b))))
    assert float(ember.nanmedian(tensor(b))) == 2.0
    v, i = ember.median(tensor(b), 0)
    assert np.isnan(float(v)) and int(i) == 1  # the first NaN, as torch
    c = np.array([[np.nan, np.nan, np.nan], [1.0, np.nan, 3.0], [4.0, 0.5, np.nan]])
    v, i = ember.nanmedian(tensor(c), 1)
    np.testing.assert_array_equal(to_np(v), [np.nan, 1.0, 0.5])
    np.testing.assert_array_equal(to_np(i), [0, 0, 1])
    assert np.isnan(float(ember.median(ember.zeros(0))))
    v, i = ember.median(ember.tensor(2.5), 0)
    assert v.shape == () and float(v) == 2.5 and int(i) == 0
    ints = np.array([[4, 1, 3], [2, 9, 7]], dtype=np.int64)
    v, i = ember.median(tensor(ints), 1)
    np.testing.assert_array_equal(to_np(v), [3, 7])


def test_median_kthvalue_torch_parity():
    torch = pytest.importorskip("torch")
    a = _distinct((5, 7), seed=1)
    a[1, 3] = np.nan
    a[1, 5] = np.nan
    a[2, 0] = np.nan  # (all-NaN rows: torch documents no index)
    g = np.random.default_rng(0).standard_normal(5)
    for name, args in [("median", (1,)), ("nanmedian", (1,)), ("kthvalue", (2, 1))]:
        x = tensor(a, requires_grad=True)
        tx = torch.tensor(a, requires_grad=True)
        v, i = getattr(ember, name)(x, *args)
        tv, ti = getattr(torch, name)(tx, *args)
        np.testing.assert_array_equal(to_np(v), tv.detach().numpy())
        np.testing.assert_array_equal(to_np(i), ti.numpy())
        ember.where(ember.isnan(v), 0.0, v * tensor(g)).sum().backward()
        torch.where(torch.isnan(tv), 0.0, tv * torch.tensor(g)).sum().backward()
        np.testing.assert_array_equal(to_np(x.grad), tx.grad.numpy())
    for name in ["median", "nanmedian"]:
        assert np.array_equal(to_np(getattr(ember, name)(tensor(a))),
                              getattr(torch, name)(torch.tensor(a)).numpy(), equal_nan=True)


def test_median_ties_follow_torch():
    torch = pytest.importorskip("torch")
    # torch documents neither tie index for median / kthvalue; the value must still agree.
    a = np.array([[1.0, 2.0, 2.0, 2.0, 3.0], [5.0, 5.0, 1.0, 1.0, 5.0]])
    v, i = ember.median(tensor(a), 1)
    tv, _ = torch.median(torch.tensor(a), 1)
    np.testing.assert_array_equal(to_np(v), tv.numpy())
    np.testing.assert_array_equal(np.take_along_axis(a, to_np(i)[:, None], 1)[:, 0], to_np(v))


def test_median_kthvalue_gradients():
    x = tensor(_distinct((3, 5)), requires_grad=True)
    assert gradcheck(lambda t: ember.median(t, 1).values, (x,))
    assert gradcheck(lambda t: ember.median(t), (x,))
    assert gradcheck(lambda t: ember.nanmedian(t, 0, keepdim=True).values, (x,))
    assert gradcheck(lambda t: ember.kthvalue(t, 4, 1).values, (x,))
    assert gradgradcheck(lambda t: ember.kthvalue(t * t, 2, 0).values, (x,))


# ---------------------------------------------------------------- mode

def test_mode_matches_torch_on_ties():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    a = rng.integers(0, 4, (6, 9)).astype(np.float64)
    for dim in (0, 1):
        v, i = ember.mode(tensor(a), dim)
        tv, ti = torch.mode(torch.tensor(a), dim)
        np.testing.assert_array_equal(to_np(v), tv.numpy())
        np.testing.assert_array_equal(to_np(i), ti.numpy())
    b = rng.integers(-3, 3, (4, 7))
    v, i = tensor(b).mode(1, keepdim=True)
    tv, ti = torch.tensor(b).mode(1, keepdim=True)
    np.testing.assert_array_equal(to_np(v), tv.numpy())
    np.testing.assert_array_equal(to_np(i), ti.numpy())
    x = tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    ember.mode(x, 1).values.sum().backward()
    torch.mode(tx, 1).values.sum().backward()
    np.testing.assert_array_equal(to_np(x.grad), tx.grad.numpy())


def test_mode_forward_and_gradcheck():
    a = np.array([[3.0, 1.0, 3.0, 1.0, 2.0], [7.0, 7.0, 7.0, 0.0, 0.0]])
    v, i = ember.mode(tensor(a))
    np.testing.assert_array_equal(to_np(v), [1.0, 7.0])
    np.testing.assert_array_equal(to_np(i), [3, 2])  # smallest frequent value, last index
    # Finite differences break ties, so the gradient check runs on distinct values (the mode
    # is then the smallest); tied gradients are compared with torch above.
    x = tensor(_distinct((3, 4)), requires_grad=True)
    assert gradcheck(lambda t: ember.mode(t, 1).values, (x,))


# ---------------------------------------------------------------- quantile

@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_matches_numpy(interpolation):
    a = np.random.default_rng(5).standard_normal((4, 9))
    q = np.array([0.0, 0.1, 0.5, 0.75, 1.0])
    out = ember.quantile(tensor(a), tensor(q), dim=1, interpolation=interpolation)
    ref = np.quantile(a, q, axis=1, method=interpolation)
    np.testing.assert_allclose(to_np(out), ref, rtol=1e-12, atol=1e-12)
    flat = tensor(a).quantile(0.3, interpolation=interpolation)
    np.testing.assert_allclose(float(flat), np.quantile(a, 0.3, method=interpolation), rtol=1e-12)


@pytest.mark.parametrize("keepdim", [False, True])
def test_quantile_torch_parity(keepdim):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(6).standard_normal((3, 6, 4)).astype(np.float32)
    a[0, 2, 1] = np.nan
    q = np.array([0.2, 0.5, 0.9], dtype=np.float32)
    for fn in ["quantile", "nanquantile"]:
        for dim in (None, 1, -1):
            for interp in ["linear", "nearest", "midpoint"]:
                out = getattr(ember, fn)(tensor(a), tensor(q), dim, keepdim, interpolation=interp)
                ref = getattr(torch, fn)(torch.tensor(a), torch.tensor(q), dim, keepdim,
                                         interpolation=interp)
                assert out.shape == tuple(ref.shape)
                np.testing.assert_allclose(to_np(out), ref.numpy(), rtol=1e-6, atol=1e-6)
            out = getattr(ember, fn)(tensor(a), 0.25, dim, keepdim)
            ref = getattr(torch, fn)(torch.tensor(a), 0.25, dim, keepdim)
            assert out.shape == tuple(ref.shape)
            np.testing.assert_allclose(to_np(out), ref.numpy(), rtol=1e-6, atol=1e-6)
    b = np.random.default_rng(7).standard_normal((5, 4))
    x = tensor(b, requires_grad=True)
    tx = torch.tensor(b, requires_grad=True)
    ember.quantile(x, tensor(np.array([0.3, 0.8])), 0).sum().backward()
    torch.quantile(tx, torch.tensor([0.3, 0.8], dtype=torch.float64), 0).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_quantile_gradients():
    x = tensor(_distinct((4, 5)), requires_grad=True)
    q = tensor(np.array([0.2, 0.65]))
    assert gradcheck(lambda t: ember.quantile(t, q, 1), (x,))
    assert gradcheck(lambda t: ember.nanquantile(t, 0.4, 0, True, interpolation="midpoint"), (x,))
    assert gradgradcheck(lambda t: ember.quantile(t * t, q, 0), (x,))


def test_msort():
    a = _distinct((5, 3))
    np.testing.assert_array_equal(to_np(ember.msort(tensor(a))), np.sort(a, axis=0))
    np.testing.assert_array_equal(to_np(tensor(a).msort()), np.sort(a, axis=0))
    x = tensor(a, requires_grad=True)
    assert gradcheck(ember.msort, (x,))


# ---------------------------------------------------------------- bad input, threads

def test_order_stats_bad_input():
    x = ember.randn(3, 4)
    with pytest.raises(IndexError, match=r"\[kthvalue\] expected k in \[1, 4\]"):
        ember.kthvalue(x, 5)
    with pytest.raises(IndexError, match=r"\[median\]"):
        ember.median(x, 2)
    with pytest.raises(IndexError, match=r"\[mode\] expected a non-empty dim"):
        ember.mode(ember.zeros(3, 0))
    with pytest.raises(ValueError, match=r"\[quantile\] q values must be in \[0, 1\], got 1.5"):
        ember.quantile(x, 1.5)
    with pytest.raises(ValueError, match=r"\[nanquantile\] interpolation must be one of"):
        ember.nanquantile(x, 0.5, interpolation="cubic")
    with pytest.raises(TypeError, match=r"\[quantile\] expected a floating point tensor"):
        ember.quantile(ember.arange(4), 0.5)
    with pytest.raises(TypeError, match=r"\[quantile\] expected q of the input's dtype"):
        ember.quantile(x, ember.tensor([0.5], dtype=ember.float64))
    with pytest.raises(ValueError, match=r"\[quantile\] expected a non-empty input"):
        ember.quantile(ember.zeros(0), 0.5)
    with pytest.raises(TypeError, match=r"\[quantile\] expected q to be a float or a tensor"):
        ember.quantile(x, "half")


def test_order_stats_thread_determinism():
    a = np.random.default_rng(8).integers(0, 40, (300, 130)).astype(np.float32)
    x = tensor(a)
    same_for_threads(lambda: ember.median(x, 1))
    same_for_threads(lambda: ember.mode(x, 0))
    same_for_threads(lambda: ember.quantile(x, tensor(np.float32([0.1, 0.9])), 1))
