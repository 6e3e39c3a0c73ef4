"""Convolutions: conv1d / conv2d / conv_transpose{1,2}d and the Conv layers, against a direct
NumPy convolution, the C++ 7-loop reference, finite differences and PyTorch."""
import itertools

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck
from utils import randn, same_for_threads, tensor, to_np


def np_conv2d(x, w, b=None, stride=(1, 1), pad=(0, 0, 0, 0), dil=(1, 1), groups=1):
    """Direct NumPy conv; pad = (top, bottom, left, right)."""
    N, C, H, W = x.shape
    K, Cg, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad[0], pad[1]), (pad[2], pad[3])))
    Hp, Wp = xp.shape[2:]
    OH = (Hp - dil[0] * (KH - 1) - 1) // stride[0] + 1
    OW = (Wp - dil[1] * (KW - 1) - 1) // stride[1] + 1
    out = np.zeros((N, K, OH, OW), dtype=np.float64)
    Kg = K // groups
    for g in range(groups):
        xs = xp[:, g * Cg:(g + 1) * Cg]
        for i in range(KH):
            for j in range(KW):
                patch = xs[:, :, i * dil[0]: i * dil[0] + stride[0] * (OH - 1) + 1: stride[0],
                           j * dil[1]: j * dil[1] + stride[1] * (OW - 1) + 1: stride[1]]
                out[:, g * Kg:(g + 1) * Kg] += np.einsum("nchw,kc->nkhw", patch,
                                                         w[g * Kg:(g + 1) * Kg, :, i, j])
    if b is not None:
        out += b[None, :, None, None]
    return out


