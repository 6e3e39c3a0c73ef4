// Helpers shared by the convolution drivers cpu/conv.cpp and cpu/conv_direct.cpp: the chunk
// grain, the per-thread scratch panel, and the fixed-order sum of per-chunk weight-gradient
// partials (what keeps dw identical for any thread count).
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <vector>

#include "ember/core/parallel.h"

namespace ember::cpu::conv_util {

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Multiply-adds per parallel chunk below which waking threads costs more than it gives.
constexpr int64_t kMinChunkWork = int64_t{1} << 20;
inline int64_t grain_for(int64_t item_work) {
  return std::max<int64_t>(1, kMinChunkWork / std::max<int64_t>(item_work, 1));
}

// Per-thread panel scratch, grown on demand and kept; sets `failed` when memory runs out.
template <class T>
T* scratch(size_t n, std::atomic<bool>& failed) {
  thread_local std::vector<T> buf;
  try {
    if (buf.size() < n) buf.resize(n);
  } catch (...) {
    failed = true;
    return nullptr;
  }
  return buf.data();
}

// dw[gi][k][r] = sum over chunks c, in chunk order, of part[c][gi][r][k]: per-chunk partials
// of G groups of (CKK x Kg) sums, stored transposed, each chunk wn = G * Kg * CKK apart.
template <class T>
void sum_transposed_partials(const T* part, int64_t G, int64_t Kg, int64_t CKK, int64_t nchunk,
                             T* dw) {
  const int64_t wn = G * Kg * CKK;
  parallel_for(G * Kg, std::max<int64_t>(1, 65536 / CKK), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t gi = t / Kg, k = t % Kg;
      T* d = dw + t * CKK;
      const T* s0 = part + gi * Kg * CKK + k;
      for (int64_t r = 0; r < CKK; ++r) d[r] = s0[r * Kg];
      for (int64_t c = 1; c < nchunk; ++c) {
        const T* s = s0 + c * wn;
        for (int64_t r = 0; r < CKK; ++r) d[r] += s[r * Kg];
      }
    }
  });
}

}  // namespace ember::cpu::conv_util
