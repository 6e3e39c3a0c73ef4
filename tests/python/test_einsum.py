"""ember.einsum: forward vs NumPy over implicit / explicit outputs, ellipsis broadcasting,
diagonals and multi-operand chains; float64 gradient and second-order checks; PyTorch
parity for values and gradients; two-operand contractions go through bmm; bad equations."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from utils import to_np, tensor, randn, same_for_threads

CASES = [
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk->ki", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->j", [(3, 3, 2)]),
    ("iji->ij", [(2, 3, 2)]),
    ("ijk->", [(2, 3, 4)]),
    ("ba", [(2, 3)]),
    ("Ab,bC->AC", [(2, 3), (3, 2)]),
    ("i,j", [(3,), (4,)]),
    ("i,i", [(3,), (3,)]),
    ("i,i->i", [(3,), (3,)]),
    ("ij,ij->i", [(3, 4), (3, 4)]),
    ("ij->", [(3, 4)]),
    ("...ij,...jk", [(2, 1, 3, 4), (5, 4, 2)]),
    ("...ij,...jk->...ik", [(3, 4), (2, 4, 5)]),
    ("b...,b...->b...", [(2, 3), (2, 3)]),
    ("i...->...", [(3, 2, 2)]),
    ("...,...", [(2, 3), (3,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("abc,cd,de->abe", [(2, 3, 4), (4, 5), (5, 2)]),
    ("ij,jk,kl", [(2, 3), (3, 4), (4, 2)]),
    ("i,j,k->ijk", [(2,), (3,), (2,)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("ij,kj->", [(2, 3), (4, 3)]),
]


def _arrays(shapes, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


@pytest.mark.parametrize("eq,shapes", CASES)
def test_einsum_forward_numpy(eq, shapes):
    arrs = _arrays(shapes)
    got = ember.einsum(eq, *[tensor(a) for a in arrs])
    ref = np.einsum(eq, *arrs)
    assert tuple(got.shape) == ref.shape
    np.testing.assert_allclose(to_np(got), ref, rtol=1e-12, atol=1e-12)


def test_einsum_list_form_int_and_promotion():
    a, b = _arrays([(2, 3), (3, 4)])
    np.testing.assert_allclose(to_np(ember.einsum("ij,jk", [tensor(a), tensor(b)])), a @ b)
    ia = np.arange(6).reshape(2, 3)
    got = ember.einsum("ij,kj->ik", tensor(ia), tensor(ia))
    assert got.dtype == ember.int64
    np.testing.assert_array_equal(to_np(got), ia @ ia.T)
    mixed = ember.einsum("ij,jk", tensor(a.astype(np.float32)), tensor(b))
    assert mixed.dtype == ember.float64
    np.testing.assert_allclose(to_np(ember.einsum(" i j , j k -> i k ", tensor(a), tensor(b))), a @ b)


@pytest.mark.parametrize("eq,shapes", [c for c in CASES if c[0] in (
    "ij,jk->ki", "bij,bjk->bik", "ii->i", "iij->j", "...ij,...jk", "ij,jk,kl->il", "i,j",
    "b...,b...->b...", "ij->")])
def test_einsum_gradcheck(eq, shapes):
    inputs = [randn(*s, seed=i + 1, requires_grad=True) for i, s in enumerate(shapes)]
    fn = lambda *xs: ember.einsum(eq, *xs)  # noqa: E731
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_einsum_torch_parity():
    torch = pytest.importorskip("torch")
    for eq, shapes in CASES:
        arrs = _arrays(shapes, seed=3, dtype=np.float32)
        xs = [tensor(a, requires_grad=True) for a in arrs]
        ts = [torch.tensor(a, requires_grad=True) for a in arrs]
        y, ty = ember.einsum(eq, *xs), torch.einsum(eq, *ts)
        assert tuple(y.shape) == tuple(ty.shape), eq
        np.testing.assert_allclose(to_np(y), ty.detach().numpy(), rtol=1e-5, atol=1e-5, err_msg=eq)
        w = np.random.default_rng(4).standard_normal(tuple(ty.shape)).astype(np.float32)
        (y * tensor(w)).sum().backward()
        (ty * torch.tensor(w)).sum().backward()
        for x, t in zip(xs, ts):
            np.testing.assert_allclose(to_np(x.grad), t.grad.numpy(), rtol=1e-5, atol=1e-5, err_msg=eq)


def _graph_names(t):
    names, stack, keep = set(), [t.grad_fn], []
    while stack:  # einsum graphs are small trees; keep holds the nodes so ids stay unique
        n = stack.pop()
        if n is None:
            continue
        keep.append(n)
        names.add(n.name())
        stack.extend(f for f, _ in n.next_functions)
    return names


def test_einsum_uses_bmm():
    # bmm records MatmulBackward; a broadcast multiply-and-sum would record Mul / Sum.
    a = randn(8, 16, requires_grad=True)
    b = randn(16, 4, requires_grad=True)
    names = _graph_names(ember.einsum("ij,jk->ik", a, b))
    assert "MatmulBackward" in names and not names & {"MulBackward", "SumBackward"}, names
    names = _graph_names(ember.einsum("bij,bkj->bik", randn(2, 3, 4, requires_grad=True),
                                      randn(2, 5, 4, requires_grad=True)))
    assert "MatmulBackward" in names and not names & {"MulBackward", "SumBackward"}, names


def test_einsum_bad_equations():
    a, b = ember.ones(2, 3), ember.ones(3, 4)
    bad = [("ij,jk", [a]), ("ij", [a, b]), ("ijk,jk", [a, b]), ("i,jk", [a, b]),
           ("ij,jk->il", [a, b]), ("ij,jk->ii", [a, b]), ("i1,jk", [a, b]), ("i.j,jk", [a, b]),
           ("...i...,jk", [a, b]), ("ij,jk->i->k", [a, b]), ("ij,jk-ik", [a, b]),
           ("ij,ij", [a, b]), ("ii", [a]), ("", [a]), ("...ij,jk->ik", [a, b][:1] + [b])]
    for eq, ops in bad[:-1]:
        with pytest.raises(ValueError, match=r"\[einsum\]"):
            ember.einsum(eq, *ops)
    with pytest.raises(ValueError, match=r"\[einsum\]"):
        ember.einsum("...ij,...jk->ik", ember.ones(2, 2, 3), ember.ones(3, 4))
    with pytest.raises(ValueError, match=r"\[einsum\]"):
        ember.einsum("ij")
    with pytest.raises(TypeError, match=r"\[einsum\]"):
        ember.einsum("ij,jk", ember.ones(2, 3, dtype=ember.bool), ember.ones(3, 4, dtype=ember.bool))


def test_einsum_thread_determinism():
    rng = np.random.default_rng(5)
    a, b, c = (tensor(rng.standard_normal(s).astype(np.float32)) for s in ((4, 64, 96), (4, 96, 80), (80, 3)))
    same_for_threads(lambda: (ember.einsum("bij,bjk->bik", a, b), ember.einsum("bij,bjk,kl->bil", a, b, c),
                              ember.einsum("bii->bi", a[:, :64, :64])))
