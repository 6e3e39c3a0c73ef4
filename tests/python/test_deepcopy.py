"""copy.deepcopy of tensors and modules: PyTorch's semantics (own copies of parameters,
buffers and children; tied weights stay tied; config, training flag and attributes kept)."""
import copy

import numpy as np
import pytest

import ember
import ember.nn as nn

from utils import to_np

R = np.random.default_rng(0)


def x_of(*shape):
    return ember.from_numpy(R.standard_normal(shape).astype(np.float32))


# Every C++ layer class bound in ember._C.nn: a factory and an input for forward (None: the
# layer is not called with one tensor here).
LAYERS = {
    "Sequential": (lambda: nn.Sequential(nn.Linear(3, 4), nn.ReLU()), (2, 3)),
    "ModuleList": (lambda: nn.ModuleList([nn.Linear(3, 4), nn.Tanh()]), None),
    "ModuleDict": (lambda: nn.ModuleDict({"a": nn.Linear(3, 4)}), None),
    "Identity": (lambda: nn.Identity(), (2, 3)),
    "Flatten": (lambda: nn.Flatten(), (2, 3, 4)),
    "Unflatten": (lambda: nn.Unflatten(1, (2, 3)), (2, 6)),
    "Linear": (lambda: nn.Linear(3, 4), (2, 3)),
    "Bilinear": (lambda: nn.Bilinear(3, 2, 4), None),
    "ReLU": (nn.ReLU, (2, 3)),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), (2, 3)),
    "ELU": (lambda: nn.ELU(0.5), (2, 3)),
    "GELU": (lambda: nn.GELU("tanh"), (2, 3)),
    "SiLU": (nn.SiLU, (2, 3)),
    "Tanh": (nn.Tanh, (2, 3)),
    "Sigmoid": (nn.Sigmoid, (2, 3)),
    "Softplus": (lambda: nn.Softplus(2.0), (2, 3)),
    "Softmax": (lambda: nn.Softmax(1), (2, 3)),
    "LogSoftmax": (lambda: nn.LogSoftmax(1), (2, 3)),
    "Dropout": (lambda: nn.Dropout(0.3).eval(), (2, 3)),
    "Hardtanh": (lambda: nn.Hardtanh(-0.5, 2.0), (2, 3)),
    "ReLU6": (nn.ReLU6, (2, 3)),
    "Hardsigmoid": (nn.Hardsigmoid, (2, 3)),
    "Hardswish": (nn.Hardswish, (2, 3)),
    "Mish": (nn.Mish, (2, 3)),
    "SELU": (nn.SELU, (2, 3)),
    "CELU": (lambda: nn.CELU(0.5), (2, 3)),
    "LogSigmoid": (nn.LogSigmoid, (2, 3)),
    "Softsign": (nn.Softsign, (2, 3)),
    "Tanhshrink": (nn.Tanhshrink, (2, 3)),
    "Hardshrink": (lambda: nn.Hardshrink(0.3), (2, 3)),
    "Softshrink": (lambda: nn.Softshrink(0.3), (2, 3)),
    "Threshold": (lambda: nn.Threshold(0.1, 2.0), (2, 3)),
    "Softmin": (lambda: nn.Softmin(1), (2, 3)),
    "Softmax2d": (nn.Softmax2d, (2, 3, 4)),
    "GLU": (lambda: nn.GLU(0), (2, 3)),
    "PReLU": (lambda: nn.PReLU(3, 0.1), (2, 3)),
    "Embedding": (lambda: nn.Embedding(5, 3, padding_idx=1), None),
    "LayerNorm": (lambda: nn.LayerNorm(3), (2, 3)),
    "RMSNorm": (lambda: nn.RMSNorm(3), (2, 3)),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(3), (4, 3)),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(3), (2, 3, 4, 4)),
    "CrossEntropyLoss": (lambda: nn.CrossEntropyLoss(label_smoothing=0.1), None),
    "NLLLoss": (nn.NLLLoss, None),
    "MSELoss": (lambda: nn.MSELoss(reduction="sum"), None),
    "CosineSimilarity": (lambda: nn.CosineSimilarity(dim=0, eps=1e-6), None),
    "PairwiseDistance": (lambda: nn.PairwiseDistance(p=3.0, keepdim=True), None),
    "L1Loss": (nn.L1Loss, None),
    "SmoothL1Loss": (lambda: nn.SmoothL1Loss(beta=0.5), None),
    "HuberLoss": (lambda: nn.HuberLoss(delta=2.0), None),
    "BCELoss": (nn.BCELoss, None),
    "BCEWithLogitsLoss": (nn.BCEWithLogitsLoss, None),
    "KLDivLoss": (lambda: nn.KLDivLoss(reduction="batchmean"), None),
    "MarginRankingLoss": (lambda: nn.MarginRankingLoss(margin=0.5), None),
    "HingeEmbeddingLoss": (lambda: nn.HingeEmbeddingLoss(margin=2.0), None),
    "CosineEmbeddingLoss": (lambda: nn.CosineEmbeddingLoss(margin=0.1), None),
    "SoftMarginLoss": (nn.SoftMarginLoss, None),
    "MultiLabelSoftMarginLoss": (nn.MultiLabelSoftMarginLoss, None),
    "MultiMarginLoss": (lambda: nn.MultiMarginLoss(p=2), None),
    "MultiLabelMarginLoss": (nn.MultiLabelMarginLoss, None),
    "TripletMarginLoss": (lambda: nn.TripletMarginLoss(swap=True), None),
    "PoissonNLLLoss": (lambda: nn.PoissonNLLLoss(full=True), None),
    "GaussianNLLLoss": (lambda: nn.GaussianNLLLoss(full=True), None),
    "CTCLoss": (lambda: nn.CTCLoss(blank=1), None),
    "Conv1d": (lambda: nn.Conv1d(2, 3, 3, padding=1), (1, 2, 5)),
    "Conv2d": (lambda: nn.Conv2d(2, 3, 3, stride=2, padding_mode="reflect", padding=1), (1, 2, 5, 5)),
    "ConvTranspose1d": (lambda: nn.ConvTranspose1d(2, 3, 3, stride=2), (1, 2, 5)),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(2, 3, 3, output_padding=1, stride=2), (1, 2, 4, 4)),
    "MaxPool1d": (lambda: nn.MaxPool1d(2), (1, 2, 6)),
    "MaxPool2d": (lambda: nn.MaxPool2d(2, ceil_mode=True), (1, 2, 5, 5)),
    "MaxUnpool1d": (lambda: nn.MaxUnpool1d(2), None),
    "MaxUnpool2d": (lambda: nn.MaxUnpool2d(2), None),
    "AvgPool1d": (lambda: nn.AvgPool1d(3, 2), (1, 2, 7)),
    "AvgPool2d": (lambda: nn.AvgPool2d(2, count_include_pad=False, padding=1), (1, 2, 5, 5)),
    "AdaptiveAvgPool1d": (lambda: nn.AdaptiveAvgPool1d(3), (1, 2, 7)),
    "AdaptiveAvgPool2d": (lambda: nn.AdaptiveAvgPool2d((2, 3)), (1, 2, 5, 5)),
    "AdaptiveMaxPool1d": (lambda: nn.AdaptiveMaxPool1d(3), (1, 2, 7)),
    "AdaptiveMaxPool2d": (lambda: nn.AdaptiveMaxPool2d(2), (1, 2, 5, 5)),
    "GroupNorm": (lambda: nn.GroupNorm(2, 4), (2, 4, 3)),
    "InstanceNorm1d": (lambda: nn.InstanceNorm1d(2, affine=True), (2, 2, 5)),
    "InstanceNorm2d": (lambda: nn.InstanceNorm2d(2, track_running_stats=True), (2, 2, 3, 3)),
    "Upsample": (lambda: nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True), (1, 2, 3, 3)),
    "PixelShuffle": (lambda: nn.PixelShuffle(2), (1, 4, 2, 2)),
    "PixelUnshuffle": (lambda: nn.PixelUnshuffle(2), (1, 1, 4, 4)),
    "Dropout2d": (lambda: nn.Dropout2d(0.5).eval(), (1, 2, 3, 3)),
    "ConstantPad1d": (lambda: nn.ConstantPad1d((1, 2), 3.5), (1, 2, 3)),
    "ConstantPad2d": (lambda: nn.ConstantPad2d(1, -1.0), (1, 2, 3, 3)),
    "ZeroPad1d": (lambda: nn.ZeroPad1d(2), (1, 2, 3)),
    "ZeroPad2d": (lambda: nn.ZeroPad2d((1, 0, 2, 1)), (1, 2, 3, 3)),
    "ReflectionPad1d": (lambda: nn.ReflectionPad1d(2), (1, 2, 4)),
    "ReflectionPad2d": (lambda: nn.ReflectionPad2d(1), (1, 2, 3, 3)),
    "ReplicationPad1d": (lambda: nn.ReplicationPad1d(2), (1, 2, 4)),
    "ReplicationPad2d": (lambda: nn.ReplicationPad2d(1), (1, 2, 3, 3)),
    "CircularPad1d": (lambda: nn.CircularPad1d(1), (1, 2, 4)),
    "CircularPad2d": (lambda: nn.CircularPad2d(1), (1, 2, 3, 3)),
    "RNNBase": None,  # no constructor (the base of RNN, LSTM, GRU)
    "RNN": (lambda: nn.RNN(3, 4, nonlinearity="relu", batch_first=True), None),
    "LSTM": (lambda: nn.LSTM(3, 4, 2, bidirectional=True, proj_size=2), None),
    "GRU": (lambda: nn.GRU(3, 4, bias=False), None),
    "RNNCellBase": None,  # no constructor (the base of the cells)
    "RNNCell": (lambda: nn.RNNCell(3, 4), (2, 3)),
    "LSTMCell": (lambda: nn.LSTMCell(3, 4), None),
    "GRUCell": (lambda: nn.GRUCell(3, 4), (2, 3)),
    "MultiheadAttention": (lambda: nn.MultiheadAttention(8, 2, kdim=4, vdim=6), None),
    "TransformerEncoderLayer": (lambda: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation="gelu", batch_first=True), (2, 3, 8)),
    "TransformerDecoderLayer": (lambda: nn.TransformerDecoderLayer(8, 2, 16, norm_first=True), None),
    "TransformerEncoder": (lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 2, norm=nn.LayerNorm(8)), (3, 2, 8)),
    "TransformerDecoder": (lambda: nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16), 2), None),
    "Transformer": (lambda: nn.Transformer(8, 2, 1, 1, 16), None),
    "RotaryEmbedding": (lambda: nn.RotaryEmbedding(4, 16), (1, 2, 3, 4)),
    "SinusoidalPositionalEncoding": (lambda: nn.SinusoidalPositionalEncoding(8, max_len=10, dropout=0.0), (3, 1, 8)),
    "Unfold": (lambda: nn.Unfold(2, padding=1), (1, 2, 3, 3)),
    "Fold": (lambda: nn.Fold(3, 2), (1, 8, 4)),
    "Dropout1d": (lambda: nn.Dropout1d(0.3).eval(), (2, 3, 4)),
    "Dropout3d": (lambda: nn.Dropout3d(0.3).eval(), (1, 2, 2, 2, 2)),
    "AlphaDropout": (lambda: nn.AlphaDropout(0.3).eval(), (2, 3)),
    "FeatureAlphaDropout": (lambda: nn.FeatureAlphaDropout(0.3).eval(), (2, 3, 4)),
    "RReLU": (lambda: nn.RReLU(0.1, 0.2).eval(), (2, 3)),
    "LocalResponseNorm": (lambda: nn.LocalResponseNorm(2), (2, 3, 4)),
    "ChannelShuffle": (lambda: nn.ChannelShuffle(2), (1, 4, 3)),
    "LPPool1d": (lambda: nn.LPPool1d(2.0, 2), (1, 2, 4)),
    "LPPool2d": (lambda: nn.LPPool2d(2.0, 2), (1, 2, 4, 4)),
    "UpsamplingNearest2d": (lambda: nn.UpsamplingNearest2d(scale_factor=2), (1, 2, 3, 3)),
    "UpsamplingBilinear2d": (lambda: nn.UpsamplingBilinear2d(size=(4, 5)), (1, 2, 3, 3)),
    "EmbeddingBag": (lambda: nn.EmbeddingBag(5, 3, mode="max"), None),
}


