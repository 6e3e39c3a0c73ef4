// Binary maths with PyTorch semantics: atan2, hypot, logaddexp(2), fmod, remainder,
// copysign, fmax / fmin, xlogy, float_power, heaviside, gcd / lcm, ldexp, nextafter, their
// Scalar overloads and in-place forms; backward formulas in ember ops (double backward
// works). Kernels: cpu/binary.cpp (math_binary).
#include <cmath>

#include "ember/ops/creation.h"
#include "ember/ops/math_impl.h"
#include "ember/ops/view.h"

namespace ember {

using autograd::record;
using autograd::SavedTensor;
using cpu::BinaryOp;
using Grads = std::vector<Tensor>;

namespace detail {

void check_floating_dtype(DType dt, const char* name, const Tensor& a, const Tensor& b) {
  EMBER_CHECK(is_floating(dt), TypeError, "[", name, "] expected floating point tensors "
              "(float32 or float64), got ", dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
}
void check_floating_dtype(const Tensor& a, const char* name) {
  check_defined(a, name);
  EMBER_CHECK(is_floating(a.dtype()), TypeError, "[", name, "] expected a floating point "
              "tensor (float32 or float64), got ", dtype_name(a.dtype()));
}
void check_numeric_dtype(DType dt, const char* name) {
  EMBER_CHECK(dt != DType::Bool, TypeError, "[", name, "] expected numeric tensors, got bool");
}

Tensor math_binary(BinaryOp op, const Tensor& a, const Tensor& b, DType dt, const char* name,
                   const char* node, BinaryGrad d, bool saves_output) {
  Tensor out = binary_op(op, a, b, dt, dt, name);
  if (!autograd::any_requires_grad({a, b})) return out;
  if (!d) {  // like PyTorch: the forward works, asking for the gradient raises
    record(node, {a, b}, {out}, [name](const Grads&, const auto&) -> Grads {
      EMBER_THROW(NotImplementedError, "[", name, "] the derivative is not implemented");
    });
    return out;
  }
  record(node, {a, b}, {out},
         [d, sa = SavedTensor(a), sb = SavedTensor(b),
          so = saves_output ? SavedTensor(out, true) : SavedTensor()](const Grads& g,
                                                                      const auto& n) {
           const Tensor& x = sa.get();
           const Tensor& y = sb.get();
           Grads full = d(g[0], x, y, so.defined() ? saved_output(so, n) : Tensor());
           Grads r(2);
           if (n.needs_input_grad(0) && full[0].defined())
             r[0] = grad_like(full[0], x.shape(), x.dtype());
           if (n.needs_input_grad(1) && full[1].defined())
             r[1] = grad_like(full[1], y.shape(), y.dtype());
           if (n.needs_input_grad(0) && !r[0].defined()) r[0] = zeros(x.shape(), x.dtype());
           if (n.needs_input_grad(1) && !r[1].defined()) r[1] = zeros(y.shape(), y.dtype());
           return r;
         });
  return out;
}

}  // namespace detail

namespace {

using detail::math_binary;

const Scalar kZero(int64_t{0});

DType both_type(const Tensor& a, const Tensor& b, const char* name) {
  check_defined(a, name, "input");
  check_defined(b, name, "other");
  return result_type({a, b});
}
DType float_type(const Tensor& a, const Tensor& b, const char* name) {
  return detail::float_compute(both_type(a, b, name));
}
DType floating_only(const Tensor& a, const Tensor& b, const char* name) {
  DType dt = both_type(a, b, name);
  detail::check_floating_dtype(dt, name, a, b);
  return dt;
}
Tensor scalar_like(const Tensor& t, const Scalar& s, const char* name) {
  check_defined(t, name);
  return scalar_tensor(s, result_type({t}, {s}));
}

// Integer fmod / remainder by zero raise like PyTorch's ZeroDivisionError.
DType modulo_type(const Tensor& a, const Tensor& b, const char* name) {
  DType dt = both_type(a, b, name);
  detail::check_numeric_dtype(dt, name);
  if (!is_floating(dt)) {
    autograd::NoGradGuard guard;
    EMBER_CHECK(!cpu::any_zero(to_dtype(b, dt)), RuntimeError, "[", name,
                "] ZeroDivisionError: integer division by zero");
  }
  return dt;
}

Grads d_atan2(const Tensor& g, const Tensor& x, const Tensor& y, const Tensor&) {
  Tensor den = add(mul(x, x), mul(y, y));
  return {mul(g, div(y, den)), mul(g, div(neg(x), den))};
}
Grads d_hypot(const Tensor& g, const Tensor& x, const Tensor& y, const Tensor& out) {
  return {mul(g, div(x, out)), mul(g, div(y, out))};
}
Grads d_logaddexp(const Tensor& g, const Tensor& x, const Tensor& y, const Tensor&) {
  return {mul(g, sigmoid(sub(x, y))), mul(g, sigmoid(sub(y, x)))};
}
Grads d_logaddexp2(const Tensor& g, const Tensor& x, const Tensor& y, const Tensor&) {
  const Scalar ln2(std::log(2.0));
  return {mul(g, sigmoid(mul(sub(x, y), ln2))), mul(g, sigmoid(mul(sub(y, x), ln2)))};
}
Grads d_fmod(const Tensor& g, const Tensor& x, const Tensor& y, const Tensor&) {
  return {g, mul(neg(g), div(x, y, "trunc"))};
}
Grads d_remainder(const Tensor& g, const Tensor& x, const Tensor& y, const Tensor&) {
  return {g, mul(neg(g), div(x, y, "floor"))};
}
Grads d_copysign(const Tensor& g, const Tensor& x, const Tensor&, const Tensor& out) {
  // out / x is +-1: the sign flip; 0 where x == 0 (PyTorch's convention).
  return {mul(g, where(eq(x, kZero), Scalar(0.0), div(out, x))), Tensor()};
}
Grads d_fmax(const Tensor& g, const Tensor& x, const Tensor& y, const Tensor&) {
  Tensor to_x = logical_or(ge(x, y), isnan(y));
  return {where(to_x, g, Scalar(0.0)), where(to_x, Scalar(0.0), g)};
}
Grads d_fmin(const Tensor& g, const Tensor& x, const Tensor& y, const Tensor&) {
  Tensor to_x = logical_or(le(x, y), isnan(y));
  return {where(to_x, g, Scalar(0.0)), where(to_x, Scalar(0.0), g)};
}
Grads d_xlogy(const Tensor& g, const Tensor& x, const Tensor& y, const Tensor&) {
  return {mul(g, xlogy(ne(x, kZero), y)), mul(g, div(x, y))};
}

}  // namespace

Tensor atan2(const Tensor& a, const Tensor& b) {
  return math_binary(BinaryOp::Atan2, a, b, float_type(a, b, "atan2"), "atan2", "Atan2Backward",
                     d_atan2);
}
Tensor hypot(const Tensor& a, const Tensor& b) {
  return math_binary(BinaryOp::Hypot, a, b, floating_only(a, b, "hypot"), "hypot",
                     "HypotBackward", d_hypot, true);
}
Tensor logaddexp(const Tensor& a, const Tensor& b) {
  return math_binary(BinaryOp::LogAddExp, a, b, floating_only(a, b, "logaddexp"), "logaddexp",
                     "LogaddexpBackward", d_logaddexp);
}
Tensor logaddexp2(const Tensor& a, const Tensor& b) {
  return math_binary(BinaryOp::LogAddExp2, a, b, floating_only(a, b, "logaddexp2"), "logaddexp2",
                     "Logaddexp2Backward", d_logaddexp2);
}
Tensor fmod(const Tensor& a, const Tensor& b) {
  return math_binary(BinaryOp::Fmod, a, b, modulo_type(a, b, "fmod"), "fmod", "FmodBackward",
                     d_fmod);
}
Tensor fmod(const Tensor& a, const Scalar& b) { return fmod(a, scalar_like(a, b, "fmod")); }
Tensor remainder(const Tensor& a, const Tensor& b) {
  return math_binary(BinaryOp::Remainder, a, b, modulo_type(a, b, "remainder"), "remainder",
                     "RemainderBackward", d_remainder);
}
Tensor remainder(const Tensor& a, const Scalar& b) {
  return remainder(a, scalar_like(a, b, "remainder"));
}
Tensor remainder(const Scalar& a, const Tensor& b) {
  return remainder(scalar_like(b, a, "remainder"), b);
}
Tensor copysign(const Tensor& a, const Tensor& b) {
  return math_binary(BinaryOp::CopySign, a, b, float_type(a, b, "copysign"), "copysign",
                     "CopysignBackward", d_copysign, true);
}
Tensor copysign(const Tensor& a, const Scalar& b) {
  return copysign(a, scalar_like(a, b, "copysign"));
}
Tensor fmax(const Tensor& a, const Tensor& b) {
  DType dt = both_type(a, b, "fmax");
  detail::check_numeric_dtype(dt, "fmax");
  return math_binary(BinaryOp::Fmax, a, b, dt, "fmax", "FmaxBackward", d_fmax);
}
Tensor fmin(const Tensor& a, const Tensor& b) {
  DType dt = both_type(a, b, "fmin");
  detail::check_numeric_dtype(dt, "fmin");
  return math_binary(BinaryOp::Fmin, a, b, dt, "fmin", "FminBackward", d_fmin);
}
Tensor xlogy(const Tensor& a, const Tensor& b) {
  return math_binary(BinaryOp::Xlogy, a, b, float_type(a, b, "xlogy"), "xlogy", "XlogyBackward",
                     d_xlogy);
}
Tensor xlogy(const Tensor& a, const Scalar& b) { return xlogy(a, scalar_like(a, b, "xlogy")); }
Tensor xlogy(const Scalar& a, const Tensor& b) { return xlogy(scalar_like(b, a, "xlogy"), b); }

Tensor float_power(const Tensor& a, const Tensor& b) {
  both_type(a, b, "float_power");
  return pow(to_dtype(a, DType::Float64), to_dtype(b, DType::Float64));
}
Tensor float_power(const Tensor& a, const Scalar& b) {
  check_defined(a, "float_power");
  return pow(to_dtype(a, DType::Float64), Scalar(b.to_double()));
}
Tensor float_power(const Scalar& a, const Tensor& b) {
  check_defined(b, "float_power", "exponent");
  return pow(Scalar(a.to_double()), to_dtype(b, DType::Float64));
}

Tensor heaviside(const Tensor& a, const Tensor& values) {
  check_defined(a, "heaviside", "input");
  check_defined(values, "heaviside", "values");
  EMBER_CHECK(a.dtype() == values.dtype(), TypeError, "[heaviside] expected input and values "
              "of the same dtype, got ", dtype_name(a.dtype()), " and ",
              dtype_name(values.dtype()));
  detail::check_numeric_dtype(a.dtype(), "heaviside");
  return math_binary(BinaryOp::Heaviside, a, values, a.dtype(), "heaviside", "HeavisideBackward",
                     nullptr);
}

namespace {
Tensor integer_only(BinaryOp op, const Tensor& a, const Tensor& b, const char* name) {
  DType dt = both_type(a, b, name);
  EMBER_CHECK(dt == DType::Int64, TypeError, "[", name, "] expected integer (int64) tensors, got ",
              dtype_name(a.dtype()), " and ", dtype_name(b.dtype()));
  return detail::binary_op(op, a, b, dt, dt, name);
}
}  // namespace

Tensor gcd(const Tensor& a, const Tensor& b) { return integer_only(BinaryOp::Gcd, a, b, "gcd"); }
Tensor lcm(const Tensor& a, const Tensor& b) { return integer_only(BinaryOp::Lcm, a, b, "lcm"); }

Tensor ldexp(const Tensor& a, const Tensor& b) {
  both_type(a, b, "ldexp");
  return mul(a, exp2(b));
}

Tensor nextafter(const Tensor& a, const Tensor& b) {
  return math_binary(BinaryOp::NextAfter, a, b, floating_only(a, b, "nextafter"), "nextafter",
                     "NextafterBackward", nullptr);
}

// ---------------------------------------------------------------- in place
#define EMBER_INPLACE(NAME, OTHER)                                                            \
  Tensor& NAME##_(Tensor& a, const OTHER& b) {                                                \
    return detail::inplace(a, [&b](const Tensor& x) { return NAME(x, b); }, #NAME "_");      \
  }
EMBER_INPLACE(atan2, Tensor)
EMBER_INPLACE(hypot, Tensor)
EMBER_INPLACE(fmod, Tensor)
EMBER_INPLACE(fmod, Scalar)
EMBER_INPLACE(remainder, Tensor)
EMBER_INPLACE(remainder, Scalar)
EMBER_INPLACE(copysign, Tensor)
EMBER_INPLACE(copysign, Scalar)
EMBER_INPLACE(xlogy, Tensor)
EMBER_INPLACE(xlogy, Scalar)
EMBER_INPLACE(heaviside, Tensor)
EMBER_INPLACE(gcd, Tensor)
EMBER_INPLACE(lcm, Tensor)
EMBER_INPLACE(ldexp, Tensor)
EMBER_INPLACE(nextafter, Tensor)
#undef EMBER_INPLACE

namespace {
void check_float64_base(const Tensor& a) {
  check_defined(a, "float_power_");
  EMBER_CHECK(a.dtype() == DType::Float64, TypeError, "[float_power_] the base has dtype ",
              dtype_name(a.dtype()), " but the result requires dtype float64");
}
}  // namespace

Tensor& float_power_(Tensor& a, const Tensor& b) {
  check_float64_base(a);
  return detail::inplace(a, [&b](const Tensor& x) { return float_power(x, b); }, "float_power_");
}
Tensor& float_power_(Tensor& a, const Scalar& b) {
  check_float64_base(a);
  return detail::inplace(a, [&b](const Tensor& x) { return float_power(x, b); }, "float_power_");
}

}  // namespace ember
