"""ember.tensor / as_tensor, dtype conversions (to, float, ...), NumPy interop (numpy(),
__array__, buffer protocol), DLPack both ways, repr in PyTorch's format, Python values
(tolist, item, len, iter, bool/float/int/index), new_* factories and pickling."""
import copy
import pickle
import threading

import numpy as np
import pytest

import ember
from utils import to_np


def dtype_name(dt):
    return str(dt).split(".")[-1]


# ---------------------------------------------------------------- ember.tensor

@pytest.mark.parametrize("data,dtype,expect", [
    (1.5, ember.float32, np.float32(1.5)),
    (3, ember.int64, np.int64(3)),
    (True, ember.bool, np.bool_(True)),
    ([1.0, 2.0], ember.float32, np.array([1, 2], np.float32)),
    ([1, 2.5], ember.float32, np.array([1, 2.5], np.float32)),
    ([[1, 2], [3, 4]], ember.int64, np.array([[1, 2], [3, 4]])),
    ([True, False], ember.bool, np.array([True, False])),
    ([True, 2], ember.int64, np.array([1, 2])),
    ([], ember.float32, np.zeros(0, np.float32)),
    (np.arange(3.0), ember.float64, np.arange(3.0)),
    (np.arange(3, dtype=np.float32), ember.float32, np.arange(3, dtype=np.float32)),
    (np.arange(3, dtype=np.int32), ember.int64, np.arange(3)),
    (np.arange(3, dtype=np.uint8), ember.int64, np.arange(3)),
    (np.arange(3, dtype=np.int16), ember.int64, np.arange(3)),
    (np.arange(3, dtype=np.float16), ember.float32, np.arange(3, dtype=np.float32)),
    (np.array([True]), ember.bool, np.array([True])),
    (np.float64(2.5), ember.float64, np.float64(2.5)),
])
def test_tensor_dtype_inference(data, dtype, expect):
    t = ember.tensor(data)
    assert t.dtype == dtype
    np.testing.assert_array_equal(to_np(t), expect)
    assert to_np(t).shape == np.shape(expect)


def test_tensor_matches_torch_inference():
    torch = pytest.importorskip("torch")
    for data in [1.5, 3, True, [1, 2.5], [[1, 2]], [False], np.arange(3.0),
                 np.arange(3, dtype=np.float32), np.arange(4, dtype=np.int64), np.array(True)]:
        assert dtype_name(ember.tensor(data).dtype) == dtype_name(torch.tensor(data).dtype), data


def test_tensor_copies_and_options():
    a = np.arange(6.0).reshape(2, 3)
    t = ember.tensor(a)
    a[0, 0] = 100
    assert to_np(t)[0, 0] == 0  # copied
    t2 = ember.tensor(t, dtype=ember.int64)
    assert t2.dtype == ember.int64 and not np.shares_memory(t2.numpy(), t.numpy())
    t3 = ember.tensor([[1, 2]], dtype=ember.float64, requires_grad=True)
    assert t3.requires_grad and t3.is_leaf and t3.dtype == ember.float64
    assert ember.tensor([1, 2], dtype=float).dtype == ember.float64
    assert ember.tensor([1, 2], dtype=np.float32).dtype == ember.float32
    # Non-contiguous / reversed NumPy input is copied correctly.
    rev = np.arange(10.0)[::-2]
    np.testing.assert_array_equal(to_np(ember.tensor(rev)), rev)
    # Objects with __array__ and lists of tensors.

    class ArrayLike:
        def __array__(self, dtype=None, copy=None):
            return np.array([[1, 2, 3]], dtype=np.int32)
    assert ember.tensor(ArrayLike()).dtype == ember.int64
    s = ember.tensor([ember.tensor(1.0), ember.tensor(2.0)])
    assert to_np(s).tolist() == [1.0, 2.0]
    # tensor() of a tensor that requires grad: a detached leaf copy.
    g = ember.tensor([1.0], requires_grad=True)
    c = ember.tensor(g)
    assert not c.requires_grad and c.is_leaf


