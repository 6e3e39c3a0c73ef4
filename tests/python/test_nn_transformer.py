# MultiheadAttention and the Transformer layers (C++ ember::nn, bound in ember.nn) against
# torch.nn after load_state_dict: outputs, attention weights, gradients of inputs and of every
# parameter (float64, dropout off), state_dict names, dropout in training only, bad input.
import numpy as np
import pytest

import ember
import ember.nn as nn
from utils import to_np, same_for_threads

torch = pytest.importorskip("torch")

RTOL, ATOL = 1e-7, 1e-9


def sd_np(m):
    return {k: v.detach().numpy() for k, v in m.state_dict().items()}


def pair(em, tm, dtype=np.float64):
    """Puts torch's weights into em (after checking the state_dict names and shapes)."""
    assert list(em.state_dict().keys()) == list(tm.state_dict().keys())
    for (k, a), (_, b) in zip(em.state_dict().items(), tm.state_dict().items()):
        assert tuple(a.shape) == tuple(b.shape), k
    if dtype == np.float64:
        em.double()
        tm.double()
    em.load_state_dict(sd_np(tm))
    return em, tm


def conv(v, lib):
    if isinstance(v, np.ndarray):
        return ember.from_numpy(v.copy()) if lib == "ember" else torch.from_numpy(v.copy())
    return v


def check(em, tm, arrays, args, kwargs=None, dtype=np.float64, rtol=RTOL, atol=ATOL,
          seed=1):
    """Calls em / tm with args (indices into arrays: one tensor object per array, so repeated
    indices pass the same tensor, as in self-attention) and kwargs (arrays converted), then
    compares outputs (and attention weights) and gradients of inputs and parameters."""
    kwargs = kwargs or {}
    ex = [ember.from_numpy(a.astype(dtype)).requires_grad_() for a in arrays]
    tx = [torch.from_numpy(a.astype(dtype)).requires_grad_() for a in arrays]
    eo = em(*[ex[i] for i in args], **{k: conv(v, "ember") for k, v in kwargs.items()})
    to = tm(*[tx[i] for i in args], **{k: conv(v, "torch") for k, v in kwargs.items()})
    eo = eo if isinstance(eo, tuple) else (eo,)
    to = to if isinstance(to, tuple) else (to,)
    assert len(eo) == len(to)
    for a, b in zip(eo, to):
        assert (a is None) == (b is None)
        if a is not None:
            assert tuple(a.shape) == tuple(b.shape)
            np.testing.assert_allclose(to_np(a), b.detach().numpy(), rtol=rtol, atol=atol)
    g = np.random.default_rng(seed).standard_normal(tuple(to[0].shape)).astype(dtype)
    eo[0].backward(ember.from_numpy(g.copy()))
    to[0].backward(torch.from_numpy(g.copy()))
    for a, b in zip(ex, tx):
        np.testing.assert_allclose(to_np(a.grad), b.grad.numpy(), rtol=rtol, atol=atol * 10)
    tparams = dict(tm.named_parameters())
    for k, p in em.named_parameters():
        tg = tparams[k].grad
        if tg is None:
            assert p.grad is None or not np.any(to_np(p.grad)), k
        else:
            np.testing.assert_allclose(to_np(p.grad), tg.numpy(), rtol=rtol, atol=atol * 10,
                                       err_msg=k)
    return eo


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def mha_pair(*a, **k):
    torch.manual_seed(0)
    return pair(nn.MultiheadAttention(*a, **k), torch.nn.MultiheadAttention(*a, **k))


# ------------------------------------------------------------------ MultiheadAttention

def test_mha_state_dict_names_and_init():
    em = nn.MultiheadAttention(8, 2)
    assert list(em.state_dict()) == ["in_proj_weight", "in_proj_bias", "out_proj.weight",
                                     "out_proj.bias"]
    assert not np.any(to_np(em.in_proj_bias)) and not np.any(to_np(em.out_proj.bias))
    bound = np.sqrt(6.0 / (8 + 24))  # xavier_uniform on (3E, E)
    w = to_np(em.in_proj_weight)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.5 * bound
    em = nn.MultiheadAttention(8, 2, kdim=3, vdim=5, add_bias_kv=True, bias=False)
    tm = torch.nn.MultiheadAttention(8, 2, kdim=3, vdim=5, add_bias_kv=True, bias=False)
    assert list(em.state_dict()) == list(tm.state_dict())
    assert em.in_proj_weight is None and em.head_dim == 4 and not em._qkv_same_embed_dim


