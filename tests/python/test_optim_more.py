"""NAdam, RAdam, Adamax, Adadelta, ASGD, Rprop and LBFGS: torch parity over several steps on
the same model (flags included), state_dict round trip (resume == uninterrupted, torch's
keys), param_groups, bad input, thread determinism."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
import ember.optim as optim
from utils import same_for_threads, tensor, to_np

CONFIGS = {
    "NAdam": [{}, {"lr": 0.01, "weight_decay": 0.1}, {"weight_decay": 0.1, "decoupled_weight_decay": True},
              {"momentum_decay": 0.01, "maximize": True, "betas": (0.8, 0.99)}],
    "RAdam": [{}, {"lr": 0.01, "weight_decay": 0.1}, {"weight_decay": 0.1, "decoupled_weight_decay": True},
              {"maximize": True, "betas": (0.5, 0.9)}],
    "Adamax": [{}, {"lr": 0.01, "weight_decay": 0.1}, {"maximize": True, "eps": 1e-3}],
    "Adadelta": [{}, {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1}, {"maximize": True}],
    "ASGD": [{}, {"lr": 0.05, "t0": 2, "lambd": 0.01, "weight_decay": 0.1}, {"maximize": True, "t0": 0}],
    "Rprop": [{}, {"lr": 0.05, "etas": (0.4, 1.5), "step_sizes": (1e-3, 0.2)}, {"maximize": True}],
}
PARAMS = [(n, kw) for n, kws in CONFIGS.items() for kw in kws]
STEPS = 8


def init_arrays(dtype=np.float64, seed=0):
    r = np.random.default_rng(seed)
    return [r.standard_normal((3, 4)).astype(dtype), r.standard_normal(3).astype(dtype)]


def data(dtype=np.float64):
    r = np.random.default_rng(1)
    return r.standard_normal((5, 4)).astype(dtype)


def ember_loss(params, x):
    y = F.linear(x, params[0], params[1])
    return (ember.tanh(y) * y).sum()


def torch_loss(torch, params, x):
    y = torch.nn.functional.linear(x, params[0], params[1])
    return (torch.tanh(y) * y).sum()


def run_ember(name, kw, steps, dtype=np.float64, opt=None, params=None):
    params = params or [tensor(a, requires_grad=True) for a in init_arrays(dtype)]
    x = tensor(data(dtype))
    opt = opt or getattr(optim, name)(params, **kw)
    for _ in range(steps):
        opt.zero_grad()
        ember_loss(params, x).backward()
        opt.step()
    return params, opt


@pytest.mark.parametrize("name,kw", PARAMS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_torch_parity(name, kw, dtype):
    torch = pytest.importorskip("torch")
    params, opt = run_ember(name, kw, STEPS, dtype)
    tparams = [torch.tensor(a, requires_grad=True) for a in init_arrays(dtype)]
    topt = getattr(torch.optim, name)(tparams, **kw)
    x = torch.tensor(data(dtype))
    for _ in range(STEPS):
        topt.zero_grad()
        torch_loss(torch, tparams, x).backward()
        topt.step()
    tol = dict(rtol=2e-5, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-12)
    for e, t in zip(params, tparams):
        np.testing.assert_allclose(to_np(e), t.detach().numpy(), **tol)
    # same state keys and values as torch's, and the same param-group keys
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert list(sd["param_groups"][0]) == list(tsd["param_groups"][0])
    for i in tsd["state"]:
        assert set(sd["state"][i]) == set(tsd["state"][i])
        for k, v in tsd["state"][i].items():
            np.testing.assert_allclose(to_np(sd["state"][i][k]), v.numpy(), **tol)


@pytest.mark.parametrize("name,kw", [(n, kws[1]) for n, kws in CONFIGS.items()])
def test_state_dict_round_trip(name, kw):
    full, _ = run_ember(name, kw, 6)
    params, opt = run_ember(name, kw, 3)
    sd = opt.state_dict()
    params2 = [tensor(to_np(p), requires_grad=True) for p in params]
    opt2 = getattr(optim, name)(params2, **kw)
    opt2.load_state_dict(sd)
    run_ember(name, kw, 3, opt=opt2, params=params2)
    for a, b in zip(full, params2):
        np.testing.assert_array_equal(to_np(a), to_np(b))


def test_param_groups_and_repr():
    a, b = [tensor(v, requires_grad=True) for v in init_arrays()]
    opt = optim.NAdam([{"params": [a]}, {"params": [b], "lr": 0.1}], lr=0.01)
    assert opt.param_groups[0]["lr"] == 0.01 and opt.param_groups[1]["lr"] == 0.1
    assert opt.param_groups[1]["momentum_decay"] == 4e-3
    assert "NAdam (" in repr(opt)


@pytest.mark.parametrize("name,kw,msg", [
    ("NAdam", {"lr": -1.0}, r"\[NAdam\] Invalid learning rate: -1.0"),
    ("NAdam", {"momentum_decay": -1.0}, r"\[NAdam\] Invalid momentum_decay value"),
    ("RAdam", {"betas": (1.0, 0.9)}, r"\[RAdam\] Invalid beta parameter at index 0"),
    ("Adamax", {"eps": -1.0}, r"\[Adamax\] Invalid epsilon value"),
    ("Adadelta", {"rho": 1.5}, r"\[Adadelta\] Invalid rho value"),
    ("ASGD", {"weight_decay": -1.0}, r"\[ASGD\] Invalid weight_decay value"),
    ("Rprop", {"etas": (1.5, 1.2)}, r"\[Rprop\] Invalid eta values"),
])
def test_bad_input(name, kw, msg):
    p = tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(ValueError, match=msg):
        getattr(optim, name)([p], **kw)


def test_differentiable_and_mismatched_state():
    p = tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(NotImplementedError, match=r"\[RAdam\] differentiable=True"):
        optim.RAdam([p], differentiable=True)
    _, opt = run_ember("Adamax", {}, 1)
    sd = opt.state_dict()
    q = [tensor(np.zeros(5), requires_grad=True), tensor(np.zeros(3), requires_grad=True)]
    opt2 = optim.Adamax(q)
    with pytest.raises(ValueError):
        opt2.load_state_dict(sd)
        q[0].grad = tensor(np.ones(5))
        q[1].grad = tensor(np.ones(3))
        opt2.step()


@pytest.mark.parametrize("name", list(CONFIGS))
def test_threads_deterministic(name):
    r = np.random.default_rng(3)
    base = r.standard_normal(100_003).astype(np.float32)
    grads = [r.standard_normal(100_003).astype(np.float32) for _ in range(3)]

    def run():
        p = tensor(base, requires_grad=True)
        opt = getattr(optim, name)([p], **CONFIGS[name][1])
        for g in grads:
            p.grad = tensor(g)
            opt.step()
        return p
    same_for_threads(run)


def _rosen_ember(p):
    x, y = p[0], p[1]
    return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_torch_parity(line_search_fn):
    torch = pytest.importorskip("torch")
    kw = dict(lr=1 if line_search_fn else 0.05, max_iter=15, history_size=5,
              line_search_fn=line_search_fn)
    params = [tensor(a, requires_grad=True) for a in init_arrays()]
    tparams = [torch.tensor(a, requires_grad=True) for a in init_arrays()]
    x, tx = tensor(data()), torch.tensor(data())
    opt, topt = optim.LBFGS(params, **kw), torch.optim.LBFGS(tparams, **kw)

    def closure():
        opt.zero_grad()
        loss = ember_loss(params, x) + (params[0] * params[0]).sum()
        loss.backward()
        return loss

    def tclosure():
        topt.zero_grad()
        loss = torch_loss(torch, tparams, tx) + (tparams[0] * tparams[0]).sum()
        loss.backward()
        return loss
    for _ in range(3):
        le, lt = opt.step(closure), topt.step(tclosure)
        np.testing.assert_allclose(le.item(), lt.item(), rtol=1e-9)
    for e, t in zip(params, tparams):
        np.testing.assert_allclose(to_np(e), t.detach().numpy(), rtol=1e-8, atol=1e-10)
    st, tst = opt.state_dict()["state"][0], topt.state_dict()["state"][0]
    assert st["func_evals"] == tst["func_evals"] and st["n_iter"] == tst["n_iter"]


def test_lbfgs_rosenbrock_and_state_dict():
    p = tensor(np.array([-1.5, 2.0]), requires_grad=True)
    opt = optim.LBFGS([p], line_search_fn="strong_wolfe", max_iter=100)

    def closure():
        opt.zero_grad()
        loss = _rosen_ember(p)
        loss.backward()
        return loss
    opt.step(closure)
    np.testing.assert_allclose(to_np(p), [1.0, 1.0], atol=1e-5)
    sd = opt.state_dict()
    opt2 = optim.LBFGS([p], line_search_fn="strong_wolfe", max_iter=100)
    opt2.load_state_dict(sd)
    assert opt2.state_dict()["state"][0]["n_iter"] == sd["state"][0]["n_iter"]
    with pytest.raises(ValueError, match=r"\[LBFGS\] only 'strong_wolfe'"):
        optim.LBFGS([p], line_search_fn="armijo")
    with pytest.raises(ValueError, match=r"\[LBFGS\] step\(\) requires a closure"):
        opt.step(None)


def test_parameters_to_vector_round_trip():
    torch = pytest.importorskip("torch")
    from ember.nn.utils import parameters_to_vector, vector_to_parameters
    arrays = init_arrays()
    params = [tensor(a, requires_grad=True) for a in arrays]
    v = parameters_to_vector(params)
    tv = torch.nn.utils.parameters_to_vector([torch.tensor(a) for a in arrays])
    np.testing.assert_array_equal(to_np(v), tv.numpy())
    (v * v).sum().backward()
    np.testing.assert_allclose(to_np(params[0].grad), 2 * arrays[0])
    vector_to_parameters(tensor(np.arange(15.0)), params)
    np.testing.assert_array_equal(to_np(params[1]), [12.0, 13.0, 14.0])
    with pytest.raises(ValueError, match=r"\[vector_to_parameters\] vec has 3 elements"):
        vector_to_parameters(tensor(np.zeros(3)), params)
    with pytest.raises(TypeError, match=r"\[parameters_to_vector\] parameter 1 has dtype"):
        parameters_to_vector([params[0], tensor(np.zeros(2, np.float32))])