def test_tensor_errors():
    with pytest.raises(ValueError, match=r"\[tensor\]"):
        ember.tensor([[1, 2], [3]])
    with pytest.raises(ValueError, match=r"\[tensor\]"):
        ember.tensor([[1, 2], 3])
    with pytest.raises(TypeError, match=r"\[tensor\].*complex"):
        ember.tensor(np.array([1 + 2j]))
    with pytest.raises(TypeError, match=r"\[tensor\]"):
        ember.tensor(["a", "b"])
    with pytest.raises(TypeError, match=r"\[tensor\]"):
        ember.tensor([None])
    with pytest.raises(TypeError, match=r"\[tensor\]"):
        ember.tensor({"a": 1})
    with pytest.raises(TypeError, match=r"\[tensor\]"):
        ember.tensor([1], dtype="nope")
    with pytest.raises(RuntimeError, match=r"\[cuda\]"):
        ember.tensor([1], device="cuda")


def test_as_tensor_shares_memory():
    a = np.arange(4.0)
    t = ember.as_tensor(a)
    assert np.shares_memory(t.numpy(), a)
    assert ember.as_tensor(t) is t
    c = ember.as_tensor(a, dtype=ember.float32)
    assert c.dtype == ember.float32 and not np.shares_memory(c.numpy(), a)
    assert ember.as_tensor([1, 2]).dtype == ember.int64
    ro = np.arange(3.0)
    ro.flags.writeable = False
    assert to_np(ember.as_tensor(ro)).tolist() == [0.0, 1.0, 2.0]  # copied, not wrapped


def test_module_helpers():
    t = ember.zeros(2, 3)
    assert ember.is_tensor(t) and not ember.is_tensor(np.zeros(2))
    assert ember.numel(t) == 6
    assert ember.get_default_dtype() == ember.float32
    ember.set_default_dtype(ember.float32)
    with pytest.raises(NotImplementedError, match=r"\[set_default_dtype\]"):
        ember.set_default_dtype(ember.float64)
    assert ember.is_floating_point(t) and not ember.is_floating_point(t.long())
    assert ember.is_nonzero(ember.tensor([1]))
    assert ember.float is ember.float32 and ember.double is ember.float64 and ember.long is ember.int64


# ---------------------------------------------------------------- conversions

def test_to_dtype_and_shortcuts():
    t = ember.tensor([[1.5, -2.5], [0.0, 3.0]])
    assert t.to(ember.float64).dtype == ember.float64
    assert t.to("cpu") is t
    assert t.to(ember.float32) is t
    assert t.to(ember.float32, copy=True) is not t
    assert t.to("cpu", ember.int64).dtype == ember.int64
    assert t.to(device="cpu", dtype=ember.float64).dtype == ember.float64
    assert t.to(ember.zeros(1, dtype=ember.bool)).dtype == ember.bool
    assert t.double().dtype == ember.float64 and t.float().dtype == ember.float32
    assert to_np(t.long()).tolist() == [[1, -2], [0, 3]]
    assert t.int().dtype == ember.int64  # documented deviation: no int32 in ember yet
    assert to_np(t.bool()).tolist() == [[True, True], [False, True]]
    assert t.cpu() is t
    assert t.is_floating_point() and not t.long().is_floating_point()
    assert t.type() == "ember.FloatTensor" and t.long().type() == "ember.LongTensor"
    assert t.type(ember.float64).dtype == ember.float64
    assert t.type("ember.DoubleTensor").dtype == ember.float64
    with pytest.raises(RuntimeError, match=r"\[cuda\] ember was built without CUDA"):
        t.cuda()
    with pytest.raises(RuntimeError, match=r"\[cuda\]"):
        t.to("cuda:0")
    with pytest.raises(ValueError, match=r"\[device\]"):
        t.to("gpu")
    with pytest.raises(TypeError, match=r"\[to\]"):
        t.to(dtype="float")
    with pytest.raises(TypeError, match=r"\[to\]"):
        t.to(ember.float64, bogus=1)


