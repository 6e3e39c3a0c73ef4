"""ember.nn.utils.fusion: fold an eval-mode batch norm into the preceding convolution or
linear layer (PyTorch's fuse_conv_bn_eval / fuse_conv_bn_weights / fuse_linear_bn_eval /
fuse_linear_bn_weights): w' = w * gamma / sqrt(var + eps), b' = (b - mean) * gamma /
sqrt(var + eps) + beta. A few ember ops on small tensors, so written in Python.
"""
import copy

from ... import _C
from ..parameter import Parameter


def fuse_conv_bn_weights(conv_w, conv_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b, transpose=False):
    """(fused weight, fused bias) as Parameters; transpose=True for ConvTranspose weights
    (output channels in dim 1)."""
    if conv_b is None:
        conv_b = _C.zeros_like(bn_rm)
    if bn_w is None:
        bn_w = _C.ones_like(bn_rm)
    if bn_b is None:
        bn_b = _C.zeros_like(bn_rm)
    rsqrt = _C.rsqrt(bn_rv + bn_eps)
    shape = ([1, -1] if transpose else [-1, 1]) + [1] * (conv_w.dim() - 2)
    fused_w = conv_w * (bn_w * rsqrt).reshape(shape)
    fused_b = (conv_b - bn_rm) * rsqrt * bn_w + bn_b
    return (Parameter(fused_w.detach(), conv_w.requires_grad),
            Parameter(fused_b.detach(), conv_b.requires_grad))


def fuse_conv_bn_eval(conv, bn, transpose=False):
    """A copy of conv whose output equals bn(conv(x)) for eval-mode conv and bn."""
    if conv.training or bn.training:
        raise ValueError("[fuse_conv_bn_eval] fusion only for eval: call .eval() on both modules")
    if bn.running_mean is None or bn.running_var is None:
        raise ValueError("[fuse_conv_bn_eval] the batch norm must track running statistics")
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias,
        transpose)
    return fused


def fuse_linear_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b):
    """(fused weight, fused bias) of a linear layer followed by a batch norm."""
    if linear_b is None:
        linear_b = _C.zeros_like(bn_rm)
    scale = bn_w * _C.rsqrt(bn_rv + bn_eps)
    fused_w = linear_w * scale.unsqueeze(-1)
    fused_b = (linear_b - bn_rm) * scale + bn_b
    return (Parameter(fused_w.detach(), linear_w.requires_grad),
            Parameter(fused_b.detach(), linear_b.requires_grad))


def fuse_linear_bn_eval(linear, bn):
    """A copy of linear whose output equals bn(linear(x)) for eval-mode modules."""
    if linear.training or bn.training:
        raise ValueError("[fuse_linear_bn_eval] fusion only for eval: call .eval() on both "
                         "modules")
    if not (linear.out_features == bn.num_features or bn.num_features == 1):
        raise ValueError("[fuse_linear_bn_eval] to fuse, linear.out_features == bn.num_features "
                         f"or bn.num_features == 1, got {linear.out_features} and "
                         f"{bn.num_features}")
    if bn.running_mean is None or bn.running_var is None:
        raise ValueError("[fuse_linear_bn_eval] the batch norm must track running statistics")
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias)
    return fused
