"""Elementwise benchmarks: large contiguous float32 add/gelu (memory and compute bound),
broadcast add, tiny add (per-call overhead), exp/sigmoid and an in-place add."""
import numpy as np

import ember


def cases():
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        torch = F = None
    rng = np.random.default_rng(0)
    out = []

    def pair(*shapes):
        arrs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
        e = [ember.from_numpy(a) for a in arrs]
        t = [torch.from_numpy(a.copy()) for a in arrs] if torch else None
        return arrs, e, t

    for n, label in [(1 << 20, "1M"), (1 << 24, "16M")]:
        arrs, (ea, eb), t = pair((n,), (n,))
        ta, tb = t if t else (None, None)
        out.append((f"add {label} float32", {
            "ember": lambda ea=ea, eb=eb: ea + eb,
            "torch": (lambda ta=ta, tb=tb: ta + tb) if torch else None,
            "numpy": lambda a=arrs[0], b=arrs[1]: a + b,
        }))
        out.append((f"gelu {label} float32", {
            "ember": lambda ea=ea: ember.gelu(ea),
            "torch": (lambda ta=ta: F.gelu(ta)) if torch else None,
            "numpy": None,
        }))
    arrs, (ea,), t = pair((1 << 20,))
    ta = t[0] if t else None
    out.append(("exp 1M float32", {"ember": lambda ea=ea: ember.exp(ea),
                                    "torch": (lambda ta=ta: torch.exp(ta)) if torch else None,
                                    "numpy": lambda a=arrs[0]: np.exp(a)}))
    out.append(("sigmoid 1M float32", {"ember": lambda ea=ea: ember.sigmoid(ea),
                                        "torch": (lambda ta=ta: torch.sigmoid(ta)) if torch else None,
                                        "numpy": None}))
    out.append(("add_ in place 1M float32", {"ember": lambda ea=ea: ea.add_(1.0),
                                              "torch": (lambda ta=ta: ta.add_(1.0)) if torch else None,
                                              "numpy": None}))
    arrs, (ea, eb), t = pair((4096, 4096), (4096,))
    out.append(("broadcast add (4096,4096)+(4096,)", {
        "ember": lambda ea=ea, eb=eb: ea + eb,
        "torch": (lambda ta=t[0], tb=t[1]: ta + tb) if torch else None,
        "numpy": lambda a=arrs[0], b=arrs[1]: a + b,
    }))
    arrs, (ea, eb), t = pair((4,), (4,))
    out.append(("tiny add 4 elements", {
        "ember": lambda ea=ea, eb=eb: ea + eb,
        "torch": (lambda ta=t[0], tb=t[1]: ta + tb) if torch else None,
        "numpy": lambda a=arrs[0], b=arrs[1]: a + b,
    }))
    return out
