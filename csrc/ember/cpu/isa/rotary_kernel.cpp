// Rotary embedding rows (float32 and float64), compiled per ISA. Plain loops written so the
// compiler vectorises them: the half-split layout is two contiguous streams; the interleaved
// layout processes (even, odd) pairs. No reductions, so the thread split cannot change bits.
#include <cstdint>

#include "ember/cpu/rotary.h"

namespace ember::cpu::EMBER_ISA {

namespace {

template <class T>
void rotary_rows(const T* __restrict x, const T* __restrict cos, const T* __restrict sin,
                 T* __restrict y, int64_t row0, int64_t rows, int64_t L, int64_t half,
                 bool interleaved) {
  const int64_t d = 2 * half;
  for (int64_t r = row0; r < row0 + rows; ++r) {
    const T* xr = x + r * d;
    T* yr = y + r * d;
    const int64_t l = r % L;
    const T* c = cos + l * half;
    const T* s = sin + l * half;
    if (!interleaved) {
      const T* x1 = xr;
      const T* x2 = xr + half;
      T* y1 = yr;
      T* y2 = yr + half;
      for (int64_t i = 0; i < half; ++i) {
        const T u = x1[i], w = x2[i];
        y1[i] = u * c[i] - w * s[i];
        y2[i] = w * c[i] + u * s[i];
      }
    } else {
      for (int64_t i = 0; i < half; ++i) {
        const T u = xr[2 * i], w = xr[2 * i + 1];
        yr[2 * i] = u * c[i] - w * s[i];
        yr[2 * i + 1] = w * c[i] + u * s[i];
      }
    }
  }
}

}  // namespace

void rotary_forward(const float* x, const float* cos, const float* sin, float* y, int64_t row0,
                    int64_t rows, int64_t L, int64_t half, bool interleaved) {
  rotary_rows(x, cos, sin, y, row0, rows, L, half, interleaved);
}

void rotary_forward(const double* x, const double* cos, const double* sin, double* y,
                    int64_t row0, int64_t rows, int64_t L, int64_t half, bool interleaved) {
  rotary_rows(x, cos, sin, y, row0, rows, L, half, interleaved);
}

}  // namespace ember::cpu::EMBER_ISA
