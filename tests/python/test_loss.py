"""cross_entropy and nll_loss: NumPy reference, gradcheck, torch parity, bad input, threads."""
import numpy as np
import pytest

import ember
from utils import randn, same_for_threads, tensor, to_np


def np_log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def test_cross_entropy_forward_numpy():
    x = to_np(randn(5, 4))
    y = np.array([0, 3, 1, 1, 2])
    ref = -np_log_softmax(x, 1)[np.arange(5), y]
    got = ember.cross_entropy(tensor(x), tensor(y), reduction="none")
    np.testing.assert_allclose(to_np(got), ref, rtol=1e-12)
    np.testing.assert_allclose(to_np(ember.cross_entropy(tensor(x), tensor(y))), ref.mean(), rtol=1e-12)
    np.testing.assert_allclose(to_np(ember.cross_entropy(tensor(x), tensor(y), reduction="sum")),
                               ref.sum(), rtol=1e-12)


def test_stable_for_large_logits():
    x = tensor(np.array([[1e4, 0.0, -1e4]], np.float32))
    out = ember.cross_entropy(x, tensor(np.array([1])))
    np.testing.assert_allclose(to_np(out), 1e4, rtol=1e-6)


@pytest.mark.parametrize("kw", [{}, {"label_smoothing": 0.2}, {"ignore_index": 1},
                                {"reduction": "sum"}, {"reduction": "none"}])
def test_cross_entropy_gradcheck(kw):
    x = randn(4, 3, requires_grad=True)
    w = tensor(np.array([0.5, 2.0, 1.0]))
    y = tensor(np.array([0, 1, 2, 1]))
    assert ember.autograd.gradcheck(lambda x: ember.cross_entropy(x, y, **kw), [x])
    assert ember.autograd.gradcheck(lambda x: ember.cross_entropy(x, y, weight=w, **kw), [x])
    p = tensor(np.abs(to_np(randn(4, 3, seed=5))))
    if "ignore_index" not in kw:
        assert ember.autograd.gradcheck(lambda x: ember.cross_entropy(x, p, weight=w, **kw), [x])


def test_nll_gradcheck():
    x = randn(2, 3, 4, requires_grad=True)
    y = tensor(np.array([[0, 1, 2, 0], [2, 2, 1, -100]]))
    assert ember.autograd.gradcheck(lambda x: ember.nll_loss(x, y), [x])


def test_torch_parity():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(0)
    cases = [((8, 5), (8,)), ((4, 5, 3, 2), (4, 3, 2)), ((5,), ())]
    for xshape, yshape in cases:
        xn = rng.standard_normal(xshape).astype(np.float32)
        yn = rng.integers(0, 5, yshape).astype(np.int64)
        if yn.ndim:
            yn.reshape(-1)[0] = -100
        wn = rng.uniform(0.5, 2, 5).astype(np.float32)
        pn = rng.uniform(0, 1, xshape).astype(np.float32)
        for kw in ({}, {"label_smoothing": 0.1}, {"reduction": "sum"}, {"reduction": "none"}):
            for use_w in (False, True):
                for target in ("idx", "prob"):
                    tt = torch.tensor(yn) if target == "idx" else torch.tensor(pn)
                    et = tensor(yn) if target == "idx" else tensor(pn)
                    tx = torch.tensor(xn, requires_grad=True)
                    ex = tensor(xn, requires_grad=True)
                    tw = torch.tensor(wn) if use_w else None
                    ew = tensor(wn) if use_w else None
                    tl = F.cross_entropy(tx, tt, weight=tw, **kw)
                    el = ember.cross_entropy(ex, et, weight=ew, **kw)
                    np.testing.assert_allclose(to_np(el), tl.detach().numpy(), rtol=1e-5, atol=1e-6)
                    tl.sum().backward()
                    ember.sum(el).backward()
                    np.testing.assert_allclose(to_np(ex.grad), tx.grad.numpy(), rtol=1e-4, atol=1e-6)
        lp = np_log_softmax(rng.standard_normal(xshape), 0 if len(xshape) == 1 else 1)
        tl = F.nll_loss(torch.tensor(lp), torch.tensor(yn), reduction="sum")
        el = ember.nll_loss(tensor(lp), tensor(yn), reduction="sum")
        np.testing.assert_allclose(to_np(el), tl.numpy(), rtol=1e-10)


def test_bad_input():
    x, y = randn(3, 4), tensor(np.array([0, 1, 4]))
    with pytest.raises(IndexError, match=r"\[cross_entropy\] target 4 is out of bounds for 4"):
        ember.cross_entropy(x, y)
    with pytest.raises(ValueError, match=r"\[cross_entropy\] expected target of shape \(3,\)"):
        ember.cross_entropy(x, tensor(np.array([0, 1])))
    with pytest.raises(TypeError, match=r"\[cross_entropy\] expected class-index target"):
        ember.cross_entropy(x, tensor(np.array([True, False, True])))
    with pytest.raises(ValueError, match=r"\[cross_entropy\] reduction must be"):
        ember.cross_entropy(x, tensor(np.array([0, 1, 2])), reduction="avg")
    with pytest.raises(ValueError, match=r"\[cross_entropy\] label_smoothing must be in"):
        ember.cross_entropy(x, tensor(np.array([0, 1, 2])), label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"\[cross_entropy\] expected weight of shape \(4,\)"):
        ember.cross_entropy(x, tensor(np.array([0, 1, 2])), weight=randn(3))
    with pytest.raises(TypeError, match=r"\[nll_loss\] expected class-index target"):
        ember.nll_loss(x, randn(3, 4))


def test_threads():
    x = randn(3001, 37, dtype=np.float32, requires_grad=True)
    y = tensor(np.random.default_rng(1).integers(0, 37, 3001))

    def run():
        x.grad = None
        loss = ember.cross_entropy(x, y, label_smoothing=0.1)
        loss.backward()
        return loss, x.grad

    same_for_threads(run)

    def run_probs():  # the class-probability path of the float32 kernels
        x.grad = None
        p = ember.softmax(randn(3001, 37, dtype=np.float32, seed=3), 1)
        loss = ember.cross_entropy(x, p, weight=tensor(np.linspace(0.5, 2, 37).astype(np.float32)))
        loss.backward()
        return loss, x.grad

    same_for_threads(run_probs)
