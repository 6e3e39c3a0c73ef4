// float32 GEMM building blocks, compiled once per ISA: panel packing, the register-blocked
// micro-kernel (AVX-512 12x32, AVX2+FMA 6x16, portable 6x8), the macro-kernel over packed
// blocks, and the matrix-vector kernel. Single-threaded; cpu/gemm.cpp blocks and threads.
#include <array>
#include <cstdint>
#include <cstring>
#include <utility>

#include "ember/cpu/isa/transpose.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace ember::cpu::EMBER_ISA {

namespace {

#if defined(__AVX512F__)
constexpr int64_t MR = 12, NR = 32;
#elif defined(__AVX2__)
constexpr int64_t MR = 6, NR = 16;
#else
constexpr int64_t MR = 6, NR = 8;
#endif

// Accumulates the MR x NR product of a packed A micro-panel (kc x MR, k-major) and a packed
// B micro-panel (kc x NR) and merges it into c (row stride rs, unit column stride):
// c = alpha * acc + beta * c, c not read when beta == 0. The same code serves full tiles
// (c in place) and edge tiles (c is a scratch tile), so every element of C sees the same
// arithmetic wherever the tile boundaries fall: the result cannot depend on blocking. It is
// kept out of line so that exactly one copy of this arithmetic exists, and the merge uses
// explicit FMAs so that floating-point contraction has nothing left to change.
#if defined(__AVX512F__)
template <int R>
__attribute__((noinline)) void micro_kernel(int64_t kc, const float* __restrict a,
                                            const float* __restrict b, float* c, int64_t rs,
                                            float alpha, float beta) {
  __m512 acc[R][2];
#pragma GCC unroll 12
  for (int i = 0; i < R; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int i = 0; i < R; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * rs), _MM_HINT_T0);
  for (int64_t k = 0; k < kc; ++k) {
    __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
    _mm_prefetch(reinterpret_cast<const char*>(b + 8 * NR), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(a + 8 * MR), _MM_HINT_T0);
#pragma GCC unroll 12
    for (int i = 0; i < R; ++i) {
      __m512 av = _mm512_set1_ps(a[i]);
      acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);
    }
    a += MR;
    b += NR;
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
#pragma GCC unroll 12
  for (int i = 0; i < R; ++i) {
    float* ci = c + i * rs;
    __m512 r0 = acc[i][0], r1 = acc[i][1];
    if (beta == 0.0f) {
      if (alpha != 1.0f) {
        r0 = _mm512_mul_ps(va, r0);
        r1 = _mm512_mul_ps(va, r1);
      }
    } else {
      __m512 c0 = _mm512_loadu_ps(ci), c1 = _mm512_loadu_ps(ci + 16);
      if (beta != 1.0f) {
        c0 = _mm512_mul_ps(vb, c0);
        c1 = _mm512_mul_ps(vb, c1);
      }
      r0 = _mm512_fmadd_ps(va, r0, c0);  // alpha * acc + beta * c, one rounding of the sum
      r1 = _mm512_fmadd_ps(va, r1, c1);
    }
    _mm512_storeu_ps(ci, r0);
    _mm512_storeu_ps(ci + 16, r1);
  }
}
#elif defined(__AVX2__)
template <int R>
__attribute__((noinline)) void micro_kernel(int64_t kc, const float* __restrict a,
                                            const float* __restrict b, float* c, int64_t rs,
                                            float alpha, float beta) {
  __m256 acc[R][2];
#pragma GCC unroll 6
  for (int i = 0; i < R; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (int i = 0; i < R; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * rs), _MM_HINT_T0);
  for (int64_t k = 0; k < kc; ++k) {
    __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    _mm_prefetch(reinterpret_cast<const char*>(b + 8 * NR), _MM_HINT_T0);
#pragma GCC unroll 6
    for (int i = 0; i < R; ++i) {
      __m256 av = _mm256_broadcast_ss(a + i);
      acc[i][0] = _mm256_fmadd_ps(av, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(av, b1, acc[i][1]);
    }
    a += MR;
    b += NR;
  }
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
#pragma GCC unroll 6
  for (int i = 0; i < R; ++i) {
    float* ci = c + i * rs;
    __m256 r0 = acc[i][0], r1 = acc[i][1];
    if (beta == 0.0f) {
      if (alpha != 1.0f) {
        r0 = _mm256_mul_ps(va, r0);
        r1 = _mm256_mul_ps(va, r1);
      }
    } else {
      __m256 c0 = _mm256_loadu_ps(ci), c1 = _mm256_loadu_ps(ci + 8);
      if (beta != 1.0f) {
        c0 = _mm256_mul_ps(vb, c0);
        c1 = _mm256_mul_ps(vb, c1);
      }
      r0 = _mm256_fmadd_ps(va, r0, c0);  // alpha * acc + beta * c, one rounding of the sum
      r1 = _mm256_fmadd_ps(va, r1, c1);
    }
    _mm256_storeu_ps(ci, r0);
    _mm256_storeu_ps(ci + 8, r1);
  }
}
#else
// Portable: plain loops the compiler vectorises for whatever the baseline allows.
template <int R>
__attribute__((noinline)) void micro_kernel(int64_t kc, const float* __restrict a,
                                            const float* __restrict b, float* c, int64_t rs,
                                            float alpha, float beta) {
  float acc[R][NR];
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < NR; ++j) acc[i][j] = 0.0f;
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < R; ++i) {
      const float av = a[i];
      for (int j = 0; j < NR; ++j) acc[i][j] += av * b[j];
    }
    a += MR;
    b += NR;
  }
  for (int i = 0; i < R; ++i) {
    float* ci = c + i * rs;
    for (int j = 0; j < NR; ++j) {
      ci[j] = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * ci[j];
    }
  }
}
#endif

