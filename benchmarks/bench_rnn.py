"""Recurrent layers: one fused layer-direction (ember._C._rnn_layer) vs torch.nn.LSTM / GRU
(1 layer, unidirectional) on float32, forward, forward+backward (all weights and the input)
and the N=1 inference latency case. run.py prints times and the torch/ember ratio."""
import numpy as np

# (name, mode, T, N, I, H, with backward)
SHAPES = [
    ("LSTM T100 N32 I128 H256", "LSTM", 100, 32, 128, 256, True),
    ("GRU T100 N32 I128 H256", "GRU", 100, 32, 128, 256, True),
    ("LSTM T50 N1 I64 H128 inference", "LSTM", 50, 1, 64, 128, False),
]


def cases():
    import ember
    try:
        import torch
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    out = []
    for name, mode, L, N, I, H, bwd in SHAPES:
        G = 4 if mode == "LSTM" else 3
        k = 1.0 / np.sqrt(H)
        ws = [rng.uniform(-k, k, s).astype(np.float32) for s in ((G * H, I), (G * H, H), (G * H,), (G * H,))]
        x = rng.standard_normal((L, N, I)).astype(np.float32)
        ex = ember.from_numpy(x)
        ew = [ember.from_numpy(w) for w in ws]

        def e_fwd(ex=ex, ew=ew, mode=mode):
            with ember.no_grad():
                return ember._C._rnn_layer(mode, ex, None, None, *ew, None)

        fwd = {"ember": e_fwd, "torch": None, "numpy": None}
        if torch is not None:
            cls = torch.nn.LSTM if mode == "LSTM" else torch.nn.GRU
            m = cls(I, H)
            with torch.no_grad():
                for p, w in zip((m.weight_ih_l0, m.weight_hh_l0, m.bias_ih_l0, m.bias_hh_l0), ws):
                    p.copy_(torch.from_numpy(w))
            tx = torch.from_numpy(x)

            def t_fwd(m=m, tx=tx):
                with torch.no_grad():
                    return m(tx)

            fwd["torch"] = t_fwd
        out.append((name + (" fwd" if bwd else ""), fwd))
        if not bwd:
            continue
        exg = ember.from_numpy(x.copy()).requires_grad_()
        ewg = [ember.from_numpy(w.copy()).requires_grad_() for w in ws]

        def e_fb(exg=exg, ewg=ewg, mode=mode):
            for t in [exg] + ewg:
                t.grad = None
            ember._C._rnn_layer(mode, exg, None, None, *ewg, None)[0].sum().backward()

        fb = {"ember": e_fb, "torch": None, "numpy": None}
        if torch is not None:
            txg = torch.tensor(x, requires_grad=True)

            def t_fb(m=m, txg=txg):
                txg.grad = None
                m.zero_grad(set_to_none=True)
                m(txg)[0].sum().backward()

            fb["torch"] = t_fb
        out.append((name + " fwd+bwd", fb))
    return out
