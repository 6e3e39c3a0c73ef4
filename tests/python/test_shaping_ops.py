"""diff, rot90, fliplr / flipud, kron, block_diag, cartesian_prod, combinations, vander,
tensordot, inner, cov, corrcoef, cross / linalg.cross, baddbmm, addbmm, addmv, addr,
chain_matmul / linalg.multi_dot: forward against NumPy, float64 gradient checks (and double
backward), torch parity for values and gradients, bad input."""
import itertools

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from utils import randn, tensor, to_np


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def _torch_grads(torch, fn_e, fn_t, arrays, seed=9):
    """Runs fn on ember and torch copies of arrays, backprops a random cotangent and
    compares the values and every input's gradient."""
    xs = [tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = fn_e(*xs), fn_t(*ts)
    np.testing.assert_allclose(to_np(out), ref.detach().numpy(), rtol=1e-10, atol=1e-10)
    g = np.random.default_rng(seed).standard_normal(tuple(ref.shape))
    (out * tensor(g)).sum().backward()
    (ref * torch.tensor(g)).sum().backward()
    for x, t in zip(xs, ts):
        # An unused input (beta=0) gets no gradient in ember and zeros in torch.
        got = to_np(x.grad) if x.grad is not None else np.zeros(x.shape)
        np.testing.assert_allclose(got, t.grad.numpy(), rtol=1e-10, atol=1e-10)


# ---------------------------------------------------------------- shaping

def test_diff_matches_numpy():
    a = _rand(3, 5)
    for n, dim in [(1, -1), (2, 1), (1, 0), (0, 1), (7, 1)]:
        np.testing.assert_allclose(to_np(ember.diff(tensor(a), n, dim)), np.diff(a, n, axis=dim))
    pre, app = _rand(3, 1, seed=1), _rand(3, 2, seed=2)
    out = tensor(a).diff(append=tensor(app), prepend=tensor(pre))
    np.testing.assert_allclose(to_np(out), np.diff(a, prepend=pre, append=app))
    b = np.array([True, False, False, True])
    np.testing.assert_array_equal(to_np(ember.diff(tensor(b))), np.diff(b))
    np.testing.assert_array_equal(to_np(ember.diff(tensor(np.array([3, 1, 4])))), [-2, 3])


def test_rot90_flips_match_numpy():
    a = _rand(2, 3, 4)
    for k in range(-5, 6):
        for dims in ([0, 1], [1, 2], [2, 0]):
            np.testing.assert_array_equal(to_np(ember.rot90(tensor(a), k, dims)),
                                          np.rot90(a, k, axes=dims))
    np.testing.assert_array_equal(to_np(tensor(a).rot90()), np.rot90(a))
    np.testing.assert_array_equal(to_np(ember.fliplr(tensor(a))), np.fliplr(a))
    np.testing.assert_array_equal(to_np(tensor(a).flipud()), np.flipud(a))


def test_kron_block_diag_cartesian_combinations_vander_numpy():
    a, b = _rand(2, 3), _rand(4, 1, 2, seed=1)
    np.testing.assert_allclose(to_np(ember.kron(tensor(a), tensor(b))), np.kron(a, b))
    np.testing.assert_allclose(to_np(tensor(b).kron(tensor(a))), np.kron(b, a))
    blocks = [_rand(2, 2), np.array([1.0, 2.0, 3.0]), np.array(5.0), _rand(1, 2, seed=3)]
    out = ember.block_diag(*[tensor(x) for x in blocks])
    ref = np.zeros((5, 8))
    ref[0:2, 0:2], ref[2, 2:5], ref[3, 5], ref[4, 6:8] = blocks[0], blocks[1], 5.0, blocks[3]
    np.testing.assert_array_equal(to_np(out), ref)
    x, y = np.array([1, 2, 3]), np.array([4, 5])
    np.testing.assert_array_equal(to_np(ember.cartesian_prod(tensor(x), tensor(y))),
                                  np.array(list(itertools.product(x, y))))
    np.testing.assert_array_equal(to_np(ember.cartesian_prod(tensor(x))), x)
    z = np.array([10.0, 20.0, 30.0, 40.0])
    for r in (1, 2, 3, 4, 5):
        for rep in (False, True):
            gen = itertools.combinations_with_replacement if rep else itertools.combinations
            ref = np.array(list(gen(z, r))).reshape(-1, r)
            np.testing.assert_array_equal(to_np(ember.combinations(tensor(z), r, rep)), ref)
    v = np.array([1.0, 2.0, -3.0, 0.5])
    np.testing.assert_allclose(to_np(ember.vander(tensor(v))), np.vander(v))
    np.testing.assert_allclose(to_np(ember.vander(tensor(v), N=3, increasing=True)),
                               np.vander(v, 3, increasing=True))
    assert ember.vander(tensor(np.array([1, 2])), 3).dtype == ember.int64


def test_shaping_torch_parity():
    torch = pytest.importorskip("torch")
    a, b = _rand(3, 4), _rand(2, 3, seed=1)
    _torch_grads(torch, lambda x: ember.diff(x, 2, 1), lambda x: torch.diff(x, 2, 1), [a])
    _torch_grads(torch, lambda x, p: ember.diff(x, dim=0, prepend=p),
                 lambda x, p: torch.diff(x, dim=0, prepend=p), [a, _rand(2, 4, seed=2)])
    _torch_grads(torch, lambda x: ember.rot90(x, 3, [1, 0]), lambda x: torch.rot90(x, 3, [1, 0]), [a])
    _torch_grads(torch, ember.kron, torch.kron, [a, b])
    _torch_grads(torch, lambda x, y: ember.block_diag(x, y), lambda x, y: torch.block_diag(x, y),
                 [a, b])
    _torch_grads(torch, lambda x, y: ember.cartesian_prod(x, y),
                 lambda x, y: torch.cartesian_prod(x, y), [_rand(3), _rand(2, seed=1)])
    _torch_grads(torch, lambda x: ember.combinations(x, 3),
                 lambda x: torch.combinations(x, 3), [_rand(5)])
    # torch.vander's backward fails (an in-place write to a saved tensor): values only.
    for v in (_rand(5), np.array([0.0, 1.5, -2.0])):
        np.testing.assert_allclose(to_np(ember.vander(tensor(v), 4)),
                                   torch.vander(torch.tensor(v), 4).numpy(), rtol=1e-12)


def test_shaping_gradchecks():
    x, y = randn(3, 4, requires_grad=True), randn(2, 3, seed=1, requires_grad=True)
    assert gradcheck(lambda t: ember.diff(t, 2, 1), (x,))
    assert gradcheck(lambda t: ember.rot90(t, 1), (x,))
    assert gradcheck(ember.kron, (x, y))
    assert gradgradcheck(lambda a, b: ember.kron(a * a, b), (x, y))
    assert gradcheck(lambda a, b: ember.block_diag(a, b), (x, y))
    v = randn(4, seed=2, requires_grad=True)
    assert gradcheck(lambda t: ember.vander(t, 4), (v,))
    assert gradgradcheck(lambda t: ember.vander(t, 3), (v,))
    assert gradcheck(lambda t: ember.combinations(t, 2, True), (v,))


# ---------------------------------------------------------------- linear algebra

def test_tensordot_inner_numpy():
    a, b = _rand(2, 3, 4), _rand(3, 4, 5, seed=1)
    np.testing.assert_allclose(to_np(ember.tensordot(tensor(a), tensor(b))),
                               np.tensordot(a, b), rtol=1e-12)
    c = _rand(4, 6, seed=3)
    np.testing.assert_allclose(to_np(ember.tensordot(tensor(a), tensor(c), dims=1)),
                               np.tensordot(a, c, 1), rtol=1e-12)
    np.testing.assert_allclose(to_np(ember.tensordot(tensor(a), tensor(c), dims=0)),
                               np.tensordot(a, c, 0), rtol=1e-12)
    d = _rand(3, 7, 2, seed=4)
    np.testing.assert_allclose(to_np(ember.tensordot(tensor(a), tensor(d), dims=([1, 0], [0, 2]))),
                               np.tensordot(a, d, axes=([1, 0], [0, 2])), rtol=1e-12)
    e = _rand(5, 4, seed=5)
    np.testing.assert_allclose(to_np(ember.inner(tensor(a), tensor(e))), np.inner(a, e), rtol=1e-12)
    np.testing.assert_allclose(to_np(tensor(a).inner(ember.tensor(2.0, dtype=ember.float64))),
                               2 * a)


def test_cov_corrcoef_numpy():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 8))
    fw = rng.integers(0, 4, 8)
    aw = rng.uniform(0.1, 2.0, 8)
    np.testing.assert_allclose(to_np(ember.cov(tensor(x))), np.cov(x), rtol=1e-12)
    np.testing.assert_allclose(to_np(tensor(x).cov(correction=0)), np.cov(x, ddof=0), rtol=1e-12)
    np.testing.assert_allclose(
        to_np(ember.cov(tensor(x), fweights=tensor(fw), aweights=tensor(aw))),
        np.cov(x, fweights=fw, aweights=aw), rtol=1e-12)
    np.testing.assert_allclose(to_np(ember.cov(tensor(x[0]))), np.cov(x[0]), rtol=1e-12)
    np.testing.assert_allclose(to_np(ember.corrcoef(tensor(x))), np.corrcoef(x), rtol=1e-12)
    np.testing.assert_allclose(to_np(tensor(x[1]).corrcoef()), np.corrcoef(x[1]), rtol=1e-12)


