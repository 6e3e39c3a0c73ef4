// The softmax family: logsumexp over any dims, softmax and log_softmax along one dim. All
// subtract the max first; rows of all -inf give -inf (logsumexp) and NaN (softmax), like
// PyTorch. Backward formulas are written in ember ops, so double backward works.
#pragma once
#include <optional>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

Tensor logsumexp(const Tensor& t, const std::vector<int64_t>& dims, bool keepdim = false);
// dtype, when given, is the dtype the input is cast to before the op (PyTorch's dtype=).
Tensor softmax(const Tensor& t, int64_t dim, std::optional<DType> dtype = std::nullopt);
Tensor log_softmax(const Tensor& t, int64_t dim, std::optional<DType> dtype = std::nullopt);

}  // namespace ember
