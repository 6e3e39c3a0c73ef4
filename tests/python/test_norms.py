"""Norms and distances: vector_norm / matrix_norm / linalg.norm / norm, normalize,
cosine_similarity, pairwise_distance, cdist, dist and their layers. Forward vs NumPy,
float64 gradient (and second-order) checks, PyTorch parity for values and gradients,
bad input, thread determinism of the norm kernel."""
import math

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from utils import to_np, tensor, randn, same_for_threads

INF = math.inf
ORDS = [2, 1, 0, INF, -INF, 3, 0.5, -1.5]


def _np_vnorm(a, ord, axis, keepdims=False):
    a = np.abs(a.astype(np.float64))
    if ord == 0:
        r = np.sum(a != 0, axis=axis, keepdims=keepdims).astype(np.float64)
    elif ord == INF:
        r = np.max(a, axis=axis, keepdims=keepdims)
    elif ord == -INF:
        r = np.min(a, axis=axis, keepdims=keepdims)
    else:
        with np.errstate(divide="ignore"):
            r = np.sum(a ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)
    return r


# ---------------------------------------------------------------- vector_norm
@pytest.mark.parametrize("ord", ORDS)
def test_vector_norm_forward(ord):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4, 5)).astype(np.float32)
    a_t = np.ascontiguousarray(a.transpose(2, 1, 0)).transpose(2, 1, 0)  # non-contiguous
    for arr in (a, a_t):
        x = tensor(arr)
        for dim, axis in [(None, None), (1, 1), (-1, -1), ((0, 2), (0, 2)), ([2, 0], (0, 2))]:
            for keepdim in (False, True):
                got = ember.linalg.vector_norm(x, ord, dim, keepdim)
                ref = _np_vnorm(arr, ord, axis, keepdim)
                assert got.dtype == ember.float32 and tuple(got.shape) == np.shape(ref)
                np.testing.assert_allclose(to_np(got), ref, rtol=2e-6)


def test_vector_norm_long_rows_and_dtype():
    # float32 sums of squares accumulate in double: a long row stays accurate.
    rng = np.random.default_rng(1)
    a = rng.standard_normal(200_000).astype(np.float32)
    got = float(ember.linalg.vector_norm(tensor(a)))
    assert abs(got - np.linalg.norm(a.astype(np.float64))) <= 1e-6 * got
    r = ember.linalg.vector_norm(tensor(a[:10]), dtype=ember.float64)
    assert r.dtype == ember.float64
    e = ember.linalg.vector_norm(ember.zeros(0, 3), 2, 0)
    np.testing.assert_array_equal(to_np(e), np.zeros(3))


def test_vector_norm_thread_determinism():
    rng = np.random.default_rng(2)
    big = tensor(rng.standard_normal(100_000).astype(np.float32))
    rows = tensor(rng.standard_normal((300, 257)).astype(np.float32))
    same_for_threads(lambda: (ember.linalg.vector_norm(big), ember.linalg.vector_norm(big, 3.0),
                              ember.linalg.vector_norm(rows, 2, 1), ember.linalg.vector_norm(rows, 1, 0),
                              ember.linalg.vector_norm(rows, INF)))


@pytest.mark.parametrize("ord", [2, 1, INF, -INF, 3, 1.5, 0.5, -1.5])
def test_vector_norm_gradcheck(ord):
    x = randn(3, 4, requires_grad=True, seed=3)
    assert gradcheck(lambda t: ember.linalg.vector_norm(t, ord, 1), [x])
    assert gradcheck(lambda t: ember.linalg.vector_norm(t, ord), [x])
    assert gradgradcheck(lambda t: ember.linalg.vector_norm(t, ord, (0, 1), True), [x])


def test_vector_norm_grad_at_zero_and_ties():
    z = ember.zeros(4, dtype=ember.float64, requires_grad=True)
    ember.linalg.vector_norm(z).backward()
    np.testing.assert_array_equal(to_np(z.grad), np.zeros(4))  # 0, not NaN
    # inf-norm: the gradient is shared evenly by the entries tied at the max |x|
    x = tensor(np.array([1.0, -3.0, 3.0, 2.0]), requires_grad=True)
    ember.linalg.vector_norm(x, INF).backward()
    np.testing.assert_array_equal(to_np(x.grad), [0, -0.5, 0.5, 0])