def test_to_is_differentiable():
    torch = pytest.importorskip("torch")
    x = ember.tensor([1.0, 2.0, 3.0], dtype=ember.float64, requires_grad=True)
    y = x.float()
    assert y.requires_grad and y.grad_fn.name() == "ToCopyBackward"
    ember.sum(y * y).backward()
    tx = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    (tx.float() * tx.float()).sum().backward()
    assert x.grad.dtype == ember.float64
    np.testing.assert_allclose(to_np(x.grad), tx.grad.numpy())
    # float32 in the middle: finite differences need a step float32 can resolve.
    assert ember.autograd.gradcheck(lambda a: a.to(ember.float32).to(ember.float64) * a, [x],
                                    eps=1e-2, atol=1e-3, rtol=1e-3)
    assert not x.long().requires_grad  # integer results carry no gradient


# ---------------------------------------------------------------- NumPy interop

def test_numpy_shares_memory_and_buffer():
    t = ember.arange(6.0).to(ember.float64)
    a = t.numpy()
    assert a.dtype == np.float64 and np.shares_memory(a, t.numpy())
    a[0] = 42
    assert t.item() == 42 if t.numel() == 1 else to_np(t)[0] == 42
    m = memoryview(t)
    assert m.format == "d" and m.shape == (6,) and not m.readonly
    b = np.asarray(m)
    assert np.shares_memory(b, a)
    for dt, fmt in [(ember.float32, "f"), (ember.int64, "q"), (ember.bool, "?")]:
        assert memoryview(ember.zeros(2, dtype=dt)).format == fmt
    with pytest.raises(RuntimeError, match=r"\[numpy\]"):
        ember.zeros(2, requires_grad=True).numpy()
    r = ember.zeros(2, requires_grad=True)
    assert r.numpy(force=True).shape == (2,)


def test_array_protocol():
    t = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    a = np.asarray(t)
    assert a.dtype == np.float32 and np.shares_memory(a, t.numpy())
    a2 = t.__array__()
    assert np.shares_memory(a2, t.numpy())
    c = np.array(t, copy=True)
    assert not np.shares_memory(c, t.numpy())
    d = t.__array__(np.float64)
    assert d.dtype == np.float64
    with pytest.raises(ValueError, match=r"\[__array__\]"):
        t.__array__(np.float64, copy=False)
    np.testing.assert_array_equal(t.__array__(copy=True), [[1, 2], [3, 4]])
    # NumPy defers to the tensor in mixed expressions (array priority).
    assert ember.Tensor.__array_priority__ > 0
    assert np.add(np.ones(2), ember.tensor([1.0, 2.0])).tolist() == [2.0, 3.0]


# ---------------------------------------------------------------- DLPack

@pytest.mark.parametrize("npdt", [np.float32, np.float64, np.int64, np.bool_])
def test_dlpack_numpy_round_trip(npdt):
    a = (np.arange(12).reshape(3, 4) % 3).astype(npdt)
    t = ember.from_dlpack(a)
    assert dtype_name(t.dtype) == np.dtype(npdt).name.replace("bool", "bool")
    assert t.shape == (3, 4) and np.shares_memory(t.numpy(), a)
    np.testing.assert_array_equal(to_np(t), a)
    back = np.from_dlpack(t)
    assert back.dtype == a.dtype and np.shares_memory(back, a)
    # Strided NumPy views keep their strides.
    v = ember.from_dlpack(a[:, ::2])
    assert v.shape == (3, 2) and v.stride() == (4, 2)
    np.testing.assert_array_equal(to_np(v), a[:, ::2])
    # Non-contiguous ember tensors export their strides.
    tt = ember.from_numpy(np.ascontiguousarray(a).T.copy().T)
    np.testing.assert_array_equal(np.from_dlpack(tt), a)


