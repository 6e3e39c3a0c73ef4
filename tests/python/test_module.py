"""ember.nn.Module, Parameter, containers and shape layers, checked against torch.nn."""
import collections
import gc
import re
import threading

import numpy as np
import pytest

import ember
from ember import nn
from utils import randn, tensor, to_np


# ---- the same model built with ember.nn and torch.nn --------------------------------------

def _ember_kit():
    return nn, lambda a: nn.Parameter(tensor(np.asarray(a, np.float32))), \
        lambda a: tensor(np.asarray(a, np.float32))


def _torch_kit(torch):
    return torch.nn, lambda a: torch.nn.Parameter(torch.from_numpy(np.asarray(a, np.float32))), \
        lambda a: torch.from_numpy(np.asarray(a, np.float32))


def build(kit, seed=0):
    """A nested model: Python modules with Python-defined parameters and buffers inside
    C++ containers and shape layers. forward uses only add/mul."""
    nnm, P, T = kit
    rng = np.random.default_rng(seed)

    class Block(nnm.Module):
        def __init__(self, n):
            super().__init__()
            self.n = n
            self.w = P(rng.standard_normal(n))
            self.b = P(rng.standard_normal(n))
            self.register_buffer("running", T(rng.standard_normal(n)))
            self.register_buffer("tmp", T(np.zeros(1)), persistent=False)

        def forward(self, x):
            return x * self.w + self.b

        def extra_repr(self):
            return f"n={self.n}"

    class Net(nnm.Module):
        def __init__(self):
            super().__init__()
            self.first = Block(4)
            self.body = nnm.Sequential(nnm.Identity(), nnm.Flatten(), nnm.Unflatten(1, (2, 6)),
                                       Block(6))
            self.heads = nnm.ModuleList([Block(2), Block(2), nnm.Identity()])
            self.table = nnm.ModuleDict({"a": Block(3), "b": nnm.Flatten(0, 1)})
            self.scale = P(rng.standard_normal(6))

        def forward(self, x):
            return self.body(self.first(x)) * self.scale

    return Net()


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def test_names_order_and_repr_match_torch(torch):
    e, t = build(_ember_kit()), build(_torch_kit(torch))
    assert [k for k, _ in e.named_parameters()] == [k for k, _ in t.named_parameters()]
    assert list(e.state_dict()) == list(t.state_dict())
    assert [k for k, _ in e.named_buffers()] == [k for k, _ in t.named_buffers()]
    assert [k for k, _ in e.named_modules()] == [k for k, _ in t.named_modules()]
    assert [k for k, _ in e.named_children()] == [k for k, _ in t.named_children()]
    assert [type(m).__name__ for m in e.modules()] == [type(m).__name__ for m in t.modules()]
    assert repr(e) == repr(t)
    assert repr(e.heads) == repr(t.heads)  # compressed "(0-1): 2 x Block(n=2)"
    assert [k for k, _ in e.named_parameters(prefix="m", recurse=False)] == \
        [k for k, _ in t.named_parameters(prefix="m", recurse=False)]
    assert len(list(e.parameters())) == len(list(t.parameters()))
    assert next(e.parameters()).shape == (6,)  # an iterator; own parameters first


def test_torch_state_dict_loads_and_forward_matches(torch):
    e, t = build(_ember_kit(), seed=1), build(_torch_kit(torch), seed=2)
    result = e.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    missing, unexpected = result
    for (k, v), (k2, v2) in zip(e.state_dict().items(), t.state_dict().items()):
        assert k == k2
        np.testing.assert_array_equal(to_np(v), v2.numpy())
    x = np.random.default_rng(3).standard_normal((5, 3, 4)).astype(np.float32)
    out = e(tensor(x))
    ref = t(torch.from_numpy(x))
    assert out.shape == tuple(ref.shape) == (5, 2, 6)
    np.testing.assert_allclose(to_np(out), ref.detach().numpy(), rtol=1e-6, atol=1e-6)
    # torch tensors (anything with .numpy()) load directly
    e2 = build(_ember_kit(), seed=4)
    e2.load_state_dict(t.state_dict())
    np.testing.assert_array_equal(to_np(e2.scale), t.scale.detach().numpy())


