"""sort / argsort / topk, cumsum, tril / triu, isnan / isinf / isfinite, multinomial:
forward against NumPy, float64 gradient checks, torch parity, bad input, thread determinism."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from utils import randn, same_for_threads, tensor, to_np


def _distinct(shape, seed=0, dtype=np.float64):
    # Values without ties, so every correct sort gives the same order.
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    return (rng.permutation(n).reshape(shape) + rng.uniform(0.1, 0.9, shape)).astype(dtype)


# ---------------------------------------------------------------- sort / argsort / topk

@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_matches_numpy(dim, descending):
    a = _distinct((4, 5, 6), dtype=np.float32)
    values, indices = ember.sort(tensor(a), dim=dim, descending=descending)
    ref_idx = np.argsort(-a if descending else a, axis=dim, kind="stable")
    np.testing.assert_array_equal(to_np(indices), ref_idx)
    np.testing.assert_array_equal(to_np(values), np.take_along_axis(a, ref_idx, dim))
    assert indices.dtype == ember.int64 and values.dtype == ember.float32
    np.testing.assert_array_equal(to_np(tensor(a).argsort(dim, descending)), ref_idx)


def test_sort_ties_are_stable_and_nan_is_largest():
    a = np.array([2.0, np.nan, 1.0, 2.0, -np.inf, np.nan, 1.0])
    asc = ember.sort(tensor(a))
    np.testing.assert_array_equal(to_np(asc.indices), np.argsort(a, kind="stable"))
    desc = ember.sort(tensor(a), descending=True, stable=True)
    np.testing.assert_array_equal(to_np(desc.indices), [1, 5, 0, 3, 2, 6, 4])


def test_sort_int_bool_and_scalar():
    a = np.array([[3, -1, 2, 2], [0, 5, 5, 1]], dtype=np.int64)
    v, i = tensor(a).sort(dim=1)
    np.testing.assert_array_equal(to_np(i), np.argsort(a, axis=1, kind="stable"))
    np.testing.assert_array_equal(to_np(v), np.sort(a, axis=1))
    b = np.array([True, False, True, False])
    np.testing.assert_array_equal(to_np(ember.argsort(tensor(b))), [1, 3, 0, 2])
    v, i = ember.sort(ember.tensor(2.5))
    assert v.shape == () and float(v) == 2.5 and int(i) == 0
    v, i = ember.sort(ember.zeros(3, 0), dim=1)
    assert v.shape == (3, 0) and i.shape == (3, 0)


@pytest.mark.parametrize("k,dim,largest", [(3, -1, True), (1, 0, False), (0, 1, True), (5, 2, False)])
def test_topk_matches_numpy(k, dim, largest):
    a = _distinct((4, 3, 5))
    v, i = ember.topk(tensor(a), k, dim=dim, largest=largest)
    order = np.argsort(-a if largest else a, axis=dim, kind="stable")
    ref_idx = np.take(order, np.arange(k), axis=dim)
    np.testing.assert_array_equal(to_np(i), ref_idx)
    np.testing.assert_array_equal(to_np(v), np.take_along_axis(a, ref_idx, dim))


def test_sort_topk_gradients():
    x = tensor(_distinct((3, 5)), requires_grad=True)
    assert gradcheck(lambda t: ember.sort(t, dim=1, descending=True).values, (x,))
    assert gradcheck(lambda t: ember.topk(t, 2, dim=0).values, (x,))
    assert gradgradcheck(lambda t: (ember.topk(t, 3).values ** 2), (x,))


def test_sort_topk_torch_parity():
    torch = pytest.importorskip("torch")
    a = _distinct((6, 7), seed=3, dtype=np.float32)
    g = np.random.default_rng(1).standard_normal((6, 3)).astype(np.float32)
    x = tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    v, i = x.topk(3, dim=1, largest=False)
    tv, ti = tx.topk(3, dim=1, largest=False)
    np.testing.assert_array_equal(to_np(i), ti.numpy())
    np.testing.assert_array_equal(to_np(v), tv.detach().numpy())
    (v * tensor(g)).sum().backward()
    (tv * torch.tensor(g)).sum().backward()
    np.testing.assert_array_equal(to_np(x.grad), tx.grad.numpy())
    s, si = ember.sort(tensor(a), dim=0, descending=True)
    ts, tsi = torch.sort(torch.tensor(a), dim=0, descending=True)
    np.testing.assert_array_equal(to_np(si), tsi.numpy())
    np.testing.assert_array_equal(to_np(s), ts.numpy())


def test_sort_bad_input():
    x = ember.randn(3, 4)
    with pytest.raises(IndexError, match=r"\[sort\]"):
        ember.sort(x, dim=2)
    with pytest.raises(ValueError, match=r"\[topk\]"):
        ember.topk(x, 5)
    with pytest.raises(ValueError, match=r"\[topk\]"):
        ember.topk(x, -1)
    with pytest.raises(IndexError, match=r"\[argsort\]"):
        x.argsort(dim=-3)


def test_sort_thread_determinism():
    x = tensor(np.random.default_rng(0).integers(0, 50, (300, 257)).astype(np.float32))
    same_for_threads(lambda: ember.sort(x, dim=1, descending=True))
    same_for_threads(lambda: ember.topk(x, 7, dim=0))


# ---------------------------------------------------------------- cumsum

@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum_matches_numpy(dim):
    a = np.random.default_rng(2).standard_normal((3, 4, 5)).astype(np.float32)
    out = ember.cumsum(tensor(a), dim)
    assert out.dtype == ember.float32 and out.is_contiguous()
    np.testing.assert_allclose(to_np(out), np.cumsum(a.astype(np.float64), axis=dim), rtol=1e-6,
                               atol=1e-6)
    b = np.array([[True, False, True], [True, True, False]])
    np.testing.assert_array_equal(to_np(tensor(b).cumsum(1)), np.cumsum(b, axis=1))
    assert tensor(b).cumsum(1).dtype == ember.int64
    i = np.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(to_np(ember.cumsum(tensor(i), 0, dtype=ember.float64)),
                                  np.cumsum(i, axis=0).astype(np.float64))
    assert float(ember.cumsum(ember.tensor(1.5), 0)) == 1.5


def test_cumsum_float32_sums_in_double():
    # 2**24 + 1 + 1: a float32 running sum would lose both ones; PyTorch sums in double.
    a = np.array([2.0 ** 24, 1.0, 1.0], dtype=np.float32)
    np.testing.assert_array_equal(to_np(ember.cumsum(tensor(a), 0)),
                                  np.float32([2.0 ** 24, 2.0 ** 24, 2.0 ** 24 + 2]))


def test_cumsum_gradients_and_torch_parity():
    x = randn(3, 4, requires_grad=True)
    assert gradcheck(lambda t: ember.cumsum(t, 1), (x,))
    assert gradgradcheck(lambda t: ember.cumsum(t * t, 0), (x,))
    # With a dtype the gradient comes back in the input's dtype.
    y = ember.cumsum(x, 1, dtype=ember.float32)
    y.sum().backward()
    assert y.dtype == ember.float32 and x.grad.dtype == ember.float64
    np.testing.assert_array_equal(to_np(x.grad), np.tile([4.0, 3.0, 2.0, 1.0], (3, 1)))
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(4).standard_normal((5, 6)).astype(np.float32)
    g = np.random.default_rng(5).standard_normal((5, 6)).astype(np.float32)
    e, t = tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, tout = e.cumsum(0), t.cumsum(0)
    np.testing.assert_allclose(to_np(out), tout.detach().numpy(), rtol=1e-6, atol=1e-6)
    (out * tensor(g)).sum().backward()
    (tout * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(to_np(e.grad), t.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_cumsum_bad_input_and_threads():
    with pytest.raises(IndexError, match=r"\[cumsum\]"):
        ember.cumsum(ember.randn(2, 3), 2)
    with pytest.raises(TypeError, match=r"\[cumsum\]"):
        ember.cumsum(ember.randn(2, 3), 0, dtype=ember.bool)
    x = ember.randn(64, 3000)
    same_for_threads(lambda: ember.cumsum(x, 1))
    same_for_threads(lambda: ember.cumsum(x, 0))


# ---------------------------------------------------------------- tril / triu

@pytest.mark.parametrize("diagonal", [-2, 0, 1, 5])
def test_tril_triu(diagonal):
    a = np.random.default_rng(0).standard_normal((2, 4, 5))
    np.testing.assert_array_equal(to_np(ember.tril(tensor(a), diagonal)), np.tril(a, diagonal))
    np.testing.assert_array_equal(to_np(tensor(a).triu(diagonal)), np.triu(a, diagonal))
    b = np.ones((3, 3), dtype=bool)
    out = ember.tril(tensor(b), diagonal)
    assert out.dtype == ember.bool
    np.testing.assert_array_equal(to_np(out), np.tril(b, diagonal))


def test_tril_triu_gradients_and_errors():
    x = randn(4, 3, requires_grad=True)
    assert gradcheck(lambda t: ember.tril(t, -1), (x,))
    assert gradcheck(lambda t: ember.triu(t, 1), (x,))
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    e, t = tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    (ember.triu(e) * 3).sum().backward()
    (torch.triu(t) * 3).sum().backward()
    np.testing.assert_array_equal(to_np(e.grad), t.grad.numpy())
    with pytest.raises(ValueError, match=r"\[tril\]"):
        ember.tril(ember.ones(3))


# ---------------------------------------------------------------- isnan / isinf / isfinite

def test_isnan_isinf_isfinite():
    a = np.array([1.0, np.nan, np.inf, -np.inf, 0.0, -2.5], dtype=np.float32)
    for name in ("isnan", "isinf", "isfinite"):
        out = getattr(ember, name)(tensor(a))
        assert out.dtype == ember.bool
        np.testing.assert_array_equal(to_np(out), getattr(np, name)(a))
        np.testing.assert_array_equal(to_np(getattr(tensor(a.astype(np.float64)), name)()),
                                      getattr(np, name)(a))
    i = tensor(np.array([1, -3], dtype=np.int64))
    np.testing.assert_array_equal(to_np(ember.isnan(i)), [False, False])
    np.testing.assert_array_equal(to_np(ember.isfinite(i)), [True, True])
    x = ember.randn(3, requires_grad=True)
    assert not ember.isfinite(x).requires_grad


# ---------------------------------------------------------------- multinomial

def test_multinomial_with_replacement_frequencies():
    ember.manual_seed(0)
    p = np.array([0.1, 0.0, 0.6, 0.3])
    draws = to_np(ember.multinomial(tensor(p), 40000, replacement=True))
    assert draws.dtype == np.int64 and draws.shape == (40000,)
    freq = np.bincount(draws, minlength=4) / draws.size
    np.testing.assert_allclose(freq, p, atol=0.01)
    assert freq[1] == 0


def test_multinomial_without_replacement():
    ember.manual_seed(1)
    w = ember.tensor([[1.0, 0.0, 3.0, 2.0, 0.5], [0.0, 0.0, 1.0, 1.0, 0.0]])
    out = to_np(w.multinomial(2))
    assert out.shape == (2, 2)
    for row, weights in zip(out, to_np(w)):
        assert len(set(row)) == 2 and all(weights[row] > 0)
    # First draw of a race without replacement follows the weights.
    firsts = to_np(ember.multinomial(ember.tensor([[1.0, 3.0]] * 20000), 1))[:, 0]
    assert abs(firsts.mean() - 0.75) < 0.015
    # All categories drawn: a permutation.
    perm = to_np(ember.multinomial(ember.ones(7), 7))
    assert sorted(perm) == list(range(7))


def test_multinomial_reproducible_and_thread_independent():
    p = ember.rand(8, 50) + 0.01
    def draw():
        ember.manual_seed(7)
        return ember.multinomial(p, 20)
    same_for_threads(draw)
    np.testing.assert_array_equal(to_np(draw()), to_np(draw()))


@pytest.mark.parametrize("probs,n,repl,exc", [
    ([[[0.5, 0.5]]], 1, True, ValueError),
    ([0.5, -0.1], 1, True, ValueError),
    ([0.0, 0.0], 1, True, ValueError),
    ([0.5, float("nan")], 1, True, ValueError),
    ([0.5, 0.5], 3, False, ValueError),
    ([0.5, 0.0, 0.0], 2, False, ValueError),
    ([0.5, 0.5], 0, True, ValueError),
])
def test_multinomial_bad_input(probs, n, repl, exc):
    with pytest.raises(exc, match=r"\[multinomial\]"):
        ember.multinomial(ember.tensor(probs), n, replacement=repl)
    with pytest.raises(TypeError, match=r"\[multinomial\]"):
        ember.multinomial(ember.tensor([1, 2]), 1)


# ---------------------------------------------------------------- cumprod, cummax/cummin, logcumsumexp
def _np_cumext(a, axis, is_max):
    """NumPy reference of cummax/cummin with PyTorch's rule: ties (and NaNs) take the later index."""
    a = np.moveaxis(a, axis, -1)
    vals, idx = np.empty_like(a), np.empty(a.shape, np.int64)
    for pos in np.ndindex(a.shape[:-1]):
        best, bi = a[pos + (0,)], 0
        for i in range(a.shape[-1]):
            x = a[pos + (i,)]
            if np.isnan(x) or (not np.isnan(best) and (x >= best if is_max else x <= best)):
                best, bi = x, i
            vals[pos + (i,)], idx[pos + (i,)] = best, bi
    return np.moveaxis(vals, -1, axis), np.moveaxis(idx, -1, axis)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumprod_cumext_logcumsumexp_forward(dim):
    rng = np.random.default_rng(30)
    a = rng.standard_normal((3, 4, 5))
    a_t = np.ascontiguousarray(a.transpose(2, 1, 0)).transpose(2, 1, 0)
    for arr in (a, a_t):
        np.testing.assert_allclose(to_np(ember.cumprod(tensor(arr), dim)), np.cumprod(arr, dim), rtol=1e-12)
        ref = np.log(np.cumsum(np.exp(arr), dim))
        np.testing.assert_allclose(to_np(ember.logcumsumexp(tensor(arr), dim)), ref, rtol=1e-12)
    ints = rng.integers(-3, 4, (3, 4, 5))
    ints[0, 1, 2] = ints[0, 1, 3]  # ties
    for is_max, fn in ((True, ember.cummax), (False, ember.cummin)):
        for arr in (ints, np.round(a, 1)):
            r = fn(tensor(arr), dim)
            v, i = _np_cumext(arr, dim, is_max)
            np.testing.assert_array_equal(to_np(r.values), v)
            np.testing.assert_array_equal(to_np(r.indices), i)
            assert r.values.dtype == tensor(arr).dtype and r.indices.dtype == ember.int64
    c = ember.cumprod(tensor(ints), 1)
    assert c.dtype == ember.int64
    np.testing.assert_array_equal(to_np(c), np.cumprod(ints, 1))
    assert ember.cumprod(tensor(ints), 1, dtype=ember.float64).dtype == ember.float64
    assert tensor(a).cumprod(0).shape == (3, 4, 5) and tensor(a).cummax(dim=1).indices.shape == (3, 4, 5)
    # logcumsumexp is stable for large inputs and handles -inf
    big = np.array([1000.0, 1000.0, -np.inf, 999.0])
    np.testing.assert_allclose(to_np(ember.logcumsumexp(tensor(big), 0)),
                               [1000, 1000 + np.log(2), 1000 + np.log(2), 1000 + np.log(2 + np.exp(-1))])
    nan = np.array([1.0, np.nan, 3.0, np.nan, 0.0])
    v, i = ember.cummax(tensor(nan), 0)
    assert np.isnan(to_np(v)[1:]).all() and to_np(i).tolist() == [0, 1, 1, 3, 3]