def test_dlpack_lifetime_and_protocol():
    t = ember.arange(5.0)
    assert t.__dlpack_device__() == (1, 0)
    cap = t.__dlpack__()
    assert "dltensor" in repr(cap)
    del cap  # an unconsumed capsule frees its export
    a = np.from_dlpack(t)
    del t  # the NumPy array keeps the memory alive
    np.testing.assert_array_equal(a, np.arange(5.0, dtype=np.float32))
    src = np.arange(4.0)
    e = ember.from_dlpack(src)
    del src
    np.testing.assert_array_equal(to_np(e), np.arange(4.0))
    # 0-d and empty.
    np.testing.assert_array_equal(np.from_dlpack(ember.tensor(3.5)), np.float32(3.5))
    assert np.from_dlpack(ember.zeros(0, 3)).shape == (0, 3)
    assert ember.from_dlpack(np.zeros((2, 0))).shape == (2, 0)
    # A legacy capsule can be consumed once.
    cap = ember.ones(3).__dlpack__()
    assert to_np(ember.from_dlpack(cap)).tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match=r"\[from_dlpack\]"):
        ember.from_dlpack(cap)
    c = ember.tensor([1.0, 2.0]).__dlpack__(copy=True)
    assert to_np(ember.from_dlpack(c)).tolist() == [1.0, 2.0]


def test_dlpack_errors():
    with pytest.raises(TypeError, match=r"\[from_dlpack\]"):
        ember.from_dlpack(np.zeros(3, dtype=np.int32))
    with pytest.raises(TypeError, match=r"\[from_dlpack\]"):
        ember.from_dlpack(np.zeros(3, dtype=np.complex64))
    with pytest.raises(TypeError, match=r"\[from_dlpack\]"):
        ember.from_dlpack([1, 2, 3])
    with pytest.raises(RuntimeError, match=r"\[__dlpack__\].*requires grad"):
        ember.zeros(2, requires_grad=True).__dlpack__()
    with pytest.raises(BufferError):
        ember.zeros(2).__dlpack__(dl_device=(2, 0))


def test_dlpack_torch_round_trip():
    torch = pytest.importorskip("torch")
    from torch.utils import dlpack as tdl
    for tdt in (torch.float32, torch.float64, torch.int64, torch.bool):
        src = (torch.arange(6).reshape(2, 3) % 2).to(tdt)
        e = ember.from_dlpack(src)
        assert dtype_name(e.dtype) == str(tdt).split(".")[1]
        np.testing.assert_array_equal(to_np(e), src.numpy())
        assert e.data_ptr() == src.data_ptr()  # zero-copy
        back = torch.from_dlpack(e)
        assert back.data_ptr() == src.data_ptr() and back.dtype == tdt
    t = ember.arange(6.0)
    tt = tdl.from_dlpack(t.__dlpack__())
    tt[0] = 9.0
    assert to_np(t)[0] == 9.0
    e = ember.from_dlpack(tdl.to_dlpack(torch.ones(2, 2).t()))
    assert e.stride() == (1, 2)


# ---------------------------------------------------------------- repr

REPR_CASES = [
    np.array([[1.0, 2.0], [3.0, 4.0]], np.float32), np.float32(3.0), np.array(7),
    np.array(True), np.zeros((0, 3), np.float32), np.zeros(0, np.int64), np.zeros(0, np.float32),
    np.zeros((2, 0, 3), np.bool_), np.array([1.5, 2.25]), np.arange(2000.0),
    np.arange(2000.0).reshape(40, 50), np.array([True, False]),
    np.array([1e-5, 1.0], np.float32), np.array([1e5, 1.0]), np.array([123456789.0, 1.0]),
    np.array([np.nan, 1.0, np.inf, -np.inf], np.float32), np.arange(12).reshape(2, 3, 2),
    np.random.default_rng(0).standard_normal((3, 4, 5)), np.arange(100000).reshape(100, 1000),
    np.array([-0.0, 0.0]), np.array([0.0, 0.0], np.float32), np.array([1e10, 1.5]),
    np.random.default_rng(1).standard_normal(30).astype(np.float32) * 1000,
    np.arange(3000).reshape(10, 300) % 7 == 0, np.linspace(-1, 1, 25).reshape(5, 5),
    np.arange(-5, 20).reshape(5, 5), np.array([[[1.25]]], np.float32), np.full(50, 0.1, np.float32),
]


