// Diagonals: diagonal (a view, like PyTorch's: writes through it reach the input),
// diagonal_scatter, diag, diag_embed and trace, with gradients (and double backward).
// offset > 0 is above the main diagonal of (dim1, dim2), offset < 0 below it.
#pragma once
#include <cstdint>

#include "ember/core/tensor.h"

namespace ember {

// The diagonal of dims (dim1, dim2) as the last dim of a view of t.
Tensor diagonal(const Tensor& t, int64_t offset = 0, int64_t dim1 = 0, int64_t dim2 = 1);
// A copy of base with src written on that diagonal.
Tensor diagonal_scatter(const Tensor& base, const Tensor& src, int64_t offset = 0,
                        int64_t dim1 = 0, int64_t dim2 = 1);
// 1-D input: the square matrix with it on diagonal `diagonal`; 2-D: a copy of that diagonal.
Tensor diag(const Tensor& t, int64_t diagonal = 0);
// Matrices with the last dim of t on their diagonal (dims dim1, dim2 of the result).
Tensor diag_embed(const Tensor& t, int64_t offset = 0, int64_t dim1 = -2, int64_t dim2 = -1);
// Sum of the main diagonal of a 2-D tensor.
Tensor trace(const Tensor& t);

}  // namespace ember
