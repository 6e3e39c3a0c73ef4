// CPU kernels for broadcast binary ops. Operands arrive already converted to the compute
// dtype; out has the broadcast shape.
#pragma once
#include "ember/core/tensor.h"

namespace ember::cpu {

enum class BinaryOp { Add, Sub, Mul, Div };

void binary(BinaryOp op, Tensor& out, const Tensor& a, const Tensor& b);

}  // namespace ember::cpu