@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_mha_self_attention(need_weights, average):
    em, tm = mha_pair(8, 2)
    x = rand(5, 3, 8)
    check(em, tm, [x], [0, 0, 0], dict(need_weights=need_weights, average_attn_weights=average))


def test_mha_cross_attention_kdim_vdim_batch_first():
    em, tm = mha_pair(8, 4, kdim=6, vdim=3, batch_first=True)
    check(em, tm, [rand(2, 5, 8), rand(2, 7, 6, seed=1), rand(2, 7, 3, seed=2)], [0, 1, 2],
          dict(need_weights=False))
    em, tm = mha_pair(8, 2, batch_first=True)  # key is value: packed k/v projection
    check(em, tm, [rand(2, 5, 8), rand(2, 7, 8, seed=1)], [0, 1, 1])
    check(em, tm, [rand(2, 5, 8), rand(2, 7, 8, seed=1), rand(2, 7, 8, seed=2)], [0, 1, 2],
          dict(need_weights=False))


@pytest.mark.parametrize("bias_kv,zero_attn", [(True, False), (False, True), (True, True)])
def test_mha_bias_kv_zero_attn(bias_kv, zero_attn):
    em, tm = mha_pair(8, 2, add_bias_kv=bias_kv, add_zero_attn=zero_attn, bias=not zero_attn)
    kpm = np.zeros((3, 6), bool)
    kpm[1, 4:] = True
    mask = rand(5, 6, seed=3)
    for nw in (True, False):
        em.zero_grad()
        tm.zero_grad()
        check(em, tm, [rand(5, 3, 8), rand(6, 3, 8, seed=1)], [0, 1, 1],
              dict(key_padding_mask=kpm, attn_mask=mask, need_weights=nw))


def test_mha_masks():
    em, tm = mha_pair(8, 2)
    q, kv = rand(4, 3, 8), rand(6, 3, 8, seed=1)
    bool_mask = np.random.default_rng(5).random((4, 6)) < 0.3
    bool_mask[:, 0] = False  # every query sees at least one key (torch gives NaN otherwise)
    float_mask = rand(3 * 2, 4, 6, seed=6)
    kpm = np.zeros((3, 6), bool)
    kpm[0, 3:] = True
    kpm_f = np.where(kpm, -np.inf, 0.0)
    for kw in (dict(attn_mask=bool_mask), dict(attn_mask=float_mask),
               dict(key_padding_mask=kpm), dict(key_padding_mask=kpm_f, attn_mask=bool_mask),
               dict(key_padding_mask=kpm, attn_mask=float_mask, average_attn_weights=False)):
        for nw in (True, False):
            em.zero_grad()
            tm.zero_grad()
            check(em, tm, [q, kv], [0, 1, 1], dict(kw, need_weights=nw))


def test_mha_unbatched_and_causal():
    em, tm = mha_pair(8, 2, batch_first=True)
    kpm = np.array([False, False, False, True])
    check(em, tm, [rand(4, 8)], [0, 0, 0], dict(key_padding_mask=kpm))
    check(em, tm, [rand(4, 8)], [0, 0, 0], dict(attn_mask=rand(2, 4, 4), need_weights=False,
                                                 average_attn_weights=False))
    causal = np.triu(np.full((5, 5), -np.inf), 1)
    for nw in (True, False):
        em.zero_grad()
        tm.zero_grad()
        check(em, tm, [rand(2, 5, 8)], [0, 0, 0], dict(attn_mask=causal, is_causal=True,
                                                        need_weights=nw))
    # ember also takes is_causal without a mask (torch requires one).
    x = ember.from_numpy(rand(2, 5, 8))
    a = em(x, x, x, is_causal=True, need_weights=False)[0]
    b = em(x, x, x, attn_mask=ember.from_numpy(causal))[0]
    np.testing.assert_allclose(to_np(a), to_np(b), rtol=1e-12, atol=1e-12)


def test_mha_float32_and_threads():
    em, tm = mha_pair(16, 4, batch_first=True)
    em.float()
    tm.float()
    check(em, tm, [rand(2, 9, 16)], [0, 0, 0], dict(need_weights=False), dtype=np.float32,
          rtol=1e-4, atol=1e-5)
    x = ember.from_numpy(rand(2, 9, 16).astype(np.float32))
    same_for_threads(lambda: em(x, x, x)[0])


