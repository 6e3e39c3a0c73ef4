"""Margin, embedding and likelihood losses (margin_ranking, hinge_embedding,
cosine_embedding, soft_margin, multilabel_soft_margin, multi_margin, multilabel_margin,
triplet_margin[_with_distance], poisson_nll, gaussian_nll) and ctc_loss, functional and
modules: NumPy reference, float64 gradcheck / gradgradcheck, torch parity (values and
gradients), bad input, thread determinism."""
import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from utils import same_for_threads, tensor, to_np

REDUCTIONS = ["none", "mean", "sum"]


def rng(seed=0):
    return np.random.default_rng(seed)


def reduce_np(l, reduction):
    return {"none": l, "mean": l.mean(), "sum": l.sum()}[reduction]


def _sign(shape, r):
    return np.where(r.uniform(size=shape) < 0.5, -1.0, 1.0)


# Each case: make(seed) -> (float arrays that get gradients, constant arrays),
# numpy(*arrays, **kw) -> per-sample loss, and the functional name + kwargs.
def _mk_ranking(r):
    return [r.standard_normal(6), r.standard_normal(6)], [_sign(6, r)]


def _np_ranking(a, b, y, margin=0.0):
    return np.maximum(0, -y * (a - b) + margin)


def _mk_hinge(r):
    return [r.standard_normal((3, 4))], [_sign((3, 4), r)]


def _np_hinge(x, y, margin=1.0):
    return np.where(y == 1, x, np.maximum(0, margin - x))


def _mk_cosine(r):
    return [r.standard_normal((4, 5)), r.standard_normal((4, 5))], [_sign(4, r)]


def _np_cosine(a, b, y, margin=0.0):
    cos = (a * b).sum(1) / np.sqrt(((a * a).sum(1) + 1e-12) * ((b * b).sum(1) + 1e-12))
    return np.where(y == 1, 1 - cos, np.maximum(0, cos - margin))


def _mk_soft(r):
    return [r.standard_normal((3, 4))], [_sign((3, 4), r)]


def _np_soft(x, y):
    return np.log1p(np.exp(-y * x))


def _mk_mlsoft(r):
    return [r.standard_normal((3, 5))], [(r.uniform(size=(3, 5)) < 0.5).astype(np.float64)]


def _np_mlsoft(x, t):
    ls = lambda z: -np.log1p(np.exp(-z))  # noqa: E731
    return (-(t * ls(x) + (1 - t) * ls(-x))).mean(-1)


def _mk_multi(r):
    return [r.standard_normal((4, 5))], [r.integers(0, 5, 4)]


def _np_multi(x, y, p=1, margin=1.0):
    out = []
    for xi, yi in zip(x, y):
        z = np.maximum(0, margin - xi[yi] + xi) ** p
        z[yi] = 0
        out.append(z.sum() / x.shape[1])
    return np.array(out)


def _mk_mlmargin(r):
    t = np.full((3, 5), -1, dtype=np.int64)
    t[0, :2] = [3, 0]
    t[1, :1] = [4]
    t[2, :3] = [1, 2, 1]  # a repeated target counts twice, like PyTorch
    t[2, 4] = 3  # after the first -1: ignored
    return [r.standard_normal((3, 5))], [t]


def _np_mlmargin(x, t):
    out = []
    for xi, ti in zip(x, t):
        ys = []
        for k in ti:
            if k == -1:
                break
            ys.append(k)
        s = 0.0
        for yj in ys:
            for i in range(len(xi)):
                if i not in ys:
                    s += max(0.0, 1 - (xi[yj] - xi[i]))
        out.append(s / len(xi))
    return np.array(out)


def _mk_triplet(r):
    return [r.standard_normal((4, 3)) for _ in range(3)], []


def _np_triplet(a, p, n, margin=1.0, eps=1e-6, swap=False):
    d = lambda u, v: np.sqrt(((u - v + eps) ** 2).sum(-1))  # noqa: E731
    dn = d(a, n)
    if swap:
        dn = np.minimum(dn, d(p, n))
    return np.maximum(0, d(a, p) - dn + margin)


def _mk_poisson(r):
    return [r.standard_normal((3, 4))], [r.uniform(0, 4, (3, 4))]


def _np_poisson(x, t, log_input=True, full=False, eps=1e-8):
    l = np.exp(x) - t * x if log_input else x - t * np.log(x + eps)
    if full:
        st = t * np.log(np.where(t > 1, t, 2)) - t + 0.5 * np.log(2 * np.pi * np.where(t > 1, t, 2))
        l = l + np.where(t > 1, st, 0)
    return l


def _mk_gauss(r):
    return [r.standard_normal((3, 4)), r.standard_normal((3, 4)), r.uniform(0.1, 2, (3, 4))], []


