"""Recurrent layers (ember.nn.RNN / LSTM / GRU, cells) and ember.nn.utils.rnn: parity with
PyTorch after load_state_dict (outputs, final states, every gradient) over a sample of the
option combinations, packed / unbatched / batch_first input, state carried across calls,
dropout between layers, parameter names, init, and bad input."""
import numpy as np
import pytest

import ember
from ember.nn.utils import rnn as ru
from utils import same_for_threads, tensor, to_np

torch = pytest.importorskip("torch")
trnn = torch.nn.utils.rnn

IN, HID = 5, 6


def pair(cls, dtype="double", **kw):
    """A torch layer and an ember layer holding the same weights."""
    torch.manual_seed(0)
    t = getattr(torch.nn, cls)(IN, HID, **kw)
    e = getattr(ember.nn, cls)(IN, HID, **kw)
    t = t.double() if dtype == "double" else t
    e = e.double() if dtype == "double" else e
    e.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    return t, e


def both(a, requires_grad=True):
    tt = torch.tensor(a, requires_grad=requires_grad)
    return tt, tensor(a, requires_grad)


def flat_outputs(out):
    """(output, h_n) or (output, (h_n, c_n)) with a possibly packed output -> tensors."""
    y, h = out
    y = y.data if hasattr(y, "batch_sizes") else y
    return [y] + (list(h) if isinstance(h, tuple) else [h])


def check_parity(t, e, x, states=(), packed=None, atol=1e-10):
    """Runs both layers on x (and initial states), compares outputs, states and the
    gradients of x, the states and every parameter for one random cotangent."""
    rng = np.random.default_rng(1)
    xt, xe = both(x)
    st = [both(s) for s in states]
    hx_t = hx_e = None
    if st:
        hx_t = tuple(s[0] for s in st) if len(st) == 2 else st[0][0]
        hx_e = tuple(s[1] for s in st) if len(st) == 2 else st[0][1]
    in_t, in_e = xt, xe
    if packed is not None:
        lengths, batch_first, enforce_sorted = packed
        in_t = trnn.pack_padded_sequence(xt, lengths, batch_first=batch_first,
                                         enforce_sorted=enforce_sorted)
        in_e = ru.pack_padded_sequence(xe, lengths, batch_first=batch_first,
                                       enforce_sorted=enforce_sorted)
        np.testing.assert_array_equal(to_np(in_e.batch_sizes), in_t.batch_sizes.numpy())
    outs_t = flat_outputs(t(in_t, hx_t))
    outs_e = flat_outputs(e(in_e, hx_e))
    loss_t, loss_e = 0, 0
    for ot, oe in zip(outs_t, outs_e):
        assert tuple(oe.shape) == tuple(ot.shape)
        np.testing.assert_allclose(to_np(oe), ot.detach().numpy(), atol=atol, rtol=1e-6)
        w = rng.standard_normal(tuple(ot.shape))
        loss_t = loss_t + (ot * torch.tensor(w, dtype=ot.dtype)).sum()
        loss_e = loss_e + (oe * tensor(w.astype(to_np(oe).dtype))).sum()
    loss_t.backward()
    loss_e.backward()
    grads = [("input", xt, xe)] + [(f"state{i}", a, b) for i, (a, b) in enumerate(st)]
    params_e = dict(e.named_parameters())
    grads += [(k, p, params_e[k]) for k, p in t.named_parameters()]
    assert len(params_e) == len(list(t.parameters()))
    for name, a, b in grads:
        assert b.grad is not None, name
        np.testing.assert_allclose(to_np(b.grad), a.grad.numpy(), atol=atol * 10, rtol=1e-6,
                                   err_msg=name)


# ------------------------------------------------------------------ layer parity

