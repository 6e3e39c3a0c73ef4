"""Convolutions: ember vs PyTorch (oneDNN) on float32, forward and forward+backward
(backward w.r.t. input, weight and bias). run.py prints times and the torch/ember ratio."""
import numpy as np

# (name, (N, C, H, W), (K, C / groups, kh, kw), stride, padding, groups)
SHAPES = [
    ("conv2d N1 C64 56x56 K64 3x3 p1", (1, 64, 56, 56), (64, 64, 3, 3), 1, 1, 1),
    ("conv2d N8 C64 56x56 K64 3x3 p1", (8, 64, 56, 56), (64, 64, 3, 3), 1, 1, 1),
    ("conv2d N32 C3 32x32 K16 3x3 p1", (32, 3, 32, 32), (16, 3, 3, 3), 1, 1, 1),
    ("conv2d N1 C3 224x224 K64 7x7 s2 p3", (1, 3, 224, 224), (64, 3, 7, 7), 2, 3, 1),
    ("depthwise N8 C128 28x28 3x3 p1", (8, 128, 28, 28), (128, 1, 3, 3), 1, 1, 128),
    ("conv2d 1x1 N8 C256 14x14 K512", (8, 256, 14, 14), (512, 256, 1, 1), 1, 0, 1),
]


def cases():
    import ember
    try:
        import torch
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    out = []
    for name, xs, ws, s, p, g in SHAPES:
        x = rng.standard_normal(xs).astype(np.float32)
        w = (rng.standard_normal(ws) * 0.1).astype(np.float32)
        b = rng.standard_normal(ws[0]).astype(np.float32)
        ex, ew, eb = ember.from_numpy(x), ember.from_numpy(w), ember.from_numpy(b)
        fwd = {"ember": lambda ex=ex, ew=ew, eb=eb, s=s, p=p, g=g: ember.conv2d(ex, ew, eb, s, p, 1, g),
               "torch": None, "numpy": None}
        exg, ewg, ebg = [ember.from_numpy(a.copy()).requires_grad_() for a in (x, w, b)]

        def e_fb(exg=exg, ewg=ewg, ebg=ebg, s=s, p=p, g=g):
            exg.grad = ewg.grad = ebg.grad = None
            ember.conv2d(exg, ewg, ebg, s, p, 1, g).sum().backward()

        fb = {"ember": e_fb, "torch": None, "numpy": None}
        if torch is not None:
            F = torch.nn.functional
            tx, tw, tb = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)
            fwd["torch"] = lambda tx=tx, tw=tw, tb=tb, s=s, p=p, g=g: F.conv2d(tx, tw, tb, s, p, 1, g)
            txg, twg, tbg = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]

            def t_fb(txg=txg, twg=twg, tbg=tbg, s=s, p=p, g=g):
                txg.grad = twg.grad = tbg.grad = None
                F.conv2d(txg, twg, tbg, s, p, 1, g).sum().backward()

            fb["torch"] = t_fb
        out.append((name + " fwd", fwd))
        out.append((name + " fwd+bwd", fb))
    return out
