"""Indexing (getitem/setitem, advanced), joining/splitting and gather/scatter: forward vs
NumPy/PyTorch, gradients (gradcheck and PyTorch), bad input, thread determinism."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck
from utils import randn, same_for_threads, tensor, to_np
from test_view import shares, torch_check


def idx(a):
    return tensor(np.asarray(a, dtype=np.int64))


BASIC = [
    0, -1, (1, 2), (slice(None), 1), (slice(1, 3),), (slice(None, None, 2), slice(1, None)),
    (Ellipsis, 1), (None, 0), (0, None, slice(None), None), (Ellipsis, None),
    (slice(-3, -1), Ellipsis, slice(None, None, 3)), (slice(5, 100),), (slice(3, 1),),
    (1, Ellipsis, 2), (), Ellipsis, (slice(None), slice(None), slice(None, 2)), (np.int64(2),),
    (slice(-2**70, 2**70, 2**70),), (slice(None), slice(-100, 2)),
]


@pytest.mark.parametrize("key", BASIC)
def test_basic_getitem_is_a_view(key):
    x = randn(4, 3, 5)
    n = to_np(x)
    v = x[key]
    np.testing.assert_array_equal(to_np(v), n[key])
    if v.numel() > 0:
        assert shares(v, x)


def test_getitem_0d_int_tensor_and_iteration():
    x = randn(4, 3)
    v = x[idx(2)]
    assert shares(v, x)
    np.testing.assert_array_equal(to_np(v), to_np(x)[2])
    rows = [r for r in x]
    assert len(rows) == 4
    np.testing.assert_array_equal(to_np(rows[3]), to_np(x)[3])


ADVANCED = [
    ([0, 2, 2],), (np.array([[1, 0], [3, 3]]),), (slice(None), [2, 0]), (Ellipsis, [4, -1]),
    ([0, 1], [2, 1]), ([[0], [3]], slice(None), [1, 4]), (slice(1, 3), [0, 0], slice(None, 2)),
    (None, [1, 2]), ([], ), ([-4, 3],),
]


@pytest.mark.parametrize("key", ADVANCED)
def test_advanced_getitem_vs_numpy(key):
    x = randn(4, 3, 5)
    n = to_np(x)
    v = x[key]
    np.testing.assert_array_equal(to_np(v), n[key])
    if v.numel() > 0:
        assert not shares(v, x)


def test_advanced_index_with_tensor_and_mask():
    x = randn(4, 3)
    n = to_np(x)
    np.testing.assert_array_equal(to_np(x[idx([3, 0])]), n[[3, 0]])
    mask = n > 0
    np.testing.assert_array_equal(to_np(x[tensor(mask)]), n[mask])
    np.testing.assert_array_equal(to_np(x[tensor(mask[:, 0])]), n[mask[:, 0]])
    np.testing.assert_array_equal(to_np(x[:, tensor(np.array([True, False, True]))]), n[:, [0, 2]])
    np.testing.assert_array_equal(to_np(x[mask]), n[mask])


def test_getitem_edge_cases():
    s = tensor(np.float64(3.0))
    assert tuple(s[()].shape) == () and tuple(s[None].shape) == (1,) and tuple(s[...].shape) == ()
    s[...] = 4.0
    assert to_np(s) == 4.0
    x = randn(4, 3)
    i = idx(np.array([[0, 1], [3, 2]])).t()  # non-contiguous index tensor
    np.testing.assert_array_equal(to_np(x[i]), to_np(x)[np.array([[0, 3], [1, 2]])])
    np.testing.assert_array_equal(to_np(x[[True, False, True, True]]), to_np(x)[[0, 2, 3]])
    z = ember.from_numpy(np.zeros((0, 3)))
    assert tuple(z[:, 1].shape) == (0,)
    with pytest.raises(IndexError, match=r"\[index\] index 0 is out of bounds for dim 0 with size 0"):
        z[0]


def test_setitem_value_requiring_grad_into_plain_tensor():
    y = ember.from_numpy(np.zeros(3))
    w = randn(2, requires_grad=True)
    y[1:] = w
    assert y.requires_grad
    y.backward(tensor(np.array([1.0, 2.0, 3.0])))
    np.testing.assert_array_equal(to_np(w.grad), [2.0, 3.0])


def test_int_with_advanced_follows_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((3, 4, 5))
    for key in ((0, slice(None), [1, 2]), (slice(None), [0, 1], 0), ([0, 2], 1, [1, 1])):
        np.testing.assert_array_equal(to_np(tensor(a)[key]), torch.tensor(a)[key].numpy())


def test_getitem_bad_input():
    x = randn(3, 4)
    with pytest.raises(IndexError, match=r"\[index\] index 5 is out of bounds for dim 0 with size 3"):
        x[5]
    with pytest.raises(IndexError, match=r"\[index\] index -5 is out of bounds for dim 1 with size 4"):
        x[0, -5]
    with pytest.raises(IndexError, match=r"\[index\] too many indices"):
        x[0, 1, 2]
    with pytest.raises(IndexError, match=r"single ellipsis"):
        x[..., ...]
    with pytest.raises(ValueError, match=r"\[index\] step must be greater than zero"):
        x[::-1]
    with pytest.raises(ValueError, match=r"\[index\] step must be greater than zero"):
        x[:, ::0]
    with pytest.raises(IndexError, match=r"\[index\] index 3 is out of bounds for dim 0 with size 3"):
        x[[0, 3]]
    with pytest.raises(TypeError, match=r"\[index\]"):
        x[tensor(np.array([0.0, 1.0]))]
    with pytest.raises(TypeError, match=r"\[index\]"):
        x["a"]
    with pytest.raises(TypeError, match=r"\[index\]"):
        x[1.5]
    with pytest.raises(IndexError, match=r"\[index\] the shape of the mask"):
        x[tensor(np.ones((3, 3), dtype=bool))]
    with pytest.raises(ValueError, match=r"\[index\]"):
        x[[0, 1], [0, 1, 2]]


def test_setitem_forward():
    a = np.arange(60, dtype=np.float64).reshape(3, 4, 5)
    x = tensor(a)
    n = a.copy()
    for key, val in ((0, 1.5), ((slice(None), 1), np.arange(5.0)), ((Ellipsis, 2), -1),
                     ((1, slice(1, 3)), np.ones((2, 1))), (([0, 2], slice(None), [1, 1]), 9.0),
                     ((slice(None), [3, 0]), np.full((3, 2, 5), 4.0)), (a > 50, 0.0),
                     ((2, [0, 0, 1]), np.array([[1.0] * 5, [2.0] * 5, [3.0] * 5]))):
        x[key] = tensor(val) if isinstance(val, np.ndarray) else val
        n[key] = val
        np.testing.assert_array_equal(to_np(x), n)
    b = ember.from_numpy(np.zeros(5, dtype=np.int64))
    b[1:3] = 7
    b[[4]] = tensor(np.array([2.0]))  # converted to the destination dtype
    np.testing.assert_array_equal(to_np(b), [0, 7, 7, 0, 2])
    x[0] = np.full((4, 5), 3.0)  # NumPy values are accepted
    assert (to_np(x)[0] == 3).all()
    # overlapping source and destination
    y = tensor(np.arange(6.0))
    y[1:] = y[:-1]
    np.testing.assert_array_equal(to_np(y), [0, 0, 1, 2, 3, 4])


def test_setitem_bad_input():
    x = randn(3, 4)
    with pytest.raises(ValueError, match=r"\[setitem\]"):
        x[0] = tensor(np.ones(3))
    with pytest.raises(IndexError, match=r"\[setitem\]"):
        x[3] = 1.0
    with pytest.raises(ValueError, match=r"\[setitem\]"):
        x[[0, 1]] = tensor(np.ones((3, 4)))
    leaf = randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\[setitem\]"):
        leaf[0] = 1.0


def test_getitem_gradients():
    x = randn(3, 4, requires_grad=True)
    for key in (1, (slice(None), 2), (slice(0, 3, 2), None, slice(1, None)), (Ellipsis, -1),
                ([0, 2, 0],), (slice(None), [1, 1, 3]), ([2, 0], [3, 3]), (None, Ellipsis, 0)):
        assert gradcheck(lambda a, k=key: a[k], [x])
    m = tensor(to_np(x) > 0)
    assert gradcheck(lambda a: a[m], [x])


def test_getitem_torch_parity():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(3).standard_normal((4, 3, 5))
    keys = [(1, slice(None, None, 2)), (slice(1, 3), None, Ellipsis, 0), ([0, 0, 3],),
            (slice(None), [2, 2], [4, 4]), ([[1], [0]], slice(None), [0, 1, 2])]
    for key in keys:
        torch_check(lambda x, k=key: x[k], lambda x, k=key: x[k], a)
    mask = a > 0
    torch_check(lambda x: x[tensor(mask)], lambda x: x[torch.tensor(mask)], a)
    del torch


def test_setitem_gradients_chain():
    """x = f(leaf); x[...] = g(v): gradients reach both leaf and v."""
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(4).standard_normal((3, 4))
    b = np.random.default_rng(5).standard_normal((3, 2))
    c = np.random.default_rng(6).standard_normal(4)

    def run(lib, mk, A, B, C):
        two = mk(np.full((3, 4), 2.0))
        y = A * two  # non-leaf copy
        y[:, 1:3] = B
        y[[0, 2]] = C * mk(np.full(4, 3.0))
        y[1, 0] = 5.0
        return y * y

    torch_check(lambda A, B, C: run(ember, tensor, A, B, C),
                lambda A, B, C: run(torch, torch.tensor, A, B, C), a, b, c)

    def fn(A, B):
        y = A * tensor(np.ones((3, 4)))
        y[1, 1:3] = B[0]
        y[:, [0, 3]] = B[:, :1].expand(3, 2) * B[:, 1:]
        return y
    assert gradcheck(fn, [tensor(a, requires_grad=True), tensor(b, requires_grad=True)])


def test_slice_scatter_select_scatter():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(7).standard_normal((4, 5))
    s = np.random.default_rng(8).standard_normal((2, 5))
    torch_check(lambda x, y: ember.slice_scatter(x, y, 0, 1, None, 2),
                lambda x, y: torch.slice_scatter(x, y, 0, 1, None, 2), a, s)
    torch_check(lambda x, y: ember.select_scatter(x, y, 1, -1),
                lambda x, y: torch.select_scatter(x, y, 1, -1), a, s[:, :2].reshape(4))
    x = randn(4, 5, requires_grad=True)
    y = randn(4, 2, requires_grad=True)
    assert gradcheck(lambda p, q: ember.slice_scatter(p, q, 1, 3), [x, y])
    # double backward: the scatter's backward is slicing again
    g = randn(4, 5, requires_grad=True)
    (gx, gy) = ember.autograd.grad([ember.slice_scatter(x, y, 1, 3)], [x, y], [g], create_graph=True)
    np.testing.assert_array_equal(to_np(gy), to_np(g)[:, 3:])
    w = randn(4, 2)
    (gg,) = ember.autograd.grad([gy], [g], [w])
    ref = np.zeros((4, 5))
    ref[:, 3:] = to_np(w)
    np.testing.assert_array_equal(to_np(gg), ref)


# ---- cat / stack / split / chunk ----

def test_cat_stack_forward():
    a, b, c = randn(2, 3), randn(4, 3), randn(1, 3)
    np.testing.assert_array_equal(to_np(ember.cat([a, b, c])),
                                  np.concatenate([to_np(a), to_np(b), to_np(c)]))
    np.testing.assert_array_equal(to_np(ember.cat((a.t(), c.t()), dim=-1)),
                                  np.concatenate([to_np(a).T, to_np(c).T], -1))
    e = ember.from_numpy(np.zeros(0))
    np.testing.assert_array_equal(to_np(ember.cat([e, a, e])), to_np(a))
    i = ember.from_numpy(np.arange(3, dtype=np.int64).reshape(1, 3))
    mixed = ember.cat([i, randn(1, 3, dtype=np.float32)])
    assert mixed.dtype == ember.float32
    s = ember.stack([a, a * a], dim=1)
    np.testing.assert_array_equal(to_np(s), np.stack([to_np(a), to_np(a) ** 2], 1))
    assert tuple(ember.stack([a, a], -1).shape) == (2, 3, 2)
    assert ember.concat is not None and tuple(ember.concatenate([a, a], 1).shape) == (2, 6)


def test_cat_stack_bad_input():
    with pytest.raises(ValueError, match=r"\[cat\] sizes of tensors must match"):
        ember.cat([randn(2, 3), randn(2, 4)])
    with pytest.raises(ValueError, match=r"\[cat\] tensors must have the same number of dims"):
        ember.cat([randn(2, 3), randn(3)])
    with pytest.raises(ValueError, match=r"\[cat\]"):
        ember.cat([])
    with pytest.raises(IndexError, match=r"\[cat\]"):
        ember.cat([randn(2, 3)], dim=2)
    with pytest.raises(ValueError, match=r"\[stack\] expected each tensor to be equal size"):
        ember.stack([randn(2, 3), randn(3, 2)])


def test_split_chunk_forward():
    x = randn(7, 4)
    n = to_np(x)
    parts = ember.split(x, 3)
    assert isinstance(parts, tuple) and [tuple(p.shape) for p in parts] == [(3, 4), (3, 4), (1, 4)]
    for p in parts:
        assert shares(p, x)
    parts = x.split([2, 5])
    np.testing.assert_array_equal(to_np(parts[1]), n[2:])
    parts = x.chunk(3)
    assert [p.shape[0] for p in parts] == [3, 3, 1]
    assert [p.shape[1] for p in ember.chunk(x, 3, dim=1)] == [2, 2]
    assert [p.shape[0] for p in ember.tensor_split(x, 3)] == [3, 2, 2]
    assert [p.shape[0] for p in x.tensor_split([1, 5])] == [1, 4, 2]
    with pytest.raises(ValueError, match=r"\[split\]"):
        x.split([2, 2])
    with pytest.raises(ValueError, match=r"\[chunk\]"):
        x.chunk(0)
    with pytest.raises(ValueError, match=r"\[split\]"):
        x.split(0)


def test_join_split_gradients():
    a, b = randn(2, 3, requires_grad=True), randn(1, 3, requires_grad=True)
    assert gradcheck(lambda p, q: ember.cat([p, q]), [a, b])
    assert gradcheck(lambda p, q: ember.cat([p.t(), q.t()], 1), [a, b])
    assert gradcheck(lambda p: ember.stack([p, p, p], 2), [a])
    assert gradcheck(lambda p: p.split([1, 2], 1), [a])
    assert gradcheck(lambda p: p.chunk(2, 1), [a])
    assert gradcheck(lambda p: p.repeat(2, 1, 2), [a])
    assert gradcheck(lambda p: p.flip(0, 1), [a])
    assert gradcheck(lambda p: ember.roll(p, 1, 1), [a])


def test_join_split_torch_parity():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(9).standard_normal((3, 4))
    b = np.random.default_rng(10).standard_normal((3, 2))
    torch_check(lambda x, y: ember.cat([x, y, x], 1), lambda x, y: torch.cat([x, y, x], 1), a, b)
    torch_check(lambda x: ember.stack([x, x.t().t()], 0), lambda x: torch.stack([x, x], 0), a)
    torch_check(lambda x: x.split(3, 1), lambda x: x.split(3, 1), a)
    torch_check(lambda x: ember.split(x, [1, 2]), lambda x: torch.split(x, [1, 2]), a)
    torch_check(lambda x: x.chunk(3, 1), lambda x: x.chunk(3, 1), a)
    torch_check(lambda x: x.repeat(2, 3), lambda x: x.repeat(2, 3), a)
    torch_check(lambda x: x.repeat(2, 1, 1), lambda x: x.repeat(2, 1, 1), a)
    torch_check(lambda x: ember.tile(x, (2,)), lambda x: torch.tile(x, (2,)), a)
    torch_check(lambda x: ember.flip(x, (1,)), lambda x: torch.flip(x, (1,)), a)
    torch_check(lambda x: x.flip(dims=(0, 1)), lambda x: x.flip(dims=(0, 1)), a)
    torch_check(lambda x: x.permute(dims=(1, 0)), lambda x: x.permute(dims=(1, 0)), a)
    torch_check(lambda x: x.roll((1, -1), (0, 1)), lambda x: x.roll((1, -1), (0, 1)), a)
    torch_check(lambda x: ember.roll(x, 5), lambda x: torch.roll(x, 5), a)


# ---- gather / scatter / index_select / one_hot ----

def test_gather_scatter_forward():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    a = rng.standard_normal((3, 5))
    i = rng.integers(0, 5, size=(3, 4))
    np.testing.assert_array_equal(to_np(ember.gather(tensor(a), 1, idx(i))), np.take_along_axis(a, i, 1))
    j = rng.integers(0, 3, size=(2, 5))
    np.testing.assert_array_equal(to_np(tensor(a).gather(0, idx(j))), np.take_along_axis(a, j, 0))
    src = rng.standard_normal((3, 4))
    ta, ti, ts = torch.tensor(a), torch.tensor(i), torch.tensor(src)
    np.testing.assert_array_equal(to_np(ember.scatter_add(tensor(a), 1, idx(i), tensor(src))),
                                  torch.scatter_add(ta, 1, ti, ts).numpy())
    u = np.array([[0, 1, 2, 3], [4, 3, 2, 1], [1, 0, 4, 2]])  # unique per row: scatter is defined
    np.testing.assert_array_equal(to_np(ember.scatter(tensor(a), 1, idx(u), tensor(src))),
                                  torch.scatter(ta, 1, torch.tensor(u), ts).numpy())
    np.testing.assert_array_equal(to_np(tensor(a).scatter(1, idx(u), value=2.5)),
                                  ta.scatter(1, torch.tensor(u), 2.5).numpy())
    x = tensor(a)
    x.scatter_(1, idx(u), tensor(src))
    x.scatter_add_(1, idx(i), tensor(src))
    np.testing.assert_allclose(to_np(x), ta.scatter(1, torch.tensor(u), ts).scatter_add(1, ti, ts).numpy())
    x.t().scatter_(0, idx(u.T), 0.0)  # in place through a non-contiguous view
    assert (to_np(x)[np.arange(3)[:, None], u] == 0).all()
    k = rng.integers(0, 3, size=6)
    np.testing.assert_array_equal(to_np(ember.index_select(tensor(a), 0, idx(k))), a[k])
    np.testing.assert_array_equal(to_np(tensor(a).index_select(1, idx([4, 0]))), a[:, [4, 0]])
    np.testing.assert_array_equal(to_np(ember.take_along_dim(tensor(a), idx(i), 1)), np.take_along_axis(a, i, 1))
    np.testing.assert_array_equal(to_np(ember.take_along_dim(tensor(a), idx([0, 14]))), a.reshape(-1)[[0, 14]])
    np.testing.assert_array_equal(to_np(ember.index_add(tensor(a), 0, idx([0, 0]), tensor(src[:2, :1].repeat(5, 1)))),
                                  torch.index_add(ta, 0, torch.tensor([0, 0]), ts[:2, :1].repeat(1, 5)).numpy())


def test_one_hot_nonzero_masked_select():
    c = np.array([[0, 3], [2, 2]])
    o = ember.one_hot(idx(c))
    assert o.dtype == ember.int64 and tuple(o.shape) == (2, 2, 4)
    np.testing.assert_array_equal(to_np(o), np.eye(4, dtype=np.int64)[c])
    assert tuple(ember.one_hot(idx(c), num_classes=6).shape) == (2, 2, 6)
    with pytest.raises(ValueError, match=r"\[one_hot\]"):
        ember.one_hot(idx(c), 3)
    with pytest.raises(TypeError, match=r"\[one_hot\]"):
        ember.one_hot(randn(3))
    a = randn(3, 4)
    n = to_np(a)
    np.testing.assert_array_equal(to_np(ember.nonzero(tensor(n > 0))), np.argwhere(n > 0))
    cols = a.nonzero(as_tuple=True)
    np.testing.assert_array_equal(to_np(cols[1]), np.nonzero(n)[1])
    np.testing.assert_array_equal(to_np(ember.masked_select(a, tensor(n > 0))), n[n > 0])
    row_mask = tensor(np.array([True, False, False, True]))
    np.testing.assert_array_equal(to_np(a.masked_select(row_mask)), n[:, [0, 3]].reshape(-1))


def test_gather_family_gradients():
    rng = np.random.default_rng(12)
    x = randn(3, 5, requires_grad=True)
    i = idx(rng.integers(0, 5, size=(3, 4)))
    u = idx(np.array([[0, 1, 2, 3], [4, 3, 2, 1], [1, 0, 4, 2]]))
    s = randn(3, 4, requires_grad=True)
    big = randn(3, 6, requires_grad=True)
    assert gradcheck(lambda a: ember.gather(a, 1, i), [x])
    assert gradcheck(lambda a, b: ember.scatter(a, 1, u, b), [x, s])
    assert gradcheck(lambda a, b: ember.scatter(a, 1, u, b), [x, big])  # src larger than index
    assert gradcheck(lambda a, b: ember.scatter_add(a, 1, i, b), [x, s])
    assert gradcheck(lambda a: a.scatter(1, u, value=1.0), [x])
    assert gradcheck(lambda a: ember.index_select(a, 1, idx([4, 4, 0])), [x])
    assert gradcheck(lambda a: ember.take_along_dim(a, i, 1), [x])
    assert gradcheck(lambda a: ember.masked_select(a, tensor(to_np(a) > 0)), [x])
    assert gradcheck(lambda a, b: ember.index_add(a, 1, idx([0, 0, 2, 1]), b, alpha=2), [x, s])
    assert gradcheck(lambda a, b: ember.index_put(a, [idx([0, 0]), idx([1, 1])], b[0, :2], accumulate=True), [x, s])

    def inplace(a, b):
        y = a * tensor(np.ones((3, 5)))
        y.scatter_(1, u, b)
        y.scatter_add_(1, i, b)
        return y
    assert gradcheck(inplace, [x, s])


def test_gather_family_torch_parity():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(13)
    a = rng.standard_normal((3, 5))
    s = rng.standard_normal((3, 4))
    i = rng.integers(0, 5, size=(3, 4))
    u = np.array([[0, 1, 2, 3], [4, 3, 2, 1], [1, 0, 4, 2]])
    torch_check(lambda x: ember.gather(x, 1, idx(i)), lambda x: torch.gather(x, 1, torch.tensor(i)), a)
    torch_check(lambda x, y: ember.scatter_add(x, 1, idx(i), y),
                lambda x, y: torch.scatter_add(x, 1, torch.tensor(i), y), a, s)
    torch_check(lambda x, y: ember.scatter(x, 1, idx(u), y),
                lambda x, y: torch.scatter(x, 1, torch.tensor(u), y), a, s)
    torch_check(lambda x: ember.index_select(x, 0, idx([2, 2, 0])),
                lambda x: torch.index_select(x, 0, torch.tensor([2, 2, 0])), a)
    torch_check(lambda x, y: ember.index_add(x, 1, idx([4, 0, 4, 1]), y),
                lambda x, y: torch.index_add(x, 1, torch.tensor([4, 0, 4, 1]), y), a, s)


def test_gather_family_bad_input():
    x = randn(3, 5)
    with pytest.raises(IndexError, match=r"\[gather\] index 7 is out of bounds for dim 1 with size 5"):
        ember.gather(x, 1, idx([[0, 7]]))
    with pytest.raises(IndexError, match=r"\[gather\] index -1 is out of bounds"):
        ember.gather(x, 1, idx([[-1]]))
    with pytest.raises(TypeError, match=r"\[gather\] expected index of dtype int64"):
        ember.gather(x, 1, tensor(np.zeros((3, 1))))
    with pytest.raises(ValueError, match=r"\[gather\]"):
        ember.gather(x, 1, idx([0, 1]))
    with pytest.raises(ValueError, match=r"\[gather\]"):
        ember.gather(x, 1, idx(np.zeros((4, 1))))
    with pytest.raises(IndexError, match=r"\[scatter\] index 3 is out of bounds for dim 0"):
        ember.scatter(x, 0, idx([[3]]), randn(1, 1))
    with pytest.raises(TypeError, match=r"\[scatter_add\]"):
        ember.scatter_add(x, 0, idx([[0]]), randn(1, 1, dtype=np.float32))
    with pytest.raises(ValueError, match=r"\[scatter_add\]"):
        ember.scatter_add(x, 0, idx([[0, 1]]), randn(1, 1))
    with pytest.raises(TypeError, match=r"\[index_select\]"):
        ember.index_select(x, 0, tensor(np.array([True])))
    with pytest.raises(IndexError, match=r"\[index_select\] index 3 is out of bounds for dim 0 with size 3"):
        ember.index_select(x, 0, idx([3]))
    with pytest.raises(IndexError, match=r"\[index_select\]"):
        ember.index_select(x, 2, idx([0]))
    with pytest.raises(TypeError, match=r"\[masked_select\]"):
        ember.masked_select(x, idx([1]))
    with pytest.raises(RuntimeError, match=r"\[scatter_\]"):
        randn(3, 5, requires_grad=True).scatter_(1, idx([[0]]), 1.0)


# ---- determinism on large inputs ----

def test_same_for_threads_large():
    rng = np.random.default_rng(14)
    x = randn(400, 300, dtype=np.float32)
    i = idx(rng.integers(0, 300, size=(400, 200)))
    rows = idx(rng.integers(0, 400, size=5000))
    src = randn(400, 200, dtype=np.float32)
    same_for_threads(lambda: ember.gather(x, 1, i))
    i0 = idx(rng.integers(0, 400, size=(300, 300)))
    same_for_threads(lambda: ember.gather(x, 0, i0))
    same_for_threads(lambda: ember.index_select(x, 0, rows))
    same_for_threads(lambda: ember.cat([x, x.t().contiguous().t(), x], 1))
    same_for_threads(lambda: ember.scatter_add(x, 1, i, src))
    dup = idx(rng.integers(0, 8, size=(400, 300)))
    same_for_threads(lambda: ember.scatter_add(ember.from_numpy(np.zeros((8, 300), np.float32)), 0, dup, x))
    same_for_threads(lambda: ember.index_put(x, [rows[:300]], randn(300, 300, dtype=np.float32), accumulate=True))


def test_random_basic_keys_vs_numpy():
    rng = np.random.default_rng(15)
    x = randn(4, 2, 3, 5)
    n = to_np(x)

    def part():
        r = rng.integers(0, 5)
        if r == 0:
            return int(rng.integers(-2, 2))
        if r == 1:
            return None
        vals = [None, *range(-7, 8)]
        step = [None, 1, 2, 3, 9][rng.integers(0, 5)]
        return slice(vals[rng.integers(0, len(vals))], vals[rng.integers(0, len(vals))], step)

    for _ in range(300):
        key = [part() for _ in range(rng.integers(0, 4))]
        if rng.integers(0, 3) == 0:
            key.insert(int(rng.integers(0, len(key) + 1)), Ellipsis)
        key = tuple(key)
        try:
            ref = n[key]
        except IndexError:
            with pytest.raises(IndexError, match=r"\[index\]"):
                x[key]
            continue
        v = x[key]
        assert tuple(v.shape) == ref.shape, key
        np.testing.assert_array_equal(to_np(v), ref)
        x2, n2 = ember.from_numpy(n.copy()), n.copy()
        x2[key] = 1.5
        n2[key] = 1.5
        np.testing.assert_array_equal(to_np(x2), n2)
