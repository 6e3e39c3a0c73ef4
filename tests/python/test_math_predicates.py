"""Predicates: isclose, isin, isposinf, isneginf, isreal, is_nonzero, is_same_size. Against
NumPy and torch, NaN / inf edge cases, int and bool inputs, bad input."""
import numpy as np
import pytest

import ember
from utils import same_for_threads, tensor, to_np


def test_isclose_matches_numpy_and_torch():
    torch = pytest.importorskip("torch")
    a = np.array([1.0, 1.0 + 1e-9, np.nan, np.inf, np.inf, -np.inf, 0.0, 1e-10, 100.0])
    b = np.array([1.0, 1.0, np.nan, np.inf, -np.inf, np.inf, 1e-9, 0.0, 100.001])
    for rtol, atol, equal_nan in ((1e-5, 1e-8, False), (1e-5, 1e-8, True), (0.0, 0.0, False),
                                  (1e-4, 0.0, True), (0.0, 1e-8, False)):
        out = ember.isclose(tensor(a), tensor(b), rtol=rtol, atol=atol, equal_nan=equal_nan)
        assert out.dtype == ember.bool
        expected = torch.isclose(torch.from_numpy(a), torch.from_numpy(b), rtol=rtol, atol=atol,
                                 equal_nan=equal_nan).numpy()
        np.testing.assert_array_equal(to_np(out), expected)
        np.testing.assert_array_equal(to_np(out), np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))
    # broadcasting, a method, ints and bools
    np.testing.assert_array_equal(to_np(tensor(a).isclose(tensor(np.array([1.0])))),
                                  np.isclose(a, 1.0))
    i = np.array([1, 2, 3])
    np.testing.assert_array_equal(to_np(ember.isclose(tensor(i), tensor(np.array([1, 3, 3])))),
                                  [True, False, True])
    np.testing.assert_array_equal(
        to_np(ember.isclose(tensor(np.array([True, False])), tensor(np.array([True, True])))),
        [True, False])
    # allclose shares the rule: inf and -inf are not close
    assert not ember.allclose(tensor(np.array([np.inf])), tensor(np.array([-np.inf])))
    with pytest.raises(ValueError, match=r"\[isclose\] expected non-negative rtol and atol"):
        ember.isclose(tensor(a), tensor(b), rtol=-1.0)


def test_isin():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    e = rng.integers(-10, 10, (4, 5))
    t = rng.integers(-5, 8, (7,))
    for invert in (False, True):
        out = ember.isin(tensor(e), tensor(t), invert=invert)
        assert out.dtype == ember.bool and out.shape == (4, 5)
        np.testing.assert_array_equal(to_np(out), np.isin(e, t, invert=invert))
        np.testing.assert_array_equal(to_np(tensor(e).isin(tensor(t), invert=invert)),
                                      np.isin(e, t, invert=invert))
    # floats, NaN never matches, -0.0 matches 0.0, mixed dtypes promote
    ef = np.array([0.0, -0.0, np.nan, 1.5, 2.0, np.inf])
    tf = np.array([[np.nan, 0.0], [2.0, np.inf]])
    np.testing.assert_array_equal(
        to_np(ember.isin(tensor(ef), tensor(tf))),
        torch.isin(torch.from_numpy(ef), torch.from_numpy(tf)).numpy())
    np.testing.assert_array_equal(to_np(ember.isin(tensor(ef), tensor(np.array([2])))),
                                  [False, False, False, False, True, False])
    np.testing.assert_array_equal(to_np(ember.isin(tensor(e), 3)), np.isin(e, 3))
    np.testing.assert_array_equal(to_np(ember.isin(tensor(e), tensor(np.array([], dtype=np.int64)))),
                                  np.zeros(e.shape, bool))
    big = tensor(rng.integers(0, 1000, 300_000))
    test = tensor(rng.integers(0, 1000, 500))
    same_for_threads(lambda: ember.isin(big, test))
    with pytest.raises(TypeError, match=r"\[isin\]"):
        ember.isin(tensor(e), "x")


def test_isposinf_isneginf_isreal():
    x = np.array([np.inf, -np.inf, np.nan, 0.0, 1e308], dtype=np.float32)
    np.testing.assert_array_equal(to_np(ember.isposinf(tensor(x))), np.isposinf(x))
    np.testing.assert_array_equal(to_np(ember.isneginf(tensor(x))), np.isneginf(x))
    np.testing.assert_array_equal(to_np(tensor(x).isposinf()), np.isposinf(x))
    np.testing.assert_array_equal(to_np(ember.isposinf(tensor(np.array([1, 2])))), [False, False])
    np.testing.assert_array_equal(to_np(ember.isreal(tensor(x))), np.ones(5, bool))
    assert ember.isreal(tensor(x)).dtype == ember.bool


def test_is_nonzero_and_is_same_size():
    assert ember.is_nonzero(tensor(np.array([2.0])))
    assert not tensor(np.array([0])).is_nonzero()
    with pytest.raises(RuntimeError, match="ambiguous"):
        ember.is_nonzero(tensor(np.array([1.0, 2.0])))
    a, b = tensor(np.ones((2, 3))), tensor(np.zeros((2, 3), dtype=np.int64))
    assert ember.is_same_size(a, b) and a.is_same_size(b)
    assert not a.is_same_size(tensor(np.ones((3, 2))))
