// Unary maths (exp, log, sqrt, rsqrt, sin, cos, tanh, sigmoid, erf) and activations (relu,
// gelu, silu, softplus): forward through cpu/unary.cpp, backward in ember ops (so double
// backward works), and the in-place forms.
#include <cmath>

#include "ember/ops/elementwise_impl.h"
#include "ember/ops/view.h"

namespace ember {

using autograd::record;
using autograd::SavedTensor;
using cpu::UnaryOp;
using Grads = std::vector<Tensor>;

namespace {

constexpr double kSqrt1_2 = 0.707106781186547524400844362104849;
constexpr double kInvSqrt2Pi = 0.398942280401432677939946059934382;
constexpr double kTwoOverSqrtPi = 1.12837916709551257389615890312154517;
constexpr double kSqrt2OverPi = 0.797884560802865355879892119868763737;

void check_floating(const Tensor& a, const char* name) {
  check_defined(a, name);
  EMBER_CHECK(is_floating(a.dtype()), TypeError, "[", name, "] expected a floating point "
              "tensor (float32 or float64), got ", dtype_name(a.dtype()));
}

Tensor d_exp(const Tensor&, const Tensor& y) { return y; }
Tensor d_log(const Tensor& x, const Tensor&) { return rdiv(x, Scalar(int64_t{1})); }
Tensor d_sqrt(const Tensor&, const Tensor& y) { return rdiv(y, Scalar(0.5)); }
Tensor d_rsqrt(const Tensor&, const Tensor& y) { return mul(pow(y, Scalar(int64_t{3})), Scalar(-0.5)); }
Tensor d_sin(const Tensor& x, const Tensor&) { return cos(x); }
Tensor d_cos(const Tensor& x, const Tensor&) { return neg(sin(x)); }
Tensor d_tanh(const Tensor&, const Tensor& y) { return rsub(mul(y, y), Scalar(int64_t{1})); }
Tensor d_sigmoid(const Tensor&, const Tensor& y) { return mul(y, rsub(y, Scalar(int64_t{1}))); }
Tensor d_erf(const Tensor& x, const Tensor&) {
  return mul(exp(neg(mul(x, x))), Scalar(kTwoOverSqrtPi));
}

}  // namespace

namespace detail {

Tensor float_unary(UnaryOp op, const Tensor& a, const char* name, const char* node, Deriv d,
                   bool saves_input, bool saves_output) {
  check_defined(a, name);
  Tensor out = unary_op(op, a, float_compute(a.dtype()), name);
  if (autograd::any_requires_grad({a}))
    record(node, {a}, {out},
           [d, sa = saves_input ? SavedTensor(a) : SavedTensor(),
            so = saves_output ? SavedTensor(out, true) : SavedTensor()](const Grads& g,
                                                                        const auto& node) {
             Tensor x = sa.defined() ? sa.get() : Tensor();
             Tensor y = so.defined() ? saved_output(so, node) : Tensor();
             return Grads{mul(g[0], d(x, y))};
           });
  return out;
}

Tensor& float_inplace(UnaryOp op, Tensor& a, const char* name, Tensor (*f)(const Tensor&)) {
  check_defined(a, name);
  return unary_inplace(op, a, float_compute(a.dtype()), name, [f](const Tensor& x) { return f(x); });
}

}  // namespace detail

using detail::float_inplace;
using detail::float_unary;

Tensor exp(const Tensor& a) { return float_unary(UnaryOp::Exp, a, "exp", "ExpBackward", d_exp, false, true); }
Tensor log(const Tensor& a) { return float_unary(UnaryOp::Log, a, "log", "LogBackward", d_log, true, false); }
Tensor sqrt(const Tensor& a) { return float_unary(UnaryOp::Sqrt, a, "sqrt", "SqrtBackward", d_sqrt, false, true); }
Tensor rsqrt(const Tensor& a) { return float_unary(UnaryOp::Rsqrt, a, "rsqrt", "RsqrtBackward", d_rsqrt, false, true); }
Tensor sin(const Tensor& a) { return float_unary(UnaryOp::Sin, a, "sin", "SinBackward", d_sin, true, false); }
Tensor cos(const Tensor& a) { return float_unary(UnaryOp::Cos, a, "cos", "CosBackward", d_cos, true, false); }
Tensor tanh(const Tensor& a) { return float_unary(UnaryOp::Tanh, a, "tanh", "TanhBackward", d_tanh, false, true); }
Tensor sigmoid(const Tensor& a) { return float_unary(UnaryOp::Sigmoid, a, "sigmoid", "SigmoidBackward", d_sigmoid, false, true); }
Tensor erf(const Tensor& a) { return float_unary(UnaryOp::Erf, a, "erf", "ErfBackward", d_erf, true, false); }

Tensor relu(const Tensor& a) {
  check_defined(a, "relu");
  EMBER_CHECK(a.dtype() != DType::Bool, TypeError, "[relu] expected a numeric tensor, got bool");
  Tensor out = detail::unary_op(UnaryOp::Relu, a, a.dtype(), "relu");
  if (autograd::any_requires_grad({a}))
    record("ReluBackward", {a}, {out}, [so = SavedTensor(out, true)](const Grads& g, const auto&) {
      return Grads{where(gt(so.get(), Scalar(int64_t{0})), g[0], Scalar(0.0))};
    });
  return out;
}

Tensor gelu(const Tensor& a, const std::string& approximate) {
  check_floating(a, "gelu");
  EMBER_CHECK(approximate == "none" || approximate == "tanh", ValueError,
              "[gelu] expected approximate 'none' or 'tanh', got '", approximate, "'");
  const bool tanh_form = approximate == "tanh";
  Tensor out = detail::unary_op(tanh_form ? UnaryOp::GeluTanh : UnaryOp::Gelu, a, a.dtype(), "gelu");
  if (autograd::any_requires_grad({a}))
    record("GeluBackward", {a}, {out}, [sa = SavedTensor(a), tanh_form](const Grads& g, const auto&) {
      const Tensor& x = sa.get();
      Tensor d;
      if (!tanh_form) {  // Phi(x) + x phi(x)
        Tensor cdf = mul(add(erf(mul(x, Scalar(kSqrt1_2))), Scalar(int64_t{1})), Scalar(0.5));
        Tensor pdf = mul(exp(mul(mul(x, x), Scalar(-0.5))), Scalar(kInvSqrt2Pi));
        d = add(cdf, mul(x, pdf));
      } else {  // 0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3 c x^2), t = tanh(k (x + c x^3))
        Tensor x2 = mul(x, x);
        Tensor inner = mul(add(x, mul(mul(x2, x), Scalar(0.044715))), Scalar(kSqrt2OverPi));
        Tensor t = tanh(inner);
        Tensor left = mul(add(t, Scalar(int64_t{1})), Scalar(0.5));
        Tensor dinner = mul(add(mul(x2, Scalar(3 * 0.044715)), Scalar(int64_t{1})), Scalar(kSqrt2OverPi));
        Tensor right = mul(mul(mul(x, Scalar(0.5)), rsub(mul(t, t), Scalar(int64_t{1}))), dinner);
        d = add(left, right);
      }
      return Grads{mul(g[0], d)};
    });
  return out;
}

Tensor silu(const Tensor& a) {
  check_floating(a, "silu");
  Tensor out = detail::unary_op(UnaryOp::Silu, a, a.dtype(), "silu");
  if (autograd::any_requires_grad({a}))
    record("SiluBackward", {a}, {out}, [sa = SavedTensor(a)](const Grads& g, const auto&) {
      const Tensor& x = sa.get();
      Tensor s = sigmoid(x);  // s (1 + x (1 - s))
      return Grads{mul(g[0], mul(s, add(mul(x, rsub(s, Scalar(int64_t{1}))), Scalar(int64_t{1}))))};
    });
  return out;
}

Tensor softplus(const Tensor& a, const Scalar& beta, const Scalar& threshold) {
  check_floating(a, "softplus");
  const double b = beta.to_double(), th = threshold.to_double();
  EMBER_CHECK(b != 0.0, ValueError, "[softplus] expected a nonzero beta, got 0");
  Tensor out = detail::unary_op(UnaryOp::Softplus, a, a.dtype(), "softplus", b, th);
  if (autograd::any_requires_grad({a}))
    record("SoftplusBackward", {a}, {out}, [sa = SavedTensor(a), b, th](const Grads& g, const auto&) {
      Tensor bx = mul(sa.get(), Scalar(b));
      return Grads{where(gt(bx, Scalar(th)), g[0], mul(g[0], sigmoid(bx)))};
    });
  return out;
}

Tensor& exp_(Tensor& a) { return float_inplace(UnaryOp::Exp, a, "exp_", exp); }
Tensor& log_(Tensor& a) { return float_inplace(UnaryOp::Log, a, "log_", log); }
Tensor& sqrt_(Tensor& a) { return float_inplace(UnaryOp::Sqrt, a, "sqrt_", sqrt); }
Tensor& rsqrt_(Tensor& a) { return float_inplace(UnaryOp::Rsqrt, a, "rsqrt_", rsqrt); }
Tensor& sin_(Tensor& a) { return float_inplace(UnaryOp::Sin, a, "sin_", sin); }
Tensor& cos_(Tensor& a) { return float_inplace(UnaryOp::Cos, a, "cos_", cos); }
Tensor& tanh_(Tensor& a) { return float_inplace(UnaryOp::Tanh, a, "tanh_", tanh); }
Tensor& sigmoid_(Tensor& a) { return float_inplace(UnaryOp::Sigmoid, a, "sigmoid_", sigmoid); }
Tensor& erf_(Tensor& a) { return float_inplace(UnaryOp::Erf, a, "erf_", erf); }
Tensor& relu_(Tensor& a) {
  check_defined(a, "relu_");
  EMBER_CHECK(a.dtype() != DType::Bool, TypeError, "[relu_] expected a numeric tensor, got bool");
  return detail::unary_inplace(UnaryOp::Relu, a, a.dtype(), "relu_",
                               [](const Tensor& x) { return relu(x); });
}

}  // namespace ember
