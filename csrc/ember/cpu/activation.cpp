// Threading and dtype dispatch of the pointwise activation kernels (see activation.h): float32
// runs the per-ISA loops, float64 (gradient checks) plain C++ with libm's expm1 / log1p for
// full precision.
#include "ember/cpu/activation.h"

#include <algorithm>
#include <cmath>

#include "ember/core/parallel.h"

namespace ember::cpu {

namespace {

constexpr int64_t kGrain = 32768;

double act_f64(Act op, double v, double p0, double p1, double p2) {
  switch (op) {
    case Act::LeakyRelu: return v > 0.0 ? v : p0 * v;
    case Act::Elu: return v > 0.0 ? p1 * v : p1 * p0 * std::expm1(v * p2);
    case Act::Hardtanh: return std::min(std::max(v, p0), p1);
    case Act::Hardsigmoid: return std::min(std::max(v + 3.0, 0.0), 6.0) / 6.0;
    case Act::Hardswish: return v * std::min(std::max(v + 3.0, 0.0), 6.0) / 6.0;
    case Act::Mish: return v * std::tanh(std::log1p(std::exp(v)));
    case Act::Softsign: return v / (1.0 + std::fabs(v));
    case Act::Hardshrink: return (v >= -p0 && v <= p0) ? 0.0 : v;
    case Act::Softshrink: return v - std::max(std::min(v, p0), -p0);
    case Act::Threshold: return v <= p0 ? p1 : v;
    case Act::LogSigmoid: return std::min(v, 0.0) - std::log1p(std::exp(-std::fabs(v)));
    case Act::Tanhshrink: return v - std::tanh(v);
  }
  return v;
}

// op'(x) (times g by the caller), PyTorch's kink conventions.
double act_deriv_f64(Act op, double v, double p0, double p1, double p2) {
  switch (op) {
    case Act::LeakyRelu: return v > 0.0 ? 1.0 : p0;
    case Act::Elu: return v > 0.0 ? p1 : p1 * p0 * p2 * std::exp(v * p2);
    case Act::Hardtanh: return (v > p0 && v < p1) ? 1.0 : 0.0;
    case Act::Hardsigmoid: return (v > -3.0 && v < 3.0) ? 1.0 / 6.0 : 0.0;
    case Act::Hardswish: return v <= -3.0 ? 0.0 : (v < 3.0 ? v / 3.0 + 0.5 : 1.0);
    case Act::Mish: {
      double t = std::tanh(std::log1p(std::exp(v)));
      return t + v / (1.0 + std::exp(-v)) * (1.0 - t * t);
    }
    case Act::Softsign: {
      double d = 1.0 + std::fabs(v);
      return 1.0 / (d * d);
    }
    case Act::Hardshrink:
    case Act::Softshrink: return (v >= -p0 && v <= p0) ? 0.0 : 1.0;
    case Act::Threshold: return v <= p0 ? 0.0 : 1.0;
    case Act::LogSigmoid: return 1.0 / (1.0 + std::exp(v));
    case Act::Tanhshrink: {
      double t = std::tanh(v);
      return t * t;
    }
  }
  return 1.0;
}

}  // namespace

void activation_forward(Act op, const Tensor& x, Tensor& out, double p0, double p1, double p2) {
  const int64_t n = x.numel();
  if (x.dtype() == DType::Float32) {
    const float* xv = x.data<float>();
    float* y = out.data<float>();
    const auto f0 = static_cast<float>(p0), f1 = static_cast<float>(p1), f2 = static_cast<float>(p2);
    parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
      EMBER_ISA_CALL(activation_f32, static_cast<int>(op), xv + b, y + b, e - b, f0, f1, f2);
    });
    return;
  }
  const double* xv = x.data<double>();
  double* y = out.data<double>();
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = act_f64(op, xv[i], p0, p1, p2);
  });
}

}  // namespace ember::cpu

namespace ember::cpu {

void activation_backward(Act op, const Tensor& x, const Tensor& grad_out, Tensor& grad_in,
                         double p0, double p1, double p2) {
  const int64_t n = x.numel();
  if (x.dtype() == DType::Float32) {
    const float* xv = x.data<float>();
    const float* g = grad_out.data<float>();
    float* gi = grad_in.data<float>();
    const auto f0 = static_cast<float>(p0), f1 = static_cast<float>(p1), f2 = static_cast<float>(p2);
    parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
      EMBER_ISA_CALL(activation_backward_f32, static_cast<int>(op), xv + b, g + b, gi + b, e - b,
                     f0, f1, f2);
    });
    return;
  }
  const double* xv = x.data<double>();
  const double* g = grad_out.data<double>();
  double* gi = grad_in.data<double>();
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) gi[i] = g[i] * act_deriv_f64(op, xv[i], p0, p1, p2);
  });
}

}  // namespace ember::cpu