def test_table_covers_every_layer_class():
    bound = {n for n, c in vars(ember._C.nn).items()
             if isinstance(c, type) and issubclass(c, nn.Module) and not n.startswith("_")}
    assert bound - {"Module"} == set(LAYERS)


def assert_independent_copy(m, c):
    assert type(c) is type(m)
    assert repr(c) == repr(m)
    assert c.training == m.training
    sd, sc = m.state_dict(), c.state_dict()
    assert list(sd) == list(sc)
    for k in sd:
        np.testing.assert_array_equal(to_np(sc[k]), to_np(sd[k]))
        assert sc[k].data_ptr() != sd[k].data_ptr() or sd[k].numel() == 0, k
    for (n1, p1), (n2, p2) in zip(m.named_parameters(), c.named_parameters()):
        assert n1 == n2 and p1 is not p2
        assert isinstance(p2, nn.Parameter) and p2.requires_grad == p1.requires_grad
    assert [n for n, _ in m.named_modules()] == [n for n, _ in c.named_modules()]
    for (_, a), (_, b) in zip(m.named_modules(), c.named_modules()):
        assert a is not b and type(a) is type(b)


@pytest.mark.parametrize("name", sorted(k for k, v in LAYERS.items() if v is not None))
def test_deepcopy_every_layer(name):
    make, shape = LAYERS[name]
    m = make()
    c = copy.deepcopy(m)
    assert_independent_copy(m, c)
    if shape is not None:
        x = x_of(*shape)
        with ember.no_grad():
            np.testing.assert_array_equal(to_np(c(x)), to_np(m(x)))
    # Changing the copy leaves the original alone.
    with ember.no_grad():
        for p in c.parameters():
            p.fill_(7.0)
    for p in m.parameters():
        assert not np.all(to_np(p) == 7.0) or p.numel() == 0


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU())
        self.head = nn.Linear(4, 4)
        self.tied = nn.Linear(4, 4, bias=False)
        self.tied.weight = self.head.weight  # weight tying
        self.alias = self.body  # the same child twice
        self.register_buffer("scale", ember.full((4,), 2.0), persistent=False)
        self.register_parameter("unused", None)
        self.config = {"depth": [1, 2]}

    def forward(self, x):
        return self.tied(self.head(self.body(x))) * self.scale


