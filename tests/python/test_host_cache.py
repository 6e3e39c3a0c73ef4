"""The host allocator's cache of freed large blocks (csrc/ember/core/allocator.h): repeated
ops reuse mapped pages instead of faulting in fresh ones, reused memory never shows through
in results, and threads allocating at once are safe. (Limits and eviction: tests/cpp.)"""
import sys
import threading

import numpy as np
import pytest

import ember


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="page-fault counts: Linux getrusage")
def test_repeated_conv_output_does_not_fault_fresh_pages():
    resource = pytest.importorskip("resource")
    rng = np.random.default_rng(0)
    x = ember.from_numpy(rng.standard_normal((1, 3, 224, 224)).astype(np.float32))
    w = ember.from_numpy(rng.standard_normal((64, 3, 7, 7)).astype(np.float32))
    for _ in range(3):  # warm: scratch buffers, threads
        ember.conv2d(x, w, None, 2, 3)
    faults = []
    for _ in range(5):
        r0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        y = ember.conv2d(x, w, None, 2, 3)  # a 3.2 MB result: 784 pages
        del y
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - r0)
    # Before the cache every call faulted in all 784 pages of its output.
    assert min(faults) < 100, faults


def test_reused_blocks_do_not_leak_old_values():
    shape = (1024, 1024)  # 4 MiB: a cached block
    for v in (7.0, -3.5):
        a = ember.full(shape, v)
        del a
        z = ember.zeros(*shape)
        assert not np.any(z.numpy())
        del z
    o = ember.ones(*shape)
    assert np.all(o.numpy() == 1.0)


def test_threads_allocating_at_once():
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((256 + 32 * i, 512)).astype(np.float32) for i in range(4)]
    errors = []

    def work(a):
        try:
            ea = ember.from_numpy(a)
            for _ in range(60):
                r = ember.mul(ember.add(ea, 1.0), 2.0)  # two cached-size temporaries a call
                if not np.array_equal(r.numpy(), (a + 1.0) * 2.0):
                    errors.append("mismatch")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(repr(e))

    ts = [threading.Thread(target=work, args=(a,)) for a in arrays]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert errors == []
