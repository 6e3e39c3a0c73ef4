"""Shared helpers for ember's tests: NumPy conversion, random inputs, thread determinism."""
import numpy as np

import ember


def to_np(t):
    """A NumPy copy of an ember tensor (detached)."""
    return np.array(t.detach().numpy())


def tensor(a, requires_grad=False):
    """An ember tensor holding a copy of array a (dtype kept)."""
    t = ember.from_numpy(np.array(a))
    if requires_grad:
        t.requires_grad_()
    return t


def randn(*shape, dtype=np.float64, seed=0, requires_grad=False):
    rng = np.random.default_rng(seed)
    return tensor(rng.standard_normal(shape).astype(dtype), requires_grad)


def same_for_threads(fn, threads=(1, 2, 3)):
    """Runs fn() (returning a tensor, array or tuple of them) at each thread count and
    asserts the results are bitwise identical."""
    def as_arrays(out):
        out = out if isinstance(out, (tuple, list)) else (out,)
        return [to_np(o) if isinstance(o, ember.Tensor) else np.asarray(o) for o in out]

    old = ember.get_num_threads()
    try:
        results = []
        for n in threads:
            ember.set_num_threads(n)
            results.append(as_arrays(fn()))
    finally:
        ember.set_num_threads(old)
    for r in results[1:]:
        for a, b in zip(results[0], r):
            assert a.dtype == b.dtype and a.shape == b.shape
            assert a.tobytes() == b.tobytes(), "results differ across thread counts"
