// Order statistics: positions are picked per row (dim moved last) from a stable ascending
// argsort, serially per row, then the values are gathered from the input, so results do not
// depend on the thread count and gradients (double backward too) are gather's. See
// order_stats.h.
#include "ember/ops/order_stats.h"

#include <cmath>
#include <limits>
#include <vector>

#include "ember/core/error.h"
#include "ember/ops/composite.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"
#include "ember/ops/sort.h"
#include "ember/ops/view.h"

namespace ember {

namespace {

// Shape of t reduced over dim with keepdim.
Shape kept_shape(const Shape& s, int64_t dim) {
  Shape r = s;
  r[dim] = 1;
  return r;
}

// Number of NaN per row of x along dim, as a contiguous int64 tensor of the keepdim shape.
Tensor nan_counts(const Tensor& x, int64_t dim) {
  return contiguous(sum(isnan(x.detach()), {dim}, true, DType::Int64));
}

Tensor drop_dim(const Tensor& r, int64_t dim, bool keepdim, bool was_scalar) {
  if (was_scalar) return reshape(r, {});
  return keepdim ? r : squeeze(r, std::vector<int64_t>{dim});
}

// Values and indices at one sorted position per row: pos(len, nans in the row).
template <class Pos>
ValuesIndices pick_sorted(const Tensor& t, int64_t dim_in, bool keepdim, const char* op, Pos pos) {
  check_defined(t, op);
  const bool scalar = t.dim() == 0;
  const int64_t dim = normalize_dim(dim_in, t.dim(), op);
  Tensor x = scalar ? reshape(t, {1}) : t;
  const int64_t len = x.shape()[dim];
  EMBER_CHECK(len > 0, IndexError, "[", op, "] expected a non-empty dim ", dim,
              ", got input of shape ", shape_str(t.shape()));
  Tensor order = argsort(x.detach(), dim);
  Tensor nans = nan_counts(x, dim);
  Tensor p = empty(nans.shape(), DType::Int64);
  const int64_t* n = nans.data<int64_t>();
  int64_t* o = p.data<int64_t>();
  for (int64_t r = 0, rows = p.numel(); r < rows; ++r) o[r] = pos(len, n[r]);
  Tensor idx = gather(order, dim, p);
  Tensor values = gather(x, dim, idx);
  return {drop_dim(values, dim, keepdim, scalar), drop_dim(idx, dim, keepdim, scalar)};
}

int64_t median_pos(int64_t len, int64_t nans) { return nans > 0 ? len - nans : (len - 1) / 2; }

int64_t nanmedian_pos(int64_t len, int64_t nans) {
  const int64_t valid = len - nans;
  return valid > 0 ? (valid - 1) / 2 : 0;
}

Tensor global_median(const Tensor& t, bool ignore_nan, const char* op) {
  check_defined(t, op);
  if (t.numel() == 0) {
    EMBER_CHECK(is_floating(t.dtype()), ValueError, "[", op, "] expected a non-empty input for ",
                dtype_name(t.dtype()), " tensors, got shape ", shape_str(t.shape()));
    return full({}, Scalar(std::numeric_limits<double>::quiet_NaN()), t.dtype());
  }
  Tensor flat = reshape(t, {-1});
  return ignore_nan ? pick_sorted(flat, 0, false, op, nanmedian_pos).values
                    : pick_sorted(flat, 0, false, op, median_pos).values;
}

enum class Interp { Linear, Lower, Higher, Midpoint, Nearest };

Interp interp_of(const std::string& s, const char* op) {
  if (s == "linear") return Interp::Linear;
  if (s == "lower") return Interp::Lower;
  if (s == "higher") return Interp::Higher;
  if (s == "midpoint") return Interp::Midpoint;
  if (s == "nearest") return Interp::Nearest;
  EMBER_THROW(ValueError, "[", op, "] interpolation must be one of linear, lower, higher, "
              "midpoint or nearest, got '", s, "'");
}

void check_q(const Tensor& t, const Tensor& q, const char* op) {
  check_defined(q, op, "q");
  dispatch_float(t.dtype(), op, [](auto) {});
  EMBER_CHECK(q.dtype() == t.dtype(), TypeError, "[", op, "] expected q of the input's dtype (",
              dtype_name(t.dtype()), "), got ", dtype_name(q.dtype()));
  EMBER_CHECK(q.dim() <= 1, ValueError, "[", op, "] expected q to be a scalar or a 1-D tensor, "
              "got shape ", shape_str(q.shape()));
  Tensor qc = contiguous(to_dtype(q.detach(), DType::Float64));
  for (int64_t i = 0; i < qc.numel(); ++i) {
    const double v = qc.data<double>()[i];
    EMBER_CHECK(v >= 0.0 && v <= 1.0, ValueError, "[", op, "] q values must be in [0, 1], got ",
                v);
  }
}

// Ranks (in T, as PyTorch computes them) of every q in every row of sorted rows (NaN last).
template <class T>
void quantile_ranks(const Tensor& sorted_rows, const Tensor& q, bool ignore_nan, Interp mode,
                    Tensor& below, Tensor& above, Tensor& weight) {
  const int64_t nrows = sorted_rows.shape()[0], len = sorted_rows.shape()[1], nq = q.numel();
  Tensor s = contiguous(sorted_rows.detach());
  Tensor qc = contiguous(q.detach());
  const T* sv = s.data<T>();
  const T* qv = qc.data<T>();
  int64_t* lo = below.data<int64_t>();
  int64_t* hi = above.data<int64_t>();
  T* w = weight.data<T>();
  for (int64_t r = 0; r < nrows; ++r) {
    int64_t nans = 0;
    while (nans < len && std::isnan(sv[r * len + len - 1 - nans])) ++nans;
    for (int64_t j = 0; j < nq; ++j) {
      T rank;
      if (!ignore_nan && nans > 0) rank = static_cast<T>(len - 1);
      else if (len - nans == 0) rank = T(0);
      else rank = qv[j] * static_cast<T>(len - nans - 1);
      if (mode == Interp::Lower) rank = std::floor(rank);
      else if (mode == Interp::Higher) rank = std::ceil(rank);
      else if (mode == Interp::Nearest) rank = std::nearbyint(rank);  // half to even
      const int64_t k = r * nq + j;
      lo[k] = static_cast<int64_t>(std::floor(rank));
      hi[k] = static_cast<int64_t>(std::ceil(rank));
      w[k] = mode == Interp::Midpoint ? T(0.5) : rank - static_cast<T>(lo[k]);
    }
  }
}

Tensor quantile_impl(const Tensor& t, const Tensor& q, bool q_scalar, std::optional<int64_t> dim,
                     bool keepdim, const std::string& interpolation, bool ignore_nan,
                     const char* op) {
  check_defined(t, op);
  check_q(t, q, op);
  const Interp mode = interp_of(interpolation, op);
  EMBER_CHECK(t.numel() > 0, ValueError, "[", op, "] expected a non-empty input, got shape ",
              shape_str(t.shape()));
  Tensor x = dim ? t : reshape(t, {-1});
  if (x.dim() == 0) x = reshape(x, {1});
  const int64_t d = dim ? normalize_dim(*dim, t.dim(), op) : 0;
  Tensor rows = movedim(sort(x, d).values, {d}, {-1});
  Shape others(rows.shape().begin(), rows.shape().end() - 1);
  const int64_t len = rows.shape().back();
  rows = reshape(rows, {rows.numel() / len, len});
  const int64_t nq = q.numel();
  Tensor below = empty({rows.shape()[0], nq}, DType::Int64);
  Tensor above = empty(below.shape(), DType::Int64);
  Tensor weight = empty(below.shape(), t.dtype());
  dispatch_float(t.dtype(), op, [&](auto tag) {
    quantile_ranks<decltype(tag)>(rows, q, ignore_nan, mode, below, above, weight);
  });
  Tensor r = gather(rows, 1, below);
  if (mode == Interp::Linear || mode == Interp::Midpoint) r = lerp(r, gather(rows, 1, above), weight);
  Shape out = others;
  out.push_back(nq);
  r = movedim(reshape(r, out), {-1}, {0});  // (nq, others...)
  if (keepdim) {
    Shape ks{nq};
    for (int64_t i = 0; i < t.dim(); ++i) ks.push_back(dim && i != d ? t.shape()[i] : 1);
    r = reshape(r, ks);
  }
  return q_scalar ? squeeze(r, std::vector<int64_t>{0}) : r;
}

}  // namespace

Tensor median(const Tensor& t) { return global_median(t, false, "median"); }

ValuesIndices median(const Tensor& t, int64_t dim, bool keepdim) {
  return pick_sorted(t, dim, keepdim, "median", median_pos);
}

Tensor nanmedian(const Tensor& t) { return global_median(t, true, "nanmedian"); }

ValuesIndices nanmedian(const Tensor& t, int64_t dim, bool keepdim) {
  return pick_sorted(t, dim, keepdim, "nanmedian", nanmedian_pos);
}

ValuesIndices kthvalue(const Tensor& t, int64_t k, int64_t dim, bool keepdim) {
  check_defined(t, "kthvalue");
  const int64_t d = normalize_dim(dim, t.dim(), "kthvalue");
  const int64_t len = t.dim() == 0 ? 1 : t.shape()[d];
  EMBER_CHECK(k >= 1 && k <= len, IndexError, "[kthvalue] expected k in [1, ", len,
              "] (the size of dim ", d, "), got ", k);
  return pick_sorted(t, d, keepdim, "kthvalue", [k](int64_t, int64_t) { return k - 1; });
}

ValuesIndices mode(const Tensor& t, int64_t dim_in, bool keepdim) {
  check_defined(t, "mode");
  const bool scalar = t.dim() == 0;
  const int64_t dim = normalize_dim(dim_in, t.dim(), "mode");
  Tensor x = scalar ? reshape(t, {1}) : t;
  const int64_t len = x.shape()[dim];
  EMBER_CHECK(len > 0, IndexError, "[mode] expected a non-empty dim ", dim,
              ", got input of shape ", shape_str(t.shape()));
  ValuesIndices s = sort(x.detach(), dim);
  Tensor v = contiguous(movedim(s.values, {dim}, {-1}));
  Tensor i = contiguous(movedim(s.indices, {dim}, {-1}));
  Tensor idx = empty(kept_shape(x.shape(), dim), DType::Int64);
  const int64_t* iv = i.data<int64_t>();
  int64_t* out = idx.data<int64_t>();
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* vv = v.data<T>();
    for (int64_t r = 0, rows = idx.numel(); r < rows; ++r) {
      const T* row = vv + r * len;
      int64_t best = 0, best_count = 0;
      for (int64_t a = 0; a < len;) {
        int64_t b = a + 1;
        while (b < len && row[b] == row[a]) ++b;
        if (b - a > best_count) best_count = b - a, best = b - 1;  // last of the first longest run
        a = b;
      }
      out[r] = iv[r * len + best];
    }
  });
  Tensor values = gather(x, dim, idx);
  return {drop_dim(values, dim, keepdim, scalar), drop_dim(idx, dim, keepdim, scalar)};
}

Tensor quantile(const Tensor& t, const Tensor& q, std::optional<int64_t> dim, bool keepdim,
                const std::string& interpolation) {
  check_defined(q, "quantile", "q");
  return quantile_impl(t, reshape(q, {-1}), q.dim() == 0, dim, keepdim, interpolation, false,
                       "quantile");
}

Tensor quantile(const Tensor& t, double q, std::optional<int64_t> dim, bool keepdim,
                const std::string& interpolation) {
  check_defined(t, "quantile");
  return quantile_impl(t, full({1}, Scalar(q), t.dtype()), true, dim, keepdim, interpolation,
                       false, "quantile");
}

Tensor nanquantile(const Tensor& t, const Tensor& q, std::optional<int64_t> dim, bool keepdim,
                   const std::string& interpolation) {
  check_defined(q, "nanquantile", "q");
  return quantile_impl(t, reshape(q, {-1}), q.dim() == 0, dim, keepdim, interpolation, true,
                       "nanquantile");
}

Tensor nanquantile(const Tensor& t, double q, std::optional<int64_t> dim, bool keepdim,
                   const std::string& interpolation) {
  check_defined(t, "nanquantile");
  return quantile_impl(t, full({1}, Scalar(q), t.dtype()), true, dim, keepdim, interpolation,
                       true, "nanquantile");
}

Tensor msort(const Tensor& t) { return sort(t, 0).values; }

}  // namespace ember
