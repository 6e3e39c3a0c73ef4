// Unary maths with PyTorch semantics: inverse hyperbolics, erfc / erfinv, exp2, lgamma,
// digamma / polygamma, i0, sinc (kernels in cpu/unary.cpp and cpu/special_math.cpp), and
// the composites logit, frac, deg2rad, rad2deg, sgn, signbit. Floating results (integer
// inputs compute in float32); backward formulas in ember ops, so double backward works.
#include <cmath>

#include "ember/ops/creation.h"
#include "ember/ops/math_impl.h"
#include "ember/ops/view.h"

namespace ember {

using autograd::record;
using autograd::SavedTensor;
using cpu::UnaryOp;
using detail::float_inplace;
using detail::float_unary;
using Grads = std::vector<Tensor>;

namespace {

constexpr double kPi = 3.14159265358979323846264338327950288;
const Scalar kOne(int64_t{1});
const Scalar kZero(int64_t{0});

Tensor d_asinh(const Tensor& x, const Tensor&) { return rsqrt(add(mul(x, x), kOne)); }
Tensor d_acosh(const Tensor& x, const Tensor&) { return rsqrt(sub(mul(x, x), kOne)); }
Tensor d_atanh(const Tensor& x, const Tensor&) { return rdiv(rsub(mul(x, x), kOne), kOne); }
Tensor d_erfc(const Tensor& x, const Tensor&) {
  return mul(exp(neg(mul(x, x))), Scalar(-2.0 / std::sqrt(kPi)));
}
Tensor d_erfinv(const Tensor&, const Tensor& y) {
  return mul(exp(mul(y, y)), Scalar(std::sqrt(kPi) / 2.0));
}
Tensor d_exp2(const Tensor&, const Tensor& y) { return mul(y, Scalar(std::log(2.0))); }
Tensor d_lgamma(const Tensor& x, const Tensor&) { return digamma(x); }
Tensor d_digamma(const Tensor& x, const Tensor&) { return polygamma(1, x); }
Tensor d_sinc(const Tensor& x, const Tensor&) {
  // (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0 at x == 0.
  Tensor px = mul(x, Scalar(kPi));
  Tensor d = div(sub(mul(px, cos(px)), sin(px)), mul(px, x));
  return where(eq(x, kZero), Scalar(0.0), d);
}
Tensor d_i0(const Tensor& x, const Tensor&) { return special::i1(x); }

}  // namespace

Tensor asinh(const Tensor& a) { return float_unary(UnaryOp::Asinh, a, "asinh", "AsinhBackward", d_asinh, true, false); }
Tensor acosh(const Tensor& a) { return float_unary(UnaryOp::Acosh, a, "acosh", "AcoshBackward", d_acosh, true, false); }
Tensor atanh(const Tensor& a) { return float_unary(UnaryOp::Atanh, a, "atanh", "AtanhBackward", d_atanh, true, false); }
Tensor erfc(const Tensor& a) { return float_unary(UnaryOp::Erfc, a, "erfc", "ErfcBackward", d_erfc, true, false); }
Tensor erfinv(const Tensor& a) { return float_unary(UnaryOp::Erfinv, a, "erfinv", "ErfinvBackward", d_erfinv, false, true); }
Tensor exp2(const Tensor& a) { return float_unary(UnaryOp::Exp2, a, "exp2", "Exp2Backward", d_exp2, false, true); }
Tensor lgamma(const Tensor& a) { return float_unary(UnaryOp::Lgamma, a, "lgamma", "LgammaBackward", d_lgamma, true, false); }
Tensor digamma(const Tensor& a) { return float_unary(UnaryOp::Digamma, a, "digamma", "DigammaBackward", d_digamma, true, false); }
Tensor sinc(const Tensor& a) { return float_unary(UnaryOp::Sinc, a, "sinc", "SincBackward", d_sinc, true, false); }
Tensor i0(const Tensor& a) { return float_unary(UnaryOp::I0, a, "i0", "I0Backward", d_i0, true, false); }

Tensor polygamma(int64_t n, const Tensor& a) {
  check_defined(a, "polygamma");
  EMBER_CHECK(n >= 0, ValueError, "[polygamma] expected a non-negative order n, got ", n);
  if (n == 0) return digamma(a);
  Tensor out = detail::unary_op(UnaryOp::Polygamma, a, detail::float_compute(a.dtype()),
                                "polygamma", static_cast<double>(n));
  if (autograd::any_requires_grad({a}))
    record("PolygammaBackward", {a}, {out}, [n, sa = SavedTensor(a)](const Grads& g, const auto&) {
      return Grads{mul(g[0], polygamma(n + 1, sa.get()))};
    });
  return out;
}

Tensor logit(const Tensor& a, std::optional<double> eps) {
  check_defined(a, "logit");
  EMBER_CHECK(a.dtype() != DType::Bool, TypeError, "[logit] expected a numeric tensor, got bool");
  Tensor z = eps ? clamp(a, Scalar(*eps), Scalar(1.0 - *eps)) : a;
  return log(div(z, rsub(z, kOne)));
}

Tensor frac(const Tensor& a) {
  detail::check_floating_dtype(a, "frac");
  return sub(a, trunc(a));
}

Tensor deg2rad(const Tensor& a) {
  check_defined(a, "deg2rad");
  return mul(a, Scalar(kPi / 180.0));
}
Tensor rad2deg(const Tensor& a) {
  check_defined(a, "rad2deg");
  return mul(a, Scalar(180.0 / kPi));
}

Tensor sgn(const Tensor& a) {
  check_defined(a, "sgn");
  return sign(a);
}

Tensor signbit(const Tensor& a) {
  check_defined(a, "signbit");
  autograd::NoGradGuard guard;
  if (a.dtype() == DType::Bool) return zeros_like(a, DType::Bool);
  if (!is_floating(a.dtype())) return lt(a, kZero);
  // copysign sees the sign bit of -0.0 and -NaN, which a comparison cannot.
  return lt(copysign(ones_like(a), a), kZero);
}

Tensor& asinh_(Tensor& a) { return float_inplace(UnaryOp::Asinh, a, "asinh_", asinh); }
Tensor& acosh_(Tensor& a) { return float_inplace(UnaryOp::Acosh, a, "acosh_", acosh); }
Tensor& atanh_(Tensor& a) { return float_inplace(UnaryOp::Atanh, a, "atanh_", atanh); }
Tensor& erfc_(Tensor& a) { return float_inplace(UnaryOp::Erfc, a, "erfc_", erfc); }
Tensor& erfinv_(Tensor& a) { return float_inplace(UnaryOp::Erfinv, a, "erfinv_", erfinv); }
Tensor& exp2_(Tensor& a) { return float_inplace(UnaryOp::Exp2, a, "exp2_", exp2); }
Tensor& lgamma_(Tensor& a) { return float_inplace(UnaryOp::Lgamma, a, "lgamma_", lgamma); }
Tensor& digamma_(Tensor& a) { return float_inplace(UnaryOp::Digamma, a, "digamma_", digamma); }
Tensor& sinc_(Tensor& a) { return float_inplace(UnaryOp::Sinc, a, "sinc_", sinc); }
Tensor& i0_(Tensor& a) { return float_inplace(UnaryOp::I0, a, "i0_", i0); }
Tensor& polygamma_(Tensor& a, int64_t n) {
  return detail::inplace(a, [n](const Tensor& x) { return polygamma(n, x); }, "polygamma_");
}
Tensor& logit_(Tensor& a, std::optional<double> eps) {
  return detail::inplace(a, [eps](const Tensor& x) { return logit(x, eps); }, "logit_");
}
Tensor& frac_(Tensor& a) { return detail::inplace(a, [](const Tensor& x) { return frac(x); }, "frac_"); }
Tensor& deg2rad_(Tensor& a) {
  return detail::inplace(a, [](const Tensor& x) { return deg2rad(x); }, "deg2rad_");
}
Tensor& rad2deg_(Tensor& a) {
  return detail::inplace(a, [](const Tensor& x) { return rad2deg(x); }, "rad2deg_");
}
Tensor& sgn_(Tensor& a) { return sign_(a); }

}  // namespace ember
