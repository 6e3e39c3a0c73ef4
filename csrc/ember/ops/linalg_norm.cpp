// Vector / matrix norms (see linalg_norm.h). The vector-norm kernel reduces [outer, len,
// inner] blocks in double; rows longer than kChunk are cut into fixed chunks whose partials
// are combined in chunk order, so the bits never depend on the thread count. Matrix norms
// and the dispatching norm()s are compositions of ember ops (their gradients come free).
#include "ember/ops/linalg_norm.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <type_traits>

#include "ember/autograd/function.h"
#include "ember/core/parallel.h"
#include "ember/cpu/vector_norm.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/linalg_decomp.h"
#include "ember/ops/reduce.h"
#include "ember/ops/view.h"

namespace ember {
namespace linalg {

namespace {

using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

enum class Kind { Zero, One, Two, Inf, NegInf, P };

Kind kind_of(double p) {
  if (p == 0) return Kind::Zero;
  if (p == 1) return Kind::One;
  if (p == 2) return Kind::Two;
  if (std::isinf(p)) return p > 0 ? Kind::Inf : Kind::NegInf;
  return Kind::P;
}

constexpr int64_t kChunk = 1 << 14;

// Partial reduction of n elements at p with stride st: sums (of |x|^p), or max/min of |x|.
template <class T>
double partial(const T* x, int64_t n, int64_t st, Kind k, double p) {
  switch (k) {
    case Kind::Two: {
      if constexpr (std::is_same_v<T, float>)
        if (st == 1) return EMBER_ISA_CALL(sumsq_f32, x, n);
      if (st == 1) {  // eight independent lanes: the compiler vectorises this
        double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int64_t i = 0;
        for (; i + 8 <= n; i += 8)
          for (int l = 0; l < 8; ++l) a[l] += static_cast<double>(x[i + l]) * static_cast<double>(x[i + l]);
        for (; i < n; ++i) a[0] += static_cast<double>(x[i]) * static_cast<double>(x[i]);
        return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
      }
      double s = 0;
      for (int64_t i = 0; i < n; ++i) { double v = x[i * st]; s += v * v; }
      return s;
    }
    case Kind::One: {
      double s = 0;
      for (int64_t i = 0; i < n; ++i) s += std::fabs(static_cast<double>(x[i * st]));
      return s;
    }
    case Kind::Zero: {
      double s = 0;
      for (int64_t i = 0; i < n; ++i) s += x[i * st] != T(0) ? 1.0 : 0.0;
      return s;
    }
    case Kind::Inf:
    case Kind::NegInf: {
      const bool mx = k == Kind::Inf;
      double r = mx ? 0.0 : std::numeric_limits<double>::infinity();
      for (int64_t i = 0; i < n; ++i) {
        double v = std::fabs(static_cast<double>(x[i * st]));
        if (v != v) return v;
        r = mx ? std::max(r, v) : std::min(r, v);
      }
      return r;
    }
    case Kind::P: {
      double s = 0;
      for (int64_t i = 0; i < n; ++i) s += std::pow(std::fabs(static_cast<double>(x[i * st])), p);
      return s;
    }
  }
  return 0;
}

// Norms of `width` adjacent columns at once (x points at column 0 of row 0; rows are
// `inner` apart): out[c] gets the unfinished reduction of column c. Reads memory in order.
template <class T>
void partial_columns(const T* x, int64_t len, int64_t inner, int64_t width, Kind k, double p,
                     double* out) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double init = k == Kind::NegInf ? std::numeric_limits<double>::infinity() : 0.0;
  for (int64_t c = 0; c < width; ++c) out[c] = init;
  for (int64_t j = 0; j < len; ++j) {
    const T* row = x + j * inner;
    switch (k) {
      case Kind::Two:
        for (int64_t c = 0; c < width; ++c) { double v = row[c]; out[c] += v * v; }
        break;
      case Kind::One:
        for (int64_t c = 0; c < width; ++c) out[c] += std::fabs(static_cast<double>(row[c]));
        break;
      case Kind::Zero:
        for (int64_t c = 0; c < width; ++c) out[c] += row[c] != T(0) ? 1.0 : 0.0;
        break;
      case Kind::Inf:
      case Kind::NegInf:
        for (int64_t c = 0; c < width; ++c) {
          double v = std::fabs(static_cast<double>(row[c])), a = out[c];
          out[c] = (v != v || a != a) ? nan : k == Kind::Inf ? std::max(a, v) : std::min(a, v);
        }
        break;
      case Kind::P:
        for (int64_t c = 0; c < width; ++c) out[c] += std::pow(std::fabs(static_cast<double>(row[c])), p);
        break;
    }
  }
}

double combine(double a, double b, Kind k) {
  if (k == Kind::Inf || k == Kind::NegInf) {
    if (a != a || b != b) return std::numeric_limits<double>::quiet_NaN();
    return k == Kind::Inf ? std::max(a, b) : std::min(a, b);
  }
  return a + b;
}

double finish(double s, Kind k, double p) {
  switch (k) {
    case Kind::Two: return std::sqrt(s);
    case Kind::P: return std::pow(s, 1.0 / p);
    default: return s;
  }
}

// out[o, i] = norm of x[o, :, i]; x contiguous [outer, len, inner].
void norm_kernel(const Tensor& x, const cpu::ReduceLayout& l, double p, Tensor& out) {
  const Kind k = kind_of(p);
  const int64_t nout = l.outer * l.inner;
  const int64_t nch = std::max<int64_t>(1, (l.len + kChunk - 1) / kChunk);
  dispatch_float(x.dtype(), "vector_norm", [&](auto tag) {
    using T = decltype(tag);
    const T* in = x.data<T>();
    T* o = out.data<T>();
    const int64_t per_task = std::min(l.len, kChunk);
    const int64_t grain = std::max<int64_t>(1, kChunk / std::max<int64_t>(per_task, 1));
    if (nch == 1 && l.inner > 1) {  // column norms: blocks of adjacent columns, read in order
      constexpr int64_t kBlock = 64;
      const int64_t nblk = (l.inner + kBlock - 1) / kBlock;
      const int64_t g2 = std::max<int64_t>(1, kChunk / std::max<int64_t>(l.len * kBlock, 1));
      parallel_for(l.outer * nblk, g2, [&](int64_t b, int64_t e) {
        double acc[kBlock];
        for (int64_t t = b; t < e; ++t) {
          const int64_t oi = t / nblk, c0 = (t % nblk) * kBlock;
          const int64_t w = std::min(kBlock, l.inner - c0);
          partial_columns<T>(in + oi * l.len * l.inner + c0, l.len, l.inner, w, k, p, acc);
          for (int64_t c = 0; c < w; ++c) o[oi * l.inner + c0 + c] = static_cast<T>(finish(acc[c], k, p));
        }
      });
      return;
    }
    if (nch == 1) {  // every row in one chunk: no partials to keep
      parallel_for(nout, grain, [&](int64_t b, int64_t e) {
        for (int64_t t = b; t < e; ++t) {
          const int64_t oi = t / l.inner, ii = t % l.inner;
          o[t] = static_cast<T>(finish(partial<T>(in + oi * l.len * l.inner + ii, l.len, l.inner, k, p), k, p));
        }
      });
      return;
    }
    std::vector<double> parts(static_cast<size_t>(nout * nch));
    parallel_for(nout * nch, grain, [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) {
        const int64_t oidx = t / nch, c = t % nch;
        const int64_t oi = oidx / l.inner, ii = oidx % l.inner;
        const int64_t j0 = c * kChunk, j1 = std::min(l.len, j0 + kChunk);
        parts[static_cast<size_t>(t)] =
            partial<T>(in + (oi * l.len + j0) * l.inner + ii, j1 - j0, l.inner, k, p);
      }
    });
    for (int64_t i = 0; i < nout; ++i) {
      double acc = parts[static_cast<size_t>(i * nch)];
      for (int64_t c = 1; c < nch; ++c) acc = combine(acc, parts[static_cast<size_t>(i * nch + c)], k);
      o[i] = static_cast<T>(finish(acc, k, p));
    }
  });
}

// d norm / d x (times the incoming gradient gk, keepdim form) with PyTorch's formulas.
Tensor norm_backward(const Tensor& x, const Tensor& nrm, const Tensor& gk, double p,
                     const std::vector<int64_t>& dims) {
  const Kind k = kind_of(p);
  switch (k) {
    case Kind::Zero: return zeros_like(x);
    case Kind::One: return mul(sign(x), gk);
    case Kind::Two: return mul(x, where(eq(nrm, Scalar(0.0)), Scalar(0.0), div(gk, nrm)));
    case Kind::Inf:
    case Kind::NegInf: {
      Tensor mask;
      {
        autograd::NoGradGuard guard;
        Tensor ax = abs(x);
        mask = to_dtype(logical_or(eq(ax, nrm), isnan(ax)), x.dtype());
      }
      return mul(sign(x), mul(div(gk, sum(mask, dims, true)), mask));
    }
    case Kind::P: {
      Tensor ax = abs(x);
      if (p < 1) {
        Tensor scaled = mul(sign(x), where(eq(x, Scalar(0.0)), Scalar(0.0), pow(ax, Scalar(p - 1))));
        return mul(mul(scaled, gk), pow(nrm, Scalar(1 - p)));
      }
      Tensor scaled = p < 2 ? mul(sign(x), pow(ax, Scalar(p - 1))) : mul(x, pow(ax, Scalar(p - 2)));
      Tensor scale = where(eq(nrm, Scalar(0.0)), Scalar(0.0), div(gk, pow(nrm, Scalar(p - 1))));
      return mul(scaled, scale);
    }
  }
  return Tensor();
}

std::string ord_str(double p) {
  std::ostringstream s;
  s << p;
  return s.str();
}

}  // namespace

