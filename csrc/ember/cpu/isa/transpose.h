// A 16 x 16 float32 in-register transpose (AVX-512 only), shared by the per-ISA packing
// kernels (gemm_kernel.cpp, conv_pack_kernel.cpp). Lives in the per-ISA namespace like
// vec_math.h; include it only from files under cpu/isa/.
#pragma once
#include <cstdint>

#if defined(__AVX512F__)
#include <immintrin.h>

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

}  // namespace ember::cpu::EMBER_ISA
#endif