CASES = [  # (class, constructor kwargs, shape (L, N), initial states given)
    ("LSTM", dict(), (4, 3), False),
    ("LSTM", dict(num_layers=2, bidirectional=True, proj_size=3, batch_first=True), (4, 3), True),
    ("LSTM", dict(num_layers=3, bias=False), (3, 2), True),
    ("GRU", dict(num_layers=2, bidirectional=True), (4, 3), True),
    ("GRU", dict(batch_first=True, bias=False), (5, 2), False),
    ("GRU", dict(num_layers=3, bidirectional=True, batch_first=True), (3, 2), False),
    ("RNN", dict(num_layers=3, bidirectional=True), (4, 2), False),
    ("RNN", dict(nonlinearity="relu", batch_first=True, num_layers=2), (4, 3), True),
]


def state_shapes(cls, kw, n):
    D = 2 if kw.get("bidirectional") else 1
    LD = kw.get("num_layers", 1) * D
    P = kw.get("proj_size", 0) or HID
    batch = () if n is None else (n,)
    shapes = [(LD,) + batch + (P,)]
    if cls == "LSTM":
        shapes.append((LD,) + batch + (HID,))
    return shapes


@pytest.mark.parametrize("cls,kw,LN,with_states", CASES)
def test_layer_parity(cls, kw, LN, with_states):
    t, e = pair(cls, **kw)
    L, N = LN
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, L, IN) if kw.get("batch_first") else (L, N, IN))
    states = [rng.standard_normal(s) for s in state_shapes(cls, kw, N)] if with_states else []
    check_parity(t, e, x, states)


@pytest.mark.parametrize("cls,kw,lengths,enforce_sorted,with_states", [
    ("LSTM", dict(num_layers=2, bidirectional=True, proj_size=3), [2, 5, 3, 5], False, True),
    ("LSTM", dict(batch_first=True), [5, 3, 3, 1], True, False),
    ("GRU", dict(bidirectional=True), [4, 4, 2], True, True),
    ("GRU", dict(num_layers=2, batch_first=True), [1, 5, 2], False, False),
    ("RNN", dict(bidirectional=True, batch_first=True, nonlinearity="relu"), [3, 5, 1], False,
     True),
])
def test_packed_parity(cls, kw, lengths, enforce_sorted, with_states):
    t, e = pair(cls, **kw)
    N, L = len(lengths), max(lengths) + 1  # one all-padding step at the end
    rng = np.random.default_rng(2)
    bf = kw.get("batch_first", False)
    x = rng.standard_normal((N, L, IN) if bf else (L, N, IN))
    states = [rng.standard_normal(s) for s in state_shapes(cls, kw, N)] if with_states else []
    check_parity(t, e, x, states, packed=(lengths, bf, enforce_sorted))


def test_packed_padding_never_matters():
    _, e = pair("LSTM", num_layers=2, bidirectional=True)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 3, IN))
    lengths = [5, 2, 4]
    x2 = x.copy()
    for b, n in enumerate(lengths):
        x2[n:, b] = 1e3  # garbage in the padding
    outs = []
    for a in (x, x2):
        xe = tensor(a, True)
        y, (h, c) = e(ru.pack_padded_sequence(xe, lengths, enforce_sorted=False))
        padded, lens = ru.pad_packed_sequence(y)
        (padded.sum() + h.sum() + c.sum()).backward()
        outs.append([to_np(padded), to_np(h), to_np(c)])
        g = to_np(xe.grad)
        for b, n in enumerate(lengths):
            assert np.all(g[n:, b] == 0)  # no gradient into padding
        assert to_np(lens).tolist() == lengths
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)
    for b, n in enumerate(lengths):
        assert np.all(outs[0][0][n:, b] == 0)


@pytest.mark.parametrize("cls,kw,with_states", [
    ("LSTM", dict(num_layers=2, bidirectional=True, proj_size=2), True),
    ("GRU", dict(batch_first=True), False),
    ("RNN", dict(), True),
])
def test_unbatched_parity(cls, kw, with_states):
    t, e = pair(cls, **kw)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((4, IN))
    states = [rng.standard_normal(s) for s in state_shapes(cls, kw, None)] if with_states else []
    check_parity(t, e, x, states)


