"""Reference cycles through C++-held Python objects (module hooks, children registered from
Python) are collected by Python's garbage collector; shared modules are never cleared early."""
import gc
import weakref

import numpy as np

import ember
import ember.nn as nn


def collected(make):
    """make() builds a model and returns it; True when it is freed after del + gc.collect()."""
    ref = weakref.ref(make())
    gc.collect()
    return ref() is None


class HookOnChild(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.seen = []
        self.fc.register_forward_hook(self._record)

    def _record(self, module, args, output):
        self.seen.append(output.shape)

    def forward(self, x):
        return self.fc(x)


def test_hook_referring_to_its_owner_is_collected():
    def make():
        m = HookOnChild()
        m(ember.ones(1, 3))
        assert m.seen == [(1, 2)]
        return m

    assert collected(make)


def test_every_hook_kind_is_collected():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 2)
            self.fc.register_forward_pre_hook(lambda mod, args: None and self)
            self.fc.register_forward_hook(lambda mod, args, out: None and self, always_call=True)
            self.fc.register_full_backward_pre_hook(lambda mod, g: None and self)
            self.fc.register_full_backward_hook(lambda mod, gi, go: None and self)

    assert collected(M)


def test_hook_on_a_cpp_created_grandchild_is_collected():
    # linear1 is created by the C++ layer; once its temporary wrapper is gone, only the layer
    # holds it, and the layer's wrapper reports the hook.
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
            self.calls = 0
            self.layer.linear1.register_forward_hook(self._count)

        def _count(self, module, args, output):
            self.calls += 1

        def forward(self, x):
            return self.layer(x)

    def make():
        m = M().eval()
        m(ember.randn(1, 4, 8))
        assert m.calls == 1
        return m

    assert collected(make)


def test_child_referring_to_its_parent_is_collected():
    def make():
        parent = nn.Module()
        parent.child = nn.Linear(2, 2)
        parent.child.owner = [parent]  # the child's __dict__ points back (a list: not a child)
        return parent

    assert collected(make)


def test_cycle_inside_containers_is_collected():
    def make():
        m = nn.Module()
        m.body = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.ModuleList([nn.Linear(2, 2)]))
        m.body[2][0].register_forward_hook(lambda mod, args, out: None and m)
        return m

    assert collected(make)


def test_shared_module_keeps_its_hooks():
    # lin is held by the list below and by two containers: nothing may clear its hook.
    lin = nn.Linear(2, 2)
    seen = []
    lin.register_forward_hook(lambda mod, args, out, lin=lin: seen.append(lin))
    keep = [nn.Sequential(lin), nn.Sequential(lin)]
    del lin
    for _ in range(3):
        gc.collect()
    keep[1](ember.ones(1, 2))
    assert len(seen) == 1


def test_unreachable_hook_holder_still_used_by_cpp_is_not_cleared():
    # The container holds the child wrapper; the hook refers to the child; nothing in Python
    # refers to the child any more, but the container is alive and must still run the hook.
    seq = nn.Sequential()
    child = nn.Linear(2, 2)
    child.register_forward_hook(lambda mod, args, out, child=child: out * 0 + 7)
    seq.append(child)
    del child
    gc.collect()
    out = seq(ember.ones(1, 2)).detach().numpy()
    np.testing.assert_array_equal(out, np.full((1, 2), 7, np.float32))


def random_model(rng):
    root = nn.Module()
    mods = [root]
    for j in range(int(rng.integers(1, 6))):
        parent = mods[int(rng.integers(len(mods)))]
        child = nn.Linear(2, 2) if rng.random() < 0.5 else nn.Sequential(nn.Linear(2, 2))
        setattr(parent, f"c{j}", child)
        mods.append(child)
        if rng.random() < 0.5:
            target = mods[int(rng.integers(len(mods)))]
            child.register_forward_hook(lambda mod, a, o, t=target: None)
    return root


def test_many_random_structures_collect_without_crashing():
    rng = np.random.default_rng(0)
    refs = []
    for i in range(60):
        refs.append(weakref.ref(random_model(rng)))
        if i % 7 == 0:
            gc.collect()
    gc.collect()
    assert all(r() is None for r in refs)
