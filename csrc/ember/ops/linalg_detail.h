// Shared helpers of the linalg_*.cpp ops (not public API): argument checks, batch shapes,
// and the loop that runs a dense kernel over every matrix of a batch (one matrix per task,
// so results do not depend on the thread count).
#pragma once
#include <string>

#include "ember/core/parallel.h"
#include "ember/core/tensor.h"
#include "ember/ops/view.h"

namespace ember::linalg::detail {

// A defined float32/float64 tensor of >= 2 dims (square when asked).
inline void check_matrix(const Tensor& A, const char* op, bool square, const char* arg = "A") {
  check_defined(A, op, arg);
  EMBER_CHECK(is_floating(A.dtype()), TypeError, "[", op, "] expected ", arg, " to be a float32 "
              "or float64 tensor, got ", dtype_name(A.dtype()));
  EMBER_CHECK(A.dim() >= 2, ValueError, "[", op, "] expected ", arg, " to have at least 2 dims "
              "(*, m, n), got shape ", shape_str(A.shape()));
  EMBER_CHECK(!square || A.size(-1) == A.size(-2), ValueError, "[", op, "] expected ", arg,
              " to be a batch of square matrices, got shape ", shape_str(A.shape()));
}

inline void check_same_dtype(const Tensor& A, const Tensor& B, const char* op) {
  EMBER_CHECK(A.dtype() == B.dtype(), TypeError, "[", op, "] expected A and B to have the same "
              "dtype, got ", dtype_name(A.dtype()), " and ", dtype_name(B.dtype()));
}

// The leading (batch) dims of t, all but the last `keep`.
inline Shape batch_shape(const Tensor& t, int64_t keep = 2) {
  return Shape(t.shape().begin(), t.shape().end() - keep);
}

inline Shape with_tail(Shape s, std::initializer_list<int64_t> tail) {
  s.insert(s.end(), tail);
  return s;
}

inline int64_t count(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// f(b) for every batch element b in [0, nb); f must not throw.
template <class F>
void for_each_matrix(int64_t nb, const F& f) {
  parallel_for(nb, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) f(i);
  });
}

// Index of the first nonzero entry of an int64 info tensor, or -1.
inline int64_t first_failure(const Tensor& info) {
  const int64_t* p = info.data<int64_t>();
  for (int64_t i = 0; i < info.numel(); ++i)
    if (p[i] != 0) return i;
  return -1;
}

inline Tensor mT(const Tensor& t) { return matrix_transpose(t); }

}  // namespace ember::linalg::detail
