"""ember.linalg.solve_triangular, cholesky(_ex), ember.cholesky_solve / cholesky_inverse /
triangular_solve: values vs NumPy, gradients vs finite differences and torch, bad input."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from test_linalg_lu import assert_grads_match
from utils import same_for_threads, tensor, to_np


def spd(*shape, seed=0, dtype=np.float64):
    a = np.random.default_rng(seed).standard_normal(shape)
    n = shape[-1]
    return (a @ np.swapaxes(a, -1, -2) + n * np.eye(n)).astype(dtype)


def sym(x):
    """A symmetric positive-definite function of a free matrix (for gradchecks)."""
    n = x.shape[-1]
    return x @ x.mT + n * ember.eye(n, dtype=x.dtype)


# ---------------------------------------------------------------- solve_triangular
@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [False, True])
def test_solve_triangular(upper, left, unit):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((2, 4, 4)) + 4 * np.eye(4)
    b = rng.standard_normal((2, 4, 3) if left else (2, 3, 4))
    x = to_np(ember.linalg.solve_triangular(tensor(a), tensor(b), upper=upper, left=left,
                                            unitriangular=unit))
    t = np.triu(a) if upper else np.tril(a)
    if unit:
        t = t * (1 - np.eye(4)) + np.eye(4)
    ref = np.linalg.solve(t, b) if left else np.swapaxes(
        np.linalg.solve(np.swapaxes(t, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)
    np.testing.assert_allclose(x, ref, rtol=1e-10, atol=1e-12)
    fn = lambda aa, bb: ember.linalg.solve_triangular(aa, bb, upper=upper, left=left,
                                                      unitriangular=unit)
    ins = [tensor(a, requires_grad=True), tensor(b, requires_grad=True)]
    assert gradcheck(fn, ins)
    assert gradgradcheck(fn, ins)
    assert_grads_match(lambda m, aa, bb: m.linalg.solve_triangular(
        aa, bb, upper=upper, left=left, unitriangular=unit), a, b)


def test_solve_triangular_broadcast_float32_threads():
    rng = np.random.default_rng(2)
    a = (np.tril(rng.standard_normal((3, 1, 5, 5))) + 5 * np.eye(5)).astype(np.float32)
    b = rng.standard_normal((4, 5, 2)).astype(np.float32)
    x = ember.linalg.solve_triangular(tensor(a), tensor(b), upper=False)
    assert tuple(x.shape) == (3, 4, 5, 2)
    np.testing.assert_allclose(to_np(x), np.linalg.solve(a, b), rtol=1e-4, atol=1e-5)
    same_for_threads(lambda: ember.linalg.solve_triangular(tensor(a), tensor(b), upper=False))


def test_solve_triangular_bad_input():
    with pytest.raises(ValueError, match=r"\[linalg.solve_triangular\].*4 rows"):
        ember.linalg.solve_triangular(tensor(np.eye(4)), tensor(np.ones((3, 2))), upper=True)
    with pytest.raises(TypeError, match=r"\[linalg.solve_triangular\].*same dtype"):
        ember.linalg.solve_triangular(tensor(np.eye(2)), tensor(np.ones((2, 2), np.float32)),
                                      upper=True)
    with pytest.raises(ValueError, match=r"\[linalg.solve_triangular\].*square"):
        ember.linalg.solve_triangular(tensor(np.ones((2, 3))), tensor(np.ones((2, 2))), upper=True)
    with pytest.raises(TypeError):
        ember.linalg.solve_triangular(tensor(np.eye(2)), tensor(np.eye(2)))  # upper is required


# ---------------------------------------------------------------- cholesky
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(upper):
    a = spd(2, 3, 5, 5, seed=3)
    f = to_np(ember.linalg.cholesky(tensor(a), upper=upper))
    ref = np.linalg.cholesky(a)
    np.testing.assert_allclose(f, np.swapaxes(ref, -1, -2) if upper else ref, rtol=1e-10, atol=1e-12)
    a32 = a.astype(np.float32)
    np.testing.assert_allclose(to_np(ember.linalg.cholesky(tensor(a32))), np.linalg.cholesky(a32),
                               rtol=1e-4, atol=1e-5)
    x = np.random.default_rng(4).standard_normal((2, 4, 4))
    fn = lambda t: ember.linalg.cholesky(sym(t), upper=upper)
    assert gradcheck(fn, [tensor(x, requires_grad=True)])
    assert gradgradcheck(fn, [tensor(x, requires_grad=True)])
    assert_grads_match(lambda m, t: m.linalg.cholesky(t, upper=upper), spd(2, 4, 4, seed=5))
    same_for_threads(lambda: ember.linalg.cholesky(tensor(a), upper=upper))


def test_cholesky_reads_one_triangle_and_errors():
    a = spd(4, 4, seed=6)
    junk = a + np.triu(np.full((4, 4), 7.0), 1)
    np.testing.assert_allclose(to_np(ember.linalg.cholesky(tensor(junk))), np.linalg.cholesky(a),
                               rtol=1e-12)
    bad = np.stack([a, -np.eye(4)])
    with pytest.raises(RuntimeError, match=r"\[linalg.cholesky\].*positive-definite.*batch "
                                           r"element 1.*order 1"):
        ember.linalg.cholesky(tensor(bad))
    r = ember.linalg.cholesky_ex(tensor(bad))
    assert to_np(r.info).tolist() == [0, 1] and type(r).__name__ == "linalg_cholesky_ex"
    with pytest.raises(ValueError, match=r"\[linalg.cholesky\].*square"):
        ember.linalg.cholesky(tensor(np.ones((2, 3))))
    with pytest.raises(TypeError, match=r"\[linalg.cholesky\].*int64"):
        ember.linalg.cholesky(ember.ones(2, 2, dtype=ember.int64))


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_and_inverse(upper):
    a = spd(2, 4, 4, seed=7)
    b = np.random.default_rng(8).standard_normal((2, 4, 3))
    L = np.linalg.cholesky(a)
    f = np.ascontiguousarray(np.swapaxes(L, -1, -2) if upper else L)
    np.testing.assert_allclose(to_np(ember.cholesky_solve(tensor(b), tensor(f), upper)),
                               np.linalg.solve(a, b), rtol=1e-10)
    np.testing.assert_allclose(to_np(tensor(b).cholesky_solve(tensor(f), upper=upper)),
                               np.linalg.solve(a, b), rtol=1e-10)
    np.testing.assert_allclose(to_np(ember.cholesky_inverse(tensor(f), upper)), np.linalg.inv(a),
                               rtol=1e-10)
    # torch's backward treats the factor as a full matrix: check it through a triangle mask.
    tri = (lambda t: t.triu()) if upper else (lambda t: t.tril())
    ins = [tensor(b, requires_grad=True), tensor(f, requires_grad=True)]
    assert gradcheck(lambda bb, ff: ember.cholesky_solve(bb, tri(ff), upper), ins)
    assert gradgradcheck(lambda bb, ff: ember.cholesky_solve(bb, tri(ff), upper), ins)
    assert gradcheck(lambda ff: ember.cholesky_inverse(tri(ff), upper), [tensor(f, requires_grad=True)])
    assert_grads_match(lambda m, bb, ff: m.cholesky_solve(bb, ff, upper), b, f)
    assert_grads_match(lambda m, ff: m.cholesky_inverse(ff, upper), f)


def test_triangular_solve_old_api():
    rng = np.random.default_rng(9)
    a = np.triu(rng.standard_normal((3, 3))) + 3 * np.eye(3)
    b = rng.standard_normal((3, 2))
    r = ember.triangular_solve(tensor(b), tensor(a))
    np.testing.assert_allclose(to_np(r.solution), np.linalg.solve(a, b), rtol=1e-10)
    np.testing.assert_array_equal(to_np(r.cloned_coefficient), a)
    r = tensor(b).triangular_solve(tensor(a), upper=True, transpose=True)
    np.testing.assert_allclose(to_np(r.solution), np.linalg.solve(a.T, b), rtol=1e-10)
    assert_grads_match(lambda m, aa, bb: m.triangular_solve(bb, aa, transpose=True)[0], a, b)
    with pytest.raises(ValueError, match=r"\[triangular_solve\].*square"):
        ember.triangular_solve(tensor(b), tensor(np.ones((3, 2))))