Tensor vector_norm(const Tensor& x_in, double ord, const std::vector<int64_t>& dims_in,
                   bool keepdim, std::optional<DType> dtype) {
  check_defined(x_in, "vector_norm");
  EMBER_CHECK(is_floating(x_in.dtype()), TypeError, "[vector_norm] expected a floating point "
              "input (float32 or float64), got ", dtype_name(x_in.dtype()));
  EMBER_CHECK(!dtype || is_floating(*dtype), TypeError, "[vector_norm] expected dtype float32 "
              "or float64, got ", dtype ? dtype_name(*dtype) : "");
  EMBER_CHECK(!std::isnan(ord), ValueError, "[vector_norm] expected ord to be a number, got nan");
  Tensor x = dtype ? to_dtype(x_in, *dtype) : x_in;
  std::vector<int64_t> dims = reduction_dims(x, dims_in, "vector_norm");
  if (ord < 0 || std::isinf(ord)) {
    bool empty = x.numel() == 0 && (dims_in.empty() || x.dim() == 0);
    for (int64_t d : dims) empty = empty || x.shape()[d] == 0;
    EMBER_CHECK(!empty, IndexError, "[vector_norm] expected a non-empty reduction for ord ",
                ord_str(ord), " (it has no identity), got shape ", shape_str(x.shape()));
  }
  Tensor out = Tensor::empty(reduced_shape(x.shape(), dims, keepdim), x.dtype());
  {
    autograd::NoGradGuard guard;
    if (out.numel() > 0) {
      if (x.numel() == 0) {
        fill_(out, Scalar(0.0));
      } else {
        auto prep = detail::prepare_reduction(x, dims);
        norm_kernel(prep.x, prep.layout, ord, out);
      }
    }
  }
  if (autograd::any_requires_grad({x}))
    autograd::record("LinalgVectorNormBackward", {x}, {out},
        [sx = SavedTensor(x), so = SavedTensor(out, true), ord, dims, keepdim](
            const Grads& g, const auto&) {
          const Tensor& xs = sx.get();
          // Under create_graph the norm is recomputed so its own graph joins the result.
          Tensor nrm = autograd::GradMode::is_enabled()
                           ? vector_norm(xs, ord, dims, true)
                           : detail::keep_dims(so.get(), xs.shape(), dims, keepdim);
          Tensor gk = detail::keep_dims(g[0], xs.shape(), dims, keepdim);
          return Grads{norm_backward(xs, nrm, gk, ord, dims)};
        });
  return out;
}

