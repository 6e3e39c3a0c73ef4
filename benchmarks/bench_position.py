"""Rotary embedding and KV-cache decoding: ember vs PyTorch (the usual rotate_half formula,
a static cache written by slice assignment), float32."""
import numpy as np

import ember


def cases():
    try:
        import torch
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    N, H, L, D = 4, 12, 512, 64
    x = rng.standard_normal((N, H, L, D)).astype(np.float32)
    ang = np.arange(L)[:, None] * 10000.0 ** (-2.0 * np.arange(D // 2) / D)
    c, s = np.cos(ang).astype(np.float32), np.sin(ang).astype(np.float32)
    ex, ec, es = ember.from_numpy(x), ember.from_numpy(c), ember.from_numpy(s)
    exg = ember.from_numpy(x.copy()).requires_grad_()

    def np_rope():
        u, w = x[..., :D // 2], x[..., D // 2:]
        return np.concatenate([u * c - w * s, w * c + u * s], axis=-1)

    def ember_fb():
        ember.apply_rotary_emb(exg, ec, es).sum().backward()

    out = [("rotary fwd N4 H12 L512 D64", {
        "ember": lambda: ember.apply_rotary_emb(ex, ec, es), "torch": None, "numpy": np_rope}),
        ("rotary interleaved fwd N4 H12 L512 D64", {
            "ember": lambda: ember.apply_rotary_emb(ex, ec, es, True), "torch": None,
            "numpy": None}),
        ("rotary fwd+bwd N4 H12 L512 D64", {"ember": ember_fb, "torch": None, "numpy": None})]

    # decode step: append one token to a 2048-token cache, then attend (N1 H8 D64)
    S = 2048
    cache = ember.nn.KVCache(1, 8, S + 1, 64)
    kv = ember.from_numpy(rng.standard_normal((1, 8, S, 64)).astype(np.float32))
    cache.update(kv, kv)
    q1 = ember.from_numpy(rng.standard_normal((1, 8, 1, 64)).astype(np.float32))

    def ember_decode():
        cache.crop(S)
        k, v = cache.update(q1, q1)
        return ember.nn.functional.scaled_dot_product_attention(q1, k, v)

    out.append(("KVCache decode step S2048 N1 H8 D64", {"ember": ember_decode, "torch": None,
                                                         "numpy": None}))
    if torch is not None:
        tx, tc, ts = torch.from_numpy(x), torch.from_numpy(c), torch.from_numpy(s)
        tcos, tsin = torch.cat([tc, tc], -1), torch.cat([ts, ts], -1)
        txg = torch.from_numpy(x.copy()).requires_grad_()

        def t_rope(t):
            return t * tcos + torch.cat([-t[..., D // 2:], t[..., :D // 2]], -1) * tsin

        def t_inter(t):
            u, w = t[..., 0::2], t[..., 1::2]
            return torch.stack([u * tc - w * ts, w * tc + u * ts], -1).flatten(-2)

        def torch_fb():
            t_rope(txg).sum().backward()

        out[0][1]["torch"] = lambda: t_rope(tx)
        out[1][1]["torch"] = lambda: t_inter(tx)
        out[2][1]["torch"] = torch_fb
        kb = torch.zeros(1, 8, S + 1, 64)
        vb = torch.zeros(1, 8, S + 1, 64)
        kb[:, :, :S] = torch.from_numpy(kv.numpy())
        vb[:, :, :S] = kb[:, :, :S]
        tq = torch.from_numpy(q1.numpy())

        def torch_decode():
            kb[:, :, S:S + 1] = tq
            vb[:, :, S:S + 1] = tq
            return torch.nn.functional.scaled_dot_product_attention(tq, kb[:, :, :S + 1],
                                                                    vb[:, :, :S + 1])

        out[3][1]["torch"] = torch_decode
    return out
