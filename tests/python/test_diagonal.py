"""Diagonals: diagonal (a view), diagonal_scatter, diag, diag_embed, trace: NumPy forward,
float64 gradcheck / gradgradcheck, torch parity, writes through the view, bad input."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck
from utils import to_np


def _f64(*shape, seed=0, grad=True):
    a = np.random.default_rng(seed).standard_normal(shape)
    return ember.from_numpy(a).requires_grad_(grad)


@pytest.mark.parametrize("shape,offset,d1,d2", [((4, 5), 0, 0, 1), ((4, 5), 2, 0, 1),
                                                ((4, 5), -3, 0, 1), ((4, 5), 7, 0, 1),
                                                ((2, 3, 4), 1, 2, 0), ((2, 3, 4), -1, -1, -3)])
def test_diagonal_matches_numpy_and_gradchecks(shape, offset, d1, d2):
    x = _f64(*shape)
    np.testing.assert_array_equal(to_np(x.diagonal(offset, d1, d2)),
                                  np.diagonal(to_np(x), offset, d1, d2))
    assert gradcheck(lambda t: ember.diagonal(t, offset, d1, d2) * 1, (x,))
    assert gradgradcheck(lambda t: ember.diagonal(t, offset, d1, d2) ** 2, (x,))


def test_diag_embed_trace_scatter_like_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(1).standard_normal((2, 3)).astype(np.float32)
    m = np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32)
    e, t, em, tm = ember.from_numpy(a), torch.from_numpy(a), ember.from_numpy(m), torch.from_numpy(m)
    pairs = [(ember.diag(e[0]), torch.diag(t[0])), (ember.diag(e[0], -2), torch.diag(t[0], -2)),
             (em.diag(1), tm.diag(1)), (ember.trace(em), torch.trace(tm)),
             (ember.diag_embed(e), torch.diag_embed(t)),
             (ember.diag_embed(e, 1, 0, 2), torch.diag_embed(t, 1, 0, 2)),
             (ember.diagonal_scatter(em, e[0], 1), torch.diagonal_scatter(tm, t[0], 1))]
    for got, want in pairs:
        np.testing.assert_allclose(to_np(got), want.numpy(), rtol=1e-6)
    x, s = _f64(3, 4, seed=3), _f64(3, seed=4)
    assert gradcheck(lambda x, s: ember.diagonal_scatter(x, s), (x, s))
    assert gradgradcheck(lambda x, s: ember.diagonal_scatter(x, s) ** 2, (x, s))
    assert gradcheck(lambda s: ember.diag_embed(s, -1), (s,))
    assert gradcheck(lambda x: ember.trace(x), (x,))


def test_diagonal_is_a_view_and_in_place_writes_reach_the_input():
    x = ember.zeros(3, 3)
    x.diagonal().fill_(2.0)
    np.testing.assert_array_equal(to_np(x), 2 * np.eye(3))
    w = _f64(3, 3)
    y = w * 1
    y.diagonal().mul_(3.0)
    y.sum().backward()
    np.testing.assert_array_equal(to_np(w.grad), 1 + 2 * np.eye(3))


def test_bad_input():
    with pytest.raises(ValueError, match=r"\[diagonal\] diagonal dimensions cannot be identical"):
        ember.ones(2, 2).diagonal(0, 1, -1)
    with pytest.raises(ValueError, match=r"\[diagonal\] expected a tensor of at least 2 dims"):
        ember.ones(3).diagonal()
    with pytest.raises(ValueError, match=r"\[diag\] expected a 1-D or 2-D tensor"):
        ember.diag(ember.ones(2, 2, 2))
    with pytest.raises(ValueError, match=r"\[trace\] expected a 2-D tensor"):
        ember.trace(ember.ones(3))
    with pytest.raises(ValueError, match=r"\[diagonal_scatter\] expected src of shape \(2,\)"):
        ember.diagonal_scatter(ember.ones(2, 2), ember.ones(3))
