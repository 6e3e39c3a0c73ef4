// Arithmetic elementwise ops: promotion, broadcasting, autograd, in-place forms; plus the
// shared helpers of elementwise_impl.h. Kernels live in cpu/binary.cpp and cpu/unary.cpp.
#include <cmath>
#include <limits>

#include "ember/ops/creation.h"
#include "ember/ops/elementwise_impl.h"
#include "ember/ops/reduce.h"
#include "ember/ops/view.h"

namespace ember {

using autograd::record;
using autograd::SavedTensor;
using cpu::BinaryOp;
using cpu::UnaryOp;
using detail::grad_like;
using Grads = std::vector<Tensor>;

// ---------------------------------------------------------------- shared helpers
namespace detail {

Tensor binary_op(BinaryOp op, const Tensor& a, const Tensor& b, DType compute, DType out_dtype,
                 const char* name) {
  check_defined(a, name, "input");
  check_defined(b, name, "other");
  Tensor out = Tensor::empty(
      a.shape() == b.shape() ? a.shape() : broadcast_shapes(a.shape(), b.shape(), name),
      out_dtype);
  if (a.dtype() == compute && b.dtype() == compute) {
    cpu::binary(op, out, a, b);
  } else {
    autograd::NoGradGuard guard;
    cpu::binary(op, out, to_dtype(a, compute), to_dtype(b, compute));
  }
  return out;
}

Tensor unary_op(UnaryOp op, const Tensor& a, DType dtype, const char* name, double p0,
                double p1) {
  check_defined(a, name);
  Tensor out = Tensor::empty(a.shape(), dtype);
  if (a.dtype() == dtype) {
    cpu::unary(op, out, a, p0, p1);
  } else {
    autograd::NoGradGuard guard;
    cpu::unary(op, out, to_dtype(a, dtype), p0, p1);
  }
  return out;
}

Tensor grad_like(const Tensor& g, const Shape& shape, DType dtype) {
  Tensor r = autograd::sum_to(g, shape);
  return r.dtype() == dtype ? r : to_dtype(r, dtype);
}

Tensor saved_output(const autograd::SavedTensor& saved, const autograd::Node& node) {
  const Tensor& t = saved.get();
  if (!autograd::GradMode::is_enabled()) return t;
  Tensor r = Tensor::view_of(t.storage(), t.shape(), t.strides(), t.offset(), t.dtype());
  r.impl()->grad_fn = std::const_pointer_cast<autograd::Node>(node.shared_from_this());
  r.impl()->output_nr = 0;
  r.impl()->requires_grad = true;
  return r;
}

Tensor& inplace(Tensor& a, const std::function<Tensor(const Tensor&)>& outofplace,
                const char* name) {
  check_defined(a, name);
  autograd::check_inplace(a, name);
  // With a graph, compute from a copy: the op may save its input for backward, and that
  // saved tensor must not be the one the copy below overwrites.
  Tensor result = outofplace(autograd::any_requires_grad({a}) ? clone(a) : a);
  EMBER_CHECK(result.shape() == a.shape(), ValueError, "[", name, "] output of shape ",
              shape_str(a.shape()), " does not match the broadcast shape ",
              shape_str(result.shape()));
  EMBER_CHECK(category(result.dtype()) <= category(a.dtype()), TypeError, "[", name,
              "] result type ", dtype_name(result.dtype()), " can't be cast to the output dtype ",
              dtype_name(a.dtype()));
  {
    autograd::NoGradGuard guard;
    copy_(a, result);
  }
  autograd::rebase_history(a, result);
  return a;
}

namespace {
// Whether the memory spans of two tensors intersect (views made from NumPy arrays may
// share memory without sharing a Storage object).
bool overlaps(const Tensor& a, const Tensor& b) {
  if (a.numel() == 0 || b.numel() == 0) return false;
  auto span = [](const Tensor& t, const char*& lo, const char*& hi) {
    int64_t extent = 0;
    for (int64_t d = 0; d < t.dim(); ++d) extent += (t.shape()[d] - 1) * t.strides()[d];
    lo = static_cast<const char*>(t.raw_data());
    hi = lo + (extent + 1) * static_cast<int64_t>(t.itemsize());
  };
  const char *alo, *ahi, *blo, *bhi;
  span(a, alo, ahi);
  span(b, blo, bhi);
  return alo < bhi && blo < ahi;
}
}  // namespace

Tensor& binary_inplace(BinaryOp op, Tensor& a, const Tensor& b, DType compute, const char* name,
                       const std::function<Tensor(const Tensor&)>& outofplace) {
  check_defined(a, name);
  check_defined(b, name, "other");
  if (compute != a.dtype() || autograd::any_requires_grad({a, b}))
    return inplace(a, outofplace, name);
  autograd::check_inplace(a, name);
  EMBER_CHECK(b.shape() == a.shape() || broadcast_shapes(a.shape(), b.shape(), name) == a.shape(),
              ValueError, "[", name, "] other of shape ", shape_str(b.shape()),
              " can't be broadcast to the shape ", shape_str(a.shape()), " of the tensor written");
  Tensor bb = b;
  if (bb.dtype() != compute) {
    autograd::NoGradGuard guard;
    bb = to_dtype(bb, compute);
  }
  // other overlapping a's memory in another layout would be read after being written.
  if (overlaps(a, bb) && !(bb.raw_data() == a.raw_data() && bb.shape() == a.shape() &&
                           bb.strides() == a.strides())) {
    autograd::NoGradGuard guard;
    bb = clone(bb);
  }
  cpu::binary(op, a, a, bb);
  a.bump_version();
  return a;
}

Tensor& unary_inplace(UnaryOp op, Tensor& a, DType compute, const char* name,
                      const std::function<Tensor(const Tensor&)>& outofplace, double p0,
                      double p1) {
  check_defined(a, name);
  if (compute != a.dtype() || autograd::any_requires_grad({a})) return inplace(a, outofplace, name);
  autograd::check_inplace(a, name);
  cpu::unary(op, a, a, p0, p1);
  a.bump_version();
  return a;
}

}  // namespace detail

namespace {

DType arith_type(const Tensor& a, const Tensor& b, const char* name) {
  check_defined(a, name, "input");
  check_defined(b, name, "other");
  return result_type({a, b});
}

void check_not_bool_sub(DType t, const char* name) {
  EMBER_CHECK(t != DType::Bool, TypeError, "[", name, "] subtraction with bool operands is not "
              "supported; use logical_xor or ~");
}
void check_not_bool_sub(const Tensor& a, const Scalar& b, const char* name) {
  check_defined(a, name);
  check_not_bool_sub(a.dtype(), name);
  EMBER_CHECK(b.kind() != Scalar::Kind::Bool, TypeError, "[", name, "] subtraction with bool "
              "operands is not supported; use logical_xor or ~");
}

// alpha * b for add/sub; integral tensors refuse a floating alpha like PyTorch.
Tensor scaled(const Tensor& a, const Tensor& b, const Scalar& alpha, const char* name) {
  if (alpha.kind() != Scalar::Kind::Float && alpha.to_int() == 1) return b;
  EMBER_CHECK(is_floating(result_type({a, b})) || alpha.kind() != Scalar::Kind::Float, TypeError,
              "[", name, "] for integral input tensors, alpha must not be a floating point "
              "number, got ", alpha.to_double());
  return mul(b, alpha);
}

Tensor div_mode(const Tensor& a, const Tensor& b, const std::string& mode) {
  if (mode.empty()) return div(a, b);
  EMBER_CHECK(mode == "trunc" || mode == "floor", ValueError, "[div] expected rounding_mode "
              "None, 'trunc' or 'floor', got '", mode, "'");
  DType dt = arith_type(a, b, "div");
  if (dt == DType::Bool) dt = DType::Int64;
  if (!is_floating(dt)) {
    Tensor bi = b;
    if (b.dtype() != dt) {
      autograd::NoGradGuard guard;
      bi = to_dtype(b, dt);
    }
    EMBER_CHECK(!cpu::any_zero(bi), RuntimeError, "[div] ZeroDivisionError: integer division "
                "by zero (rounding_mode='", mode, "')");
  }
  Tensor out = detail::binary_op(mode == "trunc" ? BinaryOp::DivTrunc : BinaryOp::DivFloor, a, b,
                                 dt, dt, "div");
  if (autograd::any_requires_grad({a, b}))  // piecewise constant: zero gradient, like PyTorch
    record("DivBackward", {a, b}, {out},
           [sa = a.shape(), sb = b.shape(), ta = a.dtype(), tb = b.dtype()](const Grads& g,
                                                                           const auto&) {
             return Grads{zeros(sa, ta), zeros(sb, tb)};
           });
  return out;
}

}  // namespace

// ---------------------------------------------------------------- add / sub / mul / div
Tensor add(const Tensor& a, const Tensor& b) {
  DType dt = arith_type(a, b, "add");
  Tensor out = detail::binary_op(BinaryOp::Add, a, b, dt, dt, "add");
  if (autograd::any_requires_grad({a, b}))
    record("AddBackward", {a, b}, {out},
           [sa = a.shape(), sb = b.shape(), ta = a.dtype(), tb = b.dtype()](const Grads& g,
                                                                           const auto& node) {
             Grads r(2);
             if (node.needs_input_grad(0)) r[0] = grad_like(g[0], sa, ta);
             if (node.needs_input_grad(1)) r[1] = grad_like(g[0], sb, tb);
             return r;
           });
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b) {
  DType dt = arith_type(a, b, "sub");
  check_not_bool_sub(a.dtype() == DType::Bool ? a.dtype() : b.dtype(), "sub");
  Tensor out = detail::binary_op(BinaryOp::Sub, a, b, dt, dt, "sub");
  if (autograd::any_requires_grad({a, b}))
    record("SubBackward", {a, b}, {out},
           [sa = a.shape(), sb = b.shape(), ta = a.dtype(), tb = b.dtype()](const Grads& g,
                                                                           const auto& node) {
             Grads r(2);
             if (node.needs_input_grad(0)) r[0] = grad_like(g[0], sa, ta);
             if (node.needs_input_grad(1)) r[1] = grad_like(neg(g[0]), sb, tb);
             return r;
           });
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  DType dt = arith_type(a, b, "mul");
  Tensor out = detail::binary_op(BinaryOp::Mul, a, b, dt, dt, "mul");
  if (autograd::any_requires_grad({a, b}))
    record("MulBackward", {a, b}, {out},
           [sa = SavedTensor(a), sb = SavedTensor(b)](const Grads& g, const auto& node) {
             Grads r(2);
             if (node.needs_input_grad(0)) {
               const Tensor& x = sa.get();
               r[0] = grad_like(mul(g[0], sb.get()), x.shape(), x.dtype());
             }
             if (node.needs_input_grad(1)) {
               const Tensor& y = sb.get();
               r[1] = grad_like(mul(g[0], sa.get()), y.shape(), y.dtype());
             }
             return r;
           });
  return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
  DType dt = detail::float_compute(arith_type(a, b, "div"));
  Tensor out = detail::binary_op(BinaryOp::Div, a, b, dt, dt, "div");
  if (autograd::any_requires_grad({a, b}))
    record("DivBackward", {a, b}, {out},
           [sa = SavedTensor(a), sb = SavedTensor(b)](const Grads& g, const auto& node) {
             Grads r(2);
             const Tensor& y = sb.get();
             if (node.needs_input_grad(0)) {
               const Tensor& x = sa.get();
               r[0] = grad_like(div(g[0], y), x.shape(), x.dtype());
             }
             if (node.needs_input_grad(1))
               r[1] = grad_like(neg(div(mul(g[0], sa.get()), mul(y, y))), y.shape(), y.dtype());
             return r;
           });
  return out;
}

Tensor add(const Tensor& a, const Scalar& b) {
  check_defined(a, "add");
  return add(a, scalar_tensor(b, result_type({a}, {b})));
}
Tensor sub(const Tensor& a, const Scalar& b) {
  check_not_bool_sub(a, b, "sub");
  return sub(a, scalar_tensor(b, result_type({a}, {b})));
}
Tensor rsub(const Tensor& a, const Scalar& b) {
  check_not_bool_sub(a, b, "sub");
  return sub(scalar_tensor(b, result_type({a}, {b})), a);
}
Tensor mul(const Tensor& a, const Scalar& b) {
  check_defined(a, "mul");
  return mul(a, scalar_tensor(b, result_type({a}, {b})));
}
Tensor div(const Tensor& a, const Scalar& b) {
  check_defined(a, "div");
  return div(a, scalar_tensor(b, result_type({a}, {b})));
}
Tensor rdiv(const Tensor& a, const Scalar& b) {
  check_defined(a, "div");
  return div(scalar_tensor(b, result_type({a}, {b})), a);
}
Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  return add(a, scaled(a, b, alpha, "add"));
}
Tensor add(const Tensor& a, const Scalar& b, const Scalar& alpha) {
  check_defined(a, "add");
  return add(a, scalar_tensor(b, result_type({a}, {b})), alpha);
}
Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  arith_type(a, b, "sub");
  check_not_bool_sub(a.dtype() == DType::Bool ? a.dtype() : b.dtype(), "sub");
  return sub(a, scaled(a, b, alpha, "sub"));
}
Tensor sub(const Tensor& a, const Scalar& b, const Scalar& alpha) {
  check_not_bool_sub(a, b, "sub");
  return sub(a, scalar_tensor(b, result_type({a}, {b})), alpha);
}
Tensor div(const Tensor& a, const Tensor& b, const std::string& rounding_mode) {
  return div_mode(a, b, rounding_mode);
}
Tensor div(const Tensor& a, const Scalar& b, const std::string& rounding_mode) {
  check_defined(a, "div");
  return div_mode(a, scalar_tensor(b, result_type({a}, {b})), rounding_mode);
}