namespace {

std::pair<int64_t, int64_t> matrix_dims(const Tensor& a, const std::vector<int64_t>& dims,
                                        const char* op) {
  EMBER_CHECK(a.dim() >= 2, ValueError, "[", op, "] expected a tensor with 2 or more dims, got "
              "shape ", shape_str(a.shape()));
  EMBER_CHECK(dims.size() == 2, ValueError, "[", op, "] expected dim to be a 2-tuple, got ",
              dims.size(), " dims");
  int64_t d0 = normalize_dim(dims[0], a.dim(), op), d1 = normalize_dim(dims[1], a.dim(), op);
  EMBER_CHECK(d0 != d1, ValueError, "[", op, "] expected two different dims, got ", dims[0],
              " and ", dims[1]);
  return {d0, d1};
}

// 'nuc' (sum), 2 (largest) or -2 (smallest) of the singular values over dims (d0, d1).
Tensor singular_value_norm(const Tensor& a_in, int kind, int64_t d0, int64_t d1, bool keepdim,
                           std::optional<DType> dtype) {
  EMBER_CHECK(is_floating(a_in.dtype()), TypeError, "[matrix_norm] expected a floating point "
              "input (float32 or float64), got ", dtype_name(a_in.dtype()));
  EMBER_CHECK(!dtype || is_floating(*dtype), TypeError, "[matrix_norm] expected dtype float32 "
              "or float64, got ", dtype ? dtype_name(*dtype) : "");
  Tensor a = dtype ? to_dtype(a_in, *dtype) : a_in;
  if (kind != 0)
    for (int64_t d : {d0, d1})
      EMBER_CHECK(a.shape()[d] > 0, IndexError, "[matrix_norm] expected non-empty matrices for "
                  "ord ", kind > 0 ? 2 : -2, ", got shape ", shape_str(a.shape()));
  Tensor s = svdvals(movedim(a, {d0, d1}, {-2, -1}));
  Tensor r = kind == 0 ? sum(s, {-1}) : kind > 0 ? amax(s, {-1}) : amin(s, {-1});
  if (keepdim) {
    r = unsqueeze(r, std::min(d0, d1));
    r = unsqueeze(r, std::max(d0, d1));
  }
  return r;
}

}  // namespace