// The first `rows` rows (1..MR) of a micro-tile: the kernel instance with exactly that many
// accumulator rows, so an edge panel (M = 64 = 5 * 12 + 4) costs 4 rows of work, not 12.
// Each instance does the same per-element arithmetic, so which one runs changes no bit.
using MicroKernel = void (*)(int64_t, const float*, const float*, float*, int64_t, float, float);
template <int... R>
constexpr auto make_row_kernels(std::integer_sequence<int, R...>) {
  return std::array<MicroKernel, sizeof...(R)>{micro_kernel<R + 1>...};
}
constexpr auto kRowKernels = make_row_kernels(std::make_integer_sequence<int, MR>{});

}  // namespace

void gemm_kernel_shape(int64_t* mr, int64_t* nr) {
  *mr = MR;
  *nr = NR;
}

// Packs the mc x kc block A[i*rs + k*cs] into MR-row micro-panels, each kc x MR (k-major),
// zero-padding the last panel's missing rows.
void gemm_pack_a(int64_t mc, int64_t kc, const float* A, int64_t rs, int64_t cs, float* dst) {
  for (int64_t p = 0; p < mc; p += MR) {
    const int64_t rows = mc - p < MR ? mc - p : MR;
    const float* src = A + p * rs;
    if (rows == MR && cs == 1) {
      // Row-major A: read each row contiguously, write with stride MR.
      int64_t k0 = 0;
#if defined(__AVX512F__) || defined(__AVX2__)
      for (; k0 + kTransposeW <= kc; k0 += kTransposeW)
        transpose_w(src + k0, rs, MR, dst + k0 * MR, MR);
#endif
      for (int64_t i = 0; i < MR; ++i) {
        const float* s = src + i * rs;
        for (int64_t k = k0; k < kc; ++k) dst[k * MR + i] = s[k];
      }
    } else if (rows == MR && rs == 1) {
      for (int64_t k = 0; k < kc; ++k) std::memcpy(dst + k * MR, src + k * cs, MR * sizeof(float));
    } else {
      for (int64_t k = 0; k < kc; ++k) {
        for (int64_t i = 0; i < rows; ++i) dst[k * MR + i] = src[i * rs + k * cs];
        for (int64_t i = rows; i < MR; ++i) dst[k * MR + i] = 0.0f;
      }
    }
    dst += kc * MR;
  }
}

// Packs the kc x nc block B[k*rs + j*cs] into NR-column micro-panels, each kc x NR.
void gemm_pack_b(int64_t kc, int64_t nc, const float* B, int64_t rs, int64_t cs, float* dst) {
  for (int64_t p = 0; p < nc; p += NR) {
    const int64_t cols = nc - p < NR ? nc - p : NR;
    const float* src = B + p * cs;
    if (cols == NR && cs == 1) {
      for (int64_t k = 0; k < kc; ++k) std::memcpy(dst + k * NR, src + k * rs, NR * sizeof(float));
    } else if (cols == NR && rs == 1) {
      // Transposed B (e.g. a weight W read as W^T): read each column contiguously.
      int64_t k0 = 0;
#if defined(__AVX512F__) || defined(__AVX2__)
      for (; k0 + kTransposeW <= kc; k0 += kTransposeW)
        for (int64_t j0 = 0; j0 < NR; j0 += kTransposeW)
          transpose_w(src + j0 * cs + k0, cs, kTransposeW, dst + k0 * NR + j0, NR);
#endif
      for (int64_t j = 0; j < NR; ++j) {
        const float* s = src + j * cs;
        for (int64_t k = k0; k < kc; ++k) dst[k * NR + j] = s[k];
      }
    } else {
      for (int64_t k = 0; k < kc; ++k) {
        for (int64_t j = 0; j < cols; ++j) dst[k * NR + j] = src[k * rs + j * cs];
        for (int64_t j = cols; j < NR; ++j) dst[k * NR + j] = 0.0f;
      }
    }
    dst += kc * NR;
  }
}

