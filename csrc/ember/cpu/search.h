// CPU kernel for membership tests (isin): each value is looked up by binary search in a
// sorted contiguous 1-d array. Values are independent, so any thread count gives the same
// result.
#pragma once
#include "ember/core/tensor.h"

namespace ember::cpu {

// out[i] = (values[i] occurs in sorted) != invert. values and sorted are contiguous with
// the same dtype (NaN sorted last, never found); out is contiguous bool of values' size.
void isin_sorted(Tensor& out, const Tensor& values, const Tensor& sorted, bool invert);

}  // namespace ember::cpu
