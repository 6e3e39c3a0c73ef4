"""Pointwise activations (ops/activation_more.h, fused kernel cpu/activation.h) vs PyTorch,
float32, 1M elements: forward, and forward+backward for a few. run.py prints times and
torch/ember ratios."""
import numpy as np

N = 1 << 20
FORWARD = ["relu6", "hardtanh", "hardsigmoid", "hardswish", "mish", "selu", "celu", "elu",
           "leaky_relu", "logsigmoid", "softsign", "tanhshrink", "hardshrink", "softshrink"]
BACKWARD = ["hardswish", "mish", "selu"]


def cases():
    import ember
    import ember.nn.functional as F
    try:
        import torch
        TF = torch.nn.functional
    except ImportError:
        torch = None
    x = (np.random.default_rng(0).standard_normal(N) * 3).astype(np.float32)
    e = ember.from_numpy(x)
    t = torch.from_numpy(x) if torch else None
    out = []
    for name in FORWARD:
        ef = getattr(F, name)
        tf = getattr(TF, name) if torch else None
        out.append((f"{name} fwd 1M", {"ember": lambda ef=ef: ef(e),
                                       "torch": (lambda tf=tf: tf(t)) if torch else None,
                                       "numpy": None}))
    for name in BACKWARD:
        ef = getattr(F, name)
        tf = getattr(TF, name) if torch else None

        def eb(ef=ef):
            a = ember.from_numpy(x).requires_grad_()
            ef(a).sum().backward()

        def tb(tf=tf):
            a = torch.from_numpy(x).requires_grad_()
            tf(a).sum().backward()
        out.append((f"{name} fwd+bwd 1M", {"ember": eb, "torch": tb if torch else None,
                                           "numpy": None}))
    return out
