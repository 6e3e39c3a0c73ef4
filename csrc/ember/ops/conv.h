// Convolutions with PyTorch semantics (NCL / NCHW, float32 or float64): conv1d, conv2d
// (padding as sizes or "valid" / "same", asymmetric 'same' for even kernels), and the
// transposed forms. Unbatched inputs ((C, L) / (C, H, W)) are accepted like torch.
// Differentiable in input, weight and bias; double backward covers only the input path
// (the weight gradient is computed by a fused kernel without a graph).
#pragma once
#include <string>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

// stride / padding / dilation: one value (used for every spatial dim) or one per dim.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
              const std::vector<int64_t>& stride = {1}, const std::vector<int64_t>& padding = {0},
              const std::vector<int64_t>& dilation = {1}, int64_t groups = 1);
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
              const std::vector<int64_t>& stride, const std::string& padding,
              const std::vector<int64_t>& dilation = {1}, int64_t groups = 1);
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
              const std::vector<int64_t>& stride = {1}, const std::vector<int64_t>& padding = {0},
              const std::vector<int64_t>& dilation = {1}, int64_t groups = 1);
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias,
              const std::vector<int64_t>& stride, const std::string& padding,
              const std::vector<int64_t>& dilation = {1}, int64_t groups = 1);
// weight (C_in, C_out / groups, kH, kW); argument order as torch.
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
                        const std::vector<int64_t>& stride = {1},
                        const std::vector<int64_t>& padding = {0},
                        const std::vector<int64_t>& output_padding = {0}, int64_t groups = 1,
                        const std::vector<int64_t>& dilation = {1});
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor(),
                        const std::vector<int64_t>& stride = {1},
                        const std::vector<int64_t>& padding = {0},
                        const std::vector<int64_t>& output_padding = {0}, int64_t groups = 1,
                        const std::vector<int64_t>& dilation = {1});
// F.unfold: sliding local blocks of (N, C, H, W) (or unbatched (C, H, W)) as columns of
// (N, C * kh * kw, L) (or (C * kh * kw, L)), rows ordered (c, i, j); L = blocks along H x W.
Tensor im2col(const Tensor& input, const std::vector<int64_t>& kernel_size,
              const std::vector<int64_t>& dilation = {1}, const std::vector<int64_t>& padding = {0},
              const std::vector<int64_t>& stride = {1});
// F.fold: the adjoint of im2col: sums columns (N, C * kh * kw, L) back into
// (N, C, output_size...), overlapping entries added.
Tensor col2im(const Tensor& input, const std::vector<int64_t>& output_size,
              const std::vector<int64_t>& kernel_size, const std::vector<int64_t>& dilation = {1},
              const std::vector<int64_t>& padding = {0}, const std::vector<int64_t>& stride = {1});
// The direct 7-loop conv2d (batched 4-D input, no autograd): the reference tests compare to.
Tensor conv2d_reference(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                        const std::vector<int64_t>& dilation, int64_t groups);

}  // namespace ember
