// Reductions: argument checks, dtype rules, layout preparation and backward formulas; the
// kernels live in cpu/reduce.cpp. See reduce.h.
#include "ember/ops/reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ember/autograd/function.h"
#include "ember/core/parallel.h"
#include "ember/cpu/loop.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/view.h"

namespace ember {

using autograd::SavedTensor;
using Grads = std::vector<Tensor>;

std::vector<int64_t> reduction_dims(const Tensor& t, const std::vector<int64_t>& dims,
                                    const char* op) {
  std::vector<int64_t> out;
  if (dims.empty()) {
    for (int64_t i = 0; i < t.dim(); ++i) out.push_back(i);
    return out;
  }
  for (int64_t d : dims) {
    int64_t n = normalize_dim(d, t.dim(), op);
    EMBER_CHECK(std::find(out.begin(), out.end(), n) == out.end(), ValueError, "[", op,
                "] dim ", n, " appears more than once in the reduction dims");
    out.push_back(n);
  }
  if (t.dim() == 0) out.clear();
  std::sort(out.begin(), out.end());
  return out;
}

Shape reduced_shape(const Shape& shape, const std::vector<int64_t>& dims, bool keepdim) {
  Shape out;
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i) {
    bool r = std::find(dims.begin(), dims.end(), i) != dims.end();
    if (!r) out.push_back(shape[i]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

namespace detail {

Prepared prepare_reduction(const Tensor& t, const std::vector<int64_t>& dims) {
  const Shape& s = t.shape();
  const int64_t nd = t.dim();
  if (dims.empty()) return {contiguous(t), {t.numel(), 1, 1}};
  bool adjacent = dims.back() - dims.front() + 1 == static_cast<int64_t>(dims.size());
  if (adjacent && t.is_contiguous()) {
    cpu::ReduceLayout l{1, 1, 1};
    for (int64_t i = 0; i < nd; ++i)
      (i < dims.front() ? l.outer : i <= dims.back() ? l.len : l.inner) *= s[i];
    return {t, l};
  }
  // Reduced dims moved last: each output element then reduces one contiguous row. A view
  // that is already contiguous after the permutation (a transposed array) is not copied.
  std::vector<int64_t> perm;
  cpu::ReduceLayout l{1, 1, 1};
  for (int64_t i = 0; i < nd; ++i)
    if (std::find(dims.begin(), dims.end(), i) == dims.end()) { perm.push_back(i); l.outer *= s[i]; }
  for (int64_t d : dims) { perm.push_back(d); l.len *= s[d]; }
  return {contiguous(permute(t, perm)), l};
}

Tensor keep_dims(const Tensor& g, const Shape& in_shape, const std::vector<int64_t>& dims,
                 bool keepdim) {
  if (keepdim) return g;
  return reshape(g, reduced_shape(in_shape, dims, true));
}

}  // namespace detail

using detail::keep_dims;
using detail::prepare_reduction;

namespace {

// 1 where x equals y (y broadcast against x), else 0, in x's dtype; not differentiable.
Tensor equal_mask(const Tensor& x, const Tensor& y) {
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  Tensor yb = expand(y, x.shape());
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    cpu::StridedLoop<3> loop(x.shape(), {&out, &x, &yb});
    loop.run([](char** p, const int64_t* st, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        T a = *reinterpret_cast<const T*>(p[1] + i * st[1]);
        T b = *reinterpret_cast<const T*>(p[2] + i * st[2]);
        *reinterpret_cast<T*>(p[0] + i * st[0]) = (a == b || (a != a && b != b)) ? T(1) : T(0);
      }
    });
  });
  return out;
}

// One-hot along dim: 1 at indices (keepdim shape, int64) in a zero tensor of in_shape.
Tensor index_mask(const Tensor& indices, const Shape& in_shape, int64_t dim, DType dtype) {
  Tensor out = zeros(in_shape, dtype);
  Tensor idx = contiguous(indices);
  int64_t len = in_shape.empty() ? 1 : in_shape[dim], inner = 1;
  for (size_t i = dim + 1; i < in_shape.size(); ++i) inner *= in_shape[i];
  const int64_t* ip = idx.data<int64_t>();
  const int64_t n = idx.numel();
  dispatch_float(dtype, "max", [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data<T>();
    parallel_for(n, 32768, [&](int64_t b, int64_t e) {
      for (int64_t k = b; k < e; ++k) {
        int64_t oi = k / inner, ii = k % inner;
        o[(oi * len + ip[k]) * inner + ii] = T(1);
      }
    });
  });
  return out;
}

void check_nonempty(const Tensor& t, const std::vector<int64_t>& dims, const char* op) {
  if (t.numel() != 0) return;
  EMBER_CHECK(!dims.empty() || t.dim() == 0, IndexError, "[", op,
              "] expected a non-empty tensor or a reduction dim, got an empty tensor of shape ",
              shape_str(t.shape()), "; specify dim");
  for (int64_t d : dims)
    EMBER_CHECK(t.shape()[d] != 0, IndexError, "[", op, "] expected reduction dim ", d,
                " to have non-zero size, got shape ", shape_str(t.shape()),
                " (the op has no identity)");
}

// amax/amin and whole-tensor max/min: gradient split evenly among ties.
Tensor extreme_all(const Tensor& t, const std::vector<int64_t>& dims_in, bool keepdim,
                   bool is_max, const char* op) {
  check_defined(t, op);
  std::vector<int64_t> dims = reduction_dims(t, dims_in, op);
  if (dims_in.empty() && t.numel() == 0 && t.dim() > 0)
    EMBER_THROW(IndexError, "[", op, "] expected a non-empty tensor, got an empty tensor of shape ",
                shape_str(t.shape()), "; specify a reduction dim");
  check_nonempty(t, dims, op);
  Tensor out = Tensor::empty(reduced_shape(t.shape(), dims, keepdim), t.dtype());
  {
    autograd::NoGradGuard guard;
    if (out.numel() > 0) {
      auto p = prepare_reduction(t, dims);
      cpu::extreme(p.x, p.layout, is_max, &out, nullptr);
    }
  }
  if (autograd::any_requires_grad({t}) && is_floating(t.dtype()))
    autograd::record(is_max ? "AmaxBackward" : "AminBackward", {t}, {out},
        [st = SavedTensor(t), so = SavedTensor(out, true), dims, keepdim](const Grads& g, const auto&) {
          const Tensor& x = st.get();
          Tensor mask;
          {
            autograd::NoGradGuard guard;
            mask = equal_mask(x, keep_dims(so.get(), x.shape(), dims, keepdim));
          }
          Tensor count = sum(mask, dims, true);
          return Grads{div(mul(mask, keep_dims(g[0], x.shape(), dims, keepdim)), count)};
        });
  return out;
}

ValuesIndices extreme_dim(const Tensor& t, int64_t dim_in, bool keepdim, bool is_max,
                          const char* op) {
  check_defined(t, op);
  int64_t dim = normalize_dim(dim_in, t.dim(), op);
  std::vector<int64_t> dims;
  if (t.dim() > 0) dims.push_back(dim);
  check_nonempty(t, dims, op);
  Shape shape = reduced_shape(t.shape(), dims, keepdim);
  ValuesIndices r{Tensor::empty(shape, t.dtype()), Tensor::empty(shape, DType::Int64)};
  {
    autograd::NoGradGuard guard;
    if (r.values.numel() > 0) {
      auto p = prepare_reduction(t, dims);
      cpu::extreme(p.x, p.layout, is_max, &r.values, &r.indices);
    }
  }
  if (autograd::any_requires_grad({t}) && is_floating(t.dtype()))
    autograd::record(is_max ? "MaxBackward" : "MinBackward", {t}, {r.values},
        [in_shape = t.shape(), dtype = t.dtype(), idx = r.indices, dims, dim, keepdim](
            const Grads& g, const auto&) {
          Tensor mask;
          {
            autograd::NoGradGuard guard;
            mask = index_mask(keep_dims(idx, in_shape, dims, keepdim), in_shape, dim, dtype);
          }
          return Grads{mul(mask, keep_dims(g[0], in_shape, dims, keepdim))};
        });
  return r;
}

Tensor arg_extreme(const Tensor& t, std::optional<int64_t> dim, bool keepdim, bool is_max,
                   const char* op) {
  check_defined(t, op);
  if (!dim) {
    EMBER_CHECK(t.numel() > 0, IndexError, "[", op, "] expected a non-empty tensor when dim is "
                "None, got shape ", shape_str(t.shape()));
    autograd::NoGradGuard guard;
    Tensor flat = reshape(t, {t.numel()});
    Tensor r = extreme_dim(flat, 0, false, is_max, op).indices;
    return keepdim ? reshape(r, Shape(t.dim(), 1)) : r;
  }
  autograd::NoGradGuard guard;
  return extreme_dim(t, *dim, keepdim, is_max, op).indices;
}

Tensor any_all(const Tensor& t, const std::vector<int64_t>& dims_in, bool keepdim, bool is_any,
               const char* op) {
  check_defined(t, op);
  std::vector<int64_t> dims = reduction_dims(t, dims_in, op);
  Tensor out = Tensor::empty(reduced_shape(t.shape(), dims, keepdim), DType::Bool);
  autograd::NoGradGuard guard;
  if (out.numel() > 0) {
    auto p = prepare_reduction(to_dtype(t, DType::Bool), dims);
    cpu::any_all(p.x, p.layout, is_any, out);
  }
  return out;
}

// sum / prod forward: the input cast to the result dtype (bool and int64 give int64 unless
// dtype says otherwise), reduced over dims by kernel(x, layout, out); no autograd.
Tensor accumulate(const Tensor& t, const std::vector<int64_t>& dims, bool keepdim,
                  std::optional<DType> dtype, const char* op,
                  void (*kernel)(const Tensor&, const cpu::ReduceLayout&, Tensor&)) {
  DType out_dtype = dtype.value_or(is_floating(t.dtype()) ? t.dtype() : DType::Int64);
  EMBER_CHECK(out_dtype != DType::Bool, TypeError, "[", op, "] expected dtype float32, float64 "
              "or int64, got bool");
  Tensor out = Tensor::empty(reduced_shape(t.shape(), dims, keepdim), out_dtype);
  autograd::NoGradGuard guard;
  if (out.numel() > 0) {
    auto p = prepare_reduction(to_dtype(t, out_dtype), dims);
    kernel(p.x, p.layout, out);
  }
  return out;
}

}  // namespace

