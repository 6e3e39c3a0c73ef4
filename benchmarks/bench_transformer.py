"""Transformer layers: ember vs PyTorch with identical weights, float32.

TransformerEncoderLayer d256 h4 ff1024 inference (eval, no_grad) on (1, 64, 256) batch_first;
a 2-layer d128 (h4, ff512) encoder training step (N16, L128) with Adam; MultiheadAttention
self-attention forward (N4 L256 E256 h8, need_weights=False).
"""
import numpy as np

import ember


def _load(em, tm):
    em.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    return em


def cases():
    try:
        import torch
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    out = []

    # ---- encoder layer inference
    x = rng.standard_normal((1, 64, 256)).astype(np.float32)
    ex = ember.from_numpy(x)
    el = ember.nn.TransformerEncoderLayer(256, 4, 1024, batch_first=True).eval()
    tl = tx = None
    if torch:
        tl = torch.nn.TransformerEncoderLayer(256, 4, 1024, batch_first=True).eval()
        _load(el, tl)
        tx = torch.from_numpy(x)

    def e_inf():
        with ember.no_grad():
            return el(ex)

    def t_inf():
        with torch.no_grad():
            return tl(tx)

    out.append(("TransformerEncoderLayer d256 h4 ff1024 infer (1,64,256)",
                {"ember": e_inf, "torch": torch and t_inf, "numpy": None}))

    # ---- 2-layer encoder training step with Adam
    xs = rng.standard_normal((16, 128, 128)).astype(np.float32)
    exs = ember.from_numpy(xs)
    enc = ember.nn.TransformerEncoder(
        ember.nn.TransformerEncoderLayer(128, 4, 512, dropout=0.0, batch_first=True), 2)
    eopt = ember.optim.Adam(enc.parameters(), lr=1e-4)

    def e_train():
        eopt.zero_grad()
        loss = (enc(exs) ** 2).mean()
        loss.backward()
        eopt.step()

    t_train = None
    if torch:
        tenc = torch.nn.TransformerEncoder(
            torch.nn.TransformerEncoderLayer(128, 4, 512, dropout=0.0, batch_first=True), 2,
            enable_nested_tensor=False)
        _load(enc, tenc)
        topt = torch.optim.Adam(tenc.parameters(), lr=1e-4)
        txs = torch.from_numpy(xs)

        def t_train():
            topt.zero_grad()
            loss = (tenc(txs) ** 2).mean()
            loss.backward()
            topt.step()

    out.append(("TransformerEncoder 2x d128 h4 ff512 train step (16,128) Adam",
                {"ember": e_train, "torch": t_train, "numpy": None}))

    # ---- MHA self-attention forward
    xm = rng.standard_normal((4, 256, 256)).astype(np.float32)
    exm = ember.from_numpy(xm)
    mha = ember.nn.MultiheadAttention(256, 8, batch_first=True).eval()
    t_mha = None
    if torch:
        tmha = torch.nn.MultiheadAttention(256, 8, batch_first=True).eval()
        _load(mha, tmha)
        txm = torch.from_numpy(xm)

        def t_mha():
            with torch.no_grad():
                return tmha(txm, txm, txm, need_weights=False)[0]

    def e_mha():
        with ember.no_grad():
            return mha(exm, exm, exm, need_weights=False)[0]

    out.append(("MultiheadAttention self fwd N4 L256 E256 h8 (no weights)",
                {"ember": e_mha, "torch": t_mha, "numpy": None}))
    return out
