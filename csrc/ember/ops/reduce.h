// Reductions over any set of dims (empty dims = all) with keepdim, numerically careful and
// bitwise identical for any thread count (fixed chunking, pairwise/blocked summation).
#pragma once
#include <optional>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

// Sum; bool and int64 inputs sum to int64 unless dtype says otherwise.
Tensor sum(const Tensor& t, const std::vector<int64_t>& dims = {}, bool keepdim = false,
           std::optional<DType> dtype = std::nullopt);

// Normalises dims (negative, duplicates) for op; empty means all dims.
std::vector<int64_t> reduction_dims(const Tensor& t, const std::vector<int64_t>& dims,
                                    const char* op);
// Output shape of a reduction over dims.
Shape reduced_shape(const Shape& shape, const std::vector<int64_t>& dims, bool keepdim);

}  // namespace ember
