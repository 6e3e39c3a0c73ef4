"""Recurrent ops (ops/rnn.h): the fused layer (ember._C._rnn_layer) against the step-by-step
reference and PyTorch, the cells, gradients, bad input and thread determinism."""
import numpy as np
import pytest

import ember
from utils import same_for_threads, to_np

GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def make(mode, L, N, I, H, P=None, dtype=np.float64, bias=True, h0=False, c0=False, seed=0,
         requires_grad=True):
    """Random inputs for one layer-direction: dict of ember tensors (None where absent)."""
    P = P or H
    G = GATES[mode]
    rng = np.random.default_rng(seed)

    def t(*shape):
        a = ember.from_numpy((rng.standard_normal(shape) * 0.5).astype(dtype))
        return a.requires_grad_() if requires_grad else a

    return {
        "input": t(L, N, I), "h0": t(N, P) if h0 else None,
        "c0": t(N, H) if (c0 and mode == "LSTM") else None,
        "w_ih": t(G * H, I), "w_hh": t(G * H, P),
        "b_ih": t(G * H) if bias else None, "b_hh": t(G * H) if bias else None,
        "w_hr": t(P, H) if P != H else None,
    }


ORDER = ["input", "h0", "c0", "w_ih", "w_hh", "b_ih", "b_hh", "w_hr"]


def run(fn, mode, args, lengths=(), reverse=False):
    return fn(mode, *[args[k] for k in ORDER], list(lengths), reverse)


def weighted_backward(outs, seed):
    """Backward of a random weighted sum of all outputs."""
    rng = np.random.default_rng(seed)
    total = None
    for o in outs:
        w = ember.from_numpy(rng.standard_normal(o.shape).astype(to_np(o).dtype))
        s = (o * w).sum()
        total = s if total is None else total + s
    total.backward()


def loss_and_grads(fn, mode, args, lengths=(), reverse=False, seed=1):
    """Outputs, and the gradients of a random weighted sum of all outputs."""
    for v in args.values():
        if v is not None:
            v.grad = None
    outs = [o for o in run(fn, mode, args, lengths, reverse) if o is not None]
    weighted_backward(outs, seed)
    grads = {k: to_np(v.grad) for k, v in args.items() if v is not None}
    return [to_np(o) for o in outs], grads


CONFIGS = [  # (lengths, reverse, bias, h0/c0 given, proj)
    ((), False, True, False, False),
    ((), True, True, True, False),
    ((5, 5, 3, 1), False, False, True, False),
    ((5, 4, 2, 2), True, True, True, True),
    ((4, 4, 4, 2), False, True, False, True),
]


@pytest.mark.parametrize("mode", list(GATES))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_matches_reference(mode, dtype):
    tol = 1e-12 if dtype == np.float64 else 2e-5
    for lengths, reverse, bias, init, proj in CONFIGS:
        if proj and mode != "LSTM":
            continue
        args = make(mode, 5, 4, 3, 6, P=3 if proj else None, dtype=dtype, bias=bias, h0=init,
                    c0=init)
        out_f, g_f = loss_and_grads(ember._C._rnn_layer, mode, args, lengths, reverse)
        out_r, g_r = loss_and_grads(ember._C._rnn_layer_reference, mode, args, lengths, reverse)
        assert len(out_f) == len(out_r) == (3 if mode == "LSTM" else 2)
        for a, b in zip(out_f, out_r):
            assert a.dtype == dtype
            np.testing.assert_allclose(a, b, rtol=tol, atol=tol)
        assert g_f.keys() == g_r.keys()
        for k in g_f:
            np.testing.assert_allclose(g_f[k], g_r[k], rtol=tol * 10, atol=tol * 10, err_msg=k)


