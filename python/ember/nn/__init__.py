"""ember.nn: modules (layers) and their base class.

``Module`` is the C++ base class of every layer (ember._C.nn.Module); Python models
subclass it exactly like torch.nn.Module. Standard layers are implemented in C++ and
re-exported here.
"""
import collections as _collections

from .. import _C
from .._C.nn import Module, Sequential, ModuleList, ModuleDict  # noqa: F401
from .._C.nn import Identity, Flatten, Unflatten  # noqa: F401
from .._C.nn import (Linear, Bilinear, ReLU, LeakyReLU, ELU, GELU, SiLU, Tanh, Sigmoid,  # noqa: F401
                     Softplus, Softmax, LogSoftmax, Dropout, Embedding, LayerNorm, RMSNorm,
                     BatchNorm1d, BatchNorm2d)
from .._C.nn import (CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, SmoothL1Loss,  # noqa: F401
                     HuberLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss)
from .._C.nn import (MarginRankingLoss, HingeEmbeddingLoss, CosineEmbeddingLoss,  # noqa: F401
                     SoftMarginLoss, MultiLabelSoftMarginLoss, MultiMarginLoss,
                     MultiLabelMarginLoss, TripletMarginLoss, PoissonNLLLoss, GaussianNLLLoss,
                     CTCLoss)
from .._C.nn import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d, Unfold, Fold  # noqa: F401
from .._C.nn import (  # noqa: F401  (pooling, padding, upsampling, group norm)
    MaxPool1d, MaxPool2d, MaxUnpool1d, MaxUnpool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d,
    AdaptiveMaxPool1d, AdaptiveMaxPool2d, GroupNorm, InstanceNorm1d, InstanceNorm2d, Upsample, PixelShuffle,
    PixelUnshuffle, Dropout2d, ConstantPad1d, ConstantPad2d, ZeroPad1d, ZeroPad2d,
    ReflectionPad1d, ReflectionPad2d, ReplicationPad1d, ReplicationPad2d, CircularPad1d,
    CircularPad2d)
from .._C.nn import (  # noqa: F401  (nn/layers_extra.h)
    Dropout1d, Dropout3d, AlphaDropout, FeatureAlphaDropout, RReLU, LocalResponseNorm,
    ChannelShuffle, LPPool1d, LPPool2d, UpsamplingNearest2d, UpsamplingBilinear2d, EmbeddingBag)
from .._C.nn import (RNNBase, RNN, LSTM, GRU, RNNCellBase, RNNCell, LSTMCell,  # noqa: F401
                     GRUCell)
from .._C.nn import CosineSimilarity, PairwiseDistance  # noqa: F401
from .._C.nn import RotaryEmbedding, SinusoidalPositionalEncoding, KVCache  # noqa: F401
from .._C.nn import (MultiheadAttention, TransformerEncoderLayer,  # noqa: F401
                     TransformerDecoderLayer, TransformerEncoder, TransformerDecoder, Transformer)
from .._C.nn import (  # noqa: F401  (activations of nn/activation_more.h)
    Hardtanh, ReLU6, Hardsigmoid, Hardswish, Mish, SELU, CELU, LogSigmoid, Softsign, Tanhshrink,
    Hardshrink, Softshrink, Threshold, Softmin, Softmax2d, GLU, PReLU)
from .parameter import Parameter  # noqa: F401


class _IncompatibleKeys(
        _collections.namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict returns; prints like PyTorch's."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


_C.nn._IncompatibleKeys = _IncompatibleKeys  # the binding builds its result from this

__all__ = ["Module", "Parameter", "Sequential", "ModuleList", "ModuleDict", "Identity",
           "Flatten", "Unflatten", "Linear", "Bilinear", "ReLU", "LeakyReLU", "ELU", "GELU",
           "SiLU", "Tanh", "Sigmoid", "Softplus", "Softmax", "LogSoftmax", "Dropout",
           "Embedding", "LayerNorm", "RMSNorm", "BatchNorm1d", "BatchNorm2d",
           "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss",
           "BCELoss", "BCEWithLogitsLoss", "KLDivLoss",
           "Conv1d", "Conv2d", "ConvTranspose1d", "ConvTranspose2d"]
__all__ += ['MaxPool1d', 'MaxPool2d', 'MaxUnpool1d', 'MaxUnpool2d', 'AvgPool1d', 'AvgPool2d', 'AdaptiveAvgPool1d',
            'AdaptiveAvgPool2d', 'AdaptiveMaxPool1d', 'AdaptiveMaxPool2d', 'GroupNorm',
            'InstanceNorm1d', 'InstanceNorm2d', 'Upsample', 'PixelShuffle', 'PixelUnshuffle',
            'Dropout2d', 'ConstantPad1d', 'ConstantPad2d', 'ZeroPad1d', 'ZeroPad2d',
            'ReflectionPad1d', 'ReflectionPad2d', 'ReplicationPad1d', 'ReplicationPad2d',
            'CircularPad1d', 'CircularPad2d']
__all__ += ['MarginRankingLoss', 'HingeEmbeddingLoss', 'CosineEmbeddingLoss', 'SoftMarginLoss',
            'MultiLabelSoftMarginLoss', 'MultiMarginLoss', 'MultiLabelMarginLoss',
            'TripletMarginLoss', 'PoissonNLLLoss', 'GaussianNLLLoss', 'CTCLoss',
            'TripletMarginWithDistanceLoss']
__all__ += ['RNNBase', 'RNN', 'LSTM', 'GRU', 'RNNCellBase', 'RNNCell', 'LSTMCell', 'GRUCell']
__all__ += ['RotaryEmbedding', 'SinusoidalPositionalEncoding', 'KVCache']
__all__ += ['CosineSimilarity', 'PairwiseDistance']
__all__ += ['Hardtanh', 'ReLU6', 'Hardsigmoid', 'Hardswish', 'Mish', 'SELU', 'CELU', 'LogSigmoid',
            'Softsign', 'Tanhshrink', 'Hardshrink', 'Softshrink', 'Threshold', 'Softmin',
            'Softmax2d', 'GLU', 'PReLU']
__all__ += ['ParameterList', 'ParameterDict', 'Unfold', 'Fold', 'Dropout1d', 'Dropout3d',
            'AlphaDropout', 'FeatureAlphaDropout', 'RReLU', 'LocalResponseNorm', 'ChannelShuffle',
            'LPPool1d', 'LPPool2d', 'UpsamplingNearest2d', 'UpsamplingBilinear2d', 'EmbeddingBag']
__all__ += ['MultiheadAttention', 'TransformerEncoderLayer', 'TransformerDecoderLayer',
            'TransformerEncoder', 'TransformerDecoder', 'Transformer']

from . import _deepcopy  # noqa: E402,F401  (installs Module.__deepcopy__)
from . import init  # noqa: E402,F401
from . import utils  # noqa: E402,F401
from . import functional  # noqa: E402,F401
from ._loss_py import TripletMarginWithDistanceLoss  # noqa: E402,F401
from ._param_containers import ParameterList, ParameterDict  # noqa: E402,F401
