"""The autograd engine (csrc/ember/autograd) through the Python API: accumulation,
retain_grad, grad mode (contexts, decorators, per-thread), freed graphs and retain_graph,
in-place checks (saved-tensor versions, leaves), autograd.grad (create_graph, allow_unused,
shapes), multiple roots, detach. Uses only ops bound on every branch (add, mul, sum, to,
fill_/zero_); compares with PyTorch where it applies."""
import threading

import numpy as np
import pytest

import ember
from ember import autograd
from utils import randn, tensor, to_np


def leaf(values, dtype=np.float64):
    return tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def cube(x):
    return ember.mul(ember.mul(x, x), x)


# ---------------------------------------------------------------- basics

def test_simple_backward_and_accumulation():
    x = leaf([1.0, 2.0, 3.0])
    y = ember.sum(x * x)
    y.backward(retain_graph=True)
    np.testing.assert_array_equal(to_np(x.grad), [2.0, 4.0, 6.0])
    g = x.grad
    y.backward()  # accumulates into the same gradient tensor
    np.testing.assert_array_equal(to_np(x.grad), [4.0, 8.0, 12.0])
    assert x.grad.data_ptr() == g.data_ptr()
    # A fresh graph accumulates too; assigning None resets.
    ember.sum(x + x).backward()
    np.testing.assert_array_equal(to_np(x.grad), [6.0, 10.0, 14.0])
    x.grad = None
    assert x.grad is None
    ember.sum(x).backward()
    np.testing.assert_array_equal(to_np(x.grad), [1.0, 1.0, 1.0])
    assert not x.grad.requires_grad


def test_graph_structure():
    a, b = leaf([1.0]), leaf([2.0])
    y = a * b
    assert not y.is_leaf and a.is_leaf and y.requires_grad
    assert y.grad_fn.name() == "MulBackward"
    nexts = y.grad_fn.next_functions
    assert [n.name() for n, _ in nexts] == ["AccumulateGrad", "AccumulateGrad"]
    c = tensor(np.array([3.0]))  # no grad: no edge
    z = y * c
    assert z.grad_fn.next_functions[1][0] is None
    assert (c * c).grad_fn is None and not (c * c).requires_grad


def test_broadcast_gradients_match_torch():
    torch = pytest.importorskip("torch")
    xa = np.random.default_rng(0).standard_normal((3, 1))
    ya = np.random.default_rng(1).standard_normal((1, 4))
    x, y = leaf(xa), leaf(ya)
    out = ember.sum(ember.add(x * y, x) * y)
    out.backward()
    tx = torch.tensor(xa, requires_grad=True)
    ty = torch.tensor(ya, requires_grad=True)
    ((tx * ty + tx) * ty).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(to_np(y.grad), ty.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(out.item(), ((tx * ty + tx) * ty).sum().item(), rtol=1e-12)


def test_gradcheck_helper():
    x = randn(2, 3, requires_grad=True)
    y = randn(1, 3, seed=1, requires_grad=True)
    assert autograd.gradcheck(lambda a, b: ember.mul(a, b) + a * a, [x, y])
    # A wrong gradient (detach hides a dependency) is reported.
    assert not autograd.gradcheck(lambda a: a * a.detach(), [x], raise_exception=False)
    with pytest.raises(AssertionError, match=r"\[gradcheck\]"):
        autograd.gradcheck(lambda a: a * a.detach(), [x])
    with pytest.raises(TypeError, match=r"\[gradcheck\]"):
        autograd.gradcheck(lambda a: a, [ember.zeros(2, requires_grad=True)])


# ---------------------------------------------------------------- retain_grad / non-leaves

def test_retain_grad_and_nonleaf_grad():
    x = leaf([1.0, -2.0])
    y = x * x
    z = y * y
    assert y.grad is None
    y.retain_grad()
    assert y.retains_grad and not z.retains_grad
    y.retain_grad()  # idempotent
    ember.sum(z).backward()
    np.testing.assert_allclose(to_np(y.grad), 2 * to_np(y))
    assert z.grad is None  # non-leaf without retain_grad: None, as in PyTorch
    np.testing.assert_allclose(to_np(x.grad), 4 * to_np(x) ** 3)
    x.retain_grad()  # no-op on leaves
    with pytest.raises(RuntimeError, match=r"\[retain_grad\]"):
        tensor(np.ones(2)).retain_grad()


def test_retain_grad_matches_torch():
    torch = pytest.importorskip("torch")
    xa = np.array([0.5, 1.5, -1.0])
    x = leaf(xa)
    tx = torch.tensor(xa, requires_grad=True)
    y, ty = x * x + x, tx * tx + tx
    y.retain_grad()
    ty.retain_grad()
    ember.sum(y * x).backward()
    (ty * tx).sum().backward()
    np.testing.assert_allclose(to_np(y.grad), ty.grad.numpy())
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy())


