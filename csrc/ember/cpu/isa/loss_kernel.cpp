// Float32 loss kernels compiled once per ISA: mse_loss's sum of squared differences and
// its gradient (ops/loss_regression.cpp), cross_entropy's scaled softmax row (ops/loss.cpp).
// Single-threaded over raw pointers; the callers cut the data into fixed chunks and thread. 16 independent lanes let the compiler vectorise
// without reassociating (the lane order is fixed, so the result is too).
#include <cstdint>

namespace ember::cpu::EMBER_ISA {

double mse_sum_f32(const float* x, const float* t, int64_t n) {
  constexpr int64_t L = 16;
  float acc[L] = {};
  int64_t i = 0;
  for (; i + L <= n; i += L)
    for (int64_t j = 0; j < L; ++j) {
      float d = x[i + j] - t[i + j];
      acc[j] += d * d;
    }
  double s = 0.0;
  for (int64_t j = 0; j < L; ++j) s += acc[j];
  for (; i < n; ++i) {
    double d = static_cast<double>(x[i]) - t[i];
    s += d * d;
  }
  return s;
}

}  // namespace ember::cpu::EMBER_ISA

#include "ember/cpu/isa/vec_math.h"

namespace ember::cpu::EMBER_ISA {

// d[j] = a * exp(x[j] - lse): the scaled softmax of a row whose log-sum-exp is known
// (cross_entropy's backward; one pass instead of softmax's four).
void scaled_softmax_row_f32(const float* x, float* d, int64_t n, float lse, float a) {
  for (int64_t j = 0; j < n; ++j) d[j] = a * exp_f32(x[j] - lse);
}

}  // namespace ember::cpu::EMBER_ISA

namespace ember::cpu::EMBER_ISA {

// mse_loss backward: dx = s * (x - t) (and dt = -dx when dt is not null).
void mse_grad_f32(const float* x, const float* t, float* dx, float* dt, int64_t n, float s) {
  for (int64_t i = 0; i < n; ++i) dx[i] = s * (x[i] - t[i]);
  if (dt)
    for (int64_t i = 0; i < n; ++i) dt[i] = -dx[i];
}

}  // namespace ember::cpu::EMBER_ISA
