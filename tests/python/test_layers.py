# Standard layers (C++ ember::nn, bound in ember.nn) against torch.nn: state_dict keys and
# shapes, repr, forward and gradients after loading torch's state_dict (float32 and float64),
# train/eval behaviour, default initialisation, bad input, and a small MLP training run.
import math

import numpy as np
import pytest

import ember
import ember.nn as nn
from utils import to_np

torch = pytest.importorskip("torch")


def sd_np(m):
    return {k: v.detach().numpy() for k, v in m.state_dict().items()}


def check_layer(em, tm, shapes, dtype=np.float32, rtol=1e-5, atol=1e-6, int_input=None):
    """Loads tm's state into em; compares state_dict keys, repr, forward and gradients."""
    assert list(em.state_dict().keys()) == list(tm.state_dict().keys())
    for (k, a), (_, b) in zip(em.state_dict().items(), tm.state_dict().items()):
        assert tuple(a.shape) == tuple(b.shape), k
    assert repr(em) == repr(tm)
    if dtype == np.float64:
        em.double()
        tm.double()
    em.load_state_dict(sd_np(tm))
    rng = np.random.default_rng(0)
    if int_input is not None:
        xs = [int_input]
        ex = [ember.from_numpy(int_input.copy())]
        tx = [torch.from_numpy(int_input.copy())]
    else:
        xs = [rng.standard_normal(s).astype(dtype) for s in shapes]
        ex = [ember.from_numpy(x.copy()).requires_grad_() for x in xs]
        tx = [torch.from_numpy(x.copy()).requires_grad_() for x in xs]
    ey, ty = em(*ex), tm(*tx)
    np.testing.assert_allclose(to_np(ey), ty.detach().numpy(), rtol=rtol, atol=atol)
    g = rng.standard_normal(ty.shape).astype(dtype)
    ey.backward(ember.from_numpy(g.copy()))
    ty.backward(torch.from_numpy(g.copy()))
    if int_input is None:
        for a, b in zip(ex, tx):
            np.testing.assert_allclose(to_np(a.grad), b.grad.numpy(), rtol=rtol, atol=atol)
    tparams = dict(tm.named_parameters())
    for k, p in em.named_parameters():
        if tparams[k].grad is not None:
            np.testing.assert_allclose(to_np(p.grad), tparams[k].grad.numpy(), rtol=rtol,
                                       atol=atol * 10, err_msg=k)


