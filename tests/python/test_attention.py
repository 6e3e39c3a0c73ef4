"""scaled_dot_product_attention: fused flash-style kernel vs the materialised reference and a
NumPy softmax formula, PyTorch parity (forward and gradients), masks and broadcasting, causal,
GQA, odd head dims and tile tails, fully masked rows, gradcheck, O(L) memory, thread
determinism, bad input."""
import os
import subprocess
import sys

import numpy as np
import pytest

import ember
from utils import same_for_threads, tensor, to_np

sdpa = ember.scaled_dot_product_attention
ref = ember._C._scaled_dot_product_attention_reference


def rnd(*shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def np_sdpa(q, k, v, mask=None, causal=False, scale=None, group=1):
    """softmax(q k^T * scale + mask) v in float64; hidden rows give zeros."""
    q, k, v = (np.asarray(a, np.float64) for a in (q, k, v))
    if group > 1:
        k, v = np.repeat(k, group, axis=-3), np.repeat(v, group, axis=-3)
    s = q @ np.swapaxes(k, -1, -2) * (scale if scale is not None else 1 / np.sqrt(q.shape[-1]))
    L, S = q.shape[-2], k.shape[-2]
    if causal:
        mask = np.tril(np.ones((L, S), bool))
    if mask is not None:
        s = np.where(mask, s, -np.inf) if mask.dtype == bool else s + mask
    m = s.max(-1, keepdims=True)
    hidden = np.isneginf(m)
    e = np.exp(s - np.where(hidden, 0, m))
    p = np.where(hidden, 0, e / np.where(hidden, 1, e.sum(-1, keepdims=True)))
    return p @ v


def run(fn, q, k, v, grad, **kw):
    """Output and q/k/v gradients of fn on fresh leaves built from arrays."""
    tq, tk, tv = (tensor(a, requires_grad=True) for a in (q, k, v))
    out = fn(tq, tk, tv, **kw)
    out.backward(tensor(grad))
    return [to_np(out), to_np(tq.grad), to_np(tk.grad), to_np(tv.grad)]


CASES = [  # q shape, k shape, v shape, kwargs
    ((2, 3, 70, 32), (2, 3, 130, 32), (2, 3, 130, 32), {}),
    ((1, 2, 200, 64), (1, 2, 200, 64), (1, 2, 200, 64), {"is_causal": True}),
    ((1, 2, 65, 64), (1, 2, 150, 64), (1, 2, 150, 48), {"is_causal": True}),   # L < S
    ((1, 2, 150, 16), (1, 2, 65, 16), (1, 2, 65, 16), {"is_causal": True}),    # L > S
    ((2, 4, 33, 128), (2, 2, 47, 128), (2, 2, 47, 128), {"enable_gqa": True}),
    ((1, 2, 20, 80), (1, 2, 19, 80), (1, 2, 19, 80), {"scale": 0.3}),
    ((2, 1, 9, 1), (2, 1, 12, 1), (2, 1, 12, 7), {}),
    ((3, 1, 7), (3, 9, 7), (3, 9, 5), {}),                                       # 3-D
    ((2, 2, 2, 5, 8), (2, 2, 2, 6, 8), (2, 2, 2, 6, 8), {"is_causal": True}),  # 5-D
    ((1, 8, 1, 64), (1, 8, 300, 64), (1, 8, 300, 64), {}),                      # decode
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("qs,ks,vs,kw", CASES)
def test_fused_matches_reference_and_numpy(qs, ks, vs, kw, dtype):
    q, k, v = rnd(*qs, dtype=dtype), rnd(*ks, dtype=dtype, seed=1), rnd(*vs, dtype=dtype, seed=2)
    g = rnd(*(qs[:-1] + vs[-1:]), dtype=dtype, seed=3)
    got, want = run(sdpa, q, k, v, g, **kw), run(ref, q, k, v, g, **kw)
    tol = dict(rtol=1e-4, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, **tol)
    group = qs[-3] // ks[-3] if kw.get("enable_gqa") else 1
    np.testing.assert_allclose(got[0], np_sdpa(q, k, v, causal=kw.get("is_causal", False),
                                               scale=kw.get("scale"), group=group), **tol)


MASKS = [  # mask shape for q (2, 3, L=37, E) and k (2, 3, S=70, E)
    (37, 70), (2, 1, 37, 70), (3, 1, 70), (70,), (2, 3, 37, 1), (1, 1, 1, 70),
]


@pytest.mark.parametrize("mshape", MASKS)
@pytest.mark.parametrize("kind", ["bool", "float"])
def test_masks_broadcast(mshape, kind):
    q, k, v = rnd(2, 3, 37, 16), rnd(2, 3, 70, 16, seed=1), rnd(2, 3, 70, 16, seed=2)
    g = rnd(2, 3, 37, 16, seed=3)
    rng = np.random.default_rng(4)
    m = rng.random(mshape) > 0.3 if kind == "bool" else rng.standard_normal(mshape).astype(np.float32)
    if kind == "bool":
        m[..., 0] = True  # keep at least one key per row (torch gives NaN on hidden rows)
    got = run(sdpa, q, k, v, g, attn_mask=tensor(m))
    want = run(ref, q, k, v, g, attn_mask=tensor(m))
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=2e-5)
    np.testing.assert_allclose(got[0], np_sdpa(q, k, v, mask=m), rtol=1e-4, atol=2e-5)


def test_strided_inputs_no_copy_needed():
    # (N, L, H, E) transposed to (N, H, L, E), as multi-head attention produces them
    x = rnd(2, 50, 4, 32)
    q = ember.from_numpy(x).transpose(1, 2)
    k = ember.from_numpy(rnd(2, 60, 4, 32, seed=1)).transpose(1, 2)
    v = ember.from_numpy(rnd(2, 60, 4, 32, seed=2)).transpose(1, 2)
    got = to_np(sdpa(q, k, v, is_causal=True))
    np.testing.assert_allclose(got, np_sdpa(to_np(q), to_np(k), to_np(v), causal=True),
                               rtol=1e-4, atol=2e-5)


def test_fully_masked_rows_zero_and_no_nan():
    q, k, v = rnd(1, 2, 70, 16), rnd(1, 2, 80, 16, seed=1), rnd(1, 2, 80, 16, seed=2)
    g = rnd(1, 2, 70, 16, seed=3)
    m = np.random.default_rng(5).random((70, 80)) > 0.5
    m[[0, 3, 69]] = False
    fm = np.where(m, 0.0, -np.inf).astype(np.float32)
    for mask in (m, fm):
        for fn in (sdpa, ref):
            out, gq, gk, gv = run(fn, q, k, v, g, attn_mask=tensor(mask))
            for a in (out, gq, gk, gv):
                assert np.isfinite(a).all()
            assert (out[:, :, [0, 3, 69]] == 0).all() and (gq[:, :, [0, 3, 69]] == 0).all()
            np.testing.assert_allclose(out, np_sdpa(q, k, v, mask=m), rtol=1e-4, atol=2e-5)
    # no keys at all: every row hidden
    out = run(sdpa, q, k[:, :, :0], v[:, :, :0], g, attn_mask=None)
    assert (out[0] == 0).all() and (out[1] == 0).all()


def test_torch_parity():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    for qs, ks, vs, kw in CASES[:6]:
        q, k, v = rnd(*qs), rnd(*ks, seed=1), rnd(*vs, seed=2)
        g = rnd(*(qs[:-1] + vs[-1:]), seed=3)
        got = run(sdpa, q, k, v, g, **kw)
        tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
        out = F.scaled_dot_product_attention(tq, tk, tv, **kw)
        out.backward(torch.from_numpy(g))
        for a, b in zip(got, (out, tq.grad, tk.grad, tv.grad)):
            np.testing.assert_allclose(a, b.detach().numpy(), rtol=1e-4, atol=3e-5)
    # float and bool masks with broadcasting
    q, k, v = rnd(2, 3, 37, 16), rnd(2, 3, 70, 16, seed=1), rnd(2, 3, 70, 16, seed=2)
    g = rnd(2, 3, 37, 16, seed=3)
    fm = rnd(2, 1, 37, 70, seed=4)
    bm = np.random.default_rng(6).random((37, 70)) > 0.4
    bm[:, 0] = True
    for m in (fm, bm):
        got = run(sdpa, q, k, v, g, attn_mask=tensor(m))
        tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
        out = F.scaled_dot_product_attention(tq, tk, tv, attn_mask=torch.from_numpy(m))
        out.backward(torch.from_numpy(g))
        for a, b in zip(got, (out, tq.grad, tk.grad, tv.grad)):
            np.testing.assert_allclose(a, b.detach().numpy(), rtol=1e-4, atol=3e-5)


def test_float_mask_gradient_uses_reference():
    torch = pytest.importorskip("torch")
    q, k, v, m = rnd(1, 2, 5, 4), rnd(1, 2, 6, 4, seed=1), rnd(1, 2, 6, 4, seed=2), rnd(5, 6, seed=3)
    tm = tensor(m, requires_grad=True)
    sdpa(tensor(q), tensor(k), tensor(v), attn_mask=tm).sum().backward()
    hm = torch.tensor(m, requires_grad=True)
    torch.nn.functional.scaled_dot_product_attention(
        *(torch.from_numpy(a) for a in (q, k, v)), attn_mask=hm).sum().backward()
    np.testing.assert_allclose(to_np(tm.grad), hm.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_gradcheck_float64():
    q = tensor(rnd(1, 2, 3, 4, dtype=np.float64), requires_grad=True)
    k = tensor(rnd(1, 1, 5, 4, dtype=np.float64, seed=1), requires_grad=True)
    v = tensor(rnd(1, 1, 5, 3, dtype=np.float64, seed=2), requires_grad=True)
    m = tensor(np.random.default_rng(3).random((3, 5)) > 0.3)
    for kw in ({"is_causal": True}, {"attn_mask": m, "scale": 0.7}):
        assert ember.autograd.gradcheck(lambda a, b, c: sdpa(a, b, c, enable_gqa=True, **kw),
                                        (q, k, v))
    assert ember.autograd.gradcheck(lambda a, b, c: ref(a, b, c, enable_gqa=True), (q, k, v))
    # double backward: the fused node differentiates the reference
    for kw in ({"is_causal": True}, {"attn_mask": m, "scale": 0.7}):
        assert ember.autograd.gradgradcheck(lambda a, b, c: sdpa(a, b, c, enable_gqa=True, **kw),
                                            (q, k, v))


def test_dropout_uses_reference_path():
    q, k, v = tensor(rnd(1, 2, 8, 4)), tensor(rnd(1, 2, 8, 4, seed=1)), tensor(rnd(1, 2, 8, 4, seed=2))
    ember.manual_seed(0)
    a = to_np(sdpa(q, k, v, dropout_p=0.5))
    ember.manual_seed(0)
    b = to_np(ref(q, k, v, dropout_p=0.5))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, to_np(sdpa(q, k, v)))
    assert (to_np(sdpa(q, k, v, dropout_p=1.0)) == 0).all()


def test_thread_determinism():
    q, k, v = rnd(2, 4, 150, 64), rnd(2, 2, 170, 64, seed=1), rnd(2, 2, 170, 64, seed=2)
    g = rnd(2, 4, 150, 64, seed=3)
    m = tensor(np.random.default_rng(4).random((150, 170)) > 0.2)

    def fwd_bwd(**kw):
        return lambda: run(sdpa, q, k, v, g, enable_gqa=True, **kw)

    same_for_threads(fwd_bwd(is_causal=True))
    same_for_threads(fwd_bwd(attn_mask=m))
    # 2 heads: one thread runs the per-head backward, 2-3 threads the two-pass one; both
    # must agree bit for bit
    q2, k2, v2, g2 = q[:1, :2], k[:1, :1], v[:1, :1], g[:1, :2]
    for kw in ({"is_causal": True}, {"attn_mask": m}):
        same_for_threads(lambda: run(sdpa, q2, k2, v2, g2, enable_gqa=True, **kw))
    q1 = tensor(rnd(1, 8, 1, 64))
    k1, v1 = tensor(rnd(1, 8, 700, 64, seed=1)), tensor(rnd(1, 8, 700, 64, seed=2))
    same_for_threads(lambda: sdpa(q1, k1, v1))


_MEM_CHILD = r"""
import resource, sys
import numpy as np
import ember
L = int(sys.argv[1])
rng = np.random.default_rng(0)
q, k, v, g = (ember.from_numpy(rng.standard_normal((1, 2, L, 16)).astype(np.float32))
              for _ in range(4))
for t in (q, k, v):
    t.requires_grad_()
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
ember.scaled_dot_product_attention(q, k, v).backward(g)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024.0)
"""


def test_memory_linear_in_length():
    # An L x L score matrix at L = 4096 with 2 heads is 128 MiB of float32; the fused
    # forward + backward must stay far below (O(L) buffers only).
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    r = subprocess.run([sys.executable, "-c", _MEM_CHILD, "4096"], capture_output=True,
                       text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    grew = float(r.stdout.strip().splitlines()[-1])
    assert grew < 24, f"peak RSS grew {grew:.1f} MiB for L=4096"


def test_bad_input():
    op = r"\[scaled_dot_product_attention\]"
    q, k, v = tensor(rnd(1, 2, 4, 8)), tensor(rnd(1, 2, 5, 8)), tensor(rnd(1, 2, 5, 8))
    with pytest.raises(ValueError, match=op):  # head dims differ
        sdpa(q, tensor(rnd(1, 2, 5, 7)), v)
    with pytest.raises(ValueError, match=op):  # key / value lengths differ
        sdpa(q, k, tensor(rnd(1, 2, 6, 8)))
    with pytest.raises(ValueError, match=op):  # mask does not broadcast
        sdpa(q, k, v, attn_mask=tensor(np.ones((4, 6), bool)))
    with pytest.raises(ValueError, match=op):
        sdpa(q, k, v, attn_mask=tensor(np.ones((3, 4, 5), bool)))
    with pytest.raises(TypeError, match=op):  # int64 mask
        sdpa(q, k, v, attn_mask=tensor(np.ones((4, 5), np.int64)))
    with pytest.raises(TypeError, match=op):  # float64 mask with float32 query
        sdpa(q, k, v, attn_mask=tensor(np.zeros((4, 5))))
    with pytest.raises(ValueError, match=op):  # causal and a mask
        sdpa(q, k, v, attn_mask=tensor(np.ones((4, 5), bool)), is_causal=True)
    with pytest.raises(ValueError, match=op):  # Hq not a multiple of Hkv
        sdpa(tensor(rnd(1, 3, 4, 8)), k, v, enable_gqa=True)
    with pytest.raises(ValueError, match=op):  # heads differ without enable_gqa
        sdpa(tensor(rnd(1, 4, 4, 8)), k, v)
    with pytest.raises(ValueError, match=op):  # rank < 2
        sdpa(tensor(rnd(8)), k, v)
    with pytest.raises(TypeError, match=op):  # dtypes differ
        sdpa(q, tensor(rnd(1, 2, 5, 8, dtype=np.float64)), v)
    with pytest.raises(TypeError, match=op):  # integer query
        sdpa(tensor(np.ones((2, 3), np.int64)), k, v)
    with pytest.raises(ValueError, match=op):
        sdpa(q, k, v, dropout_p=1.5)
    for fn in (sdpa, ref):  # the reference checks the same way
        with pytest.raises(ValueError, match=op):
            fn(q, k, tensor(rnd(1, 2, 6, 8)))


def test_functional_export():
    import ember.nn.functional as F
    assert F.scaled_dot_product_attention is ember.scaled_dot_product_attention