def test_float32_parity_and_threads():
    t, e = pair("LSTM", dtype="float", num_layers=2, bidirectional=True)
    x = np.random.default_rng(5).standard_normal((6, 4, IN)).astype(np.float32)
    check_parity(t, e, x, atol=2e-5)

    def run():
        xe = tensor(x, True)
        y, (h, c) = e(xe)
        (y.sum() + h.sum()).backward()
        return y, h, c, xe.grad

    same_for_threads(run)


# ------------------------------------------------------------------ cells

@pytest.mark.parametrize("cls,kw", [("RNNCell", {}), ("RNNCell", dict(nonlinearity="relu")),
                                    ("LSTMCell", {}), ("GRUCell", dict(bias=False))])
@pytest.mark.parametrize("batched", [True, False])
def test_cell_parity(cls, kw, batched):
    torch.manual_seed(0)
    t = getattr(torch.nn, cls)(IN, HID, **kw).double()
    e = getattr(ember.nn, cls)(IN, HID, **kw).double()
    e.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    assert repr(e) == repr(t)
    rng = np.random.default_rng(6)
    b = (3,) if batched else ()
    xt, xe = both(rng.standard_normal(b + (IN,)))
    # Default (zero) state first, then a given state.
    o_t, o_e = t(xt), e(xe)
    o_t = o_t if isinstance(o_t, tuple) else (o_t,)
    o_e = o_e if isinstance(o_e, tuple) else (o_e,)
    for a, c in zip(o_t, o_e):
        np.testing.assert_allclose(to_np(c), a.detach().numpy(), atol=1e-12)
    states = [both(rng.standard_normal(b + (HID,))) for _ in range(2 if cls == "LSTMCell" else 1)]
    hx_t = tuple(s[0] for s in states) if cls == "LSTMCell" else states[0][0]
    hx_e = tuple(s[1] for s in states) if cls == "LSTMCell" else states[0][1]
    o_t, o_e = t(xt, hx_t), e(xe, hx_e)
    o_t = o_t if isinstance(o_t, tuple) else (o_t,)
    o_e = o_e if isinstance(o_e, tuple) else (o_e,)
    lt = sum((a * (i + 1)).sum() for i, a in enumerate(o_t))
    le = sum((a * (i + 1)).sum() for i, a in enumerate(o_e))
    lt.backward()
    le.backward()
    for a, c in zip(o_t, o_e):
        np.testing.assert_allclose(to_np(c), a.detach().numpy(), atol=1e-12)
    pairs = [(xt, xe)] + states + [(p, dict(e.named_parameters())[k])
                                   for k, p in t.named_parameters()]
    for a, c in pairs:
        np.testing.assert_allclose(to_np(c.grad), a.grad.numpy(), atol=1e-11)


# ------------------------------------------------------------------ state across calls

def test_state_carried_across_calls():
    _, e = pair("LSTM", num_layers=2)
    x = np.random.default_rng(7).standard_normal((6, 2, IN))
    y, (h, c) = e(tensor(x))
    y1, s1 = e(tensor(x[:3]))
    y2, (h2, c2) = e(tensor(x[3:]), s1)
    np.testing.assert_allclose(np.concatenate([to_np(y1), to_np(y2)]), to_np(y), atol=1e-13)
    np.testing.assert_allclose(to_np(h2), to_np(h), atol=1e-13)
    np.testing.assert_allclose(to_np(c2), to_np(c), atol=1e-13)
    # GRU with batch_first, same thing.
    _, g = pair("GRU", batch_first=True)
    xb = np.random.default_rng(8).standard_normal((2, 6, IN))
    y, h = g(tensor(xb))
    y1, h1 = g(tensor(xb[:, :4]))
    y2, h2 = g(tensor(xb[:, 4:]), h1)
    np.testing.assert_allclose(np.concatenate([to_np(y1), to_np(y2)], 1), to_np(y), atol=1e-13)
    np.testing.assert_allclose(to_np(h2), to_np(h), atol=1e-13)


