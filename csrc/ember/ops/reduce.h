// Reductions over any set of dims (empty dims = all) with keepdim, numerically careful and
// bitwise identical for any thread count (fixed chunking, pairwise/blocked summation).
// PyTorch semantics: NaN is the max and the min; max/min with a dim return the first index.
#pragma once
#include <optional>
#include <vector>

#include "ember/core/tensor.h"
#include "ember/cpu/reduce.h"

namespace ember {

// Sum; bool and int64 inputs sum to int64 unless dtype says otherwise.
Tensor sum(const Tensor& t, const std::vector<int64_t>& dims = {}, bool keepdim = false,
           std::optional<DType> dtype = std::nullopt);
// Product over one dim (all elements when dim is absent; keepdim only applies with a dim);
// bool and int64 multiply to int64 unless dtype says otherwise. The gradient is exact with
// zeros in the input.
Tensor prod(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false,
            std::optional<DType> dtype = std::nullopt);
// Mean of a floating tensor (TypeError for bool/int64 unless dtype is floating).
Tensor mean(const Tensor& t, const std::vector<int64_t>& dims = {}, bool keepdim = false,
            std::optional<DType> dtype = std::nullopt);
// Variance / standard deviation with Bessel-style correction (two-pass, stable).
// std_dev is PyTorch's std (the name `std` would read badly next to namespace std).
Tensor var(const Tensor& t, const std::vector<int64_t>& dims = {}, double correction = 1.0,
           bool keepdim = false);
Tensor std_dev(const Tensor& t, const std::vector<int64_t>& dims = {}, double correction = 1.0,
               bool keepdim = false);

struct ValuesIndices {
  Tensor values, indices;
};
// Whole-tensor max/min (0-d); with a dim: values and int64 indices (first occurrence).
Tensor max(const Tensor& t);
Tensor min(const Tensor& t);
ValuesIndices max(const Tensor& t, int64_t dim, bool keepdim = false);
ValuesIndices min(const Tensor& t, int64_t dim, bool keepdim = false);
// Max/min over dims; the gradient is shared evenly among ties.
Tensor amax(const Tensor& t, const std::vector<int64_t>& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& t, const std::vector<int64_t>& dims = {}, bool keepdim = false);
// Indices of the max/min along dim, or in the flattened tensor when dim is empty.
Tensor argmax(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& t, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
// Logical any/all over dims (any dtype; nonzero is true); bool result.
Tensor any(const Tensor& t, const std::vector<int64_t>& dims = {}, bool keepdim = false);
Tensor all(const Tensor& t, const std::vector<int64_t>& dims = {}, bool keepdim = false);

// Normalises dims (negative, duplicates) for op; empty means all dims.
std::vector<int64_t> reduction_dims(const Tensor& t, const std::vector<int64_t>& dims,
                                    const char* op);
// Output shape of a reduction over dims.
Shape reduced_shape(const Shape& shape, const std::vector<int64_t>& dims, bool keepdim);

namespace detail {
// t's data as a contiguous [outer, len, inner] block for a reduction over sorted dims:
// no copy when t is contiguous and dims are adjacent, else the reduced dims moved last.
struct Prepared {
  Tensor x;
  cpu::ReduceLayout layout;
};
Prepared prepare_reduction(const Tensor& t, const std::vector<int64_t>& dims);
// Reshapes a reduced gradient so it broadcasts against the input (keepdim form).
Tensor keep_dims(const Tensor& g, const Shape& in_shape, const std::vector<int64_t>& dims,
                 bool keepdim);
}  // namespace detail

}  // namespace ember
