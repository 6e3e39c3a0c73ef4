"""ember.nn.functional: the functional forms of the layers, with PyTorch's signatures.

Most functions are the C++ ops of ember._C re-exported; the wrappers here only adapt
PyTorch's arguments (inplace=, dtype=, implicit softmax dims). Deviations from PyTorch:
``softmax``/``log_softmax``/``softmin`` with ``dim=None`` apply PyTorch's legacy implicit-dim rule
(dim 0 for 0-, 1- and 3-D inputs, else 1) without a warning.
"""
from .. import _C

linear = _C.linear
bilinear = _C.bilinear
tanh = _C.tanh
sigmoid = _C.sigmoid
layer_norm = _C.layer_norm
rms_norm = _C.rms_norm
one_hot = _C.one_hot
cross_entropy = _C.cross_entropy
nll_loss = _C.nll_loss
apply_rotary_emb = _C.apply_rotary_emb
# Rows whose mask hides every key give zeros (PyTorch's math path gives NaN there).
scaled_dot_product_attention = _C.scaled_dot_product_attention


def _implicit_dim(ndim):
    return 0 if ndim in (0, 1, 3) else 1


def relu(input, inplace=False):
    """max(input, 0); inplace=True writes into input."""
    return _C.relu_(input) if inplace else _C.relu(input)


relu_ = _C.relu_


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """input if input > 0 else negative_slope * input."""
    if inplace:
        return _C.leaky_relu_(input, negative_slope)
    return _C.leaky_relu(input, negative_slope)


leaky_relu_ = _C.leaky_relu_


def elu(input, alpha=1.0, inplace=False):
    """input if input > 0 else alpha * (exp(input) - 1)."""
    return _C.elu_(input, alpha) if inplace else _C.elu(input, alpha)


elu_ = _C.elu_


def gelu(input, approximate="none"):
    """input * Phi(input); approximate='tanh' uses the tanh approximation."""
    return _C.gelu(input, approximate=approximate)


def silu(input, inplace=False):
    """input * sigmoid(input); inplace=True copies the result into input."""
    out = _C.silu(input)
    if inplace:
        from .. import no_grad
        with no_grad():
            input.copy_(out)
        return input
    return out


def _maybe_inplace(inplace, fn, fn_, input, *args):
    return fn_(input, *args) if inplace else fn(input, *args)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """clamp(input, min_val, max_val); gradient 0 at and beyond the bounds."""
    return _maybe_inplace(inplace, _C.hardtanh, _C.hardtanh_, input, min_val, max_val)


hardtanh_ = _C.hardtanh_


def relu6(input, inplace=False):
    """min(max(input, 0), 6)."""
    return _maybe_inplace(inplace, _C.relu6, _C.relu6_, input)


def hardsigmoid(input, inplace=False):
    """relu6(input + 3) / 6."""
    return _maybe_inplace(inplace, _C.hardsigmoid, _C.hardsigmoid_, input)


def hardswish(input, inplace=False):
    """input * relu6(input + 3) / 6."""
    return _maybe_inplace(inplace, _C.hardswish, _C.hardswish_, input)


def mish(input, inplace=False):
    """input * tanh(softplus(input))."""
    return _maybe_inplace(inplace, _C.mish, _C.mish_, input)


def selu(input, inplace=False):
    """scale * (input if input > 0 else alpha * (exp(input) - 1)), fixed alpha and scale."""
    return _maybe_inplace(inplace, _C.selu, _C.selu_, input)


selu_ = _C.selu_


def celu(input, alpha=1.0, inplace=False):
    """input if input > 0 else alpha * (exp(input / alpha) - 1)."""
    return _maybe_inplace(inplace, _C.celu, _C.celu_, input, alpha)


celu_ = _C.celu_


def threshold(input, threshold, value, inplace=False):
    """input if input > threshold else value."""
    return _maybe_inplace(inplace, _C.threshold, _C.threshold_, input, threshold, value)