Tensor sum(const Tensor& t, const std::vector<int64_t>& dims_in, bool keepdim,
           std::optional<DType> dtype) {
  check_defined(t, "sum");
  std::vector<int64_t> dims = reduction_dims(t, dims_in, "sum");
  Tensor out = accumulate(t, dims, keepdim, dtype, "sum", cpu::sum);
  const DType out_dtype = out.dtype();
  if (autograd::any_requires_grad({t}) && is_floating(out_dtype) && is_floating(t.dtype()))
    autograd::record("SumBackward", {t}, {out},
           [in_shape = t.shape(), dtype = t.dtype(), dims, keepdim](const Grads& g, const auto&) {
             return Grads{to_dtype(expand(keep_dims(g[0], in_shape, dims, keepdim), in_shape), dtype)};
           });
  return out;
}

Tensor mean(const Tensor& t, const std::vector<int64_t>& dims_in, bool keepdim,
            std::optional<DType> dtype) {
  check_defined(t, "mean");
  DType dt = dtype.value_or(t.dtype());
  EMBER_CHECK(is_floating(dt), TypeError, "[mean] expected a floating point input or dtype "
              "(float32 or float64), got ", dtype_name(dt), "; pass dtype=ember.float32");
  std::vector<int64_t> dims = reduction_dims(t, dims_in, "mean");
  int64_t n = 1;
  for (int64_t d : dims) n *= t.shape()[d];
  Tensor out = Tensor::empty(reduced_shape(t.shape(), dims, keepdim), dt);
  {
    autograd::NoGradGuard guard;
    if (out.numel() > 0) {
      auto p = prepare_reduction(to_dtype(t, dt), dims);
      cpu::sum(p.x, p.layout, out);
      dispatch_float(dt, "mean", [&](auto tag) {
        using T = decltype(tag);
        T* o = out.data<T>();
        const T inv = n ? T(1) / static_cast<T>(n) : std::numeric_limits<T>::quiet_NaN();
        for (int64_t i = 0; i < out.numel(); ++i) o[i] = n ? o[i] * inv : inv;
      });
    }
  }
  if (autograd::any_requires_grad({t}) && is_floating(t.dtype()))
    autograd::record("MeanBackward", {t}, {out},
           [in_shape = t.shape(), dtype = t.dtype(), dims, keepdim, n](const Grads& g, const auto&) {
             Tensor e = expand(keep_dims(g[0], in_shape, dims, keepdim), in_shape);
             return Grads{to_dtype(div(e, Scalar(static_cast<double>(n))), dtype)};
           });
  return out;
}

