"""The float32 direct convolution paths (channel-major panels for C_in*kh*kw <= 640, several
small images per panel; depthwise register-blocked kernels): forward against the C++ 7-loop
reference and NumPy, input / weight / bias gradients against PyTorch, float64 gradient checks
of the same geometries, and bitwise thread determinism."""
import os
import subprocess
import sys

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck
from utils import same_for_threads, tensor, to_np
from test_conv import np_conv2d, pair


def rnd(shape, rng, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


# (N, C, H, W, K, kh, kw, stride, pad, dil, groups): hand-picked corners of the panel logic
DIRECT_CASES = [
    (2, 5, 9, 40, 12, 3, 3, 1, 1, 1, 1),     # wide rows: kernel reads the padded input in place
    (1, 16, 11, 45, 10, 3, 3, 1, (2, 1), (2, 1), 1),  # same, tiles ending mid-row, dilation
    (2, 3, 32, 32, 8, 3, 3, 1, 1, 1, 1),     # same, padded grid wider than the image's panel
    (13, 32, 4, 4, 64, 3, 3, 1, 1, 1, 1),    # 4x4 maps, 6 images per panel, last panel short
    (40, 1, 8, 8, 32, 3, 3, 1, 1, 1, 1),     # one input channel, many images per panel
    (2, 64, 8, 8, 16, 3, 3, 1, 1, 1, 1),     # C*9 = 576: a map cut into several tiles
    (1, 3, 37, 29, 16, 7, 7, 2, 3, 1, 1),    # first layer, strided (gathers), batch 1
    (1, 3, 20, 70, 8, 7, 7, 2, 3, 1, 1),     # stride 2 along rows of 35 (even-lane loads)
    (3, 4, 9, 11, 5, 2, 3, (3, 4), (1, 2), (2, 1), 1),  # stride > kernel, dilation
    (5, 6, 7, 5, 9, 3, 3, 1, 2, 2, 3),       # groups, padding larger than the kernel reach
    (7, 3, 5, 3, 2, 3, 3, 1, 0, 1, 1),       # 3x1 output, odd rows, K below a row block
    (3, 8, 13, 21, 24, 3, 3, 1, 1, 1, 2),    # map widths crossing 16-lane vectors
    (1, 3, 61, 101, 8, 7, 7, 2, 3, 1, 1),    # stride 2 on phase planes (rows of 51 + 3)
    (2, 4, 30, 200, 10, 3, 3, (2, 3), 1, (1, 2), 2),  # phases 2 x 3 with dilation, groups
    (1, 64, 120, 18, 16, 1, 1, 2, 0, 1, 1),  # 1x1 stride 2: phase rows of 9, no junk
    # the border path (unpadded planes as wide as the output rows, lanes masked by tap):
    (1, 1, 17, 16, 9, 3, 3, 1, 1, 1, 1),     # one channel, rows of exactly 16, K = 9
    (2, 7, 6, 33, 11, 3, 5, 1, (0, 2), 1, 1),  # 3x5, OH < H (no vertical padding)
    (1, 4, 23, 47, 13, 3, 3, 2, 1, 1, 1),    # stride 2 on odd sizes (phase planes 12 x 24)
    (2, 6, 30, 64, 10, 5, 5, 2, 2, 1, 2),    # stride 2, groups
    (1, 5, 20, 40, 8, 3, 3, (2, 1), 1, 1, 1),  # stride 2 x 1
    (1, 3, 32, 48, 6, 3, 3, 2, 2, 2, 1),     # stride 2 with dilation 2
]


@pytest.mark.parametrize("case", DIRECT_CASES)
def test_direct_forward_vs_reference_and_numpy(case):
    N, C, H, W, K, kh, kw, s, p, d, g = case
    rng = np.random.default_rng(sum(case[:7]))
    x, w, b = rnd((N, C, H, W), rng), rnd((K, C // g, kh, kw), rng, 0.2), rnd((K,), rng)
    got = ember.conv2d(tensor(x), tensor(w), tensor(b), s, p, d, g)
    ref = ember._C._conv2d_reference(tensor(x), tensor(w), tensor(b), s, p, d, g)
    np.testing.assert_allclose(to_np(got), to_np(ref), rtol=1e-4, atol=1e-4)
    ph, pw = pair(p)
    want = np_conv2d(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64),
                     pair(s), (ph, ph, pw, pw), pair(d), g)
    np.testing.assert_allclose(to_np(got), want, rtol=1e-4, atol=1e-4)


def test_direct_random_shapes_vs_reference():
    rng = np.random.default_rng(21)
    for t in range(10):
        g = int(rng.choice([1, 2]))
        C, K = g * int(rng.integers(1, 20)), g * int(rng.integers(1, 20))
        kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        s = [int(v) for v in rng.integers(1, 4, 2)]
        p = [int(v) for v in rng.integers(0, 3, 2)]
        d = [int(v) for v in rng.integers(1, 3, 2)]
        H = d[0] * (kh - 1) + 1 + int(rng.integers(0, 12))
        W = d[1] * (kw - 1) + 1 + int(rng.integers(0, 12))
        N = int(rng.integers(1, 20))
        x, w = rnd((N, C, H, W), rng), rnd((K, C // g, kh, kw), rng, 0.3)
        got = ember.conv2d(tensor(x), tensor(w), None, s, p, d, g)
        ref = ember._C._conv2d_reference(tensor(x), tensor(w), None, s, p, d, g)
        np.testing.assert_allclose(to_np(got), to_np(ref), rtol=1e-4, atol=1e-4, err_msg=str(t))


def test_border_random_shapes_vs_reference():
    # 'same'-style geometries (stride 1 with OW == W, strides with ceil(W / s) <= OW) on
    # widths around the 16-lane vectors: the border path's lane masks at every edge.
    rng = np.random.default_rng(5)
    for t in range(8):
        kh, kw = int(rng.choice([1, 3, 5])), int(rng.choice([3, 5, 7]))
        s = (int(rng.integers(1, 3)), int(rng.integers(1, 3))) if t % 2 else (1, 1)
        d = (1, int(rng.integers(1, 3)))
        p = (d[0] * (kh - 1) // 2, d[1] * (kw - 1) // 2)
        C, K, N = int(rng.integers(1, 9)), int(rng.integers(1, 20)), int(rng.integers(1, 3))
        H, W = int(rng.integers(kh, 30)), int(rng.integers(16 * s[1], 70))
        x, w = rnd((N, C, H, W), rng), rnd((K, C, kh, kw), rng, 0.3)
        b = rnd((K,), rng)
        got = ember.conv2d(tensor(x), tensor(w), tensor(b), s, p, d)
        ref = ember._C._conv2d_reference(tensor(x), tensor(w), tensor(b), s, p, d)
        np.testing.assert_allclose(to_np(got), to_np(ref), rtol=1e-4, atol=1e-4, err_msg=str(t))


@pytest.mark.parametrize("case", DIRECT_CASES[:9] + DIRECT_CASES[-4:])
def test_direct_gradients_match_torch(case):
    torch = pytest.importorskip("torch")
    N, C, H, W, K, kh, kw, s, p, d, g = case
    rng = np.random.default_rng(sum(case[:7]) + 1)
    x, w, b = rnd((N, C, H, W), rng), rnd((K, C // g, kh, kw), rng, 0.2), rnd((K,), rng)
    ex, ew, eb = (tensor(a, requires_grad=True) for a in (x, w, b))
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ye = ember.conv2d(ex, ew, eb, s, p, d, g)
    yt = torch.nn.functional.conv2d(tx, tw, tb, s, p, d, g)
    gy = rnd(tuple(yt.shape), rng)
    ye.backward(tensor(gy))
    yt.backward(torch.tensor(gy))
    np.testing.assert_allclose(to_np(ye), yt.detach().numpy(), rtol=1e-4, atol=1e-4)
    for a, t in ((ex, tx), (ew, tw), (eb, tb)):
        np.testing.assert_allclose(to_np(a.grad), t.grad.numpy(), rtol=1e-4, atol=2e-3)


def test_direct_geometries_gradcheck_float64():
    rng = np.random.default_rng(3)
    for (xs, ws, s, p, d, g) in [((3, 2, 4, 4), (3, 2, 3, 3), 1, 1, 1, 1),
                                 ((1, 1, 6, 5), (2, 1, 3, 2), (3, 2), (1, 0), (1, 2), 1),
                                 ((2, 4, 5, 5), (4, 1, 3, 3), 1, 2, 1, 4)]:
        x = tensor(rng.standard_normal(xs), requires_grad=True)
        w = tensor(rng.standard_normal(ws), requires_grad=True)
        b = tensor(rng.standard_normal(ws[0]), requires_grad=True)
        assert gradcheck(lambda x, w, b: ember.conv2d(x, w, b, s, p, d, g), (x, w, b))


DEPTHWISE_CASES = [  # (N, C, H, W, k, stride, pad, dil)
    (2, 5, 28, 28, 3, 1, 1, 1),     # two 16-lane chunks per row, rows not a multiple of 4
    (1, 3, 9, 37, 3, 1, 4, 1),      # padding beyond the kernel (negative flipped padding)
    (3, 2, 11, 18, 3, 1, 2, 2),     # dilation
    (2, 4, 10, 7, 5, 1, 2, 1),      # 5x5 (general weight-gradient loop)
    (2, 3, 12, 13, 3, 2, 1, 1),     # strided (scatter backward)
    (1, 1, 3, 40, 1, 1, 0, 1),      # 1x1 depthwise, one channel
    (1, 2, 5, 3, 3, 1, 1, 1),       # flat vectors over rows of 3 (one vector, 15 lanes)
    (2, 3, 9, 20, 3, 1, (0, 1), 1),  # flat, OH < H (no vertical padding)
]


@pytest.mark.parametrize("case", DEPTHWISE_CASES)
def test_depthwise_forward_and_gradients_match_torch(case):
    torch = pytest.importorskip("torch")
    N, C, H, W, k, s, p, d = case
    rng = np.random.default_rng(sum(np.ravel(v).sum() for v in case))
    x, w, b = rnd((N, C, H, W), rng), rnd((C, 1, k, k), rng), rnd((C,), rng)
    got = ember.conv2d(tensor(x), tensor(w), tensor(b), s, p, d, C)
    ref = ember._C._conv2d_reference(tensor(x), tensor(w), tensor(b), s, p, d, C)
    np.testing.assert_allclose(to_np(got), to_np(ref), rtol=1e-5, atol=1e-5)
    ex, ew, eb = (tensor(a, requires_grad=True) for a in (x, w, b))
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ye = ember.conv2d(ex, ew, eb, s, p, d, C)
    yt = torch.nn.functional.conv2d(tx, tw, tb, s, p, d, C)
    gy = rnd(tuple(yt.shape), rng)
    ye.backward(tensor(gy))
    yt.backward(torch.tensor(gy))
    for a, t in ((ex, tx), (ew, tw), (eb, tb)):
        np.testing.assert_allclose(to_np(a.grad), t.grad.numpy(), rtol=1e-4, atol=1e-3)


def test_direct_and_depthwise_same_for_threads():
    rng = np.random.default_rng(8)
    shapes = [((13, 32, 4, 4), (64, 32, 3, 3), 1, 1, 1),   # batched small maps
              ((2, 8, 7, 50), (12, 8, 3, 3), 1, 1, 1),     # wide rows (padded input in place)
              ((3, 3, 33, 30), (16, 3, 3, 3), 1, 1, 1),    # first layer
              ((1, 3, 40, 40), (8, 3, 7, 7), 2, 3, 1),     # strided
              ((1, 3, 100, 100), (8, 3, 7, 7), 2, 3, 1),   # strided on phase planes
              ((4, 16, 19, 21), (16, 1, 3, 3), 1, 1, 16),  # depthwise (flat vectors)
              ((1, 16, 20, 56), (24, 16, 3, 3), 1, 1, 1),  # border path, one image in tiles
              ((1, 3, 64, 64), (16, 3, 7, 7), 2, 3, 1),    # border path on phase planes
              ((2, 8, 13, 30), (8, 1, 3, 3), 1, 2, 8)]     # depthwise, per-plane kernel
    for xs, ws, s, p, g in shapes:
        x0, w0, b0 = rnd(xs, rng), rnd(ws, rng, 0.2), rnd((ws[0],), rng)

        def run():
            x, w, b = (tensor(a, requires_grad=True) for a in (x0, w0, b0))
            y = ember.conv2d(x, w, b, s, p, 1, g)
            (y * y).sum().backward()
            return y, x.grad, w.grad, b.grad

        same_for_threads(run)


# ---- 1x1 convolutions on the direct kernel (the input planes read in place)

POINTWISE_CASES = [  # (N, C, H, W, K, groups)
    (3, 17, 14, 14, 40, 1),   # 196 positions: a masked last vector, K not a multiple of 8
    (1, 64, 9, 7, 600, 1),    # one image: output channels split over items
    (2, 6, 1, 1, 5, 1),       # one position per image (reads stop at the plane's end)
    (2, 12, 5, 33, 18, 3),    # groups, 165 positions
    (1, 300, 40, 30, 9, 1),   # 1200 positions: several position tiles, long filter
    (2, 700, 5, 7, 12, 1),    # 700 taps: two slices, the sums carried through the output
]


@pytest.mark.parametrize("case", POINTWISE_CASES)
def test_pointwise_forward_vs_reference_and_torch(case):
    N, C, H, W, K, g = case
    rng = np.random.default_rng(sum(case))
    x, w, b = rnd((N, C, H, W), rng), rnd((K, C // g, 1, 1), rng, 0.2), rnd((K,), rng)
    got = ember.conv2d(tensor(x), tensor(w), tensor(b), 1, 0, 1, g)
    ref = ember._C._conv2d_reference(tensor(x), tensor(w), tensor(b), 1, 0, 1, g)
    np.testing.assert_allclose(to_np(got), to_np(ref), rtol=1e-4, atol=1e-4)
    nobias = ember.conv2d(tensor(x), tensor(w), None, 1, 0, 1, g)
    np.testing.assert_allclose(to_np(nobias) + b[None, :, None, None], to_np(ref), rtol=1e-4,
                               atol=1e-4)
    torch = pytest.importorskip("torch")
    want = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), 1, 0,
                                      1, g)
    np.testing.assert_allclose(to_np(got), want.numpy(), rtol=1e-4, atol=1e-4)
    # gradients (the input gradient is a 1x1 forward with the transposed weight)
    ex, ew, eb = (tensor(a, requires_grad=True) for a in (x, w, b))
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    gy = rnd(tuple(want.shape), rng)
    ember.conv2d(ex, ew, eb, 1, 0, 1, g).backward(tensor(gy))
    torch.nn.functional.conv2d(tx, tw, tb, 1, 0, 1, g).backward(torch.tensor(gy))
    for a, t in ((ex, tx), (ew, tw), (eb, tb)):
        np.testing.assert_allclose(to_np(a.grad), t.grad.numpy(), rtol=1e-4, atol=2e-3)


def test_pointwise_same_for_threads():
    rng = np.random.default_rng(9)
    for xs, ws in [((1, 64, 9, 7), (600, 64, 1, 1)), ((5, 20, 14, 14), (24, 20, 1, 1))]:
        x0, w0, b0 = rnd(xs, rng), rnd(ws, rng, 0.2), rnd((ws[0],), rng)

        def run():
            x, w = tensor(x0, requires_grad=True), tensor(w0, requires_grad=True)
            y = ember.conv2d(x, w, tensor(b0))
            (y * y).sum().backward()
            return y, x.grad, w.grad

        same_for_threads(run)


# ---- every ISA: the vectorised kernels (AVX-512 / AVX2 over cpu/isa/simd.h) and the scalar
# fallbacks (EMBER_ISA=baseline) against the 7-loop reference, gradients against float64

ISA_SCRIPT = r"""
import sys
import numpy as np, ember
sys.path.insert(0, sys.argv[1])
from test_conv_direct import DIRECT_CASES, DEPTHWISE_CASES, POINTWISE_CASES
rng = np.random.default_rng(0)
cases = [(xs, ws, s, p, d, g) for (N, C, H, W, K, kh, kw, s, p, d, g) in DIRECT_CASES
         for xs, ws in [((N, C, H, W), (K, C // g, kh, kw))]]
cases += [((N, C, H, W), (C, 1, k, k), s, p, d, C) for (N, C, H, W, k, s, p, d) in DEPTHWISE_CASES]
cases += [((N, C, H, W), (K, C // g, 1, 1), 1, 0, 1, g) for (N, C, H, W, K, g) in POINTWISE_CASES]
# the benchmark's kinds, small
cases += [((1, 3, 40, 38), (16, 3, 7, 7), 2, 3, 1, 1), ((2, 16, 14, 15), (12, 16, 3, 3), 1, 1, 1, 1),
          ((3, 3, 8, 8), (8, 3, 3, 3), 1, 1, 1, 1), ((2, 8, 9, 9), (6, 4, 3, 3), 1, 1, 1, 2),
          ((1, 16, 20, 56), (20, 16, 3, 3), 1, 1, 1, 1), ((3, 8, 28, 28), (8, 1, 3, 3), 1, 1, 1, 8)]
for t in range(12):  # random: odd sizes, stride > kernel, dilation, groups, batch 1, one channel
    g = int(rng.choice([1, 2]))
    C, K = g * int(rng.integers(1, 12)), g * int(rng.integers(1, 12))
    kh, kw = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    s = tuple(int(v) for v in rng.integers(1, 4, 2))
    d = tuple(int(v) for v in rng.integers(1, 3, 2))
    p = tuple(int(v) for v in rng.integers(0, 4, 2))
    H = d[0] * (kh - 1) + 1 + int(rng.integers(0, 20))
    W = d[1] * (kw - 1) + 1 + int(rng.integers(0, 40))
    cases.append(((int(rng.integers(1, 4)), C, H, W), (K, C // g, kh, kw), s, p, d, g))
for xs, ws, s, p, d, g in cases:
    x = rng.standard_normal(xs).astype(np.float32)
    w = (rng.standard_normal(ws) * 0.2).astype(np.float32)
    b = rng.standard_normal(ws[0]).astype(np.float32)
    ref = ember._C._conv2d_reference(*(ember.from_numpy(a) for a in (x, w, b)), s, p, d, g).numpy()
    ex, ew = (ember.from_numpy(a).requires_grad_() for a in (x, w))
    y = ember.conv2d(ex, ew, ember.from_numpy(b), s, p, d, g)
    assert np.allclose(y.detach().numpy(), ref, rtol=1e-4, atol=1e-4), (xs, ws, s, p, d, g)
    gy = rng.standard_normal(tuple(y.shape)).astype(np.float32)
    y.backward(ember.from_numpy(gy))
    dx, dw = (ember.from_numpy(a.astype(np.float64)).requires_grad_() for a in (x, w))
    ember.conv2d(dx, dw, None, s, p, d, g).backward(ember.from_numpy(gy.astype(np.float64)))
    assert np.allclose(ex.grad.numpy(), dx.grad.numpy(), rtol=1e-4, atol=2e-3), (xs, ws, s, p, d, g)
    assert np.allclose(ew.grad.numpy(), dw.grad.numpy(), rtol=1e-4, atol=2e-3), (xs, ws, s, p, d, g)
print(ember.config()["isa"], len(cases))
"""


@pytest.mark.parametrize("isa", ["baseline", "avx2"])
def test_conv_on_each_isa_matches_reference(isa):
    env = dict(os.environ, EMBER_ISA=isa)
    here = os.path.dirname(os.path.abspath(__file__))
    r = subprocess.run([sys.executable, "-c", ISA_SCRIPT, here], env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    # EMBER_ISA only lowers the choice: an older CPU runs baseline for "avx2"
    assert r.stdout.split()[0] in (isa, "baseline")


# ---- 2x2 max pooling of narrow maps (planes pooled as one tall plane)

@pytest.mark.parametrize("shape", [(3, 5, 8, 8), (2, 7, 4, 4), (4, 3, 2, 2), (2, 3, 32, 32),
                                   (1, 3, 6, 6), (2, 3, 20, 36), (1, 2, 34, 51), (2, 2, 17, 16)])
def test_max_pool_narrow_maps_ties_and_nan_match_torch(shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(shape[2])
    x = rng.integers(-2, 3, shape).astype(np.float32)  # many ties: first maximum wins
    x.flat[rng.choice(x.size, 3, replace=False)] = np.nan
    gy = rnd((shape[0], shape[1], shape[2] // 2, shape[3] // 2), rng)
    ex, tx = tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ye, yt = ember.nn.functional.max_pool2d(ex, 2), torch.nn.functional.max_pool2d(tx, 2)
    np.testing.assert_array_equal(to_np(ye), yt.detach().numpy())
    ye.backward(tensor(gy))
    yt.backward(torch.tensor(gy))
    np.testing.assert_array_equal(to_np(ex.grad), tx.grad.numpy())


@pytest.mark.parametrize("shape", [(5, 9, 8, 8), (3, 4, 20, 38)])
def test_max_pool_narrow_same_for_threads(shape):
    x0 = rnd(shape, np.random.default_rng(4))

    def run():
        x = tensor(x0, requires_grad=True)
        y = ember.nn.functional.max_pool2d(x, 2)
        (y * y).sum().backward()
        return y, x.grad

    same_for_threads(run)
