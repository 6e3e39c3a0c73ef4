"""View ops: shapes vs NumPy, shared memory, gradients (gradcheck and PyTorch), bad input."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck
from utils import randn, tensor, to_np


def shares(view, base):
    return np.shares_memory(view.detach().numpy(), base.detach().numpy())


def torch_check(fn_e, fn_t, *arrays, seed=1):
    """Forward and gradients of fn over float64 inputs match PyTorch."""
    torch = pytest.importorskip("torch")
    xe = [tensor(a, requires_grad=True) for a in arrays]
    xt = [torch.tensor(a, requires_grad=True) for a in arrays]
    ye, yt = fn_e(*xe), fn_t(*xt)
    ye = list(ye) if isinstance(ye, (tuple, list)) else [ye]
    yt = list(yt) if isinstance(yt, (tuple, list)) else [yt]
    assert len(ye) == len(yt)
    rng = np.random.default_rng(seed)
    gs = []
    for a, b in zip(ye, yt):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(to_np(a), b.detach().numpy(), rtol=1e-12, atol=0)
        gs.append(rng.standard_normal(tuple(b.shape)))
    ember.autograd.backward(ye, [tensor(g) for g in gs])
    torch.autograd.backward(yt, [torch.tensor(g) for g in gs])
    for a, b in zip(xe, xt):
        ga = np.zeros(a.shape) if a.grad is None else to_np(a.grad)
        gb = np.zeros(tuple(b.shape)) if b.grad is None else b.grad.numpy()
        np.testing.assert_allclose(ga, gb, rtol=1e-12, atol=1e-12)


# ---- forward, memory sharing ----

def test_view_and_reshape_share_memory():
    a = randn(2, 3, 4)
    for v in (a.view(6, 4), a.view((6, 4)), a.view([4, -1]), a.reshape(-1), a.reshape((24,))):
        assert shares(v, a)
    np.testing.assert_array_equal(to_np(a.view(4, 6)), to_np(a).reshape(4, 6))
    assert tuple(ember.reshape(a, (3, 8)).shape) == (3, 8)
    # reshape of a non-viewable layout copies; view raises.
    t = a.transpose(0, 2)
    r = t.reshape(-1)
    np.testing.assert_array_equal(to_np(r), to_np(a).transpose(2, 1, 0).reshape(-1))
    assert not shares(r, a)
    with pytest.raises(RuntimeError, match=r"\[view\]"):
        t.view(-1)
    assert tuple(a.view_as(randn(4, 6)).shape) == (4, 6)
    assert tuple(a.reshape_as(randn(24)).shape) == (24,)


def test_permute_transpose_T_mT():
    x = randn(2, 3, 4)
    n = to_np(x)
    for v, ref in ((x.permute(2, 0, 1), n.transpose(2, 0, 1)), (x.permute((1, 2, 0)), n.transpose(1, 2, 0)),
                   (x.transpose(0, 2), n.swapaxes(0, 2)), (x.swapaxes(1, 2), n.swapaxes(1, 2)),
                   (x.T, n.T), (x.mT, n.swapaxes(-1, -2)), (ember.permute(x, (0, 2, 1)), n.transpose(0, 2, 1))):
        np.testing.assert_array_equal(to_np(v), ref)
        assert shares(v, x)
    m = randn(3, 5)
    np.testing.assert_array_equal(to_np(m.t()), to_np(m).T)
    np.testing.assert_array_equal(to_np(ember.t(randn(4))), to_np(randn(4)))
    with pytest.raises(ValueError, match=r"\[t\]"):
        x.t()
    with pytest.raises(ValueError, match=r"\[mT\]"):
        randn(3).mT
    with pytest.raises(ValueError, match=r"\[permute\]"):
        x.permute(0, 0, 1)


def test_squeeze_unsqueeze_flatten_unflatten():
    x = randn(2, 1, 3, 1)
    n = to_np(x)
    assert tuple(x.squeeze().shape) == (2, 3)
    assert tuple(x.squeeze(1).shape) == (2, 3, 1)
    assert tuple(x.squeeze(0).shape) == (2, 1, 3, 1)  # not size 1: kept, like PyTorch
    assert tuple(x.squeeze((1, 3)).shape) == (2, 3)
    assert tuple(ember.squeeze(x, -1).shape) == (2, 1, 3)
    assert tuple(x.unsqueeze(0).shape) == (1, 2, 1, 3, 1)
    assert tuple(x.unsqueeze(-1).shape) == (2, 1, 3, 1, 1)
    assert tuple(ember.unsqueeze(x, 2).shape) == (2, 1, 1, 3, 1)
    for v in (x.squeeze(), x.unsqueeze(4), x.flatten(), x.flatten(1, 2), x.unflatten(2, (3, 1))):
        assert shares(v, x)
    np.testing.assert_array_equal(to_np(x.flatten()), n.reshape(-1))
    assert tuple(x.flatten(1).shape) == (2, 3)
    assert tuple(ember.flatten(randn(2, 3, 4), 0, 1).shape) == (6, 4)
    assert tuple(randn(6, 4).unflatten(0, (2, -1)).shape) == (2, 3, 4)
    assert tuple(ember.flatten(tensor(np.float64(3.0))).shape) == (1,)
    with pytest.raises(IndexError, match=r"\[unsqueeze\]"):
        x.unsqueeze(6)
    with pytest.raises(ValueError, match=r"\[flatten\]"):
        x.flatten(2, 1)
    with pytest.raises(ValueError, match=r"\[unflatten\]"):
        randn(6).unflatten(0, (4, -1))


def test_expand_narrow_select_movedim():
    x = randn(3, 1)
    e = x.expand(3, 4)
    assert shares(e, x) and e.stride() == (1, 0)
    np.testing.assert_array_equal(to_np(e), np.broadcast_to(to_np(x), (3, 4)))
    assert tuple(x.expand(2, -1, 5).shape) == (2, 3, 5)
    assert tuple(x.expand_as(randn(3, 6)).shape) == (3, 6)
    assert tuple(ember.broadcast_to(x, (2, 3, 2)).shape) == (2, 3, 2)
    y = randn(4, 5)
    n = y.narrow(1, 1, 3)
    assert shares(n, y)
    np.testing.assert_array_equal(to_np(n), to_np(y)[:, 1:4])
    np.testing.assert_array_equal(to_np(ember.narrow(y, 0, -2, 2)), to_np(y)[2:])
    s = y.select(0, -1)
    assert shares(s, y)
    np.testing.assert_array_equal(to_np(s), to_np(y)[-1])
    z = randn(2, 3, 4)
    np.testing.assert_array_equal(to_np(z.movedim(0, -1)), np.moveaxis(to_np(z), 0, -1))
    np.testing.assert_array_equal(to_np(ember.movedim(z, (0, 1), (2, 0))),
                                  np.moveaxis(to_np(z), (0, 1), (2, 0)))
    with pytest.raises(ValueError, match=r"\[expand\]"):
        x.expand(3, 4, 2)
    with pytest.raises(ValueError, match=r"\[narrow\]"):
        y.narrow(1, 3, 3)
    with pytest.raises(IndexError, match=r"\[select\] index 4 is out of bounds for dim 0 with size 4"):
        y.select(0, 4)


def test_unbind_contiguous_clone_copy():
    x = randn(3, 4)
    parts = x.unbind(1)
    assert isinstance(parts, tuple) and len(parts) == 4
    for i, p in enumerate(parts):
        assert shares(p, x)
        np.testing.assert_array_equal(to_np(p), to_np(x)[:, i])
    assert len(ember.unbind(x)) == 3
    t = x.t()
    c = t.contiguous()
    assert c.is_contiguous() and not shares(c, x)
    assert x.contiguous()._is_same(x)
    k = ember.clone(x)
    assert not shares(k, x)
    np.testing.assert_array_equal(to_np(k), to_np(x))
    d = ember.from_numpy(np.zeros((3, 4)))
    d.copy_(x)
    np.testing.assert_array_equal(to_np(d), to_np(x))
    d[:, 0].copy_(tensor(np.ones(3)))
    assert (to_np(d)[:, 0] == 1).all()


def test_write_through_view_visible_in_base():
    base = ember.from_numpy(np.zeros((3, 4)))
    v = base.view(12)
    v[5] = 7.0
    base.t()[1, 2] = 3.0
    base.narrow(0, 2, 1).select(0, 0)[3] = -1.0
    ref = np.zeros((3, 4))
    ref.reshape(-1)[5] = 7.0
    ref[2, 1] = 3.0
    ref[2, 3] = -1.0
    np.testing.assert_array_equal(to_np(base), ref)


def test_views_are_O1():
    big = ember.from_numpy(np.zeros((2000, 2000)))
    for v in (big.view(-1), big.t(), big[10:20], big.unsqueeze(0), big.expand(3, 2000, 2000),
              big.select(1, 3), big.narrow(0, 1, 5), big.permute(1, 0), big.flatten()):
        assert v.data_ptr() >= big.data_ptr() and shares(v, big)


# ---- gradients ----

def test_gradcheck_views():
    x = randn(2, 3, requires_grad=True)
    for fn in (lambda a: a.view(3, 2), lambda a: a.reshape(-1), lambda a: a.t(), lambda a: a.T,
               lambda a: a.permute(1, 0), lambda a: a.unsqueeze(1), lambda a: a.unsqueeze(0).squeeze(0),
               lambda a: a.flatten(), lambda a: a.unflatten(1, (3, 1)), lambda a: a.expand(4, 2, 3),
               lambda a: a.narrow(1, 1, 2), lambda a: a.select(1, 2), lambda a: a.movedim(0, 1),
               lambda a: a.t().contiguous(), lambda a: a.clone(), lambda a: a.unbind(1)):
        assert gradcheck(fn, [x])
    y = randn(3, 1, requires_grad=True)
    assert gradcheck(lambda a: a.expand(3, 4), [y])
    assert gradcheck(lambda a: a.expand_as(randn(2, 3, 4)), [y])


def test_views_torch_parity():
    a = np.random.default_rng(0).standard_normal((2, 3, 4))
    torch_check(lambda x: x.view(6, 4), lambda x: x.view(6, 4), a)
    torch_check(lambda x: x.permute(2, 0, 1).reshape(4, 6), lambda x: x.permute(2, 0, 1).reshape(4, 6), a)
    torch_check(lambda x: x.mT, lambda x: x.mT, a)
    torch_check(lambda x: x.transpose(0, 2), lambda x: x.transpose(0, 2), a)
    torch_check(lambda x: x.unsqueeze(1).expand(2, 5, 3, 4), lambda x: x.unsqueeze(1).expand(2, 5, 3, 4), a)
    torch_check(lambda x: x.flatten(1), lambda x: x.flatten(1), a)
    torch_check(lambda x: x.narrow(2, 1, 2).select(0, 1), lambda x: x.narrow(2, 1, 2).select(0, 1), a)
    torch_check(lambda x: x.unbind(2), lambda x: x.unbind(2), a)
    torch_check(lambda x: x.movedim((0, 1), (2, 0)), lambda x: x.movedim((0, 1), (2, 0)), a)
    torch_check(lambda x: x[:, :1].squeeze(1), lambda x: x[:, :1].squeeze(1), a)


def test_copy_autograd_and_leaf_check():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(2).standard_normal((3, 4))
    s = tensor(a, requires_grad=True)
    d = ember.from_numpy(np.zeros((3, 4)))
    d.copy_(s * tensor(np.full((3, 4), 2.0)))
    g = np.ones((3, 4))
    d.backward(tensor(g))
    np.testing.assert_allclose(to_np(s.grad), 2 * g)
    with pytest.raises(RuntimeError, match=r"\[copy_\]"):
        s.copy_(tensor(a))
    # Overwriting a non-leaf cuts its old history: no gradient reaches s through it.
    def run(mk, S):
        y = S * mk(np.full((3, 4), 3.0))
        y.copy_(mk(np.zeros(4)))
        return y
    torch_check(lambda S: run(tensor, S), lambda S: run(torch.tensor, S), a)
    y = s * tensor(np.ones((3, 4)))
    y.copy_(s.t().t() * tensor(np.full((3, 4), 5.0)))
    assert gradcheck(lambda S: run(tensor, S).clone().copy_(S[0]), [s])


def test_bad_view_args():
    x = randn(2, 3)
    with pytest.raises(ValueError, match=r"\[view\]"):
        x.view(4, 2)
    with pytest.raises(ValueError, match=r"\[view\]"):
        x.view(-1, -1)
    with pytest.raises(ValueError, match=r"\[reshape\]"):
        x.reshape(5)
    with pytest.raises(TypeError, match=r"\[view\]"):
        x.view(2.0, 3)
    with pytest.raises(IndexError, match=r"\[transpose\]"):
        x.transpose(0, 2)
    with pytest.raises(ValueError, match=r"\[permute\]"):
        x.permute(0)
