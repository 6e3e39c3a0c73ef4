"""Regression, binary and divergence losses (mse_loss, l1_loss, smooth_l1_loss, huber_loss,
binary_cross_entropy[_with_logits], kl_div) and every loss module: NumPy reference,
gradcheck, torch parity (forward, input and target gradients), extremes, bad input,
thread determinism."""
import numpy as np
import pytest

import ember
from utils import same_for_threads, tensor, to_np


def rng(seed=0):
    return np.random.default_rng(seed)


def log_softmax(a):
    m = a.max(axis=-1, keepdims=True)
    return a - m - np.log(np.exp(a - m).sum(axis=-1, keepdims=True))


# name -> (make inputs (x, t) as float64 arrays, NumPy pointwise reference(x, t, **kw))
def _pair_normal(shape, seed):
    r = rng(seed)
    return r.standard_normal(shape), r.standard_normal(shape)


def _pair_prob(shape, seed):
    r = rng(seed)
    return r.uniform(0.05, 0.95, shape), r.uniform(0, 1, shape)


def _pair_logits(shape, seed):
    r = rng(seed)
    return 2 * r.standard_normal(shape), r.uniform(0, 1, shape)


def _pair_kl(shape, seed):
    r = rng(seed)
    return log_softmax(r.standard_normal(shape)), np.exp(log_softmax(r.standard_normal(shape)))


def _smooth(x, t, beta=1.0):
    d = np.abs(x - t)
    return np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta)


def _huber(x, t, delta=1.0):
    d = np.abs(x - t)
    return np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta))


def _bce(x, t):
    return -(t * np.maximum(np.log(x), -100) + (1 - t) * np.maximum(np.log1p(-x), -100))


def _bce_logits(x, t, pos_weight=None):
    sp = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)
    lw = 1 if pos_weight is None else 1 + (pos_weight - 1) * t
    return (1 - t) * x + lw * sp


def _kl(x, t, log_target=False):
    if log_target:
        return np.exp(t) * (t - x)
    return np.where(t > 0, t * np.log(np.where(t > 0, t, 1)), 0) - t * x


LOSSES = {
    "mse_loss": (_pair_normal, lambda x, t: (x - t) ** 2),
    "l1_loss": (_pair_normal, lambda x, t: np.abs(x - t)),
    "smooth_l1_loss": (_pair_normal, _smooth),
    "huber_loss": (_pair_normal, _huber),
    "binary_cross_entropy": (_pair_prob, _bce),
    "binary_cross_entropy_with_logits": (_pair_logits, _bce_logits),
    "kl_div": (_pair_kl, _kl),
}
OPTIONS = {  # extra keyword arguments tested per loss (besides the defaults)
    "smooth_l1_loss": [{"beta": 0.5}, {"beta": 0.0}],
    "huber_loss": [{"delta": 0.7}],
    "kl_div": [{"log_target": True}],
    "binary_cross_entropy_with_logits": [{"pos_weight": "vec"}],
}
REDUCTIONS = ["none", "mean", "sum"]


def cases():
    for name in LOSSES:
        for kw in [{}] + OPTIONS.get(name, []):
            yield name, kw


def cases_red():
    for name, kw in cases():
        for r in REDUCTIONS + (["batchmean"] if name == "kl_div" else []):
            if not (kw.get("beta") == 0.0 and r != "mean"):
                yield name, kw, r


def ember_kw(kw, n_last, dtype=np.float64):
    out = dict(kw)
    if out.get("pos_weight") == "vec":
        out["pos_weight"] = tensor(np.linspace(0.5, 2.0, n_last).astype(dtype))
    return out


def np_kw(kw, n_last):
    out = dict(kw)
    if out.get("pos_weight") == "vec":
        out["pos_weight"] = np.linspace(0.5, 2.0, n_last)
    if out.get("beta") == 0.0:
        out["beta"] = 1e-300  # the limit: L1
    return out


def reduce_np(v, reduction):
    return {"none": v, "mean": v.mean(), "sum": v.sum()}[reduction]