def test_detach_cuts_the_graph():
    _, e = pair("LSTM")
    rng = np.random.default_rng(9)
    x1 = tensor(rng.standard_normal((3, 2, IN)), True)
    x2 = tensor(rng.standard_normal((3, 2, IN)), True)
    _, (h, c) = e(x1)
    y, _ = e(x2, (h.detach(), c.detach()))
    y.sum().backward()
    assert x1.grad is None and x2.grad is not None
    # Without detach the gradient reaches the first chunk.
    x1b = tensor(to_np(x1), True)
    _, s = e(x1b)
    y, _ = e(x2, s)
    y.sum().backward()
    assert x1b.grad is not None and np.abs(to_np(x1b.grad)).sum() > 0


# ------------------------------------------------------------------ dropout, names, init

def test_dropout_between_layers_only_in_training():
    t, e = pair("GRU", num_layers=2, dropout=1.0)
    x = np.random.default_rng(10).standard_normal((4, 2, IN))
    e.eval()
    t.eval()
    y_eval, _ = e(tensor(x))
    np.testing.assert_allclose(to_np(y_eval), t(torch.tensor(x))[0].detach().numpy(), atol=1e-12)
    e.train()
    y_train, h_train = e(tensor(x))
    # p=1 zeroes the input of layer 2 but never its output: layer 2 then runs on zeros.
    one = ember.nn.GRU(2 * 0 + HID, HID).double()
    sd = e.state_dict()
    one.load_state_dict({k.replace("_l1", "_l0"): v for k, v in sd.items() if "_l1" in k})
    y_ref, _ = one(ember.zeros(4, 2, HID, dtype=ember.float64))
    np.testing.assert_allclose(to_np(y_train), to_np(y_ref), atol=1e-12)
    assert np.abs(to_np(y_train)).sum() > 0
    # One layer: dropout has nothing to act on (PyTorch warns; same output in training).
    with pytest.warns(UserWarning):  # torch warns about dropout with one layer
        _, e1 = pair("LSTM", dropout=0.5)
    np.testing.assert_array_equal(to_np(e1(tensor(x))[0]), to_np(e1.eval()(tensor(x))[0]))


@pytest.mark.parametrize("cls,kw", [
    ("LSTM", dict(num_layers=2, bidirectional=True, proj_size=2, batch_first=True, dropout=0.25)),
    ("GRU", dict(num_layers=3, bias=False)),
    ("RNN", dict(nonlinearity="relu", bidirectional=True)),
])
def test_names_repr_and_init(cls, kw):
    t = getattr(torch.nn, cls)(IN, HID, **kw)
    e = getattr(ember.nn, cls)(IN, HID, **kw)
    assert list(e.state_dict().keys()) == list(t.state_dict().keys())
    assert [k for k, _ in e.named_parameters()] == [k for k, _ in t.named_parameters()]
    for (k, pe), pt in zip(e.state_dict().items(), t.state_dict().values()):
        assert tuple(pe.shape) == tuple(pt.shape), k
        a = to_np(pe)
        assert np.all(np.abs(a) <= 1 / np.sqrt(HID)) and a.std() > 0.1 / np.sqrt(HID), k
    assert repr(e) == repr(t)
    assert isinstance(e, ember.nn.RNNBase) and e.mode == t.mode
    for a in ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
              "bidirectional", "proj_size"):
        assert getattr(e, a) == getattr(t, a), a
    e.flatten_parameters()


def test_training_step_with_optimizer():
    e = ember.nn.LSTM(IN, HID, batch_first=True)
    head = ember.nn.Linear(HID, 3)
    opt = ember.optim.Adam(list(e.parameters()) + list(head.parameters()), lr=0.05)
    rng = np.random.default_rng(11)
    x = tensor(rng.standard_normal((8, 4, IN)).astype(np.float32))
    target = tensor(rng.integers(0, 3, 8))
    losses = []
    for _ in range(15):
        opt.zero_grad()
        y, _ = e(x)
        loss = ember.nn.functional.cross_entropy(head(y[:, -1]), target)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] * 0.5


# ------------------------------------------------------------------ utils.rnn

