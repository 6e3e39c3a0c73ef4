"""nn.ParameterList / nn.ParameterDict: registration, indexing, list / dict methods, the
parent's parameters() and state_dict keys, repr, and loading a torch state_dict."""
import numpy as np
import pytest

import ember
from ember import nn
from utils import randn, to_np


def test_parameter_list_registration_and_indexing():
    a, b = randn(2, 3), randn(3)
    pl = nn.ParameterList([nn.Parameter(a), b])
    assert len(pl) == 2
    assert isinstance(pl[1], nn.Parameter) and pl[1].requires_grad  # tensor became a Parameter
    assert np.shares_memory(pl[1].detach().numpy(), b.numpy())
    assert pl[-1] is pl[1] or to_np(pl[-1]).tobytes() == to_np(b).tobytes()
    pl.append(randn(4))
    pl.extend([randn(5), randn(6)])
    pl += [randn(7)]
    assert [tuple(p.shape) for p in pl] == [(2, 3), (3,), (4,), (5,), (6,), (7,)]
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2", "3", "4", "5"]
    sub = pl[1:3]
    assert isinstance(sub, nn.ParameterList) and [tuple(p.shape) for p in sub] == [(3,), (4,)]
    pl[0] = randn(9)
    assert tuple(pl[0].shape) == (9,) and isinstance(pl[0], nn.Parameter)
    pl.append("not a tensor")  # kept as a plain attribute, like torch
    assert pl[6] == "not a tensor" and len(list(pl.parameters())) == 6


def test_parameter_list_bad_input():
    pl = nn.ParameterList([randn(2)])
    with pytest.raises(IndexError, match=r"\[ParameterList\] index 3 is out of range"):
        pl[3]
    with pytest.raises(TypeError, match=r"\[ParameterList\] indices must be integers"):
        pl["a"]
    with pytest.raises(TypeError, match=r"\[ParameterList.extend\] expected an iterable"):
        pl.extend(randn(3))
    with pytest.raises(RuntimeError, match="ParameterList should not be called"):
        pl(randn(2))


def test_parameter_dict_methods():
    pd = nn.ParameterDict({"b": randn(2), "a": randn(3)})
    assert list(pd.keys()) == ["a", "b"]  # a plain dict is added in sorted order (torch)
    pd["c"] = nn.Parameter(randn(4))
    pd.update([("d", randn(5))])
    assert "c" in pd and len(pd) == 4 and isinstance(pd["d"], nn.Parameter)
    assert [n for n, _ in pd.named_parameters()] == ["a", "b", "c", "d"]
    assert tuple(pd.pop("a").shape) == (3,) and "a" not in pd
    assert [n for n, _ in pd.named_parameters()] == ["b", "c", "d"]
    assert pd.get("zz") is None and tuple(pd.setdefault("e", randn(1)).shape) == (1,)
    k, v = pd.popitem()
    assert k == "e"
    assert list(reversed(pd)) == ["d", "c", "b"]
    both = pd | nn.ParameterDict({"x": randn(2)})
    assert list(both.keys()) == ["b", "c", "d", "x"] and list(pd.keys()) == ["b", "c", "d"]
    assert list(pd.copy().keys()) == ["b", "c", "d"]
    pd.clear()
    assert len(pd) == 0 and list(pd.parameters()) == []


def test_parameter_dict_bad_input():
    pd = nn.ParameterDict()
    with pytest.raises(TypeError, match=r"\[ParameterDict\] keys must be strings, got int"):
        pd[1] = randn(2)
    with pytest.raises(KeyError):
        pd["missing"]
    with pytest.raises(ValueError, match=r"element #0 has length 3; 2 is required"):
        pd.update([("a", randn(1), 3)])
    with pytest.raises(TypeError, match=r"element #0 should be Iterable; is int"):
        pd.update([1])


class _Model(nn.Module):
    def __init__(self, mod):
        super().__init__()
        self.lin = mod.Linear(3, 2)
        self.scales = mod.ParameterList([mod.Parameter(mod_ones(mod, 2)) for _ in range(2)])
        self.extra = mod.ParameterDict({"shift": mod.Parameter(mod_ones(mod, 2))})


def mod_ones(mod, n):
    return ember.ones(n) if mod is nn else __import__("torch").ones(n)


def _forward(m, x):
    y = m.lin(x)
    for s in m.scales:
        y = y * s
    return y + m.extra["shift"]


def test_parent_sees_parameters_and_torch_state_dict_loads():
    torch = pytest.importorskip("torch")

    class TModel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(3, 2)
            self.scales = torch.nn.ParameterList([torch.nn.Parameter(torch.randn(2)) for _ in range(2)])
            self.extra = torch.nn.ParameterDict({"shift": torch.nn.Parameter(torch.randn(2))})

    torch.manual_seed(0)
    tm = TModel()
    em = _Model(nn)
    assert [k for k, _ in em.state_dict().items()] == list(tm.state_dict().keys())
    assert len(list(em.parameters())) == 5
    em.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    y, ty = _forward(em, ember.from_numpy(x)), _forward(tm, torch.tensor(x))
    np.testing.assert_allclose(to_np(y), ty.detach().numpy(), rtol=1e-6, atol=1e-6)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(to_np(em.scales[0].grad), tm.scales[0].grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(to_np(em.extra["shift"].grad), tm.extra["shift"].grad.numpy())


def test_repr_matches_torch():
    torch = pytest.importorskip("torch")
    pl = nn.ParameterList([nn.Parameter(ember.ones(2, 3)), ember.zeros(3)])
    tl = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2, 3)), torch.zeros(3)])
    assert repr(pl) == repr(tl).replace("torch.", "ember.")
    assert repr(nn.ParameterList()) == "ParameterList()"
    pd = nn.ParameterDict({"a": ember.ones(2), "b": ember.ones(2, 2)})
    assert repr(pd) == ("ParameterDict(\n    (a): Parameter containing: [ember.float32 of size 2]\n"
                        "    (b): Parameter containing: [ember.float32 of size 2x2]\n)")
