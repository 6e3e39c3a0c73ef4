"""F.embedding_bag / nn.EmbeddingBag: NumPy reference for sum / mean / max with offsets,
2-D input, per_sample_weights, padding_idx, include_last_offset; gradcheck (weight and
per_sample_weights) and gradgradcheck; torch parity of values and gradients after loading the
state_dict; repr; bad input; thread determinism."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember import nn
from utils import randn, same_for_threads, tensor, to_np

IDX = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0, 0], dtype=np.int64)
OFF = np.array([0, 3, 3, 7], dtype=np.int64)  # bag 1 is empty
OFF_LAST = np.array([0, 3, 3, 7, 10], dtype=np.int64)  # include_last_offset: ends with len(IDX)


def np_bags(w, idx, off, mode, psw=None, pad=None, last=False):
    starts = list(off) + ([] if last else [len(idx)])
    out = np.zeros((len(starts) - 1, w.shape[1]), w.dtype)
    for b in range(len(starts) - 1):
        sel = [i for i in range(starts[b], starts[b + 1]) if idx[i] != pad]
        if not sel:
            continue
        rows = w[idx[sel]] * (psw[sel][:, None] if psw is not None else 1)
        out[b] = rows.max(0) if mode == "max" else rows.sum(0) / (len(sel) if mode == "mean" else 1)
    return out


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("pad", [None, 4])
@pytest.mark.parametrize("last", [False, True])
def test_numpy_reference(mode, pad, last):
    w = randn(10, 3)
    y = F.embedding_bag(tensor(IDX), w, tensor(OFF), mode=mode, padding_idx=pad,
                        include_last_offset=last)  # last: the last bag ends at offsets[-1] = 7
    np.testing.assert_allclose(to_np(y), np_bags(to_np(w), IDX, OFF, mode, pad=pad, last=last),
                               rtol=1e-12)


def test_2d_input_and_per_sample_weights():
    w = randn(10, 4)
    idx2 = IDX.reshape(2, 5)
    psw = randn(2, 5, seed=3)
    y = F.embedding_bag(tensor(idx2), w, mode="sum", per_sample_weights=psw)
    ref = np_bags(to_np(w), IDX, np.array([0, 5]), "sum", psw=to_np(psw).ravel())
    np.testing.assert_allclose(to_np(y), ref, rtol=1e-12)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_gradcheck(mode):
    w = randn(10, 3, requires_grad=True)
    idx, off = tensor(IDX), tensor(OFF)
    assert ember.autograd.gradcheck(lambda t: F.embedding_bag(idx, t, off, mode=mode, padding_idx=0), [w])
    assert ember.autograd.gradgradcheck(lambda t: F.embedding_bag(idx, t, off, mode=mode), [w])
    if mode == "sum":
        psw = randn(len(IDX), seed=4, requires_grad=True)
        fn = lambda t, s: F.embedding_bag(idx, t, off, mode="sum", per_sample_weights=s,  # noqa: E731
                                          padding_idx=9)
        assert ember.autograd.gradcheck(fn, [w, psw])
        assert ember.autograd.gradgradcheck(fn, [w, psw])


@pytest.mark.parametrize("mode,psw,pad,last", [("sum", False, None, False), ("mean", False, 4, False),
                                               ("max", False, None, True), ("sum", True, 2, True),
                                               ("mean", False, None, True)])
def test_torch_parity(mode, psw, pad, last):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    t = torch.nn.EmbeddingBag(10, 5, mode=mode, padding_idx=pad, include_last_offset=last)
    e = nn.EmbeddingBag(10, 5, mode=mode, padding_idx=pad, include_last_offset=last)
    assert repr(e) == repr(t)
    e.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    ps = np.random.default_rng(1).standard_normal(len(IDX)).astype(np.float32) if psw else None
    pe = tensor(ps, requires_grad=True) if psw else None
    pt = torch.tensor(ps, requires_grad=True) if psw else None
    off = OFF_LAST if last else OFF
    y = e(tensor(IDX), tensor(off), per_sample_weights=pe)
    ty = t(torch.tensor(IDX), torch.tensor(off), per_sample_weights=pt)
    np.testing.assert_allclose(to_np(y), ty.detach().numpy(), rtol=1e-6, atol=1e-6)
    g = np.random.default_rng(2).standard_normal(ty.shape).astype(np.float32)
    y.backward(tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(to_np(e.weight.grad), t.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
    if psw:
        np.testing.assert_allclose(to_np(pe.grad), pt.grad.numpy(), rtol=1e-5, atol=1e-6)
    # 2-D input
    idx2 = IDX.reshape(5, 2)
    np.testing.assert_allclose(to_np(e(tensor(idx2))), t(torch.tensor(idx2)).detach().numpy(),
                               rtol=1e-6, atol=1e-6)


def test_layer_defaults_and_padding_row():
    e = nn.EmbeddingBag(6, 3, padding_idx=-1)
    assert e.padding_idx == 5 and e.mode == "mean"
    np.testing.assert_array_equal(to_np(e.weight)[5], 0)
    with pytest.raises(NotImplementedError, match=r"\[EmbeddingBag\] max_norm is not implemented"):
        nn.EmbeddingBag(6, 3, max_norm=1.0)
    with pytest.raises(NotImplementedError, match=r"\[embedding_bag\] max_norm"):
        F.embedding_bag(tensor(IDX), e.weight, tensor(OFF), max_norm=1.0)


def test_bad_input():
    w = randn(10, 3)
    with pytest.raises(ValueError, match=r"\[embedding_bag\] offsets has to be a 1-D tensor when "
                                         r"input is 1-D"):
        F.embedding_bag(tensor(IDX), w)
    with pytest.raises(ValueError, match=r"\[embedding_bag\] offsets\[0\] has to be 0"):
        F.embedding_bag(tensor(IDX), w, tensor(np.array([1, 3])))
    with pytest.raises(ValueError, match=r"expected non-decreasing offsets"):
        F.embedding_bag(tensor(IDX), w, tensor(np.array([0, 5, 3])))
    with pytest.raises(ValueError, match=r"if input is 2-D, offsets has to be None"):
        F.embedding_bag(tensor(IDX.reshape(2, 5)), w, tensor(OFF))
    with pytest.raises(IndexError, match=r"\[embedding_bag\] index 11 is out of range for 10"):
        F.embedding_bag(tensor(np.array([1, 11])), w, tensor(np.array([0])))
    with pytest.raises(ValueError, match=r"per_sample_weights is only supported for mode='sum', "
                                         r"got mode='mean'"):
        F.embedding_bag(tensor(IDX), w, tensor(OFF), per_sample_weights=randn(10))
    with pytest.raises(ValueError, match=r"mode has to be one of 'sum', 'mean' or 'max', got 'min'"):
        F.embedding_bag(tensor(IDX), w, tensor(OFF), mode="min")
    with pytest.raises(TypeError, match=r"\[embedding_bag\] expected input of dtype int64"):
        F.embedding_bag(w, w, tensor(OFF))


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_same_for_threads(mode):
    rng = np.random.default_rng(0)
    idx = tensor(rng.integers(0, 50, 4000))
    off = tensor(np.concatenate([[0], np.sort(rng.choice(np.arange(1, 4000), 299,
                                                         replace=False))]).astype(np.int64))
    w = randn(50, 64, dtype=np.float32, requires_grad=True)

    def run():
        w.grad = None
        y = F.embedding_bag(idx, w, off, mode=mode)
        (y * y).sum().backward()
        return y, w.grad

    same_for_threads(run)
