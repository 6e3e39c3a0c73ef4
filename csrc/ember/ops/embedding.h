// Embedding lookup: out[..., :] = weight[indices[...], :] with PyTorch's padding_idx (its
// row gets no gradient) and max_norm (referenced rows renormalised in place first).
#pragma once
#include <optional>

#include "ember/core/tensor.h"

namespace ember {

Tensor embedding(const Tensor& indices, const Tensor& weight,
                 std::optional<int64_t> padding_idx = std::nullopt,
                 std::optional<double> max_norm = std::nullopt, double norm_type = 2.0);

}  // namespace ember
