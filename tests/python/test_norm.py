"""layer_norm, rms_norm, batch_norm: NumPy reference, gradcheck, torch parity, bad input,
thread determinism."""
import numpy as np
import pytest

import ember
from utils import randn, same_for_threads, tensor, to_np


def np_layer_norm(x, d, w=None, b=None, eps=1e-5, rms=False):
    axes = tuple(range(x.ndim - d, x.ndim))
    mean = 0.0 if rms else x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    y = (x - mean) / np.sqrt(var + eps)
    if w is not None:
        y = y * w
    if b is not None:
        y = y + b
    return y


@pytest.mark.parametrize("shape,nshape", [((4, 7), (7,)), ((2, 3, 5), (3, 5)), ((1, 65), (65,))])
def test_layer_norm_forward(shape, nshape):
    x, w, b = randn(*shape), randn(*nshape, seed=1), randn(*nshape, seed=2)
    got = to_np(ember.layer_norm(x, nshape, w, b, 1e-5))
    ref = np_layer_norm(to_np(x), len(nshape), to_np(w), to_np(b))
    np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-10)
    got32 = to_np(ember.layer_norm(tensor(to_np(x).astype(np.float32)), nshape))
    np.testing.assert_allclose(got32, np_layer_norm(to_np(x), len(nshape)), rtol=1e-4, atol=1e-5)


def test_rms_norm_forward():
    x, w = randn(3, 8), randn(8, seed=1)
    got = to_np(ember.rms_norm(x, [8], w, eps=1e-6))
    np.testing.assert_allclose(got, np_layer_norm(to_np(x), 1, to_np(w), eps=1e-6, rms=True),
                               rtol=1e-10)


def test_norm_gradcheck():
    x, w, b = randn(3, 4, requires_grad=True), randn(4, seed=1, requires_grad=True), randn(
        4, seed=2, requires_grad=True)
    assert ember.autograd.gradcheck(lambda x, w, b: ember.layer_norm(x, [4], w, b), [x, w, b])
    assert ember.autograd.gradcheck(lambda x: ember.layer_norm(x, [3, 4]), [x])
    assert ember.autograd.gradcheck(lambda x, w: ember.rms_norm(x, [4], w), [x, w])


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 6), (2, 3, 2, 2)])
def test_batch_norm_gradcheck(shape):
    x = randn(*shape, requires_grad=True)
    w, b = randn(3, seed=1, requires_grad=True), randn(3, seed=2, requires_grad=True)
    assert ember.autograd.gradcheck(
        lambda x, w, b: ember.batch_norm(x, None, None, w, b, training=True), [x, w, b])
    rm, rv = randn(3, seed=3), tensor(np.abs(to_np(randn(3, seed=4))) + 0.5)
    assert ember.autograd.gradcheck(
        lambda x, w, b: ember.batch_norm(x, rm, rv, w, b, training=False), [x, w, b])


def test_batch_norm_forward_and_running_stats():
    x = to_np(randn(6, 3, 5))
    rm, rv = tensor(np.zeros(3)), tensor(np.ones(3))
    y = to_np(ember.batch_norm(tensor(x), rm, rv, training=True, momentum=0.1))
    mean, var = x.mean(axis=(0, 2)), x.var(axis=(0, 2))
    ref = (x - mean[None, :, None]) / np.sqrt(var[None, :, None] + 1e-5)
    np.testing.assert_allclose(y, ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_np(rm), 0.1 * mean, rtol=1e-12)
    np.testing.assert_allclose(to_np(rv), 0.9 + 0.1 * x.var(axis=(0, 2), ddof=1), rtol=1e-12)


def test_torch_parity():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    xn = np.random.default_rng(0).standard_normal((8, 16, 10)).astype(np.float32)
    wn = np.random.default_rng(1).standard_normal(10).astype(np.float32)
    bn = np.random.default_rng(2).standard_normal(10).astype(np.float32)
    gn = np.random.default_rng(3).standard_normal(xn.shape).astype(np.float32)
    for kind in ("layer", "rms"):
        tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (xn, wn, bn))
        ex, ew, eb = (tensor(a, requires_grad=True) for a in (xn, wn, bn))
        if kind == "layer":
            ty, ey = F.layer_norm(tx, (10,), tw, tb), ember.layer_norm(ex, (10,), ew, eb)
        else:
            ty, ey = F.rms_norm(tx, (10,), tw), ember.rms_norm(ex, (10,), ew)
        np.testing.assert_allclose(to_np(ey), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
        ty.backward(torch.tensor(gn))
        ey.backward(tensor(gn))
        np.testing.assert_allclose(to_np(ex.grad), tx.grad.numpy(), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(to_np(ew.grad), tw.grad.numpy(), rtol=1e-4, atol=1e-4)
        if kind == "layer":
            np.testing.assert_allclose(to_np(eb.grad), tb.grad.numpy(), rtol=1e-4, atol=1e-4)
    # batch norm, training and eval, with running stats
    wn = np.random.default_rng(4).standard_normal(16).astype(np.float32)
    bn = np.random.default_rng(5).standard_normal(16).astype(np.float32)
    for training in (True, False):
        trm, trv = torch.zeros(16), torch.ones(16) * 2
        erm, erv = tensor(np.zeros(16, np.float32)), tensor(np.full(16, 2, np.float32))
        tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (xn, wn, bn))
        ex, ew, eb = (tensor(a, requires_grad=True) for a in (xn, wn, bn))
        ty = F.batch_norm(tx, trm, trv, tw, tb, training=training, momentum=0.2)
        ey = ember.batch_norm(ex, erm, erv, ew, eb, training=training, momentum=0.2)
        np.testing.assert_allclose(to_np(ey), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(to_np(erv), trv.numpy(), rtol=1e-5)
        np.testing.assert_allclose(to_np(erm), trm.numpy(), rtol=1e-5, atol=1e-7)
        ty.backward(torch.tensor(gn))
        ey.backward(tensor(gn))
        for e, t in ((ex, tx), (ew, tw), (eb, tb)):
            np.testing.assert_allclose(to_np(e.grad), t.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_bad_input():
    x = randn(2, 3)
    with pytest.raises(ValueError, match=r"\[layer_norm\] normalized_shape \(4,\)"):
        ember.layer_norm(x, [4])
    with pytest.raises(ValueError, match=r"\[layer_norm\] expected weight of shape"):
        ember.layer_norm(x, [3], randn(4))
    with pytest.raises(TypeError, match=r"\[layer_norm\] expected a floating point"):
        ember.layer_norm(tensor(np.zeros((2, 3), np.int64)), [3])
    with pytest.raises(ValueError, match=r"\[batch_norm\] expected more than 1 value"):
        ember.batch_norm(randn(1, 3), None, None, training=True)
    with pytest.raises(ValueError, match=r"\[batch_norm\] expected input of at least 2 dims"):
        ember.batch_norm(randn(3), None, None, training=True)
    with pytest.raises(ValueError, match=r"\[batch_norm\] running_mean and running_var"):
        ember.batch_norm(randn(2, 3), None, None, training=False)


def test_threads():
    x = randn(301, 257, dtype=np.float32, requires_grad=True)
    w = randn(257, dtype=np.float32, seed=1, requires_grad=True)
    g = randn(301, 257, dtype=np.float32, seed=2)

    def run():
        x.grad, w.grad = None, None
        y = ember.layer_norm(x, [257], w)
        y.backward(g)
        return y, x.grad, w.grad

    same_for_threads(run)
    xb = randn(64, 33, 17, dtype=np.float32, requires_grad=True)
    same_for_threads(lambda: ember.batch_norm(xb, None, None, training=True))
