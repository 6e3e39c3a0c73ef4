"""Factories (zeros/ones/full/empty/arange/linspace/eye and *_like), random ops and the
Philox generator (statistics, seeding, thread-count independence), in-place fills."""
import math

import numpy as np
import pytest

import ember
from utils import same_for_threads, to_np


# ---------------------------------------------------------------- filled factories

@pytest.mark.parametrize("name,value", [("zeros", 0), ("ones", 1)])
def test_zeros_ones_size_forms(name, value):
    f = getattr(ember, name)
    for t in (f(2, 3), f((2, 3)), f([2, 3]), f(size=(2, 3))):
        assert t.shape == (2, 3) and t.dtype == ember.float32
        np.testing.assert_array_equal(to_np(t), np.full((2, 3), value, np.float32))
    assert f().shape == () and f(()).shape == ()
    assert f(0, 4).shape == (0, 4)
    assert f(3, dtype=ember.int64).dtype == ember.int64
    assert f(3, dtype=ember.bool).dtype == ember.bool
    assert f(3, dtype=float).dtype == ember.float64  # Python float -> float64, as torch
    assert f(np.int64(2), 3).shape == (2, 3)


def test_empty_and_requires_grad():
    t = ember.empty(4, 5, dtype=ember.float64, requires_grad=True)
    assert t.shape == (4, 5) and t.dtype == ember.float64 and t.requires_grad and t.is_leaf
    with pytest.raises(RuntimeError, match=r"\[requires_grad_\]"):
        ember.zeros(2, dtype=ember.int64, requires_grad=True)


def test_full_dtype_inference():
    assert ember.full((2,), 1.5).dtype == ember.float32
    assert ember.full((2,), 7).dtype == ember.int64
    assert ember.full((2,), True).dtype == ember.bool
    t = ember.full((2, 2), 3, dtype=ember.float64)
    assert t.dtype == ember.float64
    np.testing.assert_array_equal(to_np(t), np.full((2, 2), 3.0))
    np.testing.assert_array_equal(to_np(ember.full(3, 2.5)), np.full(3, 2.5, np.float32))


def test_like_factories():
    base = ember.tensor([[1.0, 2.0, 3.0]], dtype=ember.float64)
    for name, expect in [("zeros_like", 0.0), ("ones_like", 1.0)]:
        t = getattr(ember, name)(base)
        assert t.shape == (1, 3) and t.dtype == ember.float64
        np.testing.assert_array_equal(to_np(t), np.full((1, 3), expect))
    t = ember.full_like(base, 7, dtype=ember.int64)
    assert t.dtype == ember.int64 and to_np(t).tolist() == [[7, 7, 7]]
    assert ember.empty_like(base).shape == (1, 3)
    assert ember.rand_like(base).dtype == ember.float64
    assert ember.randn_like(base, dtype=ember.float32).dtype == ember.float32
    r = ember.randint_like(ember.zeros(100, dtype=ember.int64), 3, 6)
    assert r.dtype == ember.int64 and set(to_np(r).tolist()) <= {3, 4, 5}
    assert ember.zeros_like(base, requires_grad=True).requires_grad


def test_bad_sizes():
    with pytest.raises(ValueError, match=r"\[zeros\].*non-negative"):
        ember.zeros(-1)
    with pytest.raises(ValueError, match=r"\[ones\]"):
        ember.ones(2, -3)
    with pytest.raises(MemoryError):
        ember.zeros(10**15)
    with pytest.raises(MemoryError):
        ember.empty(2**40, 2**40)
    with pytest.raises(TypeError, match=r"\[zeros\]"):
        ember.zeros(2.5)
    with pytest.raises(TypeError, match=r"\[zeros\]"):
        ember.zeros("3")
    with pytest.raises(TypeError, match=r"\[zeros\].*keyword"):
        ember.zeros(2, colour="red")
    with pytest.raises(TypeError, match=r"\[zeros\].*dtype"):
        ember.zeros(2, dtype="float32")
    with pytest.raises(RuntimeError, match=r"\[cuda\]"):
        ember.zeros(2, device="cuda")
    with pytest.raises(ValueError, match=r"\[device\]"):
        ember.zeros(2, device="tpu")
    with pytest.raises(ValueError, match=r"\[zeros\].*64-bit"):
        ember.zeros(2**63)
    with pytest.raises(ValueError, match=r"\[full\].*64-bit"):
        ember.full((2,), 2**70)
    with pytest.raises(ValueError, match=r"\[randint\].*64-bit"):
        ember.randint(0, 2**64, (2,))