def test_mha_gradcheck():
    em = nn.MultiheadAttention(4, 2, add_bias_kv=True).double()
    q = ember.from_numpy(rand(3, 2, 4)).requires_grad_()
    k = ember.from_numpy(rand(4, 2, 4, seed=1)).requires_grad_()
    mask = ember.from_numpy(rand(3, 4, seed=2))
    for nw in (True, False):
        assert ember.autograd.gradcheck(
            lambda a, b: em(a, b, b, attn_mask=mask, need_weights=nw)[0], (q, k))


def test_mha_dropout_training_only():
    em = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = ember.from_numpy(rand(5, 2, 8).astype(np.float32))
    em.eval()
    a, b = em(x, x, x)[0], em(x, x, x)[0]
    assert np.array_equal(to_np(a), to_np(b))
    em.train()
    ember.manual_seed(0)
    c, w = em(x, x, x, average_attn_weights=False)
    assert (to_np(w) == 0).mean() > 0.2  # weights are dropped
    assert not np.allclose(to_np(c), to_np(a))


def test_mha_bad_input():
    with pytest.raises(ValueError, match=r"\[MultiheadAttention\].*divisible"):
        nn.MultiheadAttention(10, 3)
    em = nn.MultiheadAttention(8, 2, kdim=6, vdim=6)
    q, kv = ember.randn(4, 2, 8), ember.randn(5, 2, 6)
    with pytest.raises(ValueError, match=r"\[MultiheadAttention\].*kdim=6"):
        em(q, q, kv)
    with pytest.raises(ValueError, match=r"\[MultiheadAttention\].*same sequence length"):
        em(q, kv, ember.randn(4, 2, 6))
    with pytest.raises(ValueError, match=r"\[MultiheadAttention\].*batch size"):
        em(q, ember.randn(5, 3, 6), ember.randn(5, 3, 6))
    with pytest.raises(ValueError, match=r"\[MultiheadAttention\].*attn_mask of shape"):
        em(q, kv, kv, attn_mask=ember.zeros(4, 4))
    with pytest.raises(ValueError, match=r"\[MultiheadAttention\].*attn_mask of shape"):
        em(q, kv, kv, attn_mask=ember.zeros(3, 4, 5))
    with pytest.raises(ValueError, match=r"\[MultiheadAttention\].*key_padding_mask of shape"):
        em(q, kv, kv, key_padding_mask=ember.zeros(5, 2, dtype=ember.bool))
    with pytest.raises(TypeError, match=r"\[MultiheadAttention\].*attn_mask of dtype bool or float"):
        em(q, kv, kv, attn_mask=ember.zeros(4, 5, dtype=ember.int64))
    with pytest.raises(TypeError, match=r"\[MultiheadAttention\].*key_padding_mask"):
        em(q, kv, kv, key_padding_mask=ember.zeros(2, 5, dtype=ember.int64))
    with pytest.raises(ValueError, match=r"\[MultiheadAttention\].*embed_dim=8"):
        em(ember.randn(4, 2, 6), kv, kv)
    with pytest.raises(ValueError, match=r"\[MultiheadAttention\].*3 dims"):
        em(ember.randn(8), kv, kv)
    with pytest.raises(TypeError):  # query, key and value are all required
        em(q)


# ------------------------------------------------------------------ encoder / decoder layers

def layer_pair(cls, *a, **k):
    torch.manual_seed(0)
    em = getattr(nn, cls)(*a, **k)
    k = dict(k)
    if callable(k.get("activation")) and not isinstance(k["activation"], str):
        k["activation"] = torch.nn.functional.silu
    tm = getattr(torch.nn, cls)(*a, **k)
    em, tm = pair(em, tm)
    em.eval()
    tm.eval()
    return em, tm


@pytest.mark.parametrize("kw", [dict(), dict(activation="gelu", norm_first=True),
                                dict(activation=ember.nn.functional.silu, batch_first=True)])
def test_encoder_layer(kw):
    em, tm = layer_pair("TransformerEncoderLayer", 8, 2, dim_feedforward=16, dropout=0.0, **kw)
    kpm = np.zeros((3, 5), bool)
    kpm[2, 3:] = True
    shape = (3, 5, 8) if kw.get("batch_first") else (5, 3, 8)
    check(em, tm, [rand(*shape)], [0], dict(src_key_padding_mask=kpm))
    em.zero_grad()
    tm.zero_grad()
    check(em, tm, [rand(*shape, seed=2)], [0], dict(src_mask=rand(5, 5, seed=4)))