def test_requires_grad_rules():
    x = leaf([1.0])
    y = x * x
    with pytest.raises(RuntimeError, match=r"\[requires_grad_\].*leaf"):
        y.requires_grad_(False)
    with pytest.raises(RuntimeError, match=r"\[requires_grad_\]"):
        y.requires_grad = False
    with pytest.raises(RuntimeError, match=r"\[requires_grad_\].*floating"):
        tensor(np.array([1])).requires_grad_()
    d = y.detach()
    d.requires_grad_()  # detach() gives a leaf
    assert d.requires_grad and d.is_leaf
    x.requires_grad_(False)
    assert not (x * x).requires_grad


# ---------------------------------------------------------------- grad mode

def test_no_grad_enable_grad_contexts():
    x = leaf([1.0])
    assert ember.is_grad_enabled()
    with ember.no_grad():
        assert not ember.is_grad_enabled()
        y = x * x
        with ember.enable_grad():
            assert ember.is_grad_enabled()
            z = x * x
        assert not ember.is_grad_enabled()
    assert ember.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None
    with ember.set_grad_enabled(False):
        assert not (x * x).requires_grad
    assert ember.is_grad_enabled()
    ember.set_grad_enabled(False)  # as a plain call
    try:
        assert not ember.is_grad_enabled()
    finally:
        ember.set_grad_enabled(True)
    assert ember.is_grad_enabled()


def test_grad_mode_restored_on_exception():
    with pytest.raises(KeyError):
        with ember.no_grad():
            raise KeyError("x")
    assert ember.is_grad_enabled()


def test_grad_mode_decorators():
    x = leaf([2.0])

    @ember.no_grad()
    def f(t):
        return t * t

    @ember.enable_grad()
    def g(t):
        return t * t

    @ember.set_grad_enabled(False)
    def h(t):
        return t * t

    assert ember.is_grad_enabled()  # building the decorator did not leak the mode
    assert not f(x).requires_grad and f.__name__ == "f"
    with ember.no_grad():
        assert g(x).requires_grad
    assert not h(x).requires_grad
    assert ember.is_grad_enabled()


def test_inference_mode():
    x = leaf([1.0])
    with ember.inference_mode():
        assert not ember.is_grad_enabled() and not (x * x).requires_grad
    with ember.inference_mode(False):
        assert (x * x).requires_grad

    @ember.inference_mode()
    def f(t):
        return t * t

    assert not f(x).requires_grad and ember.is_grad_enabled()


def test_grad_mode_is_per_thread():
    x = leaf([1.0])
    seen = {}

    def worker():
        seen["enabled"] = ember.is_grad_enabled()
        seen["records"] = (x * x).requires_grad
        with ember.no_grad():
            seen["inner"] = ember.is_grad_enabled()

    with ember.no_grad():
        th = threading.Thread(target=worker)
        th.start()
        th.join()
        assert not ember.is_grad_enabled()  # the worker's no_grad did not touch ours
    assert seen == {"enabled": True, "records": True, "inner": False}


def test_backward_in_threads():
    results = {}

    def work(k):
        x = leaf(np.full(1000, float(k + 1)))
        for _ in range(20):
            ember.sum(x * x).backward()
        results[k] = to_np(x.grad)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for k in range(3):
        np.testing.assert_array_equal(results[k], np.full(1000, 40.0 * (k + 1)))


# ---------------------------------------------------------------- freed graphs

def test_backward_twice_raises_and_retain_graph_allows():
    x = leaf([1.0, 2.0])
    y = ember.sum(x * x)
    y.backward()
    with pytest.raises(RuntimeError, match=r"\[backward\].*second time.*retain_graph"):
        y.backward()
    z = ember.sum(x * x)
    z.backward(retain_graph=True)
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_array_equal(to_np(x.grad), [2.0 + 6.0, 4.0 + 12.0])
    # autograd.grad frees the graph too unless retain_graph.
    w = ember.sum(x * x)
    autograd.grad(w, x)
    with pytest.raises(RuntimeError, match=r"second time"):
        autograd.grad(w, x)