// ---------------------------------------------------------------- pow
Tensor pow(const Tensor& a, const Tensor& b) {
  DType dt = arith_type(a, b, "pow");
  EMBER_CHECK(dt != DType::Bool, TypeError, "[pow] expected numeric tensors, got bool ** bool");
  Tensor out = detail::binary_op(BinaryOp::Pow, a, b, dt, dt, "pow");
  if (autograd::any_requires_grad({a, b}))
    record("PowBackward", {a, b}, {out},
           [sa = SavedTensor(a), sb = SavedTensor(b), so = SavedTensor(out, true)](
               const Grads& g, const auto& node) {
             Grads r(2);
             const Tensor& x = sa.get();
             const Tensor& e = sb.get();
             if (node.needs_input_grad(0)) {
               // d/dx x^e = e x^(e-1); exactly 0 where e == 0 (PyTorch's convention).
               Tensor d = where(eq(e, Scalar(int64_t{0})), Scalar(0.0),
                                mul(e, pow(x, sub(e, Scalar(int64_t{1})))));
               r[0] = grad_like(mul(g[0], d), x.shape(), x.dtype());
             }
             if (node.needs_input_grad(1)) {
               // d/de x^e = x^e log x, taken as 0 where x == 0 and e >= 0.
               Tensor zero_base = logical_and(eq(x, Scalar(int64_t{0})), ge(e, Scalar(int64_t{0})));
               Tensor d = where(zero_base, Scalar(0.0), mul(detail::saved_output(so, node), log(x)));
               r[1] = grad_like(mul(g[0], d), e.shape(), e.dtype());
             }
             return r;
           });
  return out;
}

