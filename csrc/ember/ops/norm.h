// Normalisation ops with fused forward and backward kernels (cpu/norm.h): layer norm, RMS
// norm, batch norm. Under create_graph=True the backward differentiates the ops written in
// ember ops instead (double backward works; slower).
#pragma once
#include <optional>

#include "ember/core/tensor.h"

namespace ember {

// Normalises over the trailing dims given by normalized_shape; weight/bias optional
// (undefined Tensor) and shaped normalized_shape.
Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);

// x / sqrt(mean(x^2) + eps) * weight; eps defaults to the dtype's machine epsilon (PyTorch).
Tensor rms_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight = {},
                std::optional<double> eps = std::nullopt);

// Input (N, C, *). training=true normalises with batch statistics and, when running stats
// are given, updates them in place (running_var with the unbiased variance); otherwise
// uses the running stats.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = {}, const Tensor& bias = {}, bool training = false,
                  double momentum = 0.1, double eps = 1e-5);

}  // namespace ember
