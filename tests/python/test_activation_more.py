# The activations of ops/activation_more.h and their layers (nn/activation_more.h): forward
# vs NumPy, float64 gradcheck / gradgradcheck, PyTorch parity of values and gradients
# (including the kink points), in-place forms, bad input, thread determinism, layer reprs.
import copy

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from utils import to_np, same_for_threads

SELU_A = 1.6732632423543772848170429916717
SELU_S = 1.0507009873554804934193349852946
# Every kink of the ops below (relu6 0/6, hardtanh -0.5/2, hardsigmoid/hardswish +-3,
# shrinks +-0.5, threshold 0.25) plus some ordinary points.
KINKS = [-3.0, 0.0, 3.0, 6.0, -0.5, 0.5, 2.0, 0.25, -1.0, 1.0, 7.5, -20.0]


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _sig(x):
    return 1 / (1 + np.exp(-x))


# name -> (call(f, x) with f = ember.nn.functional or torch.nn.functional, NumPy reference)
CASES = {
    "relu6": (lambda f, x: f.relu6(x), lambda x: np.clip(x, 0, 6)),
    "hardtanh": (lambda f, x: f.hardtanh(x, -0.5, 2.0), lambda x: np.clip(x, -0.5, 2.0)),
    "hardsigmoid": (lambda f, x: f.hardsigmoid(x), lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    "hardswish": (lambda f, x: f.hardswish(x), lambda x: x * np.clip(x + 3, 0, 6) / 6),
    "mish": (lambda f, x: f.mish(x), lambda x: x * np.tanh(np.logaddexp(0, x))),
    "selu": (lambda f, x: f.selu(x), lambda x: SELU_S * np.where(x > 0, x, SELU_A * np.expm1(x))),
    "celu": (lambda f, x: f.celu(x, 2.0), lambda x: np.where(x > 0, x, 2 * np.expm1(x / 2))),
    "logsigmoid": (lambda f, x: f.logsigmoid(x), lambda x: -np.logaddexp(0, -x)),
    "softsign": (lambda f, x: f.softsign(x), lambda x: x / (1 + np.abs(x))),
    "tanhshrink": (lambda f, x: f.tanhshrink(x), lambda x: x - np.tanh(x)),
    "hardshrink": (lambda f, x: f.hardshrink(x, 0.5), lambda x: np.where(np.abs(x) > 0.5, x, 0)),
    "softshrink": (lambda f, x: f.softshrink(x, 0.5),
                   lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0))),
    "threshold": (lambda f, x: f.threshold(x, 0.25, 7.0), lambda x: np.where(x > 0.25, x, 7.0)),
    "softmin": (lambda f, x: f.softmin(x, dim=1), lambda x: _softmax(-x, 1)),
    "glu": (lambda f, x: f.glu(x), lambda x: x[:, :6] * _sig(x[:, 6:])),
    "glu0": (lambda f, x: f.glu(x, 0), lambda x: x[:2] * _sig(x[2:])),
}
POINTWISE = [n for n in CASES if n not in ("softmin", "glu", "glu0")]
# Functional forms with an inplace= argument (PyTorch's), as call(f, x, inplace).
INPLACE = {
    "relu6": lambda f, x, i: f.relu6(x, inplace=i),
    "hardtanh": lambda f, x, i: f.hardtanh(x, -0.5, 2.0, inplace=i),
    "hardsigmoid": lambda f, x, i: f.hardsigmoid(x, inplace=i),
    "hardswish": lambda f, x, i: f.hardswish(x, inplace=i),
    "mish": lambda f, x, i: f.mish(x, inplace=i),
    "selu": lambda f, x, i: f.selu(x, inplace=i),
    "celu": lambda f, x, i: f.celu(x, 2.0, inplace=i),
    "threshold": lambda f, x, i: f.threshold(x, 0.25, 7.0, i),
}


def data(dtype=np.float64, seed=0):
    """(4, 12) values: a row of kink points, the rest normal * 3."""
    x = np.random.default_rng(seed).standard_normal((4, 12)) * 3
    x[0] = KINKS
    return x.astype(dtype)