def test_encoder_layer_module_activation_and_unbatched():
    em, tm = layer_pair("TransformerEncoderLayer", 8, 2, dim_feedforward=16, dropout=0.0,
                        bias=False)
    check(em, tm, [rand(5, 8)], [0])
    torch.manual_seed(0)
    em, tm = pair(nn.TransformerEncoderLayer(8, 2, 16, 0.0, activation=nn.GELU("tanh")),
                  torch.nn.TransformerEncoderLayer(8, 2, 16, 0.0,
                                                   activation=torch.nn.GELU("tanh")))
    assert isinstance(em.activation, nn.GELU)  # a Module activation is a child, like torch
    check(em, tm, [rand(5, 2, 8)], [0])


@pytest.mark.parametrize("kw", [dict(), dict(norm_first=True, activation="gelu", batch_first=True)])
def test_decoder_layer(kw):
    em, tm = layer_pair("TransformerDecoderLayer", 8, 2, dim_feedforward=16, dropout=0.0, **kw)
    bf = kw.get("batch_first")
    tgt = rand(*((2, 4, 8) if bf else (4, 2, 8)))
    mem = rand(*((2, 6, 8) if bf else (6, 2, 8)), seed=1)
    causal = np.triu(np.full((4, 4), -np.inf), 1)
    mkpm = np.zeros((2, 6), bool)
    mkpm[1, 5] = True
    check(em, tm, [tgt, mem], [0, 1], dict(tgt_mask=causal, tgt_is_causal=True,
                                           memory_key_padding_mask=mkpm))
    em.zero_grad()
    tm.zero_grad()
    tkpm = np.zeros((2, 4), bool)
    tkpm[0, 3] = True
    check(em, tm, [tgt, mem], [0, 1], dict(tgt_key_padding_mask=tkpm,
                                           memory_mask=rand(4, 6, seed=3)))


def test_stacks_with_norm_and_state_dict_names():
    torch.manual_seed(0)
    tl = torch.nn.TransformerEncoderLayer(8, 2, 16, 0.0)
    tm = torch.nn.TransformerEncoder(tl, 2, norm=torch.nn.LayerNorm(8), enable_nested_tensor=False)
    em = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, 0.0), 2, norm=nn.LayerNorm(8))
    em, tm = pair(em, tm)
    assert "layers.1.self_attn.in_proj_weight" in em.state_dict()
    # clones are independent: the two layers hold different tensors
    assert em.layers[0].linear1.weight is not em.layers[1].linear1.weight
    causal = np.triu(np.full((5, 5), -np.inf), 1)
    check(em, tm, [rand(5, 2, 8)], [0], dict(mask=causal))  # causal mask detected
    tdl = torch.nn.TransformerDecoderLayer(8, 2, 16, 0.0, batch_first=True)
    tm = torch.nn.TransformerDecoder(tdl, 2, norm=torch.nn.LayerNorm(8))
    em = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, 0.0, batch_first=True), 2,
                               norm=nn.LayerNorm(8))
    em, tm = pair(em, tm)
    check(em, tm, [rand(2, 4, 8), rand(2, 3, 8, seed=1)], [0, 1],
          dict(tgt_mask=np.triu(np.full((4, 4), -np.inf), 1)))


def test_transformer():
    torch.manual_seed(0)
    kw = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1,
              dim_feedforward=16, dropout=0.0, batch_first=True)
    em, tm = pair(nn.Transformer(**kw), torch.nn.Transformer(**kw))
    mask = nn.Transformer.generate_square_subsequent_mask(4)
    np.testing.assert_array_equal(to_np(mask), np.triu(np.full((4, 4), -np.inf), 1))
    assert mask.dtype == ember.float32
    skpm = np.zeros((2, 5), bool)
    skpm[0, 4] = True
    check(em, tm, [rand(2, 5, 8), rand(2, 4, 8, seed=1)], [0, 1],
          dict(tgt_mask=to_np(mask).astype(np.float64), src_key_padding_mask=skpm,
               memory_key_padding_mask=skpm), atol=1e-8)
    # default init: xavier on every matrix
    w = to_np(nn.Transformer(**kw).encoder.layers[0].linear1.weight)
    assert np.abs(w).max() <= np.sqrt(6.0 / (8 + 16))


