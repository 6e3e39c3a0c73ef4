// interpolate (modes 'nearest', 'linear' for (N, C, L), 'bilinear' for (N, C, H, W); nearest
// takes either) with PyTorch's index rules, and pixel_shuffle / pixel_unshuffle (views and
// one copy, so fully differentiable). Interpolate's backward is differentiable too.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

// Exactly one of size / scale_factor (one entry or one per spatial dim).
Tensor interpolate(const Tensor& input, const std::vector<int64_t>& size = {},
                   const std::vector<double>& scale_factor = {},
                   const std::string& mode = "nearest",
                   std::optional<bool> align_corners = std::nullopt);

Tensor pixel_shuffle(const Tensor& input, int64_t upscale_factor);
Tensor pixel_unshuffle(const Tensor& input, int64_t downscale_factor);

}  // namespace ember