Tensor pow(const Tensor& a, const Scalar& b) {
  check_defined(a, "pow");
  DType dt = result_type({a}, {b});
  EMBER_CHECK(is_floating(dt) || b.to_int() >= 0, RuntimeError,
              "[pow] integers to negative integer powers are not allowed, got exponent ",
              b.to_int());
  return pow(a, scalar_tensor(b, dt));
}

Tensor pow(const Scalar& a, const Tensor& b) {
  check_defined(b, "pow");
  return pow(scalar_tensor(a, result_type({b}, {a})), b);
}

// ---------------------------------------------------------------- neg / abs / sign
Tensor neg(const Tensor& a) {
  check_defined(a, "neg");
  EMBER_CHECK(a.dtype() != DType::Bool, TypeError, "[neg] negation of a bool tensor is not "
              "supported; use logical_not");
  Tensor out = detail::unary_op(UnaryOp::Neg, a, a.dtype(), "neg");
  if (autograd::any_requires_grad({a}))
    record("NegBackward", {a}, {out}, [](const Grads& g, const auto&) { return Grads{neg(g[0])}; });
  return out;
}

Tensor abs(const Tensor& a) {
  check_defined(a, "abs");
  EMBER_CHECK(a.dtype() != DType::Bool, TypeError, "[abs] expected a numeric tensor, got bool");
  Tensor out = detail::unary_op(UnaryOp::Abs, a, a.dtype(), "abs");
  if (autograd::any_requires_grad({a}))
    record("AbsBackward", {a}, {out}, [sa = SavedTensor(a)](const Grads& g, const auto&) {
      return Grads{mul(g[0], sign(sa.get()))};
    });
  return out;
}