def test_cross_and_products_numpy():
    a, b = _rand(4, 3), _rand(4, 3, seed=1)
    np.testing.assert_allclose(to_np(ember.cross(tensor(a), tensor(b))), np.cross(a, b))
    np.testing.assert_allclose(to_np(ember.linalg.cross(tensor(a), tensor(b[:1]))),
                               np.cross(a, b[:1]))
    c, d = _rand(3, 5), _rand(3, 5, seed=2)
    np.testing.assert_allclose(to_np(tensor(c).cross(tensor(d), dim=0)), np.cross(c, d, axis=0))
    b1, b2, inp = _rand(2, 3, 4), _rand(2, 4, 5, seed=1), _rand(3, 5, seed=2)
    np.testing.assert_allclose(to_np(ember.baddbmm(tensor(inp), tensor(b1), tensor(b2), beta=0.5,
                                                   alpha=2.0)), 0.5 * inp + 2 * (b1 @ b2))
    np.testing.assert_allclose(to_np(ember.addbmm(tensor(inp), tensor(b1), tensor(b2), beta=2)),
                               2 * inp + (b1 @ b2).sum(0))
    m, v, inp2 = _rand(3, 4), _rand(4, seed=1), _rand(3, seed=2)
    np.testing.assert_allclose(to_np(tensor(inp2).addmv(tensor(m), tensor(v), alpha=3)),
                               inp2 + 3 * m @ v)
    nan = np.full((3, 4), np.nan)
    np.testing.assert_allclose(to_np(ember.addr(tensor(nan), tensor(inp2), tensor(v), beta=0)),
                               np.outer(inp2, v))
    ms = [_rand(2, 3), _rand(3, 4, seed=1), _rand(4, 2, seed=2)]
    np.testing.assert_allclose(to_np(ember.chain_matmul(*[tensor(x) for x in ms])),
                               ms[0] @ ms[1] @ ms[2], rtol=1e-12)
    vs = [_rand(3), _rand(3, 4, seed=1), _rand(4, seed=2)]
    np.testing.assert_allclose(to_np(ember.linalg.multi_dot([tensor(x) for x in vs])),
                               np.linalg.multi_dot(vs), rtol=1e-12)
    assert ember.linalg.multi_dot([tensor(vs[0]), tensor(ms[1])]).shape == (4,)


