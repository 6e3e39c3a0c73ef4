"""Times ember against PyTorch (and NumPy where it applies) in the same process.

Each benchmarks/bench_<area>.py defines cases() returning a list of
(name, {"ember": fn, "torch": fn or None, "numpy": fn or None}) where each fn is a
zero-argument callable doing the work once (inputs prepared beforehand). The table shows
median times and ratio = torch_time / ember_time (above 1 means ember is faster).

    python benchmarks/run.py [FILTER ...] [--json out.json] [--repeat N] [--threads N]
"""
import argparse
import glob
import importlib.util
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def load_cases(filters):
    for path in sorted(glob.glob(os.path.join(HERE, "bench_*.py"))):
        spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for name, fns in mod.cases():
            if not filters or any(f in name for f in filters):
                yield name, fns


def calibrate(fn, min_time=0.05):
    """Warms fn up and returns how many calls one sample batches (so the timer resolves it)."""
    fn()  # warm up (allocations, lazy init)
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    return max(1, int(min_time / one / 5))


def sample(fn, inner):
    t0 = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - t0) / inner


def time_case(fns, repeat):
    """Median time per library. Samples alternate between the libraries (ember, torch, numpy,
    ember, ...) so drift in machine load hits every side alike, not whichever ran last."""
    fns = {k: f for k, f in fns.items() if f is not None}
    inner = {k: calibrate(f) for k, f in fns.items()}
    samples = {k: [] for k in fns}
    for _ in range(repeat):
        for k, f in fns.items():
            samples[k].append(sample(f, inner[k]))
    return {k: statistics.median(v) for k, v in samples.items()}


def fmt(t):
    if t is None:
        return "-"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
        if t >= scale:
            return f"{t / scale:.3g} {unit}"
    return f"{t * 1e9:.3g} ns"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("filters", nargs="*", help="run only cases whose name contains one of these")
    ap.add_argument("--json", help="also write the results to this JSON file")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--threads", type=int, default=None, help="threads for ember and torch")
    args = ap.parse_args()

    sys.path.insert(0, HERE)
    import ember
    if args.threads:
        ember.set_num_threads(args.threads)
    try:
        import torch
        torch.set_num_threads(args.threads or ember.get_num_threads())
    except ImportError:
        torch = None
    print(f"ember {ember.config()}  torch {torch.__version__ if torch else 'not installed'}")

    rows = []
    print(f"{'case':<44} {'ember':>10} {'torch':>10} {'numpy':>10} {'torch/ember':>12}")
    for name, fns in load_cases(args.filters):
        t = time_case(fns, args.repeat)
        ratio = t["torch"] / t["ember"] if t.get("torch") and t.get("ember") else None
        rows.append({"case": name, **{f"{k}_s": v for k, v in t.items()}, "ratio": ratio})
        r = f"{ratio:.2f}x" if ratio else "-"
        print(f"{name:<44} {fmt(t.get('ember')):>10} {fmt(t.get('torch')):>10} "
              f"{fmt(t.get('numpy')):>10} {r:>12}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
