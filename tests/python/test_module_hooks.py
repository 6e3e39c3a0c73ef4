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


def test_hooks_on_children_disable_the_fused_inference_path():
    layer = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True).eval()
    x = _x(2, 4, 8)
    with ember.no_grad():
        plain = layer(x)
        seen = []
        for child in (layer.linear1, layer.linear2, layer.self_attn.out_proj):
            child.register_forward_hook(lambda m, a, o, s=seen: s.append(m))
        hooked = layer(x)
    assert seen == [layer.self_attn.out_proj, layer.linear1, layer.linear2]
    np.testing.assert_allclose(to_np(hooked), to_np(plain), rtol=1e-5, atol=1e-6)


def test_module_kept_by_a_hook_outlives_its_parent():
    import gc
    layer = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True).eval()
    kept = []
    layer.linear1.register_forward_hook(lambda m, a, o: kept.append(m))
    gc.collect()  # no Python wrapper of linear1 is left: the hook gets one from C++
    with ember.no_grad():
        layer(_x(1, 3, 8))
    del layer
    gc.collect()
    assert kept[0].weight.shape == (16, 8) and repr(kept[0]).startswith("Linear(")


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
        with pytest.raises(TypeError, match=r"\[Linear\] a forward pre-hook returned tuple of "
                           r"length 2 where C\+\+ code .* expects one tensor"):
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


# ---- full backward hooks ----------------------------------------------------------------

def _grads(t):
    return [None if g is None else (g.detach().numpy() if hasattr(g, "detach") and not
                                    isinstance(g, ember.Tensor) else to_np(g)) for g in t]


def _assert_grads_equal(eg, tg):
    assert len(eg) == len(tg)
    for e, t in zip(_grads(eg), _grads(tg)):
        assert (e is None) == (t is None)
        if e is not None:
            np.testing.assert_allclose(e, t, rtol=1e-5, atol=1e-6)


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")  # torch's note on model[0]
def test_full_backward_hooks_in_sequential_like_torch():
    torch = pytest.importorskip("torch")
    tm, em = _torch_and_ember_mlp(torch)
    x = np.random.default_rng(4).standard_normal((4, 5)).astype(np.float32)
    seen = {}
    for model, key in ((tm, "t"), (em, "e")):
        rec = seen.setdefault(key, [])
        model[2].register_full_backward_pre_hook(
            lambda m, go, rec=rec: (rec.append(("pre2", go)), (go[0] * 3,))[1])
        model[2].register_full_backward_hook(
            lambda m, gi, go, rec=rec: rec.append(("hook2", gi, go)))
        model[0].register_full_backward_hook(  # its input does not require grad
            lambda m, gi, go, rec=rec: rec.append(("hook0", gi, go)))
        model[1].register_full_backward_hook(lambda m, gi, go: (gi[0] * 0.5,))
    ty = tm(torch.from_numpy(x))
    ey = em(ember.from_numpy(x))
    g = np.random.default_rng(5).standard_normal((4, 3)).astype(np.float32)
    ty.backward(torch.from_numpy(g))
    ey.backward(ember.from_numpy(g))
    assert [r[0] for r in seen["e"]] == [r[0] for r in seen["t"]] == ["pre2", "hook2", "hook0"]
    for er, tr in zip(seen["e"], seen["t"]):
        for eg, tg in zip(er[1:], tr[1:]):
            _assert_grads_equal(eg, tg)
    for (name, tp), ep in zip(tm.named_parameters(), em.parameters()):
        np.testing.assert_allclose(to_np(ep.grad), tp.grad.numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=name)


def test_full_backward_hook_multi_input_python_module_like_torch():
    torch = pytest.importorskip("torch")

    def make(base):
        class Mix(base.Module):
            def forward(self, a, k, b):
                return a * b * k, a - b

        return Mix()

    an, bn = (np.random.default_rng(s).standard_normal((2, 3)).astype(np.float32) for s in (6, 7))
    out = {}
    for lib, nnmod, mk in ((torch, torch.nn, torch.from_numpy), (ember, nn, ember.from_numpy)):
        mod = make(nnmod)
        rec = out.setdefault(lib.__name__, [])
        mod.register_full_backward_hook(
            lambda m, gi, go, rec=rec: (rec.append((gi, go)), (gi[0] + 1, None, gi[2]))[1])
        a, b = mk(an).requires_grad_(), mk(bn).requires_grad_()
        p, d = mod(a, 2.0, b)
        (p.sum() + (d * d).sum()).backward()
        rec.append((a.grad, b.grad))
    (egi, ego), (ega, egb) = out["ember"]
    (tgi, tgo), (tga, tgb) = out["torch"]
    _assert_grads_equal(egi, tgi)
    _assert_grads_equal(ego, tgo)
    _assert_grads_equal((ega, egb), (tga, tgb))


def test_backward_hooks_bad_results_and_unsupported():
    lin = nn.Linear(3, 2)
    x = ember.ones(1, 3, requires_grad=True)
    with lin.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0])):
        with pytest.raises(RuntimeError, match=r"\[Linear\] backward hook returned 2 gradients, "
                                               r"expected 1"):
            lin(x).sum().backward()
    with lin.register_full_backward_pre_hook(lambda m, go: (go[0][:, :1],)):
        with pytest.raises(RuntimeError, match=r"\[Linear\] backward pre-hook returned a "
                                               r"gradient of shape"):
            lin(x).sum().backward()
    with lin.register_full_backward_hook(lambda m, gi, go: (ember.ones(1, 3),)):
        with pytest.raises(RuntimeError, match="inputs do not require grad"):
            lin(ember.ones(1, 3)).sum().backward()
    with lin.register_full_backward_hook(lambda m, gi, go: 5):
        with pytest.raises(TypeError, match="must return None or a tuple"):
            lin(x).sum().backward()
    with pytest.raises(NotImplementedError, match="register_full_backward_hook"):
        lin.register_backward_hook(lambda m, gi, go: None)
    calls = []
    lin.register_full_backward_hook(lambda m, gi, go: calls.append(1))
    with ember.no_grad():
        lin(x)
    lin(x).sum().backward()
    assert calls == [1]