def test_vector_norm_torch_parity():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    a = rng.standard_normal((4, 6, 5)).astype(np.float32)
    a[0, 0] = 0  # a zero row for the dim=-1 norms
    a[1, 2, 3] = a[1, 2, 1] = 5.0  # ties for the inf-norm
    for ord in ORDS:
        for dim in (None, -1, (0, 2)):
            x = tensor(a, requires_grad=True)
            tx = torch.tensor(a, requires_grad=True)
            y = ember.linalg.vector_norm(x, ord, dim)
            ty = torch.linalg.vector_norm(tx, ord, dim)
            np.testing.assert_allclose(to_np(y), ty.detach().numpy(), rtol=1e-6)
            w = rng.standard_normal(tuple(ty.shape)).astype(np.float32)
            (y * tensor(w)).sum().backward()
            if ty.requires_grad:
                (ty * torch.tensor(w)).sum().backward()
            tg = tx.grad.numpy() if tx.grad is not None else np.zeros_like(a)  # ord 0: no grad
            np.testing.assert_allclose(to_np(x.grad), tg, rtol=1e-5, atol=1e-6,
                                       err_msg=f"ord={ord} dim={dim}")


def test_vector_norm_bad_input():
    with pytest.raises(TypeError, match=r"\[vector_norm\]"):
        ember.linalg.vector_norm(ember.arange(4))
    with pytest.raises(TypeError, match=r"\[vector_norm\]"):
        ember.linalg.vector_norm(ember.ones(3), "fro")
    with pytest.raises(IndexError, match=r"\[vector_norm\]"):
        ember.linalg.vector_norm(ember.ones(2, 3), 2, 5)
    with pytest.raises(IndexError, match=r"\[vector_norm\]"):
        ember.linalg.vector_norm(ember.zeros(0, 3), INF, 0)
    with pytest.raises(ValueError, match=r"\[vector_norm\]"):
        ember.linalg.vector_norm(ember.ones(2, 3), 2, (1, 1))


# ---------------------------------------------------------------- matrix_norm, linalg.norm, norm
@pytest.mark.parametrize("ord", ["fro", 1, -1, INF, -INF])
def test_matrix_norm(ord):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    a = rng.standard_normal((2, 3, 4)).astype(np.float32)
    for dim in [(-2, -1), (0, 2), (2, 1)]:
        for keepdim in (False, True):
            got = ember.linalg.matrix_norm(tensor(a), ord, dim, keepdim)
            ref = torch.linalg.matrix_norm(torch.tensor(a), ord, dim, keepdim).numpy()
            assert tuple(got.shape) == ref.shape
            np.testing.assert_allclose(to_np(got), ref, rtol=1e-6)
    m = a[0].astype(np.float64)
    np_ord = {"fro": "fro", 1: 1, -1: -1, INF: np.inf, -INF: -np.inf}[ord]
    np.testing.assert_allclose(to_np(ember.linalg.matrix_norm(tensor(m), ord)),
                               np.linalg.norm(m, np_ord), rtol=1e-12)
    x = randn(3, 4, requires_grad=True, seed=6)
    assert gradcheck(lambda t: ember.linalg.matrix_norm(t, ord), [x])
    x = tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    ember.linalg.matrix_norm(x, ord).sum().backward()
    torch.linalg.matrix_norm(tx, ord).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_matrix_norm_bad_input():
    for ord in (2, -2):  # 'nuc', 2, -2 come from singular values (test_linalg_decomp.py)
        with pytest.raises(IndexError, match=r"\[matrix_norm\].*non-empty"):
            ember.linalg.matrix_norm(ember.ones(0, 3), ord)
    with pytest.raises(ValueError, match=r"\[matrix_norm\]"):
        ember.linalg.matrix_norm(ember.ones(3))
    with pytest.raises(ValueError, match=r"\[matrix_norm\]"):
        ember.linalg.matrix_norm(ember.ones(3, 3), 3)
    with pytest.raises(ValueError, match=r"\[matrix_norm\]"):
        ember.linalg.matrix_norm(ember.ones(3, 3), "abc")
    with pytest.raises(ValueError, match=r"\[matrix_norm\]"):
        ember.linalg.matrix_norm(ember.ones(3, 3), 1, (0, 0))


