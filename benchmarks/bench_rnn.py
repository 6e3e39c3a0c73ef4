"""Recurrent layers through the layer API (ember.nn.LSTM / GRU vs torch.nn.LSTM / GRU
holding the same weights), float32: forward (inference, no grad), forward+backward (grads
of the input and all weights, reset each call), the N=1 latency case and an LSTM training
step (Linear head, cross-entropy, Adam). The op-level cases of the fused kernel moved here
to the layer API (a layer is one _rnn_layer call per layer-direction)."""
import numpy as np

import ember


def _pair(torch, cls, I, H, **kw):
    t = getattr(torch.nn, cls)(I, H, **kw) if torch else None
    e = getattr(ember.nn, cls)(I, H, **kw)
    if t is not None:
        e.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    return t, e


def _layer_cases(torch, name, cls, T, N, I, H, **kw):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((T, N, I)).astype(np.float32)
    t, e = _pair(torch, cls, I, H, **kw)
    ex = ember.from_numpy(x)
    tx = torch.from_numpy(x) if torch else None
    ex_g = ember.from_numpy(x.copy()).requires_grad_()
    tx_g = torch.from_numpy(x.copy()).requires_grad_() if torch else None

    def e_fwd():
        with ember.no_grad():
            return e(ex)

    def t_fwd():
        with torch.no_grad():
            return t(tx)

    def e_fb():
        ex_g.grad = None
        e.zero_grad()
        y, _ = e(ex_g)
        y.sum().backward()

    def t_fb():
        tx_g.grad = None
        t.zero_grad(set_to_none=True)
        y, _ = t(tx_g)
        y.sum().backward()

    return [(f"{name} fwd", {"ember": e_fwd, "torch": torch and t_fwd, "numpy": None}),
            (f"{name} fwd+bwd", {"ember": e_fb, "torch": torch and t_fb, "numpy": None})]


def _train_case(torch, T=50, N=32, I=64, H=128, classes=10):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((N, T, I)).astype(np.float32)
    y = rng.integers(0, classes, N)
    t, e = _pair(torch, "LSTM", I, H, batch_first=True)
    e_head = ember.nn.Linear(H, classes)
    e_opt = ember.optim.Adam(list(e.parameters()) + list(e_head.parameters()), lr=1e-3)
    ex, ey = ember.from_numpy(x), ember.from_numpy(y)

    def e_step():
        out, _ = e(ex)
        loss = ember.nn.functional.cross_entropy(e_head(out[:, -1]), ey)
        e_opt.zero_grad()
        loss.backward()
        e_opt.step()

    t_step = None
    if torch:
        t_head = torch.nn.Linear(H, classes)
        t_opt = torch.optim.Adam(list(t.parameters()) + list(t_head.parameters()), lr=1e-3)
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)

        def t_step():
            out, _ = t(tx)
            loss = torch.nn.functional.cross_entropy(t_head(out[:, -1]), ty)
            t_opt.zero_grad()
            loss.backward()
            t_opt.step()

    return [(f"LSTM train step T{T} N{N} I{I} H{H} (Linear, CE, Adam)",
             {"ember": e_step, "torch": t_step, "numpy": None})]


def cases():
    try:
        import torch
    except ImportError:
        torch = None
    out = []
    out += _layer_cases(torch, "LSTM T100 N32 I128 H256", "LSTM", 100, 32, 128, 256)
    out += _layer_cases(torch, "LSTM 2L bidir T100 N32 I128 H256", "LSTM", 100, 32, 128, 256,
                        num_layers=2, bidirectional=True)
    out += _layer_cases(torch, "GRU T100 N32 I128 H256", "GRU", 100, 32, 128, 256)
    out += _layer_cases(torch, "LSTM T50 N1 I64 H128 (latency)", "LSTM", 50, 1, 64, 128)[:1]
    out += _train_case(torch)
    return out
