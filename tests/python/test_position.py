"""Positional encodings: apply_rotary_emb, RotaryEmbedding, SinusoidalPositionalEncoding and
the KV cache (incremental decoding equals full recomputation)."""
import math
import time

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from utils import randn, same_for_threads, tensor, to_np


# ---------------------------------------------------------------- NumPy references
def np_tables(L, dim, base=10000.0, offset=0):
    inv = base ** (-2.0 * np.arange(dim // 2) / dim)
    ang = np.arange(offset, offset + L)[:, None] * inv[None, :]
    return np.cos(ang), np.sin(ang)


def np_rotary(x, c, s, interleaved):
    half = x.shape[-1] // 2
    if interleaved:
        u, w = x[..., 0::2], x[..., 1::2]
    else:
        u, w = x[..., :half], x[..., half:]
    a, b = u * c - w * s, w * c + u * s
    out = np.empty_like(x)
    if interleaved:
        out[..., 0::2], out[..., 1::2] = a, b
    else:
        out[..., :half], out[..., half:] = a, b
    return out


def tables(L, D, dtype=np.float64, seed=1):
    rng = np.random.default_rng(seed)
    ang = rng.uniform(-3, 3, size=(L, D // 2))
    return (tensor(np.cos(ang).astype(dtype)), tensor(np.sin(ang).astype(dtype)))


# ---------------------------------------------------------------- apply_rotary_emb
@pytest.mark.parametrize("interleaved", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rotary_forward_vs_numpy(interleaved, dtype):
    x = randn(2, 3, 7, 10, dtype=dtype)
    c, s = tables(7, 10, dtype)
    y = ember.apply_rotary_emb(x, c, s, interleaved=interleaved)
    ref = np_rotary(to_np(x).astype(np.float64), to_np(c), to_np(s), interleaved)
    tol = 1e-6 if dtype == np.float32 else 1e-14
    assert y.dtype == x.dtype and y.shape == x.shape
    np.testing.assert_allclose(to_np(y), ref, rtol=tol, atol=tol)
    # functional alias, non-contiguous input (a transposed view) and a 2-D input
    xt = ember.transpose(randn(7, 2, 10, dtype=dtype), 0, 1)
    np.testing.assert_allclose(to_np(F.apply_rotary_emb(xt, c, s, interleaved)),
                               np_rotary(to_np(xt), to_np(c), to_np(s), interleaved),
                               rtol=tol, atol=tol)
    x2 = randn(7, 10, dtype=dtype)
    np.testing.assert_allclose(to_np(ember.apply_rotary_emb(x2, c, s, interleaved)),
                               np_rotary(to_np(x2), to_np(c), to_np(s), interleaved),
                               rtol=tol, atol=tol)


def test_rotary_preserves_pair_norms_and_inverts():
    x = randn(3, 5, 8)
    c, s = tables(5, 8)
    y = ember.apply_rotary_emb(x, c, s)
    np.testing.assert_allclose(np.linalg.norm(to_np(y), axis=-1),
                               np.linalg.norm(to_np(x), axis=-1), rtol=1e-12)
    back = ember.apply_rotary_emb(y, c, ember.neg(s))
    np.testing.assert_allclose(to_np(back), to_np(x), atol=1e-12)


@pytest.mark.parametrize("interleaved", [False, True])
def test_rotary_gradcheck(interleaved):
    x = randn(2, 3, 4, requires_grad=True)
    c = randn(3, 2, seed=2, requires_grad=True)
    s = randn(3, 2, seed=3, requires_grad=True)
    assert ember.autograd.gradcheck(
        lambda a, b, d: ember.apply_rotary_emb(a, b, d, interleaved), (x, c, s))


def test_rotary_double_backward():
    x = randn(2, 3, 4, requires_grad=True)
    c = randn(3, 2, seed=2, requires_grad=True)
    s = randn(3, 2, seed=3, requires_grad=True)
    w = randn(2, 3, 4, seed=4)

    def first_grad(a, b, d):
        with ember.enable_grad():  # gradcheck's finite differences run under no_grad
            y = ember.apply_rotary_emb(a, b, d, True)
            return ember.autograd.grad((y * w).sum(), (a, b, d), create_graph=True)

    # the x-gradient depends on the tables, the table gradients on x
    assert ember.autograd.gradcheck(lambda a, b, d: first_grad(a, b, d)[0], (x, c, s))
    assert ember.autograd.gradcheck(lambda a, b, d: first_grad(a, b, d)[1], (x, c, s))


def torch_rotary(torch, x, freqs, interleaved):
    """The usual PyTorch formulations: Llama-HF rotate_half and GPT-J / Meta complex pairs."""
    if interleaved:
        xc = torch.view_as_complex(x.reshape(*x.shape[:-1], -1, 2).contiguous())
        return torch.view_as_real(xc * torch.polar(torch.ones_like(freqs), freqs)).flatten(-2)
    emb = torch.cat((freqs, freqs), dim=-1)
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return x * emb.cos() + torch.cat((-x2, x1), dim=-1) * emb.sin()


@pytest.mark.parametrize("interleaved", [False, True])
def test_rotary_vs_torch(interleaved):
    torch = pytest.importorskip("torch")
    N, H, L, D = 2, 3, 6, 8
    xn = np.random.default_rng(0).standard_normal((N, H, L, D)).astype(np.float32)
    gn = np.random.default_rng(1).standard_normal((N, H, L, D)).astype(np.float32)
    inv = 1.0 / (10000.0 ** (torch.arange(0, D, 2).float() / D))
    freqs = torch.outer(torch.arange(L).float(), inv).requires_grad_()
    xt = torch.tensor(xn, requires_grad=True)
    yt = torch_rotary(torch, xt, freqs, interleaved)
    yt.backward(torch.tensor(gn))

    x = tensor(xn, requires_grad=True)
    f = tensor(freqs.detach().numpy(), requires_grad=True)
    y = ember.apply_rotary_emb(x, ember.cos(f), ember.sin(f), interleaved)
    y.backward(tensor(gn))
    np.testing.assert_allclose(to_np(y), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_np(x.grad), xt.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(to_np(f.grad), freqs.grad.numpy(), rtol=1e-4, atol=1e-4)

    rope = ember.nn.RotaryEmbedding(D, max_seq_len=16, interleaved=interleaved)
    np.testing.assert_allclose(to_np(rope(tensor(xn))), yt.detach().numpy(), atol=1e-5)


def test_rotary_bad_input():
    x = randn(2, 4, 6)
    c, s = tables(4, 6)
    with pytest.raises(ValueError, match=r"\[apply_rotary_emb\] expected an even head dim"):
        ember.apply_rotary_emb(randn(2, 4, 5), *tables(4, 4))
    with pytest.raises(ValueError, match=r"\[apply_rotary_emb\] expected cos of shape"):
        ember.apply_rotary_emb(x, *tables(5, 6))
    with pytest.raises(ValueError, match=r"\[apply_rotary_emb\] expected sin of shape"):
        ember.apply_rotary_emb(x, c, randn(4, 2))
    with pytest.raises(ValueError, match=r"\[apply_rotary_emb\] expected x of at least 2 dims"):
        ember.apply_rotary_emb(randn(6), c, s)
    with pytest.raises(TypeError, match=r"\[apply_rotary_emb\] expected cos of the dtype"):
        ember.apply_rotary_emb(x, c.float(), s)
    with pytest.raises(TypeError, match=r"\[apply_rotary_emb\] expected x of dtype float32"):
        ember.apply_rotary_emb(ember.zeros(2, 4, 6, dtype=ember.int64), c, s)


def test_rotary_threads_deterministic():
    x = randn(4, 8, 64, 64, dtype=np.float32)
    c, s = tables(64, 64, np.float32)
    for inter in (False, True):
        same_for_threads(lambda: ember.apply_rotary_emb(x, c, s, inter))


# ---------------------------------------------------------------- RotaryEmbedding
@pytest.mark.parametrize("interleaved", [False, True])
def test_rotary_module_tables_and_offset(interleaved):
    rope = ember.nn.RotaryEmbedding(8, max_seq_len=32, base=500.0, interleaved=interleaved)
    c, s = np_tables(32, 8, base=500.0)
    np.testing.assert_allclose(to_np(rope.cos), c, atol=1e-7)
    np.testing.assert_allclose(to_np(rope.sin), s, atol=1e-7)
    assert "cos" not in dict(rope.state_dict()) and len(dict(rope.state_dict())) == 0
    assert "interleaved=" + str(interleaved) in repr(rope)
    x = randn(2, 3, 5, 8, dtype=np.float32)
    c5, s5 = np_tables(5, 8, base=500.0, offset=7)
    np.testing.assert_allclose(to_np(rope(x, offset=7)), np_rotary(to_np(x), c5, s5, interleaved),
                               atol=1e-5)
    # a float64 input uses float64 tables and is differentiable (gradcheck)
    xd = randn(1, 4, 8, requires_grad=True)
    assert rope(xd, 3).dtype == ember.float64
    assert ember.autograd.gradcheck(lambda a: rope(a, 3), (xd,))


def test_rotary_module_bad_input():
    with pytest.raises(ValueError, match=r"\[RotaryEmbedding\] expected a positive even dim"):
        ember.nn.RotaryEmbedding(7)
    with pytest.raises(ValueError, match=r"\[RotaryEmbedding\] expected a positive finite base"):
        ember.nn.RotaryEmbedding(8, base=0.0)
    rope = ember.nn.RotaryEmbedding(8, max_seq_len=10)
    with pytest.raises(ValueError, match=r"\[RotaryEmbedding\] positions offset \+ L = 6 \+ 5"):
        rope(randn(5, 8), offset=6)
    with pytest.raises(ValueError, match=r"\[RotaryEmbedding\] expected offset >= 0"):
        rope(randn(5, 8), offset=-1)
    with pytest.raises(ValueError, match=r"\[RotaryEmbedding\] expected x of shape"):
        rope(randn(5, 6))


# ---------------------------------------------------------------- sinusoidal
def np_sinusoidal(max_len, d):
    pos = np.arange(max_len)[:, None]
    div = np.exp(np.arange(0, d, 2) * (-math.log(10000.0) / d))
    pe = np.zeros((max_len, 1, d))
    pe[:, 0, 0::2] = np.sin(pos * div)
    pe[:, 0, 1::2] = np.cos(pos * div)[:, : d // 2]
    return pe


@pytest.mark.parametrize("d", [16, 7])
def test_sinusoidal_vs_numpy(d):
    m = ember.nn.SinusoidalPositionalEncoding(d, max_len=50)
    pe = np_sinusoidal(50, d)
    assert m.pe.shape == (50, 1, d) and "pe" in dict(m.state_dict())
    np.testing.assert_allclose(to_np(m.pe), pe, atol=1e-7)
    x = randn(9, 2, d, dtype=np.float32)
    np.testing.assert_allclose(to_np(m(x)), to_np(x) + pe[:9], atol=1e-6)
    xb = randn(2, 9, d, dtype=np.float32)
    mb = ember.nn.SinusoidalPositionalEncoding(d, max_len=50, batch_first=True)
    np.testing.assert_allclose(to_np(mb(xb)), to_np(xb) + pe[:9, 0][None], atol=1e-6)
    x2 = randn(9, d)  # unbatched, float64
    np.testing.assert_allclose(to_np(m(x2)), to_np(x2) + pe[:9, 0], atol=1e-6)


def test_sinusoidal_vs_torch_tutorial_and_dropout():
    torch = pytest.importorskip("torch")
    d, max_len = 32, 200
    position = torch.arange(max_len).unsqueeze(1)
    div_term = torch.exp(torch.arange(0, d, 2) * (-math.log(10000.0) / d))
    pe = torch.zeros(max_len, 1, d)
    pe[:, 0, 0::2] = torch.sin(position * div_term)
    pe[:, 0, 1::2] = torch.cos(position * div_term)
    m = ember.nn.SinusoidalPositionalEncoding(d, dropout=0.5, max_len=max_len)
    np.testing.assert_allclose(to_np(m.pe), pe.numpy(), atol=2e-5)
    m.load_state_dict({"pe": pe.numpy()})  # the tutorial's state_dict loads
    x = randn(20, 3, d, dtype=np.float32, requires_grad=True)
    m.eval()
    np.testing.assert_allclose(to_np(m(x)), to_np(x) + pe[:20].numpy(), atol=1e-6)
    m.train()
    y = to_np(m(x))
    kept = y != 0
    assert 0.3 < kept.mean() < 0.7
    np.testing.assert_allclose(y[kept], 2 * (to_np(x) + pe[:20].numpy())[kept], rtol=1e-5)
    assert ember.autograd.gradcheck(
        lambda a: ember.nn.SinusoidalPositionalEncoding(4, max_len=8)(a), (randn(5, 2, 4, requires_grad=True),))


def test_sinusoidal_bad_input():
    with pytest.raises(ValueError, match=r"\[SinusoidalPositionalEncoding\] expected d_model > 0"):
        ember.nn.SinusoidalPositionalEncoding(0)
    m = ember.nn.SinusoidalPositionalEncoding(8, max_len=10)
    with pytest.raises(ValueError, match=r"\[SinusoidalPositionalEncoding\] sequence length 11"):
        m(randn(11, 1, 8))
    with pytest.raises(ValueError, match=r"\[SinusoidalPositionalEncoding\] expected input of shape"):
        m(randn(4, 1, 6))
    with pytest.raises(ValueError, match=r"dropout probability"):
        ember.nn.SinusoidalPositionalEncoding(8, dropout=1.5)


# ---------------------------------------------------------------- KV cache
def test_kv_cache_update_views_and_reset():
    cache = ember.nn.KVCache(2, 3, 10, 4)
    assert (cache.size, cache.max_len, len(cache)) == (0, 10, 0)
    assert cache.dtype == ember.float32
    k1, v1 = randn(2, 3, 4, 4, dtype=np.float32), randn(2, 3, 4, 4, dtype=np.float32, seed=1)
    k2, v2 = randn(2, 3, 1, 4, dtype=np.float32, seed=2), randn(2, 3, 1, 4, dtype=np.float32, seed=3)
    keys, values = cache.update(k1, v1)
    assert keys.shape == (2, 3, 4, 4) and cache.size == 4
    ptr = keys.data_ptr()
    keys, values = cache.update(k2, v2)
    assert keys.shape == (2, 3, 5, 4) and cache.size == 5
    # views of the same preallocated buffer: nothing was reallocated or concatenated
    assert keys.data_ptr() == ptr == cache.key_buffer.data_ptr()
    np.testing.assert_array_equal(to_np(keys), np.concatenate([to_np(k1), to_np(k2)], axis=2))
    np.testing.assert_array_equal(to_np(values), np.concatenate([to_np(v1), to_np(v2)], axis=2))
    gk, gv = cache.get()
    np.testing.assert_array_equal(to_np(gk), to_np(keys))
    cache.crop(4)  # roll back the last token, then append another one
    keys, _ = cache.update(v2, v2)
    np.testing.assert_array_equal(to_np(keys), np.concatenate([to_np(k1), to_np(v2)], axis=2))
    with pytest.raises(ValueError, match=r"\[KVCache.crop\] expected 0 <= n <= size = 5"):
        cache.crop(6)
    cache.reset()
    assert cache.size == 0 and cache.get()[0].shape == (2, 3, 0, 4)
    keys, _ = cache.update(k2, v2)
    np.testing.assert_array_equal(to_np(keys), to_np(k2))
    assert "size=1" in repr(cache)
    c64 = ember.nn.KVCache(1, 1, 3, 2, dtype=ember.float64)
    assert c64.update(randn(1, 1, 2, 2), randn(1, 1, 2, 2))[0].dtype == ember.float64


def test_kv_cache_errors():
    with pytest.raises(ValueError, match=r"\[KVCache\] expected positive"):
        ember.nn.KVCache(1, 2, 0, 4)
    with pytest.raises(TypeError, match=r"\[KVCache\] expected a floating point dtype"):
        ember.nn.KVCache(1, 2, 3, 4, dtype=ember.int64)
    cache = ember.nn.KVCache(1, 2, 3, 4)
    k = randn(1, 2, 2, 4, dtype=np.float32)
    with pytest.raises(ValueError, match=r"\[KVCache.update\] expected k of shape \(N, H, T, D\)"):
        cache.update(randn(1, 3, 2, 4, dtype=np.float32), k)
    with pytest.raises(ValueError, match=r"\[KVCache.update\] expected v of shape"):
        cache.update(k, randn(1, 2, 2, 5, dtype=np.float32))
    with pytest.raises(ValueError, match=r"same number of new positions"):
        cache.update(k, randn(1, 2, 1, 4, dtype=np.float32))
    with pytest.raises(TypeError, match=r"\[KVCache.update\] expected k of the cache dtype"):
        cache.update(randn(1, 2, 2, 4), k)
    with pytest.raises(RuntimeError, match=r"does not propagate gradients"):
        cache.update(randn(1, 2, 2, 4, dtype=np.float32, requires_grad=True), k)
    with ember.no_grad():
        cache.update(randn(1, 2, 2, 4, dtype=np.float32, requires_grad=True), k)
    with pytest.raises(ValueError, match=r"\[KVCache.update\] cache is full: it holds 2 of max_len = 3"):
        cache.update(k, k)
    assert cache.size == 2  # a failed update changes nothing


class CausalStack(ember.nn.Module):
    """A tiny causal self-attention stack with rotary positions, usable with or without a
    KV cache (one per layer)."""

    def __init__(self, E=16, H=2, layers=2, max_len=32):
        super().__init__()
        self.H, self.D = H, E // H
        self.qkv = ember.nn.ModuleList([ember.nn.Linear(E, 3 * E) for _ in range(layers)])
        self.out = ember.nn.ModuleList([ember.nn.Linear(E, E) for _ in range(layers)])
        self.rope = ember.nn.RotaryEmbedding(self.D, max_seq_len=max_len)

    def forward(self, x, caches=None):
        N, T, E = x.shape
        for i in range(len(self.qkv)):
            q, k, v = self.qkv[i](x).reshape(N, T, 3, self.H, self.D).permute(2, 0, 3, 1, 4)
            offset = caches[i].size if caches else 0
            q, k = self.rope(q, offset), self.rope(k, offset)
            if caches:
                k, v = caches[i].update(k, v)
            mask, causal = None, offset == 0 and T > 1  # one new token sees every key
            if offset > 0 and T > 1:  # a chunk on a filled cache: bottom-right causal mask
                S = k.shape[2]
                mask = tensor(np.arange(S)[None, :] <= offset + np.arange(T)[:, None])
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal)
            x = x + self.out[i](a.transpose(1, 2).reshape(N, T, E))
        return x


def test_incremental_decoding_matches_full_recomputation():
    ember.manual_seed(0)
    model = CausalStack()
    x = randn(2, 12, 16, dtype=np.float32)
    with ember.no_grad():
        full = to_np(model(x))
        caches = [ember.nn.KVCache(2, 2, 32, 8) for _ in range(2)]
        steps = [to_np(model(x[:, :5], caches))]  # prefill 5 tokens, then one by one
        for t in range(5, 9):
            steps.append(to_np(model(x[:, t:t + 1], caches)))
        steps.append(to_np(model(x[:, 9:12], caches)))  # a 3-token chunk with a mask
    assert caches[0].size == 12
    np.testing.assert_allclose(np.concatenate(steps, axis=1), full, rtol=1e-5, atol=1e-5)


def test_kv_cache_update_cost_does_not_grow():
    # update is a slice copy: appending one token to a nearly full cache costs about the
    # same as to an empty one (a cat of the history would be ~200x slower).
    def per_update(prefill):
        cache = ember.nn.KVCache(1, 8, 4096, 64)
        one = ember.zeros(1, 8, 1, 64)
        if prefill:
            big = ember.zeros(1, 8, prefill, 64)
            cache.update(big, big)
        best = float("inf")
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(20):
                cache.update(one, one)
            best = min(best, time.perf_counter() - t0)
        return best

    small, large = per_update(0), per_update(3900)
    assert large < 10 * small + 1e-3
