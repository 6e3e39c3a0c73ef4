// One forward and one backward kernel for the pointwise activations (leaky_relu, elu/selu/celu, hardtanh/
// relu6, hardsigmoid, hardswish, mish, softsign, hard/softshrink, threshold, logsigmoid,
// tanhshrink): contiguous float32 / float64 in, same dtype out (out may alias in).
#pragma once
#include <cstdint>

#include "ember/core/tensor.h"
#include "ember/cpu/isa.h"

namespace ember::cpu {

// The meaning of the parameters p0, p1, p2 for each op.
enum class Act : int {
  LeakyRelu,    // p0 negative slope
  Elu,          // p0 alpha, p1 scale, p2 input scale: scale * (x > 0 ? x : alpha (e^(p2 x) - 1))
  Hardtanh,     // p0 min, p1 max
  Hardsigmoid,  // relu6(x + 3) / 6
  Hardswish,    // x relu6(x + 3) / 6
  Mish,         // x tanh(softplus(x))
  Softsign,     // x / (1 + |x|)
  Hardshrink,   // p0 lambda: 0 where -lambda <= x <= lambda, else x
  Softshrink,   // p0 lambda: x - clamp(x, -lambda, lambda)
  Threshold,    // p0 threshold, p1 value: x <= threshold ? value : x
  LogSigmoid,   // min(x, 0) - log1p(e^-|x|)
  Tanhshrink,   // x - tanh(x)
};

// out = op(x) for contiguous x and out of one floating dtype and size; parallel over fixed
// chunks, so the bits do not depend on the thread count. No checks (the ops layer does them).
void activation_forward(Act op, const Tensor& x, Tensor& out, double p0 = 0.0, double p1 = 0.0,
                        double p2 = 0.0);

// grad_in = grad_out * op'(x) for contiguous x, grad_out, grad_in of x's dtype and size, with
// PyTorch's conventions at the kinks (the ops layer's ember-op formulas give the same values
// and serve create_graph=True). grad_in must not alias x or grad_out. Same threading as
// activation_forward.
void activation_backward(Act op, const Tensor& x, const Tensor& grad_out, Tensor& grad_in,
                         double p0 = 0.0, double p1 = 0.0, double p2 = 0.0);

// float32 kernels over [0, n), compiled per ISA (cpu/isa/activation_kernel.cpp).
EMBER_ISA_DECLARE(void, activation_f32, (int op, const float* x, float* y, int64_t n, float p0,
                                         float p1, float p2))
EMBER_ISA_DECLARE(void, activation_backward_f32, (int op, const float* x, const float* g,
                                                  float* gi, int64_t n, float p0, float p1,
                                                  float p2))

}  // namespace ember::cpu