Tensor sign(const Tensor& a) {
  check_defined(a, "sign");
  Tensor out = detail::unary_op(UnaryOp::Sign, a, a.dtype(), "sign");
  if (autograd::any_requires_grad({a}))
    record("SignBackward", {a}, {out}, [s = a.shape(), t = a.dtype()](const Grads&, const auto&) {
      return Grads{zeros(s, t)};
    });
  return out;
}

// ---------------------------------------------------------------- maximum / minimum
namespace {

Tensor extremum(const Tensor& a, const Tensor& b, bool is_max) {
  const char* name = is_max ? "maximum" : "minimum";
  DType dt = arith_type(a, b, name);
  Tensor out = detail::binary_op(is_max ? BinaryOp::Maximum : BinaryOp::Minimum, a, b, dt, dt,
                                 name);
  if (autograd::any_requires_grad({a, b}))
    record(is_max ? "MaximumBackward" : "MinimumBackward", {a, b}, {out},
           [sa = SavedTensor(a), sb = SavedTensor(b), is_max](const Grads& g, const auto& node) {
             const Tensor& x = sa.get();
             const Tensor& y = sb.get();
             // Ties split the gradient half and half, like PyTorch.
             Tensor half = mul(g[0], Scalar(0.5));
             Tensor tie = eq(x, y);
             Grads r(2);
             if (node.needs_input_grad(0))
               r[0] = grad_like(where(tie, half, where(is_max ? gt(x, y) : lt(x, y), g[0], Scalar(0.0))),
                                x.shape(), x.dtype());
             if (node.needs_input_grad(1))
               r[1] = grad_like(where(tie, half, where(is_max ? gt(y, x) : lt(y, x), g[0], Scalar(0.0))),
                                y.shape(), y.dtype());
             return r;
           });
  return out;
}

}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) { return extremum(a, b, true); }
Tensor minimum(const Tensor& a, const Tensor& b) { return extremum(a, b, false); }

