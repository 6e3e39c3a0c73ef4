"""nn.utils.parametrize (register / remove / is_parametrized / cached) and
nn.utils.parametrizations.weight_norm / spectral_norm: state_dict keys and values as torch,
forward and gradients vs torch after loading torch's state_dict, C++ layers inside C++
containers, bad input."""
import numpy as np
import pytest

import ember
from ember import nn
from ember.nn.utils import parametrize
from ember.nn.utils.parametrizations import spectral_norm, weight_norm
from utils import randn, tensor, to_np


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)


class Double(nn.Module):
    def forward(self, X):
        return X * 2.0

    def right_inverse(self, X):
        return X / 2.0


def _sd_np(m):
    return {k: v.detach().numpy() for k, v in m.state_dict().items()}


def test_register_and_remove_keep_torch_names():
    lin = nn.Linear(3, 3)
    w0 = to_np(lin.weight)
    parametrize.register_parametrization(lin, "weight", Symmetric())
    assert parametrize.is_parametrized(lin) and parametrize.is_parametrized(lin, "weight")
    assert not parametrize.is_parametrized(lin, "bias")
    assert type(lin).__name__ == "ParametrizedLinear"
    assert parametrize.type_before_parametrizations(lin) is nn.Linear
    assert list(lin.state_dict().keys()) == ["bias", "parametrizations.weight.original"]
    assert [n for n, _ in lin.named_parameters()] == ["bias", "parametrizations.weight.original"]
    w = to_np(lin.weight)
    np.testing.assert_array_equal(w, w.T)
    np.testing.assert_array_equal(to_np(lin.parametrizations.weight.original), w0)
    # the C++ forward reads the parametrized weight
    x = randn(2, 3, dtype=np.float32)
    np.testing.assert_allclose(to_np(lin(x)), to_np(x) @ w.T + to_np(lin.bias), rtol=1e-6)
    # and so does a C++ container calling it
    seq = nn.Sequential(lin)
    np.testing.assert_allclose(to_np(seq(x)), to_np(lin(x)), rtol=0)
    parametrize.remove_parametrizations(lin, "weight")
    assert type(lin) is nn.Linear and not parametrize.is_parametrized(lin)
    assert list(lin.state_dict().keys()) == ["weight", "bias"]
    np.testing.assert_array_equal(to_np(lin.weight), w)


def test_gradient_reaches_original_and_chaining():
    lin = nn.Linear(3, 3)
    parametrize.register_parametrization(lin, "weight", Symmetric())
    parametrize.register_parametrization(lin, "weight", Double())
    assert len(lin.parametrizations.weight) == 2
    x = randn(4, 3, dtype=np.float32)
    lin(x).sum().backward()
    g = to_np(lin.parametrizations.weight.original.grad)
    gy = np.ones((4, 3), np.float32)
    dw = 2.0 * (gy.T @ to_np(x))  # d/dW of sum(x W^T), times Double's 2
    ref = np.triu(dw) + np.tril(dw, -1).T
    np.testing.assert_allclose(g, ref, rtol=1e-5)
    # setting the parametrized tensor goes through right_inverse (Double; Symmetric has none)
    lin2 = nn.Linear(2, 2)
    parametrize.register_parametrization(lin2, "weight", Double())
    lin2.weight = ember.ones(2, 2)
    np.testing.assert_allclose(to_np(lin2.parametrizations.weight.original), 0.5)
    np.testing.assert_allclose(to_np(lin2.weight), 1.0)
    parametrize.remove_parametrizations(lin2, "weight", leave_parametrized=False)
    np.testing.assert_allclose(to_np(lin2.weight), 0.5)


def test_cached_evaluates_once():
    calls = []

    class Count(nn.Module):
        def forward(self, X):
            calls.append(1)
            return X + 0.0

    lin = nn.Linear(2, 2)
    parametrize.register_parametrization(lin, "weight", Count())
    calls.clear()
    with parametrize.cached():
        a = lin.weight
        b = lin.weight
        lin(randn(1, 2, dtype=np.float32))
    assert len(calls) == 1 and a is b
    lin.weight
    assert len(calls) == 2


