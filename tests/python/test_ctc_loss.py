"""ctc_loss / nn.CTCLoss: brute-force NumPy reference (sum over every alignment), float64
gradcheck through log_softmax, torch parity (values and gradients; padded and concatenated
targets, every reduction, zero_infinity, unbatched), bad input, thread determinism."""
import itertools

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from utils import same_for_threads, tensor, to_np


def rng(seed=0):
    return np.random.default_rng(seed)


def log_softmax(a, axis=-1):
    m = a.max(axis=axis, keepdims=True)
    return a - m - np.log(np.exp(a - m).sum(axis=axis, keepdims=True))


def collapse(path, blank):
    out, prev = [], None
    for k in path:
        if k != prev and k != blank:
            out.append(k)
        prev = k
    return out


def ctc_brute(lp, target, blank=0):
    """-log of the summed probability of every path of length T collapsing to target."""
    t_len, c = lp.shape
    total = 0.0
    for path in itertools.product(range(c), repeat=t_len):
        if collapse(path, blank) == list(target):
            total += np.exp(sum(lp[t, k] for t, k in enumerate(path)))
    return -np.log(total) if total > 0 else np.inf


def make(seed=0, t=5, n=3, c=4, s=3, dtype=np.float64):
    r = rng(seed)
    lp = log_softmax(r.standard_normal((t, n, c))).astype(dtype)
    tl = np.array([[s, max(s - 1, 0), 1][b % 3] for b in range(n)], dtype=np.int64)
    il = np.array([t - b % 3 for b in range(n)], dtype=np.int64)
    targets = r.integers(1, c, (n, s)).astype(np.int64)
    targets[0, 1] = targets[0, 0]  # a repeated label needs a blank between
    return lp, targets, il, tl


def test_forward_bruteforce():
    lp, targets, il, tl = make(t=5, c=3)
    out = F.ctc_loss(tensor(lp), tensor(targets), tensor(il), tensor(tl), reduction="none")
    ref = [ctc_brute(lp[:il[b], b], targets[b, :tl[b]]) for b in range(3)]
    np.testing.assert_allclose(to_np(out), ref, rtol=1e-10)


