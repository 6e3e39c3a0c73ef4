// CPU kernels for unary elementwise ops. in and out have the same shape; out's dtype is
// the compute dtype and in has been converted to it, except for LogicalNot (any -> bool).
#pragma once
#include "ember/core/tensor.h"
#include "ember/cpu/elementwise_ops.h"

namespace ember::cpu {

void unary(UnaryOp op, Tensor& out, const Tensor& in, double p0 = 0.0, double p1 = 0.0);

}  // namespace ember::cpu