def test_state_dict_round_trip_and_sharing():
    a, b = build(_ember_kit(), seed=1), build(_ember_kit(), seed=2)
    sd = a.state_dict()
    assert isinstance(sd, collections.OrderedDict)
    assert not any(v.requires_grad for v in sd.values())
    b.load_state_dict(sd)
    for (k, v), (k2, v2) in zip(a.state_dict().items(), b.state_dict().items()):
        assert k == k2 and to_np(v).tobytes() == to_np(v2).tobytes()
    # values share memory with the model; loading copies in place (same tensor objects)
    w = b.first.w
    sd["first.w"].numpy()[0] = 42.0
    assert to_np(a.first.w)[0] == 42.0
    b.load_state_dict(sd)
    assert to_np(w)[0] == 42.0 and w.requires_grad and w.is_leaf
    # float64 values are converted to the parameter dtype
    b.load_state_dict({k: to_np(v).astype(np.float64) for k, v in sd.items()})
    assert b.first.w.dtype == ember.float32
    keep = a.state_dict(keep_vars=True)
    assert keep["first.w"].requires_grad


def test_strict_errors_list_all_problems(torch):
    def both(kit):
        nnm, P, T = kit

        class Net(nnm.Module):
            def __init__(self):
                super().__init__()
                self.fc = nnm.Module()
                self.fc.weight = P(np.zeros((4, 3)))
                self.fc.bias = P(np.zeros(4))
                self.register_buffer("steps", T(np.zeros(1)))
        return Net()

    e, t = both(_ember_kit()), both(_torch_kit(torch))
    bad = {"fc.weight": np.zeros((3, 4), np.float32), "extra": np.zeros(1, np.float32),
           "fc.other": np.zeros(1, np.float32)}
    with pytest.raises(RuntimeError) as ee:
        e.load_state_dict(bad)
    with pytest.raises(RuntimeError) as te:
        t.load_state_dict({k: torch.from_numpy(v) for k, v in bad.items()})
    torch_msg = re.sub(r"torch\.Size\(\[([^\]]*)\]\)", r"(\1)", str(te.value))
    assert str(ee.value) == torch_msg
    assert str(ee.value) == (
        'Error(s) in loading state_dict for Net:\n'
        '\tMissing key(s) in state_dict: "steps", "fc.bias". \n'
        '\tUnexpected key(s) in state_dict: "extra", "fc.other". \n'
        '\tsize mismatch for fc.weight: copying a param with shape (3, 4) from checkpoint, '
        'the shape in current model is (4, 3).')
    # nothing was copied
    assert to_np(e.fc.weight).shape == (4, 3) and not to_np(e.fc.weight).any()
    # non-strict returns the lists; a size mismatch still raises
    ok = {"fc.weight": np.ones((4, 3), np.float32), "extra": np.zeros(1, np.float32)}
    r = e.load_state_dict(ok, strict=False)
    assert r.missing_keys == ["steps", "fc.bias"] and r.unexpected_keys == ["extra"]
    assert to_np(e.fc.weight).all()
    with pytest.raises(RuntimeError, match="size mismatch for fc.weight"):
        e.load_state_dict(bad, strict=False)
    with pytest.raises(TypeError, match=r"\[load_state_dict\]"):
        e.load_state_dict([1, 2])


def test_shared_parameters_and_modules(torch):
    def make(kit):
        nnm, P, T = kit
        m = nnm.Module()
        p = P(np.ones(3))
        m.a = p
        shared = nnm.Module()
        shared.w = p
        m.left = shared
        m.right = shared
        return m

    e, t = make(_ember_kit()), make(_torch_kit(torch))
    assert [k for k, _ in e.named_parameters()] == [k for k, _ in t.named_parameters()] == ["a"]
    assert [k for k, _ in e.named_parameters(remove_duplicate=False)] == \
        [k for k, _ in t.named_parameters(remove_duplicate=False)]
    assert [k for k, _ in e.named_modules()] == [k for k, _ in t.named_modules()]
    assert list(e.state_dict()) == list(t.state_dict())  # state_dict keeps every name
    assert e.left is e.right


def test_train_eval_recursive():
    m = build(_ember_kit())
    assert m.training and all(x.training for x in m.modules())
    assert m.eval() is m
    assert not any(x.training for x in m.modules())
    assert m.train() is m and all(x.training for x in m.modules())
    m.body.training = False  # the attribute sets one module only
    assert not m.body.training and m.body[0].training and m.training
    m.train(False)
    assert not m.heads[1].training