def test_bad_input():
    lin = nn.Linear(3, 2)
    with pytest.raises(ValueError, match=r"\[register_parametrization\] module 'Linear' has no "
                                         r"parameter or buffer with name 'nope'"):
        parametrize.register_parametrization(lin, "nope", Symmetric())
    class Flat(nn.Module):
        def forward(self, X):
            return X.reshape(-1)

    with pytest.raises(ValueError, match=r"may not change the shape"):
        parametrize.register_parametrization(lin, "weight", Flat())
    assert not parametrize.is_parametrized(lin) and "weight" in dict(lin.named_parameters())
    with pytest.raises(TypeError, match=r"expected the parametrization to be an ember.nn.Module"):
        parametrize.register_parametrization(lin, "weight", lambda x: x)
    with pytest.raises(ValueError, match=r"\[remove_parametrizations\] module Linear does not have"):
        parametrize.remove_parametrizations(lin, "weight")
    with pytest.raises(ValueError, match=r"\[spectral_norm\] expected n_power_iterations to be "
                                         r"positive"):
        spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(ValueError, match=r"\[weight_norm\] module 'Linear' has no parameter"):
        weight_norm(nn.Linear(2, 2), name="w")


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_matches_torch(dim):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    tm = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(4, 3), dim=dim)
    em = weight_norm(nn.Linear(4, 3), dim=dim)
    assert list(em.state_dict().keys()) == list(tm.state_dict().keys())
    assert [n for n, _ in em.named_parameters()] == [n for n, _ in tm.named_parameters()]
    em.load_state_dict(_sd_np(tm))
    a = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    y, ty = em(tensor(a)), tm(torch.tensor(a))
    np.testing.assert_allclose(to_np(y), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    for (n, p), (tn, tp) in zip(em.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(to_np(p.grad), tp.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=n)
    # a fresh ember weight_norm gives g = ||v|| (the weight is unchanged)
    fresh = nn.Linear(4, 3)
    w = to_np(fresh.weight)
    weight_norm(fresh, dim=dim)
    np.testing.assert_allclose(to_np(fresh.weight), w, rtol=1e-6)


def test_weight_norm_gradcheck():
    lin = nn.Linear(3, 2).double()
    weight_norm(lin)
    g, v = lin.parametrizations.weight.original0, lin.parametrizations.weight.original1
    f = lin.parametrizations.weight[0]
    assert ember.autograd.gradcheck(lambda a, b: f(a, b), [g, v])
    assert ember.autograd.gradgradcheck(lambda a, b: f(a, b), [g, v])


@pytest.mark.parametrize("make", ["linear", "conv", "convt"])
def test_spectral_norm_matches_torch(make):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    if make == "linear":
        tm, em, shape = torch.nn.Linear(5, 4), nn.Linear(5, 4), (3, 5)
    elif make == "conv":
        tm, em, shape = torch.nn.Conv2d(2, 3, 3), nn.Conv2d(2, 3, 3), (2, 2, 5, 5)
    else:
        tm, em, shape = torch.nn.ConvTranspose2d(3, 2, 3), nn.ConvTranspose2d(3, 2, 3), (2, 3, 4, 4)
    tm = torch.nn.utils.parametrizations.spectral_norm(tm)
    em = spectral_norm(em)
    assert list(em.state_dict().keys()) == list(tm.state_dict().keys())
    em.load_state_dict(_sd_np(tm))
    a = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    for step in range(3):  # training mode: one power iteration per forward
        y, ty = em(tensor(a)), tm(torch.tensor(a))
        np.testing.assert_allclose(to_np(y), ty.detach().numpy(), rtol=1e-4, atol=1e-5)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(to_np(em.parametrizations.weight.original.grad),
                               tm.parametrizations.weight.original.grad.numpy(), rtol=1e-3,
                               atol=1e-5)
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(to_np(em.state_dict()[k]), v.numpy(), rtol=1e-4, atol=1e-6,
                                   err_msg=k)
    em.eval()
    tm.eval()
    u = to_np(em.parametrizations.weight[0]._u)
    np.testing.assert_allclose(to_np(em(tensor(a))), tm(torch.tensor(a)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(to_np(em.parametrizations.weight[0]._u), u)  # eval: no update


def test_spectral_norm_largest_singular_value_is_one():
    ember.manual_seed(0)
    lin = spectral_norm(nn.Linear(6, 5).double(), n_power_iterations=30)
    s = np.linalg.svd(to_np(lin.weight), compute_uv=False)
    assert abs(s[0] - 1.0) < 1e-6


def test_deepcopy_of_parametrized_layer():
    import copy
    lin = weight_norm(nn.Linear(3, 2))
    dup = copy.deepcopy(lin)
    assert type(dup) is not type(lin) and type(dup).__name__ == "ParametrizedLinear"
    x = randn(4, 3, dtype=np.float32)
    np.testing.assert_array_equal(to_np(dup(x)), to_np(lin(x)))
    with ember.no_grad():
        dup.parametrizations.weight.original1.mul_(2.0)
        dup.parametrizations.weight.original0.mul_(3.0)
    np.testing.assert_allclose(to_np(dup(x)) - to_np(dup.bias), 3 * (to_np(lin(x)) - to_np(lin.bias)),
                               rtol=1e-5, atol=1e-6)
    parametrize.remove_parametrizations(dup, "weight")
    assert type(dup) is nn.Linear and parametrize.is_parametrized(lin)
