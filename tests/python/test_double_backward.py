"""Double backward (create_graph=True) through the ops whose first backward is a fused
kernel: the backward hands over to a differentiable composite of the op. Checked with
float64 gradgradcheck and against PyTorch on a gradient penalty."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.autograd import gradgradcheck

from utils import to_np

R = np.random.default_rng(1)


def t64(*shape, grad=True, scale=1.0):
    return ember.from_numpy(R.standard_normal(shape) * scale).requires_grad_(grad)


def test_gradgradcheck_catches_a_wrong_second_derivative():
    # a.detach() * a: its first derivative a.detach() * v has a zero analytic derivative
    # in a but a non-zero numerical one, so the check must fail.
    x = t64(3)
    assert gradgradcheck(lambda a: a * a * a, [x])
    assert not gradgradcheck(lambda a: a.detach() * a, [x], raise_exception=False)
    with pytest.raises(ValueError, match=r"\[gradgradcheck\] expected 1 grad_outputs"):
        gradgradcheck(lambda a: a * a, [x], grad_outputs=[])


CASES = {
    "layer_norm": lambda x, w, b: F.layer_norm(x, (4,), w, b),
    "rms_norm": lambda x, w, b: F.rms_norm(x, (4,), w),
    "batch_norm_train": lambda x, w, b: F.batch_norm(x.reshape(3, 4, 1), None, None, w, b,
                                                     training=True),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradgradcheck(name):
    x, w, b = t64(3, 4), t64(4), t64(4)
    assert gradgradcheck(CASES[name], [x, w, b])


def test_group_norm_gradgradcheck():
    x, w, b = t64(2, 4, 3), t64(4), t64(4)
    assert gradgradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), [x, w, b])


TARGET = ember.tensor([2, 0, 4])
LOSS_CASES = {
    "ce": lambda x: F.cross_entropy(x, TARGET),
    "ce_weight_smooth_ignore": lambda x: F.cross_entropy(
        x, ember.tensor([2, -100, 4]), weight=ember.from_numpy(np.arange(1.0, 6.0)),
        label_smoothing=0.2),
    "ce_none": lambda x: F.cross_entropy(x, TARGET, reduction="none"),
    "ce_probs_sum": lambda x: F.cross_entropy(
        x, ember.from_numpy(np.full((3, 5), 0.2)), reduction="sum", label_smoothing=0.1),
    "nll": lambda x: F.nll_loss(x.log_softmax(1), TARGET),
    "ce_spatial": lambda x: F.cross_entropy(x.reshape(1, 5, 3), ember.tensor([[1, 3, 0]])),
}


@pytest.mark.parametrize("name", sorted(LOSS_CASES))
def test_loss_gradgradcheck(name):
    assert gradgradcheck(LOSS_CASES[name], [t64(3, 5)])


LINEAR_CASES = {  # ops whose input gradient is linear in the output gradient
    "max_pool2d": lambda x: F.max_pool2d(x, 2, 1, padding=1),
    "avg_pool2d": lambda x: F.avg_pool2d(x, 3, 2, padding=1, count_include_pad=False),
    "max_pool1d": lambda x: F.max_pool1d(x.reshape(1, 16, 4), 2),
    "adaptive_avg_pool2d": lambda x: F.adaptive_avg_pool2d(x, (3, 2)),
    "adaptive_max_pool2d": lambda x: F.adaptive_max_pool2d(x, 2),
    "pad_reflect": lambda x: F.pad(x, (1, 2, 2, 1), mode="reflect"),
    "pad_constant": lambda x: F.pad(x, (1, -1, 2, 0), value=3.0),
    "pad_circular": lambda x: F.pad(x, (1, 1, 1, 1), mode="circular"),
    "bilinear": lambda x: F.interpolate(x, scale_factor=1.5, mode="bilinear", align_corners=False),
    "nearest": lambda x: F.interpolate(x, size=(5, 3), mode="nearest"),
}


@pytest.mark.parametrize("name", sorted(LINEAR_CASES))
def test_linear_backward_gradgradcheck(name):
    # Distinct values so max pooling has a unique argmax (finite differences stay local).
    x = ember.from_numpy(R.permutation(64).reshape(1, 4, 4, 4) / 8.0).requires_grad_(True)
    # x enters twice so second derivatives in x are non-zero: f(x) * x-dependent weights.
    assert gradgradcheck(lambda a: LINEAR_CASES[name](a * a), [x])


def test_embedding_gradgradcheck():
    idx = ember.tensor([[0, 2, 1], [2, 2, 3]])
    w = t64(4, 3)
    assert gradgradcheck(lambda w: F.embedding(idx, w * w, padding_idx=2), [w])


def test_sdpa_gradient_penalty_matches_torch():
    torch = pytest.importorskip("torch")
    q, k, v = (R.standard_normal((1, 2, 5, 4)).astype(np.float32) for _ in range(3))

    def penalty(lib, attention, q, k, v):
        out = attention(q, k, v)
        (gq,) = lib.autograd.grad((out * out).sum(), [q], create_graph=True)
        return (gq * gq).sum()

    def torch_math(q, k, v):  # torch's fused CPU kernel has no double backward
        s = q @ k.transpose(-1, -2) / 2.0
        s = s.masked_fill(torch.ones(5, 5, dtype=torch.bool).triu(1), float("-inf"))
        return s.softmax(-1) @ v

    tq, tk, tv = (torch.from_numpy(a).requires_grad_(True) for a in (q, k, v))
    eq, ek, ev = (ember.from_numpy(a).requires_grad_(True) for a in (q, k, v))
    penalty(torch, torch_math, tq, tk, tv).backward()
    penalty(ember, lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
            eq, ek, ev).backward()
    for e, t in ((eq, tq), (ek, tk), (ev, tv)):
        np.testing.assert_allclose(to_np(e.grad), t.grad.numpy(), rtol=1e-3, atol=1e-5)


def test_batch_norm_eval_gradgradcheck():
    rm, rv = ember.from_numpy(R.standard_normal(4)), ember.from_numpy(R.random(4) + 0.5)
    x, w, b = t64(3, 4, 2), t64(4), t64(4)
    assert gradgradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False), [x, w, b])


def test_gradient_penalty_matches_torch():
    # WGAN-GP style: d/dparams of ||d out / d x||^2 through Linear -> LayerNorm -> BatchNorm.
    torch = pytest.importorskip("torch")
    # float64: second derivatives through batch statistics amplify float32 rounding.
    xs = R.standard_normal((6, 5))
    lin = torch.nn.Linear(5, 4).double()
    ln, bn = torch.nn.LayerNorm(4).double(), torch.nn.BatchNorm1d(4).double()
    torch.nn.init.normal_(ln.weight)
    torch.nn.init.normal_(bn.bias)
    tmods = [lin, ln, bn]
    emods = [ember.nn.Linear(5, 4).double(), ember.nn.LayerNorm(4).double(),
             ember.nn.BatchNorm1d(4).double()]
    for e, t in zip(emods, tmods):
        e.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})

    def penalty(lib, mods, x):
        y = x
        for m in mods:
            y = m(y)
        out = (y.tanh() * y).sum()
        (g,) = lib.autograd.grad(out, [x], create_graph=True)
        return (g * g).sum()

    tx = torch.from_numpy(xs).requires_grad_(True)
    ex = ember.from_numpy(xs).requires_grad_(True)
    penalty(torch, tmods, tx).backward()
    penalty(ember, emods, ex).backward()
    for e, t in zip(emods, tmods):
        for (n, ep), (_, tp) in zip(e.named_parameters(), t.named_parameters()):
            np.testing.assert_allclose(to_np(ep.grad), tp.grad.numpy(), rtol=1e-9, atol=1e-12,
                                       err_msg=n)
    np.testing.assert_allclose(to_np(ex.grad), tx.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_first_order_backward_unchanged_and_threads_agree():
    # Without create_graph the fused kernels still run (bitwise equal for any thread count).
    from utils import same_for_threads

    x, w, b = t64(8, 16), t64(16), t64(16)

    def run():
        x.grad = w.grad = None
        (F.layer_norm(x, (16,), w, b) ** 2).sum().backward()
        return x.grad

    same_for_threads(run)


def test_grad_runs_only_the_graph_between_outputs_and_inputs():
    # autograd.grad w.r.t. an intermediate never executes (so never frees) the history below
    # it, like PyTorch: a later backward through that history still works.
    a = t64(2, 3)
    h = (a * 3).exp()
    (g,) = ember.autograd.grad((h * h).sum(), [h])  # retain_graph=False
    np.testing.assert_allclose(to_np(g), 2 * to_np(h))
    h.sum().backward()
    np.testing.assert_allclose(to_np(a.grad), 3 * to_np(h))
