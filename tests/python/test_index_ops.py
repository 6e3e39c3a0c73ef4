"""index_copy, index_fill, scatter_reduce, masked_scatter, take, put: forward against NumPy,
float64 gradient checks, torch parity for values and gradients (scatter_reduce's prod / amax /
amin gradients included), bad input, thread determinism of scatter_reduce's kernel."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from utils import randn, same_for_threads, tensor, to_np


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _compare(torch, fn_e, fn_t, arrays, consts_e=(), consts_t=(), seed=9):
    xs = [tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = fn_e(*xs, *consts_e), fn_t(*ts, *consts_t)
    np.testing.assert_allclose(to_np(out), ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    g = np.random.default_rng(seed).standard_normal(tuple(ref.shape))
    (out * tensor(g)).sum().backward()
    (ref * torch.tensor(g)).sum().backward()
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(to_np(x.grad), t.grad.numpy(), rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------- index_copy / index_fill

def test_index_copy_fill_numpy():
    a = _rand(4, 5)
    src = _rand(4, 2, seed=1)
    idx = np.array([3, 0])
    ref = a.copy()
    ref[:, idx] = src
    np.testing.assert_array_equal(to_np(ember.index_copy(tensor(a), 1, tensor(idx), tensor(src))), ref)
    ref = a.copy()
    ref[[1, 2]] = -7.0
    np.testing.assert_array_equal(to_np(tensor(a).index_fill(0, tensor(np.array([2, 1, 2])), -7.0)),
                                  ref)
    ref = a.copy()
    ref[:, -1] = 0.5
    np.testing.assert_array_equal(
        to_np(ember.index_fill(tensor(a), -1, tensor(np.array([-1])), ember.tensor(0.5, dtype=ember.float64))),
        ref)


def test_index_copy_fill_torch_parity():
    torch = pytest.importorskip("torch")
    a, src = _rand(3, 4, 2), _rand(3, 2, 2, seed=1)
    idx = np.array([2, 0])
    _compare(torch, lambda x, s, i: ember.index_copy(x, 1, i, s),
             lambda x, s, i: torch.index_copy(x, 1, i, s), [a, src], [tensor(idx)],
             [torch.tensor(idx)])
    v = np.array(1.25)
    _compare(torch, lambda x, val, i: ember.index_fill(x, 2, i, val),
             lambda x, val, i: torch.index_fill(x, 2, i, val), [a, v], [tensor(np.array([1, 1]))],
             [torch.tensor([1, 1])])


# ---------------------------------------------------------------- scatter_reduce

REDUCES = ["sum", "prod", "mean", "amax", "amin"]


@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_matches_torch(reduce, include_self):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    # Small integers give ties (amax / amin shared gradients) and zeros (prod's exact path).
    a = rng.integers(-2, 3, (4, 5)).astype(np.float64)
    # torch's backward needs src shaped like index (a larger src is checked forward only).
    for dim, shape in [(0, (6, 5)), (1, (4, 7))]:
        idx = rng.integers(0, a.shape[dim], shape)
        src = rng.integers(-2, 3, shape).astype(np.float64)
        src[0, 0] = 0.0
        _compare(torch, lambda x, s, i: ember.scatter_reduce(x, dim, i, s, reduce,
                                                             include_self=include_self),
                 lambda x, s, i: torch.scatter_reduce(x, dim, i, s, reduce,
                                                      include_self=include_self),
                 [a, src], [tensor(idx)], [torch.tensor(idx)])
    big = rng.standard_normal((6, 6))
    small_idx = rng.integers(0, 4, (5, 3))
    out = ember.scatter_reduce(tensor(a), 0, tensor(small_idx), tensor(big), reduce,
                               include_self=include_self)
    ref = torch.scatter_reduce(torch.tensor(a), 0, torch.tensor(small_idx), torch.tensor(big),
                               reduce, include_self=include_self)
    np.testing.assert_allclose(to_np(out), ref.numpy(), rtol=1e-12, atol=1e-12)
    ia = rng.integers(-5, 5, (3, 4))
    isrc = rng.integers(-5, 5, (3, 4))
    iidx = rng.integers(0, 3, (3, 4))
    out = tensor(ia).scatter_reduce(0, tensor(iidx), tensor(isrc), reduce, include_self=include_self)
    ref = torch.tensor(ia).scatter_reduce(0, torch.tensor(iidx), torch.tensor(isrc), reduce,
                                          include_self=include_self)
    np.testing.assert_array_equal(to_np(out), ref.numpy())


def test_scatter_reduce_nan_and_gradcheck():
    a = np.array([1.0, 2.0, 3.0])
    src = np.array([np.nan, 5.0, -1.0, 0.5])
    idx = np.array([0, 0, 1, 2])
    out = ember.scatter_reduce(tensor(a), 0, tensor(idx), tensor(src), "amax")
    np.testing.assert_array_equal(to_np(out), [np.nan, 2.0, 3.0])
    x = randn(3, 4, requires_grad=True)
    s = randn(2, 4, seed=1, requires_grad=True)
    i = tensor(np.array([[0, 2, 1, 1], [2, 2, 0, 1]]))
    for reduce in REDUCES:
        for inc in (True, False):
            assert gradcheck(lambda p, q: ember.scatter_reduce(p, 0, i, q, reduce, include_self=inc),
                             (x, s))
    for reduce in ["sum", "mean", "prod"]:
        assert gradgradcheck(lambda p, q: ember.scatter_reduce(p, 0, i, q, reduce), (x, s))


def test_scatter_reduce_thread_determinism():
    rng = np.random.default_rng(4)
    a = tensor(rng.standard_normal((64, 300)).astype(np.float32))
    src = tensor(rng.standard_normal((500, 300)).astype(np.float32))
    idx = tensor(rng.integers(0, 64, (500, 300)))
    for reduce in REDUCES:
        same_for_threads(lambda: ember.scatter_reduce(a, 0, idx, src, reduce))


# ---------------------------------------------------------------- masked_scatter / take / put

def test_masked_scatter_take_put_numpy():
    a = _rand(3, 4)
    mask = a > 0
    src = _rand(12, seed=1)
    ref = a.copy()
    ref[mask] = src[:mask.sum()]
    np.testing.assert_array_equal(to_np(ember.masked_scatter(tensor(a), tensor(mask), tensor(src))), ref)
    row = np.array([True, False, True, True])
    ref = a.copy()
    ref[:, row] = src[:9].reshape(3, 3)
    np.testing.assert_array_equal(to_np(tensor(a).masked_scatter(tensor(row), tensor(src))), ref)
    idx = np.array([[0, -1], [5, 5]])
    np.testing.assert_array_equal(to_np(ember.take(tensor(a), tensor(idx))), np.take(a, idx))
    np.testing.assert_array_equal(to_np(tensor(a).take(tensor(idx))), np.take(a, idx))
    ref = a.copy()
    np.put(ref, [1, -2], [9.0, 8.0])
    np.testing.assert_array_equal(
        to_np(ember.put(tensor(a), tensor(np.array([1, -2])), tensor(np.array([9.0, 8.0])))), ref)
    ref = a.copy().ravel()
    ref[2] += 3.0
    out = tensor(a).put(tensor(np.array([2, 2])), tensor(np.array([1.0, 2.0])), accumulate=True)
    np.testing.assert_array_equal(to_np(out), ref.reshape(3, 4))


def test_masked_scatter_take_put_torch_parity():
    torch = pytest.importorskip("torch")
    a, src = _rand(3, 4), _rand(14, seed=1)
    mask = _rand(3, 4, seed=2) > 0
    _compare(torch, lambda x, s, m: ember.masked_scatter(x, m, s.reshape(2, 7)),
             lambda x, s, m: torch.masked_scatter(x, m, s.reshape(2, 7)), [a, src],
             [tensor(mask)], [torch.tensor(mask)])
    idx = np.array([[0, -1, 3], [5, 5, 11]])
    _compare(torch, lambda x, i: ember.take(x, i), lambda x, i: torch.take(x, i), [a],
             [tensor(idx)], [torch.tensor(idx)])
    pidx = np.array([1, 7, -1])
    for acc in (False, True):
        _compare(torch, lambda x, s, i: ember.put(x, i, s, acc),
                 lambda x, s, i: torch.put(x, i, s, acc), [a, _rand(3, seed=3)], [tensor(pidx)],
                 [torch.tensor(pidx)])


def test_index_ops_gradchecks():
    x = randn(3, 4, requires_grad=True)
    s = randn(3, 2, seed=1, requires_grad=True)
    idx = tensor(np.array([3, 1]))
    assert gradcheck(lambda p, q: ember.index_copy(p, 1, idx, q), (x, s))
    assert gradcheck(lambda p: ember.index_fill(p, 1, idx, 2.0), (x,))
    m = tensor(np.array([[True, False, True, False]] * 3))
    src = randn(8, seed=2, requires_grad=True)
    assert gradcheck(lambda p, q: ember.masked_scatter(p, m, q), (x, src))
    assert gradcheck(lambda p: ember.take(p, tensor(np.array([0, 11, -3]))), (x,))
    assert gradgradcheck(lambda p: ember.take(p * p, tensor(np.array([0, 11, 0]))), (x,))
    assert gradcheck(lambda p, q: ember.put(p, tensor(np.array([0, 0, 5])), q, True), (x, src[:3]))


def test_index_ops_bad_input():
    x = ember.randn(3, 4)
    with pytest.raises(IndexError, match=r"\[index_copy\] index 4 is out of bounds for size 4"):
        ember.index_copy(x, 1, tensor(np.array([4])), ember.zeros(3, 1))
    with pytest.raises(ValueError, match=r"\[index_copy\] expected source of shape \(3, 1\)"):
        ember.index_copy(x, 1, tensor(np.array([0])), ember.zeros(3, 2))
    with pytest.raises(TypeError, match=r"\[index_copy\] expected source of the input's dtype"):
        ember.index_copy(x, 1, tensor(np.array([0])), ember.zeros(3, 1, dtype=ember.float64))
    with pytest.raises(TypeError, match=r"\[index_fill\] expected an int64 index"):
        ember.index_fill(x, 0, ember.zeros(1), 1.0)
    with pytest.raises(ValueError, match=r"\[index_fill\] expected a 0-d value tensor"):
        ember.index_fill(x, 0, tensor(np.array([0])), ember.zeros(2))
    with pytest.raises(ValueError, match=r"\[scatter_reduce\] reduce must be one of"):
        ember.scatter_reduce(x, 0, tensor(np.zeros((1, 1), dtype=np.int64)), x, "max")
    with pytest.raises(IndexError, match=r"\[scatter_reduce\] index 3 is out of bounds"):
        ember.scatter_reduce(x, 0, tensor(np.full((1, 1), 3)), x, "sum")
    with pytest.raises(TypeError, match=r"\[scatter_reduce\] expected src of the same dtype"):
        ember.scatter_reduce(x, 0, tensor(np.zeros((1, 1), dtype=np.int64)), ember.zeros(1, 1, dtype=ember.int64), "sum")
    with pytest.raises(TypeError, match=r"\[masked_scatter\] expected a bool mask"):
        ember.masked_scatter(x, ember.ones(3, 4), x)
    with pytest.raises(ValueError, match=r"\[masked_scatter\] expected source with at least 12"):
        ember.masked_scatter(x, ember.ones(3, 4, dtype=ember.bool), ember.zeros(5))
    with pytest.raises(IndexError, match=r"\[take\] index 12 is out of bounds for size 12"):
        ember.take(x, tensor(np.array([12])))
    with pytest.raises(ValueError, match=r"\[put\] expected source with as many elements as index"):
        ember.put(x, tensor(np.array([1, 2])), ember.zeros(3))