LAYERS = [
    ("Linear", lambda m: m.Linear(5, 3), [(4, 5)]),
    ("Linear_nobias", lambda m: m.Linear(5, 3, bias=False), [(2, 4, 5)]),
    ("Bilinear", lambda m: m.Bilinear(3, 4, 2), [(5, 3), (5, 4)]),
    ("Bilinear_nobias", lambda m: m.Bilinear(3, 4, 2, bias=False), [(2, 5, 3), (2, 5, 4)]),
    ("ReLU", lambda m: m.ReLU(), [(4, 6)]),
    ("LeakyReLU", lambda m: m.LeakyReLU(0.2), [(4, 6)]),
    ("ELU", lambda m: m.ELU(alpha=0.7), [(4, 6)]),
    ("GELU", lambda m: m.GELU(), [(4, 6)]),
    ("GELU_tanh", lambda m: m.GELU(approximate="tanh"), [(4, 6)]),
    ("SiLU", lambda m: m.SiLU(), [(4, 6)]),
    ("Tanh", lambda m: m.Tanh(), [(4, 6)]),
    ("Sigmoid", lambda m: m.Sigmoid(), [(4, 6)]),
    ("Softplus", lambda m: m.Softplus(beta=2.0, threshold=1.0), [(4, 6)]),
    ("Softmax", lambda m: m.Softmax(dim=1), [(4, 6)]),
    ("LogSoftmax", lambda m: m.LogSoftmax(dim=-1), [(3, 4, 6)]),
    ("LayerNorm", lambda m: m.LayerNorm(6), [(4, 6)]),
    ("LayerNorm2", lambda m: m.LayerNorm([3, 6], eps=1e-3, bias=False), [(2, 3, 6)]),
    ("LayerNorm_noaffine", lambda m: m.LayerNorm(6, elementwise_affine=False), [(4, 6)]),
    ("RMSNorm", lambda m: m.RMSNorm(6), [(4, 6)]),
    ("RMSNorm_eps", lambda m: m.RMSNorm([2, 6], eps=1e-4), [(3, 2, 6)]),
    ("BatchNorm1d", lambda m: m.BatchNorm1d(6), [(8, 6)]),
    ("BatchNorm1d_3d", lambda m: m.BatchNorm1d(3, momentum=None), [(4, 3, 5)]),
    ("BatchNorm2d", lambda m: m.BatchNorm2d(3, affine=False), [(2, 3, 4, 5)]),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,make,shapes", LAYERS, ids=[x[0] for x in LAYERS])
def test_layer_matches_torch(name, make, shapes, dtype):
    em, tm = make(nn), make(torch.nn)
    rtol = 1e-5 if dtype == np.float32 else 1e-10
    check_layer(em, tm, shapes, dtype, rtol=rtol, atol=1e-5 if dtype == np.float32 else 1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_embedding_matches_torch(dtype):
    idx = np.array([[1, 2, 0], [9, 2, 2]], dtype=np.int64)
    em, tm = nn.Embedding(10, 4, padding_idx=2), torch.nn.Embedding(10, 4, padding_idx=2)
    check_layer(em, tm, None, dtype, int_input=idx, rtol=1e-6)
    w = to_np(em.weight.grad)
    assert np.all(w[2] == 0)  # padding row gets no gradient


def test_inplace_activations_match_torch():
    x = np.random.default_rng(1).standard_normal((3, 7)).astype(np.float32)
    for make in (lambda m: m.ReLU(inplace=True), lambda m: m.LeakyReLU(0.1, inplace=True),
                 lambda m: m.ELU(0.5, inplace=True)):
        em, tm = make(nn), make(torch.nn)
        assert repr(em) == repr(tm)
        ex, tx = ember.from_numpy(x.copy()), torch.from_numpy(x.copy())
        ey = em(ex)
        tm(tx)
        np.testing.assert_allclose(to_np(ex), tx.numpy(), rtol=1e-6)
        assert ey._is_same(ex)
        # through autograd: in-place on a non-leaf
        a = ember.from_numpy(x.copy()).requires_grad_()
        b = torch.from_numpy(x.copy()).requires_grad_()
        em(a * 2).sum().backward()
        tm(b * 2).sum().backward()
        np.testing.assert_allclose(to_np(a.grad), b.grad.numpy(), rtol=1e-6)


def test_batchnorm_running_stats_and_eval():
    rng = np.random.default_rng(2)
    for momentum in (0.1, None):
        em, tm = nn.BatchNorm2d(3, momentum=momentum), torch.nn.BatchNorm2d(3, momentum=momentum)
        em.load_state_dict(sd_np(tm))
        for _ in range(4):
            x = rng.standard_normal((4, 3, 2, 2)).astype(np.float32) * 3 + 1
            np.testing.assert_allclose(to_np(em(ember.from_numpy(x))),
                                       tm(torch.from_numpy(x)).detach().numpy(), rtol=1e-5,
                                       atol=1e-5)
        for k, v in tm.state_dict().items():
            np.testing.assert_allclose(to_np(em.state_dict()[k]), v.numpy(), rtol=1e-5, err_msg=k)
        assert int(em.num_batches_tracked) == 4
        assert em.num_batches_tracked.dtype == ember.int64 and em.num_batches_tracked.dim() == 0
        em.eval()
        tm.eval()
        x = rng.standard_normal((5, 3, 2, 2)).astype(np.float32)
        np.testing.assert_allclose(to_np(em(ember.from_numpy(x))),
                                   tm(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-5)
        assert int(em.num_batches_tracked) == 4  # not incremented in eval


def test_batchnorm_no_tracking():
    em, tm = nn.BatchNorm1d(4, track_running_stats=False), torch.nn.BatchNorm1d(4, track_running_stats=False)
    assert list(em.state_dict()) == list(tm.state_dict()) == ["weight", "bias"]
    assert em.running_mean is None
    x = np.random.default_rng(3).standard_normal((6, 4)).astype(np.float32)
    em.eval()
    tm.eval()
    np.testing.assert_allclose(to_np(em(ember.from_numpy(x))), tm(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-5)
    assert repr(em) == repr(tm)


def test_dropout_train_eval():
    x = ember.ones((200, 100))
    d = nn.Dropout(0.3)
    assert repr(d) == repr(torch.nn.Dropout(0.3))
    y = to_np(d(x))
    zero = (y == 0).mean()
    assert abs(zero - 0.3) < 0.02
    np.testing.assert_allclose(y[y != 0], 1 / 0.7, rtol=1e-6)
    d.eval()
    assert np.array_equal(to_np(d(x)), to_np(x))
    d.train()
    assert np.array_equal(to_np(nn.Dropout(0.0)(x)), to_np(x))
    assert np.all(to_np(nn.Dropout(1.0)(x)) == 0)
    xi = ember.ones((50, 50))
    nn.Dropout(0.5, inplace=True)(xi)
    assert 0.4 < (to_np(xi) == 0).mean() < 0.6
    with pytest.raises(ValueError, match=r"\[Dropout\]"):
        nn.Dropout(1.5)


def test_default_init():
    ember.manual_seed(0)
    lin = nn.Linear(100, 300)
    w, b = to_np(lin.weight), to_np(lin.bias)
    bound = 1 / math.sqrt(100)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() - torch.nn.Linear(100, 300).weight.detach().std().item()) < 0.003
    e = nn.Embedding(1000, 64, padding_idx=3)
    ew = to_np(e.weight)
    assert abs(ew.std() - 1) < 0.02 and abs(ew.mean()) < 0.02 and np.all(ew[3] == 0)
    ln = nn.LayerNorm(7)
    assert np.all(to_np(ln.weight) == 1) and np.all(to_np(ln.bias) == 0)
    bn = nn.BatchNorm1d(5)
    assert np.all(to_np(bn.running_var) == 1) and np.all(to_np(bn.running_mean) == 0)
    bl = nn.Bilinear(16, 3, 4)
    assert np.abs(to_np(bl.weight)).max() <= 0.25
    assert all(p.requires_grad for p in lin.parameters())


def test_embedding_extras():
    w = np.arange(12, dtype=np.float32).reshape(4, 3)
    e = nn.Embedding.from_pretrained(ember.from_numpy(w))
    t = torch.nn.Embedding.from_pretrained(torch.from_numpy(w))
    assert repr(e) == repr(t) and not e.weight.requires_grad
    assert nn.Embedding.from_pretrained(ember.from_numpy(w), freeze=False).weight.requires_grad
    idx = ember.from_numpy(np.array([3, 0], dtype=np.int64))
    np.testing.assert_array_equal(to_np(e(idx)), w[[3, 0]])
    with pytest.raises(IndexError):
        e(ember.from_numpy(np.array([4], dtype=np.int64)))
    with pytest.raises(NotImplementedError):
        nn.Embedding(4, 3, scale_grad_by_freq=True)
    with pytest.raises(NotImplementedError):
        nn.Embedding(4, 3, sparse=True)
    with pytest.raises(ValueError, match=r"\[Embedding\]"):
        nn.Embedding(4, 3, padding_idx=4)
    with pytest.raises(ValueError, match=r"\[Embedding.from_pretrained\]"):
        nn.Embedding.from_pretrained(ember.ones((3,)))
    m = nn.Embedding(4, 3, _weight=ember.from_numpy(w))
    np.testing.assert_array_equal(to_np(m.weight), w)
    assert repr(nn.Embedding(5, 2, max_norm=2.0, norm_type=1.0)) == \
        repr(torch.nn.Embedding(5, 2, max_norm=2.0, norm_type=1.0))


def test_bad_input():
    with pytest.raises(ValueError, match=r"\[Linear\].*\(2, 4\)"):
        nn.Linear(5, 3)(ember.ones((2, 4)))
    with pytest.raises(ValueError, match=r"\[BatchNorm1d\] expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(ember.ones((2, 3, 4, 5)))
    with pytest.raises(ValueError, match=r"\[BatchNorm2d\] expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(ember.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=r"\[LayerNorm\]"):
        nn.LayerNorm(5)(ember.ones((2, 4)))
    with pytest.raises(ValueError, match=r"\[RMSNorm\]"):
        nn.RMSNorm([2, 5])(ember.ones((2, 5, 2)))
    with pytest.raises(ValueError, match=r"\[bilinear\]"):
        nn.Bilinear(3, 4, 2)(ember.ones((2, 3)), ember.ones((2, 5)))
    with pytest.raises(TypeError, match=r"\[Bilinear\]"):
        nn.Sequential(nn.Bilinear(3, 4, 2))(ember.ones((2, 3)))
    with pytest.raises(ValueError, match=r"\[GELU\]"):
        nn.GELU("fast")


def test_mlp_training_matches_torch():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((32, 4)).astype(np.float32)
    Y = (X @ rng.standard_normal((4, 1)) + 0.5 * np.sin(X[:, :1])).astype(np.float32)
    tm = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
    em = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1))
    em.load_state_dict(sd_np(tm))
    eopt = ember.optim.SGD(em.parameters(), lr=0.05)
    topt = torch.optim.SGD(tm.parameters(), lr=0.05)
    ex, ey, tx, ty = (ember.from_numpy(X), ember.from_numpy(Y), torch.from_numpy(X),
                      torch.from_numpy(Y))
    el, tl = [], []
    for _ in range(50):
        eopt.zero_grad()
        topt.zero_grad()
        le = ((em(ex) - ey) ** 2).mean()
        lt = ((tm(tx) - ty) ** 2).mean()
        le.backward()
        lt.backward()
        eopt.step()
        topt.step()
        el.append(float(le))
        tl.append(lt.item())
    assert el[-1] < 0.5 * el[0]
    np.testing.assert_allclose(el, tl, rtol=1e-4)


def build_net(self, mod):
    if True:
        self.fc = mod.Linear(4, 8)
        self.norm = mod.LayerNorm(8)
        self.bn = mod.BatchNorm1d(8)
        self.emb = mod.Embedding(10, 4)
        self.head = mod.Sequential(mod.GELU(), mod.Dropout(0.1), mod.Linear(8, 2))


def net_forward(self, idx):
    return self.head(self.bn(self.norm(self.fc(self.emb(idx)))))


class EmberNet(nn.Module):
    def __init__(self, mod):
        super().__init__()
        build_net(self, mod)

    forward = net_forward


class TorchNet(torch.nn.Module):
    def __init__(self, mod):
        super().__init__()
        build_net(self, mod)

    forward = net_forward


def test_mixed_tree_state_dict_matches_torch():
    em, tm = EmberNet(nn), TorchNet(torch.nn)
    assert list(em.state_dict().keys()) == list(tm.state_dict().keys())
    em.load_state_dict(sd_np(tm))
    em.eval()
    tm.eval()
    idx = np.array([1, 5, 7], dtype=np.int64)
    np.testing.assert_allclose(to_np(em(ember.from_numpy(idx))),
                               tm(torch.from_numpy(idx)).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert repr(em).replace("EmberNet", "X") == repr(tm).replace("TorchNet", "X")


def test_python_subclass_overrides_forward_in_sequential():
    class Twice(nn.Linear):
        def forward(self, x):
            return super().forward(x) * 2

    m = Twice(3, 2)
    x = ember.ones((1, 3))
    plain = to_np(nn.Linear.forward(m, x))
    np.testing.assert_allclose(to_np(nn.Sequential(m)(x)), plain * 2, rtol=1e-6)
