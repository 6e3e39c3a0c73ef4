// A small float32 vector layer for cpu/isa/ kernels, so that one kernel source serves
// AVX-512 (vf = __m512, 16 lanes, mask registers), AVX2 (__m256, 8 lanes, vector masks for
// _mm256_maskload_ps / _mm256_maskstore_ps) and baseline (float, 1 lane). Declares everything
// in namespace ember::cpu::EMBER_ISA (each ISA gets its own copy: the cpu/isa.h rule);
// include it at file scope, only from files under cpu/isa/. EMBER_SIMD_VEC: kW > 1.
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

// The lane masks `vm` are built from bit patterns (bit l = lane l) by vmask(); on AVX-512
// they are the mask registers themselves, so every function below is one intrinsic.
using vf = __m512;
using vm = __mmask16;
constexpr int kW = 16;
#define EMBER_SIMD_VEC 1
inline vf vzero() { return _mm512_setzero_ps(); }
inline vf vset1(float a) { return _mm512_set1_ps(a); }
inline vf vload(const float* p) { return _mm512_loadu_ps(p); }
inline void vstore(float* p, vf v) { _mm512_storeu_ps(p, v); }
inline vf vadd(vf a, vf b) { return _mm512_add_ps(a, b); }
inline vf vsub(vf a, vf b) { return _mm512_sub_ps(a, b); }
inline vf vmul(vf a, vf b) { return _mm512_mul_ps(a, b); }
inline vf vmax(vf a, vf b) { return _mm512_max_ps(a, b); }
inline vf vfma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
inline vm vmask(unsigned bits) { return static_cast<__mmask16>(bits); }
inline vm vmask_and(vm a, vm b) { return static_cast<__mmask16>(a & b); }
inline vf vmaskz_load(vm m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
// Lanes in m from p, the others from src.
inline vf vmask_load(vf src, vm m, const float* p) { return _mm512_mask_loadu_ps(src, m, p); }
inline void vmask_store(float* p, vm m, vf v) { _mm512_mask_storeu_ps(p, m, v); }
// a - b in the lanes of m, 0 elsewhere.
inline vf vmaskz_sub(vm m, vf a, vf b) { return _mm512_maskz_sub_ps(m, a, b); }
// Sum of the lanes in a fixed order (GCC 12 warns on _mm512_reduce_add_ps: undefined-vector
// temporaries).
inline float vsum(vf v) {
  const __m512d d = _mm512_castps_pd(v);
  const __m256d z = _mm256_setzero_pd();
  __m256 h = _mm256_add_ps(_mm256_castpd_ps(_mm512_mask_extractf64x4_pd(z, 0xff, d, 0)),
                           _mm256_castpd_ps(_mm512_mask_extractf64x4_pd(z, 0xff, d, 1)));
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

#elif defined(__AVX2__)

using vf = __m256;
using vm = __m256i;  // all-ones / all-zeros 32-bit lanes
constexpr int kW = 8;
#define EMBER_SIMD_VEC 1
inline vf vzero() { return _mm256_setzero_ps(); }
inline vf vset1(float a) { return _mm256_set1_ps(a); }
inline vf vload(const float* p) { return _mm256_loadu_ps(p); }
inline void vstore(float* p, vf v) { _mm256_storeu_ps(p, v); }
inline vf vadd(vf a, vf b) { return _mm256_add_ps(a, b); }
inline vf vsub(vf a, vf b) { return _mm256_sub_ps(a, b); }
inline vf vmul(vf a, vf b) { return _mm256_mul_ps(a, b); }
inline vf vmax(vf a, vf b) { return _mm256_max_ps(a, b); }
inline vf vfma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
inline vm vmask(unsigned bits) {
  const __m256i sel = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(static_cast<int>(bits)), sel),
                            sel);
}
inline vm vmask_and(vm a, vm b) { return _mm256_and_si256(a, b); }
// Masked-off lanes read as 0 and never fault.
inline vf vmaskz_load(vm m, const float* p) { return _mm256_maskload_ps(p, m); }
inline vf vmask_load(vf src, vm m, const float* p) {
  return _mm256_blendv_ps(src, _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
}
inline void vmask_store(float* p, vm m, vf v) { _mm256_maskstore_ps(p, m, v); }
inline vf vmaskz_sub(vm m, vf a, vf b) {
  return _mm256_and_ps(_mm256_castsi256_ps(m), _mm256_sub_ps(a, b));
}
// Sum of the lanes in a fixed order (a pairwise tree).
inline float vsum(vf v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

#else

using vf = float;
using vm = bool;
constexpr int kW = 1;
inline vf vzero() { return 0.0f; }
inline vf vset1(float a) { return a; }
inline vf vload(const float* p) { return *p; }
inline void vstore(float* p, vf v) { *p = v; }
inline vf vadd(vf a, vf b) { return a + b; }
inline vf vsub(vf a, vf b) { return a - b; }
inline vf vmul(vf a, vf b) { return a * b; }
inline vf vmax(vf a, vf b) { return a > b ? a : b; }
inline vf vfma(vf a, vf b, vf c) { return a * b + c; }
inline vm vmask(unsigned bits) { return (bits & 1u) != 0; }
inline vm vmask_and(vm a, vm b) { return a && b; }
inline vf vmaskz_load(vm m, const float* p) { return m ? *p : 0.0f; }
inline vf vmask_load(vf src, vm m, const float* p) { return m ? *p : src; }
inline void vmask_store(float* p, vm m, vf v) {
  if (m) *p = v;
}
inline vf vmaskz_sub(vm m, vf a, vf b) { return m ? a - b : 0.0f; }
inline float vsum(vf v) { return v; }

#endif

// All kW lanes set, as bits.
constexpr unsigned kFull = kW == 32 ? ~0u : (1u << kW) - 1;
// The first n lanes (0 <= n <= kW), as bits.
inline unsigned vbits(int64_t n) { return n >= kW ? kFull : (1u << n) - 1; }
// The first n lanes of p (0 <= n <= kW), the rest 0; nothing past p + n is read.
inline vf vloadn(const float* p, int64_t n) { return vmaskz_load(vmask(vbits(n)), p); }
inline void vstoren(float* p, vf v, int64_t n) { vmask_store(p, vmask(vbits(n)), v); }
// The lanes of v added up in lane order (0, 1, ..., kW - 1) from 0.
inline float vsum_ordered(vf v) {
  float lanes[kW];
  vstore(lanes, v);
  float s = 0.0f;
  for (int l = 0; l < kW; ++l) s += lanes[l];
  return s;
}

}  // namespace ember::cpu::EMBER_ISA