def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_layer(mode, x, h, c, w_ih, w_hh, b_ih, b_hh):
    """NumPy reference of one forward layer without lengths."""
    ys = []
    for t in range(x.shape[0]):
        gi = x[t] @ w_ih.T + b_ih
        gh = h @ w_hh.T + b_hh
        if mode == "LSTM":
            i, f, g, o = np.split(gi + gh, 4, axis=1)
            c = np_sigmoid(f) * c + np_sigmoid(i) * np.tanh(g)
            h = np_sigmoid(o) * np.tanh(c)
        elif mode == "GRU":
            ir, iz, in_ = np.split(gi, 3, axis=1)
            hr, hz, hn = np.split(gh, 3, axis=1)
            r, z = np_sigmoid(ir + hr), np_sigmoid(iz + hz)
            n = np.tanh(in_ + r * hn)
            h = (1 - z) * n + z * h
        elif mode == "RNN_TANH":
            h = np.tanh(gi + gh)
        else:
            h = np.maximum(gi + gh, 0)
        ys.append(h)
    return np.stack(ys), h, c


@pytest.mark.parametrize("mode", list(GATES))
def test_forward_vs_numpy(mode):
    args = make(mode, 4, 3, 5, 4, h0=True, c0=True, requires_grad=False)
    y, hn, cn = run(ember._C._rnn_layer, mode, args)
    n = {k: (to_np(v) if v is not None else None) for k, v in args.items()}
    c = n["c0"] if mode == "LSTM" else None
    ey, eh, ec = np_layer(mode, n["input"], n["h0"], c, n["w_ih"], n["w_hh"], n["b_ih"],
                          n["b_hh"])
    np.testing.assert_allclose(to_np(y), ey, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(to_np(hn), eh, rtol=1e-12, atol=1e-12)
    if mode == "LSTM":
        np.testing.assert_allclose(to_np(cn), ec, rtol=1e-12, atol=1e-12)
    else:
        assert cn is None


@pytest.mark.parametrize("mode", list(GATES))
def test_gradcheck(mode):
    proj = mode == "LSTM"
    args = make(mode, 3, 2, 2, 3, P=2 if proj else None, h0=True, c0=True, seed=3)
    if mode == "RNN_RELU":  # keep pre-activations away from the kink of relu
        with ember.no_grad():
            args["b_ih"].add_(1.0)
    keys = [k for k in ORDER if args[k] is not None]

    def fn(*ts):
        a = dict(zip(keys, ts))
        full = {k: a.get(k) for k in ORDER}
        return tuple(o for o in run(ember._C._rnn_layer, mode, full, (3, 2), mode == "GRU")
                     if o is not None)

    assert ember.autograd.gradcheck(fn, [args[k] for k in keys])


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_double_backward_through_the_reference(mode):
    # Under create_graph the fused node differentiates rnn_layer_reference.
    args = make(mode, 3, 2, 2, 2, h0=True, c0=True)
    keys = ["h0", "w_hh"]

    def fn(*ts):
        full = dict(args, **dict(zip(keys, ts)))
        return tuple(o for o in run(ember._C._rnn_layer, mode, full, (3, 2), mode == "GRU")
                     if o is not None)

    assert ember.autograd.gradgradcheck(fn, [args[k] for k in keys])
    (g,) = ember.autograd.grad(run(ember._C._rnn_layer, mode, args)[0].sum(), [args["w_hh"]])
    (gr,) = ember.autograd.grad(run(ember._C._rnn_layer_reference, mode, args)[0].sum(),
                                [args["w_hh"]])
    np.testing.assert_allclose(to_np(g), to_np(gr), rtol=1e-10)  # first order: fused kernel


# ---- PyTorch parity ---------------------------------------------------------------------

def torch_layer(torch, mode, I, H, proj, bias):
    kw = {"proj_size": proj} if proj else {}
    if mode == "LSTM":
        return torch.nn.LSTM(I, H, bias=bias, bidirectional=True, **kw).double()
    if mode == "GRU":
        return torch.nn.GRU(I, H, bias=bias, bidirectional=True).double()
    nl = "tanh" if mode == "RNN_TANH" else "relu"
    return torch.nn.RNN(I, H, nonlinearity=nl, bias=bias, bidirectional=True).double()


@pytest.mark.parametrize("mode,proj,bias,packed", [
    ("LSTM", 0, True, False), ("LSTM", 3, True, True), ("LSTM", 0, False, True),
    ("GRU", 0, True, False), ("GRU", 0, True, True), ("RNN_TANH", 0, True, True),
    ("RNN_RELU", 0, False, False),
])
def test_layer_vs_torch(mode, proj, bias, packed):
    """Both directions of a bidirectional torch layer: forward weights and _reverse weights
    (reverse=True), outputs, final states and every gradient."""
    torch = pytest.importorskip("torch")
    L, N, I, H = 5, 3, 4, 6
    P = proj or H
    torch.manual_seed(0)
    m = torch_layer(torch, mode, I, H, proj, bias)
    x = torch.randn(L, N, I, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(2, N, P, dtype=torch.float64, requires_grad=True)
    c0 = torch.randn(2, N, H, dtype=torch.float64, requires_grad=True)
    lengths = [5, 4, 2] if packed else []
    hx = (h0, c0) if mode == "LSTM" else h0
    if packed:
        xp = torch.nn.utils.rnn.pack_padded_sequence(x, lengths)
        yp, hn = m(xp, hx)
        y, _ = torch.nn.utils.rnn.pad_packed_sequence(yp, total_length=L)
    else:
        y, hn = m(x, hx)
    hn, cn = hn if mode == "LSTM" else (hn, None)
    rng = np.random.default_rng(5)
    wy = torch.from_numpy(rng.standard_normal(y.shape))
    wh = torch.from_numpy(rng.standard_normal(hn.shape))
    total = (y * wy).sum() + (hn * wh).sum()
    if cn is not None:
        wc = torch.from_numpy(rng.standard_normal(cn.shape))
        total = total + (cn * wc).sum()
    total.backward()

    def E(t):
        return ember.from_numpy(t.detach().numpy().copy()).requires_grad_()

    for d, sfx in enumerate(["", "_reverse"]):
        p = {n: E(getattr(m, n + "_l0" + sfx)) for n in
             ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if bias else [])
             + (["weight_hr"] if proj else [])}
        ex, eh0 = E(x), E(h0[d])
        ec0 = E(c0[d]) if mode == "LSTM" else None
        out = ember._C._rnn_layer(mode, ex, eh0, ec0, p["weight_ih"], p["weight_hh"],
                                  p.get("bias_ih"), p.get("bias_hh"), p.get("weight_hr"),
                                  lengths, d == 1)
        ey = to_np(out[0])
        np.testing.assert_allclose(ey, y.detach().numpy()[..., d * P:(d + 1) * P],
                                   rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(to_np(out[1]), hn.detach().numpy()[d], rtol=1e-10, atol=1e-10)
        et = (out[0] * ember.from_numpy(wy.numpy()[..., d * P:(d + 1) * P].copy())).sum() + \
            (out[1] * ember.from_numpy(wh.numpy()[d].copy())).sum()
        if mode == "LSTM":
            np.testing.assert_allclose(to_np(out[2]), cn.detach().numpy()[d], rtol=1e-10,
                                       atol=1e-10)
            et = et + (out[2] * ember.from_numpy(wc.numpy()[d].copy())).sum()
        et.backward()
        for n, t in p.items():
            np.testing.assert_allclose(to_np(t.grad), getattr(m, n + "_l0" + sfx).grad.numpy(),
                                       rtol=1e-9, atol=1e-9, err_msg=n + sfx)
        np.testing.assert_allclose(to_np(eh0.grad), h0.grad.numpy()[d], rtol=1e-9, atol=1e-9)
        if mode == "LSTM":
            np.testing.assert_allclose(to_np(ec0.grad), c0.grad.numpy()[d], rtol=1e-9, atol=1e-9)
        if d == 0:
            gx = to_np(ex.grad)
        else:
            gx = gx + to_np(ex.grad)
    np.testing.assert_allclose(gx, x.grad.numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", ["rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell"])
@pytest.mark.parametrize("batched", [True, False])
def test_cells_vs_torch(name, batched):
    torch = pytest.importorskip("torch")
    G = {"lstm_cell": 4, "gru_cell": 3}.get(name, 1)
    N, I, H = 3, 4, 5
    rng = np.random.default_rng(7)
    lead = (N,) if batched else ()
    arrs = [rng.standard_normal(s) * 0.5 for s in
            (lead + (I,), lead + (H,), lead + (H,), (G * H, I), (G * H, H), (G * H,), (G * H,))]
    tt = [torch.tensor(a, requires_grad=True) for a in arrs]
    et = [ember.from_numpy(a.copy()).requires_grad_() for a in arrs]
    if name == "lstm_cell":
        if not batched:  # torch.lstm_cell wants 2-D input; compare with a batch of one
            th, tc = torch.lstm_cell(tt[0][None], (tt[1][None], tt[2][None]), *tt[3:])
            th, tc = th[0], tc[0]
        else:
            th, tc = torch.lstm_cell(tt[0], (tt[1], tt[2]), *tt[3:])
        eh, ec = ember.lstm_cell(et[0], (et[1], et[2]), *et[3:])
        tout, eout = [th, tc], [eh, ec]
    else:
        f = getattr(torch, name)
        th = f(tt[0][None], tt[1][None], *tt[3:])[0] if not batched else f(tt[0], tt[1], *tt[3:])
        eout = [getattr(ember, name)(et[0], et[1], *et[3:])]
        tout = [th]
    tw = [torch.from_numpy(rng.standard_normal(o.shape)) for o in tout]
    sum((o * w).sum() for o, w in zip(tout, tw)).backward()
    total = None
    for o, w in zip(eout, tw):
        s = (o * ember.from_numpy(w.numpy().copy())).sum()
        total = s if total is None else total + s
    total.backward()
    for a, b in zip(eout, tout):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(to_np(a), b.detach().numpy(), rtol=1e-12, atol=1e-12)
    for i, (a, b) in enumerate(zip(et, tt)):
        if name != "lstm_cell" and i == 2:
            continue  # cx is unused
        np.testing.assert_allclose(to_np(a.grad), b.grad.numpy(), rtol=1e-10, atol=1e-10)


def test_cell_defaults_and_unbatched():
    args = make("GRU", 1, 2, 3, 4, requires_grad=False, bias=False)
    x, w_ih, w_hh = args["input"], args["w_ih"], args["w_hh"]
    h = ember.zeros((2, 4), dtype=ember.float64)
    out = ember.gru_cell(x[0], h, w_ih, w_hh)
    one = ember.gru_cell(x[0][1], h[1], w_ih, w_hh)
    assert tuple(out.shape) == (2, 4) and tuple(one.shape) == (4,)
    np.testing.assert_allclose(to_np(one), to_np(out)[1], rtol=1e-14, atol=1e-14)


# ---- bad input --------------------------------------------------------------------------

def test_bad_layer_input():
    a = make("LSTM", 4, 3, 5, 6, h0=True, c0=True, requires_grad=False)
    f = ember._C._rnn_layer

    def call(**kw):
        b = dict(a)
        lengths = kw.pop("lengths", [])
        mode = kw.pop("mode", "LSTM")
        b.update(kw)
        return f(mode, *[b[k] for k in ORDER], lengths, False)

    z = lambda *s: ember.zeros(s, dtype=ember.float64)  # noqa: E731
    with pytest.raises(ValueError, match=r"\[rnn_layer\] expected input of 3 dims"):
        call(input=z(4, 5))
    with pytest.raises(ValueError, match=r"\[rnn_layer\] expected w_ih of shape \(24, 7\)"):
        call(input=z(4, 3, 7))
    with pytest.raises(ValueError, match=r"\[rnn_layer\] expected h0 of shape \(3, 6\)"):
        call(h0=z(2, 6))
    with pytest.raises(ValueError, match=r"\[rnn_layer\] expected c0 of shape \(3, 6\)"):
        call(c0=z(3, 5))
    with pytest.raises(ValueError, match=r"\[rnn_layer\] expected lengths sorted"):
        call(lengths=[2, 4, 1])
    with pytest.raises(ValueError, match=r"\[rnn_layer\] expected lengths in \[1, 4\]"):
        call(lengths=[5, 4, 1])
    with pytest.raises(ValueError, match=r"\[rnn_layer\] expected lengths in \[1, 4\]"):
        call(lengths=[4, 2, 0])
    with pytest.raises(ValueError, match=r"\[rnn_layer\] expected one length per batch entry"):
        call(lengths=[4, 2])
    with pytest.raises(ValueError, match=r"\[rnn_layer\] expected a sequence of at least one"):
        call(input=z(0, 3, 5))
    with pytest.raises(ValueError, match=r"\[rnn_layer\] expected w_hh of shape \(24, 6\)"):
        call(w_hh=z(24, 5))
    with pytest.raises(ValueError, match=r"\[rnn_layer\] expected w_ih of shape"):
        call(w_ih=z(23, 5))
    with pytest.raises(ValueError, match=r"\[rnn_layer\] expected b_ih of shape \(24,\)"):
        call(b_ih=z(23))
    with pytest.raises(ValueError, match=r"\[rnn_layer\] c0 is only used by LSTM"):
        call(mode="GRU", w_ih=z(18, 5), w_hh=z(18, 6), b_ih=None, b_hh=None)
    with pytest.raises(ValueError, match=r"\[rnn_layer\] expected mode"):
        call(mode="lstm")
    with pytest.raises(TypeError, match=r"\[rnn_layer\] expected w_hh of dtype float64"):
        call(w_hh=ember.zeros((24, 6)))
    with pytest.raises(TypeError, match=r"\[rnn_layer\] expected a float32 or float64 input"):
        call(input=ember.zeros((4, 3, 5), dtype=ember.int64))


def test_bad_cell_input():
    a = make("LSTM", 1, 3, 5, 6, requires_grad=False)
    x, w_ih, w_hh = a["input"][0], a["w_ih"], a["w_hh"]
    h = ember.zeros((3, 6), dtype=ember.float64)
    with pytest.raises(ValueError, match=r"\[lstm_cell\] expected hx of shape \(3, 6\)"):
        ember.lstm_cell(x, (ember.zeros((2, 6), dtype=ember.float64), h), w_ih, w_hh)
    with pytest.raises(ValueError, match=r"\[lstm_cell\] expected cx of shape \(3, 6\)"):
        ember.lstm_cell(x, (h, ember.zeros((3, 5), dtype=ember.float64)), w_ih, w_hh)
    with pytest.raises(ValueError, match=r"\[lstm_cell\] expected hx as a pair"):
        ember.lstm_cell(x, (h,), w_ih, w_hh)
    with pytest.raises(ValueError, match=r"\[gru_cell\] expected w_ih of shape \(3\*hidden_size"):
        ember.gru_cell(x, h, w_ih[:10], w_hh)
    with pytest.raises(ValueError, match=r"\[rnn_tanh_cell\] expected input of 1 or 2 dims"):
        ember.rnn_tanh_cell(a["input"], h, w_ih[:6], w_hh[:6])
    with pytest.raises(ValueError, match=r"\[rnn_relu_cell\] expected w_ih of shape \(6, 5\)"):
        ember.rnn_relu_cell(x, h, ember.zeros((6, 4), dtype=ember.float64), w_hh[:6])


# ---- determinism ------------------------------------------------------------------------

@pytest.mark.parametrize("mode,N,P", [("LSTM", 64, None), ("GRU", 64, None), ("LSTM", 20, 24),
                                      ("RNN_TANH", 12, None)])
def test_same_for_threads(mode, N, P):
    # Sizes large enough that gate kernels, recurrent products and column sums split; batches
    # of 16+ rows split their rows (N = 20: uneven row chunks with partial 8-row tiles), smaller
    # ones each step's columns.
    args = make(mode, 4, N, 32, 128, P=P, dtype=np.float32, h0=True, c0=True, seed=9)
    lengths = sorted([4] * (N - N // 3) + [3] * (N // 4) + [1] * (N // 3 - N // 4), reverse=True)

    def fn():
        out, g = loss_and_grads(ember._C._rnn_layer, mode, args, lengths, mode == "GRU")
        return tuple(out) + tuple(g[k] for k in sorted(g))

    same_for_threads(fn)


@pytest.mark.parametrize("mode,H", [("LSTM", 40), ("LSTM", 64), ("GRU", 64), ("RNN_TANH", 96)])
def test_batch_of_one_and_float32_inference(mode, H):
    # H = 64, 96: the one-region step (product + gates per unit block) with the packed GEMV.
    args = make(mode, 6, 1, 8, H, dtype=np.float32, requires_grad=False, h0=True, c0=True)
    with ember.no_grad():
        out = run(ember._C._rnn_layer, mode, args)
    ref = run(ember._C._rnn_layer_reference, mode, args)
    for a, b in zip(out, ref):
        if b is not None:
            np.testing.assert_allclose(to_np(a), to_np(b), rtol=1e-4, atol=1e-4)
    assert not out[0].requires_grad


# The batch-of-one path (cpu/rnn_row.cpp): float32, weights read as given, the input side
# projected a block of 64 steps at a time (L = 70: two blocks), the hidden units split in
# two parts with 2+ threads when a step has enough work (these sizes do; H = 40: a part of
# 8 units, I = 70 / H = 40: row-dot tails).
ROW_CASES = [("LSTM", 70, 40), ("GRU", 80, 48), ("RNN_TANH", 100, 96), ("RNN_RELU", 100, 96)]


def row_args(mode, I, H, seed):
    """make()'s inputs with the weights scaled as PyTorch initialises them (std 0.5 weights
    make a 96-unit RNN chaotic: float32 rounding would grow over 70 steps)."""
    args = make(mode, 70, 1, I, H, dtype=np.float32, h0=True, c0=True, seed=seed)
    for k in ("w_ih", "w_hh"):
        args[k] = ember.from_numpy(to_np(args[k]) * np.float32(1 / np.sqrt(H))).requires_grad_()
    return args


@pytest.mark.parametrize("mode,I,H", ROW_CASES)
def test_batch_of_one_path_matches_reference(mode, I, H):
    for lengths, reverse in [((), False), ((), True), ((52,), False), ((67,), True)]:
        args = row_args(mode, I, H, seed=4)
        out_f, g_f = loss_and_grads(ember._C._rnn_layer, mode, args, lengths, reverse)
        out_r, g_r = loss_and_grads(ember._C._rnn_layer_reference, mode, args, lengths, reverse)
        for a, b in zip(out_f, out_r):
            np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-4)
        for k in g_r:
            np.testing.assert_allclose(g_f[k], g_r[k], rtol=1e-3, atol=1e-3, err_msg=k)
        if lengths:  # zeros past the length
            assert not out_f[0][lengths[0]:, 0].any()


@pytest.mark.parametrize("mode,I,H", ROW_CASES[:2])
def test_batch_of_one_path_same_for_threads(mode, I, H):
    args = row_args(mode, I, H, seed=5)

    def infer():
        with ember.no_grad():
            return tuple(o for o in run(ember._C._rnn_layer, mode, args, (60,), True)
                         if o is not None)

    def train():
        out, g = loss_and_grads(ember._C._rnn_layer, mode, args)
        return tuple(out) + tuple(g[k] for k in sorted(g))

    same_for_threads(infer)
    same_for_threads(train)


# ---- both directions at once -------------------------------------------------------------

W_ORDER = ["w_ih", "w_hh", "b_ih", "b_hh", "w_hr"]


def run_bidir(mode, args_f, args_b, lengths=()):
    return ember._C._rnn_layer_bidirectional(
        mode, args_f["input"], args_f["h0"], args_f["c0"], [args_f[k] for k in W_ORDER],
        args_b["h0"], args_b["c0"], [args_b[k] for k in W_ORDER], list(lengths))


def bidir_args(mode, L, N, I, H, P=None, dtype=np.float64, init=True, bias=True):
    args_f = make(mode, L, N, I, H, P=P, dtype=dtype, bias=bias, h0=init, c0=init, seed=21)
    args_b = make(mode, L, N, I, H, P=P, dtype=dtype, bias=bias, h0=init, c0=init, seed=22)
    args_b["input"] = args_f["input"]
    return args_f, args_b


def bidir_grads(outs, leaves, seed=3):
    for v in leaves:
        v.grad = None
    weighted_backward(outs, seed)
    return [to_np(o) for o in outs] + [to_np(v.grad) for v in leaves]


def leaves_of(args_f, args_b):
    return [args_f["input"]] + [a[k] for a in (args_f, args_b) for k in ORDER[1:]
                                if a[k] is not None]


@pytest.mark.parametrize("mode,lengths,proj,dtype", [
    ("LSTM", (), False, np.float32), ("LSTM", (5, 4, 2), True, np.float64),
    ("GRU", (5, 5, 1), False, np.float32), ("RNN_TANH", (), False, np.float64)])
def test_bidirectional_equals_two_layers(mode, lengths, proj, dtype):
    # Bitwise: the same kernels run, only concurrently.
    args_f, args_b = bidir_args(mode, 5, 3, 4, 6, P=4 if proj else None, dtype=dtype)
    leaves = leaves_of(args_f, args_b)
    got = bidir_grads([o for o in run_bidir(mode, args_f, args_b, lengths) if o is not None],
                      leaves)
    outs = [o for o in run(ember._C._rnn_layer, mode, args_f, lengths, False) if o is not None]
    outs += [o for o in run(ember._C._rnn_layer, mode, args_b, lengths, True) if o is not None]
    want = bidir_grads(outs, leaves)
    assert len(got) == len(want)
    for a, b in zip(got, want):
        assert a.dtype == dtype and a.tobytes() == b.tobytes()


def test_bidirectional_gradcheck_and_threads():
    args_f, args_b = bidir_args("LSTM", 3, 2, 3, 4)

    def fn(x, w_ih_f, w_hh_b):
        a_f, a_b = dict(args_f, input=x, w_ih=w_ih_f), dict(args_b, w_hh=w_hh_b)
        out = run_bidir("LSTM", a_f, a_b, (3, 2))
        return out[0] * out[3] + out[4].sum() * out[2].sum()

    assert ember.autograd.gradcheck(fn, [args_f["input"], args_f["w_ih"], args_b["w_hh"]])
    # Sizes where both the per-step products and the gate kernels split into chunks.
    args_f, args_b = bidir_args("LSTM", 4, 40, 16, 64, dtype=np.float32)
    leaves = leaves_of(args_f, args_b)
    same_for_threads(lambda: tuple(bidir_grads(
        [o for o in run_bidir("LSTM", args_f, args_b, [4] * 30 + [2] * 10)], leaves)))


def test_bidirectional_bad_input():
    args_f, _ = bidir_args("LSTM", 3, 2, 3, 4)
    _, args_b = bidir_args("LSTM", 3, 2, 3, 5)
    args_b["input"] = args_f["input"]
    with pytest.raises(ValueError, match=r"\[rnn_layer_bidirectional\] expected both directions "
                                         r"of the same hidden size"):
        run_bidir("LSTM", args_f, dict(args_b, h0=None, c0=None))
    with pytest.raises(ValueError, match=r"\[rnn_layer_bidirectional\] expected h0 of shape "
                                         r"\(2, 4\), got \(2, 5\)"):
        run_bidir("LSTM", args_f, dict(args_f, h0=ember.zeros((2, 5), dtype=ember.float64)))
    with pytest.raises(ValueError, match=r"\[rnn_layer_bidirectional\] expected 5 weights"):
        ember._C._rnn_layer_bidirectional("LSTM", args_f["input"], None, None, [None],
                                          None, None, [None], [])


def test_bidirectional_double_backward():
    args_f, args_b = bidir_args("LSTM", 2, 2, 1, 2)

    def fn(x):  # x feeds both directions
        return tuple(o for o in run_bidir("LSTM", dict(args_f, input=x), args_b, (2, 1))
                     if o is not None)

    assert ember.autograd.gradgradcheck(fn, [args_f["input"]])