// C[mc x nc] (strides c_rs, c_cs) = alpha * Ap Bp + beta * C over packed blocks.
void gemm_macro(int64_t mc, int64_t nc, int64_t kc, const float* Ap, const float* Bp, float* C,
                int64_t c_rs, int64_t c_cs, float alpha, float beta) {
  alignas(64) float tile[MR * NR];
  for (int64_t j = 0; j < nc; j += NR) {
    const int64_t cols = nc - j < NR ? nc - j : NR;
    const float* b = Bp + (j / NR) * kc * NR;
    for (int64_t i = 0; i < mc; i += MR) {
      const int64_t rows = mc - i < MR ? mc - i : MR;
      const float* a = Ap + (i / MR) * kc * MR;
      float* c = C + i * c_rs + j * c_cs;
      const MicroKernel kernel = kRowKernels[rows - 1];
      if (cols == NR && c_cs == 1) {
        kernel(kc, a, b, c, c_rs, alpha, beta);
        continue;
      }
      if (beta != 0.0f)
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t q = 0; q < cols; ++q) tile[r * NR + q] = c[r * c_rs + q * c_cs];
      kernel(kc, a, b, tile, NR, alpha, beta);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t q = 0; q < cols; ++q) c[r * c_rs + q * c_cs] = tile[r * NR + q];
    }
  }
}

// y[i] = alpha * sum_k A[i*a_rs + k*a_cs] x[k*incx] + beta * y[i*incy] for i < m; y is not
// read when beta == 0. Each y[i] sums over k in an order fixed by k alone.
void gemv(int64_t m, int64_t k, float alpha, const float* A, int64_t a_rs, int64_t a_cs,
          const float* x, int64_t incx, float beta, float* y, int64_t incy) {
  constexpr int64_t RB = 256;
  float acc[RB];
  for (int64_t i0 = 0; i0 < m; i0 += RB) {
    const int64_t rb = m - i0 < RB ? m - i0 : RB;
    const float* Ai = A + i0 * a_rs;
    if (a_cs == 1 && incx == 1) {
      // Rows contiguous: one dot product per row, 16 independent partial sums.
      for (int64_t i = 0; i < rb; ++i) {
        const float* r = Ai + i * a_rs;
        float part[16] = {};
        int64_t kk = 0;
        for (; kk + 16 <= k; kk += 16)
          for (int l = 0; l < 16; ++l) part[l] += r[kk + l] * x[kk + l];
        for (; kk < k; ++kk) part[kk & 15] += r[kk] * x[kk];
        for (int l = 8; l > 0; l /= 2)
          for (int q = 0; q < l; ++q) part[q] += part[q + l];
        acc[i] = part[0];
      }
    } else if (a_rs == 1) {
      // Columns contiguous: axpy over the rows of this block, k in order.
      for (int64_t i = 0; i < rb; ++i) acc[i] = 0.0f;
      for (int64_t kk = 0; kk < k; ++kk) {
        const float xv = x[kk * incx];
        const float* col = Ai + kk * a_cs;
        for (int64_t i = 0; i < rb; ++i) acc[i] += col[i] * xv;
      }
    } else {
      for (int64_t i = 0; i < rb; ++i) {
        float s = 0.0f;
        for (int64_t kk = 0; kk < k; ++kk) s += Ai[i * a_rs + kk * a_cs] * x[kk * incx];
        acc[i] = s;
      }
    }
    for (int64_t i = 0; i < rb; ++i) {
      float* yi = y + (i0 + i) * incy;
      float r = alpha == 1.0f ? acc[i] : alpha * acc[i];
      if (beta == 1.0f) r = r + *yi;
      else if (beta != 0.0f) r = r + beta * *yi;
      *yi = r;
    }
  }
}

}  // namespace ember::cpu::EMBER_ISA