threshold_ = _C.threshold_
logsigmoid = _C.logsigmoid
softsign = _C.softsign
tanhshrink = _C.tanhshrink
hardshrink = _C.hardshrink
softshrink = _C.softshrink
glu = _C.glu
prelu = _C.prelu


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-input) along dim (dim=None: PyTorch's legacy implicit dim, see module doc)."""
    if dim is None:
        dim = _implicit_dim(input.dim())
    return _C.softmin(input, dim, dtype)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * input)) / beta, linear where beta * input > threshold."""
    return _C.softplus(input, beta, threshold)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """Softmax along dim (dim=None: PyTorch's legacy implicit dim, see module doc)."""
    if dim is None:
        dim = _implicit_dim(input.dim())
    return _C.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(input)) along dim, computed stably."""
    if dim is None:
        dim = _implicit_dim(input.dim())
    return _C.log_softmax(input, dim, dtype)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zeroes elements with probability p and scales the rest by 1/(1-p) when training."""
    return _inplace(input, _C.dropout(input, p, training), inplace)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of (N, C, H, W) or (C, H, W) input with probability p."""
    return _inplace(input, _C.dropout2d(input, p, training), inplace)


def _inplace(input, out, inplace):
    if inplace and out is not input:
        from .. import no_grad
        with no_grad():
            input.copy_(out)
        return input
    return out


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of (N, C, L) or (C, L) input with probability p."""
    return _inplace(input, _C.dropout1d(input, p, training), inplace)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zeroes whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability p."""
    return _inplace(input, _C.dropout3d(input, p, training), inplace)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps the mean and variance of SELU activations (training only)."""
    return _inplace(input, _C.alpha_dropout(input, p, training), inplace)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels of (N, C, *) input (training only)."""
    return _inplace(input, _C.feature_alpha_dropout(input, p, training), inplace)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Leaky ReLU with slopes drawn from U(lower, upper) in training, (lower + upper) / 2
    otherwise."""
    return _inplace(input, _C.rrelu(input, lower, upper, training), inplace)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """Sums, means or maxima of bags of embedding rows (rows of a 2-D input, or runs of a 1-D
    input starting at offsets). max_norm, scale_grad_by_freq and sparse are not implemented."""
    if max_norm is not None:
        raise NotImplementedError("[embedding_bag] max_norm is not implemented")
    if scale_grad_by_freq:
        raise NotImplementedError("[embedding_bag] scale_grad_by_freq=True is not implemented")
    if sparse:
        raise NotImplementedError("[embedding_bag] sparse=True is not implemented")
    return _C.embedding_bag(input, weight, offsets, mode, per_sample_weights, include_last_offset,
                            padding_idx)


local_response_norm = _C.local_response_norm
channel_shuffle = _C.channel_shuffle
lp_pool1d = _C.lp_pool1d
lp_pool2d = _C.lp_pool2d


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of weight picked by the int64 indices in input."""
    if scale_grad_by_freq:
        raise NotImplementedError("[embedding] scale_grad_by_freq=True is not implemented")
    if sparse:
        raise NotImplementedError("[embedding] sparse=True is not implemented")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    return _C.embedding(input, weight, padding_idx, max_norm, norm_type)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation over dim 1 of (N, C, *) input (updates running stats in training)."""
    return _C.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


# Losses, convolution, pooling, padding, resampling and group norm are C++ ops of ember._C.
mse_loss = _C.mse_loss
l1_loss = _C.l1_loss
smooth_l1_loss = _C.smooth_l1_loss
huber_loss = _C.huber_loss
binary_cross_entropy = _C.binary_cross_entropy
binary_cross_entropy_with_logits = _C.binary_cross_entropy_with_logits
kl_div = _C.kl_div
margin_ranking_loss = _C.margin_ranking_loss
hinge_embedding_loss = _C.hinge_embedding_loss
cosine_embedding_loss = _C.cosine_embedding_loss
soft_margin_loss = _C.soft_margin_loss
multilabel_soft_margin_loss = _C.multilabel_soft_margin_loss
multi_margin_loss = _C.multi_margin_loss
multilabel_margin_loss = _C.multilabel_margin_loss
triplet_margin_loss = _C.triplet_margin_loss
poisson_nll_loss = _C.poisson_nll_loss
gaussian_nll_loss = _C.gaussian_nll_loss
ctc_loss = _C.ctc_loss
conv1d = _C.conv1d
conv2d = _C.conv2d
unfold = _C.im2col  # F.unfold(input, kernel_size, dilation=1, padding=0, stride=1)
fold = _C.col2im  # F.fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1)
conv_transpose1d = _C.conv_transpose1d
conv_transpose2d = _C.conv_transpose2d
max_pool1d = _C.max_pool1d
max_pool2d = _C.max_pool2d
avg_pool1d = _C.avg_pool1d
avg_pool2d = _C.avg_pool2d
adaptive_avg_pool1d = _C.adaptive_avg_pool1d
adaptive_avg_pool2d = _C.adaptive_avg_pool2d
adaptive_max_pool1d = _C.adaptive_max_pool1d
adaptive_max_pool2d = _C.adaptive_max_pool2d
max_unpool1d = _C.max_unpool1d
max_unpool2d = _C.max_unpool2d
pad = _C.pad
interpolate = _C.interpolate
pixel_shuffle = _C.pixel_shuffle
pixel_unshuffle = _C.pixel_unshuffle
group_norm = _C.group_norm
instance_norm = _C.instance_norm
normalize = _C.normalize
cosine_similarity = _C.cosine_similarity
pairwise_distance = _C.pairwise_distance


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """max(d(a, p) - d(a, n) + margin, 0) for any distance callable (pairwise_distance when
    None). Written here, over ember ops, because the distance is a Python callable."""
    op = "[triplet_margin_with_distance_loss]"
    if margin <= 0:
        raise ValueError(f"{op} expected margin > 0, got {margin}")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{op} reduction must be 'none', 'mean' or 'sum', got '{reduction}'")
    dims = (anchor.dim(), positive.dim(), negative.dim())
    if len(set(dims)) != 1 or dims[0] not in (1, 2):
        raise ValueError(f"{op} expected anchor, positive and negative of the same number of "
                         f"dims, 1 or 2, got {dims}")
    dist = pairwise_distance if distance_function is None else distance_function
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = _C.minimum(d_neg, dist(positive, negative))
    loss = _C.clamp_min(d_pos - d_neg + margin, 0.0)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss
