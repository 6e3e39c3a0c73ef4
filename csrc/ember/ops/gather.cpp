// Gather / scatter along one dim (PyTorch semantics, non-negative int64 indices checked
// before the kernel), take_along_dim and one_hot; see index.h.
#include <algorithm>
#include <limits>

#include "ember/autograd/function.h"
#include "ember/core/parallel.h"
#include "ember/cpu/index.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"
#include "ember/ops/view.h"

namespace ember {

using autograd::record;
using Grads = std::vector<Tensor>;

namespace {

// Offsets of self along the dims other than dim, over the index's extent: outer (dims
// before dim) and inner (dims after dim) tables.
struct DimGeometry {
  std::vector<int64_t> outer, inner;
  int64_t no = 1, n = 1, ni = 1, stride = 0;
};

void table(const Shape& sizes, const Shape& strides, int64_t from, int64_t to,
           std::vector<int64_t>& out) {
  int64_t n = 1;
  for (int64_t d = from; d < to; ++d) n *= sizes[d];
  out.assign(static_cast<size_t>(n), 0);
  Shape idx(sizes.size(), 0);
  int64_t cur = 0;
  for (int64_t k = 0; k < n; ++k) {
    out[k] = cur;
    for (int64_t d = to; d-- > from;) {
      cur += strides[d];
      if (++idx[d] < sizes[d]) break;
      cur -= strides[d] * sizes[d];
      idx[d] = 0;
    }
  }
}

// Checks index against self (dims, dtype, extents, values) and returns the geometry.
// `src_shape` (scatter) must cover the index in every dim.
DimGeometry check_and_plan(const Tensor& self, int64_t& dim, const Tensor& index,
                           const Tensor* src, const char* op) {
  check_defined(self, op);
  check_defined(index, op, "index");
  EMBER_CHECK(index.dtype() == DType::Int64, TypeError, "[", op, "] expected index of dtype "
              "int64, got ", dtype_name(index.dtype()));
  int64_t nd = std::max<int64_t>(self.dim(), 1);
  EMBER_CHECK(std::max<int64_t>(index.dim(), 1) == nd, ValueError, "[", op, "] index should have "
              "the same number of dimensions as input (", self.dim(), "), got index of shape ",
              shape_str(index.shape()));
  dim = normalize_dim(dim, self.dim(), op);
  Shape ishape = index.dim() == 0 ? Shape{1} : index.shape();
  Shape sshape = self.dim() == 0 ? Shape{1} : self.shape();
  Shape sstr = self.dim() == 0 ? Shape{1} : self.strides();
  for (int64_t d = 0; d < nd; ++d) {
    EMBER_CHECK(d == dim || ishape[d] <= sshape[d], ValueError, "[", op, "] index of shape ",
                shape_str(index.shape()), " is larger than input of shape ",
                shape_str(self.shape()), " in dim ", d);
    if (src) {
      Shape rs = src->dim() == 0 ? Shape{1} : src->shape();
      EMBER_CHECK(src->dim() == index.dim() && ishape[d] <= rs[d], ValueError, "[", op,
                  "] index of shape ", shape_str(index.shape()), " is larger than src of shape ",
                  shape_str(src->shape()), " in dim ", d);
    }
  }
  Tensor ic = contiguous(index);
  const int64_t* p = ic.data<int64_t>();
  int64_t size = sshape[dim];
  for (int64_t k = 0, n = ic.numel(); k < n; ++k)
    if (p[k] < 0 || p[k] >= size)
      EMBER_THROW(IndexError, "[", op, "] index ", p[k], " is out of bounds for dim ", dim,
                  " with size ", size);
  DimGeometry g;
  table(ishape, sstr, 0, dim, g.outer);
  table(ishape, sstr, dim + 1, nd, g.inner);
  g.no = static_cast<int64_t>(g.outer.size());
  g.ni = static_cast<int64_t>(g.inner.size());
  g.n = ishape[dim];
  g.stride = sstr[dim];
  return g;
}

// src restricted to the index's extent, contiguous, in self's dtype.
Tensor src_block(const Tensor& src, const Tensor& index, DType dtype) {
  autograd::NoGradGuard guard;
  Tensor s = src;
  for (int64_t d = 0; d < index.dim(); ++d)
    if (s.shape()[d] != index.shape()[d]) s = narrow(s, d, 0, index.shape()[d]);
  return contiguous(to_dtype(s, dtype));
}

void scatter_into(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                  bool accumulate, const char* op) {
  DimGeometry g = check_and_plan(self, dim, index, &src, op);
  Tensor ic = contiguous(index.detach());
  if (ic.storage() == self.storage()) ic = clone(ic);  // self.scatter_(d, self, ...) on int64
  Tensor s = src_block(src, index, self.dtype());
  if (s.storage() == self.storage()) s = clone(s.detach());
  cpu::scatter_dim(self.dtype(), self.raw_data(), s.raw_data(), ic.data<int64_t>(),
                   g.outer.data(), g.no, g.n, g.inner.data(), g.ni, g.stride, accumulate);
  self.bump_version();
}

// r (over the index's extent) zero-padded to src's shape, in src's dtype.
Tensor pad_to_src(Tensor r, const Shape& src_shape, DType src_dtype) {
  if (r.shape() != src_shape) {
    BasicIndex spec;
    for (size_t d = 0; d < src_shape.size(); ++d) spec.dims.push_back({0, 1, r.shape()[d], false});
    r = basic_index_scatter(Tensor(), src_shape, r, spec);
  }
  return to_dtype(r, src_dtype);
}

// Gradient for scatter's src: gathered over the index's extent, zero-padded to src's shape.
Tensor src_grad(const Tensor& g, int64_t dim, const Tensor& index, const Shape& src_shape,
                DType src_dtype) {
  return pad_to_src(gather(g, dim, index), src_shape, src_dtype);
}

Tensor scatter_impl(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src,
                    bool accumulate, const char* op, bool src_differentiable) {
  check_defined(t, op);
  check_defined(src, op, "src");
  EMBER_CHECK(!src_differentiable || src.dtype() == t.dtype(), TypeError, "[", op,
              "] expected src of the same dtype as input (", dtype_name(t.dtype()), "), got ",
              dtype_name(src.dtype()));
  Tensor out;
  {
    autograd::NoGradGuard guard;
    out = clone(t);
  }
  scatter_into(out, dim, index, src, accumulate, op);
  int64_t d = normalize_dim(dim, t.dim(), op);
  if (autograd::any_requires_grad({t, src}))
    record(accumulate ? "ScatterAddBackward" : "ScatterBackward", {t, src}, {out},
           [d, index, accumulate, ss = src.shape(), sd = src.dtype()](const Grads& g,
                                                                     const auto& node) {
             Grads r(2);
             if (node.needs_input_grad(0))
               r[0] = accumulate ? g[0] : scatter(g[0], d, index, Scalar(0.0));
             if (node.needs_input_grad(1)) r[1] = src_grad(g[0], d, index, ss, sd);
             return r;
           });
  return out;
}

Tensor& scatter_inplace(Tensor& t, int64_t dim, const Tensor& index, const Tensor& src,
                        bool accumulate, const char* op, bool src_differentiable) {
  check_defined(t, op);
  check_defined(src, op, "src");
  bool grad = autograd::any_requires_grad({t, src});
  if (!grad) {
    EMBER_CHECK(!src_differentiable || src.dtype() == t.dtype(), TypeError, "[", op,
                "] expected src of the same dtype as input (", dtype_name(t.dtype()), "), got ",
                dtype_name(src.dtype()));
    scatter_into(t, dim, index, src, accumulate, op);
    return t;
  }
  autograd::check_inplace(t, op);
  Tensor result = scatter_impl(t, dim, index, src, accumulate, op, src_differentiable);
  {
    autograd::NoGradGuard guard;
    copy_(t, result);
  }
  autograd::rebase_history(t, result);
  return t;
}

}  // namespace

Tensor gather(const Tensor& t, int64_t dim, const Tensor& index) {
  DimGeometry g = check_and_plan(t, dim, index, nullptr, "gather");
  Tensor ic = contiguous(index);
  Tensor out = Tensor::empty(index.shape(), t.dtype());
  cpu::gather_dim(t.dtype(), out.raw_data(), t.raw_data(), ic.data<int64_t>(), g.outer.data(),
                  g.no, g.n, g.inner.data(), g.ni, g.stride);
  if (autograd::any_requires_grad({t}))
    record("GatherBackward", {t}, {out},
           [dim, index, shape = t.shape(), dtype = t.dtype()](const Grads& gr, const auto&) {
             return Grads{scatter_add(zeros(shape, dtype), dim, index, gr[0])};
           });
  return out;
}

Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_impl(t, dim, index, src, false, "scatter", true);
}

Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Scalar& value) {
  check_defined(t, "scatter");
  check_defined(index, "scatter", "index");
  Tensor v = expand(scalar_tensor(value, t.dtype()), index.shape());
  return scatter_impl(t, dim, index, v, false, "scatter", false);
}