namespace {

// d prod(x over dims) / d x: for each entry the product of the other entries it is
// reduced with (exact with zeros in x).
Tensor product_of_others(const Tensor& x, const std::vector<int64_t>& dims);

// out[o, i] = product over l of x[o, l, i]; floating types multiply in double. Each output
// is one serial product, so the bits never depend on the thread count.
void product(const Tensor& x, const cpu::ReduceLayout& l, Tensor& out) {
  dispatch(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
    const T* in = x.data<T>();
    T* o = out.data<T>();
    const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(l.len, 1));
    parallel_for(l.outer * l.inner, grain, [&](int64_t b, int64_t e) {
      for (int64_t k = b; k < e; ++k) {
        const int64_t oi = k / l.inner, ii = k % l.inner;
        const T* p = in + oi * l.len * l.inner + ii;
        Acc acc = 1;
        for (int64_t j = 0; j < l.len; ++j) acc *= static_cast<Acc>(p[j * l.inner]);
        o[k] = static_cast<T>(acc);
      }
    });
  });
}

}  // namespace

Tensor prod(const Tensor& t, std::optional<int64_t> dim, bool keepdim, std::optional<DType> dtype) {
  check_defined(t, "prod");
  std::vector<int64_t> dims = dim ? reduction_dims(t, {*dim}, "prod") : reduction_dims(t, {}, "prod");
  if (!dim) keepdim = false;
  Tensor out = accumulate(t, dims, keepdim, dtype, "prod", product);
  const DType out_dtype = out.dtype();
  if (autograd::any_requires_grad({t}) && is_floating(out_dtype) && is_floating(t.dtype()))
    autograd::record("ProdBackward", {t}, {out},
           [sx = SavedTensor(t), dims, keepdim, out_dtype](const Grads& g, const auto&) {
             Tensor x = to_dtype(sx.get(), out_dtype);
             Tensor ge = expand(keep_dims(g[0], x.shape(), dims, keepdim), x.shape());
             return Grads{to_dtype(mul(ge, product_of_others(x, dims)), sx.get().dtype())};
           });
  return out;
}

