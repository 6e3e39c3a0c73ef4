"""Module forward hooks: register_forward_pre_hook / register_forward_hook (prepend,
with_kwargs, always_call), fired by Module.__call__ and by C++ containers and layers calling
their children, compared with PyTorch's behaviour."""
import copy

import numpy as np
import pytest

import ember
import ember.nn as nn
from utils import to_np


def _x(*shape, seed=0):
    return ember.from_numpy(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


def test_forward_hook_sees_module_args_output_and_replaces_output():
    lin = nn.Linear(4, 3)
    x = _x(2, 4)
    seen = []

    def hook(module, args, output):
        seen.append((module, args, output))
        return output * 2

    h = lin.register_forward_hook(hook)
    y = lin(x)
    (module, args, output), = seen
    assert module is lin
    assert isinstance(args, tuple) and len(args) == 1 and args[0] is x
    np.testing.assert_allclose(to_np(output), to_np(lin.forward(x)), rtol=1e-6)
    np.testing.assert_allclose(to_np(y), 2 * to_np(output), rtol=1e-6)
    h.remove()
    np.testing.assert_allclose(to_np(lin(x)), to_np(output), rtol=1e-6)
    assert len(seen) == 1
    h.remove()  # a second remove is a no-op


def test_pre_hook_replaces_input_tensor_or_tuple():
    lin = nn.Linear(4, 3)
    x = _x(2, 4)
    with lin.register_forward_pre_hook(lambda m, args: args[0] * 0):
        np.testing.assert_allclose(to_np(lin(x)), np.broadcast_to(to_np(lin.bias), (2, 3)))
    with lin.register_forward_pre_hook(lambda m, args: (args[0] + 1,)):
        np.testing.assert_allclose(to_np(lin(x)), to_np(lin.forward(x + 1)), rtol=1e-6)
    np.testing.assert_allclose(to_np(lin(x)), to_np(lin.forward(x)), rtol=1e-6)  # removed


def test_hook_gradient_flows_through_replaced_output():
    lin = nn.Linear(3, 2)
    x = _x(4, 3).requires_grad_()
    lin.register_forward_hook(lambda m, a, out: out * 3)
    lin(x).sum().backward()
    np.testing.assert_allclose(to_np(x.grad), np.broadcast_to(3 * to_np(lin.weight).sum(0), (4, 3)),
                               rtol=1e-5)


def test_order_prepend_and_removal_during_call():
    lin = nn.Identity()
    order = []
    lin.register_forward_pre_hook(lambda m, a: order.append("pre1"))
    lin.register_forward_pre_hook(lambda m, a: order.append("pre0"), prepend=True)
    lin.register_forward_hook(lambda m, a, o: order.append("post1"))
    lin.register_forward_hook(lambda m, a, o: order.append("post0"), prepend=True)
    handles = []

    def once(m, a, o):
        order.append("once")
        handles[0].remove()

    handles.append(lin.register_forward_hook(once))
    lin(_x(2))
    lin(_x(2))
    assert order == ["pre0", "pre1", "post0", "post1", "once", "pre0", "pre1", "post0", "post1"]


def _torch_and_ember_mlp(torch):
    tm = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    em = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3))
    em.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    return tm, em