// ---------------------------------------------------------------- clamp
Tensor clamp(const Tensor& a, const std::optional<Scalar>& min, const std::optional<Scalar>& max) {
  check_defined(a, "clamp");
  EMBER_CHECK(min || max, ValueError, "[clamp] expected at least one of min or max, got neither");
  std::vector<Scalar> bounds;
  if (min) bounds.push_back(*min);
  if (max) bounds.push_back(*max);
  DType dt = result_type({a}, bounds);
  EMBER_CHECK(dt != DType::Bool, TypeError, "[clamp] expected a numeric tensor, got bool");
  const double inf = std::numeric_limits<double>::infinity();
  Tensor out = detail::unary_op(UnaryOp::Clamp, a, dt, "clamp", min ? min->to_double() : -inf,
                                max ? max->to_double() : inf);
  if (autograd::any_requires_grad({a}))
    record("ClampBackward", {a}, {out},
           [sa = SavedTensor(a), min, max](const Grads& g, const auto&) {
             const Tensor& x = sa.get();
             Tensor pass;
             if (min) pass = ge(x, *min);
             if (max) pass = pass.defined() ? logical_and(pass, le(x, *max)) : le(x, *max);
             return Grads{grad_like(where(pass, g[0], Scalar(0.0)), x.shape(), x.dtype())};
           });
  return out;
}

Tensor clamp(const Tensor& a, const Tensor& min, const Tensor& max) {
  check_defined(a, "clamp");
  EMBER_CHECK(min.defined() || max.defined(), ValueError,
              "[clamp] expected at least one of min or max, got neither");
  std::vector<Tensor> all{a};
  if (min.defined()) all.push_back(min);
  if (max.defined()) all.push_back(max);
  DType dt = result_type(all);
  EMBER_CHECK(dt != DType::Bool, TypeError, "[clamp] expected a numeric tensor, got bool");
  Tensor out;
  {
    autograd::NoGradGuard guard;
    out = min.defined() ? detail::binary_op(BinaryOp::Maximum, a, min, dt, dt, "clamp")
                        : to_dtype(a, dt);
    if (max.defined()) out = detail::binary_op(BinaryOp::Minimum, out, max, dt, dt, "clamp");
    if (out.is_same(a)) out = clone(a);
  }
  if (autograd::any_requires_grad(all))
    record("ClampBackward", all, {out},
           [sa = SavedTensor(a), smin = SavedTensor(min), smax = SavedTensor(max)](
               const Grads& g, const auto& node) {
             // PyTorch's rule: x gets it where min <= x <= max; min where x < min < max;
             // max where x > max or max < min.
             const Tensor& x = sa.get();
             Tensor lo = smin.defined() ? smin.get() : Tensor();
             Tensor hi = smax.defined() ? smax.get() : Tensor();
             Grads r(1 + lo.defined() + hi.defined());
             if (node.needs_input_grad(0)) {
               Tensor pass;
               if (lo.defined()) pass = ge(x, lo);
               if (hi.defined()) pass = pass.defined() ? logical_and(pass, le(x, hi)) : le(x, hi);
               r[0] = grad_like(where(pass, g[0], Scalar(0.0)), x.shape(), x.dtype());
             }
             size_t k = 1;
             if (lo.defined()) {
               if (node.needs_input_grad(k)) {
                 Tensor m = lt(x, lo);
                 if (hi.defined()) m = logical_and(m, lt(lo, hi));
                 r[k] = grad_like(where(m, g[0], Scalar(0.0)), lo.shape(), lo.dtype());
               }
               ++k;
             }
             if (hi.defined() && node.needs_input_grad(k)) {
               Tensor m = gt(x, hi);
               if (lo.defined()) m = logical_or(m, lt(hi, lo));
               r[k] = grad_like(where(m, g[0], Scalar(0.0)), hi.shape(), hi.dtype());
             }
             return r;
           });
  return out;
}