def test_backward_errors():
    x = leaf([1.0, 2.0])
    y = x * x
    with pytest.raises(RuntimeError, match=r"\[backward\].*one element"):
        y.backward()
    with pytest.raises(ValueError, match=r"\[backward\].*shape"):
        y.backward(tensor(np.ones(3)))
    with pytest.raises(TypeError, match=r"\[backward\].*dtype"):
        y.backward(tensor(np.ones(2, np.float32)))
    with pytest.raises(RuntimeError, match=r"\[backward\].*does not require grad"):
        ember.sum(tensor(np.ones(2))).backward()
    y.backward(tensor(np.array([1.0, 0.5])))
    np.testing.assert_array_equal(to_np(x.grad), [2.0, 2.0])
    with pytest.raises(ValueError, match=r"\[grad\].*shape"):
        x.grad = tensor(np.ones(3))
    with pytest.raises(TypeError, match=r"\[grad\].*dtype"):
        x.grad = tensor(np.ones(2, np.float32))


# ---------------------------------------------------------------- in-place checks

def test_inplace_on_saved_tensor_raises_at_backward():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    y = ember.sum(a * b)  # saves a and b
    v = a._version
    with ember.no_grad():
        a.fill_(5.0)  # allowed, but bumps the version
    assert a._version > v
    with pytest.raises(RuntimeError, match=r"modified by an in-place operation"):
        y.backward()


def test_inplace_on_saved_nonleaf_raises_at_backward():
    x = leaf([1.0, 2.0])
    h = x * x
    y = ember.sum(h * h)
    h.zero_()  # in grad mode on a non-leaf: allowed, recorded, but h was saved
    with pytest.raises(RuntimeError, match=r"\[backward\].*modified by an in-place"):
        y.backward()


def test_inplace_on_leaf_raises_in_grad_mode():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match=r"leaf tensor that requires grad"):
        x.fill_(2.0)
    with pytest.raises(RuntimeError, match=r"leaf tensor that requires grad"):
        x.zero_()
    with ember.no_grad():
        x.zero_()
    assert to_np(x).tolist() == [0.0]


def test_inplace_error_matches_torch():
    torch = pytest.importorskip("torch")
    tx = torch.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError):
        tx.fill_(2.0)
    ta, tb = torch.tensor([1.0], requires_grad=True), torch.tensor([2.0], requires_grad=True)
    ty = (ta * tb).sum()
    with torch.no_grad():
        ta.fill_(5.0)
    with pytest.raises(RuntimeError):
        ty.backward()


def test_detach_shares_memory_and_version():
    x = leaf([1.0, 2.0])
    d = x.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    assert d.data_ptr() == x.data_ptr()
    v = x._version
    d.fill_(7.0)  # d does not require grad: allowed in grad mode
    assert x._version == d._version > v
    assert to_np(x).tolist() == [7.0, 7.0]
    y = x * x
    dy = y.detach()
    assert dy.data_ptr() == y.data_ptr() and dy.grad_fn is None
    assert x.data.data_ptr() == x.data_ptr() and not x.data.requires_grad


# ---------------------------------------------------------------- autograd.grad

def test_grad_second_derivative():
    xa = np.array([0.5, -1.0, 2.0])
    x = leaf(xa)
    (g,) = autograd.grad(ember.sum(cube(x)), x, create_graph=True)
    np.testing.assert_allclose(to_np(g), 3 * xa**2)
    assert g.requires_grad
    (g2,) = autograd.grad(ember.sum(g), x)
    np.testing.assert_allclose(to_np(g2), 6 * xa)
    assert x.grad is None  # grad() leaves .grad alone
    # backward(create_graph=True): .grad carries a graph; differentiate it again.
    x2 = leaf(xa)
    ember.sum(cube(x2)).backward(create_graph=True)
    assert x2.grad.requires_grad
    (h,) = autograd.grad(ember.sum(x2.grad), x2)
    np.testing.assert_allclose(to_np(h), 6 * xa)


def test_second_derivative_matches_torch():
    torch = pytest.importorskip("torch")
    xa = np.array([0.3, -0.7])
    ya = np.array([1.1, 2.0])
    x, y = leaf(xa), leaf(ya)
    f = ember.sum(cube(x) * y + x * y)
    gx, gy = autograd.grad(f, [x, y], create_graph=True)
    (hxy,) = autograd.grad(ember.sum(gx), y)
    tx = torch.tensor(xa, requires_grad=True)
    ty = torch.tensor(ya, requires_grad=True)
    tf = (tx**3 * ty + tx * ty).sum()
    tgx, tgy = torch.autograd.grad(tf, [tx, ty], create_graph=True)
    (thxy,) = torch.autograd.grad(tgx.sum(), ty)
    np.testing.assert_allclose(to_np(gx), tgx.detach().numpy())
    np.testing.assert_allclose(to_np(gy), tgy.detach().numpy())
    np.testing.assert_allclose(to_np(hxy), thxy.numpy())


