// Ordering along one dim: sort, argsort, topk, with PyTorch semantics (NaN sorts above
// every number; ties keep their input order, so stable=false gives the same result as
// stable=true and results never depend on the thread count). Values are gathered from the
// input, so their gradient is gather's (scatter_add into zeros), double backward included.
#pragma once
#include "ember/core/tensor.h"
#include "ember/ops/reduce.h"

namespace ember {

// Values and int64 indices along dim (last by default), ascending unless descending.
ValuesIndices sort(const Tensor& t, int64_t dim = -1, bool descending = false, bool stable = false);
Tensor argsort(const Tensor& t, int64_t dim = -1, bool descending = false, bool stable = false);
// The k largest (or smallest) entries along dim, in order (sorted = false gives them in the
// same order). 0 <= k <= size of dim.
ValuesIndices topk(const Tensor& t, int64_t k, int64_t dim = -1, bool largest = true,
                   bool sorted = true);

}  // namespace ember