def test_linalg_norm_and_norm_dispatch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    v = rng.standard_normal(5).astype(np.float32)
    c = rng.standard_normal((2, 3, 4)).astype(np.float32)
    cases = [(a, {}), (a, {"ord": 1}), (a, {"ord": INF}), (a, {"ord": "fro"}), (v, {"ord": 3}),
             (v, {"ord": -INF}), (c, {}), (c, {"dim": 1}), (c, {"ord": 1, "dim": (0, 2)}),
             (c, {"ord": 0.5, "dim": (1,)}), (c, {"dim": (1, 2), "keepdim": True})]
    for arr, kw in cases:
        got = ember.linalg.norm(tensor(arr), **kw)
        ref = torch.linalg.norm(torch.tensor(arr), **kw).numpy()
        assert tuple(got.shape) == ref.shape, kw
        np.testing.assert_allclose(to_np(got), ref, rtol=1e-6, err_msg=str(kw))
    tcases = [{}, {"p": 1}, {"p": "fro", "dim": (0, 1)}, {"p": 3, "dim": (0, 1, 2)},
              {"p": INF, "dim": 2, "keepdim": True}, {"dim": 1}, {"p": 2, "dtype": torch.float64}]
    for kw in tcases:
        ekw = {k: (ember.float64 if v is torch.float64 else v) for k, v in kw.items()}
        got = ember.norm(tensor(c), **ekw)
        ref = torch.norm(torch.tensor(c), **kw).numpy()
        assert tuple(got.shape) == ref.shape, kw
        np.testing.assert_allclose(to_np(got), ref, rtol=1e-6, err_msg=str(kw))
        np.testing.assert_allclose(to_np(tensor(c).norm(**ekw)), ref, rtol=1e-6)
    with pytest.raises(ValueError, match=r"\[linalg.norm\]"):
        ember.linalg.norm(tensor(c), 2)  # ord with a 3-D input needs dim
    with pytest.raises(ValueError, match=r"\[linalg.norm\]"):
        ember.linalg.norm(tensor(v), "fro")
    np.testing.assert_allclose(to_np(ember.norm(tensor(a), "nuc")),
                               torch.norm(torch.tensor(a), "nuc").numpy(), rtol=1e-5)
    with pytest.raises(ValueError, match=r"\[norm\]"):
        ember.norm(tensor(a), "abc")


# ---------------------------------------------------------------- normalize, cosine_similarity
def test_normalize():
    torch = pytest.importorskip("torch")
    F = ember.nn.functional
    rng = np.random.default_rng(8)
    a = rng.standard_normal((3, 4, 2)).astype(np.float32)
    a[1, :, 0] = 0  # a zero slice: divided by eps, not NaN
    for p, dim in [(2.0, 1), (1.0, -1), (3.0, 0), (INF, 1)]:
        ref = a / np.maximum(_np_vnorm(a, p, dim, True), 1e-12)
        np.testing.assert_allclose(to_np(F.normalize(tensor(a), p, dim)), ref, rtol=1e-6, atol=1e-7)
        x = tensor(a, requires_grad=True)
        tx = torch.tensor(a, requires_grad=True)
        w = rng.standard_normal(a.shape).astype(np.float32)
        (F.normalize(x, p=p, dim=dim) * tensor(w)).sum().backward()
        (torch.nn.functional.normalize(tx, p=p, dim=dim) * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-5, atol=1e-5)
    x = randn(3, 4, requires_grad=True, seed=9)
    assert gradcheck(lambda t: F.normalize(t, dim=1), [x])
    assert gradgradcheck(lambda t: F.normalize(t, p=3.0, dim=0), [x])
    with pytest.raises(IndexError, match=r"\[normalize\]"):
        F.normalize(ember.ones(2, 3), dim=2)
    with pytest.raises(TypeError, match=r"\[normalize\]"):
        F.normalize(ember.arange(6).reshape(2, 3))


