"""unique / unique_consecutive, searchsorted / bucketize, histc, bincount, argwhere,
unravel_index: forward against NumPy, torch parity, bad input, thread determinism. None of
them is differentiable (as in torch): their results are indices and counts."""
import numpy as np
import pytest

import ember
from utils import same_for_threads, tensor, to_np


# ---------------------------------------------------------------- unique

def test_unique_matches_numpy():
    a = np.random.default_rng(0).integers(-5, 5, (4, 6))
    values, inverse, counts = ember.unique(tensor(a), return_inverse=True, return_counts=True)
    rv, ri, rc = np.unique(a, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(to_np(values), rv)
    np.testing.assert_array_equal(to_np(inverse), ri.reshape(a.shape))
    np.testing.assert_array_equal(to_np(counts), rc)
    only = tensor(a).unique()
    assert isinstance(only, ember.Tensor)
    np.testing.assert_array_equal(to_np(only), rv)
    v, c = tensor(a.astype(np.float32)).unique(sorted=False, return_counts=True)
    np.testing.assert_array_equal(to_np(c), rc)
    assert v.dtype == ember.float32


def test_unique_dim_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a = rng.integers(0, 2, (5, 3, 4)).astype(np.float64)
    a[3] = a[0]
    for dim in (0, 1, 2, -1):
        out = ember.unique(tensor(a), return_inverse=True, return_counts=True, dim=dim)
        ref = torch.unique(torch.tensor(a), return_inverse=True, return_counts=True, dim=dim)
        for o, r in zip(out, ref):
            np.testing.assert_array_equal(to_np(o), r.numpy())


def test_unique_nan_and_torch_parity():
    torch = pytest.importorskip("torch")
    a = np.array([1.0, np.nan, 3.0, np.nan, 1.0, -2.0])
    out = ember.unique(tensor(a), return_inverse=True, return_counts=True)
    ref = torch.unique(torch.tensor(a), return_inverse=True, return_counts=True)
    for o, r in zip(out, ref):
        np.testing.assert_array_equal(to_np(o), r.numpy())
    b = np.array([True, False, True])
    np.testing.assert_array_equal(to_np(ember.unique(tensor(b))), [False, True])
    s = ember.unique(ember.tensor(3), return_inverse=True)
    assert s[0].shape == (1,) and s[1].shape == ()


def test_unique_consecutive_matches_torch():
    torch = pytest.importorskip("torch")
    a = np.array([1, 1, 2, 2, 3, 1, 1, 2])
    out = ember.unique_consecutive(tensor(a), return_inverse=True, return_counts=True)
    ref = torch.unique_consecutive(torch.tensor(a), return_inverse=True, return_counts=True)
    for o, r in zip(out, ref):
        np.testing.assert_array_equal(to_np(o), r.numpy())
    m = np.array([[1, 2], [1, 2], [0, 0], [1, 2]])
    out = tensor(m).unique_consecutive(return_counts=True, dim=0)
    ref = torch.tensor(m).unique_consecutive(return_counts=True, dim=0)
    for o, r in zip(out, ref):
        np.testing.assert_array_equal(to_np(o), r.numpy())


# ---------------------------------------------------------------- searchsorted / bucketize

@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_matches_numpy(right):
    seq = np.array([-1.0, 0.0, 0.0, 2.5, 7.0])
    v = np.array([[-3.0, 0.0, 1.0], [2.5, 7.0, 9.0]])
    side = "right" if right else "left"
    out = ember.searchsorted(tensor(seq), tensor(v), right=right)
    np.testing.assert_array_equal(to_np(out), np.searchsorted(seq, v, side=side))
    np.testing.assert_array_equal(to_np(ember.searchsorted(tensor(seq), tensor(v), side=side)),
                                  np.searchsorted(seq, v, side=side))
    assert out.dtype == ember.int64
    s = ember.searchsorted(tensor(seq), 0.0, right=right)
    assert s.shape == () and int(s) == np.searchsorted(seq, 0.0, side=side)
    np.testing.assert_array_equal(to_np(ember.bucketize(tensor(v), tensor(seq), right=right)),
                                  np.searchsorted(seq, v, side=side))


def test_searchsorted_nd_sorter_and_torch_parity():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    seq = np.sort(rng.integers(0, 10, (3, 6)), axis=1).astype(np.float32)
    seq[2, 5] = np.nan
    v = rng.integers(-1, 11, (3, 4)).astype(np.float32)
    v[0, 0] = np.nan
    for right in (False, True):
        out = ember.searchsorted(tensor(seq), tensor(v), right=right)
        ref = torch.searchsorted(torch.tensor(seq), torch.tensor(v), right=right)
        np.testing.assert_array_equal(to_np(out), ref.numpy())
    unsorted = rng.permutation(8).astype(np.float64)
    sorter = np.argsort(unsorted)
    q = np.array([0.5, 3.0, 7.5])
    out = ember.searchsorted(tensor(unsorted), tensor(q), sorter=tensor(sorter))
    ref = torch.searchsorted(torch.tensor(unsorted), torch.tensor(q), sorter=torch.tensor(sorter))
    np.testing.assert_array_equal(to_np(out), ref.numpy())
    ints = ember.searchsorted(tensor(np.array([1.0, 2.0])), tensor(np.array([1, 3])))
    np.testing.assert_array_equal(to_np(ints), [0, 2])
    b = np.array([0.1, 0.5, 0.9])
    x = rng.uniform(0, 1, (4, 5))
    np.testing.assert_array_equal(to_np(ember.bucketize(tensor(x), tensor(b))),
                                  torch.bucketize(torch.tensor(x), torch.tensor(b)).numpy())


def test_searchsorted_thread_determinism():
    seq = tensor(np.sort(np.random.default_rng(3).standard_normal(1000)))
    v = tensor(np.random.default_rng(4).standard_normal((64, 700)))
    same_for_threads(lambda: ember.searchsorted(seq, v))


# ---------------------------------------------------------------- histc / bincount

def test_histc_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    for dtype in (np.float32, np.float64):
        a = rng.standard_normal(500).astype(dtype)
        for bins, lo, hi in [(10, 0, 0), (7, -1.0, 1.0), (1, 0, 0), (13, -0.5, 3.0)]:
            out = ember.histc(tensor(a), bins=bins, min=lo, max=hi)
            ref = torch.histc(torch.tensor(a), bins=bins, min=lo, max=hi)
            assert out.dtype == (ember.float32 if dtype == np.float32 else ember.float64)
            np.testing.assert_array_equal(to_np(out), ref.numpy())
    c = np.array([1.0, 2.0, 1.0, 4.0, np.nan])
    np.testing.assert_array_equal(to_np(tensor(c).histc(4, 0, 3)), [0.0, 2.0, 1.0, 0.0])
    np.testing.assert_array_equal(to_np(ember.histc(tensor(np.full(3, 2.0)), bins=4)),
                                  torch.histc(torch.full((3,), 2.0, dtype=torch.float64), 4).numpy())


def test_bincount_matches_numpy_and_torch():
    torch = pytest.importorskip("torch")
    a = np.array([0, 3, 1, 3, 3, 7])
    np.testing.assert_array_equal(to_np(ember.bincount(tensor(a))), np.bincount(a))
    np.testing.assert_array_equal(to_np(tensor(a).bincount(minlength=10)),
                                  np.bincount(a, minlength=10))
    w32 = np.linspace(0, 1, 6).astype(np.float32)
    out = ember.bincount(tensor(a), weights=tensor(w32))
    ref = torch.bincount(torch.tensor(a), weights=torch.tensor(w32))
    assert out.dtype == ember.float32
    np.testing.assert_allclose(to_np(out), ref.numpy(), rtol=1e-7)
    out = ember.bincount(tensor(a), tensor(np.arange(6)))
    assert out.dtype == ember.float64
    np.testing.assert_array_equal(to_np(out), np.bincount(a, np.arange(6)))
    assert ember.bincount(ember.zeros(0, dtype=ember.int64)).shape == (0,)


# ---------------------------------------------------------------- argwhere / unravel_index

def test_argwhere_and_unravel_index():
    torch = pytest.importorskip("torch")
    a = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    np.testing.assert_array_equal(to_np(ember.argwhere(tensor(a))), np.argwhere(a))
    np.testing.assert_array_equal(to_np(tensor(a).argwhere()), np.argwhere(a))
    idx = np.array([[0, 5], [-1, 11]])
    out = ember.unravel_index(tensor(idx), (3, 4))
    ref = torch.unravel_index(torch.tensor(idx), (3, 4))
    assert isinstance(out, tuple) and len(out) == 2
    for o, r in zip(out, ref):
        np.testing.assert_array_equal(to_np(o), r.numpy())
    (flat,) = ember.unravel_index(tensor(np.array([4])), 6)
    np.testing.assert_array_equal(to_np(flat), [4])


# ---------------------------------------------------------------- bad input

def test_unique_search_bad_input():
    x = ember.randn(3, 4)
    with pytest.raises(IndexError, match=r"\[unique\]"):
        ember.unique(x, dim=2)
    with pytest.raises(ValueError, match=r"\[unique_consecutive\] expected an input with at least"):
        ember.unique_consecutive(ember.tensor(1.0), dim=0)
    with pytest.raises(ValueError, match=r"\[searchsorted\] side and right can't be set"):
        ember.searchsorted(ember.arange(3), ember.arange(2), side="left", right=True)
    with pytest.raises(ValueError, match=r"\[searchsorted\] expected input with the leading dims"):
        ember.searchsorted(ember.zeros(2, 3), ember.zeros(3, 3))
    with pytest.raises(NotImplementedError, match=r"\[searchsorted\] out_int32=True"):
        ember.searchsorted(ember.arange(3), ember.arange(2), out_int32=True)
    with pytest.raises(ValueError, match=r"\[searchsorted\] expected sorter of dtype int64"):
        ember.searchsorted(ember.arange(3), ember.arange(2), sorter=ember.arange(2))
    with pytest.raises(ValueError, match=r"\[bucketize\] expected 1-D boundaries"):
        ember.bucketize(x, ember.zeros(2, 2))
    with pytest.raises(ValueError, match=r"\[histc\] expected max > min"):
        ember.histc(x, bins=4, min=3, max=0)
    with pytest.raises(ValueError, match=r"\[histc\] expected bins > 0"):
        ember.histc(x, bins=0)
    with pytest.raises(TypeError, match=r"\[histc\] expected a floating point tensor"):
        ember.histc(ember.arange(3))
    with pytest.raises(ValueError, match=r"\[bincount\] expected non-negative values, got -1"):
        ember.bincount(tensor(np.array([1, -1])))
    with pytest.raises(ValueError, match=r"\[bincount\] expected a 1-D int64 tensor"):
        ember.bincount(x)
    with pytest.raises(ValueError, match=r"\[bincount\] expected weights of shape \(2,\)"):
        ember.bincount(tensor(np.array([1, 2])), weights=ember.ones(3))
    with pytest.raises(IndexError, match=r"\[unravel_index\] index 12 is out of bounds"):
        ember.unravel_index(tensor(np.array([12])), (3, 4))
    with pytest.raises(TypeError, match=r"\[unravel_index\] expected int64 indices"):
        ember.unravel_index(ember.ones(2), (3, 4))
    with pytest.raises(TypeError, match=r"\[unravel_index\] expected shape to be an int"):
        ember.unravel_index(tensor(np.array([1])), "34")
