// cumsum (cumsum.h), cumprod, cummax / cummin, logcumsumexp (cumulative.h). The scan moves
// dim last and runs one serial loop per row; cumsum's gradient is the reversed cumsum of the
// incoming gradient (cumsum and flip, so double backward works); backward formulas are ember ops (cummax/cummin: scatter_add;
// logcumsumexp: PyTorch's log-domain formula), except cumprod's first-order backward, an
// exact O(n) kernel with zeros; under create_graph it differentiates a composite instead.
#include "ember/ops/cumulative.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "ember/autograd/function.h"
#include "ember/core/parallel.h"
#include "ember/ops/creation.h"
#include "ember/ops/cumsum.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"
#include "ember/ops/linalg.h"
#include "ember/ops/reduce.h"
#include "ember/ops/view.h"

namespace ember {

namespace {

using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

template <class T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

// t with dim moved last, contiguous, in dtype (a 0-d t as a 1-element row).
Tensor rows_of(const Tensor& t, int64_t dim, DType dtype) {
  Tensor x = t.dim() == 0 ? reshape(t, {1}) : movedim(t, {dim}, {-1});
  return contiguous(to_dtype(x, dtype));
}

// The inverse of rows_of for a result with the rows' shape.
Tensor unrows(const Tensor& r, const Tensor& like, int64_t dim) {
  return like.dim() == 0 ? reshape(r, {}) : contiguous(movedim(r, {-1}, {dim}));
}

// Calls f(row_index) over the rows of a contiguous tensor of row length len, in parallel.
template <class F>
void for_rows(const Tensor& x, int64_t len, const F& f) {
  const int64_t nrows = len == 0 ? 0 : x.numel() / len;
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 15) / std::max<int64_t>(len, 1));
  parallel_for(nrows, grain, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) f(r);
  });
}

// cumprod's gradient for contiguous rows: dx_k = P_{k-1} T_k with P the exclusive prefix
// product and T_k = g_k + x_{k+1} T_{k+1}; exact with zeros, no division.
Tensor cumprod_backward_rows(const Tensor& x, const Tensor& g) {
  Tensor dx = Tensor::empty(x.shape(), x.dtype());
  const int64_t len = x.shape().back();
  dispatch_float(x.dtype(), "cumprod", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    const T* gp = g.data<T>();
    T* dp = dx.data<T>();
    for_rows(x, len, [&](int64_t r) {
      const T* xr = xp + r * len;
      const T* gr = gp + r * len;
      T* dr = dp + r * len;
      double t = 0;
      for (int64_t k = len - 1; k >= 0; --k) {  // dr holds T_k first
        t = static_cast<double>(gr[k]) + (k + 1 < len ? static_cast<double>(xr[k + 1]) * t : 0.0);
        dr[k] = static_cast<T>(t);
      }
      double p = 1;
      for (int64_t k = 0; k < len; ++k) {
        const double tk = static_cast<double>(dr[k]);
        dr[k] = static_cast<T>(p * tk);
        p *= static_cast<double>(xr[k]);
      }
    });
  });
  return dx;
}

// cumprod written with differentiable ember ops (O(n^2)): row j of an (n, n) grid holds
// x_i for i <= j and 1 elsewhere; its product is y_j. Used for double backward.
Tensor cumprod_composite(const Tensor& x, int64_t dim) {
  if (x.dim() == 0) return x;
  Tensor r = movedim(x, {dim}, {-1});
  const int64_t n = r.shape().back();
  Shape sq = r.shape();
  sq.insert(sq.end() - 1, n);  // (..., n, n): [j, i]
  Tensor grid = expand(unsqueeze(r, -2), sq);
  Tensor upper = triu(ones({n, n}, DType::Bool), 1);  // i > j
  return movedim(prod(where(upper, Scalar(1.0), grid), -1), {-1}, {dim});
}

// The result dtype of cumsum / cumprod: dtype, else a floating input's, else int64.
DType scan_dtype(const Tensor& t, std::optional<DType> dtype, const char* op) {
  DType out = dtype ? *dtype : is_floating(t.dtype()) ? t.dtype() : DType::Int64;
  EMBER_CHECK(out != DType::Bool, TypeError, "[", op, "] expected a numeric result dtype, "
              "got bool");
  return out;
}

