"""ember.optim optimizers vs torch.optim (foreach=False), step by step on synthetic grads;
param groups, zero_grad, state_dict round trips, closures, clipping and bad input."""
import itertools

import numpy as np
import pytest

import ember
import ember.optim as eo
from utils import same_for_threads, to_np

torch = pytest.importorskip("torch")

SHAPES = [(37, 5), (3,), ()]
STEPS = 22
TOL = {np.float32: dict(rtol=2e-6, atol=2e-7), np.float64: dict(rtol=1e-12, atol=1e-14)}


def close(actual, desired, dtype, msg=""):
    """allclose with the absolute tolerance scaled by the array's magnitude: a state like
    buf = 0.9 * buf + g / avg cancels terms of size ~10, so a few ulp of the terms show up
    as absolute (not relative) error in small results."""
    tol = TOL[dtype]
    scale = max(1.0, float(np.max(np.abs(desired), initial=0.0)))
    np.testing.assert_allclose(actual, desired, rtol=tol["rtol"], atol=tol["atol"] * scale * 10,
                               err_msg=msg)


def make_params(dtype, seed=0, shapes=SHAPES):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    pe = [ember.from_numpy(a.copy()).requires_grad_() for a in arrays]
    pt = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    return pe, pt


def grad_seq(shapes, dtype, steps=STEPS, seed=1):
    rng = np.random.default_rng(seed)
    return [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(steps)]


def run_parity(ecls, tcls, kwargs, dtype=np.float32, shapes=SHAPES, state_keys=(), steps=STEPS):
    pe, pt = make_params(dtype, shapes=shapes)
    oe = ecls(pe, **kwargs)
    ot = tcls(pt, foreach=False, **kwargs)
    for step, grads in enumerate(grad_seq(shapes, dtype, steps)):
        for p, q, g in zip(pe, pt, grads):
            p.grad = ember.from_numpy(g.copy())
            q.grad = torch.tensor(g.copy())
        oe.step()
        ot.step()
        for p, q in zip(pe, pt):
            close(to_np(p), q.detach().numpy(), dtype, f"step {step}")
            for key in state_keys:
                close(to_np(oe.state[p][key]), ot.state[q][key].numpy(), dtype,
                      f"{key} step {step}")
    return oe, ot, pe, pt


SGD_CASES = [dict(lr=0.1)] + [
    dict(lr=0.05, momentum=m, dampening=d, weight_decay=wd, nesterov=n, maximize=mx)
    for m, d, wd, n, mx in itertools.product([0.0, 0.9], [0.0, 0.3], [0.0, 0.01],
                                             [False, True], [False, True])
    if not (n and (m == 0 or d != 0))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", SGD_CASES, ids=str)
def test_sgd_matches_torch(kw, dtype):
    keys = ("momentum_buffer",) if kw.get("momentum") else ()
    run_parity(eo.SGD, torch.optim.SGD, kw, dtype, state_keys=keys)


ADAM_CASES = [dict(), dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6),
              dict(lr=0.01, weight_decay=0.1), dict(lr=0.01, amsgrad=True),
              dict(lr=0.01, maximize=True, weight_decay=0.05, amsgrad=True),
              dict(lr=0.02, betas=(0.3, 0.9))]  # beta1 < 0.5: torch's lerp anchors at the end


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", ADAM_CASES, ids=str)
def test_adam_matches_torch(kw, dtype):
    keys = ["exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if kw.get("amsgrad") else [])
    oe, ot, pe, pt = run_parity(eo.Adam, torch.optim.Adam, kw, dtype, state_keys=keys)
    assert float(to_np(oe.state_dict()["state"][0]["step"])) == STEPS


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", [dict(), dict(lr=0.01, weight_decay=0.3, amsgrad=True),
                                dict(lr=0.01, maximize=True)], ids=str)
def test_adamw_matches_torch(kw, dtype):
    run_parity(eo.AdamW, torch.optim.AdamW, kw, dtype, state_keys=["exp_avg", "exp_avg_sq"])