def test_zero_grad_and_requires_grad():
    m = build(_ember_kit())
    x = randn(5, 3, 4, dtype=np.float32)
    ember.sum(m(x)).backward()
    ps = list(m.parameters())
    assert all(p.grad is not None for p in ps if p.shape != (2,) and p.shape != (3,))
    m.zero_grad(set_to_none=False)
    assert m.first.w.grad is not None and not to_np(m.first.w.grad).any()
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    assert m.requires_grad_(False) is m
    assert not any(p.requires_grad for p in m.parameters())
    m.requires_grad_()
    assert all(p.requires_grad for p in m.parameters())


def test_apply_order_matches_torch(torch):
    e, t = build(_ember_kit()), build(_torch_kit(torch))
    seen_e, seen_t = [], []
    assert e.apply(lambda m: seen_e.append(type(m).__name__)) is e
    t.apply(lambda m: seen_t.append(type(m).__name__))
    assert seen_e == seen_t and seen_e[-1] == "Net"


def test_buffers_persistent_and_none():
    m = nn.Module()
    m.register_buffer("keep", tensor(np.zeros(2)))
    m.register_buffer("temp", tensor(np.ones(2)), persistent=False)
    m.register_buffer("empty", None)
    assert [k for k, _ in m.named_buffers()] == ["keep", "temp"]
    assert list(m.state_dict()) == ["keep"]
    assert m.empty is None
    m.keep = tensor(np.full(3, 7.0))  # a tensor assigned to a buffer name replaces it
    assert to_np(m.keep).tolist() == [7.0, 7.0, 7.0]
    with pytest.raises(TypeError, match="as buffer 'keep'"):
        m.keep = 3


def test_parameter_semantics():
    data = tensor(np.arange(4, dtype=np.float32))
    p = nn.Parameter(data)
    assert isinstance(p, nn.Parameter) and isinstance(p, ember.Tensor)
    assert not isinstance(data, nn.Parameter) and not isinstance(3, nn.Parameter)
    assert p.requires_grad and p.is_leaf and not data.requires_grad
    data.numpy()[0] = 9.0  # shares memory
    assert to_np(p)[0] == 9.0
    assert not isinstance(p.detach(), nn.Parameter)
    assert repr(p).startswith("Parameter containing:\n")
    assert not repr(data).startswith("Parameter")
    q = nn.Parameter(data, requires_grad=False)
    assert isinstance(q, nn.Parameter) and not q.requires_grad
    assert nn.Parameter().shape == (0,)
    with pytest.raises(TypeError, match=r"\[Parameter\]"):
        nn.Parameter([1.0, 2.0])
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(tensor(np.arange(3)))


def test_parameter_objects_are_stable():
    m = build(_ember_kit())
    p = nn.Parameter(tensor(np.ones(2, np.float32)))
    m.extra = p
    assert m.extra is p and m.first.w is m.first.w
    assert any(q is p for q in m.parameters())
    # While a wrapper is alive, every access returns that same object (keep both lists alive:
    # ids of freed wrappers may or may not be reused, which made this check flaky).
    params, named = list(m.parameters()), [q for _, q in m.named_parameters()]
    assert all(a is b for a, b in zip(params, named)) and len(params) == len(named)
    assert m.first.running is m.first.running
    assert m.state_dict(keep_vars=True)["extra"] is p
    names = {q: n for n, q in m.named_parameters()}  # torch idiom: tensors as dict keys
    assert names[m.first.w] == "first.w" and names[p] == "extra"