// Running sums (or products) of t's rows along dim in dtype, accumulated in Acc<T>.
Tensor running(const Tensor& t, int64_t dim, DType dtype, bool product) {
  autograd::NoGradGuard guard;
  Tensor x = rows_of(t, dim, dtype);
  Tensor rows = Tensor::empty(x.shape(), dtype);
  const int64_t len = x.shape().back();
  dispatch(dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* in = x.data<T>();
    T* o = rows.data<T>();
    for_rows(x, len, [&](int64_t r) {
      Acc<T> acc = product ? 1 : 0;
      for (int64_t i = r * len; i < (r + 1) * len; ++i) {
        const Acc<T> v = static_cast<Acc<T>>(in[i]);
        acc = product ? acc * v : acc + v;
        o[i] = static_cast<T>(acc);
      }
    });
  });
  return unrows(rows, t, dim);
}

}  // namespace

Tensor cumsum(const Tensor& t, int64_t dim_in, std::optional<DType> dtype) {
  check_defined(t, "cumsum");
  const int64_t dim = normalize_dim(dim_in, t.dim(), "cumsum");
  const DType out_dtype = scan_dtype(t, dtype, "cumsum");
  Tensor out = running(t, dim, out_dtype, false);
  if (autograd::any_requires_grad({t}) && is_floating(t.dtype()) && is_floating(out_dtype))
    autograd::record("CumsumBackward", {t}, {out},
                     [dim, in_dtype = t.dtype(), scalar = t.dim() == 0](const Grads& g,
                                                                        const auto&) {
                       Tensor r = scalar ? g[0] : flip(cumsum(flip(g[0], {dim}), dim), {dim});
                       return Grads{to_dtype(r, in_dtype)};
                     });
  return out;
}

Tensor cumprod(const Tensor& t, int64_t dim_in, std::optional<DType> dtype) {
  check_defined(t, "cumprod");
  const int64_t dim = normalize_dim(dim_in, t.dim(), "cumprod");
  const DType out_dtype = scan_dtype(t, dtype, "cumprod");
  Tensor out = running(t, dim, out_dtype, true);
  if (autograd::any_requires_grad({t}) && is_floating(t.dtype()) && is_floating(out_dtype)) {
    Tensor xin = to_dtype(t, out_dtype);
    autograd::record("CumprodBackward", {xin}, {out},
        [sx = SavedTensor(xin), dim](const Grads& g, const autograd::Node& node) {
          const Tensor& x = sx.get();
          if (autograd::GradMode::is_enabled())
            return autograd::composite_backward([dim](const std::vector<Tensor>& in) {
              return Grads{cumprod_composite(in[0], dim)};
            }, {x}, g, node);
          Tensor dx = cumprod_backward_rows(rows_of(x, dim, x.dtype()), rows_of(g[0], dim, x.dtype()));
          return Grads{unrows(dx, x, dim)};
        });
  }
  return out;
}