def _np_gauss(x, t, v, full=False, eps=1e-6):
    v = np.maximum(v, eps)
    l = 0.5 * (np.log(v) + (x - t) ** 2 / v)
    return l + 0.5 * np.log(2 * np.pi) if full else l


CASES = {
    "margin_ranking_loss": (_mk_ranking, _np_ranking, [{}, {"margin": 0.5}]),
    "hinge_embedding_loss": (_mk_hinge, _np_hinge, [{}, {"margin": 0.3}]),
    "cosine_embedding_loss": (_mk_cosine, _np_cosine, [{}, {"margin": 0.2}]),
    "soft_margin_loss": (_mk_soft, _np_soft, [{}]),
    "multilabel_soft_margin_loss": (_mk_mlsoft, _np_mlsoft, [{}]),
    "multi_margin_loss": (_mk_multi, _np_multi, [{}, {"p": 2, "margin": 0.7}]),
    "multilabel_margin_loss": (_mk_mlmargin, _np_mlmargin, [{}]),
    "triplet_margin_loss": (_mk_triplet, _np_triplet, [{}, {"margin": 2.0, "swap": True}]),
    "poisson_nll_loss": (_mk_poisson, _np_poisson, [{}, {"full": True}]),
    "gaussian_nll_loss": (_mk_gauss, _np_gauss, [{}, {"full": True}]),
}
PARAMS = [(n, kw) for n, (_, _, kws) in CASES.items() for kw in kws]


def _inputs(name, seed=0, requires_grad=True, dtype=np.float64):
    diff, const = CASES[name][0](rng(seed))
    d = [tensor(a.astype(dtype), requires_grad) for a in diff]
    c = [tensor(a.astype(dtype) if a.dtype.kind == "f" else a) for a in const]
    return diff, const, d, c


