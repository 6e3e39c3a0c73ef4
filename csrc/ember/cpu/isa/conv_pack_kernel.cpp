// Implicit-GEMM packing for float32 convolution, compiled per ISA: writes the im2col
// block (positions x filter taps) of one image straight into the GEMM's packed-A layout
// (micro-panels of mr positions, k-major), so no im2col matrix is ever materialised.
// Single-threaded; mr <= 16. AVX-512 uses masked loads (gathers for strided or very narrow
// outputs); other ISAs run a per-lane loop.
#include <cstdint>

#include "ember/cpu/isa/transpose.h"
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace ember::cpu::EMBER_ISA {

// dst[panel][kk][l] = x[c][ih][iw] (0 outside the image) for position p = p0 + panel * mr + l
// (oh = p / OW, ow = p % OW; lanes with p >= p0 + np are 0) and tap k = k0 + kk = (c, i, j):
// ih = oh * sh - ph + i * dh, iw = ow * sw - pw + j * dw. x holds the group's channels.
void conv_pack_a_f32(const float* x, int64_t H, int64_t W, int64_t KH, int64_t KW, int64_t sh,
                     int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw, int64_t OW,
                     int64_t p0, int64_t np, int64_t k0, int64_t kc, int64_t mr, float* dst) {
  const int64_t HW = H * W, KK = KH * KW;
  for (int64_t q0 = 0; q0 < np; q0 += mr) {
    const int64_t lanes = np - q0 < mr ? np - q0 : mr;
    // Per-lane top-left input coordinate of the receptive field.
    int32_t ihb[16], iwb[16];
    for (int64_t l = 0; l < lanes; ++l) {
      const int64_t p = p0 + q0 + l, oh = p / OW, ow = p % OW;
      ihb[l] = static_cast<int32_t>(oh * sh - ph);
      iwb[l] = static_cast<int32_t>(ow * sw - pw);
    }
    float* d = dst + (q0 / mr) * kc * mr;
#if defined(__AVX512F__)
    // Up to two row segments with unit stride: one masked load each per tap.
    int64_t split = lanes;  // first lane of the second row segment
    for (int64_t l = 1; l < lanes; ++l)
      if (ihb[l] != ihb[0]) {
        split = l;
        break;
      }
    bool two_seg_ok = sw == 1;
    for (int64_t l = split + 1; l < lanes && two_seg_ok; ++l) two_seg_ok = ihb[l] == ihb[split];
    const __mmask16 all = static_cast<__mmask16>((1u << mr) - 1);
    const __mmask16 live = static_cast<__mmask16>((1u << lanes) - 1);
    const __mmask16 seg0 = static_cast<__mmask16>((1u << split) - 1);
    const __mmask16 seg1 = static_cast<__mmask16>(live & ~seg0);
    alignas(64) int32_t ihv_a[16] = {0}, iwv_a[16] = {0};
    for (int64_t l = 0; l < lanes; ++l) {
      ihv_a[l] = ihb[l];
      iwv_a[l] = iwb[l];
    }
    const __m512i ihv = _mm512_load_si512(ihv_a), iwv = _mm512_load_si512(iwv_a);
    const __m512i vH = _mm512_set1_epi32(static_cast<int32_t>(H));
    const __m512i vW = _mm512_set1_epi32(static_cast<int32_t>(W));
    int64_t c = k0 / KK, i = (k0 % KK) / KW, j = k0 % KW;  // tap k0, then stepped
    for (int64_t kk = 0; kk < kc; ++kk, ++j) {
      if (j == KW) {
        j = 0;
        if (++i == KH) {
          i = 0;
          ++c;
        }
      }
      const float* xc = x + c * HW;
      const __m512i iw = _mm512_add_epi32(iwv, _mm512_set1_epi32(static_cast<int32_t>(j * dw)));
      __mmask16 ok = _mm512_mask_cmpge_epi32_mask(live, iw, _mm512_setzero_si512());
      ok = _mm512_mask_cmplt_epi32_mask(ok, iw, vW);
      __m512 v;
      if (two_seg_ok) {
        v = _mm512_setzero_ps();
        const int64_t ih0 = ihb[0] + i * dh;
        if (ih0 >= 0 && ih0 < H) {
          const float* src = xc + ih0 * W + iwb[0] + j * dw;
          // Rows of many channel planes are in flight at once, more streams than the
          // hardware prefetcher follows: fetch two panels ahead by hand.
          _mm_prefetch(reinterpret_cast<const char*>(src + 2 * mr), _MM_HINT_T0);
          v = _mm512_mask_loadu_ps(v, ok & seg0, src);
        }
        if (split < lanes) {
          const int64_t ih1 = ihb[split] + i * dh;
          if (ih1 >= 0 && ih1 < H)
            v = _mm512_mask_loadu_ps(v, ok & seg1, xc + ih1 * W + iwb[split] - split + j * dw);
        }
      } else {
        const __m512i ih = _mm512_add_epi32(ihv, _mm512_set1_epi32(static_cast<int32_t>(i * dh)));
        ok = _mm512_mask_cmpge_epi32_mask(ok, ih, _mm512_setzero_si512());
        ok = _mm512_mask_cmplt_epi32_mask(ok, ih, vH);
        const __m512i idx = _mm512_add_epi32(_mm512_mullo_epi32(ih, vW), iw);
        v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), ok, idx, xc, 4);
      }
      _mm512_mask_storeu_ps(d + kk * mr, all, v);
    }
#else
    int64_t c = k0 / KK, i = (k0 % KK) / KW, j = k0 % KW;
    for (int64_t kk = 0; kk < kc; ++kk, ++j) {
      if (j == KW) {
        j = 0;
        if (++i == KH) {
          i = 0;
          ++c;
        }
      }
      const float* xc = x + c * HW;
      float* o = d + kk * mr;
      for (int64_t l = 0; l < lanes; ++l) {
        const int64_t ih = ihb[l] + i * dh, iw = iwb[l] + j * dw;
        o[l] = ih >= 0 && ih < H && iw >= 0 && iw < W ? xc[ih * W + iw] : 0.0f;
      }
      for (int64_t l = lanes; l < mr; ++l) o[l] = 0.0f;
    }
#endif
  }
}

// out[k * P + q] = c[q * ldc + k] + (bias ? bias[k] : 0) for q < np, k < kn: the GEMM's
// position-major tile written back as NCHW rows.
void conv_store_tile_f32(const float* c, int64_t ldc, int64_t np, int64_t kn,
                         const float* bias, float* out, int64_t P) {
  int64_t k0 = 0;
#if defined(__AVX512F__)
  for (; k0 + 16 <= kn; k0 += 16) {
    float add[16];
    for (int i = 0; i < 16; ++i) add[i] = bias ? bias[k0 + i] : 0.0f;
    for (int64_t q0 = 0; q0 < np; q0 += 16)
      transpose_16(c + q0 * ldc + k0, ldc, np - q0 < 16 ? np - q0 : 16, out + k0 * P + q0, P,
                   add);
  }
#endif
  for (int64_t k = k0; k < kn; ++k) {
    const float b = bias ? bias[k] : 0.0f;
    for (int64_t q = 0; q < np; ++q) out[k * P + q] = c[q * ldc + k] + b;
  }
}

}  // namespace ember::cpu::EMBER_ISA