Tensor scatter_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_impl(t, dim, index, src, true, "scatter_add", true);
}

Tensor& scatter_(Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_inplace(t, dim, index, src, false, "scatter_", true);
}

Tensor& scatter_(Tensor& t, int64_t dim, const Tensor& index, const Scalar& value) {
  check_defined(t, "scatter_");
  check_defined(index, "scatter_", "index");
  Tensor v = expand(scalar_tensor(value, t.dtype()), index.shape());
  return scatter_inplace(t, dim, index, v, false, "scatter_", false);
}

Tensor& scatter_add_(Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_inplace(t, dim, index, src, true, "scatter_add_", true);
}

Tensor take_along_dim(const Tensor& t, const Tensor& indices, std::optional<int64_t> dim) {
  check_defined(t, "take_along_dim");
  check_defined(indices, "take_along_dim", "indices");
  if (!dim) return gather(reshape(t, {-1}), 0, reshape(indices, {-1}));
  EMBER_CHECK(t.dim() == indices.dim(), ValueError, "[take_along_dim] input and indices should "
              "have the same number of dimensions, got ", t.dim(), " and ", indices.dim());
  int64_t d = normalize_dim(*dim, t.dim(), "take_along_dim");
  Shape a = t.shape(), b = indices.shape();
  if (t.dim() == 0) return gather(t, 0, indices);
  a[d] = 1, b[d] = 1;
  Shape bs = broadcast_shapes(a, b, "take_along_dim");
  Shape ta = bs, tb = bs;
  ta[d] = t.shape()[d], tb[d] = indices.shape()[d];
  return gather(expand(t, ta), d, expand(indices, tb));
}

