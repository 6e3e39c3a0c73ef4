// Group norm and instance norm with PyTorch semantics. group_norm normalises each of
// num_groups channel groups of every sample over (C / G, *), then applies the optional
// per-channel affine; instance_norm is batch_norm applied per (sample, channel). Backward is
// a fused kernel; under create_graph=True it differentiates the op written in ember ops.
#pragma once
#include "ember/core/tensor.h"

namespace ember {

// input (N, C, *); weight/bias (C) or undefined.
Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);

// input (N, C, *). With use_input_stats, normalises with each instance's statistics and,
// when running stats are given, updates them in place with their mean over the batch.
Tensor instance_norm(const Tensor& input, const Tensor& running_mean = {},
                     const Tensor& running_var = {}, const Tensor& weight = {},
                     const Tensor& bias = {}, bool use_input_stats = true,
                     double momentum = 0.1, double eps = 1e-5);

}  // namespace ember
