"""Hooks on multi-input layers called by other C++ layers: MultiheadAttention inside the
Transformer layers, layers inside TransformerEncoder / TransformerDecoder, the stacks inside
Transformer. Hooks see the positional tensors and the outputs as torch's do (compared with torch
in training mode, where torch runs no fused fast path)."""
import numpy as np
import pytest

import ember
import ember.nn as nn
from utils import to_np


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _pair(torch, make_t, make_e):
    torch.manual_seed(0)
    t = make_t()
    e = make_e()
    e.load_state_dict({k: v.detach().numpy() for k, v in t.state_dict().items()})
    return t, e


def _record(log, key):
    def hook(module, args, output):
        outs = output if isinstance(output, tuple) else (output,)
        log.append((key, [None if a is None else to_np(a) for a in args],
                    [None if o is None else to_np(o) for o in outs]))
    return hook


def _same_logs(tlog, elog):
    assert [k for k, _, _ in elog] == [k for k, _, _ in tlog]
    for (k, ta, to), (_, ea, eo) in zip(tlog, elog):
        for tv, ev in zip(ta + to, ea + eo):
            assert (tv is None) == (ev is None), k
            if tv is not None:
                np.testing.assert_allclose(ev, tv, rtol=1e-4, atol=1e-5, err_msg=k)
        assert (len(ea), len(eo)) == (len(ta), len(to)), k


def test_encoder_stack_hooks_see_what_torch_hooks_see():
    torch = pytest.importorskip("torch")
    mk = dict(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, batch_first=True)
    t, e = _pair(torch,
                 lambda: torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(**mk), 2,
                                                     enable_nested_tensor=False),
                 lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(**mk), 2))
    x = _rand(2, 5, 8)
    mask = np.triu(np.full((5, 5), -np.inf, np.float32), 1)
    logs = {}
    for model, key, lib in ((t, "t", torch), (e, "e", ember)):
        log = logs[key] = []
        for i in range(2):
            model.layers[i].register_forward_hook(_record(log, f"layers.{i}"))
            model.layers[i].self_attn.register_forward_hook(_record(log, f"layers.{i}.self_attn"))
        # replacing the query of the second layer's attention changes the result in both
        model.layers[1].self_attn.register_forward_pre_hook(
            lambda m, args: (args[0] * 0.5,) + tuple(args[1:]))
        xin = lib.from_numpy(x).requires_grad_()
        out = model(xin, mask=lib.from_numpy(mask))
        out.sum().backward()
        log.append(("out", [], [to_np(out), to_np(xin.grad)]))
    _same_logs(logs["t"], logs["e"])
    assert [len(a) for k, a, _ in logs["e"] if k.endswith("self_attn")] == [3, 3]


def test_decoder_and_transformer_hooks_see_what_torch_hooks_see():
    torch = pytest.importorskip("torch")
    mk = dict(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
              dim_feedforward=16, dropout=0.0, batch_first=True)
    t, e = _pair(torch, lambda: torch.nn.Transformer(**mk), lambda: nn.Transformer(**mk))
    src, tgt = _rand(2, 5, 8, seed=1), _rand(2, 3, 8, seed=2)
    logs = {}
    for model, key, lib in ((t, "t", torch), (e, "e", ember)):
        log = logs[key] = []
        for name in ("encoder", "decoder", "decoder.layers.0", "decoder.layers.0.self_attn",
                     "decoder.layers.0.multihead_attn"):
            model.get_submodule(name).register_forward_hook(_record(log, name))
        out = model(lib.from_numpy(src).requires_grad_(), lib.from_numpy(tgt))
        log.append(("out", [], [to_np(out)]))
    _same_logs(logs["t"], logs["e"])


def test_backward_hooks_on_attention_inside_a_layer_like_torch():
    torch = pytest.importorskip("torch")
    mk = dict(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, batch_first=True)
    t, e = _pair(torch, lambda: torch.nn.TransformerEncoderLayer(**mk),
                 lambda: nn.TransformerEncoderLayer(**mk))
    x = _rand(2, 4, 8, seed=3)
    seen = {}
    for model, key, lib in ((t, "t", torch), (e, "e", ember)):
        def hook(m, grad_input, grad_output, key=key):
            seen[key] = ([to_np(g) for g in grad_input], [g is None for g in grad_output])
            return tuple(g * 2 for g in grad_input)
        model.self_attn.register_full_backward_hook(hook)
        xin = lib.from_numpy(x).requires_grad_()
        model(xin).sum().backward()
        seen[key + "grad"] = to_np(xin.grad)
    assert len(seen["e"][0]) == 3 and seen["e"][1] == seen["t"][1]
    for eg, tg in zip(seen["e"][0], seen["t"][0]):
        np.testing.assert_allclose(eg, tg, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(seen["egrad"], seen["tgrad"], rtol=1e-4, atol=1e-5)


def test_hooked_attention_runs_unfused_at_inference():
    layer = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True).eval()
    x = ember.from_numpy(_rand(1, 4, 8, seed=4))
    with ember.no_grad():
        plain = to_np(layer(x))
        calls = []
        layer.self_attn.register_forward_hook(lambda m, a, o: calls.append(len(a)))
        np.testing.assert_allclose(to_np(layer(x)), plain, rtol=1e-5, atol=1e-6)
    assert calls == [3]


def test_bad_results_from_hooks_on_multi_input_calls():
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 1)
    x = ember.from_numpy(_rand(4, 2, 8, seed=5))
    attn = enc.layers[0].self_attn
    with attn.register_forward_hook(lambda m, a, o: o[0]):
        with pytest.raises(TypeError, match=r"\[MultiheadAttention\] a forward hook returned "
                           r"Tensor of length 4 where C\+\+ code .* expects a tuple of 2 tensors or None"):
            enc(x)
    with attn.register_forward_pre_hook(lambda m, a: a[:2]):
        with pytest.raises(TypeError, match=r"a forward pre-hook returned tuple of length 2 "
                           r"where .* expects a tuple of 3"):
            enc(x)
    with attn.register_forward_pre_hook(lambda m, a, k: (a, {"need_weights": True}),
                                        with_kwargs=True):
        with pytest.raises(TypeError, match="returned keyword arguments for a call from C"):
            enc(x)
    assert enc(x).shape == (4, 2, 8)  # the removed hooks leave it usable
