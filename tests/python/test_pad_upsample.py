"""pad, interpolate, pixel_shuffle/unshuffle, group_norm, instance_norm and their layers:
NumPy reference, gradcheck, torch parity, layer reprs, bad input, thread determinism."""
import numpy as np
import pytest

import ember
from utils import randn, same_for_threads, tensor, to_np

NP_MODE = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def np_pad(x, pad, mode, value=0.0):
    m = len(pad) // 2
    widths = [(0, 0)] * (x.ndim - m) + [(pad[2 * (m - 1 - j)], pad[2 * (m - 1 - j) + 1])
                                        for j in range(m)]
    if mode == "constant":
        return np.pad(x, widths, mode="constant", constant_values=value)
    return np.pad(x, widths, mode=NP_MODE[mode])


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pad", [((2, 3, 5), (1, 2)), ((2, 3, 4, 5), (2, 1, 0, 3)),
                                       ((1, 2, 3, 4, 5), (1, 1, 2, 0, 1, 2))])
def test_pad_forward_and_grad(mode, shape, pad):
    x = randn(*shape, requires_grad=True)
    got = ember.pad(x, pad, mode, 1.5) if mode == "constant" else ember.pad(x, pad, mode)
    np.testing.assert_array_equal(to_np(got), np_pad(to_np(x), pad, mode, 1.5))
    small = randn(*(min(s, 4) for s in shape[:-1]), shape[-1], requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: ember.pad(t, pad, mode), [small])


def test_pad_constant_any_dims_and_negative():
    x = randn(3, 4, 5)
    got = ember.pad(x, (1, -2, 0, 1, 2, 2), value=-1.0)
    ref = np.pad(to_np(x), [(2, 2), (0, 1), (1, 0)], constant_values=-1.0)[:, :, :-2]
    np.testing.assert_array_equal(to_np(got), ref)


@pytest.mark.parametrize("mode,pad", [("constant", (1, 2, 3, 0)), ("reflect", (2, 1, 3, 2)),
                                      ("replicate", (3, 0, 1, 4)), ("circular", (2, 3, 1, 1))])
def test_pad_torch_parity(mode, pad):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(1).standard_normal((2, 3, 5, 6)).astype(np.float32)
    x, tx = tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = ember.pad(x, pad, mode), torch.nn.functional.pad(tx, pad, mode)
    np.testing.assert_array_equal(to_np(y), ty.detach().numpy())
    g = np.random.default_rng(2).standard_normal(ty.shape).astype(np.float32)
    y.backward(tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-6, atol=1e-6)


INTERP = [
    dict(scale_factor=2, mode="nearest"), dict(size=(7, 5), mode="nearest"),
    dict(scale_factor=(1.5, 2.5), mode="nearest"),
    dict(scale_factor=2, mode="bilinear"), dict(scale_factor=2, mode="bilinear", align_corners=True),
    dict(size=(7, 11), mode="bilinear"), dict(size=(3, 2), mode="bilinear", align_corners=True),
    dict(scale_factor=0.5, mode="bilinear"), dict(size=(1, 4), mode="bilinear", align_corners=True),
]
INTERP1D = [dict(scale_factor=3, mode="linear"), dict(size=9, mode="linear", align_corners=True),
            dict(size=4, mode="nearest"), dict(scale_factor=2, mode="nearest")]


