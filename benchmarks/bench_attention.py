"""scaled_dot_product_attention: ember (flash-style fused kernel) vs PyTorch CPU SDPA, float32,
forward and forward+backward (gradients of q, k, v), causal and not; plus a decode step
(one query against a 2048-token KV cache). run.py prints times and torch/ember ratios.

Run this file directly for the peak-memory report: forward+backward at L = 1024, 2048, 4096
(N1 H8 D64), each in a fresh subprocess, peak RSS growth (ru_maxrss) for ember and torch:

    PYTHONPATH=build/dev-NAME/pkg python3 benchmarks/bench_attention.py [--memory]
"""
import os
import subprocess
import sys

import numpy as np

# (name, N, H, L, S, D)
SHAPES = [
    ("sdpa N1 H8 L1024 D64", 1, 8, 1024, 1024, 64),
    ("sdpa N1 H8 L4096 D64", 1, 8, 4096, 4096, 64),
    ("sdpa N4 H12 L512 D64", 4, 12, 512, 512, 64),
    ("sdpa decode L1 S2048 N1 H8 D64", 1, 8, 1, 2048, 64),
]


def cases():
    import ember
    try:
        import torch
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    out = []
    for name, n, h, L, S, d in SHAPES:
        q = rng.standard_normal((n, h, L, d)).astype(np.float32)
        k = rng.standard_normal((n, h, S, d)).astype(np.float32)
        v = rng.standard_normal((n, h, S, d)).astype(np.float32)
        g = rng.standard_normal((n, h, L, d)).astype(np.float32)
        for causal in (False, True):
            if causal and L == 1:
                continue  # a causal single query sees only key 0: not the decode workload
            tag = name + (" causal" if causal else "")
            eq, ek, ev, eg = (ember.from_numpy(a) for a in (q, k, v, g))
            fwd = {"ember": lambda eq=eq, ek=ek, ev=ev, c=causal:
                   ember.scaled_dot_product_attention(eq, ek, ev, is_causal=c),
                   "torch": None, "numpy": None}
            gq, gk, gv = (ember.from_numpy(a.copy()).requires_grad_() for a in (q, k, v))

            def e_fb(gq=gq, gk=gk, gv=gv, eg=eg, c=causal):
                gq.grad = gk.grad = gv.grad = None
                ember.scaled_dot_product_attention(gq, gk, gv, is_causal=c).backward(eg)

            fb = {"ember": e_fb, "torch": None, "numpy": None}
            if torch is not None:
                F = torch.nn.functional
                tq, tk, tv, tg = (torch.from_numpy(a) for a in (q, k, v, g))
                fwd["torch"] = lambda tq=tq, tk=tk, tv=tv, c=causal: \
                    F.scaled_dot_product_attention(tq, tk, tv, is_causal=c)
                hq, hk, hv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))

                def t_fb(hq=hq, hk=hk, hv=hv, tg=tg, c=causal):
                    hq.grad = hk.grad = hv.grad = None
                    F.scaled_dot_product_attention(hq, hk, hv, is_causal=c).backward(tg)

                fb["torch"] = t_fb
            out.append((tag + " fwd", fwd))
            out.append((tag + " fwd+bwd", fb))
    return out


_CHILD = r"""
import resource, sys
import numpy as np
lib, L = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(0)
arrs = [rng.standard_normal((1, 8, L, 64)).astype(np.float32) for _ in range(4)]
if lib == "ember":
    import ember as m
    f = m.scaled_dot_product_attention
    mk = lambda a, g: m.from_numpy(a).requires_grad_() if g else m.from_numpy(a)
else:
    import torch as m
    m.set_num_threads(int(sys.argv[3]))
    f = m.nn.functional.scaled_dot_product_attention
    mk = lambda a, g: m.from_numpy(a).requires_grad_(g)
q, k, v = (mk(a, True) for a in arrs[:3])
g = mk(arrs[3], False)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
f(q, k, v).backward(g)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((peak - base) / 1024.0)
"""


def memory_report(lengths=(1024, 2048, 4096)):
    """Peak RSS growth (MiB) of one forward+backward, ember vs torch, fresh process each."""
    threads = str(os.environ.get("OMP_NUM_THREADS", "2"))
    print(f"{'peak RSS growth fwd+bwd N1 H8 D64':<36} {'ember MiB':>10} {'torch MiB':>10}"
          f" {'L x L fp32 MiB (per head x 8)':>30}")
    for L in lengths:
        res = []
        for lib in ("ember", "torch"):
            try:
                r = subprocess.run([sys.executable, "-c", _CHILD, lib, str(L), threads],
                                   capture_output=True, text=True, timeout=300)
                res.append(float(r.stdout.strip().splitlines()[-1]))
            except Exception:  # torch missing or the child failed: report it as absent
                res.append(float("nan"))
        print(f"{'L=' + str(L):<36} {res[0]:>10.1f} {res[1]:>10.1f} {L * L * 4 * 8 / 2**20:>30.1f}")


if __name__ == "__main__":
    memory_report()
