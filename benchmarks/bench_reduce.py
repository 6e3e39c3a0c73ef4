"""Reductions and the softmax family, float32: ember vs PyTorch vs NumPy on large inputs
(softmax/log_softmax over rows of 4096x4096, sum over all of 16M, sum over dim 0 and 1,
mean/var over the last dim, max over the last dim)."""
import numpy as np

import ember


def cases():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4096, 4096)).astype(np.float32)
    flat = rng.standard_normal(1 << 24).astype(np.float32)
    x, xf = ember.from_numpy(a), ember.from_numpy(flat)
    try:
        import torch
        t, tf = torch.from_numpy(a), torch.from_numpy(flat)
    except ImportError:
        torch = None

    def tf_(f):
        return f if torch is not None else None

    def np_softmax(v):
        e = np.exp(v - v.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)

    return [
        ("reduce softmax 4096x4096 dim=-1", {
            "ember": lambda: ember.softmax(x, -1),
            "torch": tf_(lambda: torch.softmax(t, -1)),
            "numpy": lambda: np_softmax(a)}),
        ("reduce log_softmax 4096x4096 dim=-1", {
            "ember": lambda: ember.log_softmax(x, -1),
            "torch": tf_(lambda: torch.log_softmax(t, -1)),
            "numpy": None}),
        ("reduce sum all 16M", {
            "ember": lambda: ember.sum(xf),
            "torch": tf_(lambda: torch.sum(tf)),
            "numpy": lambda: flat.sum()}),
        ("reduce sum 4096x4096 dim=0", {
            "ember": lambda: ember.sum(x, 0),
            "torch": tf_(lambda: torch.sum(t, 0)),
            "numpy": lambda: a.sum(0)}),
        ("reduce sum 4096x4096 dim=1", {
            "ember": lambda: ember.sum(x, 1),
            "torch": tf_(lambda: torch.sum(t, 1)),
            "numpy": lambda: a.sum(1)}),
        ("reduce mean 4096x4096 dim=-1", {
            "ember": lambda: ember.mean(x, -1),
            "torch": tf_(lambda: torch.mean(t, -1)),
            "numpy": lambda: a.mean(-1)}),
        ("reduce var 4096x4096 dim=-1", {
            "ember": lambda: ember.var(x, -1),
            "torch": tf_(lambda: torch.var(t, -1)),
            "numpy": lambda: a.var(-1, ddof=1)}),
        ("reduce max 4096x4096 dim=-1", {
            "ember": lambda: ember.max(x, -1),
            "torch": tf_(lambda: torch.max(t, -1)),
            "numpy": lambda: (a.max(-1), a.argmax(-1))}),
        ("reduce amax 4096x4096 dim=-1", {
            "ember": lambda: ember.amax(x, -1),
            "torch": tf_(lambda: torch.amax(t, -1)),
            "numpy": lambda: a.max(-1)}),
        ("reduce logsumexp 4096x4096 dim=-1", {
            "ember": lambda: ember.logsumexp(x, -1),
            "torch": tf_(lambda: torch.logsumexp(t, -1)),
            "numpy": None}),
        ("reduce var 4096x4096 dim=0", {
            "ember": lambda: ember.var(x, 0),
            "torch": tf_(lambda: torch.var(t, 0)),
            "numpy": None}),
    ]