def smooth_data(seed=1):
    """float64 values at least 0.05 away from every kink (for finite differences)."""
    x = np.random.default_rng(seed).standard_normal((4, 12)) * 3
    for k in set(KINKS) | {-6.0}:
        near = np.abs(x - k) < 0.05
        x[near] += 0.1
    return x


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_vs_numpy(name):
    call, ref = CASES[name]
    for dtype, tol in ((np.float64, 1e-12), (np.float32, 2e-6)):
        x = data(dtype)
        out = call(F, ember.from_numpy(x))
        assert out.dtype == (ember.float64 if dtype == np.float64 else ember.float32)
        np.testing.assert_allclose(to_np(out), ref(x.astype(np.float64)), rtol=tol, atol=tol)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck(name):
    call = CASES[name][0]
    x = ember.from_numpy(smooth_data()).requires_grad_()
    assert ember.autograd.gradcheck(lambda t: call(F, t), [x])


@pytest.mark.parametrize("name", ["mish", "selu", "celu", "softsign", "hardswish",
                                  "logsigmoid", "tanhshrink", "glu", "softmin"])
def test_gradgradcheck(name):
    call = CASES[name][0]
    x = ember.from_numpy(smooth_data(2)[:2]).requires_grad_()
    assert ember.autograd.gradgradcheck(lambda t: call(F, t), [x])


