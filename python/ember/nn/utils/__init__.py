"""ember.nn.utils: gradient clipping (C++ kernels in ember._C.optim), parameter/vector
conversion, parametrizations (parametrize, parametrizations) and conv / linear + batch norm
fusion (fusion)."""
from ... import _C


def _params(parameters):
    from ... import Tensor
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scales the gradients so their total norm is at most max_norm; returns the total norm
    (a 0-d tensor) computed in a fixed order (same result for any thread count)."""
    return _C.optim._clip_grad_norm_(_params(parameters), max_norm, norm_type,
                                     error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamps every gradient element into [-clip_value, clip_value] in place."""
    return _C.optim._clip_grad_value_(_params(parameters), clip_value, foreach)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm of the norms of tensors (as clip_grad_norm_ computes it)."""
    return _C.optim._get_total_norm(_params(tensors), norm_type, error_if_nonfinite, foreach)


from . import rnn  # noqa: E402,F401  (PackedSequence, pack_padded_sequence, ...)
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: E402,F401
from . import parametrize, parametrizations, fusion  # noqa: E402,F401
from .fusion import (fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval,  # noqa: E402,F401
                     fuse_linear_bn_weights)
