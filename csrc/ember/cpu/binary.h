// CPU kernels for broadcast binary and ternary elementwise ops. Operands arrive already
// converted to the compute dtype (both inputs the same dtype); out has the broadcast shape
// and the compute dtype, or bool for comparisons. Integer kernels never trap (x / 0 -> 0);
// the ops layer raises before calling when PyTorch would.
#pragma once
#include "ember/core/tensor.h"
#include "ember/cpu/elementwise_ops.h"

namespace ember::cpu {

inline bool is_comparison(BinaryOp op) { return op >= BinaryOp::Eq && op <= BinaryOp::Ge; }

void binary(BinaryOp op, Tensor& out, const Tensor& a, const Tensor& b);

// out = cond ? a : b; cond is bool, a and b have out's dtype; all broadcast to out.
void where(Tensor& out, const Tensor& cond, const Tensor& a, const Tensor& b);

// True when some element of an int64/bool tensor is zero (integer division checks).
bool any_zero(const Tensor& t);

}  // namespace ember::cpu
