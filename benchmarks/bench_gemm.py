"""GEMM and the matmul family: ember vs PyTorch (MKL) vs NumPy on float32.

GFLOP/s = 2*M*N*K / time; the run.py table shows times and the torch/ember ratio.
"""
import numpy as np


def cases():
    import ember
    try:
        import torch
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    out = []

    def add(name, a_shape, b_shape):
        a = rng.standard_normal(a_shape).astype(np.float32)
        b = rng.standard_normal(b_shape).astype(np.float32)
        ea, eb = ember.from_numpy(a), ember.from_numpy(b)
        fns = {"ember": lambda: ember.matmul(ea, eb), "numpy": lambda: a @ b, "torch": None}
        if torch is not None:
            ta, tb = torch.from_numpy(a), torch.from_numpy(b)
            fns["torch"] = lambda: torch.matmul(ta, tb)
        out.append((name, fns))

    for n in (64, 128, 256, 512, 1024, 2048):
        add(f"matmul {n}x{n}x{n}", (n, n), (n, n))
    add("matmul 1x512x512 (vector-matrix)", (1, 512), (512, 512))
    add("matmul 64x4096x1024", (64, 1024), (1024, 4096))
    add("bmm 32x(128x64x128)", (32, 128, 64), (32, 64, 128))

    # Linear layer forward: x (M, K) @ W^T (W is (N, K)) + b. The small-M ones (transformer
    # inference, 64 tokens) take the kernel that reads W in place.
    def add_linear(m, k, n):
        x = rng.standard_normal((m, k)).astype(np.float32)
        w = rng.standard_normal((n, k)).astype(np.float32)
        bias = rng.standard_normal(n).astype(np.float32)
        ex, ew, eb = ember.from_numpy(x), ember.from_numpy(w), ember.from_numpy(bias)
        fns = {"ember": lambda: ember.linear(ex, ew, eb), "numpy": lambda: x @ w.T + bias,
               "torch": None}
        if torch is not None:
            tx, tw, tbias = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(bias)
            fns["torch"] = lambda: torch.nn.functional.linear(tx, tw, tbias)
        out.append((f"linear {m}x{k} -> {n} (+bias)", fns))

    add_linear(256, 1024, 1024)
    add_linear(64, 256, 768)
    add_linear(64, 1024, 256)
    return out


FLOPS = {}


def gflops(name, seconds):
    """GFLOP/s of a case given its median time (used by the __main__ summary)."""
    return FLOPS[name] / seconds * 1e-9 if name in FLOPS else None


def _flops():
    for n in (64, 128, 256, 512, 1024, 2048):
        FLOPS[f"matmul {n}x{n}x{n}"] = 2 * n ** 3
    FLOPS["matmul 1x512x512 (vector-matrix)"] = 2 * 512 * 512
    FLOPS["matmul 64x4096x1024"] = 2 * 64 * 4096 * 1024
    FLOPS["bmm 32x(128x64x128)"] = 2 * 32 * 128 * 64 * 128
    for m, k, n in ((256, 1024, 1024), (64, 256, 768), (64, 1024, 256)):
        FLOPS[f"linear {m}x{k} -> {n} (+bias)"] = 2 * m * k * n


_flops()

def best_time(fn, repeat, min_time=0.02):
    """Fastest of `repeat` timings (each batching enough calls to last min_time): on a
    shared, loaded machine the minimum is the least disturbed measurement."""
    import time
    fn()
    t0 = time.perf_counter()
    fn()
    inner = max(1, int(min_time / max(time.perf_counter() - t0, 1e-7)))
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        best = min(best, (time.perf_counter() - t0) / inner)
    return best


if __name__ == "__main__":
    # python benchmarks/bench_gemm.py [--threads N] [--repeat R]: best-of-R GFLOP/s per case.
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    import ember
    if args.threads:
        ember.set_num_threads(args.threads)
    try:
        import torch
        torch.set_num_threads(args.threads or ember.get_num_threads())
    except ImportError:
        torch = None
    print(f"threads={ember.get_num_threads()} isa={ember.config()['isa']} (best of {args.repeat})")
    print(f"{'case':<36} {'ember GF/s':>11} {'torch GF/s':>11} {'ratio':>7}")
    for name, fns in cases():
        te = best_time(fns["ember"], args.repeat)
        tt = best_time(fns["torch"], args.repeat) if fns.get("torch") else None
        ge, gt = gflops(name, te), (gflops(name, tt) if tt else None)
        print(f"{name:<36} {ge:>11.1f} {gt if gt else float('nan'):>11.1f} "
              f"{(tt / te) if tt else float('nan'):>7.2f}", flush=True)
