// Depthwise convolution (one filter per channel) over one (n, c) plane, float32, compiled
// per ISA. Direct loops: for each output row and filter tap, a strided axpy over the valid
// output columns (contiguous when the stride is 1, so it vectorises). Single-threaded.
#include <cstdint>
#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#include "ember/cpu/isa/simd.h"

namespace ember::cpu::EMBER_ISA {

namespace {

// y[0:n] += a * x[0:n]. Rows are short (a feature map's width), so the tail is masked
// rather than left to a scalar loop.
void axpy(float a, const float* x, float* y, int64_t n) {
  int64_t i = 0;
#if defined(__AVX512F__)
  const __m512 va = _mm512_set1_ps(a);
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(y + i, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(y + i, m, _mm512_fmadd_ps(va, _mm512_maskz_loadu_ps(m, x + i),
                                                    _mm512_maskz_loadu_ps(m, y + i)));
  }
#elif defined(__AVX2__)
  const __m256 va = _mm256_set1_ps(a);
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] += a * x[i];
#else
  for (; i < n; ++i) y[i] += a * x[i];
#endif
}

// acc[0:n] += g[0:n] * x[0:n].
void mul_acc(const float* g, const float* x, float* acc, int64_t n) {
  int64_t i = 0;
#if defined(__AVX512F__)
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps(acc + i, _mm512_fmadd_ps(_mm512_loadu_ps(g + i), _mm512_loadu_ps(x + i),
                                              _mm512_loadu_ps(acc + i)));
  if (i < n) {
    const __mmask16 m = static_cast<__mmask16>((1u << (n - i)) - 1);
    _mm512_mask_storeu_ps(acc + i, m,
                          _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, g + i),
                                          _mm512_maskz_loadu_ps(m, x + i),
                                          _mm512_maskz_loadu_ps(m, acc + i)));
  }
#elif defined(__AVX2__)
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(acc + i, _mm256_fmadd_ps(_mm256_loadu_ps(g + i), _mm256_loadu_ps(x + i),
                                              _mm256_loadu_ps(acc + i)));
  for (; i < n; ++i) acc[i] += g[i] * x[i];
#else
  for (; i < n; ++i) acc[i] += g[i] * x[i];
#endif
}

// Output columns [lo, hi) whose input column ow * sw + off lies in [0, W); no division
// for stride 1 (divisions dominated the small-plane cost).
void valid_cols(int64_t off, int64_t sw, int64_t W, int64_t OW, int64_t& lo, int64_t& hi) {
  if (sw == 1) {
    lo = off >= 0 ? 0 : -off;
    hi = W - off;
  } else {
    lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
    hi = W - 1 - off >= 0 ? (W - 1 - off) / sw + 1 : 0;
  }
  if (hi > OW) hi = OW;
  if (hi < lo) hi = lo;
}

}  // namespace

// Depthwise plane with stride 1 and output rows as wide as the input's (OW == W): output
// position p = oh * W + ow is bias + sum over taps t < KK, in order, of w[t] * x[p + toff[t]]
// where lane mask bit (p % 16) of mk[(p / 16) * KK + t] is set (the tap lies inside the
// plane), else + w[t] * 0: the same sums, in the same order, as depthwise_conv_plane_f32.
// The positions run as flat kW-lane vectors (no half-empty vector per row; masked lanes
// never fault, so x + toff[t] may point outside the plane); 4 vectors per pass keep 4
// independent FMA chains. Writes out[0, P).
void depthwise_flat_f32(const float* x, const float* w, int64_t KK, const int64_t* toff,
                        const uint16_t* mk, float bias, float* out, int64_t P) {
#if defined(EMBER_SIMD_VEC)
  const int64_t nvec = (P + kW - 1) / kW;
  const vm tail = vmask(vbits(P - (nvec - 1) * kW)), all = vmask(kFull);
  // Lane bits of tap t for the kW positions from p (a multiple of kW; kW divides 16).
  auto bits = [&](int64_t p, int64_t t) {
    return (static_cast<unsigned>(mk[(p / 16) * KK + t]) >> (p % 16)) & kFull;
  };
  int64_t v = 0;
  for (; v + 4 <= nvec; v += 4) {
    vf a0 = vset1(bias), a1 = a0, a2 = a0, a3 = a0;
    const int64_t p = kW * v;
    const float* xv = x + p;
    for (int64_t t = 0; t < KK; ++t) {
      const vf wv = vset1(w[t]);
      const float* q = xv + toff[t];
      const vm m0 = vmask(bits(p, t)), m1 = vmask(bits(p + kW, t));
      const vm m2 = vmask(bits(p + 2 * kW, t)), m3 = vmask(bits(p + 3 * kW, t));
      a0 = vfma(wv, vmaskz_load(m0, q), a0);
      a1 = vfma(wv, vmaskz_load(m1, q + kW), a1);
      a2 = vfma(wv, vmaskz_load(m2, q + 2 * kW), a2);
      a3 = vfma(wv, vmaskz_load(m3, q + 3 * kW), a3);
    }
    float* o = out + p;
    vstore(o, a0);
    vstore(o + kW, a1);
    vstore(o + 2 * kW, a2);
    vmask_store(o + 3 * kW, v + 4 == nvec ? tail : all, a3);
  }
  for (; v < nvec; ++v) {
    vf a0 = vset1(bias);
    const int64_t p = kW * v;
    for (int64_t t = 0; t < KK; ++t)
      a0 = vfma(vset1(w[t]), vmaskz_load(vmask(bits(p, t)), x + p + toff[t]), a0);
    vmask_store(out + p, v + 1 == nvec ? tail : all, a0);
  }
#else
  for (int64_t p = 0; p < P; ++p) {
    float acc = bias;
    for (int64_t t = 0; t < KK; ++t)
      acc += w[t] * ((mk[(p / 16) * KK + t] >> (p % 16)) & 1 ? x[p + toff[t]] : 0.0f);
    out[p] = acc;
  }
#endif
}