def rnd(shape, seed, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


CASES = [  # (N, C, H, W, K, kh, kw, stride, pad, dil, groups)
    (2, 3, 7, 9, 4, 3, 3, 1, 1, 1, 1),
    (1, 1, 5, 5, 1, 3, 3, 1, 0, 1, 1),
    (3, 4, 11, 8, 6, 2, 3, (2, 3), (1, 0), 1, 2),
    (2, 6, 9, 10, 6, 3, 3, 1, 1, 1, 6),        # depthwise
    (2, 6, 13, 12, 12, 5, 3, 2, 2, (2, 1), 3),
    (2, 8, 6, 7, 5, 1, 1, 1, 0, 1, 1),          # 1x1
    (1, 4, 9, 9, 4, 1, 1, 3, 0, 1, 1),          # 1x1 strided
    (2, 3, 17, 5, 4, 2, 2, 4, 0, 1, 1),         # stride > kernel
    (1, 4, 8, 8, 8, 3, 3, 2, 1, 2, 4),          # depthwise multiplier 2
    (1, 5, 40, 37, 7, 3, 3, 1, 1, 1, 1),        # several tiles
]


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


@pytest.mark.parametrize("case", CASES)
def test_conv2d_forward_numpy_and_reference(case):
    N, C, H, W, K, kh, kw, s, p, d, g = case
    x, w, b = rnd((N, C, H, W), 0), rnd((K, C // g, kh, kw), 1), rnd((K,), 2)
    ph, pw = pair(p)
    want = np_conv2d(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64),
                     pair(s), (ph, ph, pw, pw), pair(d), g)
    got = ember.conv2d(tensor(x), tensor(w), tensor(b), stride=s, padding=p, dilation=d, groups=g)
    np.testing.assert_allclose(to_np(got), want, rtol=1e-4, atol=1e-4)
    ref = ember._C._conv2d_reference(tensor(x), tensor(w), tensor(b), stride=s, padding=p,
                                  dilation=d, groups=g)
    np.testing.assert_allclose(to_np(got), to_np(ref), rtol=1e-4, atol=1e-5)
    got64 = ember.conv2d(tensor(x.astype(np.float64)), tensor(w.astype(np.float64)),
                         tensor(b.astype(np.float64)), s, p, d, g)
    np.testing.assert_allclose(to_np(got64), want, rtol=1e-10, atol=1e-10)


def test_conv2d_random_shapes_vs_reference():
    rng = np.random.default_rng(5)
    for t in range(12):
        g = int(rng.choice([1, 2, 3]))
        C, K = g * int(rng.integers(1, 4)), g * int(rng.integers(1, 4))
        kh, kw = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        s, p, d = [int(v) for v in rng.integers(1, 4, 2)], [int(v) for v in rng.integers(0, 3, 2)], \
            [int(v) for v in rng.integers(1, 3, 2)]
        H = d[0] * (kh - 1) + 1 + int(rng.integers(0, 9))
        W = d[1] * (kw - 1) + 1 + int(rng.integers(0, 9))
        x, w = rnd((int(rng.integers(1, 3)), C, H, W), t), rnd((K, C // g, kh, kw), t + 100)
        got = ember.conv2d(tensor(x), tensor(w), None, s, p, d, g)
        ref = ember._C._conv2d_reference(tensor(x), tensor(w), None, s, p, d, g)
        np.testing.assert_allclose(to_np(got), to_np(ref), rtol=1e-4, atol=1e-5)


def test_conv2d_same_valid_and_unbatched():
    x, w = rnd((2, 3, 8, 7), 0), rnd((5, 3, 4, 3), 1)
    for d in (1, 2, 3):
        got = ember.conv2d(tensor(x), tensor(w), padding="same", dilation=d)
        th, tw = d * 3, d * 2
        want = np_conv2d(x, w, None, (1, 1), (th // 2, th - th // 2, tw // 2, tw - tw // 2), (d, d))
        assert tuple(got.shape) == (2, 5, 8, 7)
        np.testing.assert_allclose(to_np(got), want, rtol=1e-4, atol=1e-4)
    got = ember.conv2d(tensor(x), tensor(w), padding="valid")
    np.testing.assert_allclose(to_np(got), np_conv2d(x, w), rtol=1e-4, atol=1e-4)
    un = ember.conv2d(tensor(x[0]), tensor(w), padding=1)
    np.testing.assert_allclose(to_np(un), np_conv2d(x[:1], w, pad=(1, 1, 1, 1))[0], rtol=1e-4,
                               atol=1e-4)


def test_conv1d_forward_numpy():
    x, w, b = rnd((2, 4, 11), 0), rnd((6, 2, 3), 1), rnd((6,), 2)
    got = ember.conv1d(tensor(x), tensor(w), tensor(b), stride=2, padding=1, dilation=2, groups=2)
    want = np_conv2d(x[:, :, None], w[:, :, None], b, (1, 2), (0, 0, 1, 1), (1, 2), 2)[:, :, 0]
    np.testing.assert_allclose(to_np(got), want, rtol=1e-4, atol=1e-4)
    got = ember.conv1d(tensor(x[0]), tensor(w), padding="same", groups=2)
    want = np_conv2d(x[:1, :, None], w[:, :, None], None, pad=(0, 0, 1, 1), groups=2)[0, :, 0]
    np.testing.assert_allclose(to_np(got), want, rtol=1e-4, atol=1e-4)


def test_conv_transpose2d_is_adjoint_of_conv2d():
    # <conv(x), y> == <x, conv_transpose(y)> for the same weight and geometry
    x, w, y = rnd((2, 4, 9, 8), 0, np.float64), rnd((6, 2, 3, 2), 1, np.float64), None
    cx = ember.conv2d(tensor(x), tensor(w), stride=2, padding=(1, 0), dilation=(1, 2), groups=2)
    y = rnd(tuple(cx.shape), 3, np.float64)
    op = (0, 1)  # output_padding makes the transposed output match x's size
    ty = ember.conv_transpose2d(tensor(y), tensor(w), stride=2, padding=(1, 0), output_padding=op,
                                groups=2, dilation=(1, 2))
    assert tuple(ty.shape) == x.shape
    np.testing.assert_allclose((to_np(cx) * y).sum(), (x * to_np(ty)).sum(), rtol=1e-10)


# ---- gradients (float64 finite differences)

# gradcheck costs (outputs x inputs) forward passes: keep every case tiny.

def test_gradcheck_conv2d():
    x, w, b = randn(1, 2, 3, 4, requires_grad=True), randn(2, 1, 2, 2, seed=1, requires_grad=True), \
        randn(2, seed=2, requires_grad=True)
    assert gradcheck(lambda x, w, b: ember.conv2d(x, w, b, stride=(2, 1), padding=1,
                                                  dilation=(1, 2), groups=2), (x, w, b))
    assert gradcheck(lambda x, w: ember.conv2d(x, w, padding="same"),
                     (x, randn(1, 2, 2, 2, seed=3, requires_grad=True)))
    assert gradcheck(lambda x, w: ember.conv2d(x, w), (x, randn(2, 2, 1, 1, seed=4, requires_grad=True)))


def test_gradcheck_conv1d_and_transposed():
    x, w, b = randn(1, 2, 5, requires_grad=True), randn(2, 1, 3, seed=1, requires_grad=True), \
        randn(2, seed=2, requires_grad=True)
    assert gradcheck(lambda x, w, b: ember.conv1d(x, w, b, stride=2, padding=2, dilation=2,
                                                  groups=2), (x, w, b))
    x1, wt = randn(1, 2, 3, requires_grad=True), randn(2, 1, 2, seed=3, requires_grad=True)
    assert gradcheck(lambda x, w, b: ember.conv_transpose1d(x, w, b, stride=2, padding=1,
                                                            output_padding=1, groups=2), (x1, wt, b))
    x2, w2 = randn(1, 2, 2, 2, requires_grad=True), randn(2, 1, 2, 2, seed=5, requires_grad=True)
    assert gradcheck(lambda x, w, b: ember.conv_transpose2d(x, w, b, stride=(2, 1), padding=(1, 0),
                                                            output_padding=(1, 0), groups=2,
                                                            dilation=(1, 2)), (x2, w2, b))


def test_double_backward_matches_torch():
    torch = pytest.importorskip("torch")
    xs, ws = rnd((1, 2, 5, 5), 0, np.float64), rnd((3, 2, 3, 3), 1, np.float64)
    x, w = tensor(xs, requires_grad=True), tensor(ws, requires_grad=True)
    y = ember.conv2d(x, w, padding=1, stride=2)
    (gx,) = ember.autograd.grad((y * y).sum(), (x,), create_graph=True)
    (gx * gx).sum().backward()
    tx, tw = torch.tensor(xs, requires_grad=True), torch.tensor(ws, requires_grad=True)
    ty = torch.nn.functional.conv2d(tx, tw, padding=1, stride=2)
    (tgx,) = torch.autograd.grad((ty * ty).sum(), (tx,), create_graph=True)
    (tgx * tgx).sum().backward()
    np.testing.assert_allclose(to_np(gx), tgx.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(to_np(w.grad), tw.grad.numpy(), rtol=1e-10, atol=1e-10)


# ---- PyTorch parity

def _torch_check(torch, fn_e, fn_t, xs, rtol=1e-4, atol=1e-4):
    """Forward and every gradient of fn(*xs) (float32) against torch."""
    te = [tensor(a, requires_grad=True) for a in xs]
    tt = [torch.tensor(a, requires_grad=True) for a in xs]
    ye, yt = fn_e(*te), fn_t(*tt)
    np.testing.assert_allclose(to_np(ye), yt.detach().numpy(), rtol=rtol, atol=atol)
    gy = rnd(tuple(yt.shape), 99)
    ye.backward(tensor(gy))
    yt.backward(torch.tensor(gy))
    for a, b in zip(te, tt):
        np.testing.assert_allclose(to_np(a.grad), b.grad.numpy(), rtol=rtol, atol=atol)


def test_torch_parity_conv2d_combos():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    for (s, p, d, g, bias) in itertools.product([1, 2, (1, 3)], [0, 1, (2, 0), "same", "valid"],
                                                [1, (2, 1)], [1, 2], [True, False]):
        if p == "same" and s != 1:
            continue
        xs = [rnd((2, 4, 9, 10), 0), rnd((6, 4 // g, 3, 2), 1)] + ([rnd((6,), 2)] if bias else [])
        _torch_check(torch,
                     lambda x, w, b=None: ember.conv2d(x, w, b, s, p, d, g),
                     lambda x, w, b=None: F.conv2d(x, w, b, s, p, d, g), xs)


def test_torch_parity_depthwise_and_1x1():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    for (s, p, d) in [(1, 1, 1), (2, 0, 1), ((1, 2), (2, 1), (2, 1)), (3, 3, 2)]:
        xs = [rnd((3, 5, 11, 9), 0), rnd((5, 1, 3, 3), 1), rnd((5,), 2)]
        _torch_check(torch, lambda x, w, b: ember.conv2d(x, w, b, s, p, d, 5),
                     lambda x, w, b: F.conv2d(x, w, b, s, p, d, 5), xs)
    for g in (1, 2):
        xs = [rnd((3, 4, 5, 6), 0), rnd((6, 4 // g, 1, 1), 1), rnd((6,), 2)]
        _torch_check(torch, lambda x, w, b: ember.conv2d(x, w, b, groups=g),
                     lambda x, w, b: F.conv2d(x, w, b, groups=g), xs)


def test_torch_parity_conv1d_and_transposed():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    for (s, p, d, g) in itertools.product([1, 3], [0, 2, "same"], [1, 2], [1, 3]):
        if p == "same" and s != 1:
            continue
        xs = [rnd((2, 6, 13), 0), rnd((3, 6 // g, 4), 1), rnd((3,), 2)]
        _torch_check(torch, lambda x, w, b: ember.conv1d(x, w, b, s, p, d, g),
                     lambda x, w, b: F.conv1d(x, w, b, s, p, d, g), xs)
    for (s, p, op, g, d) in [(1, 0, 0, 1, 1), (2, 1, 1, 1, 1), (3, 2, (2, 0), 2, (1, 2)),
                             ((2, 1), 0, (1, 0), 2, 1), (1, 1, 1, 1, 2)]:
        xs = [rnd((2, 4, 5, 6), 0), rnd((4, 3, 3, 2), 1), rnd((3 * g,), 2)]
        _torch_check(torch, lambda x, w, b: ember.conv_transpose2d(x, w, b, s, p, op, g, d),
                     lambda x, w, b: F.conv_transpose2d(x, w, b, s, p, op, g, d), xs)
    xs = [rnd((2, 4, 7), 0), rnd((4, 1, 3), 1), rnd((2,), 2)]
    _torch_check(torch, lambda x, w, b: ember.conv_transpose1d(x, w, b, 2, 1, 1, 2, 1),
                 lambda x, w, b: F.conv_transpose1d(x, w, b, 2, 1, 1, 2, 1), xs)
    # unbatched
    _torch_check(torch, lambda x, w: ember.conv_transpose2d(x, w, stride=2),
                 lambda x, w: F.conv_transpose2d(x, w, stride=2), [rnd((4, 3, 3), 0), rnd((4, 2, 2, 2), 1)])


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
def test_layers_match_torch_after_load_state_dict(mode):
    torch = pytest.importorskip("torch")
    specs = [
        ("Conv2d", dict(in_channels=4, out_channels=6, kernel_size=(3, 2), stride=(2, 1),
                        padding=(1, 2), dilation=(1, 2), groups=2), (2, 4, 9, 8)),
        ("Conv2d", dict(in_channels=3, out_channels=5, kernel_size=4, padding="same"), (2, 3, 7, 7)),
        ("Conv1d", dict(in_channels=3, out_channels=4, kernel_size=3, padding=2, bias=False),
         (2, 3, 9)),
        ("Conv1d", dict(in_channels=2, out_channels=2, kernel_size=2, padding="same", dilation=3),
         (2, 2, 8)),
    ]
    for name, kw, shape in specs:
        t = getattr(torch.nn, name)(**kw, padding_mode=mode)
        e = getattr(ember.nn, name)(**kw, padding_mode=mode)
        e.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
        assert repr(e) == repr(t)
        _torch_check(torch, lambda x: e(x), lambda x: t(x), [rnd(shape, 3)])
        for (pe, pt) in zip(e.parameters(), t.parameters()):
            np.testing.assert_allclose(to_np(pe.grad), pt.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_transposed_layers_match_torch():
    torch = pytest.importorskip("torch")
    for name, kw, shape in [
        ("ConvTranspose2d", dict(in_channels=4, out_channels=6, kernel_size=3, stride=2, padding=1,
                                 output_padding=1, groups=2, dilation=1), (2, 4, 5, 4)),
        ("ConvTranspose2d", dict(in_channels=2, out_channels=3, kernel_size=(2, 3), bias=False,
                                 dilation=2), (1, 2, 3, 3)),
        ("ConvTranspose1d", dict(in_channels=3, out_channels=2, kernel_size=4, stride=3), (2, 3, 5)),
    ]:
        t, e = getattr(torch.nn, name)(**kw), getattr(ember.nn, name)(**kw)
        e.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
        assert repr(e) == repr(t)
        _torch_check(torch, lambda x: e(x), lambda x: t(x), [rnd(shape, 3)])


def test_layer_defaults_and_init():
    c = ember.nn.Conv2d(4, 8, 3)
    assert c.weight.shape == (8, 4, 3, 3) and c.bias.shape == (8,)
    assert c.kernel_size == (3, 3) and c.stride == (1, 1) and c.padding == (0, 0)
    assert c.dilation == (1, 1) and c.groups == 1 and c.padding_mode == "zeros"
    bound = 1 / np.sqrt(4 * 9)  # kaiming_uniform(a=sqrt(5)) gives U(-1/sqrt(fan_in), ..)
    w, b = to_np(c.weight), to_np(c.bias)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert np.abs(b).max() <= bound
    t = ember.nn.ConvTranspose2d(4, 6, 3, groups=2)
    assert t.weight.shape == (4, 3, 3, 3)
    assert [n for n, _ in c.named_parameters()] == ["weight", "bias"]
    assert repr(ember.nn.Conv1d(2, 3, 5, bias=False)) == \
        "Conv1d(2, 3, kernel_size=(5,), stride=(1,), bias=False)"


# ---- thread determinism

def test_same_for_threads_forward_backward():
    x0, w0, b0 = rnd((4, 16, 20, 20), 0), rnd((32, 16, 3, 3), 1), rnd((32,), 2)

    def run(stride=1, groups=1, kern=3):
        x = tensor(x0, requires_grad=True)
        w = tensor(np.ascontiguousarray(w0[:, :16 // groups, :kern, :kern]), requires_grad=True)
        b = tensor(b0, requires_grad=True)
        y = ember.conv2d(x, w, b, stride=stride, padding=kern // 2, groups=groups)
        (y * y).sum().backward()
        return y, x.grad, w.grad, b.grad

    same_for_threads(run)
    same_for_threads(lambda: run(kern=1))
    same_for_threads(lambda: run(stride=2, groups=16))
    same_for_threads(lambda: ember.conv_transpose2d(tensor(x0), tensor(w0[:16]), stride=2))


# ---- bad input

def test_bad_input():
    x, w = tensor(rnd((2, 4, 8, 8), 0)), tensor(rnd((6, 4, 3, 3), 1))
    with pytest.raises(ValueError, match=r"\[conv2d\] expected input of 3 or 4 dims .*\(8, 8\)"):
        ember.conv2d(tensor(rnd((8, 8), 0)), w)
    with pytest.raises(ValueError, match=r"\[conv2d\] expected input with 8 channels"):
        ember.conv2d(x, tensor(rnd((6, 4, 3, 3), 1)), groups=2)
    with pytest.raises(ValueError, match=r"\[conv2d\] expected weight.size\(0\) divisible"):
        ember.conv2d(x, tensor(rnd((5, 2, 3, 3), 1)), groups=2)
    with pytest.raises(ValueError, match=r"\[conv2d\] expected the \(dilated\) kernel"):
        ember.conv2d(tensor(rnd((1, 4, 2, 2), 0)), w)
    with pytest.raises(ValueError, match=r"\[conv2d\] expected positive stride"):
        ember.conv2d(x, w, stride=0)
    with pytest.raises(ValueError, match=r"\[conv2d\] expected positive dilation"):
        ember.conv2d(x, w, dilation=(1, -1))
    with pytest.raises(ValueError, match=r"\[conv2d\] expected non-negative padding"):
        ember.conv2d(x, w, padding=-1)
    with pytest.raises(ValueError, match=r"\[conv2d\] padding='same' is not supported"):
        ember.conv2d(x, w, stride=2, padding="same")
    with pytest.raises(ValueError, match=r"\[conv2d\] expected padding 'valid', 'same'"):
        ember.conv2d(x, w, padding="full")
    with pytest.raises(ValueError, match=r"\[conv2d\] expected stride to be a single int"):
        ember.conv2d(x, w, stride=(1, 1, 1))
    with pytest.raises(ValueError, match=r"\[conv2d\] expected bias of shape \(6,\)"):
        ember.conv2d(x, w, tensor(rnd((5,), 0)))
    with pytest.raises(TypeError, match=r"\[conv2d\] expected weight of the input's dtype"):
        ember.conv2d(x, tensor(rnd((6, 4, 3, 3), 1, np.float64)))
    with pytest.raises(ValueError, match=r"\[conv1d\] expected input of 2 or 3 dims"):
        ember.conv1d(x, tensor(rnd((6, 4, 3), 1)))
    with pytest.raises(ValueError, match=r"\[conv_transpose2d\] expected output_padding smaller"):
        ember.conv_transpose2d(x, tensor(rnd((4, 2, 3, 3), 1)), output_padding=1)
    with pytest.raises(ValueError, match=r"\[conv_transpose2d\] expected a positive output size"):
        ember.conv_transpose2d(tensor(rnd((1, 4, 1, 1), 0)), tensor(rnd((4, 2, 1, 1), 1)), padding=1)
    with pytest.raises(ValueError, match=r"\[Conv2d\] in_channels must be divisible by groups"):
        ember.nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r"\[Conv2d\] padding_mode must be one of"):
        ember.nn.Conv2d(4, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match=r"\[Conv2d\] padding='same' is not supported"):
        ember.nn.Conv2d(4, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match=r"\[ConvTranspose2d\] only 'zeros' padding mode"):
        ember.nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect")
    with pytest.raises(TypeError, match=r"\[conv2d\] expected stride to be an int or a tuple"):
        ember.conv2d(x, w, stride=1.5)


# ---- the float32 implicit-GEMM path (many output channels per group; stride-1 backward-data
# runs through it with the flipped weight)

def test_conv2d_implicit_gemm_vs_reference_and_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    cases = [((2, 8, 13, 17), (64, 8, 3, 3), (1, 1), (1, 1), (1, 1), 1),
             ((1, 6, 9, 5), (48, 3, 3, 2), (2, 1), (0, 1), (1, 2), 2),   # narrow rows, groups
             ((2, 5, 4, 3), (32, 5, 2, 3), (1, 1), (2, 2), (1, 1), 1),   # rows shorter than a tile
             ((1, 4, 12, 30), (32, 4, 5, 3), (1, 1), (1, 0), (2, 1), 1)]
    for t, (xs, ws, s, p, d, g) in enumerate(cases):
        x = rng.standard_normal(xs).astype(np.float32)
        w = rng.standard_normal(ws).astype(np.float32)
        b = rng.standard_normal(ws[0]).astype(np.float32)
        ex, ew = tensor(x, requires_grad=True), tensor(w, requires_grad=True)
        got = ember.conv2d(ex, ew, tensor(b), s, p, d, g)
        ref = ember._C._conv2d_reference(tensor(x), tensor(w), tensor(b), s, p, d, g)
        np.testing.assert_allclose(to_np(got), to_np(ref), rtol=1e-4, atol=1e-4, err_msg=str(t))
        tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
        ty = torch.nn.functional.conv2d(tx, tw, torch.tensor(b), s, p, d, g)
        gy = rng.standard_normal(ty.shape).astype(np.float32)
        ty.backward(torch.tensor(gy))
        got.backward(tensor(gy))
        np.testing.assert_allclose(to_np(ex.grad), tx.grad.numpy(), rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(to_np(ew.grad), tw.grad.numpy(), rtol=1e-4, atol=1e-3)


def test_same_for_threads_implicit_gemm():
    x0, w0 = rnd((3, 8, 15, 11), 3).astype(np.float32), rnd((64, 8, 3, 3), 4).astype(np.float32)

    def run():
        x, w = tensor(x0, requires_grad=True), tensor(w0, requires_grad=True)
        y = ember.conv2d(x, w, None, 1, 1)
        (y * y).sum().backward()
        return y, x.grad, w.grad

    same_for_threads(run)
