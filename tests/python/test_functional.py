# ember.nn.functional against torch.nn.functional, and the new ops leaky_relu, elu (with
# in-place forms) and bilinear: forward vs NumPy, gradcheck, PyTorch parity, bad input.
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from utils import to_np, same_for_threads

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def pair(shape, seed=0, dtype=np.float64):
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return (ember.from_numpy(x.copy()).requires_grad_(), torch.from_numpy(x.copy()).requires_grad_(),
            x)


def test_leaky_relu_elu_vs_numpy():
    x = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(to_np(ember.leaky_relu(ember.from_numpy(x), 0.2)),
                               np.where(x > 0, x, 0.2 * x))
    np.testing.assert_allclose(to_np(ember.elu(ember.from_numpy(x), 0.5)),
                               np.where(x > 0, x, 0.5 * np.expm1(x)))


def test_gradcheck_new_ops():
    x = ember.from_numpy(np.random.default_rng(1).standard_normal((3, 4))).requires_grad_()
    assert ember.autograd.gradcheck(lambda t: ember.leaky_relu(t, 0.3), [x])
    assert ember.autograd.gradcheck(lambda t: ember.elu(t, 0.7), [x])
    rng = np.random.default_rng(2)
    a = ember.from_numpy(rng.standard_normal((2, 3))).requires_grad_()
    b = ember.from_numpy(rng.standard_normal((2, 4))).requires_grad_()
    w = ember.from_numpy(rng.standard_normal((5, 3, 4))).requires_grad_()
    bias = ember.from_numpy(rng.standard_normal((5,))).requires_grad_()
    assert ember.autograd.gradcheck(ember.bilinear, [a, b, w, bias])


def test_double_backward_elu():
    x = ember.from_numpy(np.array([-1.0, 0.5, -0.2])).requires_grad_()
    t = torch.tensor([-1.0, 0.5, -0.2], dtype=torch.float64, requires_grad=True)
    (g,) = ember.autograd.grad(ember.elu(x, 0.5).sum(), [x], create_graph=True)
    g.sum().backward()
    (tg,) = torch.autograd.grad(TF.elu(t, 0.5).sum(), [t], create_graph=True)
    tg.sum().backward()
    np.testing.assert_allclose(to_np(x.grad), t.grad.numpy())


CASES = [
    ("relu", lambda f, x: f.relu(x)),
    ("leaky_relu", lambda f, x: f.leaky_relu(x, 0.05)),
    ("elu", lambda f, x: f.elu(x, alpha=2.0)),
    ("gelu", lambda f, x: f.gelu(x)),
    ("gelu_tanh", lambda f, x: f.gelu(x, approximate="tanh")),
    ("silu", lambda f, x: f.silu(x)),
    ("tanh", lambda f, x: f.tanh(x)),
    ("sigmoid", lambda f, x: f.sigmoid(x)),
    ("softplus", lambda f, x: f.softplus(x, beta=2, threshold=3)),
    ("softmax", lambda f, x: f.softmax(x, dim=-1)),
    ("softmax_implicit", lambda f, x: f.softmax(x, dim=1)),
    ("log_softmax", lambda f, x: f.log_softmax(x, 0)),
    ("layer_norm", lambda f, x: f.layer_norm(x, (5,))),
    ("rms_norm", lambda f, x: f.rms_norm(x, [5], eps=1e-6)),
    ("dropout_eval", lambda f, x: f.dropout(x, 0.5, training=False)),
]


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_functional_matches_torch(name, fn, dtype):
    e, t, _ = pair((4, 5), dtype=dtype)
    ey, ty = fn(F, e), fn(TF, t)
    tol = 1e-5 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(to_np(ey), ty.detach().numpy(), rtol=tol, atol=tol)
    g = np.random.default_rng(9).standard_normal((4, 5)).astype(dtype)
    ey.backward(ember.from_numpy(g.copy()))
    ty.backward(torch.from_numpy(g.copy()))
    np.testing.assert_allclose(to_np(e.grad), t.grad.numpy(), rtol=tol, atol=tol)


def test_softmax_implicit_dim():
    for shape in [(5,), (3, 4), (2, 3, 4), (2, 3, 4, 2)]:
        x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
        ref = TF.softmax(torch.from_numpy(x), dim=0 if len(shape) in (1, 3) else 1)
        np.testing.assert_allclose(to_np(F.softmax(ember.from_numpy(x))), ref.numpy(), rtol=1e-6)
        np.testing.assert_allclose(to_np(ember.nn.Softmax()(ember.from_numpy(x))), ref.numpy(),
                                   rtol=1e-6)


