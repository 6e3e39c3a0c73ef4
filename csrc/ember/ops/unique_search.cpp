// unique / unique_consecutive group rows of the input (one element, or one slice along dim,
// per row) after a stable lexicographic sort; searchsorted runs one binary search per value
// (independent, so parallel without changing any bit); histc and bincount count serially in
// input order. See unique_search.h.
#include "ember/ops/unique_search.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "ember/core/error.h"
#include "ember/core/parallel.h"
#include "ember/ops/creation.h"
#include "ember/ops/index.h"
#include "ember/ops/reduce.h"
#include "ember/ops/scalar.h"
#include "ember/ops/view.h"

namespace ember {

namespace {

template <class T>
bool nan_of(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  return false;
}

// a < b with NaN above every number (NaNs tie with each other).
template <class T>
bool less_nan_last(T a, T b) {
  const bool na = nan_of(a), nb = nan_of(b);
  if (na || nb) return !na && nb;
  return a < b;
}

Tensor int64_vector(const std::vector<int64_t>& v) {
  Tensor t = empty({static_cast<int64_t>(v.size())}, DType::Int64);
  std::copy(v.begin(), v.end(), t.data<int64_t>());
  return t;
}

// Groups the n rows (m elements each) of x, visited in `order`, into runs of equal rows
// (NaN never equals): first original row of each run, the run of every row, run sizes.
template <class T>
void group_rows(const T* x, int64_t m, const std::vector<int64_t>& order,
                std::vector<int64_t>& firsts, int64_t* inverse, std::vector<int64_t>& counts) {
  const int64_t n = static_cast<int64_t>(order.size());
  for (int64_t k = 0; k < n; ++k) {
    const T* row = x + order[k] * m;
    bool same = k > 0;
    for (int64_t j = 0; same && j < m; ++j) same = row[j] == x[order[k - 1] * m + j];
    if (!same) {
      firsts.push_back(order[k]);
      counts.push_back(0);
    }
    ++counts.back();
    inverse[order[k]] = static_cast<int64_t>(firsts.size()) - 1;
  }
}

UniqueResult unique_impl(const Tensor& t, std::optional<int64_t> dim, bool sort_rows,
                         const char* op) {
  check_defined(t, op);
  Tensor src = t.detach();
  int64_t d = 0;
  if (dim) {
    d = normalize_dim(*dim, t.dim(), op);
    EMBER_CHECK(t.dim() > 0, ValueError, "[", op, "] expected an input with at least one dim when "
                "dim is given, got a 0-d tensor");
  } else {
    src = reshape(src, {-1});
  }
  const int64_t n = src.shape()[d];
  const int64_t m = n == 0 ? 0 : src.numel() / n;
  Tensor rows = contiguous(movedim(src, {d}, {0}));
  std::vector<int64_t> order(static_cast<size_t>(n)), firsts, counts;
  std::iota(order.begin(), order.end(), int64_t{0});
  Tensor inverse = empty({n}, DType::Int64);
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* x = rows.data<T>();
    if (sort_rows)
      std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
        for (int64_t j = 0; j < m; ++j) {
          const T u = x[a * m + j], v = x[b * m + j];
          if (less_nan_last(u, v)) return true;
          if (less_nan_last(v, u)) return false;
        }
        return false;
      });
    group_rows(x, m, order, firsts, inverse.data<int64_t>(), counts);
  });
  UniqueResult r;
  r.values = index_select(src, d, int64_vector(firsts));
  r.inverse = dim ? inverse : reshape(inverse, t.shape());
  r.counts = int64_vector(counts);
  return r;
}

// First position in row[0, len) where row[i] >= v (right: row[i] > v); NaN compares false,
// as in PyTorch's kernel, so NaN in the sequence acts as above every number.
template <class T>
int64_t bound(const T* row, int64_t len, T v, bool right) {
  int64_t lo = 0, hi = len;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    const bool past = right ? row[mid] > v : row[mid] >= v;
    if (past) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

bool side_is_right(bool right, const std::optional<std::string>& side) {
  if (!side) return right;
  EMBER_CHECK(*side == "left" || *side == "right", ValueError, "[searchsorted] side must be "
              "'left' or 'right', got '", *side, "'");
  EMBER_CHECK(!(right && *side == "left"), ValueError, "[searchsorted] side and right can't be "
              "set to opposites, got side 'left' with right=True");
  return *side == "right";
}

}  // namespace