RMS_CASES = [dict(), dict(lr=0.01, alpha=0.9, centered=True),
             dict(lr=0.01, momentum=0.9), dict(lr=0.01, momentum=0.5, centered=True,
                                                weight_decay=0.1, maximize=True),
             dict(lr=0.01, alpha=0.3, centered=True)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", RMS_CASES, ids=str)
def test_rmsprop_matches_torch(kw, dtype):
    keys = ["square_avg"] + (["grad_avg"] if kw.get("centered") else []) + \
        (["momentum_buffer"] if kw.get("momentum") else [])
    run_parity(eo.RMSprop, torch.optim.RMSprop, kw, dtype, state_keys=keys)


ADAGRAD_CASES = [dict(), dict(lr=0.1, lr_decay=0.01), dict(lr=0.1, weight_decay=0.1,
                                                           initial_accumulator_value=0.5),
                 dict(lr=0.05, maximize=True, eps=1e-6)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kw", ADAGRAD_CASES, ids=str)
def test_adagrad_matches_torch(kw, dtype):
    run_parity(eo.Adagrad, torch.optim.Adagrad, kw, dtype, state_keys=["sum"])


def test_large_param_tail_and_chunks():
    # Several parallel chunks plus a ragged SIMD tail.
    run_parity(eo.Adam, torch.optim.Adam, dict(lr=0.01, amsgrad=True), np.float32,
               shapes=[(70001,)], steps=5)


def test_param_groups_and_live_lr():
    pe, pt = make_params(np.float64)
    oe = eo.SGD([{"params": pe[:1], "lr": 0.5}, {"params": pe[1:]}], lr=0.1, momentum=0.9)
    ot = torch.optim.SGD([{"params": pt[:1], "lr": 0.5}, {"params": pt[1:]}], lr=0.1,
                         momentum=0.9, foreach=False)
    assert oe.param_groups[0]["lr"] == 0.5 and oe.param_groups[1]["lr"] == 0.1
    assert len(oe.param_groups[1]["params"]) == 2
    for i, grads in enumerate(grad_seq(SHAPES, np.float64, 10)):
        if i == 5:
            oe.param_groups[1]["lr"] = 0.02
            ot.param_groups[1]["lr"] = 0.02
        for p, q, g in zip(pe, pt, grads):
            p.grad = ember.from_numpy(g.copy())
            q.grad = torch.tensor(g)
        oe.step()
        ot.step()
    for p, q in zip(pe, pt):
        np.testing.assert_allclose(to_np(p), q.detach().numpy(), rtol=1e-12)
    g = oe.param_groups[0]
    assert "lr" in g and "nope" not in g
    assert dict(g.items())["momentum"] == 0.9
    with pytest.raises(KeyError):
        g["nope"]


def test_add_param_group_and_skip_without_grad():
    pe, _ = make_params(np.float32)
    opt = eo.Adam(pe[:1], lr=0.1)
    opt.add_param_group({"params": pe[1], "lr": 0.01})
    assert len(opt.param_groups) == 2 and opt.param_groups[1]["lr"] == 0.01
    assert opt.param_groups[1]["betas"] == (0.9, 0.999)
    before = [to_np(p) for p in pe]
    v0 = pe[2]._version
    pe[0].grad = ember.from_numpy(np.ones(SHAPES[0], np.float32))
    opt.step()
    assert not np.array_equal(to_np(pe[0]), before[0])
    np.testing.assert_array_equal(to_np(pe[1]), before[1])
    assert pe[2]._version == v0
    assert pe[0] in opt.state and pe[1] not in opt.state
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [pe[0]]})


def test_zero_grad():
    pe, _ = make_params(np.float32)
    opt = eo.SGD(pe, lr=0.1)
    for p in pe:
        p.grad = ember.from_numpy(np.ones(p.shape, np.float32))
    opt.zero_grad(set_to_none=False)
    for p in pe:
        assert p.grad is not None and not to_np(p.grad).any()
    opt.zero_grad()
    assert all(p.grad is None for p in pe)


