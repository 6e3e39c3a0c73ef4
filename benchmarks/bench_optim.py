"""Optimizer step benchmarks: one Adam / AdamW / SGD-momentum step over 10M float32 params
(in one tensor and in 100 tensors), ember vs torch.optim (foreach=False and torch's default)."""
import numpy as np

import ember
import ember.optim as eo

N = 10_000_000


def _ember_case(cls, kw, sizes):
    rng = np.random.default_rng(0)
    ps = []
    for n in sizes:
        p = ember.from_numpy(rng.standard_normal(n).astype(np.float32)).requires_grad_()
        p.grad = ember.from_numpy(rng.standard_normal(n).astype(np.float32) * 1e-3)
        ps.append(p)
    opt = cls(ps, **kw)
    return opt.step


def _torch_case(torch, cls, kw, sizes, foreach):
    ps = []
    for n in sizes:
        p = torch.randn(n, requires_grad=True)
        p.grad = torch.randn(n) * 1e-3
        ps.append(p)
    opt = cls(ps, foreach=foreach, **kw)
    return opt.step


def cases():
    try:
        import torch
    except ImportError:
        torch = None
    out = []
    configs = [("adam", eo.Adam, "Adam", dict(lr=1e-3)),
               ("adamw", eo.AdamW, "AdamW", dict(lr=1e-3)),
               ("sgd_momentum", eo.SGD, "SGD", dict(lr=1e-2, momentum=0.9))]
    layouts = [("1x10M", [N]), ("100x100k", [N // 100] * 100)]
    for name, ecls, tname, kw in configs:
        for lname, sizes in layouts:
            tcls = getattr(torch.optim, tname) if torch else None
            for foreach, tag in [(False, "foreach=False"), (None, "torch default")]:
                if tag == "torch default" and name != "adam":
                    continue
                out.append((f"optim {name} step {lname} ({tag})", {
                    "ember": _ember_case(ecls, kw, sizes),
                    "torch": _torch_case(torch, tcls, kw, sizes, foreach) if torch else None,
                    "numpy": None}))
    return out
