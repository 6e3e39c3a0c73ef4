"""max/avg/adaptive pooling (1-D and 2-D) and their layers: NumPy reference, gradcheck,
torch parity over option combos, layer reprs, bad input, thread determinism."""
import math

import numpy as np
import pytest

import ember
from utils import randn, same_for_threads, tensor, to_np


def out_size(n, k, s, p, d, ceil):
    num = n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)
    o = num // s + 1
    if ceil and (o - 1) * s >= n + p:
        o -= 1
    return o


def np_max_pool2d(x, k, s, p, d=(1, 1), ceil=False):
    n, c, h, w = x.shape
    oh, ow = out_size(h, k[0], s[0], p[0], d[0], ceil), out_size(w, k[1], s[1], p[1], d[1], ceil)
    y = np.empty((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            hs = [i * s[0] - p[0] + a * d[0] for a in range(k[0])]
            ws = [j * s[1] - p[1] + b * d[1] for b in range(k[1])]
            hs = [v for v in hs if 0 <= v < h]
            ws = [v for v in ws if 0 <= v < w]
            y[:, :, i, j] = x[:, :, hs][:, :, :, ws].max(axis=(2, 3))
    return y


def np_avg_pool2d(x, k, s, p, ceil=False, cip=True, div=None):
    n, c, h, w = x.shape
    oh, ow = out_size(h, k[0], s[0], p[0], 1, ceil), out_size(w, k[1], s[1], p[1], 1, ceil)
    y = np.empty((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            h0, w0 = i * s[0] - p[0], j * s[1] - p[1]
            h1, w1 = min(h0 + k[0], h + p[0]), min(w0 + k[1], w + p[1])
            pool = (h1 - h0) * (w1 - w0)
            h0, w0, h1, w1 = max(h0, 0), max(w0, 0), min(h1, h), min(w1, w)
            tot = x[:, :, h0:h1, w0:w1].sum(axis=(2, 3))
            y[:, :, i, j] = tot / (div or (pool if cip else (h1 - h0) * (w1 - w0)))
    return y


def np_adaptive_avg2d(x, o):
    h, w = x.shape[-2:]
    y = np.empty(x.shape[:-2] + tuple(o))
    for i in range(o[0]):
        for j in range(o[1]):
            h0, h1 = i * h // o[0], -(-(i + 1) * h // o[0])
            w0, w1 = j * w // o[1], -(-(j + 1) * w // o[1])
            y[..., i, j] = x[..., h0:h1, w0:w1].mean(axis=(-2, -1))
    return y


@pytest.mark.parametrize("k,s,p,d,ceil", [((2, 2), (2, 2), (0, 0), (1, 1), False),
                                          ((3, 3), (2, 2), (1, 1), (1, 1), True),
                                          ((3, 2), (1, 2), (1, 0), (2, 1), False),
                                          ((2, 3), (3, 2), (1, 1), (1, 2), True)])
def test_max_pool2d_forward(k, s, p, d, ceil):
    x = randn(2, 3, 9, 8)
    got = ember.max_pool2d(x, k, s, p, d, ceil)
    np.testing.assert_array_equal(to_np(got), np_max_pool2d(to_np(x), k, s, p, d, ceil))
    x32 = tensor(to_np(x).astype(np.float32))
    got32 = ember.max_pool2d(x32, k, s, p, d, ceil)
    np.testing.assert_array_equal(to_np(got32), np_max_pool2d(to_np(x32), k, s, p, d, ceil))


@pytest.mark.parametrize("k,s,p,ceil,cip,div", [((2, 2), (2, 2), (0, 0), False, True, None),
                                                ((3, 3), (2, 2), (1, 1), True, False, None),
                                                ((3, 2), (2, 1), (1, 1), True, True, None),
                                                ((2, 2), (1, 1), (1, 0), False, True, 3)])
def test_avg_pool2d_forward(k, s, p, ceil, cip, div):
    x = randn(2, 3, 7, 8)
    got = ember.avg_pool2d(x, k, s, p, ceil, cip, div)
    np.testing.assert_allclose(to_np(got), np_avg_pool2d(to_np(x), k, s, p, ceil, cip, div),
                               rtol=1e-12)


def test_adaptive_and_1d_forward():
    x = randn(2, 3, 7, 10)
    for o in [(1, 1), (3, 4), (7, 10), (5, 3)]:
        np.testing.assert_allclose(to_np(ember.adaptive_avg_pool2d(x, o)),
                                   np_adaptive_avg2d(to_np(x), o), rtol=1e-12)
    x1 = randn(2, 3, 11)
    ref = np_adaptive_avg2d(to_np(x1)[:, :, None, :], (1, 4))[:, :, 0]
    np.testing.assert_allclose(to_np(ember.adaptive_avg_pool1d(x1, 4)), ref, rtol=1e-12)
    ref = np_max_pool2d(to_np(x1)[:, :, None, :], (1, 3), (1, 2), (0, 1))[:, :, 0]
    np.testing.assert_array_equal(to_np(ember.max_pool1d(x1, 3, 2, 1)), ref)
    ref = np_avg_pool2d(to_np(x1)[:, :, None, :], (1, 3), (1, 2), (0, 1))[:, :, 0]
    np.testing.assert_allclose(to_np(ember.avg_pool1d(x1, 3, 2, 1)), ref, rtol=1e-12)
    # unbatched input
    np.testing.assert_array_equal(to_np(ember.max_pool2d(x[0], 2)), to_np(ember.max_pool2d(x, 2))[0])


def test_max_pool_indices_ties_and_nan():
    x = tensor(np.array([[[[1.0, 1.0, 0.0, np.nan], [1.0, 0.0, np.nan, 2.0]]]]))
    y, i = ember.max_pool2d(x, 2, return_indices=True)
    assert to_np(y)[0, 0, 0, 0] == 1.0 and np.isnan(to_np(y)[0, 0, 0, 1])
    assert to_np(i).tolist() == [[[[0, 6]]]]  # first max; the last NaN (like torch)
    x.requires_grad_()
    ember.max_pool2d(x, 2).sum().backward()
    assert to_np(x.grad).tolist() == [[[[1, 0, 0, 0], [0, 0, 1, 0]]]]


def test_gradcheck():
    gc = ember.autograd.gradcheck
    x = randn(1, 2, 5, 6, requires_grad=True)
    assert gc(lambda t: ember.max_pool2d(t, 3, 2, 1, 1, True), [x])
    assert gc(lambda t: ember.max_pool2d(t, 2), [x])
    assert gc(lambda t: ember.avg_pool2d(t, 3, 2, 1, True, False), [x])
    assert gc(lambda t: ember.avg_pool2d(t, 2, 1, 1, divisor_override=3), [x])
    assert gc(lambda t: ember.adaptive_avg_pool2d(t, (3, 4)), [x])
    assert gc(lambda t: ember.adaptive_max_pool2d(t, (2, 4)), [x])
    x1 = randn(2, 2, 7, requires_grad=True)
    assert gc(lambda t: ember.max_pool1d(t, 3, 2, 1, 2), [x1])
    assert gc(lambda t: ember.avg_pool1d(t, 3, 2, 1, True), [x1])
    assert gc(lambda t: ember.adaptive_avg_pool1d(t, 3), [x1])
    assert gc(lambda t: ember.adaptive_max_pool1d(t, 3), [x1])


CASES2D = [
    ("max_pool2d", dict(kernel_size=2)),
    ("max_pool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("max_pool2d", dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), dilation=(2, 1))),
    ("max_pool2d", dict(kernel_size=3, stride=3, ceil_mode=True, return_indices=True)),
    ("avg_pool2d", dict(kernel_size=2)),
    ("avg_pool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ("avg_pool2d", dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 1), ceil_mode=True)),
    ("avg_pool2d", dict(kernel_size=3, stride=1, padding=1, divisor_override=5)),
    ("adaptive_avg_pool2d", dict(output_size=(3, 5))),
    ("adaptive_avg_pool2d", dict(output_size=1)),
    ("adaptive_avg_pool2d", dict(output_size=(None, 4))),
    ("adaptive_max_pool2d", dict(output_size=(4, 3), return_indices=True)),
]
CASES1D = [
    ("max_pool1d", dict(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True,
                        return_indices=True)),
    ("avg_pool1d", dict(kernel_size=4, stride=3, padding=2, ceil_mode=True, count_include_pad=False)),
    ("adaptive_avg_pool1d", dict(output_size=5)),
    ("adaptive_max_pool1d", dict(output_size=4, return_indices=True)),
]


@pytest.mark.parametrize("name,kw", CASES2D + CASES1D)
def test_torch_parity(name, kw):
    torch = pytest.importorskip("torch")
    shape = (2, 3, 11, 9) if "2d" in name else (2, 3, 13)
    a = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    x = tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    got = getattr(ember, name)(x, **kw)
    ref = getattr(torch.nn.functional, name)(tx, **kw)
    if kw.get("return_indices"):
        np.testing.assert_array_equal(to_np(got[1]), ref[1].numpy())
        got, ref = got[0], ref[0]
    np.testing.assert_allclose(to_np(got), ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = np.random.default_rng(4).standard_normal(ref.shape).astype(np.float32)
    got.backward(tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-5, atol=1e-5)


LAYERS = [
    ("MaxPool2d", (2,), {}), ("MaxPool2d", ((2, 3),), dict(padding=1, ceil_mode=True)),
    ("MaxPool2d", (3,), dict(stride=2, return_indices=True)),
    ("MaxPool1d", (3,), dict(dilation=2)), ("AvgPool1d", (2,), {}),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, count_include_pad=False)),
    ("AvgPool2d", ((2, 2),), dict(divisor_override=2)),
    ("AdaptiveAvgPool1d", (3,), {}), ("AdaptiveAvgPool2d", ((None, 3),), {}),
    ("AdaptiveAvgPool2d", (1,), {}), ("AdaptiveMaxPool2d", (2,), dict(return_indices=True)),
    ("AdaptiveMaxPool1d", (3,), {}),
]


@pytest.mark.parametrize("name,args,kw", LAYERS)
def test_layers_vs_torch(name, args, kw):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(ember.nn, name)(*args, **kw), getattr(torch.nn, name)(*args, **kw)
    assert repr(ours) == repr(theirs)
    shape = (2, 3, 10, 9) if "2d" in name else (2, 3, 12)
    a = np.random.default_rng(5).standard_normal(shape).astype(np.float32)
    got, ref = ours(tensor(a)), theirs(torch.tensor(a))
    if kw.get("return_indices"):
        np.testing.assert_array_equal(to_np(got[1]), ref[1].numpy())
        got, ref = got[0], ref[0]
    np.testing.assert_allclose(to_np(got), ref.numpy(), rtol=1e-5, atol=1e-6)


def test_same_for_threads():
    x = randn(4, 16, 40, 36, dtype=np.float32, requires_grad=True)
    g = randn(4, 16, 20, 18, dtype=np.float32, seed=2)

    def run(fn, g):
        x.grad = None
        y = fn(x)
        y.backward(g)
        return y, x.grad

    same_for_threads(lambda: run(lambda t: ember.max_pool2d(t, 2), g))
    same_for_threads(lambda: run(lambda t: ember.avg_pool2d(t, 3, 2, 1), g))
    same_for_threads(lambda: run(lambda t: ember.max_pool2d(t, 3, 2, 1), g))
    same_for_threads(lambda: run(lambda t: ember.adaptive_avg_pool2d(t, (20, 18)), g))
    g1 = randn(4, 16, 1, 1, dtype=np.float32, seed=3)  # global average pooling kernel
    same_for_threads(lambda: run(lambda t: ember.adaptive_avg_pool2d(t, 1), g1))
    gu = randn(4, 16, 40, 36, dtype=np.float32, seed=4)

    def unpool(t):
        y, i = ember.max_pool2d(t, 2, return_indices=True)
        return ember.max_unpool2d(y, i, 2)
    same_for_threads(lambda: run(unpool, gu))


def test_bad_input():
    x = randn(2, 3, 6, 6)
    with pytest.raises(ValueError, match=r"\[max_pool2d\] expected input of 3 or 4 dims"):
        ember.max_pool2d(randn(6, 6), 2)
    with pytest.raises(ValueError, match=r"\[max_pool2d\] pad should be at most half of effective"):
        ember.max_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match=r"\[avg_pool2d\] pad should be at most half"):
        ember.avg_pool2d(x, 2, padding=2)
    with pytest.raises(ValueError, match=r"\[max_pool2d\] stride must be positive"):
        ember.max_pool2d(x, 2, stride=0)
    with pytest.raises(ValueError, match=r"\[max_pool2d\] output size is too small"):
        ember.max_pool2d(x, 7)
    with pytest.raises(ValueError, match=r"\[avg_pool1d\] output size is too small"):
        ember.avg_pool1d(randn(2, 3, 4), 5)
    with pytest.raises(ValueError, match=r"\[max_pool2d\] kernel_size must be a single int"):
        ember.max_pool2d(x, (2, 2, 2))
    with pytest.raises(ValueError, match=r"\[adaptive_avg_pool2d\] output_size must be positive"):
        ember.adaptive_avg_pool2d(x, 0)
    with pytest.raises(TypeError, match=r"\[max_pool2d\] expected a floating point"):
        ember.max_pool2d(ember.zeros([1, 2, 4, 4], dtype=ember.int64), 2)


def test_max_pool2x2_backward_ties_nan_wide_torch():
    # Wide rows take the vectorised 2x2 backward; ties and NaNs must route like torch.
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    a = rng.integers(0, 3, size=(2, 3, 8, 70)).astype(np.float32)
    a[0, 0, 1, 5] = a[1, 2, 4, 40] = a[1, 2, 5, 41] = np.nan
    x, tx = tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = ember.max_pool2d(x, 2), torch.nn.functional.max_pool2d(tx, 2)
    np.testing.assert_array_equal(to_np(y), ty.detach().numpy())
    g = rng.standard_normal(ty.shape).astype(np.float32)
    y.backward(tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_array_equal(to_np(x.grad), tx.grad.numpy())