@pytest.mark.parametrize("name,kw", PARAMS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_forward_numpy(name, kw, reduction):
    diff, const, d, c = _inputs(name, requires_grad=False)
    out = getattr(F, name)(*d, *c, reduction=reduction, **kw)
    ref = reduce_np(CASES[name][1](*diff, *const, **kw), reduction)
    np.testing.assert_allclose(to_np(out), ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,kw", PARAMS)
@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_gradcheck(name, kw, reduction):
    _, _, d, c = _inputs(name, seed=1)
    fn = getattr(F, name)
    assert ember.autograd.gradcheck(lambda *a: fn(*a, *c, reduction=reduction, **kw), d)


@pytest.mark.parametrize("name", ["margin_ranking_loss", "cosine_embedding_loss",
                                  "soft_margin_loss", "multi_margin_loss", "triplet_margin_loss",
                                  "poisson_nll_loss", "gaussian_nll_loss"])
def test_gradgradcheck(name):
    _, _, d, c = _inputs(name, seed=2)
    kw = {"p": 2} if name == "multi_margin_loss" else {}
    fn = getattr(F, name)
    assert ember.autograd.gradgradcheck(lambda *a: fn(*a, *c, reduction="sum", **kw), d)


def _torch_args(torch, name, diff, const):
    td = [torch.tensor(a, requires_grad=True) for a in diff]
    tc = [torch.tensor(a) for a in const]
    return td, tc


@pytest.mark.parametrize("name,kw", PARAMS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_torch_parity(name, kw, reduction, dtype):
    torch = pytest.importorskip("torch")
    diff, const, d, c = _inputs(name, seed=3, dtype=dtype)
    diff = [a.astype(dtype) for a in diff]
    const = [a.astype(dtype) if a.dtype.kind == "f" else a for a in const]
    out = getattr(F, name)(*d, *c, reduction=reduction, **kw)
    td, tc = _torch_args(torch, name, diff, const)
    tout = getattr(torch.nn.functional, name)(*td, *tc, reduction=reduction, **kw)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_np(out), tout.detach().numpy(), **tol)
    g = rng(4).standard_normal(tout.shape).astype(dtype)
    out.backward(tensor(g))
    tout.backward(torch.tensor(g))
    for e, t in zip(d, td):
        np.testing.assert_allclose(to_np(e.grad), t.grad.numpy(), **tol)


def test_weights_parity():
    torch = pytest.importorskip("torch")
    r = rng(5)
    x, y = r.standard_normal((4, 5)), r.integers(0, 5, 4)
    t = (r.uniform(size=(4, 5)) < 0.5).astype(np.float64)
    w = r.uniform(0.5, 2, 5)
    for p in (1, 2):
        e = F.multi_margin_loss(tensor(x), tensor(y), p=p, weight=tensor(w), reduction="none")
        tt = torch.nn.functional.multi_margin_loss(torch.tensor(x), torch.tensor(y), p=p,
                                                   weight=torch.tensor(w), reduction="none")
        np.testing.assert_allclose(to_np(e), tt.numpy(), rtol=1e-12)
    e = F.multilabel_soft_margin_loss(tensor(x), tensor(t), weight=tensor(w), reduction="none")
    tt = torch.nn.functional.multilabel_soft_margin_loss(torch.tensor(x), torch.tensor(t),
                                                         weight=torch.tensor(w), reduction="none")
    np.testing.assert_allclose(to_np(e), tt.numpy(), rtol=1e-12)
    xe = tensor(x, requires_grad=True)
    assert ember.autograd.gradcheck(
        lambda a: F.multi_margin_loss(a, tensor(y), p=2, weight=tensor(w)), [xe])


def test_unbatched_and_options_parity():
    torch = pytest.importorskip("torch")
    r = rng(6)
    x, y = r.standard_normal(5), np.array(2)
    np.testing.assert_allclose(
        to_np(F.multi_margin_loss(tensor(x), tensor(y))),
        torch.nn.functional.multi_margin_loss(torch.tensor(x)[None], torch.tensor(y)[None]).numpy(),
        rtol=1e-12)
    a, b = r.standard_normal(5), r.standard_normal(5)
    np.testing.assert_allclose(
        to_np(F.cosine_embedding_loss(tensor(a), tensor(b), tensor(np.array(-1.0)), margin=-0.5)),
        torch.nn.functional.cosine_embedding_loss(torch.tensor(a), torch.tensor(b),
                                                  torch.tensor(-1.0), margin=-0.5).numpy(),
        rtol=1e-12)
    xp, t = r.uniform(0.1, 3, (3, 4)), r.uniform(0, 4, (3, 4))
    for full in (False, True):
        np.testing.assert_allclose(
            to_np(F.poisson_nll_loss(tensor(xp), tensor(t), log_input=False, full=full)),
            torch.nn.functional.poisson_nll_loss(torch.tensor(xp), torch.tensor(t),
                                                 log_input=False, full=full).numpy(),
            rtol=1e-12)
    # gaussian_nll_loss: var without the last dim / with last dim 1 (homoscedastic), var < eps
    x, t = r.standard_normal((3, 4)), r.standard_normal((3, 4))
    for v in (r.uniform(0.1, 2, 3), r.uniform(0.1, 2, (3, 1)), np.full((3, 4), 1e-9)):
        ve, vt = tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)
        e = F.gaussian_nll_loss(tensor(x), tensor(t), ve)
        tt = torch.nn.functional.gaussian_nll_loss(torch.tensor(x), torch.tensor(t), vt)
        np.testing.assert_allclose(to_np(e), tt.detach().numpy(), rtol=1e-10)
        e.backward()
        tt.backward()
        np.testing.assert_allclose(to_np(ve.grad), vt.grad.numpy(), rtol=1e-10)


def test_int_targets_and_module_forms():
    r = rng(7)
    a, b = r.standard_normal(6), r.standard_normal(6)
    y = _sign(6, r)
    f = F.margin_ranking_loss(tensor(a), tensor(b), tensor(y))
    i = F.margin_ranking_loss(tensor(a), tensor(b), tensor(y.astype(np.int64)))
    assert to_np(f) == to_np(i)
    m = nn.MarginRankingLoss(margin=0.0, reduction="sum")
    np.testing.assert_allclose(to_np(m(tensor(a), tensor(b), tensor(y))),
                               _np_ranking(a, b, y).sum(), rtol=1e-12)
    assert repr(m) == "MarginRankingLoss()"


MODULES = [
    ("MarginRankingLoss", {"margin": 0.2}, "margin_ranking_loss"),
    ("HingeEmbeddingLoss", {"margin": 0.5}, "hinge_embedding_loss"),
    ("CosineEmbeddingLoss", {"margin": 0.1}, "cosine_embedding_loss"),
    ("SoftMarginLoss", {}, "soft_margin_loss"),
    ("MultiLabelSoftMarginLoss", {}, "multilabel_soft_margin_loss"),
    ("MultiMarginLoss", {"p": 2, "margin": 0.5}, "multi_margin_loss"),
    ("MultiLabelMarginLoss", {}, "multilabel_margin_loss"),
    ("TripletMarginLoss", {"margin": 0.5, "swap": True}, "triplet_margin_loss"),
    ("PoissonNLLLoss", {"full": True}, "poisson_nll_loss"),
    ("GaussianNLLLoss", {"full": True}, "gaussian_nll_loss"),
]


@pytest.mark.parametrize("cls,kw,fname", MODULES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_module_torch_parity(cls, kw, fname, reduction):
    torch = pytest.importorskip("torch")
    diff, const, d, c = _inputs(fname, seed=8)
    m = getattr(nn, cls)(**kw, reduction=reduction)
    tm = getattr(torch.nn, cls)(**kw, reduction=reduction)
    m.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    td, tc = _torch_args(torch, fname, diff, const)
    np.testing.assert_allclose(to_np(m(*d, *c)), tm(*td, *tc).detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    assert repr(m) == repr(tm)


def test_weighted_module_state_dict():
    torch = pytest.importorskip("torch")
    w = torch.tensor([0.5, 1.0, 2.0, 1.5, 0.7], dtype=torch.float64)
    for cls in ("MultiMarginLoss", "MultiLabelSoftMarginLoss"):
        tm = getattr(torch.nn, cls)(weight=w)
        m = getattr(nn, cls)(weight=tensor(np.ones(5)))
        m.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
        assert set(m.state_dict()) == {"weight"}
        np.testing.assert_array_equal(to_np(m.weight), w.numpy())


def test_triplet_with_distance():
    torch = pytest.importorskip("torch")
    diff, _, d, _ = _inputs("triplet_margin_loss", seed=9)
    td = [torch.tensor(a, requires_grad=True) for a in diff]
    for swap in (False, True):
        out = F.triplet_margin_with_distance_loss(*d, swap=swap, margin=0.5)
        tout = torch.nn.functional.triplet_margin_with_distance_loss(*td, swap=swap, margin=0.5)
        np.testing.assert_allclose(to_np(out), tout.detach().numpy(), rtol=1e-12)
    cos_dist = lambda a, b: 1.0 - F.cosine_similarity(a, b)  # noqa: E731
    tcos = lambda a, b: 1.0 - torch.nn.functional.cosine_similarity(a, b)  # noqa: E731
    m = nn.TripletMarginWithDistanceLoss(distance_function=cos_dist, reduction="sum")
    tm = torch.nn.TripletMarginWithDistanceLoss(distance_function=tcos, reduction="sum")
    out, tout = m(*d), tm(*td)
    np.testing.assert_allclose(to_np(out), tout.detach().numpy(), rtol=1e-12)
    out.backward()
    tout.backward()
    for e, t in zip(d, td):
        np.testing.assert_allclose(to_np(e.grad), t.grad.numpy(), rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match=r"\[triplet_margin_with_distance_loss\] expected margin"):
        F.triplet_margin_with_distance_loss(*d, margin=0.0)


def test_bad_input():
    x = tensor(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"\[margin_ranking_loss\] expected input2"):
        F.margin_ranking_loss(x, tensor(np.zeros(3)), x)
    with pytest.raises(TypeError, match=r"\[hinge_embedding_loss\] expected target of dtype"):
        F.hinge_embedding_loss(x, tensor(np.zeros((3, 4), dtype=bool)))
    with pytest.raises(ValueError, match=r"\[cosine_embedding_loss\] expected target of shape"):
        F.cosine_embedding_loss(x, x, tensor(np.ones(4)))
    with pytest.raises(IndexError, match=r"\[multi_margin_loss\] target 7 is out of bounds"):
        F.multi_margin_loss(x, tensor(np.array([0, 7, 1])))
    with pytest.raises(ValueError, match=r"\[multi_margin_loss\] only p == 1 and p == 2"):
        F.multi_margin_loss(x, tensor(np.array([0, 1, 1])), p=3)
    with pytest.raises(IndexError, match=r"\[multilabel_margin_loss\] target 9 is out of bounds"):
        F.multilabel_margin_loss(x, tensor(np.full((3, 4), 9)))
    with pytest.raises(ValueError, match=r"\[soft_margin_loss\] expected target of the input"):
        F.soft_margin_loss(x, tensor(np.zeros(4)))
    with pytest.raises(ValueError, match=r"\[gaussian_nll_loss\] var has negative entry"):
        F.gaussian_nll_loss(x, x, tensor(-np.ones((3, 4))))
    with pytest.raises(ValueError, match=r"\[gaussian_nll_loss\] expected var of the input's shape"):
        F.gaussian_nll_loss(x, x, tensor(np.ones((2, 4))))
    with pytest.raises(ValueError, match=r"\[triplet_margin_loss\] expected margin > 0"):
        F.triplet_margin_loss(x, x, x, margin=0.0)
    with pytest.raises(ValueError, match=r"\[poisson_nll_loss\] reduction must be"):
        F.poisson_nll_loss(x, x, reduction="avg")
    with pytest.raises(ValueError, match=r"\[soft_margin_loss\] reduction must be"):
        nn.SoftMarginLoss(reduction="bad")(x, x)


def test_threads_deterministic():
    x = tensor(rng(10).standard_normal((64, 300)).astype(np.float32))
    y = tensor(rng(11).integers(0, 300, 64))
    same_for_threads(lambda: F.multi_margin_loss(x, y))
    t = tensor((rng(12).uniform(size=(64, 300)) < 0.5).astype(np.float32))
    same_for_threads(lambda: F.multilabel_soft_margin_loss(x, t))
