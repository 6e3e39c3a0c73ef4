"""Dropout1d / Dropout3d / AlphaDropout / FeatureAlphaDropout (statistics, eval path, the
formula on ember's own mask), RReLU, LocalResponseNorm, ChannelShuffle, LPPool1d / LPPool2d,
UpsamplingNearest2d / UpsamplingBilinear2d and nn.utils.fusion: NumPy reference, gradcheck,
torch parity, reprs, bad input, thread determinism."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember import nn
from utils import randn, same_for_threads, tensor, to_np

ALPHA = 1.7580993408473766


@pytest.mark.parametrize("fn,shape", [(F.dropout1d, (40, 50, 7)), (F.dropout3d, (40, 50, 2, 3, 2)),
                                      (F.dropout1d, (50, 7)), (F.dropout3d, (50, 2, 3, 2))])
def test_channel_dropout_statistics(fn, shape):
    ember.manual_seed(0)
    x = ember.ones(*shape)
    y = to_np(fn(x, 0.3))
    nsp = 1 if fn is F.dropout1d else 3
    per_channel = y.reshape(-1, int(np.prod(shape[-nsp:])))
    for row in per_channel:  # a channel is all zero or all 1 / (1 - p)
        assert np.all(row == 0) or np.allclose(row, 1 / 0.7)
    dropped = np.mean(np.all(per_channel == 0, axis=1))
    assert abs(dropped - 0.3) < 0.06
    np.testing.assert_array_equal(to_np(fn(x, 0.3, training=False)), to_np(x))


def test_alpha_dropout_formula_and_statistics():
    ember.manual_seed(1)
    p = 0.2
    a = 1.0 / np.sqrt((ALPHA ** 2 * p + 1) * (1 - p))
    x = randn(200000, dtype=np.float64)
    y = to_np(F.alpha_dropout(x, p, training=True))
    dropped_value = ALPHA * a * (p - 1)
    keep = ~np.isclose(y, dropped_value, rtol=0, atol=1e-12)
    np.testing.assert_allclose(y[keep], to_np(x)[keep] * a + ALPHA * a * p, rtol=1e-12)
    assert abs(1 - keep.mean() - p) < 0.01
    assert abs(y.mean()) < 0.01 and abs(y.std() - 1) < 0.01  # SELU's fixed point kept
    np.testing.assert_array_equal(to_np(F.alpha_dropout(x, p)), to_np(x))  # training=False default
    # feature: one draw per (N, C)
    z = to_np(F.feature_alpha_dropout(randn(30, 40, 5, 5), 0.5, training=True)).reshape(1200, 25)
    flat = np.isclose(z, ALPHA * (1 / np.sqrt((ALPHA ** 2 * 0.5 + 1) * 0.5)) * -0.5)
    assert np.all(flat.all(axis=1) | ~flat.any(axis=1))


def test_dropout_gradients_use_the_mask():
    ember.manual_seed(2)
    x = randn(4, 6, 5, requires_grad=True)
    ember.manual_seed(3)
    y = F.dropout1d(x, 0.5)
    y.sum().backward()
    np.testing.assert_array_equal(to_np(x.grad), to_np(y) / to_np(x))
    x.grad = None
    y = F.alpha_dropout(x, 0.4, training=True)
    y.sum().backward()
    a = 1.0 / np.sqrt((ALPHA ** 2 * 0.4 + 1) * 0.6)
    assert set(np.unique(np.round(to_np(x.grad), 12))) <= {0.0, round(a, 12)}


def test_dropout_layers_match_torch_in_eval_and_repr():
    torch = pytest.importorskip("torch")
    for name in ["Dropout1d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]:
        e, t = getattr(nn, name)(0.25), getattr(torch.nn, name)(0.25)
        assert repr(e) == repr(t)
        e.eval()
        x = randn(2, 3, 4, 5, 6, dtype=np.float32) if "3d" in name else randn(2, 3, 4, dtype=np.float32)
        np.testing.assert_array_equal(to_np(e(x)), to_np(x))
    assert repr(nn.Dropout1d(0.5, inplace=True)) == repr(torch.nn.Dropout1d(0.5, inplace=True))


def test_rrelu():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((3, 4, 5)).astype(np.float32)
    e, t = nn.RReLU(0.1, 0.3), torch.nn.RReLU(0.1, 0.3)
    assert repr(e) == repr(t) and repr(nn.RReLU()) == repr(torch.nn.RReLU())
    e.eval()
    t.eval()
    x, tx = tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = e(x), t(tx)
    np.testing.assert_allclose(to_np(y), ty.detach().numpy(), rtol=1e-6)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-6)
    # training: x >= 0 unchanged, negative slopes uniform in [lower, upper]
    big = randn(100000, dtype=np.float64, requires_grad=True)
    out = F.rrelu(big, 0.1, 0.3, training=True)
    xb, ob = to_np(big), to_np(out)
    np.testing.assert_array_equal(ob[xb > 0], xb[xb > 0])
    slopes = ob[xb < 0] / xb[xb < 0]
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and abs(slopes.mean() - 0.2) < 0.002
    out.sum().backward()
    np.testing.assert_allclose(to_np(big.grad)[xb < 0], slopes, rtol=1e-12)
    xg = randn(3, 4, requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: F.rrelu(t, 0.1, 0.3), [xg])
    with pytest.raises(ValueError, match=r"\[rrelu\] expected lower <= upper"):
        F.rrelu(xg, 0.5, 0.1)
    with pytest.raises(ValueError, match=r"\[RReLU\] expected lower <= upper"):
        nn.RReLU(0.5, 0.1)


def np_lrn(x, size, alpha, beta, k):
    c = x.shape[1]
    sq = x ** 2
    div = np.zeros_like(x)
    for i in range(c):
        lo, hi = max(0, i - size // 2), min(c, i + (size - 1) // 2 + 1)
        div[:, i] = sq[:, lo:hi].sum(axis=1) / size
    return x / (k + alpha * div) ** beta


@pytest.mark.parametrize("shape,size", [((2, 5, 7), 3), ((2, 6, 3, 4), 4), ((1, 4, 2, 3, 2), 5)])
def test_local_response_norm(shape, size):
    torch = pytest.importorskip("torch")
    x = randn(*shape, requires_grad=True)
    y = F.local_response_norm(x, size, alpha=0.1, beta=0.7, k=1.5)
    np.testing.assert_allclose(to_np(y), np_lrn(to_np(x), size, 0.1, 0.7, 1.5), rtol=1e-12)
    assert ember.autograd.gradcheck(lambda t: F.local_response_norm(t, size, 0.1, 0.7, 1.5), [x])
    a = to_np(x).astype(np.float32)
    e, t = nn.LocalResponseNorm(size, 0.1, 0.7, 1.5), torch.nn.LocalResponseNorm(size, 0.1, 0.7, 1.5)
    assert repr(e) == repr(t)
    xe, xt = tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ye, yt = e(xe), t(xt)
    np.testing.assert_allclose(to_np(ye), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    (ye * ye).sum().backward()
    (yt * yt).sum().backward()
    np.testing.assert_allclose(to_np(xe.grad), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match=r"\[local_response_norm\] expected input of 3 or more"):
        F.local_response_norm(randn(3, 4), 2)


def test_channel_shuffle():
    torch = pytest.importorskip("torch")
    a = np.arange(2 * 6 * 2 * 2, dtype=np.float32).reshape(2, 6, 2, 2)
    y = F.channel_shuffle(tensor(a), 3)
    ref = a.reshape(2, 3, 2, 2, 2).transpose(0, 2, 1, 3, 4).reshape(2, 6, 2, 2)
    np.testing.assert_array_equal(to_np(y), ref)
    e, t = nn.ChannelShuffle(2), torch.nn.ChannelShuffle(2)
    assert repr(e) == repr(t)
    np.testing.assert_array_equal(to_np(e(tensor(a))), t(torch.tensor(a)).numpy())
    x = randn(1, 6, 3, requires_grad=True)
    assert ember.autograd.gradcheck(lambda v: F.channel_shuffle(v, 3), [x])
    with pytest.raises(ValueError, match=r"\[channel_shuffle\] expected the number of channels 6 "
                                         r"to be divisible by groups=4"):
        F.channel_shuffle(x, 4)
    with pytest.raises(ValueError, match=r"\[channel_shuffle\] expected input of 3 or more dims"):
        F.channel_shuffle(randn(2, 6), 2)


@pytest.mark.parametrize("sd,norm,k,s,ceil", [(1, 2.0, 3, None, False), (1, 3.0, 2, 1, True),
                                              (2, 2.0, 2, None, False), (2, 1.5, (2, 3), (1, 2), True)])
def test_lp_pool(sd, norm, k, s, ceil):
    torch = pytest.importorskip("torch")
    shape = (2, 3, 9) if sd == 1 else (2, 3, 7, 8)
    a = np.abs(np.random.default_rng(0).standard_normal(shape)).astype(np.float32) + 0.1
    E, T = (nn.LPPool1d, torch.nn.LPPool1d) if sd == 1 else (nn.LPPool2d, torch.nn.LPPool2d)
    e, t = E(norm, k, s, ceil), T(norm, k, s, ceil)
    assert repr(e) == repr(t)
    x, tx = tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = e(x), t(tx)
    np.testing.assert_allclose(to_np(y), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-4, atol=1e-6)
    xd = tensor(a.astype(np.float64)[:1, :2], requires_grad=True)
    fn = F.lp_pool1d if sd == 1 else F.lp_pool2d
    assert ember.autograd.gradcheck(lambda v: fn(v, norm, k, s, ceil), [xd])
    if sd == 1:  # NumPy: (sum x^p)^(1/p) over windows
        ref = np.stack([(a[..., i:i + k] ** norm).sum(-1) ** (1 / norm)
                        for i in range(0, a.shape[-1] - k + 1, s or k)], -1)
        if not ceil:
            np.testing.assert_allclose(to_np(y), ref, rtol=1e-5)
    with pytest.raises(ValueError, match=r"expected a non-zero norm_type"):
        fn(xd, 0.0, k)


def test_upsampling_layers():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((1, 2, 3, 4)).astype(np.float32)
    for E, T, kw in [(nn.UpsamplingNearest2d, torch.nn.UpsamplingNearest2d, dict(scale_factor=2)),
                     (nn.UpsamplingNearest2d, torch.nn.UpsamplingNearest2d, dict(size=(5, 7))),
                     (nn.UpsamplingBilinear2d, torch.nn.UpsamplingBilinear2d, dict(scale_factor=2)),
                     (nn.UpsamplingBilinear2d, torch.nn.UpsamplingBilinear2d, dict(size=(4, 9)))]:
        e, t = E(**kw), T(**kw)
        assert repr(e) == repr(t) and isinstance(e, nn.Upsample)
        np.testing.assert_allclose(to_np(e(tensor(a))), t(torch.tensor(a)).numpy(), rtol=1e-5,
                                   atol=1e-6)


@pytest.mark.parametrize("kind", ["conv", "convt", "linear"])
def test_fusion_matches_torch(kind):
    torch = pytest.importorskip("torch")
    from ember.nn.utils import fusion
    torch.manual_seed(0)
    if kind == "conv":
        tc, ec, tb, eb, shape = (torch.nn.Conv2d(3, 4, 3), nn.Conv2d(3, 4, 3),
                                 torch.nn.BatchNorm2d(4), nn.BatchNorm2d(4), (2, 3, 6, 6))
    elif kind == "convt":
        tc, ec, tb, eb, shape = (torch.nn.ConvTranspose2d(3, 4, 3, bias=False),
                                 nn.ConvTranspose2d(3, 4, 3, bias=False),
                                 torch.nn.BatchNorm2d(4), nn.BatchNorm2d(4), (2, 3, 5, 5))
    else:
        tc, ec, tb, eb, shape = (torch.nn.Linear(3, 4), nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                                 nn.BatchNorm1d(4), (5, 3))
    with torch.no_grad():
        tb.running_mean.uniform_(-1, 1)
        tb.running_var.uniform_(0.5, 2)
        tb.weight.uniform_(0.5, 2)
        tb.bias.uniform_(-1, 1)
    for t, e in [(tc, ec), (tb, eb)]:
        e.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
        t.eval()
        e.eval()
    if kind == "linear":
        tf, ef = torch.nn.utils.fusion.fuse_linear_bn_eval(tc, tb), fusion.fuse_linear_bn_eval(ec, eb)
    else:
        tr = kind == "convt"
        tf = torch.nn.utils.fusion.fuse_conv_bn_eval(tc, tb, transpose=tr)
        ef = fusion.fuse_conv_bn_eval(ec, eb, transpose=tr)
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(to_np(ef(tensor(a))), tf(torch.tensor(a)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_np(ef(tensor(a))), to_np(eb(ec(tensor(a)))), rtol=1e-5, atol=1e-5)
    assert ef is not ec and isinstance(ef.weight, nn.Parameter)
    ec.train()
    with pytest.raises(ValueError, match=r"fusion only for eval"):
        (fusion.fuse_linear_bn_eval if kind == "linear" else fusion.fuse_conv_bn_eval)(ec, eb)


def test_same_for_threads():
    x = randn(4, 16, 20, 20, dtype=np.float32, requires_grad=True)

    def run(fn):
        def go():
            x.grad = None
            ember.manual_seed(5)
            y = fn(x)
            (y * y).sum().backward()
            return y, x.grad
        return go

    same_for_threads(run(lambda t: F.local_response_norm(t, 5)))
    same_for_threads(run(lambda t: F.lp_pool2d(t.abs() + 0.1, 2.0, 3, 2)))
    same_for_threads(run(lambda t: F.dropout3d(t.reshape(4, 16, 4, 5, 20), 0.3)))
    same_for_threads(run(lambda t: F.alpha_dropout(t, 0.3, True)))
    same_for_threads(run(lambda t: F.rrelu(t, training=True)))
