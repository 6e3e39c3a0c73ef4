"""max_unpool1d / max_unpool2d and MaxUnpool1d / MaxUnpool2d: NumPy reference, gradient
checks, PyTorch parity (forward and gradient, with indices from max_pool*d) and bad input."""
import numpy as np
import pytest

import ember
from utils import tensor, to_np


def npr(*shape, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def np_unpool(x, idx, out_spatial):
    lead = x.shape[:-len(out_spatial)]
    plane = int(np.prod(out_spatial))
    xf = x.reshape(-1, int(np.prod(x.shape[len(lead):])))
    jf = idx.reshape(xf.shape)
    out = np.zeros((xf.shape[0], plane), dtype=x.dtype)
    for r in range(xf.shape[0]):
        out[r, jf[r]] = xf[r]
    return out.reshape(lead + tuple(out_spatial))


@pytest.mark.parametrize("k,s,p,shape", [(2, None, 0, (2, 3, 6, 7)), (3, 2, 1, (1, 2, 9, 8)),
                                         ((2, 3), (2, 2), 0, (3, 6, 9))])
def test_max_unpool2d_numpy(k, s, p, shape):
    x = npr(*shape, seed=1)
    y, i = ember.max_pool2d(tensor(x), k, s, p, return_indices=True)
    kk = (k, k) if isinstance(k, int) else k
    ss = kk if s is None else ((s, s) if isinstance(s, int) else s)
    default = tuple((y.shape[-2 + d] - 1) * ss[d] - 2 * p + kk[d] for d in range(2))
    out = shape[-2:]  # the pooled input's size: within a stride of the default
    assert all(abs(o - d) < st for o, d, st in zip(out, default, ss))
    u = ember.max_unpool2d(y, i, k, s, p, output_size=out)
    assert tuple(u.shape[-2:]) == out
    np.testing.assert_array_equal(to_np(u), np_unpool(to_np(y), to_np(i), out))


def test_max_unpool1d_numpy_and_output_size():
    x = npr(2, 3, 11, seed=2)
    y, i = ember.max_pool1d(tensor(x), 2, return_indices=True)
    u = ember.max_unpool1d(y, i, 2, output_size=[11])
    assert u.shape == (2, 3, 11)
    np.testing.assert_array_equal(to_np(u), np_unpool(to_np(y), to_np(i), (11,)))
    u4 = ember.max_unpool1d(y, i, 2, output_size=(2, 3, 11))  # batch and channel given too
    np.testing.assert_array_equal(to_np(u4), to_np(u))


def test_max_unpool_gradcheck():
    x = npr(1, 2, 4, 5, seed=3, dtype=np.float64)
    _, i = ember.max_pool2d(tensor(x), 2, return_indices=True)
    y = tensor(npr(1, 2, 2, 2, seed=4, dtype=np.float64), requires_grad=True)
    assert ember.autograd.gradcheck(lambda a: ember.max_unpool2d(a, i, 2, output_size=(4, 5)), (y,))
    x1 = npr(2, 7, seed=5, dtype=np.float64)
    _, i1 = ember.max_pool1d(tensor(x1), 3, 2, 1, return_indices=True)
    y1 = tensor(npr(2, 4, seed=6, dtype=np.float64), requires_grad=True)
    assert ember.autograd.gradcheck(lambda a: ember.max_unpool1d(a, i1, 3, 2, 1), (y1,))


@pytest.mark.parametrize("k,s,p,out", [(2, None, 0, None), (3, 2, 1, (9, 8)), (2, 2, 0, (8, 9))])
def test_max_unpool2d_torch(k, s, p, out):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x = npr(2, 3, 9, 8, seed=7)
    ty, ti = F.max_pool2d(torch.tensor(x), k, s, p, return_indices=True)
    ey, ei = ember.max_pool2d(tensor(x), k, s, p, return_indices=True)
    np.testing.assert_array_equal(to_np(ei), ti.numpy())
    tyg = ty.clone().requires_grad_()
    eyg = tensor(ty.numpy(), requires_grad=True)
    tu = F.max_unpool2d(tyg, ti, k, s, p, output_size=out)
    eu = ember.max_unpool2d(eyg, ei, k, s, p, output_size=out)
    np.testing.assert_array_equal(to_np(eu), tu.detach().numpy())
    g = npr(*tu.shape, seed=8)
    tu.backward(torch.tensor(g))
    eu.backward(tensor(g))
    np.testing.assert_array_equal(to_np(eyg.grad), tyg.grad.numpy())


def test_max_unpool_layers_torch():
    torch = pytest.importorskip("torch")
    x = npr(2, 4, 10, seed=9)
    tp, tu = torch.nn.MaxPool1d(2, return_indices=True), torch.nn.MaxUnpool1d(2)
    ep, eu = ember.nn.MaxPool1d(2, return_indices=True), ember.nn.MaxUnpool1d(2)
    ty, ti = tp(torch.tensor(x))
    ey, ei = ep(tensor(x))
    np.testing.assert_array_equal(to_np(eu(ey, ei)), tu(ty, ti).numpy())
    x2 = npr(1, 2, 5, 6, seed=10)
    ty2, ti2 = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(x2))
    ey2, ei2 = ember.nn.MaxPool2d(2, return_indices=True)(tensor(x2))
    t2 = torch.nn.MaxUnpool2d(2)(ty2, ti2, output_size=(5, 6))
    e2 = ember.nn.MaxUnpool2d(2)(ey2, ei2, output_size=(5, 6))
    np.testing.assert_array_equal(to_np(e2), t2.numpy())
    assert repr(ember.nn.MaxUnpool2d(2)) == "MaxUnpool2d(kernel_size=2, stride=2, padding=0)"


def test_max_unpool_bad_input():
    y, i = ember.max_pool2d(tensor(npr(1, 2, 4, 4, seed=11)), 2, return_indices=True)
    with pytest.raises(TypeError, match=r"\[max_unpool2d\]"):
        ember.max_unpool2d(y, y, 2)  # float indices
    with pytest.raises(ValueError, match=r"\[max_unpool2d\]"):
        ember.max_unpool2d(y, i[:, :1], 2)  # shape mismatch
    with pytest.raises(ValueError, match=r"\[max_unpool2d\]"):
        ember.max_unpool2d(y, i, 2, output_size=(9, 4))  # more than a stride away
    with pytest.raises(IndexError, match=r"\[max_unpool2d\]"):
        ember.max_unpool2d(y, i * 0 + 99, 2)
    with pytest.raises(IndexError, match=r"\[max_unpool2d\]"):
        ember.max_unpool2d(y, i * 0 - 1, 2)
    with pytest.raises(ValueError, match=r"\[max_unpool1d\]"):
        ember.max_unpool1d(y, i, 2)  # 4-D input to the 1-D op
    with pytest.raises(ValueError, match=r"\[max_unpool2d\]"):
        ember.max_unpool2d(y, i, (2, 2, 2))
    with pytest.raises(TypeError, match=r"\[MaxUnpool2d\]"):
        ember.nn.Sequential(ember.nn.MaxUnpool2d(2))(y)
