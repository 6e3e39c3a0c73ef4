// Tensor factories: filled, like-shaped, ranges, identity, and in-place fills. Random
// factories live in ops/random.h. Every factory raises ValueError on negative sizes and
// MemoryError when the tensor cannot be allocated.
#pragma once
#include <optional>

#include "ember/core/tensor.h"
#include "ember/ops/scalar.h"

namespace ember {

Tensor empty(const Shape& shape, DType dtype = default_float);
Tensor zeros(const Shape& shape, DType dtype = default_float);
Tensor ones(const Shape& shape, DType dtype = default_float);
Tensor full(const Shape& shape, const Scalar& value, std::optional<DType> dtype = std::nullopt);
Tensor empty_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
Tensor zeros_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
Tensor ones_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
Tensor full_like(const Tensor& t, const Scalar& value, std::optional<DType> dtype = std::nullopt);

// Values start, start + step, ... below end (above end for a negative step): length
// ceil((end - start) / step). Without dtype: int64 when all three are integers, else float32.
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step = Scalar(int64_t{1}),
              std::optional<DType> dtype = std::nullopt);
// `steps` evenly spaced values from start to end inclusive (float32 unless dtype says).
Tensor linspace(const Scalar& start, const Scalar& end, int64_t steps,
                std::optional<DType> dtype = std::nullopt);
// n x m (m = n when negative) with ones on the diagonal.
Tensor eye(int64_t n, int64_t m = -1, DType dtype = default_float);

// In place: fills every element of t (any layout) with value; bumps the version. Under
// grad mode a tensor with history gets a node whose gradient is zero (its old values are
// gone), and a leaf that requires grad raises, as in PyTorch.
Tensor& fill_(Tensor& t, const Scalar& value);
Tensor& zero_(Tensor& t);

// Tensor.to(device, dtype, copy): differentiable dtype conversion (to_dtype); t itself when
// nothing changes and copy is false. A CUDA device raises RuntimeError naming the missing
// backend when ember was built without CUDA.
Tensor to(const Tensor& t, std::optional<Device> device, std::optional<DType> dtype,
          bool copy = false);

namespace detail {
// For in-place ops that overwrite every element regardless of the old values (fill_,
// normal_, ...): checks the leaf rule, and gives t a node `name` with zero input gradient.
void check_overwrite(const Tensor& t, const char* name);
void record_overwrite(Tensor& t, const char* name);
}  // namespace detail

}  // namespace ember