Tensor matrix_norm(const Tensor& a, const std::string& ord, const std::vector<int64_t>& dims,
                   bool keepdim, std::optional<DType> dtype) {
  check_defined(a, "matrix_norm");
  EMBER_CHECK(ord == "fro" || ord == "nuc", ValueError, "[matrix_norm] expected ord 'fro' or "
              "'nuc', got '", ord, "'");
  auto [d0, d1] = matrix_dims(a, dims, "matrix_norm");
  if (ord == "nuc") return singular_value_norm(a, 0, d0, d1, keepdim, dtype);
  return vector_norm(a, 2.0, {d0, d1}, keepdim, dtype);
}

Tensor matrix_norm(const Tensor& a_in, double ord, const std::vector<int64_t>& dims,
                   bool keepdim, std::optional<DType> dtype) {
  check_defined(a_in, "matrix_norm");
  const bool inf = std::isinf(ord);
  EMBER_CHECK(ord == 1 || ord == -1 || ord == 2 || ord == -2 || inf, ValueError,
              "[matrix_norm] expected ord 'fro', 'nuc', 1, -1, 2, -2, inf or -inf, got ",
              ord_str(ord));
  auto [d0, d1] = matrix_dims(a_in, dims, "matrix_norm");
  if (ord == 2 || ord == -2) return singular_value_norm(a_in, ord > 0 ? 1 : -1, d0, d1, keepdim, dtype);
  EMBER_CHECK(is_floating(a_in.dtype()), TypeError, "[matrix_norm] expected a floating point "
              "input (float32 or float64), got ", dtype_name(a_in.dtype()));
  EMBER_CHECK(!dtype || is_floating(*dtype), TypeError, "[matrix_norm] expected dtype float32 "
              "or float64, got ", dtype ? dtype_name(*dtype) : "");
  Tensor a = dtype ? to_dtype(a_in, *dtype) : a_in;
  for (int64_t d : {d0, d1})
    EMBER_CHECK(a.shape()[d] > 0, IndexError, "[matrix_norm] expected non-empty matrices for ord ",
                ord_str(ord), ", got shape ", shape_str(a.shape()));
  // 1-norms sum |a| down the columns (over d0) then take the extreme over d1; inf-norms
  // sum along rows (over d1) then the extreme over d0.
  const int64_t sum_dim = inf ? d1 : d0, ext_dim = inf ? d0 : d1;
  Tensor s = sum(abs(a), {sum_dim}, true);
  Tensor r = ord > 0 ? amax(s, {ext_dim}, true) : amin(s, {ext_dim}, true);
  if (!keepdim) r = squeeze(r, std::vector<int64_t>{std::min(d0, d1), std::max(d0, d1)});
  return r;
}