def test_cosine_similarity():
    torch = pytest.importorskip("torch")
    F = ember.nn.functional
    rng = np.random.default_rng(10)
    a = rng.standard_normal((3, 1, 4)).astype(np.float32)
    b = rng.standard_normal((5, 4)).astype(np.float32)
    a[0, 0] = 1e-10  # a norm below eps: clamped in value, gradient as PyTorch's
    na = np.maximum(np.linalg.norm(a, axis=-1, keepdims=True), 1e-8)
    nb = np.maximum(np.linalg.norm(b, axis=-1, keepdims=True), 1e-8)
    ref = np.sum((a / na) * (b / nb), axis=-1)
    got = F.cosine_similarity(tensor(a), tensor(b), dim=-1)
    assert tuple(got.shape) == (3, 5)
    np.testing.assert_allclose(to_np(got), ref, rtol=1e-5, atol=1e-6)
    x, y = tensor(a, requires_grad=True), tensor(b, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out, tout = F.cosine_similarity(x, y, dim=-1), torch.nn.functional.cosine_similarity(tx, ty, dim=-1)
    np.testing.assert_allclose(to_np(out), tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    w = rng.standard_normal((3, 5)).astype(np.float32)
    (out * tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(to_np(y.grad), ty.grad.numpy(), rtol=1e-4, atol=1e-5)
    p, q = randn(4, 3, requires_grad=True, seed=11), randn(4, 3, requires_grad=True, seed=12)
    assert gradcheck(lambda s, t: F.cosine_similarity(s, t), [p, q])
    assert gradgradcheck(lambda s, t: F.cosine_similarity(s, t, dim=0), [p, q])
    layer = ember.nn.CosineSimilarity(dim=0, eps=1e-6)
    assert repr(layer) == "CosineSimilarity()" and layer.dim == 0 and layer.eps == 1e-6
    np.testing.assert_array_equal(to_np(layer(p, q)), to_np(F.cosine_similarity(p, q, 0, 1e-6)))
    with pytest.raises(ValueError, match=r"\[cosine_similarity\]"):
        F.cosine_similarity(ember.ones(2, 3), ember.ones(2, 4))
    with pytest.raises(IndexError, match=r"\[cosine_similarity\]"):
        F.cosine_similarity(ember.ones(2, 3), ember.ones(2, 3), dim=2)


# ---------------------------------------------------------------- pairwise_distance, cdist, dist
def test_pairwise_distance():
    torch = pytest.importorskip("torch")
    F = ember.nn.functional
    rng = np.random.default_rng(13)
    a = rng.standard_normal((4, 5)).astype(np.float32)
    b = rng.standard_normal((5,)).astype(np.float32)
    for p in (2.0, 1.0, 3.0, INF):
        for keepdim in (False, True):
            ref = _np_vnorm(a - b + 1e-6, p, -1, keepdim)
            got = F.pairwise_distance(tensor(a), tensor(b), p, keepdim=keepdim)
            np.testing.assert_allclose(to_np(got), ref, rtol=1e-6)
            tref = torch.nn.functional.pairwise_distance(torch.tensor(a), torch.tensor(b), p,
                                                         keepdim=keepdim).numpy()
            assert tuple(got.shape) == tref.shape
            np.testing.assert_allclose(to_np(got), tref, rtol=1e-6)
    x, y = tensor(a, requires_grad=True), tensor(a, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    F.pairwise_distance(x, y, eps=0.0).sum().backward()  # zero distance: gradient 0
    torch.nn.functional.pairwise_distance(tx, ty, eps=0.0).sum().backward()
    np.testing.assert_array_equal(to_np(x.grad), tx.grad.numpy())
    p, q = randn(3, 4, requires_grad=True, seed=14), randn(3, 4, requires_grad=True, seed=15)
    assert gradcheck(lambda s, t: F.pairwise_distance(s, t, 3.0), [p, q])
    assert gradgradcheck(lambda s, t: F.pairwise_distance(s, t), [p, q])
    layer = ember.nn.PairwiseDistance(p=1.0, keepdim=True)
    assert repr(layer) == "PairwiseDistance()" and layer.norm == 1.0 and layer.keepdim
    import copy
    c = copy.deepcopy(layer)
    assert type(c) is ember.nn.PairwiseDistance and c.norm == 1.0 and c.keepdim and c.eps == 1e-6
    np.testing.assert_array_equal(to_np(layer(p, q)), to_np(F.pairwise_distance(p, q, 1.0, keepdim=True)))
    with pytest.raises(ValueError, match=r"\[pairwise_distance\]"):
        F.pairwise_distance(ember.ones(2, 3), ember.ones(2, 3), -1.0)
    with pytest.raises(ValueError, match=r"\[pairwise_distance\]"):
        F.pairwise_distance(ember.ones(2, 3), ember.ones(2, 4))


def _np_cdist(a, b, p):
    d = a[..., :, None, :] - b[..., None, :, :]
    return _np_vnorm(d, p, -1)


@pytest.mark.parametrize("mode", ["donot_use_mm_for_euclid_dist", "use_mm_for_euclid_dist"])
def test_cdist(mode):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(16)
    a = rng.standard_normal((2, 1, 6, 3)).astype(np.float32)
    b = rng.standard_normal((3, 7, 3)).astype(np.float32)
    b[1, 2] = a[0, 0, 4]  # a zero distance
    for p in (2.0, 1.0, 0.0, 3.0, INF):
        got = ember.cdist(tensor(a), tensor(b), p, mode)
        ref = _np_cdist(a.astype(np.float64), b.astype(np.float64), p)
        assert tuple(got.shape) == (2, 3, 6, 7)
        np.testing.assert_allclose(to_np(got), ref, rtol=1e-5, atol=2e-6 if mode[0] == "d" else 3e-4)
    x, y = tensor(a, requires_grad=True), tensor(b, requires_grad=True)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out, tout = ember.cdist(x, y, compute_mode=mode), torch.cdist(tx, ty, compute_mode=mode)
    np.testing.assert_allclose(to_np(out), tout.detach().numpy(), rtol=1e-5, atol=3e-4)
    w = rng.standard_normal(tuple(tout.shape)).astype(np.float32)
    (out * tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(to_np(y.grad), ty.grad.numpy(), rtol=1e-3, atol=1e-3)
    p_, q_ = randn(2, 3, 2, requires_grad=True, seed=17), randn(4, 2, requires_grad=True, seed=18)
    assert gradcheck(lambda s, t: ember.cdist(s, t, compute_mode=mode), [p_, q_])
    assert gradgradcheck(lambda s, t: ember.cdist(s, t, compute_mode=mode), [p_, q_])
    if mode[0] == "d":
        assert gradcheck(lambda s, t: ember.cdist(s, t, 1.5), [p_, q_])


def test_cdist_zero_distance_grad_and_large():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(19)
    a = rng.standard_normal((30, 8)).astype(np.float32)  # P > 25: the bmm form by default
    for arr_b in (a.copy(), rng.standard_normal((40, 8)).astype(np.float32)):
        x, y = tensor(a, requires_grad=True), tensor(arr_b, requires_grad=True)
        tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(arr_b, requires_grad=True)
        out, tout = ember.cdist(x, y), torch.cdist(tx, ty)
        np.testing.assert_allclose(to_np(out), tout.detach().numpy(), atol=1e-5)
        out.sum().backward()
        tout.sum().backward()
        assert np.isfinite(to_np(x.grad)).all()
        np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), atol=1e-3)
        np.testing.assert_allclose(to_np(y.grad), ty.grad.numpy(), atol=1e-3)
    with pytest.raises(ValueError, match=r"\[cdist\]"):
        ember.cdist(ember.ones(3, 4), ember.ones(3, 5))
    with pytest.raises(ValueError, match=r"\[cdist\]"):
        ember.cdist(ember.ones(4), ember.ones(3, 4))
    with pytest.raises(ValueError, match=r"\[cdist\]"):
        ember.cdist(ember.ones(3, 4), ember.ones(3, 4), compute_mode="fast")
    with pytest.raises(ValueError, match=r"\[cdist\]"):
        ember.cdist(ember.ones(2, 3, 4), ember.ones(3, 3, 4))


def test_distances_thread_determinism():
    rng = np.random.default_rng(23)
    a = tensor(rng.standard_normal((2, 40, 16)).astype(np.float32))
    b = tensor(rng.standard_normal((2, 50, 16)).astype(np.float32))
    same_for_threads(lambda: (ember.cdist(a, b), ember.cdist(a, b, 1.0),
                              ember.nn.functional.cosine_similarity(a[:, :8], b[:, :8], dim=-1),
                              ember.nn.functional.normalize(a, dim=-1)))


def test_cdist_inf_ties_like_torch():
    torch = pytest.importorskip("torch")
    a, b = np.array([[0.0, 0.0], [0.5, 2.0]]), np.array([[1.0, -1.0], [0.3, 0.1]])
    x, tx = tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ember.cdist(x, tensor(b), INF).sum().backward()
    torch.cdist(tx, torch.tensor(b), INF).sum().backward()
    np.testing.assert_array_equal(to_np(x.grad), tx.grad.numpy())  # ties: full gradient each
    assert gradcheck(lambda s: ember.cdist(s, tensor(b), INF), [tensor(a + 0.01 * np.arange(4).reshape(2, 2),
                                                                       requires_grad=True)])


def test_dist():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(20)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal((4,)).astype(np.float32)
    for p in (2.0, 1.0, INF, 0.5):
        ref = torch.dist(torch.tensor(a), torch.tensor(b), p).numpy()
        np.testing.assert_allclose(to_np(ember.dist(tensor(a), tensor(b), p)), ref, rtol=1e-6)
        np.testing.assert_allclose(to_np(tensor(a).dist(tensor(b), p=p)), ref, rtol=1e-6)
    p_, q_ = randn(3, 4, requires_grad=True, seed=21), randn(4, requires_grad=True, seed=22)
    assert gradcheck(lambda s, t: ember.dist(s, t, 3.0), [p_, q_])
    with pytest.raises(ValueError, match=r"\[dist\]"):
        ember.dist(ember.ones(3), ember.ones(4))