def test_version_bumped_and_step_under_no_grad():
    p = ember.from_numpy(np.ones(4, np.float32)).requires_grad_()
    opt = eo.SGD([p], lr=0.1, momentum=0.9)
    v = p._version
    p.grad = ember.from_numpy(np.ones(4, np.float32))
    opt.step()
    assert p._version > v and p.grad_fn is None and p.is_leaf
    np.testing.assert_allclose(to_np(p), 0.9)


def test_closure_runs_with_grad_enabled():
    p = ember.from_numpy(np.array([3.0])).requires_grad_()
    opt = eo.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        assert ember.is_grad_enabled()
        loss = ember.sum(ember.mul(p, p))
        loss.backward()
        return loss

    with ember.no_grad():
        loss = opt.step(closure)
    np.testing.assert_allclose(to_np(loss), 9.0)
    np.testing.assert_allclose(to_np(p), [1.5])  # 3 - 0.25 * 6


@pytest.mark.parametrize("cls,kw", [(eo.SGD, dict(lr=0.1, momentum=0.9)),
                                    (eo.Adam, dict(lr=0.01, amsgrad=True)),
                                    (eo.RMSprop, dict(lr=0.01, momentum=0.9, centered=True)),
                                    (eo.Adagrad, dict(lr=0.1, lr_decay=0.1))])
def test_state_dict_round_trip_continues_identically(cls, kw):
    grads = grad_seq(SHAPES, np.float32, 12)
    pa, _ = make_params(np.float32)
    pb, _ = make_params(np.float32)
    oa = cls(pa, **kw)
    for i, gs in enumerate(grads):
        for p, g in zip(pa, gs):
            p.grad = ember.from_numpy(g.copy())
        oa.step()
        if i == 5:
            sd = oa.state_dict()
            for p, q in zip(pb, pa):
                p.detach().numpy()[...] = to_np(q)
            ob = cls(pb, lr=123.0)
            ob.load_state_dict(sd)
            assert ob.param_groups[0]["lr"] == kw["lr"]
        elif i > 5:
            for p, g in zip(pb, gs):
                p.grad = ember.from_numpy(g.copy())
            ob.step()
    for p, q in zip(pa, pb):
        np.testing.assert_array_equal(to_np(p), to_np(q))
    # Loading copied the state: a's buffers are not b's.
    sa, sb = oa.state_dict()["state"][0], ob.state_dict()["state"][0]
    key = [k for k in sa if k != "step"][0]
    assert sa[key].data_ptr() != sb[key].data_ptr()


def test_load_torch_state_dict():
    pe, pt = make_params(np.float32)
    ot = torch.optim.Adam(pt, lr=0.01, amsgrad=True, foreach=False)
    grads = grad_seq(SHAPES, np.float32, 10)
    for gs in grads[:5]:
        for q, g in zip(pt, gs):
            q.grad = torch.tensor(g)
        ot.step()
    sd = ot.state_dict()
    conv = {"state": {k: {kk: vv.numpy() for kk, vv in v.items()} for k, v in sd["state"].items()},
            "param_groups": sd["param_groups"]}
    for p, q in zip(pe, pt):
        p.detach().numpy()[...] = q.detach().numpy()
    oe = eo.Adam(pe)
    oe.load_state_dict(conv)
    for gs in grads[5:]:
        for p, q, g in zip(pe, pt, gs):
            p.grad = ember.from_numpy(g.copy())
            q.grad = torch.tensor(g)
        oe.step()
        ot.step()
    for p, q in zip(pe, pt):
        np.testing.assert_allclose(to_np(p), q.detach().numpy(), rtol=2e-6, atol=2e-7)


def test_load_state_dict_bad_input():
    pe, _ = make_params(np.float32)
    opt = eo.Adam(pe)
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": []})
    bad = {"state": {0: {"step": 1.0, "exp_avg": np.zeros((2, 2), np.float32),
                         "exp_avg_sq": np.zeros((2, 2), np.float32)}},
           "param_groups": sd["param_groups"]}
    with pytest.raises(ValueError, match=r"\[Adam\].*shape"):
        opt.load_state_dict(bad)