def test_setattr_routing_none_and_delattr(torch):
    m = nn.Module()
    m.w = nn.Parameter(tensor(np.ones(2, np.float32)))
    m.child = nn.Identity()
    m.plain = 5
    assert [k for k, _ in m.named_parameters()] == ["w"] and m.plain == 5
    assert "w" in dir(m) and "child" in dir(m)
    with pytest.raises(TypeError, match="as parameter 'w'"):
        m.w = tensor(np.ones(2))  # plain tensors cannot replace a parameter
    with pytest.raises(TypeError, match="as child module 'child'"):
        m.child = 3
    m.w = None
    m.child = None
    assert m.w is None and m.child is None
    assert list(m.named_parameters()) == [] and list(m.state_dict()) == []
    assert repr(m) == "Module(\n  (child): None\n)"
    del m.child
    del m.plain
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'child'"):
        m.child
    with pytest.raises(AttributeError):
        del m.nothing
    # a parameter replaces a plain attribute of the same name, a module replaces a parameter
    m.plain = 1
    m.plain = nn.Parameter(tensor(np.ones(1, np.float32)))
    assert [k for k, _ in m.named_parameters()] == ["plain"]
    with pytest.raises(TypeError, match="as parameter 'plain'"):  # like torch
        m.plain = nn.Flatten()
    del m.plain
    m.plain = nn.Flatten()
    assert list(m.named_parameters()) == [] and isinstance(m.plain, nn.Flatten)
    m.plain = nn.Parameter(tensor(np.ones(1, np.float32)))  # a parameter replaces a module
    assert isinstance(m.plain, nn.Parameter) and list(m.named_children()) == []
    # same messages as torch for a missing attribute
    t = torch.nn.Module()
    with pytest.raises(AttributeError) as te:
        t.nope
    with pytest.raises(AttributeError) as ee:
        nn.Module().nope
    assert str(ee.value) == str(te.value)