Tensor clamp_min(const Tensor& a, const Scalar& min) { return clamp(a, min, std::nullopt); }
Tensor clamp_max(const Tensor& a, const Scalar& max) { return clamp(a, std::nullopt, max); }

// ---------------------------------------------------------------- where / masked_fill
namespace {

void check_bool_mask(const Tensor& m, const char* name, const char* what) {
  check_defined(m, name, what);
  EMBER_CHECK(m.dtype() == DType::Bool, TypeError, "[", name, "] expected ", what,
              " of dtype bool, got ", dtype_name(m.dtype()));
}

Tensor where_impl(const Tensor& cond, const Tensor& a, const Tensor& b, DType dt) {
  Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(),
                                 "where");
  Tensor out = Tensor::empty(shape, dt);
  {
    autograd::NoGradGuard guard;
    cpu::where(out, cond, to_dtype(a, dt), to_dtype(b, dt));
  }
  if (autograd::any_requires_grad({a, b}))
    record("WhereBackward", {a, b}, {out},
           [c = SavedTensor(cond), sa = a.shape(), sb = b.shape(), ta = a.dtype(),
            tb = b.dtype()](const Grads& g, const auto& node) {
             Grads r(2);
             if (node.needs_input_grad(0))
               r[0] = grad_like(where(c.get(), g[0], Scalar(0.0)), sa, ta);
             if (node.needs_input_grad(1))
               r[1] = grad_like(where(c.get(), Scalar(0.0), g[0]), sb, tb);
             return r;
           });
  return out;
}

}  // namespace

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_bool_mask(cond, "where", "condition");
  check_defined(a, "where", "input");
  check_defined(b, "where", "other");
  return where_impl(cond, a, b, result_type({a, b}));
}
Tensor where(const Tensor& cond, const Tensor& a, const Scalar& b) {
  check_bool_mask(cond, "where", "condition");
  check_defined(a, "where", "input");
  DType dt = result_type({a}, {b});
  return where_impl(cond, a, scalar_tensor(b, dt), dt);
}
Tensor where(const Tensor& cond, const Scalar& a, const Tensor& b) {
  check_bool_mask(cond, "where", "condition");
  check_defined(b, "where", "other");
  DType dt = result_type({b}, {a});
  return where_impl(cond, scalar_tensor(a, dt), b, dt);
}
Tensor where(const Tensor& cond, const Scalar& a, const Scalar& b) {
  check_bool_mask(cond, "where", "condition");
  DType dt = result_type({}, {a, b});
  return where_impl(cond, scalar_tensor(a, dt), scalar_tensor(b, dt), dt);
}

Tensor masked_fill(const Tensor& a, const Tensor& mask, const Tensor& value) {
  check_defined(a, "masked_fill");
  check_bool_mask(mask, "masked_fill", "mask");
  check_defined(value, "masked_fill", "value");
  EMBER_CHECK(value.dim() == 0, ValueError, "[masked_fill] expected value to be a 0-dim tensor "
              "or a number, got a tensor of shape ", shape_str(value.shape()));
  Tensor out = Tensor::empty(broadcast_shapes(a.shape(), mask.shape(), "masked_fill"), a.dtype());
  {
    autograd::NoGradGuard guard;
    cpu::where(out, mask, to_dtype(value, a.dtype()), a);
  }
  if (autograd::any_requires_grad({a, value}))
    record("MaskedFillBackward", {a, value}, {out},
           [m = SavedTensor(mask), sa = a.shape(), ta = a.dtype(), tv = value.dtype()](
               const Grads& g, const auto& node) {
             Grads r(2);
             if (node.needs_input_grad(0))
               r[0] = grad_like(where(m.get(), Scalar(0.0), g[0]), sa, ta);
             if (node.needs_input_grad(1))
               r[1] = grad_like(where(m.get(), g[0], Scalar(0.0)), Shape{}, tv);
             return r;
           });
  return out;
}

