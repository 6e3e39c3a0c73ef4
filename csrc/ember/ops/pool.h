// Pooling ops with PyTorch semantics: max / average pooling over 1-D (N, C, L) and 2-D
// (N, C, H, W) inputs (unbatched (C, L) / (C, H, W) too) and their adaptive forms. Sizes are
// given like PyTorch's: one entry (used for every spatial dim) or one per dim; an empty
// stride means stride = kernel_size. The input gradient is itself differentiable (it is
// linear in the output gradient), so double backward works. Limits: float32/float64 only.
#pragma once
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

using IntList = std::vector<int64_t>;

Tensor max_pool2d(const Tensor& input, const IntList& kernel_size, const IntList& stride = {},
                  const IntList& padding = {0}, const IntList& dilation = {1},
                  bool ceil_mode = false);
// (values, indices): indices are flat positions h * W + w in each input plane (int64).
std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const IntList& kernel_size,
                                                  const IntList& stride = {},
                                                  const IntList& padding = {0},
                                                  const IntList& dilation = {1},
                                                  bool ceil_mode = false);
Tensor max_pool1d(const Tensor& input, const IntList& kernel_size, const IntList& stride = {},
                  const IntList& padding = {0}, const IntList& dilation = {1},
                  bool ceil_mode = false);
std::pair<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, const IntList& kernel_size,
                                                  const IntList& stride = {},
                                                  const IntList& padding = {0},
                                                  const IntList& dilation = {1},
                                                  bool ceil_mode = false);

Tensor avg_pool2d(const Tensor& input, const IntList& kernel_size, const IntList& stride = {},
                  const IntList& padding = {0}, bool ceil_mode = false,
                  bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
Tensor avg_pool1d(const Tensor& input, const IntList& kernel_size, const IntList& stride = {},
                  const IntList& padding = {0}, bool ceil_mode = false,
                  bool count_include_pad = true);

// output_size entries of -1 keep that input size (PyTorch's None).
Tensor adaptive_avg_pool1d(const Tensor& input, const IntList& output_size);
Tensor adaptive_avg_pool2d(const Tensor& input, const IntList& output_size);
std::pair<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor& input,
                                                           const IntList& output_size);
std::pair<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& input,
                                                           const IntList& output_size);
Tensor adaptive_max_pool1d(const Tensor& input, const IntList& output_size);
Tensor adaptive_max_pool2d(const Tensor& input, const IntList& output_size);

// Inverse of max pooling (PyTorch's max_unpool): input values go to their flat per-plane
// `indices` (int64, as returned by max_pool*d with return_indices=True) in a zero output of
// spatial size (in - 1) * stride - 2 * padding + kernel_size, or output_size (last 1 / 2
// entries used; each within one stride of the default). Empty stride means kernel_size.
Tensor max_unpool1d(const Tensor& input, const Tensor& indices, const IntList& kernel_size,
                    const IntList& stride = {}, const IntList& padding = {0},
                    const IntList& output_size = {});
Tensor max_unpool2d(const Tensor& input, const Tensor& indices, const IntList& kernel_size,
                    const IntList& stride = {}, const IntList& padding = {0},
                    const IntList& output_size = {});
}  // namespace ember