def test_gradcheck_through_log_softmax():
    # ctc's gradient is PyTorch's (exact for log_softmax outputs), so check it through one.
    r = rng(1)
    x = tensor(r.standard_normal((5, 2, 4)), requires_grad=True)
    targets = tensor(np.array([[1, 2, 2], [3, 1, 0]]))
    il, tl = tensor(np.array([5, 4])), tensor(np.array([3, 2]))
    for red in ("none", "mean", "sum"):
        assert ember.autograd.gradcheck(
            lambda a: F.ctc_loss(F.log_softmax(a, 2), targets, il, tl, reduction=red), [x])


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("concat", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_torch_parity(reduction, concat, dtype):
    torch = pytest.importorskip("torch")
    lp, targets, il, tl = make(seed=2, t=12, n=3, c=6, s=4, dtype=dtype)
    if concat:
        targets = np.concatenate([targets[b, :tl[b]] for b in range(3)])
    e_lp = tensor(lp, requires_grad=True)
    t_lp = torch.tensor(lp, requires_grad=True)
    out = F.ctc_loss(e_lp, tensor(targets), tensor(il), tensor(tl), blank=0, reduction=reduction)
    tout = torch.nn.functional.ctc_loss(t_lp, torch.tensor(targets), torch.tensor(il),
                                        torch.tensor(tl), blank=0, reduction=reduction)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_np(out), tout.detach().numpy(), **tol)
    g = rng(3).uniform(0.5, 1.5, tout.shape).astype(dtype)
    out.backward(tensor(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(to_np(e_lp.grad), t_lp.grad.numpy(), **tol)


def test_blank_lists_unbatched_zero_infinity():
    torch = pytest.importorskip("torch")
    r = rng(4)
    lp = log_softmax(r.standard_normal((6, 2, 5)))
    targets = np.array([[0, 1, 2], [3, 3, 1]])  # blank = 4
    e = F.ctc_loss(tensor(lp), tensor(targets), [6, 5], [3, 3], blank=4, reduction="none")
    t = torch.nn.functional.ctc_loss(torch.tensor(lp), torch.tensor(targets), [6, 5], [3, 3],
                                     blank=4, reduction="none")
    np.testing.assert_allclose(to_np(e), t.numpy(), rtol=1e-10)
    # unbatched (T, C)
    e = F.ctc_loss(tensor(lp[:, 0]), tensor(targets[0]), tensor(np.array(6)),
                   tensor(np.array(3)), blank=4, reduction="none")
    t = torch.nn.functional.ctc_loss(torch.tensor(lp[:, 0]), torch.tensor(targets[0]),
                                     torch.tensor(6), torch.tensor(3), blank=4, reduction="none")
    assert to_np(e).shape == ()
    np.testing.assert_allclose(to_np(e), t.numpy(), rtol=1e-10)
    # impossible alignment: inf, or 0 with zero gradient under zero_infinity
    il, tl = np.array([2, 6]), np.array([3, 3])
    for zi in (False, True):
        x = tensor(lp, requires_grad=True)
        tx = torch.tensor(lp, requires_grad=True)
        e = F.ctc_loss(x, tensor(targets), tensor(il), tensor(tl), blank=4, reduction="sum",
                       zero_infinity=zi)
        t = torch.nn.functional.ctc_loss(tx, torch.tensor(targets), torch.tensor(il),
                                         torch.tensor(tl), blank=4, reduction="sum",
                                         zero_infinity=zi)
        np.testing.assert_allclose(to_np(e), t.detach().numpy(), rtol=1e-10)
        if zi:
            e.backward()
            t.backward()
            np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_module_parity():
    torch = pytest.importorskip("torch")
    lp, targets, il, tl = make(seed=5, t=8, n=3, c=5, s=3)
    m = nn.CTCLoss(blank=0, reduction="mean", zero_infinity=True)
    tm = torch.nn.CTCLoss(blank=0, reduction="mean", zero_infinity=True)
    m.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    out = m(tensor(lp), tensor(targets), tensor(il), tensor(tl))
    tout = tm(torch.tensor(lp), torch.tensor(targets), torch.tensor(il), torch.tensor(tl))
    np.testing.assert_allclose(to_np(out), tout.numpy(), rtol=1e-10)
    assert repr(m) == "CTCLoss()"


def test_bad_input():
    lp, targets, il, tl = make()
    x = tensor(lp)
    with pytest.raises(ValueError, match=r"\[ctc_loss\] expected log_probs of shape \(T, N, C\)"):
        F.ctc_loss(tensor(lp[0, 0]), tensor(targets), tensor(il), tensor(tl))
    with pytest.raises(IndexError, match=r"\[ctc_loss\] target 9 is out of bounds for 4 classes"):
        F.ctc_loss(x, tensor(np.full((3, 3), 9)), tensor(il), tensor(tl))
    with pytest.raises(ValueError, match=r"\[ctc_loss\] expected 3 input_lengths"):
        F.ctc_loss(x, tensor(targets), tensor(il[:2]), tensor(tl))
    with pytest.raises(ValueError, match=r"\[ctc_loss\] input_lengths\[0\] must be in \[0, 5\]"):
        F.ctc_loss(x, tensor(targets), tensor(il + 1), tensor(tl))
    with pytest.raises(ValueError, match=r"\[ctc_loss\] expected padded targets of shape"):
        F.ctc_loss(x, tensor(targets[:, :1]), tensor(il), tensor(tl))
    with pytest.raises(TypeError, match=r"\[ctc_loss\] expected targets of dtype int64"):
        F.ctc_loss(x, tensor(targets.astype(np.float64)), tensor(il), tensor(tl))
    with pytest.raises(IndexError, match=r"\[ctc_loss\] blank must be in \[0, 4\)"):
        F.ctc_loss(x, tensor(targets), tensor(il), tensor(tl), blank=4)
    with pytest.raises(TypeError, match=r"\[ctc_loss\] input_lengths and target_lengths"):
        F.ctc_loss(x, tensor(targets), tensor(il), [3, 2, 1])
    y = tensor(lp, requires_grad=True)
    g, = ember.autograd.grad(F.ctc_loss(y, tensor(targets), tensor(il), tensor(tl)), [y],
                             create_graph=False)
    assert to_np(g).shape == lp.shape
    with pytest.raises(NotImplementedError, match=r"\[ctc_loss\] double backward"):
        ember.autograd.grad(F.ctc_loss(y, tensor(targets), tensor(il), tensor(tl)), [y],
                            create_graph=True)


def test_threads_deterministic():
    lp, targets, il, tl = make(seed=6, t=30, n=16, c=10, s=6, dtype=np.float32)
    x = tensor(lp, requires_grad=True)

    def run():
        x.grad = None
        out = F.ctc_loss(x, tensor(targets), tensor(il), tensor(tl), reduction="sum")
        out.backward()
        return out, x.grad
    same_for_threads(run)