UniqueResult unique(const Tensor& t, bool /*sorted*/, std::optional<int64_t> dim) {
  return unique_impl(t, dim, true, "unique");
}

UniqueResult unique_consecutive(const Tensor& t, std::optional<int64_t> dim) {
  return unique_impl(t, dim, false, "unique_consecutive");
}

Tensor searchsorted(const Tensor& seq_in, const Tensor& values, bool out_int32, bool right,
                    const std::optional<std::string>& side, const Tensor& sorter) {
  const char* op = "searchsorted";
  check_defined(seq_in, op, "sorted_sequence");
  check_defined(values, op, "input");
  EMBER_CHECK(!out_int32, NotImplementedError, "[searchsorted] out_int32=True is not supported: "
              "ember has no int32 dtype; the result is int64");
  const bool to_right = side_is_right(right, side);
  EMBER_CHECK(seq_in.dim() >= 1, ValueError, "[searchsorted] expected sorted_sequence with at "
              "least 1 dim, got a 0-d tensor");
  Tensor seq = seq_in.detach();
  if (sorter.defined()) {
    EMBER_CHECK(sorter.dtype() == DType::Int64 && sorter.shape() == seq.shape(), ValueError,
                "[searchsorted] expected sorter of dtype int64 and shape ",
                shape_str(seq.shape()), ", got ", dtype_name(sorter.dtype()), " of shape ",
                shape_str(sorter.shape()));
    seq = gather(seq, -1, sorter);
  }
  const int64_t len = seq.shape().back();
  if (seq.dim() > 1) {
    Shape lead_s(seq.shape().begin(), seq.shape().end() - 1);
    Shape lead_v = values.dim() > 0 ? Shape(values.shape().begin(), values.shape().end() - 1)
                                    : Shape{};
    EMBER_CHECK(values.dim() == seq.dim() && lead_s == lead_v, ValueError, "[searchsorted] "
                "expected input with the leading dims of sorted_sequence ", shape_str(seq.shape()),
                " (all but the last), got input of shape ", shape_str(values.shape()));
  }
  const DType dt = promote_types(seq.dtype(), values.dtype());
  Tensor s = contiguous(to_dtype(seq, dt));
  Tensor v = contiguous(to_dtype(values.detach(), dt));
  Tensor out = empty(values.shape(), DType::Int64);
  const int64_t nrows = seq.numel() / std::max<int64_t>(len, 1);
  const int64_t per_row = seq.dim() > 1 ? values.shape().back() : v.numel();
  const int64_t total = v.numel();
  dispatch(dt, [&](auto tag) {
    using T = decltype(tag);
    const T* sp = s.data<T>();
    const T* vp = v.data<T>();
    int64_t* o = out.data<int64_t>();
    parallel_for(total, 4096, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const int64_t r = nrows == 1 ? 0 : i / per_row;
        o[i] = bound(sp + r * len, len, vp[i], to_right);
      }
    });
  });
  return out;
}

Tensor searchsorted(const Tensor& seq, const Scalar& value, bool out_int32, bool right,
                    const std::optional<std::string>& side, const Tensor& sorter) {
  check_defined(seq, "searchsorted", "sorted_sequence");
  EMBER_CHECK(seq.dim() == 1, ValueError, "[searchsorted] a scalar input needs a 1-D "
              "sorted_sequence, got shape ", shape_str(seq.shape()));
  return searchsorted(seq, scalar_tensor(value, result_type({seq}, {value})), out_int32, right,
                      side, sorter);
}

Tensor bucketize(const Tensor& t, const Tensor& boundaries, bool out_int32, bool right) {
  check_defined(boundaries, "bucketize", "boundaries");
  EMBER_CHECK(boundaries.dim() == 1, ValueError, "[bucketize] expected 1-D boundaries, got shape ",
              shape_str(boundaries.shape()));
  return searchsorted(boundaries, t, out_int32, right);
}

