"""dropout, dropout2d and embedding: semantics, gradients, torch parity, bad input, threads."""
import numpy as np
import pytest

import ember
from utils import randn, same_for_threads, tensor, to_np


def test_dropout_statistics_and_scaling():
    x = tensor(np.ones(200000, np.float32))
    y = to_np(ember.dropout(x, 0.3))
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert ember.dropout(x, 0.3, training=False) is not None
    np.testing.assert_array_equal(to_np(ember.dropout(x, 0.3, training=False)), to_np(x))
    np.testing.assert_array_equal(to_np(ember.dropout(x, 1.0)), np.zeros(200000, np.float32))


def test_dropout_gradient_uses_the_mask():
    x = randn(50, requires_grad=True)
    y = ember.dropout(x, 0.5)
    ember.sum(y).backward()
    mask = to_np(y) / to_np(x)
    np.testing.assert_allclose(to_np(x.grad), mask, rtol=1e-12)


def test_dropout2d_zeroes_whole_channels():
    x = tensor(np.ones((4, 16, 3, 3), np.float32))
    y = to_np(ember.dropout2d(x, 0.5))
    per_channel = y.reshape(4, 16, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))


def test_dropout_seed_and_threads():
    x = tensor(np.ones(100003, np.float32))

    def run():
        ember.manual_seed(7)
        return ember.dropout(x, 0.4)

    same_for_threads(run)
    ember.manual_seed(8)
    assert not np.array_equal(to_np(run()), to_np(ember.dropout(x, 0.4)))


def test_dropout_bad_input():
    with pytest.raises(ValueError, match=r"\[dropout\] dropout probability has to be between 0 and 1"):
        ember.dropout(randn(3), 1.5)
    with pytest.raises(ValueError, match=r"\[dropout2d\] expected input of 3 or 4 dims"):
        ember.dropout2d(randn(3), 0.5)


def test_embedding_forward_and_grad():
    w = randn(10, 4, requires_grad=True)
    idx = tensor(np.array([[1, 2, 1], [9, 0, 2]]))
    out = ember.embedding(idx, w, padding_idx=2)
    np.testing.assert_array_equal(to_np(out), to_np(w)[to_np(idx)])
    assert ember.autograd.gradcheck(lambda w: ember.embedding(idx, w), [w])
    g = randn(2, 3, 4, seed=3)
    out.backward(g)
    ref = np.zeros((10, 4))
    np.add.at(ref, to_np(idx).ravel(), to_np(g).reshape(6, 4))
    ref[2] = 0
    np.testing.assert_allclose(to_np(w.grad), ref, rtol=1e-12)


def test_embedding_torch_parity():
    torch = pytest.importorskip("torch")
    wn = np.random.default_rng(0).standard_normal((20, 8)).astype(np.float32) * 3
    idx = np.array([[0, 5, 5, 19], [3, 3, 7, 0]])
    for kw in ({}, {"padding_idx": 3}, {"max_norm": 1.0}):
        tw, ew = torch.tensor(wn, requires_grad=True), tensor(wn.copy(), requires_grad=True)
        if "max_norm" in kw:
            with torch.no_grad():
                tout = torch.nn.functional.embedding(torch.tensor(idx), tw, **kw)
            with ember.no_grad():
                eout = ember.embedding(tensor(idx), ew, **kw)
            np.testing.assert_allclose(to_np(eout), tout.numpy(), rtol=1e-5)
            np.testing.assert_allclose(to_np(ew), tw.detach().numpy(), rtol=1e-5)
            continue
        tout = torch.nn.functional.embedding(torch.tensor(idx), tw, **kw)
        eout = ember.embedding(tensor(idx), ew, **kw)
        g = np.random.default_rng(1).standard_normal(tout.shape).astype(np.float32)
        tout.backward(torch.tensor(g))
        eout.backward(tensor(g))
        np.testing.assert_allclose(to_np(eout), tout.detach().numpy())
        np.testing.assert_allclose(to_np(ew.grad), tw.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_embedding_bad_input():
    w = randn(5, 3)
    with pytest.raises(IndexError, match=r"\[embedding\] index 5 is out of range for 5"):
        ember.embedding(tensor(np.array([5])), w)
    with pytest.raises(TypeError, match=r"\[embedding\] expected indices of dtype int64"):
        ember.embedding(tensor(np.array([1.0])), w)
    with pytest.raises(ValueError, match=r"\[embedding\] expected a 2-D weight"):
        ember.embedding(tensor(np.array([1])), randn(5))


def test_embedding_threads():
    w = randn(100, 64, dtype=np.float32, requires_grad=True)
    idx = tensor(np.random.default_rng(0).integers(0, 100, (500, 7)))
    g = randn(500, 7, 64, dtype=np.float32, seed=2)

    def run():
        w.grad = None
        ember.embedding(idx, w).backward(g)
        return w.grad

    same_for_threads(run)
