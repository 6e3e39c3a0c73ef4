// Internal helpers of the math op files (math_binary.cpp, math_unary.cpp, special.cpp):
// dtype checks and one recorder for binary ops with a gradient formula.
#pragma once
#include "ember/ops/elementwise_impl.h"
#include "ember/ops/math.h"

namespace ember::detail {

// TypeError "[name] expected floating point tensors ..." unless dt is float32 / float64.
void check_floating_dtype(DType dt, const char* name, const Tensor& a, const Tensor& b);
void check_floating_dtype(const Tensor& a, const char* name);
// TypeError unless dt is numeric (not bool).
void check_numeric_dtype(DType dt, const char* name);

// Full-shape gradients (ga, gb) of a binary op from the upstream g, its inputs and its
// output; an undefined tensor means zero.
using BinaryGrad = std::vector<Tensor> (*)(const Tensor& g, const Tensor& x, const Tensor& y,
                                           const Tensor& out);
// out = op(a, b) computed in dt (out dtype dt); records node with gradient d when an input
// requires grad (d == nullptr: not differentiable, output does not require grad).
Tensor math_binary(cpu::BinaryOp op, const Tensor& a, const Tensor& b, DType dt, const char* name,
                   const char* node, BinaryGrad d, bool saves_output = false);

}  // namespace ember::detail
