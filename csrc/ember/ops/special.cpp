// The torch.special functions that have no top-level torch op: ndtr, ndtri, log_ndtr, the
// scaled and first-order Bessel functions i0e / i1 / i1e, xlog1py, entr, multigammaln.
// Kernels in cpu/special_math.cpp; gradients are PyTorch's formulas in ember ops.
#include <cmath>
#include <limits>

#include "ember/ops/creation.h"
#include "ember/ops/math_impl.h"
#include "ember/ops/view.h"

namespace ember::special {

using cpu::UnaryOp;
using detail::float_unary;
using Grads = std::vector<Tensor>;

namespace {

constexpr double kPi = 3.14159265358979323846264338327950288;
constexpr double kSqrt1_2 = 0.707106781186547524400844362104849;
const Scalar kZero(int64_t{0});

Tensor d_ndtri(const Tensor&, const Tensor& y) {
  return mul(exp(mul(mul(y, y), Scalar(0.5))), Scalar(std::sqrt(2.0 * kPi)));
}
Tensor d_log_ndtr(const Tensor& x, const Tensor& y) {
  return mul(exp(neg(add(y, mul(mul(x, x), Scalar(0.5))))), Scalar(1.0 / std::sqrt(2.0 * kPi)));
}
Tensor d_i0e(const Tensor& x, const Tensor& y) { return sub(i1e(x), mul(sign(x), y)); }
Tensor d_i1(const Tensor& x, const Tensor& y) {
  return where(eq(x, kZero), Scalar(0.5), sub(i0(x), div(y, x)));
}
Tensor d_i1e(const Tensor& x, const Tensor& y) {
  return where(eq(x, kZero), Scalar(0.5),
               sub(i0e(x), mul(y, add(sign(x), rdiv(x, Scalar(int64_t{1}))))));
}
Grads d_xlog1py(const Tensor& g, const Tensor& x, const Tensor& y, const Tensor&) {
  return {mul(g, xlog1py(ne(x, kZero), y)), mul(g, div(x, add(y, Scalar(int64_t{1}))))};
}

}  // namespace

Tensor ndtr(const Tensor& a) {
  check_defined(a, "ndtr");
  return mul(erfc(mul(a, Scalar(-kSqrt1_2))), Scalar(0.5));
}
Tensor ndtri(const Tensor& a) {
  return float_unary(UnaryOp::Ndtri, a, "ndtri", "NdtriBackward", d_ndtri, false, true);
}
Tensor log_ndtr(const Tensor& a) {
  return float_unary(UnaryOp::LogNdtr, a, "log_ndtr", "LogNdtrBackward", d_log_ndtr, true, true);
}
Tensor i0e(const Tensor& a) {
  return float_unary(UnaryOp::I0e, a, "i0e", "I0eBackward", d_i0e, true, true);
}
Tensor i1(const Tensor& a) {
  return float_unary(UnaryOp::I1, a, "i1", "I1Backward", d_i1, true, true);
}
Tensor i1e(const Tensor& a) {
  return float_unary(UnaryOp::I1e, a, "i1e", "I1eBackward", d_i1e, true, true);
}

Tensor xlog1py(const Tensor& a, const Tensor& b) {
  check_defined(a, "xlog1py", "input");
  check_defined(b, "xlog1py", "other");
  DType dt = detail::float_compute(result_type({a, b}));
  return detail::math_binary(cpu::BinaryOp::Xlog1py, a, b, dt, "xlog1py", "Xlog1pyBackward",
                             d_xlog1py);
}
Tensor xlog1py(const Tensor& a, const Scalar& b) {
  check_defined(a, "xlog1py");
  return xlog1py(a, scalar_tensor(b, result_type({a}, {b})));
}
Tensor xlog1py(const Scalar& a, const Tensor& b) {
  check_defined(b, "xlog1py", "other");
  return xlog1py(scalar_tensor(a, result_type({b}, {a})), b);
}

Tensor entr(const Tensor& a) {
  check_defined(a, "entr");
  EMBER_CHECK(a.dtype() != DType::Bool, TypeError, "[entr] expected a numeric tensor, got bool");
  // -x log x for x > 0 (xlogy is 0 at 0), -inf for x < 0, NaN stays NaN.
  Tensor x = to_dtype(a, detail::float_compute(a.dtype()));
  Tensor body = neg(xlogy(x, x));
  Tensor r = where(lt(x, kZero), Scalar(-std::numeric_limits<double>::infinity()), body);
  return r;
}

Tensor multigammaln(const Tensor& a, int64_t p) {
  check_defined(a, "multigammaln");
  EMBER_CHECK(p >= 1, ValueError, "[multigammaln] expected p >= 1, got ", p);
  {
    autograd::NoGradGuard guard;
    EMBER_CHECK(all(gt(a, Scalar(0.5 * static_cast<double>(p - 1)))).data<bool>()[0], ValueError,
                "[multigammaln] expected all elements of input > (p - 1) / 2 = ",
                0.5 * static_cast<double>(p - 1));
  }
  // sum_j lgamma(a - j / 2) + p (p - 1) / 4 log(pi)
  Tensor acc = lgamma(a);
  for (int64_t j = 1; j < p; ++j) acc = add(acc, lgamma(sub(a, Scalar(0.5 * static_cast<double>(j)))));
  return add(acc, Scalar(0.25 * static_cast<double>(p * (p - 1)) * std::log(kPi)));
}

}  // namespace ember::special