namespace {

enum class Reduce { Sum, Prod, Mean, Amax, Amin };

Reduce reduce_of(const std::string& r) {
  if (r == "sum") return Reduce::Sum;
  if (r == "prod") return Reduce::Prod;
  if (r == "mean") return Reduce::Mean;
  if (r == "amax") return Reduce::Amax;
  if (r == "amin") return Reduce::Amin;
  EMBER_THROW(ValueError, "[scatter_reduce] reduce must be one of 'sum', 'prod', 'mean', 'amax' "
              "or 'amin', got '", r, "'");
}

// The value a reduction starts from where include_self is false.
Scalar reduce_identity(Reduce r, DType dtype) {
  const bool f = is_floating(dtype);
  const double inf = std::numeric_limits<double>::infinity();
  switch (r) {
    case Reduce::Prod: return Scalar(int64_t{1});
    case Reduce::Amax:
      if (dtype == DType::Bool) return Scalar(false);
      return f ? Scalar(-inf) : Scalar(std::numeric_limits<int64_t>::lowest());
    case Reduce::Amin:
      if (dtype == DType::Bool) return Scalar(true);
      return f ? Scalar(inf) : Scalar(std::numeric_limits<int64_t>::max());
    default: return Scalar(int64_t{0});
  }
}

// Forward without autograd: a copy of t with src reduced into it along dim.
Tensor scatter_reduce_values(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src,
                             Reduce r, bool include_self) {
  autograd::NoGradGuard guard;
  Tensor out = clone(t);
  DimGeometry g = check_and_plan(out, dim, index, &src, "scatter_reduce");
  Tensor ic = contiguous(index.detach());
  Tensor s = src_block(src.detach(), index, t.dtype());
  auto run = [&](const Tensor& dst, const Tensor& from, auto fn) {
    fn(dst.raw_data(), from.raw_data(), ic.data<int64_t>(), g.outer.data(), g.no, g.n,
       g.inner.data(), g.ni, g.stride);
  };
  if (!include_self) {
    Tensor id = contiguous(full(index.shape(), reduce_identity(r, t.dtype()), t.dtype()));
    run(out, id, [&](auto... a) { cpu::scatter_dim(t.dtype(), a..., false); });
  }
  cpu::ScatterReduce op = r == Reduce::Prod   ? cpu::ScatterReduce::Prod
                          : r == Reduce::Amax ? cpu::ScatterReduce::Amax
                          : r == Reduce::Amin ? cpu::ScatterReduce::Amin
                                              : cpu::ScatterReduce::Sum;
  run(out, s, [&](auto... a) { cpu::scatter_reduce_dim(t.dtype(), a..., op); });
  if (r != Reduce::Mean) return out;
  Tensor count = full(t.shape(), Scalar(int64_t{include_self ? 1 : 0}), t.dtype());
  Tensor one = contiguous(full(index.shape(), Scalar(int64_t{1}), t.dtype()));
  run(count, one, [&](auto... a) { cpu::scatter_dim(t.dtype(), a..., true); });
  count = masked_fill(count, eq(count, Scalar(int64_t{0})), Scalar(int64_t{1}));
  return is_floating(t.dtype()) ? div(out, count) : div(out, count, "floor");
}

// src over the index's extent (a differentiable view).
Tensor src_view(const Tensor& src, const Tensor& index) {
  Tensor s = src;
  for (int64_t d = 0; d < index.dim(); ++d)
    if (s.shape()[d] != index.shape()[d]) s = narrow(s, d, 0, index.shape()[d]);
  return s;
}

// PyTorch's scatter_reduce backward, written with ember ops (so it differentiates again).
Grads scatter_reduce_grads(const Tensor& g, const Tensor& self, int64_t dim, const Tensor& index,
                           const Tensor& src_full, Reduce r, const std::string& reduce,
                           bool include_self) {
  Tensor src = src_view(src_full, index);
  const DType dt = self.dtype();
  Tensor gs, gsrc;
  switch (r) {
    case Reduce::Sum:
      gs = g;
      gsrc = gather(g, dim, index);
      break;
    case Reduce::Mean: {
      Tensor n = scatter_add(full(self.shape(), Scalar(int64_t{include_self ? 1 : 0}), dt), dim,
                             index, ones(index.shape(), dt));
      gs = div(g, masked_fill(n, eq(n, Scalar(int64_t{0})), Scalar(int64_t{1})));
      gsrc = gather(gs, dim, index);
      break;
    }
    case Reduce::Prod: {
      Tensor result = scatter_reduce(self, dim, index, src, reduce, include_self);
      Tensor masked_self = masked_fill(self, eq(self, Scalar(int64_t{0})), Scalar(int64_t{1}));
      gs = div(mul(g, scatter_reduce(masked_self, dim, index, src, reduce, include_self)),
               masked_self);
      Tensor src_zero = eq(src.detach(), Scalar(int64_t{0}));
      Tensor zeros_per_dst = gather(scatter_add(zeros(self.shape(), dt), dim, index,
                                                to_dtype(src_zero, dt)), dim, index);
      Tensor single_zero = logical_and(src_zero, eq(zeros_per_dst, Scalar(int64_t{1})));
      Tensor masked_src_result =
          scatter_reduce(self, dim, index, masked_fill(src, single_zero, Scalar(int64_t{1})),
                         reduce, include_self);
      gsrc = where(single_zero, gather(mul(g, masked_src_result), dim, index),
                   div(gather(mul(g, result), dim, index),
                       masked_fill(src, src_zero, Scalar(int64_t{1}))));
      break;
    }
    default: {  // amax / amin: shared evenly among the entries equal to the result
      Tensor result = scatter_reduce(self, dim, index, src, reduce, include_self).detach();
      Tensor self_is = to_dtype(eq(self.detach(), result), dt);
      Tensor src_is = to_dtype(eq(src.detach(), gather(result, dim, index)), dt);
      Tensor shared = div(g, scatter_add(self_is, dim, index, src_is));
      gs = mul(self_is, shared);
      gsrc = mul(src_is, gather(shared, dim, index));
    }
  }
  if (!include_self) gs = scatter(gs, dim, index, Scalar(int64_t{0}));
  return {gs, pad_to_src(gsrc, src_full.shape(), src_full.dtype())};
}

}  // namespace

