// Float32 loss reductions compiled once per ISA: the sum of squared differences behind
// mse_loss. Single-threaded over raw pointers; the caller (ops/loss_regression.cpp) cuts
// the data into fixed chunks and threads. 16 independent lanes let the compiler vectorise
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
