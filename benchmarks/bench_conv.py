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


def conv_cases():
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


def _cnn(nn, seed_fn):
    """A small ResNet-free CNN for 32x32 inputs (conv-BN-ReLU blocks, pooling, linear head)."""
    seed_fn(0)
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def extra_cases():
    """batch_norm2d (training), a CNN training step (batch 64, 32x32, SGD momentum)."""
    import ember
    try:
        import torch
    except ImportError:
        torch = None
    rng = np.random.default_rng(1)
    out = []
    x = rng.standard_normal((32, 64, 32, 32)).astype(np.float32)
    g = np.ones(64, np.float32)
    ex, eg, eb = ember.from_numpy(x), ember.from_numpy(g), ember.from_numpy(np.zeros(64, np.float32))
    erm, erv = ember.zeros(64), ember.ones(64)
    exg = ember.from_numpy(x.copy()).requires_grad_()
    egg, ebg = ember.from_numpy(g.copy()).requires_grad_(), ember.zeros(64).requires_grad_()

    def e_bn_fb():
        exg.grad = egg.grad = ebg.grad = None
        ember.nn.functional.batch_norm(exg, erm, erv, egg, ebg, training=True).sum().backward()

    bn_f = {"ember": lambda: ember.nn.functional.batch_norm(ex, erm, erv, eg, eb, training=True),
            "torch": None, "numpy": None}
    bn_fb = {"ember": e_bn_fb, "torch": None, "numpy": None}
    if torch is not None:
        F = torch.nn.functional
        tx, tg, tb = torch.from_numpy(x), torch.from_numpy(g), torch.zeros(64)
        trm, trv = torch.zeros(64), torch.ones(64)
        txg = torch.tensor(x, requires_grad=True)
        tgg, tbg = torch.ones(64, requires_grad=True), torch.zeros(64, requires_grad=True)

        def t_bn_fb():
            txg.grad = tgg.grad = tbg.grad = None
            F.batch_norm(txg, trm, trv, tgg, tbg, training=True).sum().backward()

        bn_f["torch"] = lambda: F.batch_norm(tx, trm, trv, tg, tb, training=True)
        bn_fb["torch"] = t_bn_fb
    out.append(("batch_norm2d train N32 C64 32x32 fwd", bn_f))
    out.append(("batch_norm2d train N32 C64 32x32 fwd+bwd", bn_fb))

    xb = rng.standard_normal((64, 3, 32, 32)).astype(np.float32)
    yb = rng.integers(0, 10, 64)
    em = _cnn(ember.nn, ember.manual_seed)
    eopt = ember.optim.SGD(em.parameters(), lr=0.01, momentum=0.9)
    exb, eyb = ember.from_numpy(xb), ember.from_numpy(yb.astype(np.int64))

    def e_step():
        eopt.zero_grad()
        ember.nn.functional.cross_entropy(em(exb), eyb).backward()
        eopt.step()

    step = {"ember": e_step, "torch": None, "numpy": None}
    if torch is not None:
        tm = _cnn(torch.nn, torch.manual_seed)
        topt = torch.optim.SGD(tm.parameters(), lr=0.01, momentum=0.9)
        txb, tyb = torch.from_numpy(xb), torch.from_numpy(yb.astype(np.int64))

        def t_step():
            topt.zero_grad()
            torch.nn.functional.cross_entropy(tm(txb), tyb).backward()
            topt.step()

        step["torch"] = t_step
    out.append(("cnn train step N64 3x32x32 (3 conv-bn-relu, sgd momentum)", step))
    out.append(digits_step_case(ember, torch, rng))
    return out


def _digits_cnn(nn, seed_fn):
    """examples/digits_cnn.py's model (8x8 inputs: 3x3 convs on 8x8 and 4x4 maps)."""
    seed_fn(0)
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.25), nn.Linear(64 * 2 * 2, 10))


def digits_step_case(ember, torch, rng):
    """One training step of the digits CNN (batch 64, Adam), as examples/digits_cnn.py."""
    xb = rng.random((64, 1, 8, 8)).astype(np.float32)
    yb = rng.integers(0, 10, 64).astype(np.int64)
    em = _digits_cnn(ember.nn, ember.manual_seed)
    eopt = ember.optim.Adam(em.parameters(), lr=3e-3)
    exb, eyb = ember.from_numpy(xb), ember.from_numpy(yb)

    def e_step():
        eopt.zero_grad()
        ember.nn.functional.cross_entropy(em(exb), eyb).backward()
        eopt.step()

    fns = {"ember": e_step, "torch": None, "numpy": None}
    if torch is not None:
        tm = _digits_cnn(torch.nn, torch.manual_seed)
        topt = torch.optim.Adam(tm.parameters(), lr=3e-3)
        txb, tyb = torch.from_numpy(xb), torch.from_numpy(yb)

        def t_step():
            topt.zero_grad()
            torch.nn.functional.cross_entropy(tm(txb), tyb).backward()
            topt.step()

        fns["torch"] = t_step
    return ("digits cnn train step N64 1x8x8 (examples/digits_cnn.py, adam)", fns)


def cases():
    """The conv shapes, then batch norm and the CNN training step."""
    return conv_cases() + extra_cases()