namespace {

Tensor var_impl(const Tensor& t, const std::vector<int64_t>& dims_in, double correction,
                bool keepdim, bool take_sqrt) {
  const char* op = take_sqrt ? "std" : "var";
  check_defined(t, op);
  EMBER_CHECK(is_floating(t.dtype()), TypeError, "[", op, "] expected a floating point tensor "
              "(float32 or float64), got ", dtype_name(t.dtype()));
  std::vector<int64_t> dims = reduction_dims(t, dims_in, op);
  int64_t n = 1;
  for (int64_t d : dims) n *= t.shape()[d];
  Tensor out = Tensor::empty(reduced_shape(t.shape(), dims, keepdim), t.dtype());
  {
    autograd::NoGradGuard guard;
    if (out.numel() > 0) {
      auto p = prepare_reduction(t, dims);
      cpu::var(p.x, p.layout, correction, take_sqrt, out);
    }
  }
  if (autograd::any_requires_grad({t}))
    autograd::record(take_sqrt ? "StdBackward" : "VarBackward", {t}, {out},
        [st = SavedTensor(t), so = SavedTensor(out, true), dims, keepdim, take_sqrt, n,
         correction](const Grads& g, const auto&) {
          const Tensor& x = st.get();
          const double denom = std::max(0.0, static_cast<double>(n) - correction);
          Tensor centred = sub(x, mean(x, dims, true));
          Tensor gk = keep_dims(g[0], x.shape(), dims, keepdim);
          if (take_sqrt) {  // d std = d var / (2 std); recompute std under create_graph
            Tensor sd = autograd::GradMode::is_enabled() ? std_dev(x, dims, correction, true)
                                                         : keep_dims(so.get(), x.shape(), dims, keepdim);
            return Grads{div(mul(centred, div(gk, sd)),
                             Scalar(denom))};
          }
          return Grads{mul(mul(centred, gk), Scalar(2.0 / denom))};
        });
  return out;
}

}  // namespace

