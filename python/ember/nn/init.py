"""ember.nn.init: PyTorch's parameter initialisers, implemented in C++ (ember._C.init).

All fill the tensor in place without recording autograd history and return it. Random
draws come from ember's Philox generator (seeded by ember.manual_seed).
"""
from .. import _C

calculate_gain = _C.init.calculate_gain
_calculate_fan_in_and_fan_out = _C.init._calculate_fan_in_and_fan_out
uniform_ = _C.init.uniform_
normal_ = _C.init.normal_
constant_ = _C.init.constant_
zeros_ = _C.init.zeros_
ones_ = _C.init.ones_
xavier_uniform_ = _C.init.xavier_uniform_
xavier_normal_ = _C.init.xavier_normal_
kaiming_uniform_ = _C.init.kaiming_uniform_
kaiming_normal_ = _C.init.kaiming_normal_
trunc_normal_ = _C.init.trunc_normal_
orthogonal_ = _C.init.orthogonal_
