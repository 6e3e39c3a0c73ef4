"""Views and indexing: per-call overhead of t[0], t[:, 1:3], view; copies of cat, gather,
index_select, advanced getitem."""
import numpy as np

import ember


def cases():
    try:
        import torch
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    a = rng.standard_normal((256, 256)).astype(np.float32)
    big = rng.standard_normal((2048, 1024)).astype(np.float32)
    e, eb = ember.from_numpy(a), ember.from_numpy(big)
    t = torch.from_numpy(a) if torch else None
    tb = torch.from_numpy(big) if torch else None
    rows = rng.integers(0, 2048, size=4096)
    gidx = rng.integers(0, 1024, size=(2048, 256))
    er, eg = ember.from_numpy(rows), ember.from_numpy(gidx)
    tr = torch.from_numpy(rows) if torch else None
    tg = torch.from_numpy(gidx) if torch else None
    out = [
        ("getitem t[0]", {"ember": lambda: e[0], "torch": (lambda: t[0]) if torch else None,
                          "numpy": lambda: a[0]}),
        ("getitem t[:, 1:3]", {"ember": lambda: e[:, 1:3], "torch": (lambda: t[:, 1:3]) if torch else None,
                               "numpy": lambda: a[:, 1:3]}),
        ("getitem t[..., None, 2]", {"ember": lambda: e[..., None, 2],
                                     "torch": (lambda: t[..., None, 2]) if torch else None,
                                     "numpy": lambda: a[..., None, 2]}),
        ("view(-1)", {"ember": lambda: e.view(-1), "torch": (lambda: t.view(-1)) if torch else None,
                      "numpy": lambda: a.reshape(-1)}),
        ("cat 3x(2048,1024) dim1", {"ember": lambda: ember.cat([eb, eb, eb], 1),
                                    "torch": (lambda: torch.cat([tb, tb, tb], 1)) if torch else None,
                                    "numpy": lambda: np.concatenate([big, big, big], 1)}),
        ("index_select rows 4096x1024", {"ember": lambda: ember.index_select(eb, 0, er),
                                         "torch": (lambda: torch.index_select(tb, 0, tr)) if torch else None,
                                         "numpy": lambda: big[rows]}),
        ("getitem big[rows]", {"ember": lambda: eb[er], "torch": (lambda: tb[tr]) if torch else None,
                               "numpy": lambda: big[rows]}),
        ("gather dim1 (2048,256)", {"ember": lambda: ember.gather(eb, 1, eg),
                                    "torch": (lambda: torch.gather(tb, 1, tg)) if torch else None,
                                    "numpy": lambda: np.take_along_axis(big, gidx, 1)}),
    ]
    return out
