"""Tensor.register_hook: hooks see and may replace a tensor's gradient, in PyTorch's order
(before .grad accumulation, retain_grad and autograd.grad's capture); handles remove them."""
import gc

import numpy as np
import pytest

import ember
from utils import tensor, to_np


def test_leaf_hook_sees_and_replaces_gradient():
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(to_np(g)))
    x.register_hook(lambda g: g * 10)
    (x * x).sum().backward()
    np.testing.assert_array_equal(seen[0], [2.0, 4.0, 6.0])
    np.testing.assert_array_equal(to_np(x.grad), [20.0, 40.0, 60.0])
    # Hooks stay for later backward passes and see each new gradient (not the sum).
    (x * 1).sum().backward()
    np.testing.assert_array_equal(seen[1], [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(to_np(x.grad), [30.0, 50.0, 70.0])


def test_non_leaf_hook_changes_what_flows_on():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.register_hook(lambda g: g * 0 + 1)  # replace dL/dy by ones
    z = y * y
    z.retain_grad()
    y.retain_grad()
    z.sum().backward()
    np.testing.assert_array_equal(to_np(y.grad), [1.0, 1.0])  # retain_grad sees the hooked one
    np.testing.assert_array_equal(to_np(x.grad), [3.0, 3.0])


def test_hooks_run_in_order_and_chain():
    x = ember.tensor([1.0], requires_grad=True)
    order = []
    x.register_hook(lambda g: (order.append(1), g + 1)[1])
    x.register_hook(lambda g: (order.append(2), g * 2)[1])
    x.sum().backward()
    assert order == [1, 2]
    assert float(x.grad) == 4.0


def test_handle_remove_and_context_manager():
    x = ember.tensor([1.0], requires_grad=True)
    h = x.register_hook(lambda g: g * 5)
    with x.register_hook(lambda g: g + 100):
        x.sum().backward()
    assert float(x.grad) == 105.0  # (1 * 5) + 100
    h.remove()
    h.remove()  # twice is fine
    x.grad = None
    x.sum().backward()
    assert float(x.grad) == 1.0


def test_hook_applies_to_autograd_grad():
    x = ember.tensor([2.0], requires_grad=True)
    y = x * x
    y.register_hook(lambda g: g * 3)
    (gx,) = ember.autograd.grad(y.sum(), [x])
    assert float(gx) == 12.0


def test_torch_parity_gradient_clipping_hook():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 3)).astype(np.float32)
    xin = rng.standard_normal((5, 4)).astype(np.float32)
    ew, tw = tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    for p in (ew, tw):
        p.register_hook(lambda g: g.clamp(-0.5, 0.5))
    eh = tensor(xin) @ ew
    th = torch.tensor(xin) @ tw
    eh.register_hook(lambda g: g * 2)
    th.register_hook(lambda g: g * 2)
    (eh.tanh() ** 2).sum().backward()
    (th.tanh() ** 2).sum().backward()
    np.testing.assert_allclose(to_np(ew.grad), tw.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_bad_hooks():
    with pytest.raises(RuntimeError, match=r"\[register_hook\]"):
        ember.ones(2).register_hook(lambda g: g)
    x = ember.ones(2, requires_grad=True)
    h = x.register_hook(lambda g: ember.ones(3))
    with pytest.raises(ValueError, match=r"\[register_hook\].*shape"):
        x.sum().backward()
    h.remove()
    h = x.register_hook(lambda g: g.double())
    with pytest.raises(TypeError, match=r"\[register_hook\].*dtype"):
        x.sum().backward()
    h.remove()
    h = x.register_hook(lambda g: "nope")
    with pytest.raises(TypeError, match=r"\[register_hook\]"):
        x.sum().backward()
    h.remove()

    def boom(g):
        raise KeyError("from the hook")
    h = x.register_hook(boom)
    with pytest.raises(KeyError, match="from the hook"):
        x.sum().backward()
    h.remove()
    x.sum().backward()  # the graph machinery is still usable
    np.testing.assert_array_equal(to_np(x.grad), [1.0, 1.0])


def test_hook_is_released_with_its_graph():
    class Marker:
        pass
    m = Marker()
    import weakref
    ref = weakref.ref(m)
    x = ember.ones(2, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g, m=m: g)
    del m
    assert ref() is not None
    y.sum().backward()
    del y
    gc.collect()
    assert ref() is None
