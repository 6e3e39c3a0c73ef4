"""ember.optim.lr_scheduler vs torch.optim.lr_scheduler: lr sequences over 30+ steps with
several param groups, OneCycleLR momentum cycling, ReduceLROnPlateau on a metric sequence,
and bad input."""
import math
import warnings

import numpy as np
import pytest

import ember
import ember.optim as eo
from ember.optim import lr_scheduler as els

torch = pytest.importorskip("torch")
tls = torch.optim.lr_scheduler

STEPS = 40


def optimizers(kind="sgd", lrs=(0.1, 0.03)):
    pe = [ember.from_numpy(np.ones(2)).requires_grad_() for _ in lrs]
    pt = [torch.ones(2, dtype=torch.float64, requires_grad=True) for _ in lrs]
    ge = [{"params": [p], "lr": lr} for p, lr in zip(pe, lrs)]
    gt = [{"params": [p], "lr": lr} for p, lr in zip(pt, lrs)]
    if kind == "sgd":
        return eo.SGD(ge, lr=0.5, momentum=0.9), torch.optim.SGD(gt, lr=0.5, momentum=0.9)
    if kind == "adam":
        return eo.Adam(ge), torch.optim.Adam(gt)
    return eo.Adagrad(ge), torch.optim.Adagrad(gt)


def compare(make_e, make_t, kind="sgd", steps=STEPS, keys=("lr",)):
    oe, ot = optimizers(kind)
    se, st = make_e(oe), make_t(ot)
    for i in range(steps + 1):
        np.testing.assert_allclose(se.get_last_lr(), st.get_last_lr(), rtol=1e-12, atol=1e-15,
                                   err_msg=f"step {i}")
        for ge, gt in zip(oe.param_groups, ot.param_groups):
            for k in keys:
                np.testing.assert_allclose(ge[k], gt[k], rtol=1e-12, atol=1e-15,
                                           err_msg=f"{k} step {i}")
        assert se.last_epoch == st.last_epoch
        if i < steps:
            ot.step()
            oe.step()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                st.step()
            se.step()
    return oe, se


@pytest.mark.parametrize("step_size,gamma", [(3, 0.5), (1, 0.9), (7, 0.1)])
def test_step_lr(step_size, gamma):
    compare(lambda o: els.StepLR(o, step_size, gamma=gamma),
            lambda o: tls.StepLR(o, step_size, gamma=gamma))


def test_multistep_lr_with_repeats():
    ms = [3, 10, 10, 25]
    compare(lambda o: els.MultiStepLR(o, ms, gamma=0.3), lambda o: tls.MultiStepLR(o, ms, gamma=0.3))


def test_exponential_lr():
    compare(lambda o: els.ExponentialLR(o, 0.93), lambda o: tls.ExponentialLR(o, 0.93))


@pytest.mark.parametrize("T_max,eta_min", [(10, 0.0), (7, 0.001), (40, 0.01)])
def test_cosine_annealing_lr(T_max, eta_min):
    # 40 steps cross several half-periods, exercising torch's recursive restart branch.
    compare(lambda o: els.CosineAnnealingLR(o, T_max, eta_min=eta_min),
            lambda o: tls.CosineAnnealingLR(o, T_max, eta_min=eta_min))


@pytest.mark.parametrize("kw", [dict(), dict(start_factor=0.1, end_factor=0.9, total_iters=12),
                                dict(start_factor=1.0, end_factor=0.2, total_iters=30)], ids=str)
def test_linear_lr(kw):
    compare(lambda o: els.LinearLR(o, **kw), lambda o: tls.LinearLR(o, **kw))


def test_lambda_lr_single_and_list():
    f = lambda e: 0.95 ** e  # noqa: E731
    compare(lambda o: els.LambdaLR(o, f), lambda o: tls.LambdaLR(o, f))
    fs = [lambda e: 1.0 / (e + 1), lambda e: math.cos(e / 10.0)]
    compare(lambda o: els.LambdaLR(o, fs), lambda o: tls.LambdaLR(o, fs))


@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("kw", [dict(anneal_strategy="cos"), dict(anneal_strategy="linear"),
                                dict(three_phase=True, pct_start=0.25),
                                dict(cycle_momentum=False, div_factor=10.0)], ids=str)
def test_one_cycle_lr(kw, kind):
    keys = ("lr",)
    if kw.get("cycle_momentum", True):
        keys = ("lr", "momentum") if kind == "sgd" else ("lr", "betas")
    compare(lambda o: els.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=STEPS, **kw),
            lambda o: tls.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=STEPS, **kw),
            kind=kind, steps=STEPS - 1, keys=keys)


def test_one_cycle_epochs_and_errors():
    oe, ot = optimizers("sgd")
    se = els.OneCycleLR(oe, max_lr=0.1, epochs=3, steps_per_epoch=4)
    assert se.total_steps == 12
    for _ in range(11):
        se.step()
    with pytest.raises(ValueError, match="Tried to step 13 times"):
        se.step()
        se.step()
    with pytest.raises(ValueError, match="total_steps OR"):
        els.OneCycleLR(oe, max_lr=0.1)
    with pytest.raises(ValueError, match="anneal_strategy"):
        els.OneCycleLR(oe, max_lr=0.1, total_steps=5, anneal_strategy="tri")
    oa, _ = optimizers("adagrad")
    with pytest.raises(ValueError, match="momentum or beta1"):
        els.OneCycleLR(oa, max_lr=0.1, total_steps=5)


