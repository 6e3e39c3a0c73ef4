// Views (share storage with their input; no copy) and layout changes. Every view op is
// differentiable. reshape copies only when the strides cannot express the new shape.
#pragma once
#include <optional>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

// A view with explicit geometry; the basis of every view op below (no autograd of its own;
// it marks the result as a view of t's root base for in-place autograd, autograd/views.h).
Tensor as_strided(const Tensor& t, const Shape& shape, const Shape& strides, int64_t offset);

// One -1 in shape is inferred. view raises when strides cannot express it; reshape copies.
Tensor view(const Tensor& t, const Shape& shape);
Tensor reshape(const Tensor& t, const Shape& shape);
Tensor expand(const Tensor& t, const Shape& shape);  // -1 keeps a size
Tensor permute(const Tensor& t, const std::vector<int64_t>& dims);
Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1);
Tensor matrix_t(const Tensor& t);          // t.t(): transpose of a <= 2-D tensor
Tensor reverse_dims(const Tensor& t);      // t.T: all dims reversed
Tensor matrix_transpose(const Tensor& t);  // t.mT: last two dims swapped
Tensor unsqueeze(const Tensor& t, int64_t dim);
// Removes the listed dims that have size 1 (others are kept, like PyTorch); none: all.
Tensor squeeze(const Tensor& t, const std::optional<std::vector<int64_t>>& dims = std::nullopt);
Tensor flatten(const Tensor& t, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor unflatten(const Tensor& t, int64_t dim, const Shape& sizes);
Tensor movedim(const Tensor& t, const std::vector<int64_t>& source,
               const std::vector<int64_t>& destination);

Tensor contiguous(const Tensor& t);  // t itself when already contiguous
Tensor clone(const Tensor& t);       // always a fresh contiguous copy
Tensor to_dtype(const Tensor& t, DType dtype);  // t itself when dtype matches
// Copies src (broadcast, converted) into dst in place; bumps dst's version.
Tensor& copy_(Tensor& dst, const Tensor& src);

}  // namespace ember