def test_register_errors():
    m = nn.Module()
    m.x = 1
    with pytest.raises(KeyError, match="attribute 'x' already exists"):
        m.register_parameter("x", None)
    with pytest.raises(KeyError, match="attribute 'train' already exists"):
        m.register_buffer("train", None)
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("a.b", None)
    with pytest.raises(KeyError, match="empty"):
        m.add_module("", nn.Identity())
    with pytest.raises(TypeError, match="to parameter 'p'"):
        m.register_parameter("p", tensor(np.ones(2)))
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("c", 3)
    with pytest.raises(TypeError, match="should be a string"):
        m.register_buffer(3, None)
    m.register_parameter("p", nn.Parameter(tensor(np.ones(2, np.float32))))
    with pytest.raises(KeyError, match="attribute 'p' already exists"):
        m.register_buffer("p", None)
    inner = nn.Sequential(nn.Identity())
    m.inner = inner
    with pytest.raises(ValueError, match="cycle"):
        inner.append(m)
    with pytest.raises(ValueError, match="cycle"):
        m.me = m

    class Forgot(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(tensor(np.ones(2, np.float32)))

    with pytest.raises(AttributeError, match=r"before Module.__init__\(\) call"):
        Forgot()


def test_python_forward_through_cpp_sequential():
    class Scale(nn.Module):
        def __init__(self, k):
            super().__init__()
            self.k = k  # a plain attribute: must survive while only C++ holds the module
            self.f = nn.Parameter(tensor(np.full(1, k, np.float32)))

        def forward(self, x):
            return x * self.f

    seq = nn.Sequential(nn.Flatten(), Scale(2.0), nn.Unflatten(1, (3, -1)), Scale(3.0))
    gc.collect()
    x = randn(2, 3, 4, dtype=np.float32)
    out = seq(x)
    np.testing.assert_allclose(to_np(out), 6 * to_np(x))
    assert seq[1].k == 2.0 and seq[1] is seq[1]
    assert isinstance(seq[-1], Scale)
    # nested: C++ Sequential inside a Python module inside a C++ Sequential
    outer = nn.Sequential(nn.Sequential(Scale(2.0)), seq)
    np.testing.assert_allclose(to_np(outer(x)), 12 * to_np(x))

    class NotTensor(nn.Module):
        def forward(self, x):
            return 3

    with pytest.raises((TypeError, RuntimeError)):
        nn.Sequential(NotTensor())(x)
    with pytest.raises(NotImplementedError, match=r"\[Module\] forward is not implemented for "
                                                  r"NoForward"):
        nn.Sequential(type("NoForward", (nn.Module,), {})())(x)
    with pytest.raises(TypeError, match=r"\[Sequential\]"):
        nn.Sequential(nn.Identity(), "relu")


def test_python_module_keeps_any_forward_signature():
    class Two(nn.Module):
        def forward(self, a, b, *, scale=None):
            out = a + b
            return out * scale if scale is not None else out

    a, b = randn(3, dtype=np.float32), randn(3, dtype=np.float32, seed=1)
    np.testing.assert_allclose(to_np(Two()(a, b)), to_np(a) + to_np(b))
    np.testing.assert_allclose(to_np(Two()(a, b, scale=a)), (to_np(a) + to_np(b)) * to_np(a),
                               rtol=1e-6)


def test_sequential_container(torch):
    e = nn.Sequential(collections.OrderedDict([("in", nn.Identity()), ("flat", nn.Flatten()),
                                               ("out", nn.Identity())]))
    t = torch.nn.Sequential(collections.OrderedDict([("in", torch.nn.Identity()),
                                                     ("flat", torch.nn.Flatten()),
                                                     ("out", torch.nn.Identity())]))
    assert repr(e) == repr(t) and len(e) == 3
    assert repr(e[1:]) == repr(t[1:])  # slices keep names
    assert isinstance(e[1:], nn.Sequential) and isinstance(e[-2], nn.Flatten)
    assert [type(m).__name__ for m in e] == ["Identity", "Flatten", "Identity"]
    assert e.append(nn.Unflatten(1, (2, 2))) is e
    t.append(torch.nn.Unflatten(1, (2, 2)))
    assert repr(e) == repr(t)
    del e[0]
    del t[0]
    assert repr(e) == repr(t)  # renumbered like torch
    e.insert(0, nn.Identity())
    t.insert(0, torch.nn.Identity())
    assert repr(e) == repr(t)
    e[0] = nn.Flatten(0)
    t[0] = torch.nn.Flatten(0)
    assert repr(e) == repr(t)
    assert isinstance(e.pop(0), nn.Flatten) and len(e) == 3
    x = randn(2, 4, dtype=np.float32)
    assert e(x).shape == (2, 2, 2)
    assert nn.Sequential()(x) is not None and nn.Sequential()(x).shape == (2, 4)
    with pytest.raises(IndexError, match="out of range"):
        e[7]
    with pytest.raises(IndexError):
        e[10**30]
    with pytest.raises(TypeError, match=r"\[getitem\] indices must be integers"):
        e["a"]
    with pytest.raises(TypeError, match=r"\[setitem\]"):
        e[0] = 3


def test_module_list_and_dict(torch):
    e = nn.ModuleList([nn.Identity(), nn.Flatten()])
    t = torch.nn.ModuleList([torch.nn.Identity(), torch.nn.Flatten()])
    for c, mod in ((e, nn), (t, torch.nn)):
        c.append(mod.Identity())
        c.extend([mod.Identity(), mod.Identity()])
        c.insert(1, mod.Unflatten(0, (1, -1)))
        c += [mod.Flatten(0, 1)]
        del c[0]
    assert repr(e) == repr(t) and len(e) == len(t) == 6
    assert repr(e[1:3]) == repr(t[1:3])
    assert [type(m).__name__ for m in e] == [type(m).__name__ for m in t]
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList()) == "ModuleList()"
    with pytest.raises(NotImplementedError):
        e(randn(2))

    d = nn.ModuleDict({"b": nn.Identity(), "a": nn.Flatten()})
    td = torch.nn.ModuleDict({"b": torch.nn.Identity(), "a": torch.nn.Flatten()})
    d["c"] = nn.Identity()
    td["c"] = torch.nn.Identity()
    d.update([("e", nn.Flatten(0))])
    td.update([("e", torch.nn.Flatten(0))])
    assert list(d.keys()) == list(td.keys()) == list(d) == ["b", "a", "c", "e"]
    assert repr(d) == repr(td)
    assert "a" in d and "z" not in d and len(d) == 4
    assert isinstance(d["a"], nn.Flatten)
    assert [k for k, _ in d.items()] == ["b", "a", "c", "e"] and len(d.values()) == 4
    del d["a"]
    assert list(d) == ["b", "c", "e"]
    assert isinstance(d.pop("c"), nn.Identity) and list(d) == ["b", "e"]
    with pytest.raises(KeyError):
        d["nope"]
    with pytest.raises(TypeError):
        d["x"] = 3
    with pytest.raises(KeyError, match="contain"):
        d["x.y"] = nn.Identity()


