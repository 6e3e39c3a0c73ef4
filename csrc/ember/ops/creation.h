// Tensor factories: filled, like-shaped, ranges and random fills. Random ops draw from the
// Philox generator in core/random.h (reproducible for any thread count, not PyTorch's stream).
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

// In place: fills every element of t (any layout) with value; bumps the version.
Tensor& fill_(Tensor& t, const Scalar& value);
Tensor& zero_(Tensor& t);

}  // namespace ember