def test_linear_bilinear_embedding_batchnorm_match_torch():
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((3, 4)), rng.standard_normal((2, 4)), rng.standard_normal(2)
    E = ember.from_numpy
    T = torch.from_numpy
    np.testing.assert_allclose(to_np(F.linear(E(x), E(w), E(b))), TF.linear(T(x), T(w), T(b)).numpy())
    x2, w3 = rng.standard_normal((3, 5)), rng.standard_normal((2, 4, 5))
    np.testing.assert_allclose(to_np(F.bilinear(E(x), E(x2), E(w3), E(b))),
                               TF.bilinear(T(x), T(x2), T(w3), T(b)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(to_np(F.bilinear(E(x), E(x2), E(w3))),
                               TF.bilinear(T(x), T(x2), T(w3)).numpy(), rtol=1e-12)
    idx = np.array([[0, 1], [1, 3]])
    wt = rng.standard_normal((4, 3))
    np.testing.assert_allclose(to_np(F.embedding(E(idx), E(wt), padding_idx=-1)),
                               TF.embedding(T(idx), T(wt), padding_idx=-1).numpy())
    xb = rng.standard_normal((6, 3))
    rm, rv = np.zeros(3), np.ones(3)
    erm, erv, trm, trv = E(rm.copy()), E(rv.copy()), T(rm.copy()), T(rv.copy())
    np.testing.assert_allclose(to_np(F.batch_norm(E(xb), erm, erv, training=True)),
                               TF.batch_norm(T(xb), trm, trv, training=True).numpy(), rtol=1e-10)
    np.testing.assert_allclose(to_np(erv), trv.numpy(), rtol=1e-12)
    np.testing.assert_array_equal(to_np(F.one_hot(E(np.array([0, 2])), 3)),
                                  TF.one_hot(T(np.array([0, 2])), 3).numpy())
    lg, tg = rng.standard_normal((4, 3)), np.array([0, 2, 1, 1])
    np.testing.assert_allclose(float(F.cross_entropy(E(lg), E(tg))),
                               TF.cross_entropy(T(lg), T(tg)).item(), rtol=1e-12)
    np.testing.assert_allclose(float(F.nll_loss(E(lg), E(tg))), TF.nll_loss(T(lg), T(tg)).item())


def test_inplace_functional():
    x = np.random.default_rng(5).standard_normal((3, 4)).astype(np.float32)
    for ef, tf in [(lambda t: F.relu(t, inplace=True), lambda t: TF.relu(t, inplace=True)),
                   (lambda t: F.leaky_relu(t, 0.2, True), lambda t: TF.leaky_relu(t, 0.2, True)),
                   (lambda t: F.elu(t, 1.5, True), lambda t: TF.elu(t, 1.5, True)),
                   (lambda t: F.silu(t, inplace=True), lambda t: TF.silu(t, inplace=True)),
                   (F.relu_, torch.relu_), (F.leaky_relu_, TF.leaky_relu_), (F.elu_, TF.elu_)]:
        e, t = ember.from_numpy(x.copy()), torch.from_numpy(x.copy())
        v = e._version
        ef(e)
        tf(t)
        np.testing.assert_allclose(to_np(e), t.numpy(), rtol=1e-6)
        assert e._version > v
    # non-contiguous input through the out-of-place path
    e = ember.from_numpy(x.copy()).transpose(0, 1)
    t = torch.from_numpy(x.copy()).transpose(0, 1)
    F.elu_(e)
    TF.elu_(t)
    np.testing.assert_allclose(to_np(e), t.numpy(), rtol=1e-6)
    leaf = ember.ones((2,), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\[leaky_relu_\]"):
        F.leaky_relu_(leaf)


def test_dropout_functional():
    x = ember.ones((100, 100))
    y = to_np(F.dropout(x, 0.25))
    assert abs((y == 0).mean() - 0.25) < 0.03
    xi = ember.ones((10, 10))
    F.dropout(xi, 0.5, inplace=True)
    assert (to_np(xi) == 0).any()
    d = to_np(F.dropout2d(ember.ones((2, 8, 3, 3)), 0.5))
    per_channel = d.reshape(16, 9)
    assert all(len(set(r)) == 1 for r in per_channel)


def test_bad_input():
    with pytest.raises(TypeError, match=r"\[leaky_relu\]"):
        ember.leaky_relu(ember.from_numpy(np.array([1, 2])))
    with pytest.raises(TypeError, match=r"\[elu\]"):
        ember.elu(ember.from_numpy(np.array([True])))
    with pytest.raises(ValueError, match=r"\[bilinear\]"):
        ember.bilinear(ember.ones((2, 3)), ember.ones((2, 4)), ember.ones((5, 3)))
    with pytest.raises(ValueError, match=r"\[bilinear\]"):
        ember.bilinear(ember.ones((2, 3)), ember.ones((3, 4)), ember.ones((5, 3, 4)))
    with pytest.raises(TypeError, match=r"\[bilinear\]"):
        ember.bilinear(ember.ones((2, 3)), ember.ones((2, 4), dtype=ember.float64),
                       ember.ones((5, 3, 4)))
    with pytest.raises(NotImplementedError):
        F.embedding(ember.from_numpy(np.array([0])), ember.ones((2, 2)), sparse=True)


def test_thread_determinism():
    x = ember.from_numpy(np.random.default_rng(6).standard_normal(300000).astype(np.float32))
    same_for_threads(lambda: (ember.elu(x), ember.leaky_relu(x, 0.1)))


def test_losses_reexported_when_present():
    for name in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
                 "binary_cross_entropy_with_logits", "kl_div"):
        assert hasattr(F, name) == hasattr(ember._C, name)
