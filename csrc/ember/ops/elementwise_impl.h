// Internal helpers shared by the elementwise op files (not part of the public API):
// forward evaluation with promotion and broadcasting, and the two in-place strategies.
#pragma once
#include <functional>
#include <initializer_list>

#include "ember/autograd/function.h"
#include "ember/cpu/binary.h"
#include "ember/cpu/unary.h"
#include "ember/ops/elementwise.h"

namespace ember::detail {

// op(a, b) computed in `compute`, written to a new tensor of out_dtype (no autograd).
Tensor binary_op(cpu::BinaryOp op, const Tensor& a, const Tensor& b, DType compute,
                 DType out_dtype, const char* name);
// op(a) computed in dtype (no autograd).
Tensor unary_op(cpu::UnaryOp op, const Tensor& a, DType dtype, const char* name,
                double p0 = 0.0, double p1 = 0.0);

// The gradient g of an input of this shape and dtype: broadcast dims summed, cast back.
Tensor grad_like(const Tensor& g, const Shape& shape, DType dtype);

// In place, out of place then copied: a = outofplace(a), a taking the result's place in
// the graph (used when autograd records, or when a's dtype differs from the compute dtype).
Tensor& inplace(Tensor& a, const std::function<Tensor(const Tensor&)>& outofplace,
                const char* name);
// a = op(a, b) computed straight into a when nothing needs the graph and a has the compute
// dtype; otherwise inplace(a, outofplace).
Tensor& binary_inplace(cpu::BinaryOp op, Tensor& a, const Tensor& b, DType compute,
                       const char* name, const std::function<Tensor(const Tensor&)>& outofplace);
Tensor& unary_inplace(cpu::UnaryOp op, Tensor& a, DType compute, const char* name,
                      const std::function<Tensor(const Tensor&)>& outofplace,
                      double p0 = 0.0, double p1 = 0.0);

// A saved output (kept detached, see SavedTensor) put back as output 0 of node when grad
// mode is on during backward (create_graph), so formulas using it stay differentiable.
Tensor saved_output(const autograd::SavedTensor& saved, const autograd::Node& node);

// Floating dtype ops like exp compute in: the input's, or float32 for bool/int64 inputs.
inline DType float_compute(DType t) { return is_floating(t) ? t : default_float; }

// The derivative d(x, out) of a floating unary op, written in ember ops.
using Deriv = Tensor (*)(const Tensor& x, const Tensor& out);
// out = op(a) in float_compute(a) with gradient g * d(x, out); saves the input and/or the
// output for d (activation.cpp).
Tensor float_unary(cpu::UnaryOp op, const Tensor& a, const char* name, const char* node, Deriv d,
                   bool saves_input, bool saves_output);
// a = f(a) in place through op (f is the out-of-place op, used when autograd records).
Tensor& float_inplace(cpu::UnaryOp op, Tensor& a, const char* name, Tensor (*f)(const Tensor&));

}  // namespace ember::detail