def test_pad_and_pack_sequence_match_torch():
    rng = np.random.default_rng(12)
    seqs = [rng.standard_normal((n, 2)) for n in (3, 5, 1)]
    for bf in (False, True):
        pe = ru.pad_sequence([tensor(s) for s in seqs], batch_first=bf, padding_value=-1.5)
        pt = trnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first=bf, padding_value=-1.5)
        np.testing.assert_array_equal(to_np(pe), pt.numpy())
    for es in (True, False):
        ss = sorted(seqs, key=len, reverse=True) if es else seqs
        qe = ru.pack_sequence([tensor(s) for s in ss], enforce_sorted=es)
        qt = trnn.pack_sequence([torch.tensor(s) for s in ss], enforce_sorted=es)
        assert isinstance(qe, ru.PackedSequence) and isinstance(qe, tuple)
        np.testing.assert_array_equal(to_np(qe.data), qt.data.numpy())
        np.testing.assert_array_equal(to_np(qe.batch_sizes), qt.batch_sizes.numpy())
        if es:
            assert qe.sorted_indices is None and qe.unsorted_indices is None
        else:
            np.testing.assert_array_equal(to_np(qe.sorted_indices), qt.sorted_indices.numpy())
            np.testing.assert_array_equal(to_np(qe.unsorted_indices), qt.unsorted_indices.numpy())
        padded, lens = ru.pad_packed_sequence(qe, batch_first=True, padding_value=7.0,
                                              total_length=6)
        tp, tl = trnn.pad_packed_sequence(qt, batch_first=True, padding_value=7.0, total_length=6)
        np.testing.assert_array_equal(to_np(padded), tp.numpy())
        np.testing.assert_array_equal(to_np(lens), tl.numpy())
        back = ru.unpack_sequence(qe)
        for a, b in zip(back, ss):
            np.testing.assert_array_equal(to_np(a), b)
    # lengths as an int64 tensor, like torch
    x = tensor(rng.standard_normal((4, 2, 3)))
    p = ru.pack_padded_sequence(x, ember.tensor([4, 2]))
    assert to_np(p.batch_sizes).tolist() == [2, 2, 1, 1]


def test_pack_pad_gradcheck():
    x = tensor(np.random.default_rng(13).standard_normal((4, 3, 2)), True)

    def fn(a):
        p = ru.pack_padded_sequence(a, [2, 4, 1], enforce_sorted=False)
        padded, _ = ru.pad_packed_sequence(p, batch_first=True, padding_value=0.5)
        return padded * padded

    assert ember.autograd.gradcheck(fn, [x])
    assert ember.autograd.gradcheck(lambda a, b: ru.pad_sequence([a, b], batch_first=True),
                                    [x[:, 0].detach().contiguous().requires_grad_(),
                                     x[:2, 1].detach().contiguous().requires_grad_()])



def test_pad_sequence_left():
    rng = np.random.default_rng(14)
    seqs = [rng.standard_normal((n, 2)) for n in (3, 5, 1)]
    # forward vs NumPy: each sequence ends at the last step, the padding comes first
    want = np.full((3, 5, 2), -2.0)
    for i, s in enumerate(seqs):
        want[i, 5 - len(s):] = s
    pe = ru.pad_sequence([tensor(s) for s in seqs], batch_first=True, padding_value=-2.0,
                         padding_side="left")
    np.testing.assert_array_equal(to_np(pe), want)
    # torch parity (both layouts), forward and gradients
    for bf in (False, True):
        es = [tensor(s, True) for s in seqs]
        ts = [torch.tensor(s, requires_grad=True) for s in seqs]
        pe = ru.pad_sequence(es, batch_first=bf, padding_value=0.5, padding_side="left")
        pt = trnn.pad_sequence(ts, batch_first=bf, padding_value=0.5, padding_side="left")
        np.testing.assert_array_equal(to_np(pe), pt.detach().numpy())
        w = rng.standard_normal(pt.shape)
        (pe * tensor(w)).sum().backward()
        (pt * torch.tensor(w)).sum().backward()
        for a, b in zip(es, ts):
            np.testing.assert_array_equal(to_np(a.grad), b.grad.numpy())
    # float64 finite differences
    x = tensor(rng.standard_normal((4, 2)), True)
    y = tensor(rng.standard_normal((2, 2)), True)
    assert ember.autograd.gradcheck(
        lambda a, b: ru.pad_sequence([a, b], padding_side="left") ** 2, [x, y])
    with pytest.raises(ValueError, match=r"\[pad_sequence\] expected padding_side 'left' or "
                                         r"'right', got 'up'"):
        ru.pad_sequence([ember.zeros(3, 2)], padding_side="up")