def test_python_model_deepcopy_keeps_structure_and_sharing():
    m = Net()
    m(x_of(5, 3)).sum().backward()  # grads and BatchNorm running stats
    m.eval()
    c = copy.deepcopy(m)
    assert type(c) is Net and not c.training and not c.body[1].training
    assert_independent_copy(m, c)
    assert c.tied.weight is c.head.weight and c.head.weight is not m.head.weight
    assert c.alias is c.body
    assert c.unused is None and "unused" in dict(c._own_entries()[0])
    assert c.config == m.config and c.config["depth"] is not m.config["depth"]
    np.testing.assert_array_equal(to_np(c.scale), to_np(m.scale))
    assert "scale" not in c.state_dict()  # still non-persistent
    np.testing.assert_array_equal(to_np(c.head.weight.grad), to_np(m.head.weight.grad))
    assert c.head.weight.grad is not m.head.weight.grad
    x = x_of(6, 3)
    with ember.no_grad():
        np.testing.assert_array_equal(to_np(c(x)), to_np(m(x)))


def test_copy_trains_independently():
    m = nn.Sequential(nn.Linear(3, 2))
    c = copy.deepcopy(m)
    before = to_np(m[0].weight).copy()
    opt = ember.optim.SGD(c.parameters(), lr=0.5)
    c(x_of(4, 3)).sum().backward()
    opt.step()
    np.testing.assert_array_equal(to_np(m[0].weight), before)
    assert m[0].weight.grad is None
    assert not np.array_equal(to_np(c[0].weight), before)


