"""ember.linalg.qr, eigh / eigvalsh, svd / svdvals and what is built on them (pinv, lstsq,
matrix_rank, cond, SVD matrix norms), plus matrix_power, matrix_exp, vecdot, multi_dot.
Eigen/singular vectors are compared through sign-free invariants (|v|, reconstruction)."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from test_linalg_lu import assert_grads_match, well_conditioned
from utils import same_for_threads, tensor, to_np


def rand(*shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def mT(a):
    return np.swapaxes(a, -1, -2)


# ---------------------------------------------------------------- qr
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 3, 4, 3)])
@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
def test_qr_values(shape, mode):
    a = rand(*shape, seed=1)
    Q, R = ember.linalg.qr(tensor(a), mode=mode)
    rq, rr = np.linalg.qr(a, mode=mode) if mode != "r" else (None, np.linalg.qr(a, mode="r"))
    np.testing.assert_allclose(to_np(R), rr, atol=1e-12)
    if mode == "r":
        assert tuple(Q.shape) == (0,)
        return
    np.testing.assert_allclose(to_np(Q), rq, atol=1e-12)
    np.testing.assert_allclose(to_np(Q) @ to_np(R), a, atol=1e-12)
    r32 = ember.linalg.qr(tensor(a.astype(np.float32)), mode=mode)
    np.testing.assert_allclose(to_np(r32.Q) @ to_np(r32.R), a, atol=1e-5)
    assert type(r32).__name__ == "linalg_qr"


@pytest.mark.parametrize("shape,mode", [((5, 3), "reduced"), ((4, 4), "reduced"),
                                        ((3, 5), "reduced"), ((3, 5), "complete"),
                                        ((2, 4, 3), "reduced")])
def test_qr_gradients(shape, mode):
    a = rand(*shape, seed=2)
    fn = lambda x: ember.linalg.qr(x, mode=mode)
    assert gradcheck(fn, [tensor(a, requires_grad=True)])
    assert gradgradcheck(lambda x: ember.linalg.qr(x, mode=mode).Q, [tensor(a, requires_grad=True)])
    assert_grads_match(lambda m, x: m.linalg.qr(x, mode=mode)[0] * 2 + m.linalg.qr(x, mode=mode)[1].sum(), a)


def test_qr_bad_input():
    with pytest.raises(ValueError, match=r"\[linalg.qr\].*mode"):
        ember.linalg.qr(ember.ones(3, 3), mode="full")
    with pytest.raises(ValueError, match=r"\[linalg.qr\].*2 dims"):
        ember.linalg.qr(ember.ones(3))
    x = tensor(rand(4, 3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\[linalg.qr\].*mode='r'"):
        ember.linalg.qr(x, mode="r").R.sum().backward()
    with pytest.raises(NotImplementedError, match=r"\[linalg.qr\].*complete"):
        ember.linalg.qr(x, mode="complete").Q.sum().backward()


# ---------------------------------------------------------------- eigh
def symmetric(*shape, seed=0):
    a = rand(*shape, seed=seed)
    return a + mT(a)


@pytest.mark.parametrize("shape", [(1, 1), (5, 5), (2, 3, 4, 4), (0, 3, 3)])
def test_eigh_values(shape):
    a = symmetric(*shape, seed=3)
    w, V = ember.linalg.eigh(tensor(a))
    rw, rV = np.linalg.eigh(a)
    np.testing.assert_allclose(to_np(w), rw, atol=1e-12)
    np.testing.assert_allclose(np.abs(to_np(V)), np.abs(rV), atol=1e-10)
    v = to_np(V)
    np.testing.assert_allclose(v @ (to_np(w)[..., :, None] * mT(v)), a, atol=1e-12)
    np.testing.assert_allclose(to_np(ember.linalg.eigvalsh(tensor(a))), rw, atol=1e-12)
    a32 = a.astype(np.float32)
    np.testing.assert_allclose(to_np(ember.linalg.eigvalsh(tensor(a32))), np.linalg.eigvalsh(a32),
                               atol=1e-5)


def test_eigh_uplo_and_bad_input():
    a = symmetric(4, 4, seed=4)
    low = np.tril(a) + np.triu(np.full((4, 4), 9.0), 1)
    up = np.triu(a) + np.tril(np.full((4, 4), 9.0), -1)
    np.testing.assert_allclose(to_np(ember.linalg.eigvalsh(tensor(low))), np.linalg.eigvalsh(a),
                               atol=1e-12)
    np.testing.assert_allclose(to_np(ember.linalg.eigh(tensor(up), UPLO="U").eigenvalues),
                               np.linalg.eigvalsh(a), atol=1e-12)
    with pytest.raises(ValueError, match=r"\[linalg.eigh\].*UPLO"):
        ember.linalg.eigh(tensor(a), UPLO="X")
    with pytest.raises(ValueError, match=r"\[linalg.eigvalsh\].*square"):
        ember.linalg.eigvalsh(tensor(np.ones((2, 3))))
    with pytest.raises(TypeError, match=r"\[linalg.eigh\].*int64"):
        ember.linalg.eigh(ember.ones(2, 2, dtype=ember.int64))


def test_eigh_gradients():
    a = rand(2, 4, 4, seed=5)
    fn = lambda x: (lambda r: (r.eigenvalues, r.eigenvectors ** 2))(ember.linalg.eigh(x + x.mT))
    assert gradcheck(fn, [tensor(a, requires_grad=True)])
    assert gradgradcheck(fn, [tensor(a, requires_grad=True)])
    assert gradcheck(lambda x: ember.linalg.eigvalsh(x + x.mT), [tensor(a, requires_grad=True)])
    s = symmetric(2, 4, 4, seed=6)
    c = rand(2, 4, 4, seed=7)
    assert_grads_match(lambda m, x: m.linalg.eigh(x)[0].sum() +
                       (m.linalg.eigh(x)[1] ** 2 * m.from_numpy(c)).sum(), s)
    assert_grads_match(lambda m, x: m.linalg.eigvalsh(x), s)
    x = tensor(np.eye(3), requires_grad=True)  # repeated eigenvalues: values-only grad is finite
    ember.linalg.eigvalsh(x).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), np.eye(3), atol=1e-12)


# ---------------------------------------------------------------- svd
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (2, 3, 4, 2), (1, 6)])
@pytest.mark.parametrize("full", [False, True])
def test_svd_values(shape, full):
    a = rand(*shape, seed=8)
    U, S, Vh = ember.linalg.svd(tensor(a), full_matrices=full)
    rU, rS, rVh = np.linalg.svd(a, full_matrices=full)
    assert U.shape == rU.shape and Vh.shape == rVh.shape
    np.testing.assert_allclose(to_np(S), rS, atol=1e-12)
    k = rS.shape[-1]
    np.testing.assert_allclose(np.abs(to_np(U)[..., :k]), np.abs(rU[..., :k]), atol=1e-10)
    u, vh = to_np(U), to_np(Vh)
    np.testing.assert_allclose(u[..., :k] * to_np(S)[..., None, :] @ vh[..., :k, :], a, atol=1e-12)
    np.testing.assert_allclose(mT(u) @ u, np.broadcast_to(np.eye(u.shape[-1]), mT(u).shape[:-1] + (u.shape[-1],)), atol=1e-12)
    np.testing.assert_allclose(vh @ mT(vh), np.broadcast_to(np.eye(vh.shape[-2]), vh.shape[:-1] + (vh.shape[-2],)), atol=1e-12)
    np.testing.assert_allclose(to_np(ember.linalg.svdvals(tensor(a))), rS, atol=1e-12)
    np.testing.assert_allclose(to_np(ember.linalg.svdvals(tensor(a.astype(np.float32)))), rS,
                               rtol=1e-5, atol=1e-5)


def test_svd_rank_deficient_is_orthonormal():
    a = rand(6, 2, seed=9) @ rand(2, 5, seed=10)
    U, S, Vh = ember.linalg.svd(tensor(a), full_matrices=True)
    u, vh = to_np(U), to_np(Vh)
    np.testing.assert_allclose(u.T @ u, np.eye(6), atol=1e-12)
    np.testing.assert_allclose(vh @ vh.T, np.eye(5), atol=1e-12)
    np.testing.assert_allclose(u[:, :5] * to_np(S) @ vh, a, atol=1e-12)
    z = ember.linalg.svd(ember.zeros(3, 2, dtype=ember.float64))
    np.testing.assert_allclose(to_np(z.U).T @ to_np(z.U), np.eye(3), atol=1e-12)


def test_svd_gradients():
    for shape in [(4, 3), (3, 4), (3, 3)]:
        a = rand(*shape, seed=11)
        fn = lambda x: (lambda r: (r.S, r.U ** 2, r.Vh ** 2))(ember.linalg.svd(x, full_matrices=False))
        assert gradcheck(fn, [tensor(a, requires_grad=True)])
        assert gradgradcheck(lambda x: ember.linalg.svd(x, full_matrices=False).U ** 2,
                             [tensor(a, requires_grad=True)])
        assert gradcheck(ember.linalg.svdvals, [tensor(a, requires_grad=True)])
        c1, c2 = rand(shape[0], min(shape), seed=12), rand(min(shape), shape[1], seed=13)
        assert_grads_match(lambda m, x: m.linalg.svd(x, full_matrices=False)[1].sum() * 3 +
                           (m.linalg.svd(x, full_matrices=False)[0] ** 2 * m.from_numpy(c1)).sum() +
                           (m.linalg.svd(x, full_matrices=False)[2] ** 2 * m.from_numpy(c2)).sum(), a)
        assert_grads_match(lambda m, x: m.linalg.svdvals(x), a)
    x = tensor(np.eye(3), requires_grad=True)  # repeated singular values: S-only grad is finite
    ember.linalg.svd(x).S.sum().backward()
    np.testing.assert_allclose(to_np(x.grad), np.eye(3), atol=1e-12)


def test_svd_bad_input_and_threads():
    with pytest.raises(NotImplementedError, match=r"\[linalg.svd\].*driver"):
        ember.linalg.svd(ember.ones(2, 2), driver="gesvd")
    with pytest.raises(TypeError, match=r"\[linalg.svdvals\].*bool"):
        ember.linalg.svdvals(ember.ones(2, 2, dtype=ember.bool))
    x = tensor(rand(4, 3), requires_grad=True)
    with pytest.raises(NotImplementedError, match=r"\[linalg.svd\].*full_matrices"):
        ember.linalg.svd(x, full_matrices=True).U.sum().backward()
    a = tensor(rand(6, 5, 4, seed=14))
    same_for_threads(lambda: (*ember.linalg.svd(a), *ember.linalg.eigh(a[:, :4]),
                              *ember.linalg.qr(a)))


# ---------------------------------------------------------------- pinv, lstsq, rank, cond, norms
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (2, 4, 4)])
def test_pinv(shape):
    a = rand(*shape, seed=15)
    np.testing.assert_allclose(to_np(ember.linalg.pinv(tensor(a))), np.linalg.pinv(a), atol=1e-10)
    assert gradcheck(ember.linalg.pinv, [tensor(a, requires_grad=True)])
    assert_grads_match(lambda m, x: m.linalg.pinv(x), a, rtol=1e-6, atol=1e-8)


def test_pinv_rank_deficient_and_hermitian():
    a = rand(5, 2, seed=16) @ rand(2, 4, seed=17)
    np.testing.assert_allclose(to_np(ember.linalg.pinv(tensor(a))), np.linalg.pinv(a), atol=1e-10)
    s = symmetric(4, 4, seed=18)
    np.testing.assert_allclose(to_np(ember.linalg.pinv(tensor(s), hermitian=True)),
                               np.linalg.pinv(s, hermitian=True), atol=1e-10)
    big = np.diag([1.0, 1e-3, 1e-9])
    np.testing.assert_allclose(to_np(ember.linalg.pinv(tensor(big), atol=1e-6)),
                               np.diag([1.0, 1e3, 0.0]), rtol=1e-12)
    np.testing.assert_allclose(to_np(ember.linalg.pinv(tensor(big), rtol=1e-2)),
                               np.diag([1.0, 0.0, 0.0]), rtol=1e-12)
    with pytest.raises(ValueError, match=r"\[linalg.pinv\].*atol"):
        ember.linalg.pinv(tensor(big), atol=-1.0)


def test_lstsq_matrix_rank_cond():
    torch = pytest.importorskip("torch")
    a = rand(2, 6, 3, seed=19)
    b = rand(2, 6, 2, seed=20)
    r = ember.linalg.lstsq(tensor(a), tensor(b))
    np.testing.assert_allclose(to_np(r.solution), np.linalg.pinv(a) @ b, atol=1e-10)
    np.testing.assert_allclose(to_np(r.solution),
                               torch.linalg.lstsq(torch.tensor(a), torch.tensor(b)).solution.numpy(),
                               atol=1e-10)
    assert to_np(r.rank).tolist() == [3, 3] and type(r).__name__ == "linalg_lstsq"
    v = ember.linalg.lstsq(tensor(a[0]), tensor(b[0, :, 0])).solution
    np.testing.assert_allclose(to_np(v), np.linalg.lstsq(a[0], b[0, :, 0], rcond=None)[0], atol=1e-10)
    assert gradcheck(lambda x, y: ember.linalg.lstsq(x, y).solution,
                     [tensor(a, requires_grad=True), tensor(b, requires_grad=True)])
    with pytest.raises(ValueError, match=r"\[linalg.lstsq\].*driver"):
        ember.linalg.lstsq(tensor(a), tensor(b), driver="qr")
    with pytest.raises(ValueError, match=r"\[linalg.lstsq\].*shape"):
        ember.linalg.lstsq(tensor(a), tensor(rand(2, 5, 2)))
    low = rand(3, 5, 2, seed=21) @ rand(3, 2, 4, seed=22)
    np.testing.assert_array_equal(to_np(ember.linalg.matrix_rank(tensor(low))),
                                  np.linalg.matrix_rank(low))
    assert ember.linalg.matrix_rank(tensor(np.diag([1.0, 1e-3])), atol=1e-2).item() == 1
    assert ember.linalg.matrix_rank(tensor(symmetric(4, 4)), hermitian=True).item() == 4
    m = well_conditioned(2, 4, 4, seed=23)
    for p in [None, 2, -2, 1, -1, np.inf, -np.inf, "fro", "nuc"]:
        np.testing.assert_allclose(to_np(ember.linalg.cond(tensor(m), p)), np.linalg.cond(m, p),
                                   rtol=1e-10, err_msg=str(p))
    np.testing.assert_allclose(to_np(ember.linalg.cond(tensor(a))), np.linalg.cond(a), rtol=1e-10)
    assert gradcheck(lambda x: ember.linalg.cond(x), [tensor(m, requires_grad=True)])
    with pytest.raises(ValueError, match=r"\[linalg.cond\].*square"):
        ember.linalg.cond(tensor(a), 1)


@pytest.mark.parametrize("ord", ["nuc", 2, -2])
def test_matrix_norm_from_singular_values(ord):
    a = rand(2, 3, 4, seed=24)
    np.testing.assert_allclose(to_np(ember.linalg.matrix_norm(tensor(a), ord)),
                               np.linalg.norm(a, ord, axis=(-2, -1)), rtol=1e-12)
    got = ember.linalg.matrix_norm(tensor(a), ord, dim=(0, 2), keepdim=True)
    ref = np.linalg.norm(a, ord, axis=(0, 2), keepdims=True)
    assert tuple(got.shape) == ref.shape
    np.testing.assert_allclose(to_np(got), ref, rtol=1e-12)
    np.testing.assert_allclose(to_np(ember.linalg.norm(tensor(a[0]), ord)),
                               np.linalg.norm(a[0], ord), rtol=1e-12)
    assert gradcheck(lambda x: ember.linalg.matrix_norm(x, ord), [tensor(a, requires_grad=True)])
    assert_grads_match(lambda m, x: m.linalg.matrix_norm(x, ord), a)
    if ord == "nuc":
        np.testing.assert_allclose(to_np(ember.norm(tensor(a[0]), "nuc")),
                                   np.linalg.norm(a[0], "nuc"), rtol=1e-12)


# ---------------------------------------------------------------- matrix functions
@pytest.mark.parametrize("n", [-3, -1, 0, 1, 2, 5])
def test_matrix_power(n):
    a = well_conditioned(2, 3, 3, seed=25) / 3
    np.testing.assert_allclose(to_np(ember.linalg.matrix_power(tensor(a), n)),
                               np.linalg.matrix_power(a, n), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_np(tensor(a).matrix_power(n)), np.linalg.matrix_power(a, n),
                               rtol=1e-10, atol=1e-12)
    if n != 0:  # n == 0 gives the identity, which does not depend on A
        assert gradcheck(lambda x: ember.linalg.matrix_power(x, n), [tensor(a, requires_grad=True)])
        assert_grads_match(lambda m, x: m.linalg.matrix_power(x, n), a)


def test_matrix_power_int_and_bad_input():
    i = ember.from_numpy(np.array([[1, 1], [0, 1]], dtype=np.int64))
    np.testing.assert_array_equal(to_np(ember.matrix_power(i, 4)), [[1, 4], [0, 1]])
    with pytest.raises(TypeError, match=r"\[linalg.matrix_power\].*negative"):
        ember.linalg.matrix_power(i, -1)
    with pytest.raises(ValueError, match=r"\[linalg.matrix_power\].*square"):
        ember.linalg.matrix_power(ember.ones(2, 3), 2)


@pytest.mark.parametrize("scale", [0.1, 1.0, 30.0])
def test_matrix_exp(scale):
    torch = pytest.importorskip("torch")
    a = rand(2, 4, 4, seed=26) * scale
    got = to_np(ember.linalg.matrix_exp(tensor(a)))
    ref = torch.linalg.matrix_exp(torch.tensor(a)).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-8 * scale, atol=1e-12 * np.abs(ref).max())
    np.testing.assert_allclose(to_np(tensor(a).matrix_exp()), got)
    if scale == 0.1:
        taylor = sum(np.linalg.matrix_power(a, k) / np.prod(np.arange(1, k + 1)) for k in range(25))
        np.testing.assert_allclose(got, taylor, rtol=1e-12)
        s = symmetric(3, 3, seed=27)
        w, V = np.linalg.eigh(s)
        np.testing.assert_allclose(to_np(ember.matrix_exp(tensor(s))), V * np.exp(w) @ V.T, rtol=1e-10)
        assert gradcheck(ember.linalg.matrix_exp, [tensor(a, requires_grad=True)])
        assert gradgradcheck(ember.linalg.matrix_exp, [tensor(a[0], requires_grad=True)])
    if scale <= 1:
        assert_grads_match(lambda m, x: m.linalg.matrix_exp(x), a, rtol=1e-7, atol=1e-9)
    with pytest.raises(ValueError, match=r"\[linalg.matrix_exp\].*square"):
        ember.linalg.matrix_exp(ember.ones(2, 3))


def test_vecdot_and_multi_dot():
    x, y = rand(3, 4, seed=28), rand(4, seed=29)
    np.testing.assert_allclose(to_np(ember.linalg.vecdot(tensor(x), tensor(y))), x @ y, rtol=1e-12)
    np.testing.assert_allclose(to_np(ember.linalg.vecdot(tensor(x), tensor(x), dim=0)),
                               (x * x).sum(0), rtol=1e-12)
    assert gradcheck(lambda p, q: ember.linalg.vecdot(p, q),
                     [tensor(x, requires_grad=True), tensor(y, requires_grad=True)])
    with pytest.raises(TypeError, match=r"\[linalg.vecdot\].*same dtype"):
        ember.linalg.vecdot(tensor(x), tensor(y.astype(np.float32)))
    ms = [rand(4, seed=30), rand(4, 3, seed=31), rand(3, 5, seed=32), rand(5, seed=33)]
    np.testing.assert_allclose(to_np(ember.linalg.multi_dot([tensor(m) for m in ms])),
                               np.linalg.multi_dot(ms), rtol=1e-12)
    np.testing.assert_allclose(to_np(ember.linalg.multi_dot([tensor(m) for m in ms[1:3]])),
                               ms[1] @ ms[2], rtol=1e-12)
    assert gradcheck(lambda *t: ember.linalg.multi_dot(list(t)),
                     [tensor(m, requires_grad=True) for m in ms])
    with pytest.raises(ValueError, match=r"\[linalg.multi_dot\].*at least 2"):
        ember.linalg.multi_dot([tensor(ms[1])])
    with pytest.raises(ValueError, match=r"\[linalg.multi_dot\] expected 2-D"):
        ember.linalg.multi_dot([tensor(ms[1]), tensor(ms[0]), tensor(ms[2])])