@pytest.mark.parametrize("kw", INTERP + INTERP1D)
def test_interpolate_torch_parity(kw):
    torch = pytest.importorskip("torch")
    shape = (2, 3, 6, 5) if kw in INTERP else (2, 3, 7)
    a = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    x, tx = tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = ember.interpolate(x, **kw), torch.nn.functional.interpolate(tx, **kw)
    np.testing.assert_allclose(to_np(y), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = np.random.default_rng(4).standard_normal(ty.shape).astype(np.float32)
    y.backward(tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_interpolate_numpy_and_gradcheck():
    x = randn(1, 2, 3, 4, requires_grad=True)
    np.testing.assert_array_equal(to_np(ember.interpolate(x, scale_factor=2)),
                                  to_np(x).repeat(2, axis=2).repeat(2, axis=3))
    x1 = randn(1, 1, 3)
    got = to_np(ember.interpolate(x1, size=5, mode="linear", align_corners=True))[0, 0]
    np.testing.assert_allclose(got, np.interp(np.linspace(0, 2, 5), [0, 1, 2], to_np(x1)[0, 0]))
    gc = ember.autograd.gradcheck
    assert gc(lambda t: ember.interpolate(t, size=(5, 7), mode="bilinear"), [x])
    assert gc(lambda t: ember.interpolate(t, scale_factor=2, mode="bilinear", align_corners=True), [x])
    assert gc(lambda t: ember.interpolate(t, size=(4, 3)), [x])
    assert gc(lambda t: ember.interpolate(t, scale_factor=1.7, mode="linear"),
              [randn(2, 2, 4, requires_grad=True)])


def test_pixel_shuffle():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(5).standard_normal((2, 8, 3, 4)).astype(np.float32)
    x, tx = tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = ember.pixel_shuffle(x, 2), torch.nn.functional.pixel_shuffle(tx, 2)
    np.testing.assert_array_equal(to_np(y), ty.detach().numpy())
    np.testing.assert_array_equal(to_np(ember.pixel_unshuffle(y, 2)), a)
    np.testing.assert_array_equal(to_np(ember.pixel_unshuffle(x, 1)), a)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy())
    assert ember.autograd.gradcheck(lambda t: ember.pixel_unshuffle(t, 2), [randn(2, 4, 4, requires_grad=True)])


def np_group_norm(x, g, w, b, eps=1e-5):
    n, c = x.shape[:2]
    xr = x.reshape(n, g, -1)
    y = (xr - xr.mean(-1, keepdims=True)) / np.sqrt(xr.var(-1, keepdims=True) + eps)
    y = y.reshape(x.shape)
    sh = (1, c) + (1,) * (x.ndim - 2)
    return y * w.reshape(sh) + b.reshape(sh)


def test_group_norm_numpy_gradcheck():
    x, w, b = randn(2, 6, 3, 4), randn(6, seed=1), randn(6, seed=2)
    np.testing.assert_allclose(to_np(ember.group_norm(x, 3, w, b)),
                               np_group_norm(to_np(x), 3, to_np(w), to_np(b)), rtol=1e-10, atol=1e-12)
    x, w, b = (randn(2, 4, 3, requires_grad=True), randn(4, seed=1, requires_grad=True),
               randn(4, seed=2, requires_grad=True))
    assert ember.autograd.gradcheck(lambda *t: ember.group_norm(t[0], 2, t[1], t[2]), [x, w, b])
    assert ember.autograd.gradcheck(lambda t: ember.group_norm(t, 4), [x])
    assert ember.autograd.gradcheck(lambda t: ember.instance_norm(t), [x])


def test_group_norm_float32_accurate_for_large_mean():
    # The variance is a centred sum: E[x^2] - mean^2 in float would lose it entirely here.
    a = (300 + 0.05 * np.random.default_rng(8).standard_normal((3, 6, 37))).astype(np.float32)
    w, b = np.linspace(0.5, 2, 6).astype(np.float32), np.linspace(-1, 1, 6).astype(np.float32)
    want = np_group_norm(a.astype(np.float64), 3, w.astype(np.float64), b.astype(np.float64))
    got = to_np(ember.group_norm(tensor(a), 3, tensor(w), tensor(b)))
    np.testing.assert_allclose(got, want, rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("shape,g,affine", [((2, 8, 5, 6), 4, True), ((3, 6, 7), 6, False),
                                            ((2, 4, 3, 3), 1, True), ((2, 6, 9, 11), 3, True)])
def test_group_norm_torch_parity(shape, g, affine):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    a = rng.standard_normal(shape).astype(np.float32)
    wa = rng.standard_normal(shape[1]).astype(np.float32) if affine else None
    x, tx = tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    w = tensor(wa, requires_grad=True) if affine else None
    tw = torch.tensor(wa, requires_grad=True) if affine else None
    b = tensor(wa * 0.5, requires_grad=True) if affine else None
    tb = torch.tensor(wa * 0.5, requires_grad=True) if affine else None
    y, ty = ember.group_norm(x, g, w, b), torch.nn.functional.group_norm(tx, g, tw, tb)
    np.testing.assert_allclose(to_np(y), ty.detach().numpy(), rtol=1e-4, atol=1e-5)
    gr = rng.standard_normal(shape).astype(np.float32)
    y.backward(tensor(gr))
    ty.backward(torch.tensor(gr))
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-4, atol=1e-4)
    if affine:
        np.testing.assert_allclose(to_np(w.grad), tw.grad.numpy(), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(to_np(b.grad), tb.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_instance_norm_running_stats_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(7).standard_normal((3, 4, 5, 6)).astype(np.float32)
    rm, rv = np.zeros(4, np.float32), np.ones(4, np.float32)
    erm, erv = tensor(rm), tensor(rv)
    trm, trv = torch.tensor(rm), torch.tensor(rv)
    y = ember.instance_norm(tensor(a), erm, erv, momentum=0.2)
    ty = torch.nn.functional.instance_norm(torch.tensor(a), trm, trv, momentum=0.2)
    np.testing.assert_allclose(to_np(y), ty.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(to_np(erm), trm.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(to_np(erv), trv.numpy(), rtol=1e-5, atol=1e-6)
    y = ember.instance_norm(tensor(a), erm, erv, use_input_stats=False)
    ty = torch.nn.functional.instance_norm(torch.tensor(a), trm, trv, use_input_stats=False)
    np.testing.assert_allclose(to_np(y), ty.numpy(), rtol=1e-4, atol=1e-5)


LAYERS = [
    ("GroupNorm", (4, 8), {}, (2, 8, 5, 5)), ("GroupNorm", (2, 4), dict(affine=False), (2, 4, 6)),
    ("InstanceNorm2d", (3,), {}, (2, 3, 5, 4)),
    ("InstanceNorm1d", (3,), dict(affine=True, track_running_stats=True), (2, 3, 7)),
    ("Upsample", (), dict(scale_factor=2, mode="bilinear"), (1, 2, 3, 4)),
    ("Upsample", (), dict(size=(5, 3)), (1, 2, 3, 4)),
    ("Upsample", (), dict(scale_factor=(2.0, 3.0), mode="bilinear", align_corners=True), (1, 2, 3, 4)),
    ("PixelShuffle", (2,), {}, (1, 8, 2, 3)), ("PixelUnshuffle", (2,), {}, (1, 2, 4, 6)),
    ("Dropout2d", (), {}, (2, 3, 4, 4)),
    ("ZeroPad2d", (1,), {}, (1, 2, 3, 4)), ("ConstantPad1d", ((1, 2), 0.5), {}, (2, 3, 4)),
    ("ReflectionPad2d", ((1, 2, 2, 1),), {}, (1, 2, 3, 4)), ("ReplicationPad1d", (2,), {}, (2, 3, 4)),
    ("CircularPad2d", (1,), {}, (1, 2, 3, 4)),
]


@pytest.mark.parametrize("name,args,kw,shape", LAYERS)
def test_layers_vs_torch(name, args, kw, shape):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(ember.nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(ours) == repr(theirs)
    sd = {k: v.numpy() for k, v in theirs.state_dict().items()}
    if sd:
        for k, v in theirs.named_parameters():
            v.data.normal_()
        sd = {k: v.numpy() for k, v in theirs.state_dict().items()}
        ours.load_state_dict(sd)
    ours.eval()
    theirs.eval()
    a = np.random.default_rng(8).standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(to_np(ours(tensor(a))), theirs(torch.tensor(a)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)


def test_same_for_threads():
    x = randn(4, 16, 24, 20, dtype=np.float32, requires_grad=True)
    w = randn(16, dtype=np.float32, seed=1, requires_grad=True)

    def run(fn):
        x.grad = None
        w.grad = None
        y = fn(x)
        (y * y).sum().backward()
        return (y, x.grad) + ((w.grad,) if w.grad is not None else ())

    same_for_threads(lambda: run(lambda t: ember.interpolate(t, scale_factor=2, mode="bilinear")))
    same_for_threads(lambda: run(lambda t: ember.pad(t, (2, 3, 1, 4), "reflect")))
    same_for_threads(lambda: run(lambda t: ember.group_norm(t, 4, w, w)))


def test_bad_input():
    x = randn(2, 3, 4, 5)
    with pytest.raises(ValueError, match=r"\[pad\] reflect padding"):
        ember.pad(x, (5, 0), "reflect")
    with pytest.raises(ValueError, match=r"\[pad\] mode must be"):
        ember.pad(x, (1, 1), "edge")
    with pytest.raises(ValueError, match=r"\[pad\] expected an even number"):
        ember.pad(x, (1, 1, 1))
    with pytest.raises(ValueError, match=r"\[pad\] replicate padding of 3 dims"):
        ember.pad(randn(3, 4, 5), (1, 1, 1, 1, 1, 1), "replicate")
    with pytest.raises(ValueError, match=r"\[interpolate\] expected exactly one"):
        ember.interpolate(x)
    with pytest.raises(ValueError, match=r"\[interpolate\] mode 'bilinear' expects"):
        ember.interpolate(randn(2, 3, 4), scale_factor=2, mode="bilinear")
    with pytest.raises(ValueError, match=r"\[interpolate\] align_corners"):
        ember.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(NotImplementedError, match=r"\[interpolate\] mode"):
        ember.interpolate(x, scale_factor=2, mode="bicubic")
    with pytest.raises(ValueError, match=r"\[pixel_shuffle\] expected the channel dim"):
        ember.pixel_shuffle(x, 2)
    with pytest.raises(ValueError, match=r"\[pixel_unshuffle\] expected height"):
        ember.pixel_unshuffle(x, 3)
    with pytest.raises(ValueError, match=r"\[group_norm\] expected num_groups"):
        ember.group_norm(x, 2)
    with pytest.raises(ValueError, match=r"\[group_norm\] expected weight of shape"):
        ember.group_norm(x, 3, randn(4))
    with pytest.raises(ValueError, match=r"\[GroupNorm\]"):
        ember.nn.GroupNorm(3, 4)