@pytest.mark.parametrize("kw", [dict(), dict(mode="max", factor=0.5, patience=2, cooldown=2),
                                dict(patience=0, threshold=0.1, threshold_mode="abs",
                                     min_lr=[0.05, 0.001]),
                                dict(mode="min", factor=0.2, patience=1, eps=1e-3,
                                     min_lr=0.01)], ids=str)
def test_reduce_lr_on_plateau(kw):
    oe, ot = optimizers("sgd")
    se, st = els.ReduceLROnPlateau(oe, **kw), tls.ReduceLROnPlateau(ot, **kw)
    rng = np.random.default_rng(0)
    metrics = np.concatenate([np.linspace(1, 0.5, 8), 0.5 + rng.random(40) * 0.05,
                              np.linspace(0.5, 0.1, 5), np.full(20, 0.1)])
    for i, m in enumerate(metrics):
        metric = ember.from_numpy(np.array(m)) if i % 3 == 0 else float(m)
        se.step(metric)
        st.step(float(m))
        np.testing.assert_allclose(se.get_last_lr(), st.get_last_lr(), rtol=1e-12, err_msg=str(i))
        assert se.num_bad_epochs == st.num_bad_epochs and se.cooldown_counter == st.cooldown_counter
        assert se.last_epoch == st.last_epoch
    assert [g["lr"] for g in oe.param_groups] == [g["lr"] for g in ot.param_groups]


def test_scheduler_sets_initial_lr_and_drives_optimizer():
    p = ember.from_numpy(np.zeros(1)).requires_grad_()
    opt = eo.SGD([p], lr=1.0)
    sched = els.StepLR(opt, step_size=1, gamma=0.5)
    assert opt.param_groups[0]["initial_lr"] == 1.0
    assert sched.base_lrs == [1.0] and sched.last_epoch == 0
    assert sched.optimizer is opt
    for _ in range(3):
        p.grad = ember.from_numpy(np.ones(1))
        opt.step()
        sched.step()
    np.testing.assert_allclose(p.detach().numpy(), [-(1 + 0.5 + 0.25)])
    assert sched.get_last_lr() == [0.125]


def test_scheduler_bad_input():
    oe, _ = optimizers("sgd")
    with pytest.raises(TypeError):
        els.StepLR("not an optimizer", 3)
    with pytest.raises(ValueError, match=r"\[LinearLR\] Starting multiplicative factor"):
        els.LinearLR(oe, start_factor=0.0)
    with pytest.raises(ValueError, match=r"\[LambdaLR\] Expected 2 lr_lambdas"):
        els.LambdaLR(oe, [lambda e: 1.0])
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        els.ReduceLROnPlateau(oe, factor=1.5)
    with pytest.raises(ValueError, match="mode avg is unknown"):
        els.ReduceLROnPlateau(oe, mode="avg")
    with pytest.raises(ValueError, match="initial_lr"):
        eo_fresh, _ = optimizers("sgd")
        els.StepLR(eo_fresh, 3, last_epoch=5)
    s = els.StepLR(oe, 3)
    with pytest.raises(NotImplementedError, match="step\\(epoch\\)"):
        s.step(4)

    def boom(e):
        if e > 1:
            raise KeyError("boom")
        return 1.0
    o2, _ = optimizers("sgd")
    s = els.LambdaLR(o2, boom)
    s.step()
    with pytest.raises(KeyError, match="boom"):
        s.step()


def test_scheduler_state_dict_resume():
    """A scheduler rebuilt and loaded from state_dict continues like the original (and
    accepts torch's state_dict keys)."""
    oa, ot = optimizers("sgd")
    sa = els.CosineAnnealingLR(oa, 12, eta_min=0.001)
    st = tls.CosineAnnealingLR(ot, 12, eta_min=0.001)
    for _ in range(7):
        sa.step()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            st.step()
    ob, _ = optimizers("sgd")
    ob.load_state_dict(oa.state_dict())
    sb = els.CosineAnnealingLR(ob, 12, eta_min=0.001)
    sb.load_state_dict(st.state_dict())
    assert sb.last_epoch == 7 and sb.state_dict()["_step_count"] == 8
    for _ in range(20):
        sa.step()
        sb.step()
        assert sa.get_last_lr() == sb.get_last_lr()
        assert [g["lr"] for g in oa.param_groups] == [g["lr"] for g in ob.param_groups]
    oe, ot = optimizers("sgd")
    pe, pt = els.ReduceLROnPlateau(oe, patience=1), tls.ReduceLROnPlateau(ot, patience=1)
    for m in [1.0, 0.9, 0.95]:
        pe.step(m)
        pt.step(m)
    pe2 = els.ReduceLROnPlateau(oe, patience=1)
    pe2.load_state_dict(pt.state_dict())
    assert pe2.best == pt.best and pe2.num_bad_epochs == pt.num_bad_epochs
    with pytest.raises(ValueError, match="param groups"):
        sb.load_state_dict({"base_lrs": [0.1]})
