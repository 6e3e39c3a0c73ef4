// Order statistics with PyTorch semantics: median / nanmedian (lower median), kthvalue, mode,
// quantile / nanquantile, msort. Every one selects positions in a stable ascending sort
// (ops/sort.h: NaN above every number) and gathers the values, so gradients are gather's.
#pragma once
#include <optional>
#include <string>

#include "ember/core/tensor.h"
#include "ember/ops/reduce.h"

namespace ember {

// Lower median of all elements (0-d); NaN when any element is NaN.
Tensor median(const Tensor& t);
// Per row along dim: values and the index of the median (of the first NaN when a row has one).
ValuesIndices median(const Tensor& t, int64_t dim, bool keepdim = false);
// Like median, ignoring NaN (NaN only for all-NaN rows, index 0 then).
Tensor nanmedian(const Tensor& t);
ValuesIndices nanmedian(const Tensor& t, int64_t dim, bool keepdim = false);
// The k-th smallest entry (1-based) along dim.
ValuesIndices kthvalue(const Tensor& t, int64_t k, int64_t dim = -1, bool keepdim = false);
// Most frequent value along dim (the smallest among equally frequent ones) and the index of
// its last occurrence, as PyTorch's CPU kernel gives.
ValuesIndices mode(const Tensor& t, int64_t dim = -1, bool keepdim = false);
// Quantiles q (0-d or 1-D tensor of input's dtype, values in [0, 1]) along dim (all elements
// when absent); a 1-D q puts its dim first in the result. interpolation: "linear", "lower",
// "higher", "midpoint", "nearest". quantile gives NaN for rows holding NaN; nanquantile
// ignores NaN.
Tensor quantile(const Tensor& t, const Tensor& q, std::optional<int64_t> dim = std::nullopt,
                bool keepdim = false, const std::string& interpolation = "linear");
Tensor quantile(const Tensor& t, double q, std::optional<int64_t> dim = std::nullopt,
                bool keepdim = false, const std::string& interpolation = "linear");
Tensor nanquantile(const Tensor& t, const Tensor& q, std::optional<int64_t> dim = std::nullopt,
                   bool keepdim = false, const std::string& interpolation = "linear");
Tensor nanquantile(const Tensor& t, double q, std::optional<int64_t> dim = std::nullopt,
                   bool keepdim = false, const std::string& interpolation = "linear");
// Sorted along dim 0 (values only).
Tensor msort(const Tensor& t);

}  // namespace ember