Tensor var(const Tensor& t, const std::vector<int64_t>& dims, double correction, bool keepdim) {
  return var_impl(t, dims, correction, keepdim, false);
}
Tensor std_dev(const Tensor& t, const std::vector<int64_t>& dims, double correction, bool keepdim) {
  return var_impl(t, dims, correction, keepdim, true);
}

Tensor max(const Tensor& t) { return extreme_all(t, {}, false, true, "max"); }
Tensor min(const Tensor& t) { return extreme_all(t, {}, false, false, "min"); }
ValuesIndices max(const Tensor& t, int64_t dim, bool keepdim) {
  return extreme_dim(t, dim, keepdim, true, "max");
}
ValuesIndices min(const Tensor& t, int64_t dim, bool keepdim) {
  return extreme_dim(t, dim, keepdim, false, "min");
}
Tensor amax(const Tensor& t, const std::vector<int64_t>& dims, bool keepdim) {
  return extreme_all(t, dims, keepdim, true, "amax");
}
Tensor amin(const Tensor& t, const std::vector<int64_t>& dims, bool keepdim) {
  return extreme_all(t, dims, keepdim, false, "amin");
}
Tensor argmax(const Tensor& t, std::optional<int64_t> dim, bool keepdim) {
  return arg_extreme(t, dim, keepdim, true, "argmax");
}
Tensor argmin(const Tensor& t, std::optional<int64_t> dim, bool keepdim) {
  return arg_extreme(t, dim, keepdim, false, "argmin");
}
Tensor any(const Tensor& t, const std::vector<int64_t>& dims, bool keepdim) {
  return any_all(t, dims, keepdim, true, "any");
}
Tensor all(const Tensor& t, const std::vector<int64_t>& dims, bool keepdim) {
  return any_all(t, dims, keepdim, false, "all");
}

namespace {

// The product over dims (all when empty) kept as size-1 dims, one dim at a time through
// prod itself.
Tensor prod_keep(const Tensor& x, const std::vector<int64_t>& dims) {
  Tensor r = x;
  for (int64_t d : dims) r = prod(r, d, true);
  return r;
}

Tensor product_of_others(const Tensor& x, const std::vector<int64_t>& dims) {
  if (!autograd::GradMode::is_enabled()) {
    // First order, O(n): with no zero in a reduced group it is prod / x_i; with one zero
    // only that entry gets the product of the nonzeros; with two or more, 0 everywhere.
    // Zeros are replaced by ones first, so no branch divides by zero.
    Tensor zero = eq(x, Scalar(0.0));
    Tensor ones_for_zeros = where(zero, Scalar(1.0), x);
    Tensor nonzero_prod = prod_keep(ones_for_zeros, dims);
    Tensor zeros_count = sum(zero, dims, true);
    Tensor one_zero = where(logical_and(eq(zeros_count, Scalar(int64_t{1})), zero),
                            expand(nonzero_prod, x.shape()), Scalar(0.0));
    return where(eq(zeros_count, Scalar(int64_t{0})), div(nonzero_prod, ones_for_zeros), one_zero);
  }
  // create_graph: a formula that stays differentiable at zeros. For a group of L entries
  // (dims merged into one, moved last) build the L x L matrix whose row i is the group
  // with entry i replaced by 1 and take its row products: O(L^2) memory.
  std::vector<int64_t> rest;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (std::find(dims.begin(), dims.end(), d) == dims.end()) rest.push_back(d);
  std::vector<int64_t> perm = rest;
  perm.insert(perm.end(), dims.begin(), dims.end());
  Tensor xp = contiguous(permute(x, perm));
  Shape group_shape = xp.shape();
  int64_t len = 1;
  for (int64_t d : dims) len *= x.shape()[d];
  Shape flat(group_shape.begin(), group_shape.begin() + static_cast<int64_t>(rest.size()));
  flat.push_back(len);
  Tensor rows = reshape(xp, flat);
  Shape square = flat;
  square.insert(square.end() - 1, len);  // (..., L, L): row i, column j
  Tensor grid = expand(unsqueeze(rows, -2), square);
  Tensor others = prod(where(eye(len, len, DType::Bool), Scalar(1.0), grid), -1);
  std::vector<int64_t> inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inverse[static_cast<size_t>(perm[i])] = static_cast<int64_t>(i);
  return permute(reshape(others, group_shape), inverse);
}

}  // namespace

}  // namespace ember