def test_factories_match_torch():
    torch = pytest.importorskip("torch")
    pairs = [
        (ember.zeros(2, 3), torch.zeros(2, 3)),
        (ember.ones((4,), dtype=ember.int64), torch.ones((4,), dtype=torch.int64)),
        (ember.full((2,), 7), torch.full((2,), 7)),
        (ember.full((2,), 2.5), torch.full((2,), 2.5)),
        (ember.arange(5), torch.arange(5)),
        (ember.arange(1, 2.5, 0.5), torch.arange(1, 2.5, 0.5)),
        (ember.arange(10, 0, -3), torch.arange(10, 0, -3)),
        (ember.arange(0, 1, 0.1), torch.arange(0, 1, 0.1)),
        (ember.arange(0.0, 5, dtype=ember.int64), torch.arange(0.0, 5, dtype=torch.int64)),
        (ember.linspace(-1, 1, 7), torch.linspace(-1, 1, 7)),
        (ember.linspace(0, 10, 1), torch.linspace(0, 10, 1)),
        (ember.linspace(0, 1, 0), torch.linspace(0, 1, 0)),
        (ember.linspace(3, -2, 11, dtype=ember.float64), torch.linspace(3, -2, 11, dtype=torch.float64)),
        (ember.eye(3), torch.eye(3)),
        (ember.eye(2, 4, dtype=ember.int64), torch.eye(2, 4, dtype=torch.int64)),
        (ember.eye(0), torch.eye(0)),
    ]
    for e, t in pairs:
        assert e.shape == tuple(t.shape)
        assert str(e.dtype).split(".")[1] == str(t.dtype).split(".")[1]
        np.testing.assert_allclose(to_np(e), t.numpy(), rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------- ranges

def test_arange_forms_and_dtypes():
    assert to_np(ember.arange(4)).tolist() == [0, 1, 2, 3]
    assert ember.arange(4).dtype == ember.int64
    assert ember.arange(4.0).dtype == ember.float32
    assert ember.arange(1, 4, dtype=ember.float64).dtype == ember.float64
    assert to_np(ember.arange(start=2, end=5)).tolist() == [2, 3, 4]
    assert to_np(ember.arange(end=3)).tolist() == [0, 1, 2]
    assert ember.arange(5, 5).shape == (0,)
    # Length is ceil((end - start) / step).
    for a, b, s in [(0, 10, 3), (0, 1, 0.3), (-2.5, 2.5, 0.5), (5, -5, -2), (0, 1e-3, 1e-4)]:
        n = math.ceil((b - a) / s)
        e = to_np(ember.arange(a, b, s, dtype=ember.float64))
        assert e.shape == (n,)
        np.testing.assert_allclose(e, a + np.arange(n) * s)
    big = ember.arange(100000)
    np.testing.assert_array_equal(to_np(big), np.arange(100000))
    same_for_threads(lambda: ember.arange(0, 1, 1e-5))


def test_arange_bad():
    with pytest.raises(ValueError, match=r"\[arange\].*step must be nonzero"):
        ember.arange(0, 5, 0)
    with pytest.raises(ValueError, match=r"\[arange\].*step must be nonzero"):
        ember.arange(0.0, 5, 0.0)
    with pytest.raises(ValueError, match=r"\[arange\].*inconsistent"):
        ember.arange(0, 5, -1)
    with pytest.raises(ValueError, match=r"\[arange\].*finite"):
        ember.arange(0, float("inf"))
    with pytest.raises(TypeError, match=r"\[arange\]"):
        ember.arange("5")
    with pytest.raises(TypeError, match=r"\[arange\]"):
        ember.arange(3, dtype=ember.bool)
    with pytest.raises(MemoryError, match=r"\[arange\]"):
        ember.arange(0, 1e300, 1e-300)


def test_linspace_eye_bad():
    with pytest.raises(ValueError, match=r"\[linspace\]"):
        ember.linspace(0, 1, -1)
    with pytest.raises(TypeError, match=r"\[linspace\]"):
        ember.linspace(0, 1, 2.5)
    with pytest.raises(ValueError, match=r"\[eye\]"):
        ember.eye(-1)
    with pytest.raises(ValueError, match=r"\[eye\]"):
        ember.eye(2, -2)
    e = to_np(ember.linspace(0, 1, 1001))
    assert e[0] == 0.0 and e[-1] == 1.0  # both endpoints exact


# ---------------------------------------------------------------- random

def test_randn_statistics():
    ember.manual_seed(1234)
    x = to_np(ember.randn(1_000_000))
    assert x.dtype == np.float32
    assert abs(x.mean()) < 5e-3 and abs(x.std() - 1) < 5e-3
    # Tails: about 4.55% outside 2 sigma for a normal distribution.
    assert abs((np.abs(x) > 2).mean() - 0.0455) < 2e-3
    x64 = to_np(ember.randn(200_000, dtype=ember.float64))
    assert x64.dtype == np.float64 and abs(x64.mean()) < 1e-2 and abs(x64.std() - 1) < 1e-2
    # Distinct 53-bit draws: no visible repetition.
    assert len(np.unique(x64)) == x64.size


def test_rand_statistics_and_range():
    ember.manual_seed(7)
    u = to_np(ember.rand(1_000_000))
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 2e-3 and abs(u.var() - 1 / 12) < 2e-3
    counts = np.histogram(u, bins=10, range=(0, 1))[0]
    assert np.all(np.abs(counts - 100_000) < 2_000)
    u64 = to_np(ember.rand(3, 4, dtype=ember.float64))
    assert u64.shape == (3, 4) and u64.dtype == np.float64


def test_randint_bounds_and_uniformity():
    ember.manual_seed(3)
    r = to_np(ember.randint(-3, 4, (200_000,)))
    assert r.dtype == np.int64 and r.min() == -3 and r.max() == 3
    counts = np.bincount(r + 3)
    assert np.all(np.abs(counts - 200_000 / 7) < 1_000)
    assert to_np(ember.randint(5, (10,))).max() < 5
    assert to_np(ember.randint(0, 2, (4,), dtype=ember.bool)).dtype == np.bool_
    assert ember.randint(2, 3, (2, 2), dtype=ember.float32).dtype == ember.float32
    full = to_np(ember.randint(-2**62, 2**62, (1000,)))
    assert full.min() < -2**60 and full.max() > 2**60  # wide ranges use all 64 bits
    with pytest.raises(ValueError, match=r"\[randint\]"):
        ember.randint(5, 5, (3,))
    with pytest.raises(ValueError, match=r"\[randint\]"):
        ember.randint(3, 1, (3,))
    with pytest.raises(TypeError, match=r"\[randint\]"):
        ember.randint(0, 2.5, (3,))
    with pytest.raises(TypeError, match=r"\[randint\]"):
        ember.randint(3)


def test_seed_reproducibility():
    ember.manual_seed(42)
    a = [to_np(ember.randn(5, 7)), to_np(ember.rand(3)), to_np(ember.randint(0, 100, (9,)))]
    ember.manual_seed(42)
    b = [to_np(ember.randn(5, 7)), to_np(ember.rand(3)), to_np(ember.randint(0, 100, (9,)))]
    for x, y in zip(a, b):
        assert x.tobytes() == y.tobytes()
    assert ember.initial_seed() == 42
    # Successive draws differ; other seeds differ.
    assert not np.array_equal(to_np(ember.randn(5, 7)), a[0])
    ember.manual_seed(43)
    assert not np.array_equal(to_np(ember.randn(5, 7)), a[0])
    s = ember.seed()
    assert ember.initial_seed() == s
    with pytest.raises(TypeError, match=r"\[manual_seed\]"):
        ember.manual_seed(1.5)
    with pytest.raises(ValueError, match=r"\[manual_seed\]"):
        ember.manual_seed(2**64)
    ember.manual_seed(2**64 - 1)
    assert ember.initial_seed() == 2**64 - 1
    ember.manual_seed(-1)  # negative seeds wrap, as in PyTorch
    assert ember.initial_seed() == 2**64 - 1


def test_random_same_for_threads():
    def draw():
        ember.manual_seed(11)
        t = ember.zeros(300, 400)
        t.normal_(2.0, 3.0)
        return (ember.randn(100_003), ember.rand(70_001, dtype=ember.float64),
                ember.randint(0, 1000, (50_000,)), t, ember.randperm(5000),
                ember.bernoulli(ember.full((40_000,), 0.3)))
    same_for_threads(draw)


def test_normal_uniform_inplace():
    ember.manual_seed(5)
    t = ember.empty(500_000)
    assert t.normal_(mean=3.0, std=0.5) is t
    x = to_np(t)
    assert abs(x.mean() - 3.0) < 5e-3 and abs(x.std() - 0.5) < 5e-3
    assert t.uniform_(-2, 6) is t
    u = to_np(t)
    assert u.min() >= -2 and u.max() < 6 and abs(u.mean() - 2) < 2e-2
    # Non-contiguous target: every element of the view is written, others untouched.
    base = ember.zeros(4, 6, dtype=ember.float64)
    w = ember.from_numpy(base.numpy()[:, ::2])  # a strided view of base's memory
    assert not w.is_contiguous()
    w.uniform_(1, 2)
    arr = to_np(base)
    assert np.all(arr[:, ::2] >= 1) and np.all(arr[:, 1::2] == 0)
    with pytest.raises(ValueError, match=r"\[normal_\]"):
        t.normal_(0, -1)
    with pytest.raises(ValueError, match=r"\[uniform_\]"):
        t.uniform_(2, 1)
    with pytest.raises(TypeError, match=r"\[normal_\]"):
        ember.zeros(3, dtype=ember.int64).normal_()
    with pytest.raises(TypeError, match=r"\[rand\]"):
        ember.rand(3, dtype=ember.int64)
    with pytest.raises(TypeError, match=r"\[randn\]"):
        ember.randn(3, dtype=ember.bool)


def test_normal_function_randperm_bernoulli():
    ember.manual_seed(9)
    n = to_np(ember.normal(1.0, 2.0, (100_000,)))
    assert abs(n.mean() - 1) < 3e-2 and abs(n.std() - 2) < 3e-2
    p = to_np(ember.randperm(1000))
    assert sorted(p.tolist()) == list(range(1000)) and not np.array_equal(p, np.arange(1000))
    assert ember.randperm(0).shape == (0,)
    # Uniform: each value lands in each position equally often.
    counts = np.zeros((5, 5))
    for _ in range(5000):
        counts[np.arange(5), to_np(ember.randperm(5))] += 1
    assert np.all(np.abs(counts - 1000) < 130)
    assert ember.randperm(4, dtype=ember.float64).dtype == ember.float64
    with pytest.raises(ValueError, match=r"\[randperm\]"):
        ember.randperm(-1)
    probs = ember.tensor([0.0, 1.0, 0.5] * 20000)
    b = to_np(ember.bernoulli(probs))
    assert np.all(b[0::3] == 0) and np.all(b[1::3] == 1) and abs(b[2::3].mean() - 0.5) < 0.02
    m = ember.zeros(100_000)
    m.bernoulli_(0.25)
    assert abs(to_np(m).mean() - 0.25) < 0.01
    with pytest.raises(ValueError, match=r"\[bernoulli\]"):
        ember.bernoulli(ember.tensor([1.5]))
    with pytest.raises(ValueError, match=r"\[bernoulli_\]"):
        m.bernoulli_(2.0)


def test_random_matches_torch_distribution():
    torch = pytest.importorskip("torch")
    # Streams differ from PyTorch's by design; the distributions must agree.
    ember.manual_seed(0)
    torch.manual_seed(0)
    e = np.sort(to_np(ember.randn(200_000)))
    t = np.sort(torch.randn(200_000).numpy())
    qs = np.linspace(0.01, 0.99, 25)
    np.testing.assert_allclose(np.quantile(e, qs), np.quantile(t, qs), atol=0.03)


# ---------------------------------------------------------------- fills and autograd

def test_fill_zero():
    t = ember.ones(2, 3)
    assert t.fill_(2.5) is t
    np.testing.assert_array_equal(to_np(t), np.full((2, 3), 2.5, np.float32))
    v0 = t._version
    t.zero_()
    assert t._version > v0 and not to_np(t).any()
    i = ember.zeros(3, dtype=ember.int64).fill_(7)
    assert to_np(i).tolist() == [7, 7, 7]
    b = ember.zeros(2, dtype=ember.bool).fill_(True)
    assert to_np(b).tolist() == [True, True]
    with pytest.raises(TypeError, match=r"\[fill_\]"):
        t.fill_("x")


def test_inplace_fill_autograd():
    leaf = ember.ones(3, dtype=ember.float64, requires_grad=True)
    for op in (lambda: leaf.fill_(1), lambda: leaf.zero_(), lambda: leaf.normal_(),
               lambda: leaf.uniform_()):
        with pytest.raises(RuntimeError, match=r"leaf tensor that requires grad"):
            op()
    with ember.no_grad():
        leaf.fill_(2.0)  # allowed without grad mode
    assert to_np(leaf).tolist() == [2.0, 2.0, 2.0]
    # A non-leaf overwritten by fill_: the old history gets zero gradient.
    y = leaf * leaf
    y.fill_(3.0)
    assert y.grad_fn.name() == "FillBackward"
    ember.sum(y * leaf).backward()
    np.testing.assert_array_equal(to_np(leaf.grad), [3.0, 3.0, 3.0])


def test_inplace_fill_matches_torch():
    torch = pytest.importorskip("torch")
    x = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    tx = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    y, ty = x * x, tx * tx
    y.zero_()
    ty.zero_()
    ember.sum(y * x + x).backward()
    (ty * tx + tx).sum().backward()
    np.testing.assert_array_equal(to_np(x.grad), tx.grad.numpy())
