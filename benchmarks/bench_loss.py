"""Losses: cross_entropy forward+backward on (4096, 1000) logits, mse_loss forward (and
forward+backward) on 16M float32 elements; ember vs PyTorch."""
import numpy as np

import ember


def cases():
    try:
        import torch
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((4096, 1000)).astype(np.float32)
    labels = rng.integers(0, 1000, 4096)
    n = 16 << 20
    a = rng.standard_normal(n).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32)

    xe = ember.from_numpy(logits).requires_grad_()
    ye = ember.from_numpy(labels)
    ae, be = ember.from_numpy(a), ember.from_numpy(b)
    ag = ember.from_numpy(a.copy()).requires_grad_()

    def ce_ember():
        xe.grad = None
        ember.cross_entropy(xe, ye).backward()

    def mse_fb_ember():
        ag.grad = None
        ember.mse_loss(ag, be).backward()

    out = [("loss cross_entropy fwd+bwd 4096x1000", {"ember": ce_ember, "torch": None, "numpy": None}),
           ("loss mse fwd 16M f32", {"ember": lambda: ember.mse_loss(ae, be), "torch": None,
                                     "numpy": lambda: np.mean((a - b) ** 2)}),
           ("loss mse fwd+bwd 16M f32", {"ember": mse_fb_ember, "torch": None, "numpy": None})]
    if torch is not None:
        xt = torch.from_numpy(logits).requires_grad_()
        yt = torch.from_numpy(labels)
        at, bt = torch.from_numpy(a), torch.from_numpy(b)
        agt = torch.from_numpy(a.copy()).requires_grad_()

        def ce_torch():
            xt.grad = None
            torch.nn.functional.cross_entropy(xt, yt).backward()

        def mse_fb_torch():
            agt.grad = None
            torch.nn.functional.mse_loss(agt, bt).backward()

        out[0][1]["torch"] = ce_torch
        out[1][1]["torch"] = lambda: torch.nn.functional.mse_loss(at, bt)
        out[2][1]["torch"] = mse_fb_torch
    return out