# ------------------------------------------------------------------ bad input

def test_bad_input_layers():
    e = ember.nn.LSTM(8, 4, num_layers=2)
    with pytest.raises(ValueError, match=r"\[LSTM\] expected input of size 8 in the last dim, "
                                         r"got \(5, 3, 7\)"):
        e(ember.zeros(5, 3, 7))
    with pytest.raises(ValueError, match=r"\[LSTM\] expected input of 3 dims .*got shape \(5,\)"):
        e(ember.zeros(5))
    with pytest.raises(ValueError, match=r"\[LSTM\] expected input of 3 dims"):
        e(ember.zeros(2, 5, 3, 8))
    with pytest.raises(ValueError, match=r"\[LSTM\] expected h_0 of shape \(2, 3, 4\), "
                                         r"got \(1, 3, 4\)"):
        e(ember.zeros(5, 3, 8), (ember.zeros(1, 3, 4), ember.zeros(2, 3, 4)))
    with pytest.raises(ValueError, match=r"\[LSTM\] expected c_0 of shape \(2, 3, 4\)"):
        e(ember.zeros(5, 3, 8), (ember.zeros(2, 3, 4), ember.zeros(2, 2, 4)))
    with pytest.raises(ValueError, match=r"\[LSTM\] expected h_0 of shape \(2, 4\)"):
        e(ember.zeros(5, 8), (ember.zeros(2, 1, 4), ember.zeros(2, 1, 4)))
    with pytest.raises(TypeError, match=r"\[LSTM\] expected hx to be a tuple"):
        e(ember.zeros(5, 3, 8), ember.zeros(2, 3, 4))
    with pytest.raises(TypeError, match=r"\[LSTM\] expected input of dtype float32 or float64"):
        e(ember.zeros(5, 3, 8, dtype=ember.int64))
    with pytest.raises(TypeError, match=r"\[LSTM\] expected input to be a Tensor or a "
                                        r"PackedSequence"):
        e([1.0, 2.0])
    with pytest.raises(ValueError, match=r"\[GRU\] expected h_0 of shape \(1, 3, 4\)"):
        ember.nn.GRU(8, 4)(ember.zeros(5, 3, 8), ember.zeros(1, 4))
    with pytest.raises(TypeError, match=r"\[GRU\] expected h_0 of dtype float32"):
        ember.nn.GRU(8, 4)(ember.zeros(5, 3, 8), ember.zeros(1, 3, 4, dtype=ember.float64))
    with pytest.raises(TypeError, match=r"\[GRU\] expected input of dtype float32 \(the "
                                        r"parameters'\), got float64"):
        ember.nn.GRU(8, 4)(ember.zeros(5, 3, 8, dtype=ember.float64))
    with pytest.raises(ValueError, match=r"\[GRU\] expected a sequence of at least 1 step"):
        ember.nn.GRU(8, 4)(ember.zeros(0, 3, 8))
    with pytest.raises(ValueError, match=r"\[RNN\] expected nonlinearity 'tanh' or 'relu', "
                                         r"got 'sigmoid'"):
        ember.nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(TypeError):
        ember.nn.GRU(3, 4, proj_size=2)  # like torch: GRU has no proj_size
    with pytest.raises(ValueError, match=r"\[LSTM\] expected proj_size < hidden_size"):
        ember.nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match=r"\[LSTM\] expected dropout in \[0, 1\]"):
        ember.nn.LSTM(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match=r"\[LSTM\] expected hidden_size > 0"):
        ember.nn.LSTM(3, 0)


