// Cumulative ops beside cumsum (PyTorch's cumprod, cummax, cummin, logcumsumexp): each row
// along dim is one serial scan (rows in parallel), so the bits never depend on the thread
// count; float32 accumulates in double. cumprod's gradient is exact with zeros in the input.
#pragma once
#include <optional>

#include "ember/core/tensor.h"
#include "ember/ops/reduce.h"

namespace ember {

// Running product; bool and int64 multiply to int64 unless dtype says otherwise.
Tensor cumprod(const Tensor& t, int64_t dim, std::optional<DType> dtype = std::nullopt);
// Running max / min and the index where it was reached (ties and NaNs: the latest index,
// as PyTorch); the gradient goes to that index.
ValuesIndices cummax(const Tensor& t, int64_t dim);
ValuesIndices cummin(const Tensor& t, int64_t dim);
// log(cumsum(exp(t))) computed stably (floating inputs).
Tensor logcumsumexp(const Tensor& t, int64_t dim);

}  // namespace ember
