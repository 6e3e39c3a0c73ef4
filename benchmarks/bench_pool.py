"""Pooling family, float32: ember vs PyTorch, forward and forward+backward. max_pool2d and
avg_pool2d 2x2 on 8x64x56x56, adaptive_avg_pool2d to 1x1 on 8x512x7x7, group_norm (32 groups)
on 8x64x56x56, bilinear interpolate x2 on 8x64x28x28."""
import numpy as np

import ember


def cases():
    rng = np.random.default_rng(0)
    big = rng.standard_normal((8, 64, 56, 56)).astype(np.float32)
    small = rng.standard_normal((8, 512, 7, 7)).astype(np.float32)
    mid = rng.standard_normal((8, 64, 28, 28)).astype(np.float32)
    w = rng.standard_normal(64).astype(np.float32)
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        torch = None

    def fwd_bwd(lib, fn, a, *params):
        """Forward and forward+backward callables on input a for library lib."""
        if lib == "ember":
            x = ember.from_numpy(a).requires_grad_()
            ps = [ember.from_numpy(p).requires_grad_() for p in params]
            g = [None]

            def fb():
                x.grad = None
                y = fn(x, *ps)
                if g[0] is None:
                    g[0] = ember.ones_like(y)
                y.backward(g[0])
            return (lambda: fn(x.detach(), *[p.detach() for p in ps])), fb
        if torch is None:
            return None, None
        x = torch.from_numpy(a).requires_grad_()
        ps = [torch.from_numpy(p).requires_grad_() for p in params]
        g = [None]

        def fb():
            x.grad = None
            y = fn(x, *ps)
            if g[0] is None:
                g[0] = torch.ones_like(y)
            y.backward(g[0])

        def f():
            with torch.no_grad():
                return fn(x, *ps)
        return f, fb

    specs = [
        ("max_pool2d 2x2 8x64x56x56", big, (),
         lambda x: ember.max_pool2d(x, 2), lambda x: F.max_pool2d(x, 2)),
        ("avg_pool2d 2x2 8x64x56x56", big, (),
         lambda x: ember.avg_pool2d(x, 2), lambda x: F.avg_pool2d(x, 2)),
        ("adaptive_avg_pool2d 1x1 8x512x7x7", small, (),
         lambda x: ember.adaptive_avg_pool2d(x, 1), lambda x: F.adaptive_avg_pool2d(x, 1)),
        ("group_norm 32 groups 8x64x56x56", big, (w, w),
         lambda x, a, b: ember.group_norm(x, 32, a, b),
         lambda x, a, b: F.group_norm(x, 32, a, b)),
        ("interpolate bilinear x2 8x64x28x28", mid, (),
         lambda x: ember.interpolate(x, scale_factor=2, mode="bilinear"),
         lambda x: F.interpolate(x, scale_factor=2, mode="bilinear")),
    ]
    out = []
    for name, a, params, ef, tfn in specs:
        e_f, e_fb = fwd_bwd("ember", ef, a, *params)
        t_f, t_fb = fwd_bwd("torch", tfn, a, *params) if torch is not None else (None, None)
        out.append(("pool " + name + " fwd", {"ember": e_f, "torch": t_f, "numpy": None}))
        out.append(("pool " + name + " fwd+bwd", {"ember": e_fb, "torch": t_fb, "numpy": None}))
    return out
