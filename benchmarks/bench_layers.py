"""Layers and the ops they added (leaky_relu, elu, bilinear): ember vs PyTorch, float32."""
import numpy as np

import ember


def cases():
    try:
        import torch
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1 << 20,)).astype(np.float32)
    ex = ember.from_numpy(x)
    tx = torch.from_numpy(x) if torch else None
    a = rng.standard_normal((256, 64)).astype(np.float32)
    b = rng.standard_normal((256, 48)).astype(np.float32)
    w = rng.standard_normal((32, 64, 48)).astype(np.float32)
    E = ember.from_numpy
    lin, tlin = ember.nn.Linear(512, 512), torch and torch.nn.Linear(512, 512)
    xl = rng.standard_normal((256, 512)).astype(np.float32)
    bn, tbn = ember.nn.BatchNorm2d(32), torch and torch.nn.BatchNorm2d(32)
    xb = rng.standard_normal((16, 32, 28, 28)).astype(np.float32)
    T = torch.from_numpy if torch else None
    return [
        ("leaky_relu 1M", {"ember": lambda: ember.leaky_relu(ex, 0.1),
                           "torch": torch and (lambda: torch.nn.functional.leaky_relu(tx, 0.1)),
                           "numpy": lambda: np.where(x > 0, x, 0.1 * x)}),
        ("elu 1M", {"ember": lambda: ember.elu(ex),
                    "torch": torch and (lambda: torch.nn.functional.elu(tx)),
                    "numpy": lambda: np.where(x > 0, x, np.expm1(x))}),
        ("bilinear 256x(64,48)->32", {
            "ember": lambda: ember.bilinear(E(a), E(b), E(w)),
            "torch": torch and (lambda: torch.nn.functional.bilinear(T(a), T(b), T(w))),
            "numpy": None}),
        ("Linear 256x512->512", {"ember": lambda: lin(E(xl)),
                                 "torch": torch and (lambda: tlin(T(xl))), "numpy": None}),
        ("BatchNorm2d train 16x32x28x28", {"ember": lambda: bn(E(xb)),
                                           "torch": torch and (lambda: tbn(T(xb))), "numpy": None}),
    ]