def test_linalg_torch_parity():
    torch = pytest.importorskip("torch")
    a, b = _rand(2, 3, 4), _rand(4, 3, seed=1)
    _torch_grads(torch, lambda x, y: ember.tensordot(x, y, ([1, 2], [1, 0])),
                 lambda x, y: torch.tensordot(x, y, ([1, 2], [1, 0])), [a, b])
    _torch_grads(torch, ember.inner, torch.inner, [a, _rand(5, 4, seed=2)])
    x = _rand(3, 6, seed=3)
    fw = np.array([1, 2, 0, 3, 1, 1])
    aw = np.random.default_rng(0).uniform(0.5, 1.5, 6)
    _torch_grads(torch, lambda t: ember.cov(t, correction=0, fweights=tensor(fw),
                                            aweights=tensor(aw)),
                 lambda t: torch.cov(t, correction=0, fweights=torch.tensor(fw),
                                     aweights=torch.tensor(aw)), [x])
    _torch_grads(torch, ember.corrcoef, torch.corrcoef, [x])
    _torch_grads(torch, lambda p, q: ember.cross(p, q, dim=1), lambda p, q: torch.cross(p, q, dim=1),
                 [_rand(2, 3, 2), _rand(1, 3, 2, seed=1)])
    _torch_grads(torch, ember.linalg.cross, torch.linalg.cross, [_rand(4, 3), _rand(4, 3, seed=5)])
    _torch_grads(torch, lambda i, p, q: ember.baddbmm(i, p, q, beta=0.5, alpha=-1.5),
                 lambda i, p, q: torch.baddbmm(i, p, q, beta=0.5, alpha=-1.5),
                 [_rand(1, 4), _rand(2, 3, 5), _rand(2, 5, 4, seed=1)])
    _torch_grads(torch, lambda i, p, q: ember.addbmm(i, p, q, alpha=2),
                 lambda i, p, q: torch.addbmm(i, p, q, alpha=2),
                 [_rand(3, 4), _rand(2, 3, 5), _rand(2, 5, 4, seed=1)])
    _torch_grads(torch, lambda i, p, q: ember.addmv(i, p, q, beta=2),
                 lambda i, p, q: torch.addmv(i, p, q, beta=2), [_rand(3), _rand(3, 4), _rand(4)])
    _torch_grads(torch, lambda i, p, q: ember.addr(i, p, q, beta=0.0),
                 lambda i, p, q: torch.addr(i, p, q, beta=0.0), [_rand(3, 4), _rand(3), _rand(4)])
    _torch_grads(torch, lambda p, q, r: ember.linalg.multi_dot([p, q, r]),
                 lambda p, q, r: torch.linalg.multi_dot([p, q, r]),
                 [_rand(2, 3), _rand(3, 4, seed=1), _rand(4, seed=2)])


