// More unary maths with PyTorch semantics: log1p, expm1, log2, log10, tan, atan, asin, acos,
// sinh, cosh (floating results; integer inputs compute in float32), the rounding family
// floor, ceil, round (half to even, optional decimals), trunc (integer inputs are returned
// as copies; gradient zero), the composites square and reciprocal, and (declared in math.h)
// asin_ / acos_ / atan_ and positive. Backward in ember ops, so double backward works.
#include <cmath>

#include "ember/ops/creation.h"
#include "ember/ops/elementwise_impl.h"
#include "ember/ops/math.h"
#include "ember/ops/view.h"

namespace ember {

using cpu::UnaryOp;
using detail::float_inplace;
using detail::float_unary;
using Grads = std::vector<Tensor>;

namespace {

const Scalar kOne(int64_t{1});

Tensor d_log1p(const Tensor& x, const Tensor&) { return rdiv(add(x, kOne), kOne); }
Tensor d_expm1(const Tensor&, const Tensor& y) { return add(y, kOne); }
Tensor d_log2(const Tensor& x, const Tensor&) { return rdiv(x, Scalar(1.0 / std::log(2.0))); }
Tensor d_log10(const Tensor& x, const Tensor&) { return rdiv(x, Scalar(1.0 / std::log(10.0))); }
Tensor d_tan(const Tensor&, const Tensor& y) { return add(mul(y, y), kOne); }
Tensor d_atan(const Tensor& x, const Tensor&) { return rdiv(add(mul(x, x), kOne), kOne); }
Tensor d_asin(const Tensor& x, const Tensor&) { return rsqrt(rsub(mul(x, x), kOne)); }
Tensor d_acos(const Tensor& x, const Tensor&) { return neg(rsqrt(rsub(mul(x, x), kOne))); }
Tensor d_sinh(const Tensor& x, const Tensor&) { return cosh(x); }
Tensor d_cosh(const Tensor& x, const Tensor&) { return sinh(x); }

// floor / ceil / round / trunc: integer and bool inputs come back as copies (PyTorch keeps
// their dtype); the gradient is zero everywhere.
Tensor rounding(UnaryOp op, const Tensor& a, const char* name) {
  check_defined(a, name);
  if (!is_floating(a.dtype())) return clone(a.detach());
  Tensor out = detail::unary_op(op, a, a.dtype(), name);
  if (autograd::any_requires_grad({a}))
    autograd::record("RoundingBackward", {a}, {out},
                     [](const Grads& g, const auto&) { return Grads{zeros_like(g[0])}; });
  return out;
}

}  // namespace

Tensor log1p(const Tensor& a) { return float_unary(UnaryOp::Log1p, a, "log1p", "Log1pBackward", d_log1p, true, false); }
Tensor expm1(const Tensor& a) { return float_unary(UnaryOp::Expm1, a, "expm1", "Expm1Backward", d_expm1, false, true); }
Tensor log2(const Tensor& a) { return float_unary(UnaryOp::Log2, a, "log2", "Log2Backward", d_log2, true, false); }
Tensor log10(const Tensor& a) { return float_unary(UnaryOp::Log10, a, "log10", "Log10Backward", d_log10, true, false); }
Tensor tan(const Tensor& a) { return float_unary(UnaryOp::Tan, a, "tan", "TanBackward", d_tan, false, true); }
Tensor atan(const Tensor& a) { return float_unary(UnaryOp::Atan, a, "atan", "AtanBackward", d_atan, true, false); }
Tensor asin(const Tensor& a) { return float_unary(UnaryOp::Asin, a, "asin", "AsinBackward", d_asin, true, false); }
Tensor acos(const Tensor& a) { return float_unary(UnaryOp::Acos, a, "acos", "AcosBackward", d_acos, true, false); }
Tensor sinh(const Tensor& a) { return float_unary(UnaryOp::Sinh, a, "sinh", "SinhBackward", d_sinh, true, false); }
Tensor cosh(const Tensor& a) { return float_unary(UnaryOp::Cosh, a, "cosh", "CoshBackward", d_cosh, true, false); }

Tensor floor(const Tensor& a) { return rounding(UnaryOp::Floor, a, "floor"); }
Tensor ceil(const Tensor& a) { return rounding(UnaryOp::Ceil, a, "ceil"); }
Tensor trunc(const Tensor& a) { return rounding(UnaryOp::Trunc, a, "trunc"); }
Tensor round(const Tensor& a, int64_t decimals) {
  if (decimals == 0 || !a.defined() || !is_floating(a.dtype()))
    return rounding(UnaryOp::Round, a, "round");
  // PyTorch's formula, in the input's dtype: scale, round half to even, scale back.
  const double scale = std::pow(10.0, static_cast<double>(decimals < 0 ? -decimals : decimals));
  if (decimals > 0) return div(rounding(UnaryOp::Round, mul(a, Scalar(scale)), "round"), Scalar(scale));
  return mul(rounding(UnaryOp::Round, div(a, Scalar(scale)), "round"), Scalar(scale));
}

Tensor square(const Tensor& a) {
  check_defined(a, "square");
  return mul(a, a);
}
Tensor reciprocal(const Tensor& a) {
  check_defined(a, "reciprocal");
  return rdiv(a, kOne);
}

Tensor& log1p_(Tensor& a) { return float_inplace(UnaryOp::Log1p, a, "log1p_", log1p); }
Tensor& expm1_(Tensor& a) { return float_inplace(UnaryOp::Expm1, a, "expm1_", expm1); }
Tensor& asin_(Tensor& a) { return float_inplace(UnaryOp::Asin, a, "asin_", asin); }
Tensor& acos_(Tensor& a) { return float_inplace(UnaryOp::Acos, a, "acos_", acos); }
Tensor& atan_(Tensor& a) { return float_inplace(UnaryOp::Atan, a, "atan_", atan); }
Tensor positive(const Tensor& a) {
  check_defined(a, "positive");
  EMBER_CHECK(a.dtype() != DType::Bool, TypeError, "[positive] expected a numeric tensor, got "
              "bool");
  return a;
}

Tensor& floor_(Tensor& a) {
  return detail::inplace(a, [](const Tensor& x) { return floor(x); }, "floor_");
}
Tensor& ceil_(Tensor& a) {
  return detail::inplace(a, [](const Tensor& x) { return ceil(x); }, "ceil_");
}
Tensor& trunc_(Tensor& a) {
  return detail::inplace(a, [](const Tensor& x) { return trunc(x); }, "trunc_");
}
Tensor& round_(Tensor& a, int64_t decimals) {
  return detail::inplace(a, [decimals](const Tensor& x) { return round(x, decimals); }, "round_");
}

}  // namespace ember
