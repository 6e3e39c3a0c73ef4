"""Norms, distances, einsum and cumulative ops, float32: ember vs PyTorch vs NumPy
(vector_norm over 4M elements and over rows of 1024x1024, cdist 512x512x64 through the bmm
form, einsum batched contraction and a 3-operand chain, cumprod / logcumsumexp / cummax
over rows of 1024x1024)."""
import numpy as np

import ember


def cases():
    rng = np.random.default_rng(0)
    flat = rng.standard_normal(1 << 22).astype(np.float32)
    a = rng.standard_normal((1024, 1024)).astype(np.float32)
    p1 = rng.standard_normal((512, 64)).astype(np.float32)
    p2 = rng.standard_normal((512, 64)).astype(np.float32)
    q = rng.standard_normal((16, 128, 64)).astype(np.float32)
    k = rng.standard_normal((16, 128, 64)).astype(np.float32)
    m1, m2, m3 = (rng.standard_normal(s).astype(np.float32) for s in ((256, 128), (128, 256), (256, 64)))
    c = (1 + 0.001 * rng.standard_normal((1024, 1024))).astype(np.float32)
    E = {n: ember.from_numpy(v) for n, v in dict(flat=flat, a=a, p1=p1, p2=p2, q=q, k=k, m1=m1,
                                                  m2=m2, m3=m3, c=c).items()}
    try:
        import torch
        T = {n: torch.from_numpy(v) for n, v in dict(flat=flat, a=a, p1=p1, p2=p2, q=q, k=k, m1=m1,
                                                      m2=m2, m3=m3, c=c).items()}
    except ImportError:
        torch, T = None, None

    def tf(f):
        return f if torch is not None else None

    return [
        ("norms vector_norm 4M", {
            "ember": lambda: ember.linalg.vector_norm(E["flat"]),
            "torch": tf(lambda: torch.linalg.vector_norm(T["flat"])),
            "numpy": lambda: np.linalg.norm(flat)}),
        ("norms vector_norm 1024x1024 dim=-1", {
            "ember": lambda: ember.linalg.vector_norm(E["a"], 2, -1),
            "torch": tf(lambda: torch.linalg.vector_norm(T["a"], 2, -1)),
            "numpy": lambda: np.linalg.norm(a, axis=-1)}),
        ("norms vector_norm 1024x1024 ord=1 dim=0", {
            "ember": lambda: ember.linalg.vector_norm(E["a"], 1, 0),
            "torch": tf(lambda: torch.linalg.vector_norm(T["a"], 1, 0)),
            "numpy": lambda: np.abs(a).sum(0)}),
        ("norms cdist 512x512x64", {
            "ember": lambda: ember.cdist(E["p1"], E["p2"]),
            "torch": tf(lambda: torch.cdist(T["p1"], T["p2"])),
            "numpy": None}),
        ("norms einsum bqd,bkd->bqk 16x128x128x64", {
            "ember": lambda: ember.einsum("bqd,bkd->bqk", E["q"], E["k"]),
            "torch": tf(lambda: torch.einsum("bqd,bkd->bqk", T["q"], T["k"])),
            "numpy": None}),
        ("norms einsum ij,jk,kl->il 256x128x256x64", {
            "ember": lambda: ember.einsum("ij,jk,kl->il", E["m1"], E["m2"], E["m3"]),
            "torch": tf(lambda: torch.einsum("ij,jk,kl->il", T["m1"], T["m2"], T["m3"])),
            "numpy": None}),
        ("norms cumprod 1024x1024 dim=1", {
            "ember": lambda: ember.cumprod(E["c"], 1),
            "torch": tf(lambda: torch.cumprod(T["c"], 1)),
            "numpy": lambda: np.cumprod(c, 1)}),
        ("norms logcumsumexp 1024x1024 dim=1", {
            "ember": lambda: ember.logcumsumexp(E["a"], 1),
            "torch": tf(lambda: torch.logcumsumexp(T["a"], 1)),
            "numpy": None}),
        ("norms cummax 1024x1024 dim=1", {
            "ember": lambda: ember.cummax(E["a"], 1),
            "torch": tf(lambda: torch.cummax(T["a"], 1)),
            "numpy": None}),
    ]
