// In-register float32 block transposes, shared by the per-ISA packing kernels: 16 x 16 on
// AVX-512 (transpose_16), 8 x 8 on AVX2 (transpose_8); transpose_w is the one of the ISA
// (kTransposeW rows and columns, the lane count of simd.h), absent on baseline. Lives in the
// per-ISA namespace like vec_math.h; include it only from files under cpu/isa/.
#pragma once
#include <cstdint>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#if defined(__AVX512F__)

namespace ember::cpu::EMBER_ISA {

// dst[k * ld + i] = src[i * rs + k] (+ add[k] when add is given) for rows i < rows (<= 16)
// and k < 16. GCC 12 flags the intrinsics' own undefined pass-through operand, hence the
// pragma.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
inline void transpose_16(const float* src, int64_t rs, int64_t rows, float* dst, int64_t ld,
                         const float* add = nullptr) {
  __m512 r[16], t[16], u[16];
  for (int i = 0; i < 16; ++i) r[i] = i < rows ? _mm512_loadu_ps(src + i * rs) : _mm512_setzero_ps();
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int q = 0; q < 4; ++q) {  // rows 4q..4q+3: u[4q + m] holds k = 4L + m per 128-bit lane L
    const __m512d a0 = _mm512_castps_pd(t[4 * q]), a1 = _mm512_castps_pd(t[4 * q + 1]);
    const __m512d a2 = _mm512_castps_pd(t[4 * q + 2]), a3 = _mm512_castps_pd(t[4 * q + 3]);
    u[4 * q] = _mm512_castpd_ps(_mm512_unpacklo_pd(a0, a2));
    u[4 * q + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a0, a2));
    u[4 * q + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(a1, a3));
    u[4 * q + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(a1, a3));
  }
  const __mmask16 m = static_cast<__mmask16>((1u << rows) - 1);
  for (int mm = 0; mm < 4; ++mm) {
    const __m512 v0 = _mm512_shuffle_f32x4(u[mm], u[4 + mm], 0x88);
    const __m512 v1 = _mm512_shuffle_f32x4(u[mm], u[4 + mm], 0xdd);
    const __m512 v2 = _mm512_shuffle_f32x4(u[8 + mm], u[12 + mm], 0x88);
    const __m512 v3 = _mm512_shuffle_f32x4(u[8 + mm], u[12 + mm], 0xdd);
    const int ks[4] = {mm, 8 + mm, 4 + mm, 12 + mm};
    const __m512 cols[4] = {_mm512_shuffle_f32x4(v0, v2, 0x88), _mm512_shuffle_f32x4(v0, v2, 0xdd),
                            _mm512_shuffle_f32x4(v1, v3, 0x88), _mm512_shuffle_f32x4(v1, v3, 0xdd)};
    for (int c = 0; c < 4; ++c)
      _mm512_mask_storeu_ps(dst + ks[c] * ld, m,
                            add ? _mm512_add_ps(cols[c], _mm512_set1_ps(add[ks[c]])) : cols[c]);
  }
}
#pragma GCC diagnostic pop

constexpr int kTransposeW = 16;
inline void transpose_w(const float* src, int64_t rs, int64_t rows, float* dst, int64_t ld) {
  transpose_16(src, rs, rows, dst, ld);
}

}  // namespace ember::cpu::EMBER_ISA

#elif defined(__AVX2__)

namespace ember::cpu::EMBER_ISA {

// dst[k * ld + i] = src[i * rs + k] for rows i < rows (<= 8) and k < 8; rows past `rows`
// are neither read nor written.
inline void transpose_8(const float* src, int64_t rs, int64_t rows, float* dst, int64_t ld) {
  __m256 r[8], t[8], u[8];
  for (int i = 0; i < 8; ++i) r[i] = i < rows ? _mm256_loadu_ps(src + i * rs) : _mm256_setzero_ps();
  for (int i = 0; i < 4; ++i) {  // t[2i], t[2i+1]: rows 2i, 2i+1 interleaved
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int h = 0; h < 2; ++h) {  // rows 4h..4h+3: u[4h + m] holds k = m (low lane), 4 + m (high)
    u[4 * h] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0x44);
    u[4 * h + 1] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0xee);
    u[4 * h + 2] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0x44);
    u[4 * h + 3] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0xee);
  }
  alignas(32) static const int32_t table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  const __m256i m = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(table + 8 - rows));
  for (int k = 0; k < 4; ++k) {
    _mm256_maskstore_ps(dst + k * ld, m, _mm256_permute2f128_ps(u[k], u[4 + k], 0x20));
    _mm256_maskstore_ps(dst + (4 + k) * ld, m, _mm256_permute2f128_ps(u[k], u[4 + k], 0x31));
  }
}

constexpr int kTransposeW = 8;
inline void transpose_w(const float* src, int64_t rs, int64_t rows, float* dst, int64_t ld) {
  transpose_8(src, rs, rows, dst, ld);
}

}  // namespace ember::cpu::EMBER_ISA
#endif