@pytest.mark.parametrize("name", sorted(CASES))
def test_torch_parity_with_kinks(name):
    torch = pytest.importorskip("torch")
    call = CASES[name][0]
    for dtype, tol in ((np.float32, 2e-6), (np.float64, 1e-12)):
        x = data(dtype, seed=3)
        up = np.random.default_rng(4).standard_normal(call(F, ember.from_numpy(x)).shape).astype(dtype)
        e = ember.from_numpy(x.copy()).requires_grad_()
        t = torch.from_numpy(x.copy()).requires_grad_()
        ye, yt = call(F, e), call(torch.nn.functional, t)
        np.testing.assert_allclose(to_np(ye), yt.detach().numpy(), rtol=tol, atol=tol)
        (ye * ember.from_numpy(up)).sum().backward()
        (yt * torch.from_numpy(up)).sum().backward()
        # Agreement at the kinks (row 0) is what this checks: any other convention gives a
        # different gradient there, not a rounding difference. PyTorch's float64 hardsigmoid
        # gradient uses float32's 1/6 (ember's is exact), hence the looser tolerance.
        gtol = 1e-7 if name == "hardsigmoid" else tol
        np.testing.assert_allclose(to_np(e.grad), t.grad.numpy(), rtol=gtol, atol=gtol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_backward_matches_composite(dtype):
    # Plain backward runs the fused kernel; create_graph=True the ember-op formula.
    x = data(dtype, seed=11)
    up = ember.from_numpy(np.random.default_rng(12).standard_normal(x.shape).astype(dtype))
    tol = 2e-6 if dtype == np.float32 else 1e-13
    for name in POINTWISE + ["leaky_relu", "elu"]:
        call = CASES[name][0] if name in CASES else getattr(F, name)
        grads = []
        for create_graph in (False, True):
            e = ember.from_numpy(x.copy()).requires_grad_()
            (g,) = ember.autograd.grad((call(F, e) if name in CASES else call(e)) * up, [e],
                                       grad_outputs=[ember.ones_like(up)],
                                       create_graph=create_graph)
            grads.append(to_np(g))
        np.testing.assert_allclose(grads[0], grads[1], rtol=tol, atol=tol, err_msg=name)


def test_kink_gradients_match_torch_convention():
    # relu6 0 at 0 and 6; hardtanh 0 at the bounds; hardswish 0 at -3, 1 at 3; hardsigmoid
    # 0 at +-3; shrinks 0 at +-lambd; threshold 0 at the threshold; selu scale*alpha at 0.
    def grad(fn, v):
        x = ember.from_numpy(np.array(v, dtype=np.float64)).requires_grad_()
        fn(x).sum().backward()
        return to_np(x.grad).tolist()
    assert grad(F.relu6, [0.0, 6.0, 3.0]) == [0.0, 0.0, 1.0]
    assert grad(lambda t: F.hardtanh(t, -0.5, 2.0), [-0.5, 2.0, 0.0]) == [0.0, 0.0, 1.0]
    assert grad(F.hardswish, [-3.0, 3.0]) == [0.0, 1.0]
    assert grad(F.hardsigmoid, [-3.0, 3.0]) == [0.0, 0.0]
    assert grad(F.hardshrink, [-0.5, 0.5, 0.6]) == [0.0, 0.0, 1.0]
    assert grad(F.softshrink, [-0.5, 0.5, -0.6]) == [0.0, 0.0, 1.0]
    assert grad(lambda t: F.threshold(t, 0.25, 7.0), [0.25, 0.26]) == [0.0, 1.0]
    assert grad(F.selu, [0.0]) == pytest.approx([SELU_S * SELU_A])
    assert grad(lambda t: F.celu(t, 2.0), [0.0]) == [1.0]


def test_prelu():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    for shape, wn in (((2, 3, 4), 3), ((2, 3, 4), 1), ((5,), 1), ((), 1), ((2, 3), 3)):
        x = rng.standard_normal(shape)
        if x.ndim:
            x.flat[0] = 0.0  # the kink: slope w there, like PyTorch
        w = rng.standard_normal(wn)
        e, ew = ember.from_numpy(x).requires_grad_(), ember.from_numpy(w).requires_grad_()
        t, tw = torch.from_numpy(x).requires_grad_(), torch.from_numpy(w).requires_grad_()
        ye, yt = F.prelu(e, ew), torch.nn.functional.prelu(t, tw)
        assert tuple(ye.shape) == tuple(yt.shape)
        np.testing.assert_allclose(to_np(ye), yt.detach().numpy(), rtol=1e-12)
        wb = w.reshape((-1,) + (1,) * (x.ndim - 2)) if wn > 1 else w[0]
        np.testing.assert_allclose(to_np(ye), np.where(x > 0, x, wb * x), rtol=1e-12)
        ye.sum().backward()
        yt.sum().backward()
        np.testing.assert_allclose(to_np(e.grad), t.grad.numpy(), rtol=1e-12)
        np.testing.assert_allclose(to_np(ew.grad), tw.grad.numpy(), rtol=1e-12)
    x = ember.from_numpy(smooth_data()[:2].reshape(2, 3, 4)).requires_grad_()
    w = ember.from_numpy(np.array([0.1, -0.3, 0.7])).requires_grad_()
    assert ember.autograd.gradcheck(ember.prelu, [x, w])
    assert ember.autograd.gradgradcheck(ember.prelu, [x, w])
    np.testing.assert_array_equal(to_np(x.detach().prelu(w.detach())),
                                  to_np(ember.prelu(x, w).detach()))


def test_tensor_methods():
    x = ember.from_numpy(data())
    np.testing.assert_array_equal(to_np(x.hardshrink(0.3)), to_np(F.hardshrink(x, 0.3)))
    np.testing.assert_array_equal(to_np(x.hardshrink()), to_np(F.hardshrink(x)))


def test_double_backward_vs_torch():
    torch = pytest.importorskip("torch")
    x = smooth_data(6)[:2]
    for name in ("mish", "hardswish", "selu", "softsign", "logsigmoid", "glu"):
        call = CASES[name][0]
        e = ember.from_numpy(x.copy()).requires_grad_()
        t = torch.from_numpy(x.copy()).requires_grad_()
        (ge,) = ember.autograd.grad(call(F, e).sum(), [e], create_graph=True)
        (ge * ge).sum().backward()
        (gt,) = torch.autograd.grad(call(torch.nn.functional, t).sum(), [t], create_graph=True)
        (gt * gt).sum().backward()
        np.testing.assert_allclose(to_np(e.grad), t.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=name)


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace(name):
    torch = pytest.importorskip("torch")
    call = INPLACE[name]
    x = data(np.float32, seed=7)
    # Fast path (no graph, contiguous), and a non-contiguous view.
    e = ember.from_numpy(x.copy())
    out = call(F, e, True)
    assert out is e
    np.testing.assert_allclose(to_np(e), call(torch.nn.functional, torch.from_numpy(x.copy()), False).numpy(),
                               rtol=2e-6, atol=2e-6)
    et = ember.from_numpy(x.copy()).t()
    call(F, et, True)
    np.testing.assert_array_equal(to_np(et), to_np(call(F, ember.from_numpy(x.T.copy()), False)))
    # Through autograd: in place on a non-leaf, gradients like PyTorch's.
    up = np.random.default_rng(8).standard_normal(x.shape).astype(np.float32)
    le = ember.from_numpy(x.copy()).requires_grad_()
    lt = torch.from_numpy(x.copy()).requires_grad_()
    ye, yt = le * 1.5, lt * 1.5
    ve = ye._version
    assert call(F, ye, True) is ye and ye._version > ve
    call(torch.nn.functional, yt, True)
    np.testing.assert_allclose(to_np(ye), yt.detach().numpy(), rtol=2e-6, atol=2e-6)
    (ye * ember.from_numpy(up)).sum().backward()
    (yt * torch.from_numpy(up)).sum().backward()
    np.testing.assert_allclose(to_np(le.grad), lt.grad.numpy(), rtol=2e-6, atol=2e-6)


def test_inplace_functions_and_leaf_error():
    x = data()
    for fn_, fn, args in ((F.hardtanh_, F.hardtanh, (-0.5, 2.0)), (F.selu_, F.selu, ()),
                          (F.celu_, F.celu, (2.0,)), (F.threshold_, F.threshold, (0.25, 7.0))):
        e = ember.from_numpy(x.copy())
        assert fn_(e, *args) is e
        np.testing.assert_array_equal(to_np(e), to_np(fn(ember.from_numpy(x), *args)))
    leaf = ember.from_numpy(x.copy()).requires_grad_()
    with pytest.raises(RuntimeError, match=r"\[relu6_\]"):
        F.relu6(leaf, inplace=True)
    with pytest.raises(RuntimeError, match=r"\[hardtanh_\]"):
        F.hardtanh_(leaf)


def test_bad_input():
    i = ember.from_numpy(np.array([1, 2, 3, 4]))
    for name, fn in [("relu6", F.relu6), ("hardtanh", F.hardtanh), ("hardsigmoid", F.hardsigmoid),
                     ("hardswish", F.hardswish), ("mish", F.mish), ("selu", F.selu),
                     ("celu", F.celu), ("logsigmoid", F.logsigmoid), ("softsign", F.softsign),
                     ("tanhshrink", F.tanhshrink), ("hardshrink", F.hardshrink),
                     ("softshrink", F.softshrink), ("softmin", lambda t: F.softmin(t, 0)),
                     ("glu", F.glu), ("threshold", lambda t: F.threshold(t, 0.0, 1.0)),
                     ("hardtanh_", F.hardtanh_), ("threshold_", lambda t: F.threshold_(t, 0.0, 1.0)),
                     ("prelu", lambda t: F.prelu(t, ember.ones(1, dtype=ember.int64)))]:
        with pytest.raises(TypeError, match=r"\[" + name + r"\]"):
            fn(i)
    x = ember.from_numpy(data())
    with pytest.raises(ValueError, match=r"\[glu\].*even"):
        F.glu(x[:, :11], -1)
    with pytest.raises(ValueError, match=r"\[glu\]"):
        F.glu(ember.tensor(1.0))
    with pytest.raises(IndexError, match=r"\[glu\]"):
        F.glu(x, 2)
    w = ember.ones(3, dtype=ember.float64)
    with pytest.raises(ValueError, match=r"\[prelu\].*1 or 12"):
        F.prelu(x, w)
    with pytest.raises(ValueError, match=r"\[prelu\]"):
        F.prelu(x[0], ember.ones(12, dtype=ember.float64))  # 1-D input: a single weight
    with pytest.raises(ValueError, match=r"\[prelu\]"):
        F.prelu(x, ember.ones(1, 1, dtype=ember.float64))
    with pytest.raises(TypeError, match=r"\[prelu\]"):
        F.prelu(x, ember.ones(1, dtype=ember.float32))
    with pytest.raises(ValueError, match=r"\[celu\]"):
        F.celu(x, 0.0)
    with pytest.raises(ValueError, match=r"\[hardtanh\]"):
        F.hardtanh(x, 1.0, -1.0)
    with pytest.raises(ValueError, match=r"\[softshrink\]"):
        F.softshrink(x, -0.1)
    with pytest.raises(ValueError, match=r"\[Softmax2d\].*3D or 4D"):
        nn.Softmax2d()(x)
    with pytest.raises(ValueError, match=r"\[Hardtanh\]"):
        nn.Hardtanh(2.0, 1.0)
    with pytest.raises(ValueError, match=r"\[prelu\]"):
        nn.PReLU(3)(ember.from_numpy(data(np.float32)))


def test_thread_determinism():
    x = ember.from_numpy(np.random.default_rng(9).standard_normal(150_001).astype(np.float32) * 4)
    same_for_threads(lambda: tuple(CASES[n][0](F, x) for n in POINTWISE) +
                     (F.leaky_relu(x, 0.1), F.elu(x)))

    def grads():  # the fused backward kernels
        out = []
        for n in POINTWISE:
            e = x.detach().requires_grad_()
            CASES[n][0](F, e).backward(x)
            out.append(e.grad)
        return tuple(out)
    same_for_threads(grads)
    x64 = ember.from_numpy(np.random.default_rng(9).standard_normal(70_001) * 4)
    same_for_threads(lambda: (F.mish(x64), F.selu(x64), F.logsigmoid(x64)))


def test_float32_extremes_vs_torch():
    torch = pytest.importorskip("torch")
    x = np.array([-1e4, -100.0, -30.0, 25.0, 100.0, 1e4, np.inf, -np.inf, np.nan], np.float32)
    for name in POINTWISE:
        call = CASES[name][0]
        got = to_np(call(F, ember.from_numpy(x)))
        want = call(torch.nn.functional, torch.from_numpy(x)).numpy()
        # NaN where PyTorch has NaN; denormal tails may flush to 0.
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-37, err_msg=name)