def test_dropout_active_only_in_training():
    em = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5)
    x = ember.from_numpy(rand(5, 2, 8).astype(np.float32))
    em.eval()
    with ember.no_grad():
        a, b = em(x), em(x)
    assert np.array_equal(to_np(a), to_np(b))
    em.train()
    ember.manual_seed(1)
    c = em(x)
    assert not np.allclose(to_np(c), to_np(a))


def test_encoder_layer_threads():
    em = nn.TransformerEncoderLayer(16, 4, 32, batch_first=True).eval()
    x = ember.from_numpy(rand(2, 7, 16).astype(np.float32))
    same_for_threads(lambda: em(x, is_causal=True))

    def fwd_bwd():
        xg = ember.from_numpy(rand(2, 7, 16).astype(np.float32)).requires_grad_()
        em.zero_grad()
        y = em(xg, src_key_padding_mask=ember.from_numpy(np.eye(2, 7, dtype=bool)))
        y.backward(ember.ones_like(y))
        return y, xg.grad, em.self_attn.in_proj_weight.grad, em.linear1.weight.grad
    same_for_threads(fwd_bwd)


@pytest.mark.parametrize("kw", [dict(batch_first=True), dict(norm_first=True),
                                dict(activation="gelu", batch_first=True)])
def test_encoder_layer_inference_fused(kw):
    # float32, enough rows for the small-M linear kernel: at inference the residual adds and
    # the relu run in the products' epilogues; same bits as the op-by-op path taken when a
    # gradient is needed, close to torch, same for any thread count.
    torch.manual_seed(0)
    tm = torch.nn.TransformerEncoderLayer(32, 4, 64, **kw).eval()
    em = nn.TransformerEncoderLayer(32, 4, 64, **kw).eval()
    em.load_state_dict(sd_np(tm))
    x = rand(*((2, 24, 32) if kw.get("batch_first") else (24, 2, 32))).astype(np.float32)
    with ember.no_grad():
        y = em(ember.from_numpy(x))
        same_for_threads(lambda: em(ember.from_numpy(x), is_causal=True,
                                    src_mask=nn.Transformer.generate_square_subsequent_mask(24)))
    xg = ember.from_numpy(x.copy()).requires_grad_()
    yg = em(xg)
    assert yg.requires_grad
    assert np.array_equal(to_np(y), to_np(yg))
    with torch.no_grad():
        ty = tm(torch.from_numpy(x))
    np.testing.assert_allclose(to_np(y), ty.numpy(), rtol=1e-4, atol=1e-5)
    yg.backward(ember.ones_like(yg))  # the grad path still differentiates
    assert xg.grad is not None and em.linear2.weight.grad is not None


def test_transformer_bad_input():
    with pytest.raises(ValueError, match=r"\[TransformerEncoderLayer\].*divisible"):
        nn.TransformerEncoderLayer(10, 3)
    with pytest.raises(ValueError, match=r"activation"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
    with pytest.raises(TypeError, match=r"activation"):
        nn.TransformerEncoderLayer(8, 2, activation=3)
    with pytest.raises(TypeError, match=r"\[TransformerEncoder\].*TransformerEncoderLayer"):
        nn.TransformerEncoder(nn.Linear(2, 2), 2)
    layer = nn.TransformerEncoderLayer(8, 2, 16)
    with pytest.raises(ValueError, match=r"\[TransformerEncoderLayer\].*src"):
        layer(ember.randn(5, 2, 6))
    with pytest.raises(ValueError, match=r"\[MultiheadAttention\].*attn_mask"):
        layer(ember.randn(5, 2, 8), src_mask=ember.zeros(4, 4))
    with pytest.raises(TypeError, match=r"\[MultiheadAttention\].*dtype"):
        layer(ember.randn(5, 2, 8), src_mask=ember.zeros(5, 5, dtype=ember.int64))
    tr = nn.Transformer(8, 2, 1, 1, 16)
    with pytest.raises(ValueError, match=r"\[Transformer\].*batch size"):
        tr(ember.randn(5, 2, 8), ember.randn(4, 3, 8))
    with pytest.raises(ValueError, match=r"\[Transformer\].*d_model=8"):
        tr(ember.randn(5, 2, 6), ember.randn(4, 2, 6))
