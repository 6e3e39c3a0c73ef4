// Cumulative sum along one dim (PyTorch's cumsum): out[..., i, ...] = sum of the entries
// up to i. Bool and int64 inputs sum to int64 unless dtype says otherwise; float32 sums in
// double along each row, as PyTorch's CPU kernel does, so long rows keep their precision.
#pragma once
#include <optional>

#include "ember/core/tensor.h"

namespace ember {

Tensor cumsum(const Tensor& t, int64_t dim, std::optional<DType> dtype = std::nullopt);

}  // namespace ember
