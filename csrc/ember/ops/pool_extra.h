// Channel and window ops built from pooling and elementwise ops, with PyTorch's formulas:
// local_response_norm (across channels of (N, C, *)), lp_pool1d / lp_pool2d (power-average
// pooling) and channel_shuffle. Differentiable through their parts; float32 / float64.
#pragma once
#include <cstdint>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

// x / (k + alpha * mean of x^2 over `size` neighbouring channels, zero-padded)^beta.
Tensor local_response_norm(const Tensor& input, int64_t size, double alpha = 1e-4,
                           double beta = 0.75, double k = 1.0);
// (sum over each window of x^p)^(1/p), computed as PyTorch does (avg_pool of x^p times the
// window size; negative window sums give 0). Empty stride: stride = kernel_size.
Tensor lp_pool1d(const Tensor& input, double norm_type, const std::vector<int64_t>& kernel_size,
                 const std::vector<int64_t>& stride = {}, bool ceil_mode = false);
Tensor lp_pool2d(const Tensor& input, double norm_type, const std::vector<int64_t>& kernel_size,
                 const std::vector<int64_t>& stride = {}, bool ceil_mode = false);
// (N, C, *) with C = groups * m: channel g * m + i moves to i * groups + g.
Tensor channel_shuffle(const Tensor& input, int64_t groups);

}  // namespace ember