def test_linalg_gradchecks():
    x = randn(3, 5, requires_grad=True)
    assert gradcheck(lambda t: ember.cov(t), (x,))
    assert gradgradcheck(lambda t: ember.cov(t, correction=0), (x,))
    assert gradcheck(ember.corrcoef, (x,))
    p, q = randn(2, 3, requires_grad=True), randn(2, 3, seed=1, requires_grad=True)
    assert gradcheck(ember.linalg.cross, (p, q))
    assert gradgradcheck(ember.linalg.cross, (p, q))
    a, b = randn(2, 3, 4, requires_grad=True), randn(4, 3, seed=1, requires_grad=True)
    assert gradcheck(lambda s, t: ember.tensordot(s, t, ([1, 2], [1, 0])), (a, b))
    i = randn(3, 2, seed=2, requires_grad=True)
    assert gradcheck(lambda s, t, u: ember.addbmm(u, s, t.unsqueeze(0).expand(2, 4, 3)[:, :, :2],
                                                  beta=0.5), (a, b, i))


def test_shaping_bad_input():
    x = ember.randn(3, 4)
    with pytest.raises(ValueError, match=r"\[diff\] expected order n >= 0, got -1"):
        ember.diff(x, -1)
    with pytest.raises(ValueError, match=r"\[diff\] expected an input with at least 1 dim"):
        ember.diff(ember.tensor(1.0))
    with pytest.raises(ValueError, match=r"\[rot90\] expected two different dims"):
        ember.rot90(x, 1, [1, -1])
    with pytest.raises(ValueError, match=r"\[fliplr\] expected an input with at least 2 dims"):
        ember.fliplr(ember.zeros(3))
    with pytest.raises(ValueError, match=r"\[block_diag\] expected 0-, 1- or 2-D tensors"):
        ember.block_diag(ember.zeros(1, 2, 3))
    with pytest.raises(ValueError, match=r"\[cartesian_prod\] expected 1-D tensors"):
        ember.cartesian_prod(x)
    with pytest.raises(ValueError, match=r"\[combinations\] expected r >= 0"):
        ember.combinations(ember.zeros(3), -1)
    with pytest.raises(ValueError, match=r"\[vander\] expected N >= 0"):
        ember.vander(ember.zeros(3), -2)
    with pytest.raises(ValueError, match=r"\[tensordot\] contracted dims must match in size"):
        ember.tensordot(x, x, ([1], [0]))
    with pytest.raises(TypeError, match=r"\[tensordot\] expected dims to be an int or a pair"):
        ember.tensordot(x, x, "a")
    with pytest.raises(ValueError, match=r"\[inner\] expected the last dims to match"):
        ember.inner(x, ember.zeros(3))
    with pytest.raises(TypeError, match=r"\[cov\] expected int64 fweights"):
        ember.cov(x, fweights=ember.ones(4))
    with pytest.raises(ValueError, match=r"\[cov\] expected aweights >= 0"):
        ember.cov(x, aweights=tensor(np.array([1.0, -1.0, 1.0, 1.0], dtype=np.float32)))
    with pytest.raises(ValueError, match=r"\[cross\] no dim of size 3"):
        ember.cross(ember.zeros(2, 2), ember.zeros(2, 2))
    with pytest.raises(ValueError, match=r"\[linalg.cross\] expected size 3 in dim 1"):
        ember.linalg.cross(x, x)
    with pytest.raises(ValueError, match=r"\[addmv\] shapes \(4,\) and \(3,\) do not broadcast"):
        ember.addmv(ember.zeros(4), x, ember.zeros(4))
    with pytest.raises(ValueError, match=r"\[linalg.multi_dot\] expected at least 2 tensors"):
        ember.linalg.multi_dot([x])
    with pytest.raises(ValueError, match=r"\[chain_matmul\] expected 2-D matrices"):
        ember.chain_matmul(x, ember.zeros(4))
