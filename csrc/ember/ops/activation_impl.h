// Internal helpers shared by the activation op files (activation_extra.cpp,
// activation_more.cpp), not public API: the floating-input check and the forward / in-place
// paths through the one pointwise kernel cpu::activation_forward.
#pragma once
#include <functional>

#include "ember/core/tensor.h"
#include "ember/cpu/activation.h"

namespace ember::detail {

// TypeError "[name] expected a floating point tensor ..." for undefined / non-float input.
void check_float_input(const Tensor& a, const char* name);

// op(a) into a new tensor of a's shape and dtype (no autograd; a any layout).
Tensor activation(const Tensor& a, cpu::Act op, double p0 = 0.0, double p1 = 0.0,
                  double p2 = 0.0);

// a = op(a): straight into a's memory when nothing records and a is contiguous, otherwise
// through outofplace (which records) and detail::inplace. Checks a's dtype first.
Tensor& activation_(Tensor& a, const char* name, cpu::Act op, double p0, double p1, double p2,
                    const std::function<Tensor(const Tensor&)>& outofplace);

// op(a) with autograd: checks a is floating, runs the fused forward and records node. Its
// backward runs the fused backward kernel, or, when grad mode is on (create_graph=True),
// composite(g, x): the same gradient written in ember ops, so double backward works.
using ActComposite = std::function<Tensor(const Tensor& g, const Tensor& x)>;
Tensor activation_op(const Tensor& a, const char* name, const char* node, cpu::Act op,
                     double p0, double p1, double p2, ActComposite composite);

// scale * (x > 0 ? x : alpha (exp(input_scale x) - 1)) with autograd (elu, selu, celu).
Tensor elu_family(const Tensor& a, const char* name, const char* node, double alpha,
                  double scale, double input_scale);

}  // namespace ember::detail