void depthwise_conv_plane_f32(const float* x, int64_t H, int64_t W, const float* w, int64_t KH,
                              int64_t KW, float bias, float* out, int64_t OH, int64_t OW,
                              int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh,
                              int64_t dw) {
#if defined(EMBER_SIMD_VEC)
  if (sw == 1 && KW <= 16) {
    // Registers accumulate all taps of kW output columns of 4 rows (4 independent FMA
    // chains hide the FMA latency), stored once. The per-tap column masks depend only on
    // the column chunk and j, so they are computed once per chunk, not per row and tap.
    vm tm[16];
    int64_t to[16];
    const vm none = vmask(0);
    for (int64_t c0 = 0; c0 < OW; c0 += kW) {
      const int64_t c1 = c0 + kW < OW ? c0 + kW : OW;
      const vm sm = vmask(vbits(c1 - c0));
      bool inner = c1 - c0 == kW;  // every tap's kW columns inside the row
      for (int64_t j = 0; j < KW; ++j) {
        const int64_t off = j * dw - pw;
        int64_t lo, hi;
        valid_cols(off, 1, W, OW, lo, hi);
        const int64_t a = lo > c0 ? lo : c0, b = hi < c1 ? hi : c1;
        tm[j] = vmask(b > a ? vbits(b - a) << (a - c0) : 0u);
        to[j] = off + c0;
        inner = inner && a == c0 && b == c1;
      }
      for (int64_t oh0 = 0; oh0 < OH; oh0 += 4) {
        const int64_t nr = OH - oh0 < 4 ? OH - oh0 : 4;
        // Rows outside the image (or past OH) load nothing through an all-zero mask, so
        // the four chains stay branch-free and in registers.
        vf a0 = vset1(bias), a1 = a0, a2 = a0, a3 = a0;
        for (int64_t i = 0; i < KH; ++i) {
          const float* wr = w + i * KW;
          const float* xr[4];
          bool ok[4];
          for (int r = 0; r < 4; ++r) {
            const int64_t ih = (oh0 + r) * sh - ph + i * dh;
            ok[r] = r < nr && ih >= 0 && ih < H;
            xr[r] = ok[r] ? x + ih * W : x;
          }
          if (kW < 16 && inner && ok[0] && ok[1] && ok[2] && ok[3]) {
            for (int64_t j = 0; j < KW; ++j) {  // AVX2: plain loads (masked ones cost more)
              const vf wv = vset1(wr[j]);
              a0 = vfma(wv, vload(xr[0] + to[j]), a0);
              a1 = vfma(wv, vload(xr[1] + to[j]), a1);
              a2 = vfma(wv, vload(xr[2] + to[j]), a2);
              a3 = vfma(wv, vload(xr[3] + to[j]), a3);
            }
            continue;
          }
          for (int64_t j = 0; j < KW; ++j) {
            const vf wv = vset1(wr[j]);
            const vm m = tm[j];
            a0 = vfma(wv, vmaskz_load(ok[0] ? m : none, xr[0] + to[j]), a0);
            a1 = vfma(wv, vmaskz_load(ok[1] ? m : none, xr[1] + to[j]), a1);
            a2 = vfma(wv, vmaskz_load(ok[2] ? m : none, xr[2] + to[j]), a2);
            a3 = vfma(wv, vmaskz_load(ok[3] ? m : none, xr[3] + to[j]), a3);
          }
        }
        float* o = out + oh0 * OW + c0;
        if (kW < 16 && c1 - c0 == kW && nr == 4) {
          vstore(o, a0);
          vstore(o + OW, a1);
          vstore(o + 2 * OW, a2);
          vstore(o + 3 * OW, a3);
          continue;
        }
        vmask_store(o, sm, a0);
        if (nr > 1) vmask_store(o + OW, sm, a1);
        if (nr > 2) vmask_store(o + 2 * OW, sm, a2);
        if (nr > 3) vmask_store(o + 3 * OW, sm, a3);
      }
    }
    return;
  }
#endif
  for (int64_t oh = 0; oh < OH; ++oh) {
    float* o = out + oh * OW;
    for (int64_t ow = 0; ow < OW; ++ow) o[ow] = bias;
    for (int64_t i = 0; i < KH; ++i) {
      const int64_t ih = oh * sh - ph + i * dh;
      if (ih < 0 || ih >= H) continue;
      const float* xr = x + ih * W;
      for (int64_t j = 0; j < KW; ++j) {
        const int64_t off = j * dw - pw;
        // output columns whose input column ow * sw + off lies in [0, W)
        int64_t lo, hi;
        valid_cols(off, sw, W, OW, lo, hi);
        const float wv = w[i * KW + j];
        const float* xs = xr + off;
        if (sw == 1) {
          if (hi > lo) axpy(wv, xs + lo, o + lo, hi - lo);
        } else {
          for (int64_t ow = lo; ow < hi; ++ow) o[ow] += wv * xs[ow * sw];
        }
      }
    }
  }
}

}  // namespace ember::cpu::EMBER_ISA