Tensor norm(const Tensor& x, std::optional<double> ord,
            const std::optional<std::vector<int64_t>>& dim, bool keepdim,
            std::optional<DType> dtype) {
  check_defined(x, "linalg.norm");
  if (dim) {
    EMBER_CHECK(dim->size() == 1 || dim->size() == 2, ValueError, "[linalg.norm] expected dim "
                "to have 1 or 2 entries, got ", dim->size());
    if (dim->size() == 1) return vector_norm(x, ord.value_or(2.0), *dim, keepdim, dtype);
    return ord ? matrix_norm(x, *ord, *dim, keepdim, dtype) : matrix_norm(x, "fro", *dim, keepdim, dtype);
  }
  if (!ord) return vector_norm(x, 2.0, {}, keepdim, dtype);
  EMBER_CHECK(x.dim() == 1 || x.dim() == 2, ValueError, "[linalg.norm] expected a 1-D or 2-D "
              "input when ord is given and dim is None, got shape ", shape_str(x.shape()));
  if (x.dim() == 1) return vector_norm(x, *ord, {}, keepdim, dtype);
  return matrix_norm(x, *ord, {-2, -1}, keepdim, dtype);
}

Tensor norm(const Tensor& x, const std::string& ord,
            const std::optional<std::vector<int64_t>>& dim, bool keepdim,
            std::optional<DType> dtype) {
  check_defined(x, "linalg.norm");
  if (dim) {
    EMBER_CHECK(dim->size() == 2, ValueError, "[linalg.norm] expected dim to have 2 entries for "
                "ord '", ord, "', got ", dim->size());
    return matrix_norm(x, ord, *dim, keepdim, dtype);
  }
  EMBER_CHECK(x.dim() == 2, ValueError, "[linalg.norm] expected a 2-D input for ord '", ord,
              "' when dim is None, got shape ", shape_str(x.shape()));
  return matrix_norm(x, ord, {-2, -1}, keepdim, dtype);
}

}  // namespace linalg

Tensor norm(const Tensor& x, double p, const std::vector<int64_t>& dim, bool keepdim,
            std::optional<DType> dtype) {
  check_defined(x, "norm");
  return linalg::vector_norm(x, p, dim, keepdim, dtype);
}

Tensor norm(const Tensor& x, const std::string& p, const std::vector<int64_t>& dim, bool keepdim,
            std::optional<DType> dtype) {
  check_defined(x, "norm");
  EMBER_CHECK(p == "fro" || p == "nuc", ValueError, "[norm] expected p 'fro', 'nuc' or a number, "
              "got '", p, "'");
  if (p == "fro" && dim.size() <= 2) return linalg::vector_norm(x, 2.0, dim, keepdim, dtype);
  std::vector<int64_t> d = dim;
  if (d.empty())
    for (int64_t i = 0; i < x.dim(); ++i) d.push_back(i);
  return linalg::matrix_norm(x, p, d, keepdim, dtype);
}

}  // namespace ember
