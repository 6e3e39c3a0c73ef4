// Float32 sum of squares for linalg.vector_norm (ops/linalg_norm.cpp), compiled once per ISA.
// 16 float lanes square-accumulate blocks of 256 elements (16 terms per lane, so the float
// error stays ~1e-7 relative), then each block's lanes are added into 16 double lanes; the
// lane order is fixed, so the result is too. Single-threaded; the caller chunks and threads.
#include <cstdint>

namespace ember::cpu::EMBER_ISA {

double sumsq_f32(const float* x, int64_t n) {
  constexpr int64_t L = 16, kBlock = 256;
  double acc[L] = {};
  int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    float f[L] = {};
    for (int64_t b = 0; b < kBlock; b += L)
      for (int64_t j = 0; j < L; ++j) f[j] += x[i + b + j] * x[i + b + j];
    for (int64_t j = 0; j < L; ++j) acc[j] += static_cast<double>(f[j]);
  }
  double tail = 0.0;
  for (; i < n; ++i) tail += static_cast<double>(x[i]) * static_cast<double>(x[i]);
  double s = 0.0;
  for (int64_t j = 0; j < L; ++j) s += acc[j];
  return s + tail;
}

}  // namespace ember::cpu::EMBER_ISA