@pytest.mark.parametrize("name,kw", list(cases()))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_forward_numpy(name, kw, reduction):
    make, ref = LOSSES[name]
    x, t = make((4, 5), 1)
    got = getattr(ember, name)(tensor(x), tensor(t), reduction=reduction, **ember_kw(kw, 5))
    want = reduce_np(ref(x, t, **np_kw(kw, 5)), reduction)
    np.testing.assert_allclose(to_np(got), want, rtol=1e-12, atol=1e-14)
    # float32 too
    got32 = getattr(ember, name)(tensor(x.astype(np.float32)), tensor(t.astype(np.float32)),
                                 reduction=reduction, **ember_kw(kw, 5, np.float32))
    assert got32.dtype == ember.float32
    np.testing.assert_allclose(to_np(got32), want, rtol=2e-5, atol=1e-6)


def test_kl_div_batchmean_and_zero_target():
    x, t = _pair_kl((3, 4), 2)
    t[0, 1] = 0.0  # xlogy: contributes 0, not NaN
    got = ember.kl_div(tensor(x), tensor(t), reduction="batchmean")
    np.testing.assert_allclose(to_np(got), _kl(x, t).sum() / 3, rtol=1e-12)
    assert np.isfinite(to_np(got))


@pytest.mark.parametrize("name,kw,reduction", list(cases_red()))
def test_gradcheck(name, kw, reduction):
    make, _ = LOSSES[name]
    x, t = make((3, 4), 3)
    xe = tensor(x, requires_grad=True)
    te = tensor(t, requires_grad=True)
    ekw = ember_kw(kw, 4)
    fn = getattr(ember, name)
    assert ember.autograd.gradcheck(lambda a, b: fn(a, b, reduction=reduction, **ekw), [xe, te])


def test_gradcheck_weights():
    x, t = _pair_prob((3, 4), 4)
    w = tensor(rng(5).uniform(0.5, 2, (4,)), requires_grad=True)
    assert ember.autograd.gradcheck(
        lambda a, w: ember.binary_cross_entropy(a, tensor(t), w), [tensor(x, True), w])
    xl, tl = _pair_logits((3, 4), 6)
    p = tensor(rng(7).uniform(0.5, 2, (4,)), requires_grad=True)
    assert ember.autograd.gradcheck(
        lambda a, w, p: ember.binary_cross_entropy_with_logits(a, tensor(tl), w, pos_weight=p,
                                                               reduction="sum"),
        [tensor(xl, True), w, p])


