// sort / argsort / topk: the indices come from a per-row comparison sort on the input
// moved so dim is last (rows in parallel, each row serial, so any thread count gives the
// same bits); the values are gather(input, dim, indices). See sort.h.
#include "ember/ops/sort.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "ember/core/parallel.h"
#include "ember/ops/index.h"
#include "ember/ops/view.h"

namespace ember {

namespace {

bool is_nan(double v) { return std::isnan(v); }
bool is_nan(float v) { return std::isnan(v); }
template <class T>
bool is_nan(T) { return false; }

// Strict order "a comes before b": NaN above every number, ties by index, so the order
// is total and std::sort / partial_sort give what a stable sort would.
template <class T>
struct Before {
  const T* row;
  bool descending;
  bool operator()(int64_t a, int64_t b) const {
    T x = row[a], y = row[b];
    bool nx = is_nan(x), ny = is_nan(y);
    if (nx || ny) {
      if (nx && ny) return a < b;
      return descending ? nx : ny;  // NaN first when descending, last when ascending
    }
    if (x != y) return descending ? y < x : x < y;
    return a < b;
  }
};

// Indices (int64, shape of t with dim's size replaced by k) of the first k entries of each
// row along dim in the order above.
Tensor order_indices(const Tensor& t, int64_t dim, int64_t k, bool descending) {
  const int64_t len = t.dim() == 0 ? 1 : t.shape()[dim];
  Tensor rows = contiguous(t.dim() == 0 ? reshape(t, {1}) : movedim(t, {dim}, {-1}));
  Shape out_shape = rows.shape();
  out_shape.back() = k;
  Tensor idx = Tensor::empty(out_shape, DType::Int64);
  const int64_t nrows = len == 0 ? 0 : rows.numel() / len;
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* x = rows.data<T>();
    int64_t* out = idx.data<int64_t>();
    // About 64K comparisons' worth of rows per chunk: fixed by the sizes only.
    const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(len, 1));
    parallel_for(nrows, grain, [&](int64_t b, int64_t e) {
      std::vector<int64_t> perm(static_cast<size_t>(len));
      for (int64_t r = b; r < e; ++r) {
        std::iota(perm.begin(), perm.end(), int64_t{0});
        Before<T> before{x + r * len, descending};
        if (k == len) std::sort(perm.begin(), perm.end(), before);
        else std::partial_sort(perm.begin(), perm.begin() + k, perm.end(), before);
        std::copy(perm.begin(), perm.begin() + k, out + r * k);
      }
    });
  });
  if (t.dim() == 0) return reshape(idx, {});
  return contiguous(movedim(idx, {-1}, {dim}));
}

// k < 0 means the whole length of dim.
ValuesIndices ordered(const Tensor& t, int64_t dim_in, int64_t k, bool descending, const char* op) {
  check_defined(t, op);
  const int64_t dim = normalize_dim(dim_in, t.dim(), op);
  const int64_t len = t.dim() == 0 ? 1 : t.shape()[dim];
  if (k < 0) k = len;
  EMBER_CHECK(k <= len, ValueError, "[", op, "] expected k in [0, ", len, "] (the size of dim ",
              dim, "), got ", k);
  Tensor idx = order_indices(t, dim, k, descending);
  Tensor values = t.dim() == 0 ? clone(t) : gather(t, dim, idx);
  return {values, idx};
}

}  // namespace

// Every order here is stable (see Before), so `stable` changes nothing.
ValuesIndices sort(const Tensor& t, int64_t dim, bool descending, bool /*stable*/) {
  return ordered(t, dim, -1, descending, "sort");
}

Tensor argsort(const Tensor& t, int64_t dim, bool descending, bool /*stable*/) {
  check_defined(t, "argsort");
  const int64_t d = normalize_dim(dim, t.dim(), "argsort");
  return order_indices(t, d, t.dim() == 0 ? 1 : t.shape()[d], descending);
}

// The selected entries always come out in order, which sorted = false allows.
ValuesIndices topk(const Tensor& t, int64_t k, int64_t dim, bool largest, bool /*sorted*/) {
  EMBER_CHECK(k >= 0, ValueError, "[topk] expected k >= 0, got ", k);
  return ordered(t, dim, k, largest, "topk");
}

}  // namespace ember
