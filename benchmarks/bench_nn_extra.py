"""Layers of the nn-extra set, float32: ember vs PyTorch, forward and forward+backward.
F.unfold 3x3 pad 1 on 8x64x28x28, F.fold of its output back, embedding_bag (mode sum and
max) of 16384 indices in 512 bags into a 10000x128 table, local_response_norm (size 5) on
8x64x28x28."""
import numpy as np

import ember


def cases():
    rng = np.random.default_rng(0)
    img = rng.standard_normal((8, 64, 28, 28)).astype(np.float32)
    col = rng.standard_normal((8, 64 * 9, 28 * 28)).astype(np.float32)
    table = rng.standard_normal((10000, 128)).astype(np.float32)
    idx = rng.integers(0, 10000, 16384).astype(np.int64)
    off = np.arange(0, 16384, 32).astype(np.int64)
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        torch = None

    def fwd_bwd(lib, fn, a):
        """Forward and forward+backward callables on the float input a for library lib."""
        mod = ember if lib == "ember" else torch
        if mod is None:
            return None, None
        x = mod.from_numpy(a).requires_grad_()
        g = [None]

        def fb():
            x.grad = None
            y = fn(x)
            if g[0] is None:
                g[0] = mod.ones_like(y)
            y.backward(g[0])

        def f():
            if lib == "ember":
                return fn(x.detach())
            with torch.no_grad():
                return fn(x)
        return f, fb

    EF = ember.nn.functional
    ei, eo = ember.from_numpy(idx), ember.from_numpy(off)
    ti, to = (torch.from_numpy(idx), torch.from_numpy(off)) if torch is not None else (None, None)
    specs = [
        ("unfold 3x3 pad 1 8x64x28x28", img,
         lambda x: EF.unfold(x, 3, padding=1), lambda x: F.unfold(x, 3, padding=1)),
        ("fold 3x3 pad 1 to 8x64x28x28", col,
         lambda x: EF.fold(x, (28, 28), 3, padding=1), lambda x: F.fold(x, (28, 28), 3, padding=1)),
        ("embedding_bag sum 16384 idx / 512 bags, 10000x128", table,
         lambda w: EF.embedding_bag(ei, w, eo, mode="sum"),
         lambda w: F.embedding_bag(ti, w, to, mode="sum")),
        ("embedding_bag max 16384 idx / 512 bags, 10000x128", table,
         lambda w: EF.embedding_bag(ei, w, eo, mode="max"),
         lambda w: F.embedding_bag(ti, w, to, mode="max")),
        ("local_response_norm 5 8x64x28x28", img,
         lambda x: EF.local_response_norm(x, 5), lambda x: F.local_response_norm(x, 5)),
    ]
    out = []
    for name, a, ef, tfn in specs:
        e_f, e_fb = fwd_bwd("ember", ef, a)
        t_f, t_fb = fwd_bwd("torch", tfn, a)
        out.append(("nn_extra " + name + " fwd", {"ember": e_f, "torch": t_f, "numpy": None}))
        out.append(("nn_extra " + name + " fwd+bwd", {"ember": e_fb, "torch": t_fb, "numpy": None}))
    return out
