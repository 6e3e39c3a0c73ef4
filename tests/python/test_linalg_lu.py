"""ember.linalg's LU family: lu_factor(_ex), lu, lu_solve, solve(_ex), inv(_ex), det, slogdet,
logdet, and the top-level det / inverse / slogdet / logdet (values vs NumPy, gradients vs
finite differences and torch, bad input, thread determinism)."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from utils import same_for_threads, tensor, to_np


def well_conditioned(*shape, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    n = shape[-1]
    return (a + n * np.eye(n) * (1 if shape[-2] == n else 0)).astype(dtype)


def grad_of(fn, *arrays):
    """Gradients (ember, torch) of sum(fn(x) * w) for fn applied to ember and torch inputs."""
    torch = pytest.importorskip("torch")
    xs = [tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out_e, out_t = fn(ember, *xs), fn(torch, *ts)
    w = np.random.default_rng(9).standard_normal(tuple(out_t.shape))
    (out_e * tensor(w)).sum().backward()
    (out_t * torch.tensor(w)).sum().backward()
    return [to_np(x.grad) for x in xs], [t.grad.numpy() for t in ts]


def assert_grads_match(fn, *arrays, rtol=1e-7, atol=1e-9):
    ge, gt = grad_of(fn, *arrays)
    for a, b in zip(ge, gt):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# ---------------------------------------------------------------- lu_factor / lu
@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 5, 5), (5, 3), (3, 5), (0, 3, 3)])
def test_lu_factor_matches_torch_and_reconstructs(shape):
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(1).standard_normal(shape)
    LU, piv = ember.linalg.lu_factor(tensor(a))
    tLU, tpiv = torch.linalg.lu_factor(torch.tensor(a))
    np.testing.assert_allclose(to_np(LU), tLU.numpy(), rtol=1e-10, atol=1e-12)
    assert piv.dtype == ember.int64
    np.testing.assert_array_equal(to_np(piv), tpiv.numpy())
    P, L, U = ember.linalg.lu(tensor(a))
    np.testing.assert_allclose(to_np(P) @ to_np(L) @ to_np(U), a, atol=1e-12)
    tP, tL, tU = torch.linalg.lu(torch.tensor(a))
    for x, y in ((P, tP), (L, tL), (U, tU)):
        np.testing.assert_allclose(to_np(x), y.numpy(), rtol=1e-10, atol=1e-12)


def test_lu_float32_and_namedtuple_fields():
    a = well_conditioned(3, 4, 4, seed=2, dtype=np.float32)
    r = ember.linalg.lu(tensor(a))
    assert r.L.dtype == ember.float32 and type(r).__name__ == "linalg_lu"
    np.testing.assert_allclose(to_np(r.P) @ to_np(r.L) @ to_np(r.U), a, rtol=1e-5, atol=1e-5)
    f = ember.linalg.lu_factor_ex(tensor(a))
    assert tuple(f.info.shape) == (3,) and not to_np(f.info).any()
    assert tuple(f.pivots.shape) == (3, 4)


def test_lu_factor_gradients():
    a = well_conditioned(2, 4, 4, seed=3)
    assert gradcheck(lambda x: ember.linalg.lu_factor(x).LU, [tensor(a, requires_grad=True)])
    assert gradgradcheck(lambda x: ember.linalg.lu_factor(x).LU, [tensor(a, requires_grad=True)])
    assert gradcheck(lambda x: ember.linalg.lu(x).L * 2 + ember.linalg.lu(x).U,
                     [tensor(a, requires_grad=True)])
    assert_grads_match(lambda m, x: m.linalg.lu_factor(x)[0], a)
    assert_grads_match(lambda m, x: m.linalg.lu(x)[1] + m.linalg.lu(x)[2], a)


def test_lu_factor_singular_and_errors():
    a = np.ones((2, 3, 3))
    a[0] = np.eye(3)
    f = ember.linalg.lu_factor_ex(tensor(a))
    np.testing.assert_array_equal(to_np(f.info), [0, 2])
    with pytest.raises(RuntimeError, match=r"\[linalg.lu_factor\].*batch element 1"):
        ember.linalg.lu_factor(tensor(a))
    with pytest.raises(NotImplementedError, match=r"\[linalg.lu_factor\].*pivot"):
        ember.linalg.lu_factor(tensor(np.eye(3)), pivot=False)
    with pytest.raises(TypeError, match=r"\[linalg.lu_factor\].*float32 or float64"):
        ember.linalg.lu_factor(ember.ones(3, 3, dtype=ember.int64))
    with pytest.raises(ValueError, match=r"\[linalg.lu_factor\].*at least 2 dims"):
        ember.linalg.lu_factor(ember.ones(3))
    x = tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    with pytest.raises(NotImplementedError, match=r"\[linalg.lu_factor\].*square"):
        ember.linalg.lu_factor(x).LU.sum().backward()


# ---------------------------------------------------------------- lu_solve
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
def test_lu_solve(left, adjoint):
    a = well_conditioned(2, 4, 4, seed=4)
    b = np.random.default_rng(5).standard_normal((2, 4, 3) if left else (2, 3, 4))
    LU, piv = ember.linalg.lu_factor(tensor(a))
    x = to_np(ember.linalg.lu_solve(LU, piv, tensor(b), left=left, adjoint=adjoint))
    op = np.swapaxes(a, -1, -2) if adjoint else a
    ref = np.linalg.solve(op, b) if left else np.swapaxes(
        np.linalg.solve(np.swapaxes(op, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)
    np.testing.assert_allclose(x, ref, rtol=1e-10, atol=1e-12)
    fn = lambda lu, bb: ember.linalg.lu_solve(lu, piv, bb, left=left, adjoint=adjoint)
    assert gradcheck(fn, [tensor(to_np(LU), requires_grad=True), tensor(b, requires_grad=True)])
    torch = pytest.importorskip("torch")
    tpiv = torch.tensor(to_np(piv)).int()
    assert_grads_match(lambda m, lu, bb: m.linalg.lu_solve(
        lu, piv if m is ember else tpiv, bb, left=left, adjoint=adjoint), to_np(LU), b)


def test_lu_solve_bad_input():
    LU, piv = ember.linalg.lu_factor(tensor(well_conditioned(3, 3)))
    with pytest.raises(ValueError, match=r"\[linalg.lu_solve\].*pivots"):
        ember.linalg.lu_solve(LU, ember.ones(2, dtype=ember.int64), tensor(np.ones((3, 1))))
    with pytest.raises(ValueError, match=r"\[linalg.lu_solve\].*pivots in \[1, 3\]"):
        ember.linalg.lu_solve(LU, ember.zeros(3, dtype=ember.int64), tensor(np.ones((3, 1))))
    with pytest.raises(ValueError, match=r"\[linalg.lu_solve\].*3 rows"):
        ember.linalg.lu_solve(LU, piv, tensor(np.ones((2, 1))))


# ---------------------------------------------------------------- solve
@pytest.mark.parametrize("ashape,bshape,left", [
    ((4, 4), (4, 2), True), ((4, 4), (4,), True), ((2, 4, 4), (2, 4), True),
    ((3, 1, 4, 4), (2, 4, 3), True), ((2, 4, 4), (4, 3), True), ((4, 4), (3, 4), False),
    ((2, 4, 4), (2, 5, 4), False)])
def test_solve(ashape, bshape, left):
    a = well_conditioned(*ashape, seed=6)
    b = np.random.default_rng(7).standard_normal(bshape)
    x = ember.linalg.solve(tensor(a), tensor(b), left=left)
    torch = pytest.importorskip("torch")
    ref = torch.linalg.solve(torch.tensor(a), torch.tensor(b), left=left).numpy()
    assert tuple(x.shape) == ref.shape
    np.testing.assert_allclose(to_np(x), ref, rtol=1e-10, atol=1e-12)
    if left and len(bshape) == len(ashape):
        np.testing.assert_allclose(to_np(x), np.linalg.solve(a, b), rtol=1e-10, atol=1e-12)
    fn = lambda aa, bb: ember.linalg.solve(aa, bb, left=left)
    ins = [tensor(a, requires_grad=True), tensor(b, requires_grad=True)]
    assert gradcheck(fn, ins)
    assert gradgradcheck(fn, ins)
    assert_grads_match(lambda m, aa, bb: m.linalg.solve(aa, bb, left=left), a, b)


def test_solve_float32_and_ex():
    a = well_conditioned(3, 5, 5, seed=8, dtype=np.float32)
    b = np.random.default_rng(9).standard_normal((3, 5, 2)).astype(np.float32)
    r = ember.linalg.solve_ex(tensor(a), tensor(b))
    assert r.result.dtype == ember.float32 and not to_np(r.info).any()
    np.testing.assert_allclose(to_np(r.result), np.linalg.solve(a, b), rtol=1e-4, atol=1e-5)


def test_solve_singular_and_bad_input():
    a = np.stack([np.eye(3), np.ones((3, 3))])
    with pytest.raises(RuntimeError, match=r"\[linalg.solve\].*singular.*batch element 1"):
        ember.linalg.solve(tensor(a), tensor(np.ones((2, 3, 1))))
    r = ember.linalg.solve_ex(tensor(a), tensor(np.ones((2, 3, 1))))
    assert to_np(r.info).tolist() == [0, 2]
    with pytest.raises(ValueError, match=r"\[linalg.solve\].*square"):
        ember.linalg.solve(tensor(np.ones((3, 4))), tensor(np.ones((3, 1))))
    with pytest.raises(ValueError, match=r"\[linalg.solve\].*3 rows"):
        ember.linalg.solve(tensor(np.eye(3)), tensor(np.ones((4, 2))))
    with pytest.raises(ValueError, match=r"\[linalg.solve\]"):
        ember.linalg.solve(tensor(np.ones((2, 3, 3)) + np.eye(3)), tensor(np.ones((4, 3, 1))))
    with pytest.raises(TypeError, match=r"\[linalg.solve\].*same dtype"):
        ember.linalg.solve(tensor(np.eye(3)), tensor(np.ones((3, 1), np.float32)))


# ---------------------------------------------------------------- inv
def test_inv():
    a = well_conditioned(2, 3, 4, 4, seed=10)
    x = ember.linalg.inv(tensor(a))
    np.testing.assert_allclose(to_np(x), np.linalg.inv(a), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_np(ember.inverse(tensor(a))), np.linalg.inv(a), rtol=1e-10)
    np.testing.assert_allclose(to_np(tensor(a).inverse()), np.linalg.inv(a), rtol=1e-10)
    a32 = a.astype(np.float32)
    np.testing.assert_allclose(to_np(ember.linalg.inv(tensor(a32))), np.linalg.inv(a32),
                               rtol=1e-4, atol=1e-5)
    ins = [tensor(a[0, 0], requires_grad=True)]
    assert gradcheck(ember.linalg.inv, ins)
    assert gradgradcheck(ember.linalg.inv, ins)
    assert_grads_match(lambda m, t: m.linalg.inv(t), a)


def test_inv_singular():
    a = np.stack([np.eye(3), np.eye(3), np.zeros((3, 3))])
    with pytest.raises(RuntimeError, match=r"\[linalg.inv\].*singular.*batch element 2"):
        ember.linalg.inv(tensor(a))
    r = ember.linalg.inv_ex(tensor(a))
    assert to_np(r.info).tolist() == [0, 0, 1]
    np.testing.assert_allclose(to_np(r.inverse)[0], np.eye(3))
    with pytest.raises(ValueError, match=r"\[linalg.inv\].*square"):
        ember.linalg.inv(tensor(np.ones((2, 3))))


def test_threads_bitwise():
    a = tensor(well_conditioned(7, 6, 6, seed=11))
    b = tensor(np.random.default_rng(1).standard_normal((7, 6, 2)))
    same_for_threads(lambda: (ember.linalg.inv(a), ember.linalg.solve(a, b),
                              ember.linalg.lu_factor(a).LU, ember.linalg.det(a)))


# ---------------------------------------------------------------- det / slogdet / logdet
def test_det_slogdet_logdet():
    rng = np.random.default_rng(12)
    a = rng.standard_normal((3, 2, 4, 4))
    np.testing.assert_allclose(to_np(ember.linalg.det(tensor(a))), np.linalg.det(a), rtol=1e-10)
    np.testing.assert_allclose(to_np(ember.det(tensor(a))), np.linalg.det(a), rtol=1e-10)
    np.testing.assert_allclose(to_np(tensor(a).det()), np.linalg.det(a), rtol=1e-10)
    s, l = ember.linalg.slogdet(tensor(a))
    rs, rl = np.linalg.slogdet(a)
    np.testing.assert_array_equal(to_np(s), rs)
    np.testing.assert_allclose(to_np(l), rl, rtol=1e-10)
    r = ember.slogdet(tensor(a))
    assert type(r).__name__ == "slogdet" and r.sign is not None
    ld = to_np(ember.logdet(tensor(a)))
    np.testing.assert_allclose(ld[rs > 0], rl[rs > 0], rtol=1e-10)
    assert np.isnan(ld[rs < 0]).all()
    sing = np.ones((3, 3))
    assert to_np(ember.linalg.det(tensor(sing))) == 0
    s0, l0 = ember.linalg.slogdet(tensor(sing))
    assert to_np(s0) == 0 and to_np(l0) == -np.inf
    assert to_np(ember.logdet(tensor(sing))) == -np.inf
    assert to_np(ember.linalg.det(tensor(np.zeros((0, 0))))) == 1
    np.testing.assert_allclose(to_np(ember.linalg.det(tensor(a.astype(np.float32)))),
                               np.linalg.det(a), rtol=1e-4)


def test_det_gradients():
    a = np.random.default_rng(13).standard_normal((2, 4, 4))
    for fn in (ember.linalg.det, lambda x: ember.linalg.slogdet(x).logabsdet,
               lambda x: ember.logdet(x @ x.mT + 0.5 * ember.eye(4, dtype=ember.float64))):
        assert gradcheck(fn, [tensor(a, requires_grad=True)])
        assert gradgradcheck(fn, [tensor(a, requires_grad=True)])
    assert_grads_match(lambda m, x: m.linalg.det(x), a)
    assert_grads_match(lambda m, x: m.linalg.slogdet(x)[1], a)
    # At singular matrices the gradient is the cofactor matrix adj(A)^T (from an SVD).
    sing = np.stack([np.arange(9.0).reshape(3, 3), np.eye(3) * 2, np.ones((3, 3))])
    cof = np.array([[[(-1) ** (i + j) * np.linalg.det(np.delete(np.delete(m, i, 0), j, 1))
                      for j in range(3)] for i in range(3)] for m in sing])
    x = tensor(sing, requires_grad=True)
    ember.linalg.det(x).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), cof, atol=1e-12)
    x = tensor(np.ones((3, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"singular"):
        ember.linalg.slogdet(x).logabsdet.backward()


def test_det_bad_input():
    with pytest.raises(ValueError, match=r"\[linalg.det\].*square"):
        ember.linalg.det(tensor(np.ones((2, 3))))
    with pytest.raises(TypeError, match=r"\[linalg.slogdet\].*int64"):
        ember.linalg.slogdet(ember.ones(2, 2, dtype=ember.int64))
    with pytest.raises(ValueError, match=r"\[logdet\].*at least 2 dims"):
        ember.logdet(ember.ones(3))