def test_flatten_unflatten_forward_and_grad(torch):
    a = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    for sd, ed in [(1, -1), (0, 1), (2, 3), (1, 1), (-3, -2)]:
        out = nn.Flatten(sd, ed)(tensor(a))
        ref = torch.nn.Flatten(sd, ed)(torch.from_numpy(a))
        np.testing.assert_array_equal(to_np(out), ref.numpy())
    for dim, sizes in [(1, (3, 1)), (-1, (5, 1)), (2, (-1, 2)), (0, (1, 2, 1))]:
        out = nn.Unflatten(dim, sizes)(tensor(a))
        ref = torch.nn.Unflatten(dim, sizes)(torch.from_numpy(a))
        np.testing.assert_array_equal(to_np(out), ref.numpy())
    assert repr(nn.Unflatten(1, (3, 4))) == repr(torch.nn.Unflatten(1, (3, 4)))
    assert repr(nn.Flatten(0, 2)) == repr(torch.nn.Flatten(0, 2))
    assert nn.Flatten()(tensor(np.float64(3.0))).shape == (1,)
    x = randn(2, 3, 4, requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: nn.Flatten()(t), [x])
    assert ember.autograd.gradcheck(lambda t: nn.Unflatten(2, (2, 2))(t), [x])
    with pytest.raises(ValueError, match=r"\[flatten\]"):
        nn.Flatten(2, 1)(x)
    with pytest.raises(IndexError):
        nn.Flatten(1, 5)(x)
    with pytest.raises(ValueError, match=r"\[unflatten\]"):
        nn.Unflatten(1, (2, 2))(x)
    with pytest.raises(ValueError, match=r"\[unflatten\]"):
        nn.Unflatten(1, (-1, -1))(x)
    ident = nn.Identity(3, foo=4)
    assert ident(x)._is_same(x)


def test_to_double_converts_in_place():
    m = build(_ember_kit())
    w = m.first.w  # a handle taken before the conversion sees it
    assert m.double() is m
    assert w.dtype == ember.float64 and m.first.running.dtype == ember.float64
    assert all(p.dtype == ember.float64 for p in m.parameters())
    assert isinstance(m.first.w, nn.Parameter) and m.first.w.requires_grad
    m.to(ember.float32)
    assert w.dtype == ember.float32
    with pytest.raises(TypeError, match=r"\[Module.to\]"):
        m.to(ember.int64)
    with pytest.raises(TypeError):
        m.to("cuda")


def test_get_submodule_and_concurrent_forward():
    m = build(_ember_kit())
    assert isinstance(m.get_submodule("body.2"), nn.Unflatten)
    assert m.get_submodule("") is m
    with pytest.raises(AttributeError, match="has no attribute `zz`"):
        m.get_submodule("body.zz")
    mods = [nn.Sequential(nn.Flatten(), nn.Unflatten(1, (4, 3))) for _ in range(2)]
    xs = [randn(8, 3, 4, seed=i) for i in range(2)]
    outs = [None, None]

    def run(i):
        for _ in range(50):
            outs[i] = mods[i](xs[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for i in range(2):
        np.testing.assert_array_equal(to_np(outs[i]), to_np(xs[i]).reshape(8, 4, 3))


def test_lifetime_of_python_modules_held_by_cpp():
    import weakref

    class Keep(nn.Module):
        def forward(self, x):
            return x

    child = Keep()
    ref = weakref.ref(child)
    seq = nn.Sequential(child)
    holder = nn.Module()
    holder.seq = seq
    del child, seq
    gc.collect()
    assert ref() is not None and isinstance(holder.seq[0], Keep)
    del holder
    gc.collect()
    assert ref() is None  # released with the tree: nothing leaked


def test_python_subclasses_of_cpp_modules():
    class Twice(nn.Flatten):  # overrides a C++ layer's forward
        def forward(self, x):
            return super().forward(x) + super().forward(x)

    class Chain(nn.Sequential):
        def forward(self, x):
            for m in self:
                x = m(x) + x
            return x

    x = randn(2, 3, dtype=np.float32)
    t = Twice()
    assert repr(t) == "Twice(start_dim=1, end_dim=-1)"
    np.testing.assert_allclose(to_np(nn.Sequential(t)(x)), 2 * to_np(x))  # called from C++
    c = Chain(nn.Identity(), nn.Identity())
    assert len(c) == 2 and isinstance(c[0:1], Chain)
    np.testing.assert_allclose(to_np(c(x)), 4 * to_np(x))
    np.testing.assert_allclose(to_np(nn.Sequential(c)(x)), 4 * to_np(x))  # from C++ too