def test_grad_allow_unused_and_errors():
    x, unused = leaf([1.0]), leaf([2.0])
    y = ember.sum(x * x)
    with pytest.raises(RuntimeError, match=r"\[grad\].*allow_unused"):
        autograd.grad(y, [x, unused], retain_graph=True)
    gx, gu = autograd.grad(y, [x, unused], allow_unused=True, retain_graph=True)
    assert gu is None and to_np(gx).tolist() == [2.0]
    with pytest.raises(RuntimeError, match=r"\[grad\].*does not require grad"):
        autograd.grad(y, [tensor(np.ones(1))], retain_graph=True)
    v = x * x
    with pytest.raises(ValueError, match=r"\[backward\].*shape"):
        autograd.grad(v, x, grad_outputs=tensor(np.ones(3)), retain_graph=True)
    x2 = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"one element"):
        autograd.grad(x2 * x2, x2)
    with pytest.raises(ValueError, match=r"\[backward\].*gradients for"):
        autograd.grad([v], x, grad_outputs=[tensor(np.ones(1)), tensor(np.ones(1))])
    (g,) = autograd.grad(v, x, grad_outputs=tensor(np.array([3.0])))
    assert to_np(g).tolist() == [6.0]


def test_grad_of_nonleaf_input():
    x = leaf([1.0, 2.0])
    h = x * x
    y = ember.sum(h * x)
    gh, gx = autograd.grad(y, [h, x])
    np.testing.assert_allclose(to_np(gh), to_np(x))
    np.testing.assert_allclose(to_np(gx), 3 * to_np(x) ** 2)


# ---------------------------------------------------------------- several roots

def test_backward_multiple_roots():
    x = leaf([1.0, 2.0])
    a = ember.sum(x * x)
    b = x + x
    autograd.backward([a, b], [None, tensor(np.array([1.0, 10.0]))])
    np.testing.assert_array_equal(to_np(x.grad), [2.0 + 2.0, 4.0 + 20.0])
    x.grad = None
    c, d = ember.sum(x), ember.sum(x * x)
    autograd.backward((c, d))
    np.testing.assert_array_equal(to_np(x.grad), [3.0, 5.0])
    with pytest.raises(RuntimeError, match=r"one element"):
        autograd.backward([x * x])


def test_multiple_roots_match_torch():
    torch = pytest.importorskip("torch")
    xa = np.array([0.5, 1.5])
    x, tx = leaf(xa), torch.tensor(xa, requires_grad=True)
    autograd.backward([ember.sum(x * x), x * x], [None, tensor(np.array([2.0, 3.0]))])
    torch.autograd.backward([(tx * tx).sum(), tx * tx], [None, torch.tensor([2.0, 3.0], dtype=torch.float64)])
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy())


# ---------------------------------------------------------------- conversions in graphs

def test_gradient_through_dtype_conversion():
    x = leaf([1.0, 2.0])
    y = x.to(ember.float32)
    assert y.dtype == ember.float32 and y.grad_fn.name() == "ToCopyBackward"
    ember.sum(y * y).backward()
    assert x.grad.dtype == ember.float64
    np.testing.assert_array_equal(to_np(x.grad), [2.0, 4.0])
    assert not x.long().requires_grad
    assert autograd.gradcheck(lambda t: t.double() * t, [randn(3, requires_grad=True)])


def test_leaf_grad_never_aliases_other_tensors():
    # .grad may take over an unshared gradient buffer, never one that something else sees.
    x = ember.ones(4, requires_grad=True)
    g = ember.full((4,), 2.0)
    (x + 0).backward(g)
    g.mul_(100)
    np.testing.assert_array_equal(x.grad.numpy(), [2.0] * 4)
    w = ember.ones(2, 3, requires_grad=True)
    y = w * 3
    y.retain_grad()
    y.backward(ember.ones(2, 3))
    w.grad.add_(1)
    np.testing.assert_array_equal(y.grad.numpy(), np.ones((2, 3)))
    np.testing.assert_array_equal(w.grad.numpy(), np.full((2, 3), 4.0))
    z = ember.ones(3, requires_grad=True)
    z.expand(2, 3).sum().backward()
    assert z.grad.is_contiguous()
    np.testing.assert_array_equal(z.grad.numpy(), [2.0] * 3)