def test_thread_determinism():
    rng = np.random.default_rng(3)
    p0 = rng.standard_normal(200003).astype(np.float32)
    g = rng.standard_normal(200003).astype(np.float32)

    def run():
        p = ember.from_numpy(p0.copy()).requires_grad_()
        opt = eo.Adam([p], lr=0.01, amsgrad=True, weight_decay=0.1)
        for _ in range(3):
            p.grad = ember.from_numpy(g.copy())
            opt.step()
        return p.detach()

    same_for_threads(run)


def test_non_contiguous_param_and_grad():
    a = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    g = np.random.default_rng(1).standard_normal((4, 6)).astype(np.float32)
    pe = ember.from_numpy(a.copy().T).requires_grad_()   # transposed strides
    pt = torch.tensor(a.copy().T, requires_grad=True)
    oe, ot = eo.Adam([pe], lr=0.1), torch.optim.Adam([pt], lr=0.1, foreach=False)
    for _ in range(3):
        pe.grad = ember.from_numpy(g.T.copy().T)
        pt.grad = torch.tensor(g)
        oe.step()
        ot.step()
    np.testing.assert_allclose(to_np(pe), pt.detach().numpy(), rtol=2e-6, atol=2e-7)


def test_bad_options():
    p = [ember.from_numpy(np.ones(3, np.float32)).requires_grad_()]
    with pytest.raises(ValueError, match=r"\[SGD\] Invalid learning rate: -1.0"):
        eo.SGD(p, lr=-1.0)
    with pytest.raises(ValueError, match="Invalid momentum value"):
        eo.SGD(p, momentum=-0.5)
    with pytest.raises(ValueError, match="Nesterov momentum requires"):
        eo.SGD(p, nesterov=True)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 0: 1.0"):
        eo.Adam(p, betas=(1.0, 0.999))
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1"):
        eo.AdamW(p, betas=(0.9, -0.1))
    with pytest.raises(ValueError, match="Invalid epsilon value"):
        eo.Adam(p, eps=-1e-8)
    with pytest.raises(ValueError, match="Invalid alpha value"):
        eo.RMSprop(p, alpha=-0.1)
    with pytest.raises(ValueError, match="Invalid lr_decay value"):
        eo.Adagrad(p, lr_decay=-1)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        eo.Adam([{"params": p, "lr": -0.5}])
    with pytest.raises(NotImplementedError, match="differentiable"):
        eo.SGD(p, differentiable=True)
    opt = eo.SGD(p, lr=0.1)
    p[0].grad = ember.from_numpy(np.ones(3, np.float32))
    opt.param_groups[0]["lr"] = "fast"
    with pytest.raises(TypeError, match=r"\[SGD\].*'lr'"):
        opt.step()
    np.testing.assert_array_equal(to_np(p[0]), 1.0)  # nothing was updated
    # Like torch, a value set after construction is not range-checked (schedulers may
    # produce any lr): a negative lr ascends.
    opt.param_groups[0]["lr"] = -3.0
    opt.step()
    np.testing.assert_array_equal(to_np(p[0]), 4.0)