Tensor scatter_reduce(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src,
                      const std::string& reduce, bool include_self) {
  check_defined(t, "scatter_reduce");
  check_defined(src, "scatter_reduce", "src");
  const Reduce r = reduce_of(reduce);
  EMBER_CHECK(src.dtype() == t.dtype(), TypeError, "[scatter_reduce] expected src of the same "
              "dtype as input (", dtype_name(t.dtype()), "), got ", dtype_name(src.dtype()));
  Tensor out = scatter_reduce_values(t, dim, index, src, r, include_self);
  const int64_t d = normalize_dim(dim, t.dim(), "scatter_reduce");
  if (autograd::any_requires_grad({t, src})) {
    EMBER_CHECK(is_floating(t.dtype()), TypeError, "[scatter_reduce] gradients need a floating "
                "point input, got ", dtype_name(t.dtype()));
    record("ScatterReduceBackward", {t, src}, {out},
           [st = autograd::SavedTensor(t), ss = autograd::SavedTensor(src), d, index, r, reduce,
            include_self](const Grads& g, const auto&) {
             return scatter_reduce_grads(g[0], st.get(), d, index, ss.get(), r, reduce,
                                         include_self);
           });
  }
  return out;
}

Tensor one_hot(const Tensor& t, int64_t num_classes) {
  check_defined(t, "one_hot");
  EMBER_CHECK(t.dtype() == DType::Int64, TypeError, "[one_hot] expected an int64 tensor of class "
              "indices, got ", dtype_name(t.dtype()));
  Tensor c = contiguous(t.detach());
  const int64_t* p = c.data<int64_t>();
  int64_t n = c.numel(), mx = -1, mn = 0;
  for (int64_t i = 0; i < n; ++i) mx = std::max(mx, p[i]), mn = std::min(mn, p[i]);
  EMBER_CHECK(mn >= 0, ValueError, "[one_hot] class values must be non-negative, got ", mn);
  if (num_classes == -1) {
    EMBER_CHECK(n > 0, ValueError, "[one_hot] can not infer the number of classes from an empty "
                "tensor; pass num_classes");
    num_classes = mx + 1;
  }
  EMBER_CHECK(num_classes >= 0, ValueError, "[one_hot] num_classes must be -1 or non-negative, got ",
              num_classes);
  EMBER_CHECK(mx < num_classes, ValueError, "[one_hot] class values must be smaller than "
              "num_classes (", num_classes, "), got ", mx);
  Shape shape = t.shape();
  shape.push_back(num_classes);
  Tensor out = zeros(shape, DType::Int64);
  int64_t* o = out.data<int64_t>();
  parallel_for(n, 65536, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) o[i * num_classes + p[i]] = 1;
  });
  return out;
}

}  // namespace ember
