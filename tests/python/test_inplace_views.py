"""In-place ops on views under autograd, PyTorch's semantics: writing through a view rebases
the base's history (CopySlices), and views of a base changed in place see its new history.
Every case is compared with PyTorch's gradients."""
import numpy as np
import pytest

import ember
from ember.autograd import gradgradcheck

from utils import to_np

CASES = {
    "mul_ on a slice": lambda L, a: (lambda b: (b[1:].mul_(5), b.sum())[1])(a * 2),
    "add_ on a slice, base used": lambda L, a: (
        lambda b: (b[0:2].add_(a[0:2] * a[0:2]), (b * b).sum())[1])(a * 2),
    "base in place, older view used": lambda L, a: (
        lambda b: (lambda v: (b.mul_(a), (v * v).sum())[1])(b[1:3]))(a * 2),
    "view of a view": lambda L, a: (
        lambda b: (b.view(2, 2)[1].mul_(a[0]), b.pow(2).sum())[1])(a * 1.5),
    "copy_ into a view": lambda L, a: (lambda b: (b[1:3].copy_(a[2:] * 3), b.sum())[1])(a * 2),
    "setitem on a view": lambda L, a: (
        lambda b: (lambda v: (v.__setitem__(0, a[3] * 7), (b * a).sum())[1])(b[1:]))(a * 2),
    "buffer without grad": lambda L, a: (
        lambda buf: (buf[1:3].add_(a[:2] ** 2), (buf * buf).sum())[1])(L.zeros(4)),
    "sibling view of that buffer": lambda L, a: (
        lambda buf: (lambda w: (buf[1:3].add_(a[:2] ** 2), (w * 3).sum())[1])(buf[0:2]))(
            L.zeros(4)),
    "transposed view": lambda L, a: (
        lambda b: (b.t()[0].mul_(a[:2]), (b * b).sum())[1])((a * 2).reshape(2, 2)),
    "relu_ on a column": lambda L, a: (
        lambda b: (b[:, 1].relu_(), b.sum())[1])((a - 2.5).reshape(2, 2) * a.reshape(2, 2)),
    "zero_ on a row, twice": lambda L, a: (
        lambda b: (b[0].zero_(), b[1].mul_(a[1]), (b * a.reshape(2, 2)).sum())[2])(
            (a * a).reshape(2, 2)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name):
    torch = pytest.importorskip("torch")
    data = [1.0, 2.0, 3.0, 4.0]
    ea = ember.tensor(data, requires_grad=True)
    ta = torch.tensor(data, requires_grad=True)
    eo, to = CASES[name](ember, ea), CASES[name](torch, ta)
    np.testing.assert_allclose(to_np(eo), to.detach().numpy(), rtol=1e-6)
    eo.backward()
    to.backward()
    np.testing.assert_allclose(to_np(ea.grad), ta.grad.numpy(), rtol=1e-6)


def test_double_backward_through_a_write_into_a_view():
    def f(a):
        b = a * a
        b[1:3].mul_(a[0:2])
        return (b * b).sum()

    assert gradgradcheck(f, [ember.from_numpy(np.array([0.5, -1.0, 2.0, 1.5])).requires_grad_(True)])


def test_errors():
    w = ember.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\[mul_\] a view of a leaf tensor that requires grad"):
        w[0:1].mul_(2)
    with ember.no_grad():
        w[0:1].mul_(2)  # allowed without grad, like PyTorch
    np.testing.assert_array_equal(to_np(w), [2.0, 2.0])
    b = (w * 1).reshape(2, 1).expand(2, 3)
    with pytest.raises(RuntimeError, match=r"more than one element of the written-to tensor"):
        b.mul_(w.reshape(2, 1))