Tensor histc(const Tensor& t, int64_t bins, double min, double max) {
  check_defined(t, "histc");
  EMBER_CHECK(bins > 0, ValueError, "[histc] expected bins > 0, got ", bins);
  return dispatch_float(t.dtype(), "histc", [&](auto tag) {
    using T = decltype(tag);
    Tensor x = contiguous(t.detach());
    const T* p = x.data<T>();
    const int64_t n = x.numel();
    T lo = static_cast<T>(min), hi = static_cast<T>(max);
    if (lo == hi && n > 0) {
      lo = hi = p[0];
      for (int64_t i = 1; i < n; ++i) lo = std::min(lo, p[i]), hi = std::max(hi, p[i]);
    }
    if (lo == hi) lo -= 1, hi += 1;
    EMBER_CHECK(lo < hi, ValueError, "[histc] expected max > min, got min ", min, " and max ", max);
    EMBER_CHECK(std::isfinite(lo) && std::isfinite(hi), ValueError, "[histc] range of [", lo, ", ",
                hi, "] is not finite");
    Tensor out = zeros({bins}, t.dtype());
    T* o = out.data<T>();
    for (int64_t i = 0; i < n; ++i) {
      const T e = p[i];
      if (!(e >= lo && e <= hi)) continue;
      int64_t pos = static_cast<int64_t>((e - lo) * static_cast<T>(bins) / (hi - lo));
      o[std::min(pos, bins - 1)] += T(1);
    }
    return out;
  });
}

Tensor bincount(const Tensor& t, const Tensor& weights, int64_t minlength) {
  check_defined(t, "bincount");
  EMBER_CHECK(t.dtype() == DType::Int64 && t.dim() == 1, ValueError, "[bincount] expected a 1-D "
              "int64 tensor, got ", dtype_name(t.dtype()), " of shape ", shape_str(t.shape()));
  EMBER_CHECK(minlength >= 0, ValueError, "[bincount] expected minlength >= 0, got ", minlength);
  Tensor x = contiguous(t.detach());
  const int64_t* p = x.data<int64_t>();
  const int64_t n = x.numel();
  int64_t bins = minlength;
  for (int64_t i = 0; i < n; ++i) {
    EMBER_CHECK(p[i] >= 0, ValueError, "[bincount] expected non-negative values, got ", p[i]);
    bins = std::max(bins, p[i] + 1);
  }
  if (!weights.defined()) {
    Tensor out = zeros({bins}, DType::Int64);
    for (int64_t i = 0; i < n; ++i) ++out.data<int64_t>()[p[i]];
    return out;
  }
  EMBER_CHECK(weights.dim() == 1 && weights.numel() == n, ValueError, "[bincount] expected weights "
              "of shape (", n, ",) like input, got ", shape_str(weights.shape()));
  const DType dt = weights.dtype() == DType::Float32 ? DType::Float32 : DType::Float64;
  Tensor w = contiguous(to_dtype(weights.detach(), dt));
  Tensor out = zeros({bins}, dt);
  dispatch_float(dt, "bincount", [&](auto tag) {
    using T = decltype(tag);
    for (int64_t i = 0; i < n; ++i) out.data<T>()[p[i]] += w.data<T>()[i];
  });
  return out;
}

Tensor argwhere(const Tensor& t) {
  check_defined(t, "argwhere");
  return nonzero(t);
}

std::vector<Tensor> unravel_index(const Tensor& indices, const std::vector<int64_t>& shape) {
  check_defined(indices, "unravel_index", "indices");
  EMBER_CHECK(indices.dtype() == DType::Int64, TypeError, "[unravel_index] expected int64 indices, "
              "got ", dtype_name(indices.dtype()));
  int64_t total = 1;
  for (int64_t s : shape) {
    EMBER_CHECK(s >= 0, ValueError, "[unravel_index] expected a shape of non-negative sizes, got ",
                shape_str(shape));
    total *= s;
  }
  Tensor idx = contiguous(indices.detach());
  const int64_t n = idx.numel();
  std::vector<Tensor> out;
  for (size_t k = 0; k < shape.size(); ++k) out.push_back(empty(indices.shape(), DType::Int64));
  for (int64_t i = 0; i < n; ++i) {
    int64_t v = idx.data<int64_t>()[i];
    EMBER_CHECK(v >= -total && v < total, IndexError, "[unravel_index] index ", v,
                " is out of bounds for shape ", shape_str(shape), " with ", total, " elements");
    if (v < 0) v += total;
    for (size_t k = shape.size(); k-- > 0;) {
      out[k].data<int64_t>()[i] = v % shape[k];
      v /= shape[k];
    }
  }
  return out;
}

}  // namespace ember