def test_hooks_fire_inside_sequential_like_torch():
    torch = pytest.importorskip("torch")
    tm, em = _torch_and_ember_mlp(torch)
    x = np.random.default_rng(1).standard_normal((4, 5)).astype(np.float32)
    tseen, eseen = [], []
    for model, seen in ((tm, tseen), (em, eseen)):
        model[1].register_forward_pre_hook(lambda m, a, s=seen: s.append(("pre", a[0] * 1)))
        model[1].register_forward_hook(lambda m, a, o, s=seen: s.append(("post", o * 1)))
        model[2].register_forward_pre_hook(lambda m, a: a[0] * 0.5)  # replaces the input
        model[0].register_forward_hook(lambda m, a, o: o + 1)  # replaces the output
    ty = tm(torch.from_numpy(x))
    ey = em(ember.from_numpy(x))
    np.testing.assert_allclose(to_np(ey), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert [k for k, _ in eseen] == [k for k, _ in tseen] == ["pre", "post"]
    for (_, e), (_, t) in zip(eseen, tseen):
        np.testing.assert_allclose(to_np(e), t.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_python_module_in_sequential_gets_its_hooks():
    class Scale(nn.Module):
        def __init__(self):
            super().__init__()
            self.s = 2.0

        def forward(self, x):
            return x * self.s

    inner = Scale()
    seq = nn.Sequential(inner, nn.Identity())
    seen = []
    inner.register_forward_hook(lambda m, a, o: seen.append(m))
    inner.register_forward_pre_hook(lambda m, a: (a[0] + 1,))
    x = _x(3)
    np.testing.assert_allclose(to_np(seq(x)), (to_np(x) + 1) * 2, rtol=1e-6)
    assert seen == [inner] and seen[0] is inner


def test_multi_argument_module_hooks_with_kwargs():
    torch = pytest.importorskip("torch")
    tm = torch.nn.MultiheadAttention(8, 2, batch_first=True)
    em = nn.MultiheadAttention(8, 2, batch_first=True)
    em.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    q = np.random.default_rng(2).standard_normal((2, 5, 8)).astype(np.float32)
    results = []
    for m, mk in ((tm, torch.from_numpy), (em, ember.from_numpy)):
        got = {}

        def pre(mod, args, kwargs, got=got):
            got["nargs"], got["kwargs"] = len(args), sorted(kwargs)
            return args, dict(kwargs, need_weights=True)

        def post(mod, args, kwargs, output, got=got):
            got["weights"] = output[1]
            return output[0]  # keep only the attention output

        m.register_forward_pre_hook(pre, with_kwargs=True)
        m.register_forward_hook(post, with_kwargs=True)
        t = mk(q)
        out = m(t, t, t, need_weights=False)
        results.append((got, out))
    (tg, tout), (eg, eout) = results
    assert eg["nargs"] == tg["nargs"] == 3 and eg["kwargs"] == tg["kwargs"] == ["need_weights"]
    np.testing.assert_allclose(to_np(eout), tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(to_np(eg["weights"]), tg["weights"].detach().numpy(), rtol=1e-5,
                               atol=1e-6)


def test_hooks_fire_on_children_of_cpp_layers():
    torch = pytest.importorskip("torch")
    tl = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
    el = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
    el.load_state_dict({k: v.detach().numpy() for k, v in tl.state_dict().items()})
    x = np.random.default_rng(3).standard_normal((2, 4, 8)).astype(np.float32)
    captured = {}
    for layer, key in ((tl, "t"), (el, "e")):
        layer.linear1.register_forward_hook(lambda m, a, o, k=key: captured.__setitem__(k, o * 1))
        layer.norm2.register_forward_hook(lambda m, a, o: o * 2)
    ty = tl(torch.from_numpy(x).requires_grad_())
    ey = el(ember.from_numpy(x).requires_grad_())
    np.testing.assert_allclose(to_np(captured["e"]), captured["t"].detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(to_np(ey), ty.detach().numpy(), rtol=1e-5, atol=1e-5)


def test_always_call_runs_when_forward_raises_like_torch():
    torch = pytest.importorskip("torch")
    for lib, mod in ((torch, torch.nn.Linear(3, 2)), (ember, nn.Linear(3, 2))):
        calls = []
        mod.register_forward_hook(lambda m, a, o: calls.append(("plain", o)))
        mod.register_forward_hook(lambda m, a, o: calls.append(("always", o)), always_call=True)
        with pytest.raises((RuntimeError, ValueError)):
            mod(lib.ones(4, 5))  # wrong in_features
        assert calls == [("always", None)], lib.__name__
        mod(lib.ones(4, 3))
        assert [c[0] for c in calls[1:]] == ["plain", "always"]


def test_always_call_inside_sequential_and_errors_in_hooks():
    lin = nn.Linear(3, 2)
    seq = nn.Sequential(lin)
    calls = []
    lin.register_forward_hook(lambda m, a, o: calls.append(o), always_call=True)
    with pytest.raises(ValueError, match=r"\[Linear\]"):
        seq(ember.ones(4, 5))
    assert calls == [None]

    def bad(m, a, o):
        raise KeyError("boom")

    h = lin.register_forward_hook(bad)
    with pytest.raises(KeyError, match="boom"):
        seq(ember.ones(4, 3))
    h.remove()
    assert seq(ember.ones(4, 3)).shape == (4, 2)  # still usable


def test_bad_hooks_give_clear_errors():
    seq = nn.Sequential(nn.Linear(3, 2))
    with seq[0].register_forward_hook(lambda m, a, o: (o, o)):
        with pytest.raises(TypeError, match=r"\[Linear\] a forward hook returned tuple"):
            seq(ember.ones(1, 3))
    with seq[0].register_forward_pre_hook(lambda m, a: (a[0], a[0])):
        with pytest.raises(TypeError, match=r"\[Linear\].*single tensor"):
            seq(ember.ones(1, 3))
    lin = nn.Linear(3, 2)
    with lin.register_forward_pre_hook(lambda m, a, k: a, with_kwargs=True):
        with pytest.raises(RuntimeError, match="must return None or a tuple of"):
            lin(ember.ones(1, 3))
    with pytest.raises(TypeError):
        lin.register_forward_hook(3)

    with pytest.raises(AttributeError, match="before Module.__init__"):
        nn.Module.__new__(nn.Module).register_forward_hook(lambda m, a, o: None)


@pytest.mark.parametrize("make", [lambda: nn.Linear(3, 2), lambda: nn.Sequential(nn.Identity())])
def test_deepcopy_keeps_hooks_and_handles_touch_only_the_original(make):
    class Py(nn.Module):
        def forward(self, x):
            return x

    for mod in (make(), Py()):
        calls = []
        h = mod.register_forward_hook(lambda m, a, o: calls.append(m))
        clone = copy.deepcopy(mod)
        x = ember.ones(1, 3)
        clone(x)
        assert calls == [clone]
        h.remove()
        mod(x)
        clone(x)
        assert calls == [clone, clone]


def test_hook_releases_its_callable():
    import gc
    import weakref

    class Fn:
        def __call__(self, m, a, o):
            return None

    lin = nn.Linear(2, 2)
    fn = Fn()
    ref = weakref.ref(fn)
    h = lin.register_forward_hook(fn)
    del fn
    gc.collect()
    assert ref() is not None
    h.remove()
    gc.collect()
    assert ref() is None
