"""F.unfold / F.fold (ember.im2col / col2im) and nn.Unfold / nn.Fold: NumPy reference,
gradcheck and gradgradcheck, torch parity (values and gradients), unbatched input, reprs,
bad input, thread determinism."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember import nn
from utils import randn, same_for_threads, tensor, to_np


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def np_unfold(x, k, d=1, p=0, s=1):
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = map(_pair, (k, d, p, s))
    n, c, h, w = x.shape
    xp = np.pad(x, [(0, 0), (0, 0), (ph, ph), (pw, pw)])
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, c, kh, kw, oh, ow), x.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i, j] = xp[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                                 j * dw:j * dw + sw * (ow - 1) + 1:sw]
    return out.reshape(n, c * kh * kw, oh * ow)


def np_fold(col, size, k, d=1, p=0, s=1):
    (kh, kw), (dh, dw), (ph, pw), (sh, sw), (h, w) = map(_pair, (k, d, p, s, size))
    n = col.shape[0]
    c = col.shape[1] // (kh * kw)
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    blocks = col.reshape(n, c, kh, kw, oh, ow)
    out = np.zeros((n, c, h + 2 * ph, w + 2 * pw), col.dtype)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                j * dw:j * dw + sw * (ow - 1) + 1:sw] += blocks[:, :, i, j]
    return out[:, :, ph:ph + h, pw:pw + w]


CASES = [dict(kernel_size=3), dict(kernel_size=(2, 3), stride=2),
         dict(kernel_size=3, padding=1, dilation=2), dict(kernel_size=(3, 2), padding=(1, 2),
                                                          stride=(2, 1), dilation=(1, 2))]


@pytest.mark.parametrize("kw", CASES)
def test_unfold_fold_numpy(kw):
    x = randn(2, 3, 7, 8)
    col = F.unfold(x, **kw)
    ref = np_unfold(to_np(x), kw["kernel_size"], kw.get("dilation", 1), kw.get("padding", 0),
                    kw.get("stride", 1))
    np.testing.assert_array_equal(to_np(col), ref)
    back = F.fold(col, (7, 8), **kw)
    np.testing.assert_allclose(to_np(back), np_fold(ref, (7, 8), kw["kernel_size"],
                                                    kw.get("dilation", 1), kw.get("padding", 0),
                                                    kw.get("stride", 1)), rtol=1e-12)


@pytest.mark.parametrize("kw", CASES)
def test_gradcheck(kw):
    x = randn(1, 2, 5, 6, requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: F.unfold(t, **kw), [x])
    assert ember.autograd.gradgradcheck(lambda t: F.unfold(t, **kw), [x])
    L = F.unfold(x, **kw).shape[-1]
    c = randn(1, 2 * int(np.prod(_pair(kw["kernel_size"]))), L, requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: F.fold(t, (5, 6), **kw), [c])
    assert ember.autograd.gradgradcheck(lambda t: F.fold(t, (5, 6), **kw), [c])


@pytest.mark.parametrize("kw", CASES)
@pytest.mark.parametrize("batched", [True, False])
def test_torch_parity(kw, batched):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    shape = (2, 3, 7, 8) if batched else (3, 7, 8)
    a = rng.standard_normal(shape).astype(np.float32)
    x, tx = tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = F.unfold(x, **kw), torch.nn.functional.unfold(tx, **kw)
    np.testing.assert_array_equal(to_np(y), ty.detach().numpy())
    g = rng.standard_normal(ty.shape).astype(np.float32)
    y.backward(tensor(g))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-6, atol=1e-6)
    c, tc = tensor(g, requires_grad=True), torch.tensor(g, requires_grad=True)
    z, tz = F.fold(c, (7, 8), **kw), torch.nn.functional.fold(tc, (7, 8), **kw)
    np.testing.assert_allclose(to_np(z), tz.detach().numpy(), rtol=1e-6, atol=1e-6)
    z.backward(tensor(a))
    tz.backward(torch.tensor(a))
    np.testing.assert_array_equal(to_np(c.grad), tc.grad.numpy())


def test_layers_match_torch():
    torch = pytest.importorskip("torch")
    u, tu = nn.Unfold((2, 3), dilation=1, padding=1, stride=2), torch.nn.Unfold((2, 3), 1, 1, 2)
    f, tf = nn.Fold(5, 3, padding=1), torch.nn.Fold(5, 3, padding=1)
    assert repr(u) == repr(tu) and repr(f) == repr(tf)
    assert u.kernel_size == (2, 3) and f.output_size == 5 and f.stride == 1
    u.load_state_dict(tu.state_dict())
    a = np.random.default_rng(0).standard_normal((2, 2, 5, 5)).astype(np.float32)
    np.testing.assert_array_equal(to_np(u(tensor(a))), tu(torch.tensor(a)).numpy())
    col = np.random.default_rng(1).standard_normal((2, 18, 25)).astype(np.float32)
    np.testing.assert_allclose(to_np(f(tensor(col))), tf(torch.tensor(col)).numpy(), rtol=1e-6,
                               atol=1e-6)


def test_bad_input():
    x = randn(1, 2, 4, 4)
    with pytest.raises(ValueError, match=r"\[unfold\] expected input of 3 or 4 dims"):
        F.unfold(randn(4, 4), 2)
    with pytest.raises(ValueError, match=r"\[unfold\] expected at least one sliding block"):
        F.unfold(x, 5)
    with pytest.raises(ValueError, match=r"\[unfold\] expected kernel_size, dilation and stride > 0"):
        F.unfold(x, 2, stride=0)
    with pytest.raises(TypeError, match=r"\[unfold\] expected a float32 or float64 input"):
        F.unfold(ember.zeros(1, 1, 3, 3, dtype=ember.int64), 2)
    with pytest.raises(ValueError, match=r"\[fold\] expected input.size\(1\) divisible"):
        F.fold(randn(1, 5, 9), (4, 4), 2)
    with pytest.raises(ValueError, match=r"\[fold\] expected input.size\(2\) to equal the number "
                                         r"of sliding blocks 3 \* 3 = 9"):
        F.fold(randn(1, 8, 8), (4, 4), 2)
    with pytest.raises(TypeError, match=r"\[fold\] expected output_size to be an int or a tuple"):
        F.fold(randn(1, 8, 9), "a", 2)


def test_same_for_threads():
    x = randn(3, 8, 20, 18, dtype=np.float32, requires_grad=True)

    def run():
        x.grad = None
        y = F.fold(F.unfold(x, 3, padding=1, stride=2), (20, 18), 3, padding=1, stride=2)
        (y * y).sum().backward()
        return y, x.grad

    same_for_threads(run)
