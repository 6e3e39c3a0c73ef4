// CPU reduction kernels. Inputs arrive contiguous and viewed as [outer, len, inner] with the
// reduced dims merged into `len`; outputs are contiguous [outer, inner] (softmax: like x).
// Results are bitwise identical for any thread count: rows longer than kReduceChunk are cut
// into fixed chunks whose partials are combined pairwise in chunk order.
#pragma once
#include <cstdint>

#include "ember/core/tensor.h"

namespace ember::cpu {

constexpr int64_t kReduceChunk = 1 << 16;

struct ReduceLayout {
  int64_t outer, len, inner;
};

// out = sum over len; x and out share a dtype (float32, float64 or int64).
void sum(const Tensor& x, const ReduceLayout& l, Tensor& out);
// Two-pass variance (float32/float64): out = sum((x - mean)^2) / max(0, len - correction),
// square-rooted when take_sqrt.
void var(const Tensor& x, const ReduceLayout& l, double correction, bool take_sqrt, Tensor& out);
// Max (is_max) or min over len, NaN counting as the extreme; values and/or indices (int64,
// first occurrence) may be null. len must be > 0.
void extreme(const Tensor& x, const ReduceLayout& l, bool is_max, Tensor* values, Tensor* indices);
// log(sum(exp(x))) with the max subtracted; all -inf gives -inf.
void logsumexp(const Tensor& x, const ReduceLayout& l, Tensor& out);
// softmax (or log_softmax) along len; out has x's shape.
void softmax(const Tensor& x, const ReduceLayout& l, bool log, Tensor& out);
// Fused softmax / log_softmax backward (no graph): y the forward output, g the incoming
// gradient, both contiguous with y's shape; dx gets the input gradient.
void softmax_backward(const Tensor& y, const Tensor& g, const ReduceLayout& l, bool log, Tensor& dx);
// any (is_any) or all over len of a bool tensor.
void any_all(const Tensor& x, const ReduceLayout& l, bool is_any, Tensor& out);

}  // namespace ember::cpu