def test_deepcopy_python_child_inside_cpp_container_and_activation_module():
    seq = nn.Sequential(Net(), nn.Linear(4, 2))
    c = copy.deepcopy(seq)
    assert type(c[0]) is Net and c[0] is not seq[0] and c[0].tied.weight is c[0].head.weight
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation=nn.GELU())
    lc = copy.deepcopy(layer)
    assert lc.activation is not layer.activation and type(lc.activation) is nn.GELU
    lc.activation = nn.Tanh()  # the copy runs its own child
    x = x_of(3, 1, 8)
    with ember.no_grad():
        assert not np.allclose(to_np(lc(x)), to_np(layer(x)))


def test_deepcopy_memo_shared_with_outside_references():
    m = nn.Linear(2, 2)
    c_m, c_w = copy.deepcopy([m, m.weight])
    assert c_w is c_m.weight


def test_tensor_deepcopy():
    t = ember.tensor([[1.0, 2.0]], requires_grad=True)
    (t * 3).sum().backward()
    c = copy.deepcopy(t)
    assert c.requires_grad and c.is_leaf and not c._is_parameter
    np.testing.assert_array_equal(to_np(c.grad), [[3.0, 3.0]])
    p = nn.Parameter(ember.ones(2), requires_grad=False)
    cp = copy.deepcopy(p)
    assert isinstance(cp, nn.Parameter) and not cp.requires_grad
    assert cp.data_ptr() != p.data_ptr()
    with pytest.raises(RuntimeError, match=r"\[deepcopy\].*leaves"):
        copy.deepcopy(t * 2)


def test_unsupported_subclass_raises():
    class MyLinear(nn.Linear):
        pass

    with pytest.raises(NotImplementedError, match=r"\[deepcopy\].*MyLinear.*Linear"):
        copy.deepcopy(MyLinear(2, 2))


def test_parity_with_torch_deepcopy():
    torch = pytest.importorskip("torch")
    tm = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True).eval()
    em = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True).eval()
    em.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    tc, ec = copy.deepcopy(tm), copy.deepcopy(em)
    assert list(tc.state_dict()) == list(ec.state_dict())
    x = R.standard_normal((2, 5, 8)).astype(np.float32)
    with torch.no_grad(), ember.no_grad():
        np.testing.assert_allclose(to_np(ec(ember.from_numpy(x))), tc(torch.from_numpy(x)).numpy(),
                                   rtol=1e-5, atol=1e-5)