def test_double_backward_mse():
    x = tensor(rng(8).standard_normal(6), requires_grad=True)
    t = tensor(rng(9).standard_normal(6))
    (g,) = ember.autograd.grad(ember.mse_loss(x, t), [x], create_graph=True)
    (gg,) = ember.autograd.grad(g.sum(), [x])
    np.testing.assert_allclose(to_np(gg), np.full(6, 2 / 6), rtol=1e-12)


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("name,kw,reduction", list(cases_red()))
def test_torch_parity(name, kw, reduction):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    make, _ = LOSSES[name]
    x, t = make((4, 6), 10)
    g = rng(11).standard_normal((4, 6)) if reduction == "none" else np.array(1.7)
    tkw = dict(kw)
    if tkw.get("pos_weight") == "vec":
        tkw["pos_weight"] = torch.from_numpy(np.linspace(0.5, 2.0, 6))
    xt = torch.from_numpy(x).requires_grad_()
    tt = torch.from_numpy(t).requires_grad_()
    out_t = getattr(F, name)(xt, tt, reduction=reduction, **tkw)
    out_t.backward(torch.from_numpy(g))
    xe, te = tensor(x, True), tensor(t, True)
    out_e = getattr(ember, name)(xe, te, reduction=reduction, **ember_kw(kw, 6))
    out_e.backward(tensor(g))
    np.testing.assert_allclose(to_np(out_e), out_t.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(to_np(xe.grad), xt.grad.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(to_np(te.grad), tt.grad.numpy(), rtol=1e-10, atol=1e-13)


def test_torch_parity_weights_float32():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x, t = _pair_logits((8, 5), 12)
    w, p = rng(13).uniform(0.5, 2, (5,)), rng(14).uniform(0.5, 2, (5,))
    f32 = [a.astype(np.float32) for a in (x, t, w, p)]
    xt = torch.from_numpy(f32[0]).requires_grad_()
    ref = F.binary_cross_entropy_with_logits(xt, torch.from_numpy(f32[1]), torch.from_numpy(f32[2]),
                                             pos_weight=torch.from_numpy(f32[3]))
    ref.backward()
    xe = tensor(f32[0], True)
    got = ember.binary_cross_entropy_with_logits(xe, tensor(f32[1]), tensor(f32[2]),
                                                 pos_weight=tensor(f32[3]))
    got.backward()
    np.testing.assert_allclose(to_np(got), ref.detach().numpy(), rtol=1e-5)
    np.testing.assert_allclose(to_np(xe.grad), xt.grad.numpy(), rtol=1e-4, atol=1e-7)
    xp, tp = _pair_prob((8, 5), 15)
    xt = torch.from_numpy(xp).requires_grad_()
    ref = F.binary_cross_entropy(xt, torch.from_numpy(tp), torch.from_numpy(w), reduction="sum")
    ref.backward()
    xe = tensor(xp, True)
    got = ember.binary_cross_entropy(xe, tensor(tp), tensor(w), reduction="sum")
    got.backward()
    np.testing.assert_allclose(to_np(got), ref.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(to_np(xe.grad), xt.grad.numpy(), rtol=1e-10)


def test_extremes():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x = np.array([1e4, -1e4, 0.0, 30.0, -30.0])
    t = np.array([0.0, 1.0, 0.5, 1.0, 0.0])
    for dt in (np.float32, np.float64):
        xe = tensor(x.astype(dt), True)
        out = ember.binary_cross_entropy_with_logits(xe, tensor(t.astype(dt)), reduction="none")
        out.sum().backward()
        xt = torch.from_numpy(x.astype(dt)).requires_grad_()
        ref = F.binary_cross_entropy_with_logits(xt, torch.from_numpy(t.astype(dt)),
                                                 reduction="none")
        ref.sum().backward()
        assert np.isfinite(to_np(out)).all() and np.isfinite(to_np(xe.grad)).all()
        # torch computes (1 - t) x - log_sigmoid(x), which cancels to 0 for x = -30, t = 0;
        # ember's form keeps log1p(exp(-30)) = 9.4e-14 (the exact value): hence atol.
        np.testing.assert_allclose(to_np(out), ref.detach().numpy(), rtol=1e-6, atol=1e-12)
        np.testing.assert_allclose(to_np(out), _bce_logits(x, t), rtol=1e-6, atol=1e-14)
        np.testing.assert_allclose(to_np(xe.grad), xt.grad.numpy(), rtol=1e-6, atol=1e-7)
    # bce with probabilities exactly 0 and 1: logs clamped at -100
    p = np.array([0.0, 1.0, 0.0, 1.0])
    t = np.array([0.0, 1.0, 1.0, 0.0])
    xe = tensor(p, True)
    out = ember.binary_cross_entropy(xe, tensor(t), reduction="none")
    out.sum().backward()
    xt = torch.from_numpy(p).requires_grad_()
    ref = F.binary_cross_entropy(xt, torch.from_numpy(t), reduction="none")
    ref.sum().backward()
    np.testing.assert_allclose(to_np(out), [0, 0, 100, 100])
    np.testing.assert_allclose(to_np(out), ref.detach().numpy())
    assert np.isfinite(to_np(xe.grad)).all()
    np.testing.assert_allclose(to_np(xe.grad), xt.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", list(LOSSES))
def test_bad_input(name):
    fn = getattr(ember, name)
    make, _ = LOSSES[name]
    x, t = make((3, 4), 0)
    with pytest.raises(ValueError, match=rf"\[{name}\] expected target of the input's shape"):
        fn(tensor(x), tensor(t[:, :3]))
    with pytest.raises(ValueError, match=rf"\[{name}\] reduction must be"):
        fn(tensor(x), tensor(t), reduction="avg")
    with pytest.raises(TypeError, match=rf"\[{name}\] expected floating point input"):
        fn(tensor(np.ones((3, 4), np.int64)), tensor(t))
    with pytest.raises(TypeError, match=rf"\[{name}\] expected floating point target"):
        fn(tensor(x), tensor(np.ones((3, 4), np.int64)))
    with pytest.raises(TypeError, match=rf"\[{name}\] target dtype"):
        fn(tensor(x), tensor(t.astype(np.float32)))


def test_bad_options():
    x, t = tensor(np.full(3, 0.5)), tensor(np.full(3, 0.5))
    with pytest.raises(ValueError, match=r"\[binary_cross_entropy\] all elements of input "
                                         r"should be between 0 and 1"):
        ember.binary_cross_entropy(tensor(np.array([0.5, 1.5, 0.2])), t)
    with pytest.raises(ValueError, match=r"\[binary_cross_entropy\] all elements"):
        ember.binary_cross_entropy(tensor(np.array([0.5, np.nan, 0.2])), t)
    with pytest.raises(ValueError, match=r"\[smooth_l1_loss\] expected beta >= 0"):
        ember.smooth_l1_loss(x, t, beta=-1.0)
    with pytest.raises(ValueError, match=r"\[huber_loss\] expected delta > 0"):
        ember.huber_loss(x, t, delta=0.0)
    with pytest.raises(ValueError, match=r"\[binary_cross_entropy\] expected weight broadcastable"):
        ember.binary_cross_entropy(x, t, tensor(np.ones((2, 3))))
    with pytest.raises(TypeError, match=r"\[binary_cross_entropy_with_logits\] pos_weight dtype"):
        ember.binary_cross_entropy_with_logits(x, t, pos_weight=tensor(np.ones(3, np.float32)))
    with pytest.raises(ValueError, match=r"\[mse_loss\] reduction must be 'none', 'mean' or 'sum'"):
        ember.mse_loss(x, t, reduction="batchmean")


def test_mse_threads_and_float32_accuracy():
    r = rng(20)
    x = tensor(r.standard_normal(300_001).astype(np.float32))
    t = tensor(r.standard_normal(300_001).astype(np.float32))
    same_for_threads(lambda: ember.mse_loss(x, t))
    same_for_threads(lambda: ember.mse_loss(x, t, reduction="sum"))
    ref = ((to_np(x).astype(np.float64) - to_np(t)) ** 2).mean()
    np.testing.assert_allclose(to_np(ember.mse_loss(x, t)), ref, rtol=1e-5)
    xd, td = tensor(to_np(x).astype(np.float64)), tensor(to_np(t).astype(np.float64))
    same_for_threads(lambda: ember.mse_loss(xd, td))
    xg = tensor(to_np(x), True)

    def grads():
        xg.grad = None
        ember.mse_loss(xg, t).backward()
        return xg.grad
    same_for_threads(grads)


# ---- modules ----

def module_cases(torch):
    w5 = np.linspace(0.5, 2.0, 5)
    return [
        ("CrossEntropyLoss", {"weight": w5, "label_smoothing": 0.1}, "ce"),
        ("CrossEntropyLoss", {"ignore_index": 2, "reduction": "sum"}, "ce"),
        ("NLLLoss", {"weight": w5}, "nll"),
        ("MSELoss", {}, "reg"),
        ("L1Loss", {"reduction": "sum"}, "reg"),
        ("SmoothL1Loss", {"beta": 0.5}, "reg"),
        ("HuberLoss", {"delta": 0.3, "reduction": "none"}, "reg"),
        ("BCELoss", {"weight": w5}, "prob"),
        ("BCEWithLogitsLoss", {"weight": w5, "pos_weight": w5[::-1].copy()}, "logit"),
        ("KLDivLoss", {"reduction": "batchmean", "log_target": True}, "kl"),
    ]


def module_inputs(kind):
    r = rng(30)
    if kind in ("ce", "nll"):
        x = r.standard_normal((4, 5))
        if kind == "nll":
            x = log_softmax(x)
        return x, np.array([0, 2, 4, 1])
    if kind == "reg":
        return r.standard_normal((4, 5)), r.standard_normal((4, 5))
    if kind == "prob":
        return _pair_prob((4, 5), 31)
    if kind == "logit":
        return _pair_logits((4, 5), 32)
    return log_softmax(r.standard_normal((4, 5))), log_softmax(r.standard_normal((4, 5)))


def test_modules_vs_torch():
    torch = pytest.importorskip("torch")
    for name, kw, kind in module_cases(torch):
        tkw = {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        ekw = {k: tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
        tm, em = getattr(torch.nn, name)(**tkw), getattr(ember.nn, name)(**ekw)
        assert repr(em) == repr(tm) == f"{name}()"
        assert list(em.state_dict()) == list(tm.state_dict()), name
        for k, v in tm.state_dict().items():
            np.testing.assert_array_equal(to_np(em.state_dict()[k]), v.numpy())
        assert em.reduction == tm.reduction
        x, t = module_inputs(kind)
        xt = torch.from_numpy(x).requires_grad_()
        ref = tm(xt, torch.from_numpy(t))
        ref.sum().backward()
        xe = tensor(x, True)
        out = em(xe, tensor(t))
        out.sum().backward()
        np.testing.assert_allclose(to_np(out), ref.detach().numpy(), rtol=1e-12, err_msg=name)
        np.testing.assert_allclose(to_np(xe.grad), xt.grad.numpy(), rtol=1e-10, atol=1e-14,
                                   err_msg=name)
        # load_state_dict with torch's values reproduces the outputs
        if tm.state_dict():
            em2 = getattr(ember.nn, name)(**{k: (tensor(np.ones(5)) if isinstance(v, np.ndarray)
                                                  else v) for k, v in kw.items()})
            em2.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
            np.testing.assert_allclose(to_np(em2(tensor(x), tensor(t))), ref.detach().numpy(),
                                       rtol=1e-12)


def test_module_state_dict_keys_and_attributes():
    w = tensor(np.ones(3))
    assert list(ember.nn.CrossEntropyLoss(weight=w).state_dict()) == ["weight"]
    assert list(ember.nn.CrossEntropyLoss().state_dict()) == []
    assert list(ember.nn.BCEWithLogitsLoss(pos_weight=w).state_dict()) == ["pos_weight"]
    assert list(ember.nn.BCEWithLogitsLoss(w, pos_weight=w).state_dict()) == ["weight", "pos_weight"]
    m = ember.nn.CrossEntropyLoss(ignore_index=3, label_smoothing=0.2)
    assert (m.ignore_index, m.label_smoothing, m.reduction, m.weight) == (3, 0.2, "mean", None)
    assert ember.nn.SmoothL1Loss(beta=0.25).beta == 0.25
    assert ember.nn.HuberLoss("sum", 2.0).delta == 2.0
    assert ember.nn.KLDivLoss(log_target=True).log_target is True
    assert isinstance(ember.nn.MSELoss(), ember.nn.Module)
    m = ember.nn.MSELoss()
    m.reduction = "sum"
    x, t = tensor(np.array([1.0, 2.0])), tensor(np.array([0.0, 0.0]))
    assert to_np(m(x, t)) == 5.0
    m.reduction = "bad"
    with pytest.raises(ValueError, match=r"\[mse_loss\] reduction must be"):
        m(x, t)
    with pytest.raises(TypeError):
        m.forward(x)  # a loss takes (input, target)


def test_module_inside_python_model():
    class Model(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.loss = ember.nn.BCEWithLogitsLoss(pos_weight=tensor(np.full(2, 3.0)))

    m = Model()
    assert list(m.state_dict()) == ["loss.pos_weight"]
    m.double()
    out = m.loss(tensor(np.zeros(2)), tensor(np.ones(2)))
    np.testing.assert_allclose(to_np(out), 3 * np.log(2))


@pytest.mark.parametrize("name", list(LOSSES))
def test_double_backward_vs_torch(name):
    torch = pytest.importorskip("torch")
    make, _ = LOSSES[name]
    x, t = make((3, 4), 40)
    v = rng(41).standard_normal((3, 4))
    xt = torch.from_numpy(x).requires_grad_()
    (g,) = torch.autograd.grad(getattr(torch.nn.functional, name)(xt, torch.from_numpy(t),
                                                                  reduction="sum"),
                               [xt], create_graph=True)
    # l1_loss and kl_div have gradients constant in x: torch's is then not differentiable
    gg_t = (torch.autograd.grad((g * torch.from_numpy(v)).sum(), [xt])[0].numpy(force=True)
            if g.requires_grad else np.zeros_like(x))
    xe = tensor(x, True)
    (g,) = ember.autograd.grad(getattr(ember, name)(xe, tensor(t), reduction="sum"), [xe],
                               create_graph=True)
    gg_e = (to_np(ember.autograd.grad((g * tensor(v)).sum(), [xe])[0])
            if g.requires_grad else np.zeros_like(x))
    np.testing.assert_allclose(gg_e, gg_t, rtol=1e-10, atol=1e-12)
