// A small float32 vector layer for cpu/isa/ kernels, so one kernel source serves every ISA:
// vf is __m512 (AVX-512, kW = 16 lanes), __m256 (AVX2+FMA, 8) or a plain float (baseline, 1).
// Lives in the per-ISA namespace like vec_math.h; include it only from files under cpu/isa/.
#pragma once
#ifndef EMBER_ISA
#error "simd.h is only for files under cpu/isa/ (compiled once per ISA)"
#endif
#include <cstdint>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace ember::cpu::EMBER_ISA {

#if defined(__AVX512F__)

using vf = __m512;
constexpr int kW = 16;
inline __mmask16 vmask(int n) { return static_cast<__mmask16>((1u << n) - 1); }
inline vf vzero() { return _mm512_setzero_ps(); }
inline vf vset1(float x) { return _mm512_set1_ps(x); }
inline vf vload(const float* p) { return _mm512_loadu_ps(p); }
inline vf vloadn(const float* p, int n) { return _mm512_maskz_loadu_ps(vmask(n), p); }
inline void vstore(float* p, vf v) { _mm512_storeu_ps(p, v); }
inline void vstoren(float* p, vf v, int n) { _mm512_mask_storeu_ps(p, vmask(n), v); }
inline vf vadd(vf a, vf b) { return _mm512_add_ps(a, b); }
inline vf vmul(vf a, vf b) { return _mm512_mul_ps(a, b); }
inline vf vmax(vf a, vf b) { return _mm512_max_ps(a, b); }  // b where either is NaN
inline vf vfma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
// Sum of the lanes in a fixed order (GCC 12 warns on _mm512_reduce_add_ps: undefined-vector
// temporaries).
inline float vsum(vf v) {
  const __m512d d = _mm512_castps_pd(v);
  __m256 h = _mm256_add_ps(_mm256_castpd_ps(_mm512_mask_extractf64x4_pd(_mm256_setzero_pd(), 0xff, d, 0)),
                           _mm256_castpd_ps(_mm512_mask_extractf64x4_pd(_mm256_setzero_pd(), 0xff, d, 1)));
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

#elif defined(__AVX2__)

using vf = __m256;
constexpr int kW = 8;
// Lanes [0, n) set: a window into -1 x 8, 0 x 8.
alignas(32) const int32_t kSimdMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                                0,  0,  0,  0,  0,  0,  0,  0};
inline __m256i vmask(int n) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kSimdMaskTable + 8 - n));
}
inline vf vzero() { return _mm256_setzero_ps(); }
inline vf vset1(float x) { return _mm256_set1_ps(x); }
inline vf vload(const float* p) { return _mm256_loadu_ps(p); }
inline vf vloadn(const float* p, int n) { return _mm256_maskload_ps(p, vmask(n)); }
inline void vstore(float* p, vf v) { _mm256_storeu_ps(p, v); }
inline void vstoren(float* p, vf v, int n) { _mm256_maskstore_ps(p, vmask(n), v); }
inline vf vadd(vf a, vf b) { return _mm256_add_ps(a, b); }
inline vf vmul(vf a, vf b) { return _mm256_mul_ps(a, b); }
inline vf vmax(vf a, vf b) { return _mm256_max_ps(a, b); }  // b where either is NaN
inline vf vfma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
inline float vsum(vf v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

#else  // baseline / portable: one lane, plain scalar code

using vf = float;
constexpr int kW = 1;
inline vf vzero() { return 0.0f; }
inline vf vset1(float x) { return x; }
inline vf vload(const float* p) { return *p; }
inline vf vloadn(const float* p, int n) { return n > 0 ? *p : 0.0f; }
inline void vstore(float* p, vf v) { *p = v; }
inline void vstoren(float* p, vf v, int n) {
  if (n > 0) *p = v;
}
inline vf vadd(vf a, vf b) { return a + b; }
inline vf vmul(vf a, vf b) { return a * b; }
inline vf vmax(vf a, vf b) { return a > b ? a : b; }  // b where either is NaN, as maxps
inline vf vfma(vf a, vf b, vf c) { return a * b + c; }
inline float vsum(vf v) { return v; }

#endif

}  // namespace ember::cpu::EMBER_ISA
