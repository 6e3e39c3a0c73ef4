"""The float32 attention tile kernels and the small-M linear kernel (one source over the
per-ISA vector layer cpu/isa/simd.h) under every ISA this CPU runs (EMBER_ISA=baseline,
avx2, and the native one), each in a fresh process: fused attention against the
materialised reference for head dims 32 / 64 / 128 and odd ones, odd sequence lengths and
tile tails; the small-M linear (bias, residual, relu) against float64 NumPy at ragged
sizes; bitwise identical results for 1, 2 and 3 threads."""
import os
import subprocess
import sys

import pytest

import ember

SCRIPT = r"""
import numpy as np, ember
sdpa = ember.scaled_dot_product_attention
ref = ember._C._scaled_dot_product_attention_reference
rng = np.random.default_rng(0)


def arr(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def run(fn, q, k, v, g, **kw):
    tq, tk, tv = (ember.from_numpy(a.copy()).requires_grad_() for a in (q, k, v))
    out = fn(tq, tk, tv, **kw)
    out.backward(ember.from_numpy(g))
    return [np.array(t.detach().numpy()) for t in (out, tq.grad, tk.grad, tv.grad)]


def same_for_threads(fn):
    res = []
    for n in (1, 2, 3):
        ember.set_num_threads(n)
        res.append([a.tobytes() for a in fn()])
    ember.set_num_threads(2)
    assert res[0] == res[1] == res[2], "results differ across thread counts"


# (N, H, L, S, E, Ev, kwargs): head dims 32 / 64 / 128 / odd, L and S off the tile sizes
# (64 queries, 128 keys), a transposed query tile with an E tail past the last full block.
ATTN = [
    (1, 2, 64, 64, 64, 64, {}),
    (1, 2, 130, 257, 64, 64, {}),
    (2, 1, 37, 70, 32, 32, {"is_causal": True}),
    (1, 2, 65, 129, 128, 128, {}),
    (1, 1, 71, 93, 20, 20, {}),
    (1, 1, 66, 66, 17, 9, {"is_causal": True}),
    (1, 2, 3, 200, 45, 45, {}),
    (1, 3, 1, 150, 64, 64, {}),
    (1, 1, 200, 131, 7, 13, {"scale": 0.2}),
]
for n, h, L, S, E, Ev, kw in ATTN:
    q, k, v, g = arr(n, h, L, E), arr(n, h, S, E), arr(n, h, S, Ev), arr(n, h, L, Ev)
    got, want = run(sdpa, q, k, v, g, **kw), run(ref, q, k, v, g, **kw)
    for a, b in zip(got, want):
        assert np.allclose(a, b, rtol=1e-4, atol=3e-5), (L, S, E, Ev, kw, np.abs(a - b).max())
    same_for_threads(lambda: run(sdpa, q, k, v, g, **kw))
m = rng.random((90, 140)) > 0.3
m[:, 0] = True
q, k, v, g = arr(1, 2, 90, 64), arr(1, 2, 140, 64), arr(1, 2, 140, 64), arr(1, 2, 90, 64)
mt = ember.from_numpy(m)
got, want = run(sdpa, q, k, v, g, attn_mask=mt), run(ref, q, k, v, g, attn_mask=mt)
for a, b in zip(got, want):
    assert np.allclose(a, b, rtol=1e-4, atol=3e-5), np.abs(a - b).max()

# small-M linear: (M, N, K); plus the fused epilogues (residual, relu) of linear_fused, as
# the inference path of TransformerEncoderLayer uses them.
LIN = [(64, 1024, 256), (64, 256, 1024), (17, 23, 19), (50, 70, 300), (128, 45, 40),
       (16, 16, 16), (33, 100, 64), (9 * 8 + 3, 7, 33)]
for M, N, K in LIN:
    x, w, b = arr(M, K), arr(N, K), arr(N)
    x64 = x.astype(np.float64) @ w.T.astype(np.float64) + b
    xs = (ember.from_numpy(x), ember.from_numpy(np.ascontiguousarray(x.T)).t())
    for ex in xs:
        out = ember.linear(ex, ember.from_numpy(w), ember.from_numpy(b)).numpy()
        assert np.allclose(out, x64, rtol=1e-5, atol=1e-4), (M, N, K, np.abs(out - x64).max())
        def lin(ex=ex):
            return [ember.linear(ex, ember.from_numpy(w), ember.from_numpy(b)).numpy()]
        same_for_threads(lin)
    out = ember.linear(xs[0], ember.from_numpy(w)).numpy()
    assert np.allclose(out, x64 - b, rtol=1e-5, atol=1e-4), (M, N, K)
layer = ember.nn.TransformerEncoderLayer(64, 4, 96, dropout=0.0, batch_first=True)
layer.eval()
src = ember.from_numpy(arr(2, 37, 64))
with ember.no_grad():
    fused = layer(src).numpy()
    same_for_threads(lambda: [layer(src).numpy()])
with ember.enable_grad():
    plain = layer(src).detach().numpy()   # autograd on: the unfused op-by-op path
assert np.allclose(fused, plain, rtol=1e-5, atol=1e-5), np.abs(fused - plain).max()
print(ember.config()["isa"])
"""


def isas():
    native = ember.config()["isa"]
    out = ["baseline"]
    if native.startswith(("avx2", "avx512")):
        out.append("avx2")
    if native.startswith("avx512"):
        out.append("avx512")
    return out


@pytest.mark.parametrize("isa", isas())
def test_kernels_under_isa(isa):
    env = dict(os.environ, EMBER_ISA=isa, PYTHONPATH=os.pathsep.join(sys.path))
    r = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip().startswith(isa)