def test_cumprod_gradients_with_zeros():
    x = tensor(np.array([[0.5, 0.0, 2.0, -1.5, 0.0, 1.2], [1.1, -0.7, 0.0, 0.9, 1.3, 0.8],
                         [0.9, 1.2, -0.8, 1.1, 0.7, 1.4]]), requires_grad=True)
    for dim in (0, 1):
        assert gradcheck(lambda t: ember.cumprod(t, dim), [x])
        assert gradgradcheck(lambda t: ember.cumprod(t, dim), [x])
    assert gradcheck(lambda t: ember.cumprod(t, 1), [randn(2, 5, seed=31, requires_grad=True)])


def test_cummax_logcumsumexp_gradients():
    x = tensor(np.array([[0.3, -1.2, 0.8, 0.1, 1.5], [2.0, 0.4, -0.6, 1.1, -0.2]]), requires_grad=True)
    for fn in (lambda t: ember.cummax(t, 1).values, lambda t: ember.cummin(t, 0).values,
               lambda t: ember.logcumsumexp(t, 1), lambda t: ember.logcumsumexp(t, 0)):
        assert gradcheck(fn, [x])
        assert gradgradcheck(fn, [x])


def test_cumulative_torch_parity():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(32)
    a = rng.standard_normal((4, 7)).astype(np.float32)
    a[1, 2] = a[2, 5] = a[2, 1] = 0.0  # zeros (one row with two) for cumprod
    a[3, 4] = a[3, 2] = 2.5  # a tie for cummax
    for dim in (0, 1):
        for name in ("cumprod", "logcumsumexp", "cummax", "cummin"):
            x, tx = tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
            y, ty = getattr(ember, name)(x, dim), getattr(torch, name)(tx, dim)
            if name.startswith("cumm"):
                np.testing.assert_array_equal(to_np(y.indices), ty.indices.numpy())
                y, ty = y.values, ty.values
            np.testing.assert_allclose(to_np(y), ty.detach().numpy(), rtol=1e-6, atol=1e-6)
            w = rng.standard_normal(a.shape).astype(np.float32)
            (y * tensor(w)).sum().backward()
            (ty * torch.tensor(w)).sum().backward()
            np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-5, atol=1e-5,
                                       err_msg=f"{name} dim={dim}")


def test_cumulative_bad_input_and_threads():
    for name in ("cumprod", "cummax", "cummin", "logcumsumexp"):
        with pytest.raises(IndexError, match=rf"\[{name}\]"):
            getattr(ember, name)(ember.ones(2, 3), 2)
    with pytest.raises(TypeError, match=r"\[logcumsumexp\]"):
        ember.logcumsumexp(ember.arange(4), 0)
    with pytest.raises(TypeError, match=r"\[cumprod\]"):
        ember.cumprod(ember.ones(3), 0, dtype=ember.bool)
    rng = np.random.default_rng(33)
    a = tensor((1 + 0.01 * rng.standard_normal((64, 3000))).astype(np.float32))
    same_for_threads(lambda: (ember.cumprod(a, 1), ember.cummax(a, 0), ember.logcumsumexp(a, 1),
                              ember.cummin(a, 1)))
