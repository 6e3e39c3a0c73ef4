// Set and counting ops with PyTorch semantics: unique / unique_consecutive (flattened or
// along a dim), searchsorted / bucketize, histc, bincount, argwhere, unravel_index. Their
// results are indices or counts, so none records a gradient (as in PyTorch).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "ember/core/tensor.h"
#include "ember/ops/scalar.h"

namespace ember {

struct UniqueResult {
  Tensor values, inverse, counts;  // inverse: input's shape (dim absent) or (size of dim,)
};
// Distinct values (or slices along dim) in ascending order (NaN above every number; NaNs are
// never equal, so each stays). `sorted` = false gives the sorted result too, as PyTorch's
// CPU kernel does.
UniqueResult unique(const Tensor& t, bool sorted = true, std::optional<int64_t> dim = std::nullopt);
// One value (or slice along dim) per run of equal consecutive ones, in input order.
UniqueResult unique_consecutive(const Tensor& t, std::optional<int64_t> dim = std::nullopt);

// Insertion positions of values in sorted_sequence (1-D, or N-D sorted along its last dim with
// the leading dims of values); right / side "right": after equal entries. sorter: int64
// indices that sort sorted_sequence along its last dim. out_int32 raises NotImplementedError
// (ember has no int32 dtype).
Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& values, bool out_int32 = false,
                    bool right = false, const std::optional<std::string>& side = std::nullopt,
                    const Tensor& sorter = Tensor());
Tensor searchsorted(const Tensor& sorted_sequence, const Scalar& value, bool out_int32 = false,
                    bool right = false, const std::optional<std::string>& side = std::nullopt,
                    const Tensor& sorter = Tensor());
// Bucket of each input element given 1-D ascending boundaries (searchsorted(boundaries, t)).
Tensor bucketize(const Tensor& t, const Tensor& boundaries, bool out_int32 = false,
                 bool right = false);
// Histogram of a floating tensor in `bins` equal bins over [min, max] (the data's range when
// min == max); elements outside are ignored. Result in the input's dtype.
Tensor histc(const Tensor& t, int64_t bins = 100, double min = 0.0, double max = 0.0);
// Occurrences of each non-negative value of a 1-D int64 tensor (weighted sums with weights:
// float32 for float32 weights, float64 otherwise); at least minlength bins.
Tensor bincount(const Tensor& t, const Tensor& weights = Tensor(), int64_t minlength = 0);
// (n, ndim) int64 coordinates of the non-zero elements (nonzero's result).
Tensor argwhere(const Tensor& t);
// Coordinates of flat indices (negative ones count from the end) in a tensor of `shape`.
std::vector<Tensor> unravel_index(const Tensor& indices, const std::vector<int64_t>& shape);

}  // namespace ember