Tensor masked_fill(const Tensor& a, const Tensor& mask, const Scalar& value) {
  check_defined(a, "masked_fill");
  return masked_fill(a, mask, scalar_tensor(value, a.dtype()));
}

// ---------------------------------------------------------------- in place
Tensor& add_(Tensor& a, const Tensor& b) {
  check_defined(a, "add_");
  check_defined(b, "add_", "other");
  return detail::binary_inplace(BinaryOp::Add, a, b, result_type({a, b}), "add_",
                                [&](const Tensor& x) { return add(x, b); });
}
Tensor& add_(Tensor& a, const Scalar& b) {
  check_defined(a, "add_");
  return add_(a, scalar_tensor(b, result_type({a}, {b})));
}
Tensor& add_(Tensor& a, const Tensor& b, const Scalar& alpha) {
  check_defined(a, "add_");
  return add_(a, scaled(a, b, alpha, "add_"));
}
Tensor& add_(Tensor& a, const Scalar& b, const Scalar& alpha) {
  check_defined(a, "add_");
  return add_(a, scalar_tensor(b, result_type({a}, {b})), alpha);
}
Tensor& sub_(Tensor& a, const Tensor& b) {
  check_defined(a, "sub_");
  check_defined(b, "sub_", "other");
  DType dt = result_type({a, b});
  check_not_bool_sub(a.dtype() == DType::Bool ? a.dtype() : b.dtype(), "sub_");
  return detail::binary_inplace(BinaryOp::Sub, a, b, dt, "sub_",
                                [&](const Tensor& x) { return sub(x, b); });
}
Tensor& sub_(Tensor& a, const Scalar& b) {
  check_not_bool_sub(a, b, "sub_");
  return sub_(a, scalar_tensor(b, result_type({a}, {b})));
}
Tensor& sub_(Tensor& a, const Tensor& b, const Scalar& alpha) {
  check_defined(a, "sub_");
  return sub_(a, scaled(a, b, alpha, "sub_"));
}
Tensor& sub_(Tensor& a, const Scalar& b, const Scalar& alpha) {
  check_defined(a, "sub_");
  return sub_(a, scalar_tensor(b, result_type({a}, {b})), alpha);
}
Tensor& mul_(Tensor& a, const Tensor& b) {
  check_defined(a, "mul_");
  check_defined(b, "mul_", "other");
  return detail::binary_inplace(BinaryOp::Mul, a, b, result_type({a, b}), "mul_",
                                [&](const Tensor& x) { return mul(x, b); });
}
Tensor& mul_(Tensor& a, const Scalar& b) {
  check_defined(a, "mul_");
  return mul_(a, scalar_tensor(b, result_type({a}, {b})));
}
Tensor& div_(Tensor& a, const Tensor& b) {
  check_defined(a, "div_");
  check_defined(b, "div_", "other");
  return detail::binary_inplace(BinaryOp::Div, a, b, detail::float_compute(result_type({a, b})),
                                "div_", [&](const Tensor& x) { return div(x, b); });
}
Tensor& div_(Tensor& a, const Scalar& b) {
  check_defined(a, "div_");
  return div_(a, scalar_tensor(b, result_type({a}, {b})));
}
Tensor& div_(Tensor& a, const Tensor& b, const std::string& rounding_mode) {
  check_defined(a, "div_");
  check_defined(b, "div_", "other");
  if (rounding_mode.empty()) return div_(a, b);
  DType dt = result_type({a, b});
  bool direct = (rounding_mode == "trunc" || rounding_mode == "floor") && dt == a.dtype() &&
                dt != DType::Bool && !autograd::any_requires_grad({a, b});
  // Integer division by zero goes the long way so that div raises its error.
  if (direct && (is_floating(dt) || !cpu::any_zero(to_dtype(b, dt))))
    return detail::binary_inplace(rounding_mode == "trunc" ? BinaryOp::DivTrunc
                                                           : BinaryOp::DivFloor,
                                  a, b, dt, "div_",
                                  [&](const Tensor& x) { return div(x, b, rounding_mode); });
  return detail::inplace(a, [&](const Tensor& x) { return div(x, b, rounding_mode); }, "div_");
}
Tensor& div_(Tensor& a, const Scalar& b, const std::string& rounding_mode) {
  check_defined(a, "div_");
  return div_(a, scalar_tensor(b, result_type({a}, {b})), rounding_mode);
}
Tensor& pow_(Tensor& a, const Tensor& b) {
  check_defined(a, "pow_");
  check_defined(b, "pow_", "exponent");
  DType dt = result_type({a, b});
  EMBER_CHECK(dt != DType::Bool, TypeError, "[pow_] expected numeric tensors, got bool ** bool");
  return detail::binary_inplace(BinaryOp::Pow, a, b, dt, "pow_",
                                [&](const Tensor& x) { return pow(x, b); });
}
Tensor& pow_(Tensor& a, const Scalar& b) {
  check_defined(a, "pow_");
  DType dt = result_type({a}, {b});
  if (!is_floating(dt) && b.to_int() < 0)  // let pow raise its error
    return detail::inplace(a, [&](const Tensor& x) { return pow(x, b); }, "pow_");
  return pow_(a, scalar_tensor(b, dt));
}
Tensor& neg_(Tensor& a) {
  check_defined(a, "neg_");
  EMBER_CHECK(a.dtype() != DType::Bool, TypeError, "[neg_] negation of a bool tensor is not "
              "supported; use logical_not");
  return detail::unary_inplace(UnaryOp::Neg, a, a.dtype(), "neg_",
                               [](const Tensor& x) { return neg(x); });
}
Tensor& abs_(Tensor& a) {
  check_defined(a, "abs_");
  EMBER_CHECK(a.dtype() != DType::Bool, TypeError, "[abs_] expected a numeric tensor, got bool");
  return detail::unary_inplace(UnaryOp::Abs, a, a.dtype(), "abs_",
                               [](const Tensor& x) { return abs(x); });
}
Tensor& sign_(Tensor& a) {
  check_defined(a, "sign_");
  return detail::unary_inplace(UnaryOp::Sign, a, a.dtype(), "sign_",
                               [](const Tensor& x) { return sign(x); });
}
Tensor& clamp_(Tensor& a, const std::optional<Scalar>& min, const std::optional<Scalar>& max) {
  check_defined(a, "clamp_");
  std::vector<Scalar> bounds;
  if (min) bounds.push_back(*min);
  if (max) bounds.push_back(*max);
  DType dt = result_type({a}, bounds);
  if (bounds.empty() || dt == DType::Bool)  // let clamp raise its error
    return detail::inplace(a, [&](const Tensor& x) { return clamp(x, min, max); }, "clamp_");
  const double inf = std::numeric_limits<double>::infinity();
  return detail::unary_inplace(UnaryOp::Clamp, a, dt, "clamp_",
                               [&](const Tensor& x) { return clamp(x, min, max); },
                               min ? min->to_double() : -inf, max ? max->to_double() : inf);
}
Tensor& clamp_(Tensor& a, const Tensor& min, const Tensor& max) {
  return detail::inplace(a, [&](const Tensor& x) { return clamp(x, min, max); }, "clamp_");
}
Tensor& clamp_min_(Tensor& a, const Scalar& min) { return clamp_(a, min, std::nullopt); }
Tensor& clamp_max_(Tensor& a, const Scalar& max) { return clamp_(a, std::nullopt, max); }
Tensor& masked_fill_(Tensor& a, const Tensor& mask, const Tensor& value) {
  check_defined(a, "masked_fill_");
  check_bool_mask(mask, "masked_fill_", "mask");
  EMBER_CHECK(broadcast_shapes(a.shape(), mask.shape(), "masked_fill_") == a.shape(), ValueError,
              "[masked_fill_] mask of shape ", shape_str(mask.shape()),
              " can't be broadcast to the shape ", shape_str(a.shape()));
  check_defined(value, "masked_fill_", "value");
  if (value.dim() != 0 || autograd::any_requires_grad({a, value}))
    return detail::inplace(a, [&](const Tensor& x) { return masked_fill(x, mask, value); },
                           "masked_fill_");
  autograd::check_inplace(a, "masked_fill_");
  Tensor v = value;
  if (v.dtype() != a.dtype()) {
    autograd::NoGradGuard guard;
    v = to_dtype(v, a.dtype());
  }
  cpu::where(a, mask, v, a);  // each element reads and writes only its own slot
  a.bump_version();
  return a;
}
Tensor& masked_fill_(Tensor& a, const Tensor& mask, const Scalar& value) {
  check_defined(a, "masked_fill_");
  return masked_fill_(a, mask, scalar_tensor(value, a.dtype()));
}

}  // namespace ember