def test_bad_params():
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        eo.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors"):
        eo.Adam([1.0, 2.0])
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        eo.SGD(ember.from_numpy(np.ones(3)), lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        eo.SGD([{"params": {1, 2}}])
    x = ember.from_numpy(np.ones(3)).requires_grad_()
    y = ember.mul(x, x)
    with pytest.raises(ValueError, match="non-leaf"):
        eo.SGD([y], lr=0.1)


def test_bad_grad_dtype():
    p = ember.from_numpy(np.ones(3, np.float32)).requires_grad_()
    opt = eo.SGD([p], lr=0.1)
    with pytest.raises(TypeError):
        p.grad = ember.from_numpy(np.ones(3, np.float64))
    ip = ember.from_numpy(np.ones(3, np.int64))
    opt2 = eo.SGD([ip], lr=0.1)
    ip.grad = ember.from_numpy(np.ones(3, np.int64))
    with pytest.raises(TypeError, match=r"\[SGD\] expected floating point"):
        opt2.step()
    del opt


def test_python_subclass():
    class Sign(eo.Optimizer):
        def __init__(self, params, lr=0.1):
            super().__init__(params, {"lr": lr})

        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    s = np.sign(to_np(p.grad))
                    p.detach().numpy()[...] -= group["lr"] * s
            return None

    p = ember.from_numpy(np.array([1.0, -1.0])).requires_grad_()
    opt = Sign([p], lr=0.5)
    p.grad = ember.from_numpy(np.array([2.0, -3.0]))
    opt.step()
    np.testing.assert_allclose(to_np(p), [0.5, -0.5])
    assert opt.param_groups[0]["lr"] == 0.5


# ---- gradient clipping ----

def clip_setup(dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(rng.standard_normal(s) * 3, dtype) for s in [(50, 7), (13,), ()]]
    grads = [np.asarray(rng.standard_normal(a.shape) * 4, dtype) for a in arrays]
    pe = [ember.from_numpy(a.copy()).requires_grad_() for a in arrays]
    pt = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    for p, q, g in zip(pe, pt, grads):
        p.grad = ember.from_numpy(g.copy())
        q.grad = torch.tensor(g.copy())
    return pe, pt


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf"), "inf", 0.5])
@pytest.mark.parametrize("max_norm", [1.0, 1e6])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, dtype):
    pe, pt = clip_setup(dtype)
    ne = ember._C.optim._clip_grad_norm_(pe, max_norm, norm_type=norm_type)
    nt = torch.nn.utils.clip_grad_norm_(pt, max_norm, norm_type=norm_type, foreach=False)
    tol = TOL[dtype] if dtype == np.float64 else dict(rtol=2e-6)
    assert ne.shape == () and ne.dtype == (ember.float32 if dtype == np.float32 else ember.float64)
    np.testing.assert_allclose(to_np(ne), nt.numpy(), **tol)
    for p, q in zip(pe, pt):
        np.testing.assert_allclose(to_np(p.grad), q.grad.numpy(), **tol)


def test_clip_grad_norm_edge_cases():
    p = ember.from_numpy(np.ones(3, np.float32)).requires_grad_()
    n = ember._C.optim._clip_grad_norm_([p], 1.0)
    assert to_np(n) == 0.0
    p.grad = ember.from_numpy(np.array([np.inf, 1.0, 1.0], np.float32))
    with pytest.raises(RuntimeError, match="non-finite"):
        ember._C.optim._clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    p.grad = ember.from_numpy(np.array([3.0, 4.0, 0.0], np.float32))
    n = ember._C.optim._clip_grad_norm_(p, 1.0)  # a single tensor works too
    np.testing.assert_allclose(to_np(n), 5.0)
    np.testing.assert_allclose(to_np(p.grad), np.array([3, 4, 0]) / (5 + 1e-6), rtol=1e-6)


def test_clip_grad_norm_thread_determinism():
    g = np.random.default_rng(0).standard_normal(300001).astype(np.float32)

    def run():
        p = ember.from_numpy(np.zeros_like(g)).requires_grad_()
        p.grad = ember.from_numpy(g.copy())
        n = ember._C.optim._clip_grad_norm_([p], 1.0)
        return n, p.grad

    same_for_threads(run)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_clip_grad_value_matches_torch(dtype):
    pe, pt = clip_setup(dtype)
    ember._C.optim._clip_grad_value_(pe, 2.5)
    torch.nn.utils.clip_grad_value_(pt, 2.5, foreach=False)
    for p, q in zip(pe, pt):
        np.testing.assert_array_equal(to_np(p.grad), q.grad.numpy())


def test_clip_bad_input():
    with pytest.raises(TypeError, match="optimize Tensors|clip_grad_norm_"):
        ember._C.optim._clip_grad_norm_([1.0], 1.0)