@pytest.mark.parametrize("case", range(len(REPR_CASES)))
def test_repr_matches_torch(case):
    torch = pytest.importorskip("torch")
    data = REPR_CASES[case]
    expect = repr(torch.tensor(data)).replace("torch.", "ember.")
    assert repr(ember.tensor(data)) == expect
    assert str(ember.tensor(data)) == expect


def test_repr_autograd_suffixes():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr(x * x) == "tensor([1., 4.], grad_fn=<MulBackward>)"
    y = ember.tensor([[1.0, 2.0]], dtype=ember.float64, requires_grad=True)
    assert repr(y) == "tensor([[1., 2.]], dtype=ember.float64, requires_grad=True)"
    assert repr(ember.tensor(3.0)) == "tensor(3.)"
    assert repr(ember.zeros(0, 3)) == "tensor([], size=(0, 3))"
    # Long suffixes wrap onto a new line like PyTorch's.
    torch = pytest.importorskip("torch")
    data = np.arange(7.0) + 0.5
    e = repr(ember.tensor(data, requires_grad=True))
    t = repr(torch.tensor(data, requires_grad=True)).replace("torch.", "ember.")
    assert e == t


def test_format():
    assert f"{ember.tensor(2.5):.2f}" == "2.50"
    assert f"{ember.tensor(7):>3}" == "  7"
    assert f"{ember.tensor([1.0])}" == "tensor([1.])"
    with pytest.raises(TypeError):
        f"{ember.tensor([1.0, 2.0]):.2f}"


# ---------------------------------------------------------------- Python values

def test_tolist_item():
    t = ember.tensor([[1, 2], [3, 4]])
    assert t.tolist() == [[1, 2], [3, 4]] and type(t.tolist()[0][0]) is int
    assert ember.tensor(2.5).tolist() == 2.5
    assert ember.tensor([True]).tolist() == [True]
    assert ember.tensor([[7.5]]).item() == 7.5 and type(ember.tensor([[7.5]]).item()) is float
    assert ember.tensor(3).item() == 3 and type(ember.tensor(3).item()) is int
    assert ember.tensor(True).item() is True
    x = ember.tensor([2.0], requires_grad=True)
    assert x.item() == 2.0 and x.tolist() == [2.0]
    with pytest.raises(RuntimeError, match=r"\[item\].*2 elements"):
        ember.tensor([1.0, 2.0]).item()
    with pytest.raises(RuntimeError, match=r"\[item\]"):
        ember.zeros(0).item()


def test_python_number_protocols():
    assert float(ember.tensor([2.5])) == 2.5
    assert int(ember.tensor(3.9)) == 3
    assert bool(ember.tensor([0.0])) is False and bool(ember.tensor(2)) is True
    assert [10, 20, 30][ember.tensor(1)] == 20
    assert range(10)[ember.tensor([2])] == 2
    with pytest.raises(TypeError, match=r"\[__index__\]"):
        [1, 2][ember.tensor(1.0)]
    with pytest.raises(RuntimeError, match=r"\[bool\].*ambiguous"):
        bool(ember.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"\[float\]"):
        float(ember.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"\[int\]"):
        int(ember.zeros(0))


def test_len_iter():
    t = ember.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    assert len(t) == 3 and len(ember.zeros(0, 2)) == 0
    with pytest.raises(TypeError, match=r"len\(\) of a 0-d tensor"):
        len(ember.tensor(1.0))
    with pytest.raises(TypeError, match=r"iteration over a 0-d tensor"):
        iter(ember.tensor(1.0))


