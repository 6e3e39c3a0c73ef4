"""Factories and random fills: ember vs PyTorch vs NumPy (same sizes, default dtypes)."""
import numpy as np

import ember


def cases():
    try:
        import torch
    except ImportError:
        torch = None
    n = 1 << 20
    rng = np.random.default_rng(0)
    data = rng.standard_normal(10_000).tolist()
    t = ember.zeros(n)
    tt = torch.zeros(n) if torch else None
    return [
        ("randn 1M f32", {"ember": lambda: ember.randn(n), "torch": torch and (lambda: torch.randn(n)),
                          "numpy": lambda: rng.standard_normal(n, dtype=np.float32)}),
        ("rand 1M f32", {"ember": lambda: ember.rand(n), "torch": torch and (lambda: torch.rand(n)),
                         "numpy": lambda: rng.random(n, dtype=np.float32)}),
        ("normal_ 1M f32", {"ember": lambda: t.normal_(), "torch": torch and (lambda: tt.normal_()),
                            "numpy": None}),
        ("randint 1M", {"ember": lambda: ember.randint(0, 1000, (n,)),
                        "torch": torch and (lambda: torch.randint(0, 1000, (n,))),
                        "numpy": lambda: rng.integers(0, 1000, n)}),
        ("zeros 4M f32", {"ember": lambda: ember.zeros(4 * n), "torch": torch and (lambda: torch.zeros(4 * n)),
                          "numpy": lambda: np.zeros(4 * n, np.float32)}),
        ("arange 1M f32", {"ember": lambda: ember.arange(float(n)),
                           "torch": torch and (lambda: torch.arange(float(n))),
                           "numpy": lambda: np.arange(n, dtype=np.float32)}),
        ("tensor(list 10k)", {"ember": lambda: ember.tensor(data), "torch": torch and (lambda: torch.tensor(data)),
                              "numpy": lambda: np.array(data, np.float32)}),
        ("randperm 100k", {"ember": lambda: ember.randperm(100_000),
                           "torch": torch and (lambda: torch.randperm(100_000)),
                           "numpy": lambda: rng.permutation(100_000)}),
    ]
