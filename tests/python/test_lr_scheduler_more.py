"""ConstantLR, MultiplicativeLR, PolynomialLR, CosineAnnealingWarmRestarts, CyclicLR,
SequentialLR and ChainedScheduler: lr (and cycled momentum) sequences against torch's over
many steps, state_dict round trip, bad input."""
import numpy as np
import pytest

import ember
import ember.optim as optim
from ember.optim import lr_scheduler as ls

STEPS = 60


def ember_opt(kind="SGD", groups=2):
    ps = [ember.from_numpy(np.zeros(2)).requires_grad_() for _ in range(groups)]
    gs = [{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(ps)]
    if kind == "SGD":
        return optim.SGD(gs, lr=0.1, momentum=0.9)
    return optim.Adam(gs, lr=0.1)


def torch_opt(torch, kind="SGD", groups=2):
    ps = [torch.zeros(2, requires_grad=True) for _ in range(groups)]
    gs = [{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(ps)]
    if kind == "SGD":
        return torch.optim.SGD(gs, lr=0.1, momentum=0.9)
    return torch.optim.Adam(gs, lr=0.1)


def lr_momentum(opt):
    out = []
    for g in opt.param_groups:
        out.append(g["lr"])
        if "momentum" in g:
            out.append(g["momentum"])
        if "betas" in g:
            out.append(g["betas"][0])
    return out


def sequences(make_e, make_t, kind="SGD", steps=STEPS):
    torch = pytest.importorskip("torch")
    eo, to = ember_opt(kind), torch_opt(torch, kind)
    es, ts = make_e(eo, ls), make_t(to, torch.optim.lr_scheduler)
    e_seq, t_seq = [lr_momentum(eo)], [lr_momentum(to)]
    for _ in range(steps):
        eo.step()
        to.step()
        es.step()
        ts.step()
        e_seq.append(lr_momentum(eo))
        t_seq.append(lr_momentum(to))
        np.testing.assert_allclose(es.get_last_lr(), ts.get_last_lr(), rtol=1e-12, atol=1e-15)
    return np.array(e_seq), np.array(t_seq)


SIMPLE = {
    "constant": lambda o, m: m.ConstantLR(o, factor=0.25, total_iters=7),
    "constant_default": lambda o, m: m.ConstantLR(o),
    "multiplicative": lambda o, m: m.MultiplicativeLR(o, lr_lambda=lambda e: 0.95),
    "multiplicative_list": lambda o, m: m.MultiplicativeLR(
        o, lr_lambda=[lambda e: 0.9, lambda e: 1.0 + 0.01 * (e % 3)]),
    "polynomial": lambda o, m: m.PolynomialLR(o, total_iters=40, power=2.0),
    "polynomial_default": lambda o, m: m.PolynomialLR(o),
    "warm_restarts": lambda o, m: m.CosineAnnealingWarmRestarts(o, T_0=7, eta_min=0.001),
    "warm_restarts_mult": lambda o, m: m.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2),
    "cyclic_triangular": lambda o, m: m.CyclicLR(o, 0.01, 0.2, step_size_up=5),
    "cyclic_triangular2": lambda o, m: m.CyclicLR(o, [0.01, 0.02], 0.3, step_size_up=4,
                                                  step_size_down=6, mode="triangular2"),
    "cyclic_exp_range": lambda o, m: m.CyclicLR(o, 0.01, 0.2, step_size_up=3,
                                                mode="exp_range", gamma=0.97),
    "cyclic_scale_fn": lambda o, m: m.CyclicLR(o, 0.01, 0.2, step_size_up=3,
                                               scale_fn=lambda x: 1 / (1 + x),
                                               scale_mode="iterations"),
    "cyclic_no_momentum": lambda o, m: m.CyclicLR(o, 0.01, 0.2, step_size_up=5,
                                                  cycle_momentum=False),
}


@pytest.mark.parametrize("name", list(SIMPLE))
def test_sequence_matches_torch(name):
    e, t = sequences(SIMPLE[name], SIMPLE[name])
    np.testing.assert_allclose(e, t, rtol=1e-12, atol=1e-15)


def test_cyclic_betas_matches_torch():
    make = lambda o, m: m.CyclicLR(o, 0.01, 0.1, step_size_up=4, base_momentum=0.85,  # noqa: E731
                                   max_momentum=0.95)
    e, t = sequences(make, make, kind="Adam")
    np.testing.assert_allclose(e, t, rtol=1e-12, atol=1e-15)


def _sequential(o, m):
    return m.SequentialLR(o, [m.ConstantLR(o, factor=0.1, total_iters=2),
                              m.ExponentialLR(o, gamma=0.9),
                              m.CosineAnnealingLR(o, T_max=10)], milestones=[5, 20])


def _sequential_linear(o, m):
    return m.SequentialLR(o, [m.LinearLR(o, start_factor=0.2, total_iters=4),
                              m.StepLR(o, step_size=3, gamma=0.5),
                              m.PolynomialLR(o, total_iters=8)], milestones=[6, 15])


def _chained(o, m):
    return m.ChainedScheduler([m.ConstantLR(o, factor=0.1, total_iters=3),
                               m.ExponentialLR(o, gamma=0.95)])


def _chained_opt(o, m):
    return m.ChainedScheduler([m.MultiplicativeLR(o, lambda e: 0.99),
                               m.CosineAnnealingWarmRestarts(o, T_0=5)], optimizer=o)


@pytest.mark.parametrize("make", [_sequential, _sequential_linear, _chained, _chained_opt])
def test_combinators_match_torch(make):
    e, t = sequences(make, make)
    np.testing.assert_allclose(e, t, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["constant", "polynomial", "warm_restarts_mult",
                                  "cyclic_triangular2"])
def test_state_dict_round_trip(name):
    o = ember_opt()
    s = SIMPLE[name](o, ls)
    for _ in range(13):
        s.step()
    sd = s.state_dict()
    lrs = [g["lr"] for g in o.param_groups]
    o2 = ember_opt()
    for g, lr in zip(o2.param_groups, lrs):
        g["lr"] = lr
    s2 = SIMPLE[name](o2, ls)
    s2.load_state_dict(sd)
    for g, lr in zip(o2.param_groups, lrs):
        g["lr"] = lr
    for _ in range(20):
        s.step()
        s2.step()
        assert s.get_last_lr() == s2.get_last_lr()


def test_sequential_state_dict():
    o = ember_opt()
    s = _sequential(o, ls)
    for _ in range(7):
        s.step()
    sd = s.state_dict()
    assert len(sd["_schedulers"]) == 3 and sd["last_epoch"] == 7
    o2 = ember_opt()
    s2 = _sequential(o2, ls)
    s2.load_state_dict(sd)
    for g, g1 in zip(o2.param_groups, o.param_groups):
        g["lr"] = g1["lr"]
    for _ in range(20):
        s.step()
        s2.step()
        np.testing.assert_allclose(s.get_last_lr(), s2.get_last_lr(), rtol=1e-15)


def test_bad_input():
    o = ember_opt()
    with pytest.raises(ValueError, match=r"\[ConstantLR\] Constant multiplicative factor"):
        ls.ConstantLR(o, factor=1.5)
    with pytest.raises(ValueError, match=r"\[CosineAnnealingWarmRestarts\] Expected positive integer T_0"):
        ls.CosineAnnealingWarmRestarts(o, T_0=0)
    with pytest.raises(ValueError, match=r"\[CosineAnnealingWarmRestarts\] Expected integer T_mult >= 1"):
        ls.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=0)
    with pytest.raises(ValueError, match=r"\[CyclicLR\] mode is invalid"):
        ls.CyclicLR(o, 0.1, 1.0, mode="square")
    with pytest.raises(ValueError, match=r"\[CyclicLR\] optimizer must support momentum"):
        ls.CyclicLR(optim.Adagrad([ember.from_numpy(np.zeros(2)).requires_grad_()]), 0.1, 1.0)
    with pytest.raises(ValueError, match=r"\[CyclicLR\] expected 2 values for max_lr"):
        ls.CyclicLR(o, 0.1, [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=r"\[MultiplicativeLR\] lr_lambda must be callable"):
        ls.MultiplicativeLR(o, lr_lambda=3)
    with pytest.raises(ValueError, match=r"\[SequentialLR\] Sequential Schedulers expects"):
        ls.SequentialLR(o, [ls.ConstantLR(o), ls.ConstantLR(o)], milestones=[1, 2])
    with pytest.raises(ValueError, match=r"\[SequentialLR\] expects all schedulers to belong"):
        ls.SequentialLR(o, [ls.ConstantLR(o), ls.ConstantLR(ember_opt())], milestones=[1])
    with pytest.raises(ValueError, match=r"\[ChainedScheduler\] expects at least one scheduler"):
        ls.ChainedScheduler([])
