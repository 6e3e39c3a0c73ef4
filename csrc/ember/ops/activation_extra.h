// Activations beyond activation.cpp: leaky_relu and elu (fused forward loops, backward in
// ember ops so double backward works, in-place forms) and bilinear (composite of matmul,
// so its gradients come from its parts). Floating inputs only.
#pragma once
#include "ember/core/tensor.h"

namespace ember {

Tensor leaky_relu(const Tensor& input, double negative_slope = 0.01);
Tensor& leaky_relu_(Tensor& input, double negative_slope = 0.01);
// alpha * (exp(x) - 1) for x <= 0, x otherwise.
Tensor elu(const Tensor& input, double alpha = 1.0);
Tensor& elu_(Tensor& input, double alpha = 1.0);
// y[..., o] = sum_ij x1[..., i] weight[o, i, j] x2[..., j] + bias[o]; x1 (..., in1),
// x2 (..., in2) with the same leading dims, weight (out, in1, in2), bias (out,) or undefined.
Tensor bilinear(const Tensor& input1, const Tensor& input2, const Tensor& weight,
                const Tensor& bias = Tensor());

}  // namespace ember