# (ember layer, torch layer) constructors with the same arguments.
LAYERS = [
    ("ReLU6", (), {}), ("ReLU6", (True,), {}), ("Hardtanh", (), {}),
    ("Hardtanh", (-2.0, 3.0, True), {}), ("Hardsigmoid", (), {}), ("Hardsigmoid", (True,), {}),
    ("Hardswish", (), {"inplace": True}), ("Mish", (), {}), ("Mish", (True,), {}),
    ("SELU", (), {}), ("SELU", (), {"inplace": True}), ("CELU", (), {}), ("CELU", (2.0, True), {}),
    ("LogSigmoid", (), {}), ("Softsign", (), {}), ("Tanhshrink", (), {}), ("Hardshrink", (), {}),
    ("Softshrink", (0.3,), {}), ("Threshold", (0.1, 20.0), {}), ("Threshold", (0.1, 20.0, True), {}),
    ("Softmin", (), {}), ("Softmin", (1,), {}), ("Softmax2d", (), {}), ("GLU", (), {}),
    ("GLU", (0,), {}), ("PReLU", (), {}), ("PReLU", (3, 0.1), {}),
]


@pytest.mark.parametrize("name,args,kwargs", LAYERS)
def test_layer_repr_and_forward(name, args, kwargs):
    torch = pytest.importorskip("torch")
    em, tm = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(em) == repr(tm)
    if name == "PReLU":  # float64 like the input (PReLU does not promote)
        tm = tm.double()
        with torch.no_grad():
            tm.weight.copy_(torch.rand(tm.weight.shape))
        em = nn.PReLU(*args, dtype=ember.float64)
        em.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    x = np.random.default_rng(10).standard_normal((2, 3, 4, 2)) * 3
    x.flat[:4] = [0.0, -3.0, 6.0, 0.5]
    e, t = ember.from_numpy(x.copy()).requires_grad_(), torch.from_numpy(x.copy()).requires_grad_()
    ye, yt = em(e * 1.0), tm(t * 1.0)
    np.testing.assert_allclose(to_np(ye), yt.detach().numpy(), rtol=1e-12, atol=1e-14)
    ye.sum().backward()
    yt.sum().backward()
    gtol = 1e-7 if name == "Hardsigmoid" else 1e-12  # see test_torch_parity_with_kinks
    np.testing.assert_allclose(to_np(e.grad), t.grad.numpy(), rtol=gtol, atol=gtol)
    if name == "PReLU":
        np.testing.assert_allclose(to_np(em.weight.grad), tm.weight.grad.numpy(), rtol=1e-12)


def test_layer_attributes():
    r = nn.ReLU6()
    assert isinstance(r, nn.Hardtanh) and (r.min_val, r.max_val, r.inplace) == (0.0, 6.0, False)
    p = nn.PReLU(4, init=0.3)
    assert p.num_parameters == 4 and isinstance(p.weight, nn.Parameter)
    np.testing.assert_allclose(to_np(p.weight), np.full(4, 0.3, np.float32))
    assert list(p.state_dict()) == ["weight"] and p.weight.dtype == ember.float32
    assert nn.PReLU(dtype=ember.float64).weight.dtype == ember.float64
    c = copy.deepcopy(nn.Threshold(0.5, -1.0, True))
    assert (c.threshold, c.value, c.inplace) == (0.5, -1.0, True)
    s = nn.Softmin()  # implicit dim: 1 for 2-D input
    x = ember.from_numpy(data())
    np.testing.assert_allclose(to_np(s(x)), _softmax(-data(), 1), rtol=1e-12)
    y = ember.from_numpy(data())
    out = nn.Hardswish(inplace=True)(y)
    assert out.data_ptr() == y.data_ptr()
    np.testing.assert_array_equal(to_np(y), CASES["hardswish"][1](data()))