def test_bad_input_packed_and_cells():
    x = ember.zeros(4, 3, 2)
    with pytest.raises(ValueError, match=r"\[pack_padded_sequence\] expected every length <= 4"):
        ru.pack_padded_sequence(x, [5, 2, 1])
    with pytest.raises(ValueError, match=r"\[pack_padded_sequence\] expected lengths sorted in "
                                         r"decreasing order when enforce_sorted=True"):
        ru.pack_padded_sequence(x, [2, 4, 1])
    with pytest.raises(ValueError, match=r"\[pack_padded_sequence\] expected every length >= 1"):
        ru.pack_padded_sequence(x, [4, 2, 0], enforce_sorted=False)
    with pytest.raises(ValueError, match=r"\[pack_padded_sequence\] expected 3 lengths"):
        ru.pack_padded_sequence(x, [4, 2])
    with pytest.raises(ValueError, match=r"\[pack_sequence\] expected at least one sequence"):
        ru.pack_sequence([])
    with pytest.raises(ValueError, match=r"\[pad_sequence\] expected every sequence to have "
                                         r"trailing dims \(2,\)"):
        ru.pad_sequence([ember.zeros(3, 2), ember.zeros(3, 4)])
    with pytest.raises(ValueError, match=r"\[pad_packed_sequence\] expected total_length >= "):
        ru.pad_packed_sequence(ru.pack_padded_sequence(x, [4, 2, 1]), total_length=3)
    p = ru.pack_padded_sequence(x, [4, 2, 1])
    with pytest.raises(ValueError, match=r"\[GRU\] expected packed data of shape \(sum of "
                                         r"lengths, 3\), got \(7, 2\)"):
        ember.nn.GRU(3, 4)(p)
    with pytest.raises(ValueError, match=r"\[GRU\] expected h_0 of shape \(1, 3, 4\)"):
        ember.nn.GRU(2, 4)(p, ember.zeros(1, 2, 4))
    cell = ember.nn.LSTMCell(3, 4)
    with pytest.raises(ValueError, match=r"\[LSTMCell\] expected input of size 3 in the last dim"):
        cell(ember.zeros(2, 5))
    with pytest.raises(ValueError, match=r"\[LSTMCell\] expected input of 2 dims"):
        cell(ember.zeros(1, 2, 3))
    with pytest.raises(ValueError, match=r"\[LSTMCell\] expected c_0 of shape \(2, 4\)"):
        cell(ember.zeros(2, 3), (ember.zeros(2, 4), ember.zeros(4)))
    with pytest.raises(ValueError, match=r"\[GRUCell\] expected hx of shape \(4,\)"):
        ember.nn.GRUCell(3, 4)(ember.zeros(3), ember.zeros(1, 4))


def test_python_subclass_and_module_tree():
    class Doubled(ember.nn.GRU):
        def forward(self, input, hx=None):
            y, h = super().forward(input, hx)
            return y * 2, h

    m = Doubled(IN, HID)
    x = tensor(np.random.default_rng(14).standard_normal((3, 2, IN)).astype(np.float32))
    y2, h2 = m(x)
    y1, h1 = ember.nn.GRU.forward(m, x)
    np.testing.assert_array_equal(to_np(y2), 2 * to_np(y1))
    assert "Doubled(5, 6)" == repr(m)

    class Net(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = ember.nn.LSTM(IN, HID, num_layers=2)
            self.cell = ember.nn.LSTMCell(IN, HID)

    names = [k for k, _ in Net().named_parameters()]
    assert names[0] == "rnn.weight_ih_l0" and names[-1] == "cell.bias_hh" and len(names) == 12


def test_layer_gradcheck_packed_bidirectional():
    e = ember.nn.LSTM(2, 3, num_layers=2, bidirectional=True, proj_size=2).double()
    x = tensor(np.random.default_rng(15).standard_normal((3, 2, 2)), True)
    h0 = tensor(np.random.default_rng(16).standard_normal((4, 2, 2)), True)

    def fn(a, h):
        y, (h_n, c_n) = e(ru.pack_padded_sequence(a, [1, 3], enforce_sorted=False),
                          (h, ember.zeros(4, 2, 3, dtype=ember.float64)))
        return ru.pad_packed_sequence(y)[0], h_n, c_n

    assert ember.autograd.gradcheck(fn, [x, h0])
