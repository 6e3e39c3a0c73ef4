// Tensor functions PyTorch users reach for that are compositions of other ember ops, so
// their gradients (and double backward) come from those ops: lerp, addcmul, addcdiv,
// nan_to_num, repeat_interleave, broadcast_tensors, meshgrid, atleast_Nd, hstack / vstack /
// dstack, count_nonzero, tril_indices / triu_indices. PyTorch's names, arguments and
// results; bad arguments raise ValueError / TypeError naming the op.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "ember/core/tensor.h"
#include "ember/ops/scalar.h"

namespace ember {

// input + weight * (end - input), broadcasting.
Tensor lerp(const Tensor& input, const Tensor& end, const Scalar& weight);
Tensor lerp(const Tensor& input, const Tensor& end, const Tensor& weight);
// input + value * t1 * t2 and input + value * t1 / t2, broadcasting.
Tensor addcmul(const Tensor& input, const Tensor& t1, const Tensor& t2,
               const Scalar& value = Scalar(int64_t{1}));
Tensor addcdiv(const Tensor& input, const Tensor& t1, const Tensor& t2,
               const Scalar& value = Scalar(int64_t{1}));
// NaN -> nan, +inf -> posinf, -inf -> neginf (default: the dtype's largest / lowest finite
// value); integer tensors are returned unchanged.
Tensor nan_to_num(const Tensor& t, double nan = 0.0, std::optional<double> posinf = std::nullopt,
                  std::optional<double> neginf = std::nullopt);
// Repeats each element (of the flattened tensor when dim is absent) repeats times; repeats
// is an int or a 1-D int64 tensor with one count per element along dim.
Tensor repeat_interleave(const Tensor& t, int64_t repeats, std::optional<int64_t> dim = std::nullopt);
Tensor repeat_interleave(const Tensor& t, const Tensor& repeats,
                         std::optional<int64_t> dim = std::nullopt);
// The tensors expanded to their common broadcast shape (views).
std::vector<Tensor> broadcast_tensors(const std::vector<Tensor>& tensors);
// Coordinate grids of 0-D or 1-D tensors; indexing "ij" (matrix) or "xy" (Cartesian).
std::vector<Tensor> meshgrid(const std::vector<Tensor>& tensors, const std::string& indexing = "ij");
// Views with at least 1, 2 or 3 dims (NumPy's placement of the new dims).
Tensor atleast_1d(const Tensor& t);
Tensor atleast_2d(const Tensor& t);
Tensor atleast_3d(const Tensor& t);
// Concatenation along the column (1-D: the only) axis, the rows, the depth (dim 2).
Tensor hstack(const std::vector<Tensor>& tensors);
Tensor vstack(const std::vector<Tensor>& tensors);
Tensor dstack(const std::vector<Tensor>& tensors);
// Number of non-zero elements over dims (all when empty), int64.
Tensor count_nonzero(const Tensor& t, const std::vector<int64_t>& dims = {});
// (2, n) int64 coordinates of the lower / upper triangle of a row x col matrix, row-major.
Tensor tril_indices(int64_t row, int64_t col, int64_t offset = 0);
Tensor triu_indices(int64_t row, int64_t col, int64_t offset = 0);

}  // namespace ember