namespace {

// NaN test that is plainly false for integer types (no self-comparison to warn about).
template <class T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

ValuesIndices cum_extreme(const Tensor& t, int64_t dim_in, bool is_max, const char* op) {
  check_defined(t, op);
  const int64_t dim = normalize_dim(dim_in, t.dim(), op);
  ValuesIndices r;
  {
    autograd::NoGradGuard guard;
    Tensor x = rows_of(t, dim, t.dtype());
    Tensor vals = Tensor::empty(x.shape(), t.dtype());
    Tensor idx = Tensor::empty(x.shape(), DType::Int64);
    const int64_t len = x.shape().back();
    dispatch(t.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* in = x.data<T>();
      T* v = vals.data<T>();
      int64_t* ix = idx.data<int64_t>();
      auto scan = [&](auto max_tag) {
        constexpr bool kMax = decltype(max_tag)::value;
        for_rows(x, len, [&](int64_t r) {
          const T* row = in + r * len;
          T* vr = v + r * len;
          int64_t* ir = ix + r * len;
          T best = row[0];
          int64_t bi = 0;
          for (int64_t i = 0; i < len; ++i) {
            const T a = row[i];
            // PyTorch's rule: a NaN always takes over, ties take the later index.
            const bool take = is_nan(a) || (!is_nan(best) && (kMax ? a >= best : a <= best));
            best = take ? a : best;
            bi = take ? i : bi;
            vr[i] = best;
            ir[i] = bi;
          }
        });
      };
      if (is_max) scan(std::true_type{});
      else scan(std::false_type{});
    });
    r.values = unrows(vals, t, dim);
    r.indices = unrows(idx, t, dim);
  }
  if (autograd::any_requires_grad({t}) && is_floating(t.dtype()))
    autograd::record(is_max ? "CummaxBackward" : "CumminBackward", {t}, {r.values},
        [idx = r.indices, shape = t.shape(), dtype = t.dtype(), dim](const Grads& g, const auto&) {
          if (shape.empty()) return Grads{g[0]};
          return Grads{scatter_add(zeros(shape, dtype), dim, idx, g[0])};
        });
  return r;
}

}  // namespace

ValuesIndices cummax(const Tensor& t, int64_t dim) { return cum_extreme(t, dim, true, "cummax"); }
ValuesIndices cummin(const Tensor& t, int64_t dim) { return cum_extreme(t, dim, false, "cummin"); }

Tensor logcumsumexp(const Tensor& t, int64_t dim_in) {
  check_defined(t, "logcumsumexp");
  EMBER_CHECK(is_floating(t.dtype()), TypeError, "[logcumsumexp] expected a floating point input "
              "(float32 or float64), got ", dtype_name(t.dtype()));
  const int64_t dim = normalize_dim(dim_in, t.dim(), "logcumsumexp");
  Tensor out;
  {
    autograd::NoGradGuard guard;
    Tensor x = rows_of(t, dim, t.dtype());
    Tensor rows = Tensor::empty(x.shape(), t.dtype());
    const int64_t len = x.shape().back();
    dispatch_float(t.dtype(), "logcumsumexp", [&](auto tag) {
      using T = decltype(tag);
      const T* in = x.data<T>();
      T* o = rows.data<T>();
      for_rows(x, len, [&](int64_t r) {
        double acc = -std::numeric_limits<double>::infinity();
        for (int64_t i = r * len; i < (r + 1) * len; ++i) {
          const double a = static_cast<double>(in[i]);
          if (a != a || acc != acc) acc = std::numeric_limits<double>::quiet_NaN();
          else if (a == acc) acc = acc + std::log(2.0);  // also inf + inf, -inf + -inf
          else acc = std::max(acc, a) + std::log1p(std::exp(-std::fabs(acc - a)));
          o[i] = static_cast<T>(acc);
        }
      });
    });
    out = unrows(rows, t, dim);
  }
  if (autograd::any_requires_grad({t}))
    autograd::record("LogcumsumexpBackward", {t}, {out},
        [sx = SavedTensor(t), so = SavedTensor(out, true), dim](const Grads& g, const auto&) {
          const Tensor& x = sx.get();
          if (x.dim() == 0) return Grads{g[0]};
          Tensor y = autograd::GradMode::is_enabled() ? logcumsumexp(x, dim) : so.get();
          // PyTorch's formula: dx_k = sum_{j>=k} g_j exp(x_k - y_j), positive and negative
          // parts of g summed in the log domain (no overflow).
          const double lowest = x.dtype() == DType::Float32 ? -3.4028234663852886e38
                                                            : std::numeric_limits<double>::lowest();
          auto reversed = [dim](const Tensor& v) { return flip(logcumsumexp(flip(v, {dim}), dim), {dim}); };
          Tensor log_abs = log(abs(g[0]));
          Tensor pos = where(gt(g[0], Scalar(0.0)), log_abs, Scalar(lowest));
          Tensor neg = where(lt(g[0], Scalar(0.0)), log_abs, Scalar(lowest));
          return Grads{sub(exp(add(reversed(sub(pos, y)), x)), exp(add(reversed(sub(neg, y)), x)))};
        });
  return out;
}

}  // namespace ember