namespace ember::cpu::EMBER_ISA {

// dx (H x W) = depthwise conv^T of dy (OH x OW) with filter w: overwrites dx.
void depthwise_conv_plane_bwd_input_f32(const float* dy, int64_t OH, int64_t OW, const float* w,
                                        int64_t KH, int64_t KW, float* dx, int64_t H, int64_t W,
                                        int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                                        int64_t dh, int64_t dw) {
  for (int64_t e = 0; e < H * W; ++e) dx[e] = 0.0f;
  for (int64_t oh = 0; oh < OH; ++oh) {
    const float* g = dy + oh * OW;
    for (int64_t i = 0; i < KH; ++i) {
      const int64_t ih = oh * sh - ph + i * dh;
      if (ih < 0 || ih >= H) continue;
      float* xr = dx + ih * W;
      for (int64_t j = 0; j < KW; ++j) {
        const int64_t off = j * dw - pw;
        int64_t lo, hi;
        valid_cols(off, sw, W, OW, lo, hi);
        const float wv = w[i * KW + j];
        float* xs = xr + off;
        if (sw == 1) {
          if (hi > lo) axpy(wv, g + lo, xs + lo, hi - lo);
        } else {
          for (int64_t ow = lo; ow < hi; ++ow) xs[ow * sw] += wv * g[ow];
        }
      }
    }
  }
}

#if defined(EMBER_SIMD_VEC)
namespace {
// The 3x3, unit-column-stride case of the weight gradient: each dy vector is loaded once
// and feeds nine accumulators (one per tap: independent FMA chains, all in registers).
// The column masks per tap depend only on the chunk, as in the forward.
void bwd_weight_3x3(const float* x, int64_t H, int64_t W, const float* dy, int64_t OH,
                    int64_t OW, int64_t sh, int64_t ph, int64_t pw, int64_t dh, int64_t dw,
                    float* out) {
  vf acc[9];
  for (int t = 0; t < 9; ++t) acc[t] = vzero();
  for (int64_t c0 = 0; c0 < OW; c0 += kW) {
    const int64_t c1 = c0 + kW < OW ? c0 + kW : OW;
    const vm sm = vmask(vbits(c1 - c0));
    vm tm[3];
    int64_t to[3];
    bool inner = c1 - c0 == kW;  // every tap's kW columns inside the row
    for (int j = 0; j < 3; ++j) {
      const int64_t off = j * dw - pw;
      int64_t lo, hi;
      valid_cols(off, 1, W, OW, lo, hi);
      const int64_t a = lo > c0 ? lo : c0, b = hi < c1 ? hi : c1;
      tm[j] = vmask(b > a ? vbits(b - a) << (a - c0) : 0u);
      to[j] = off + c0;
      inner = inner && a == c0 && b == c1;
    }
    if (kW < 16 && inner) {  // AVX2: plain loads (masked ones cost more)
      for (int64_t oh = 0; oh < OH; ++oh) {
        const vf g = vload(dy + oh * OW + c0);
        for (int i = 0; i < 3; ++i) {
          const int64_t ih = oh * sh - ph + i * dh;
          if (ih < 0 || ih >= H) continue;
          const float* xr = x + ih * W;
          for (int j = 0; j < 3; ++j) acc[i * 3 + j] = vfma(g, vload(xr + to[j]), acc[i * 3 + j]);
        }
      }
      continue;
    }
    for (int64_t oh = 0; oh < OH; ++oh) {
      const vf g = vmaskz_load(sm, dy + oh * OW + c0);
      for (int i = 0; i < 3; ++i) {
        const int64_t ih = oh * sh - ph + i * dh;
        if (ih < 0 || ih >= H) continue;
        const float* xr = x + ih * W;
        for (int j = 0; j < 3; ++j)
          acc[i * 3 + j] = vfma(g, vmaskz_load(tm[j], xr + to[j]), acc[i * 3 + j]);
      }
    }
  }
  // lanes summed in order (no reduce intrinsic: GCC 12 warns)
  for (int t = 0; t < 9; ++t) out[t] = vsum_ordered(acc[t]);
}
}  // namespace
#endif

// out[i * KW + j] = sum over (oh, ow) of dy[oh][ow] * x[ih][iw] for one plane. acc: OW floats
// of scratch; per-column sums run down the rows (vectorised), then add up in column order.
void depthwise_conv_plane_bwd_weight_f32(const float* x, int64_t H, int64_t W, const float* dy,
                                         int64_t OH, int64_t OW, int64_t KH, int64_t KW,
                                         int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                                         int64_t dh, int64_t dw, float* acc, float* out) {
#if defined(EMBER_SIMD_VEC)
  if (sw == 1 && KH == 3 && KW == 3) {
    bwd_weight_3x3(x, H, W, dy, OH, OW, sh, ph, pw, dh, dw, out);
    return;
  }
  if (sw == 1) {  // register accumulation (no per-row store / reload of acc)
    for (int64_t i = 0; i < KH; ++i)
      for (int64_t j = 0; j < KW; ++j) {
        const int64_t off = j * dw - pw;
        int64_t lo, hi;
        valid_cols(off, 1, W, OW, lo, hi);
        vf v = vzero();
        for (int64_t c0 = lo; c0 < hi; c0 += kW) {
          const vm m = vmask(vbits(hi - c0));
          for (int64_t oh = 0; oh < OH; ++oh) {
            const int64_t ih = oh * sh - ph + i * dh;
            if (ih < 0 || ih >= H) continue;
            v = vfma(vmaskz_load(m, dy + oh * OW + c0), vmaskz_load(m, x + ih * W + off + c0), v);
          }
        }
        out[i * KW + j] = vsum_ordered(v);
      }
    return;
  }
#endif
  for (int64_t i = 0; i < KH; ++i)
    for (int64_t j = 0; j < KW; ++j) {
      const int64_t off = j * dw - pw;
      int64_t lo, hi;
      valid_cols(off, sw, W, OW, lo, hi);
      for (int64_t ow = 0; ow < OW; ++ow) acc[ow] = 0.0f;
      for (int64_t oh = 0; oh < OH; ++oh) {
        const int64_t ih = oh * sh - ph + i * dh;
        if (ih < 0 || ih >= H) continue;
        const float* g = dy + oh * OW;
        const float* xs = x + ih * W + off;
        if (sw == 1) {
          if (hi > lo) mul_acc(g + lo, xs + lo, acc + lo, hi - lo);
        } else {
          for (int64_t ow = lo; ow < hi; ++ow) acc[ow] += g[ow] * xs[ow * sw];
        }
      }
      float s = 0.0f;
      for (int64_t ow = lo; ow < hi; ++ow) s += acc[ow];
      out[i * KW + j] = s;
    }
}

}  // namespace ember::cpu::EMBER_ISA