def test_iter_rows():
    # Skipped only on branches where Tensor.__getitem__ (bound by the indexing code) is absent.
    if not hasattr(ember.Tensor, "__getitem__"):
        pytest.skip("Tensor.__getitem__ is not bound on this branch")
    t = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    rows = list(t)
    assert len(rows) == 2 and rows[1].tolist() == [3.0, 4.0]


def test_new_factories():
    base = ember.tensor([1.0], dtype=ember.float64)
    z = base.new_zeros(2, 3)
    assert z.shape == (2, 3) and z.dtype == ember.float64 and not z.numpy().any()
    assert base.new_ones((2,)).tolist() == [1.0, 1.0]
    assert base.new_empty(4).shape == (4,)
    f = base.new_full((2,), 3, dtype=ember.int64)
    assert f.dtype == ember.int64 and f.tolist() == [3, 3]
    n = base.new_tensor([1, 2])
    assert n.dtype == ember.float64 and n.tolist() == [1.0, 2.0]
    assert base.new_zeros(2, requires_grad=True).requires_grad


def test_pickle_and_deepcopy():
    t = ember.tensor([[1.0, 2.0]], dtype=ember.float64, requires_grad=True)
    u = pickle.loads(pickle.dumps(t))
    assert u.dtype == ember.float64 and u.tolist() == [[1.0, 2.0]] and u.requires_grad
    v = copy.deepcopy(ember.tensor([True, False]))
    assert v.dtype == ember.bool and v.tolist() == [True, False]


def test_metadata():
    t = ember.zeros(2, 3, dtype=ember.float64)
    assert t.is_cpu and t.device == "cpu" and not t.is_cuda
    assert t.element_size() == 8 and t.ndim == 2 and t.dim() == 2
    assert t.size() == (2, 3) and t.size(-1) == 3 and t.stride() == (3, 1)


def test_factories_release_gil():
    # Two threads creating large random tensors concurrently must both finish correctly.
    out = {}

    def work(k):
        out[k] = ember.randn(200_000).numel()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert out == {0: 200_000, 1: 200_000}


def test_type_stubs_cover_bindings():
    # python/ember/_C.pyi must declare everything ember._C binds (update it with new ops).
    import ast
    import os
    path = os.path.join(os.path.dirname(ember.__file__), "_C.pyi")
    tree = ast.parse(open(path).read())
    module_names, tensor_names = set(), set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            module_names.add(node.name)
        if isinstance(node, ast.ClassDef) and node.name == "Tensor":
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    tensor_names.add(item.name)
                elif isinstance(item, ast.AnnAssign):
                    tensor_names.add(item.target.id)
    bound = {n for n in dir(ember._C) if not n.startswith("__")}
    assert bound - module_names == set(), "missing module stubs"
    own = {n for n, v in vars(ember.Tensor).items()
           if not (n.startswith("__") and n not in _PROTOCOL_DUNDERS)}
    assert {n for n in own if not n.startswith("_") or n in ("_version", "_is_same")} \
        - tensor_names == set(), "missing Tensor stubs"
    # ... and declare nothing that does not exist.
    assert module_names - bound == set(), "stubs of names ember._C does not bind"
    assert {n for n in tensor_names if not n.startswith("__")} - set(dir(ember.Tensor)) == set(), \
        "Tensor stubs of methods that do not exist"


_PROTOCOL_DUNDERS = {
    "__array__", "__dlpack__", "__dlpack_device__", "__len__", "__iter__", "__bool__",
    "__float__", "__int__", "__index__", "__format__", "__getitem__", "__setitem__",
    "__add__", "__radd__", "__iadd__", "__sub__", "__rsub__", "__isub__", "__mul__", "__rmul__",
    "__imul__", "__truediv__", "__rtruediv__", "__itruediv__", "__pow__", "__rpow__",
    "__matmul__", "__rmatmul__", "__neg__", "__abs__", "__invert__", "__and__", "__or__",
    "__xor__", "__lt__", "__le__", "__gt__", "__ge__"}
