// Max and average pooling kernels (float32/float64) compiled per ISA; see cpu/pool.h for the
// window tables. Max pooling follows PyTorch exactly: a later value wins when it is greater
// or NaN, so ties keep the first maximum and NaN propagates (the last NaN's index is kept).
#include <cstdint>
#include <cstring>

#include "ember/cpu/pool.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace ember::cpu::EMBER_ISA {

namespace {

template <class T>
inline bool takes(T v, T m) { return (v > m) | (v != v); }  // no short-circuit: vectorises

// Sum of n contiguous values with 8 accumulators (vectorises; fixed order).
template <class T>
T span_sum(const T* x, int64_t n) {
  T acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += x[i + k];
  T s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; ++i) s += x[i];
  return s;
}

// 2x2 windows, stride 2, no padding or dilation: the common CNN downsampling.
template <class T>
void max2x2_plane(const T* __restrict x, T* __restrict y, int64_t iw, int64_t oh, int64_t ow) {
  for (int64_t r = 0; r < oh; ++r) {
    const T* __restrict a = x + 2 * r * iw;
    const T* __restrict b = a + iw;
    T* __restrict o = y + r * ow;
    for (int64_t c = 0; c < ow; ++c) {
      T m = a[2 * c];
      T v = a[2 * c + 1];
      m = takes(v, m) ? v : m;
      v = b[2 * c];
      m = takes(v, m) ? v : m;
      v = b[2 * c + 1];
      m = takes(v, m) ? v : m;
      o[c] = m;
    }
  }
}

#if defined(__AVX512F__)
// 16 outputs of a 2x2/stride-2 max pool backward: de-interleave the two input rows, replay the
// forward's comparison chain on masks (winner = last position that "took"), re-interleave.
inline void max2x2_bwd16(const float* a, const float* b, const float* g, float* da, float* db) {
  const __m512i ie = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i io = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  __m512 a0 = _mm512_loadu_ps(a), a1 = _mm512_loadu_ps(a + 16);
  __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
  __m512 x0 = _mm512_permutex2var_ps(a0, ie, a1), x1 = _mm512_permutex2var_ps(a0, io, a1);
  __m512 x2 = _mm512_permutex2var_ps(b0, ie, b1), x3 = _mm512_permutex2var_ps(b0, io, b1);
  __m512 m = x0;
  __mmask16 t1 = _mm512_cmp_ps_mask(x1, m, _CMP_GT_OQ) | _mm512_cmp_ps_mask(x1, x1, _CMP_UNORD_Q);
  m = _mm512_mask_mov_ps(m, t1, x1);
  __mmask16 t2 = _mm512_cmp_ps_mask(x2, m, _CMP_GT_OQ) | _mm512_cmp_ps_mask(x2, x2, _CMP_UNORD_Q);
  m = _mm512_mask_mov_ps(m, t2, x2);
  __mmask16 t3 = _mm512_cmp_ps_mask(x3, m, _CMP_GT_OQ) | _mm512_cmp_ps_mask(x3, x3, _CMP_UNORD_Q);
  __mmask16 w3 = t3, w2 = t2 & ~t3, w1 = t1 & ~t2 & ~t3;
  __mmask16 w0 = static_cast<__mmask16>(~(t1 | t2 | t3));
  __m512 gv = _mm512_loadu_ps(g);
  __m512 y0 = _mm512_maskz_mov_ps(w0, gv), y1 = _mm512_maskz_mov_ps(w1, gv);
  __m512 y2 = _mm512_maskz_mov_ps(w2, gv), y3 = _mm512_maskz_mov_ps(w3, gv);
  _mm512_storeu_ps(da, _mm512_permutex2var_ps(y0, lo, y1));
  _mm512_storeu_ps(da + 16, _mm512_permutex2var_ps(y0, hi, y1));
  _mm512_storeu_ps(db, _mm512_permutex2var_ps(y2, lo, y3));
  _mm512_storeu_ps(db + 16, _mm512_permutex2var_ps(y2, hi, y3));
}
#endif

#if defined(__AVX2__) && !defined(__AVX512F__)
// 8 outputs of a 2x2/stride-2 max pool backward, as max2x2_bwd16 with 8 lanes: in-lane
// shuffles split each input row into even / odd columns with the outputs in the order
// 0 1 4 5 | 2 3 6 7 (the gradient is permuted to match), unpacks interleave them back.
inline __m256 takes8(__m256 v, __m256 m) {
  return _mm256_or_ps(_mm256_cmp_ps(v, m, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
}

inline void max2x2_bwd8(const float* a, const float* b, const float* g, float* da, float* db) {
  const __m256 a0 = _mm256_loadu_ps(a), a1 = _mm256_loadu_ps(a + 8);
  const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
  const __m256 x0 = _mm256_shuffle_ps(a0, a1, 0x88), x1 = _mm256_shuffle_ps(a0, a1, 0xDD);
  const __m256 x2 = _mm256_shuffle_ps(b0, b1, 0x88), x3 = _mm256_shuffle_ps(b0, b1, 0xDD);
  __m256 m = x0;
  const __m256 t1 = takes8(x1, m);
  m = _mm256_blendv_ps(m, x1, t1);
  const __m256 t2 = takes8(x2, m);
  m = _mm256_blendv_ps(m, x2, t2);
  const __m256 t3 = takes8(x3, m);
  // Winner: the last position that took (w3 = t3, w2 = t2 & ~t3, ...).
  const __m256 gv = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_loadu_ps(g)), 0xD8));
  const __m256 y3 = _mm256_and_ps(t3, gv);
  const __m256 y2 = _mm256_andnot_ps(t3, _mm256_and_ps(t2, gv));
  const __m256 y1 = _mm256_andnot_ps(_mm256_or_ps(t2, t3), _mm256_and_ps(t1, gv));
  const __m256 y0 = _mm256_andnot_ps(_mm256_or_ps(t1, _mm256_or_ps(t2, t3)), gv);
  _mm256_storeu_ps(da, _mm256_unpacklo_ps(y0, y1));
  _mm256_storeu_ps(da + 8, _mm256_unpackhi_ps(y0, y1));
  _mm256_storeu_ps(db, _mm256_unpacklo_ps(y2, y3));
  _mm256_storeu_ps(db + 8, _mm256_unpackhi_ps(y2, y3));
}
#endif

#if defined(__AVX512F__)
// 2x2/stride-2 max pooling of narrow maps (iw = 2 * ow, ih = 2 * oh, ow dividing 16) as one
// tall plane: consecutive planes continue each other's rows, and 16 outputs (16 / ow whole
// rows) read exactly 64 contiguous inputs, so two-source permutes pick each of the four
// window positions (no per-row overhead, no gathers). `rows` output rows in all.
struct Narrow2x2 {
  __m512i lo[4], hi_sel[4];  // per window position k: index into (z0, z1) / (z2, z3)
  __mmask16 hi[4];           // lanes taken from (z2, z3)
  __m512i inv[4];            // backward: dx lane j of vector q <- (y_k, lane) as k*16 + lane
  __mmask16 inv_hi[4];
};

inline void narrow_tables(int64_t ow, Narrow2x2& t) {
  alignas(64) int32_t off[4][16], inv[64];
  for (int l = 0; l < 16; ++l) {
    const int64_t R = l / ow, c = l % ow, base = 4 * R * ow + 2 * c;
    const int64_t o[4] = {base, base + 1, base + 2 * ow, base + 2 * ow + 1};
    for (int k = 0; k < 4; ++k) {
      off[k][l] = static_cast<int32_t>(o[k]);
      inv[o[k]] = k * 16 + l;
    }
  }
  for (int k = 0; k < 4; ++k) {
    alignas(64) int32_t a[16];
    __mmask16 h = 0, ih = 0;
    for (int l = 0; l < 16; ++l) {
      a[l] = off[k][l] & 31;
      if (off[k][l] >= 32) h = static_cast<__mmask16>(h | (1u << l));
    }
    t.lo[k] = _mm512_load_si512(a);
    t.hi[k] = h;
    for (int l = 0; l < 16; ++l) {
      a[l] = inv[16 * k + l] & 31;
      if (inv[16 * k + l] >= 32) ih = static_cast<__mmask16>(ih | (1u << l));
    }
    t.inv[k] = _mm512_load_si512(a);
    t.inv_hi[k] = ih;
  }
}

inline __m512 pick4(__m512 z0, __m512 z1, __m512 z2, __m512 z3, __m512i idx, __mmask16 hi) {
  return _mm512_mask_blend_ps(hi, _mm512_permutex2var_ps(z0, idx, z1),
                              _mm512_permutex2var_ps(z2, idx, z3));
}

inline __mmask16 takes16(__m512 v, __m512 m) {
  return _mm512_cmp_ps_mask(v, m, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
}

void max2x2_narrow(const float* x, float* y, int64_t rows, int64_t ow) {
  Narrow2x2 t;
  narrow_tables(ow, t);
  const int64_t n = rows * ow, full = n / 16 * 16;
  for (int64_t o = 0; o < full; o += 16) {
    const float* a = x + 4 * o;
    const __m512 z0 = _mm512_loadu_ps(a), z1 = _mm512_loadu_ps(a + 16);
    const __m512 z2 = _mm512_loadu_ps(a + 32), z3 = _mm512_loadu_ps(a + 48);
    __m512 m = pick4(z0, z1, z2, z3, t.lo[0], t.hi[0]);
    for (int k = 1; k < 4; ++k) {
      const __m512 v = pick4(z0, z1, z2, z3, t.lo[k], t.hi[k]);
      m = _mm512_mask_mov_ps(m, takes16(v, m), v);
    }
    _mm512_storeu_ps(y + o, m);
  }
  if (full < n) max2x2_plane(x + 4 * full, y + full, 2 * ow, (n - full) / ow, ow);
}

void max2x2_narrow_backward(const float* x, const float* g, float* dx, int64_t rows,
                            int64_t ow);
#endif

// Gradient of a 2x2/stride-2 max pool, written (not accumulated) into the whole dx plane;
// branch-free winner selection (random data defeats the branch predictor).
template <class T>
void max2x2_backward_plane(const T* __restrict x, const T* __restrict g, T* __restrict dx,
                           int64_t ih, int64_t iw, int64_t oh, int64_t ow) {
  for (int64_t r = 0; r < oh; ++r) {
    const T* a = x + 2 * r * iw;
    const T* b = a + iw;
    T* da = dx + 2 * r * iw;
    T* db = da + iw;
    const T* gr = g + r * ow;
    int64_t c0 = 0;
#if defined(__AVX512F__)
    if constexpr (sizeof(T) == 4) {
      for (; c0 + 16 <= ow; c0 += 16)
        max2x2_bwd16(reinterpret_cast<const float*>(a) + 2 * c0,
                     reinterpret_cast<const float*>(b) + 2 * c0,
                     reinterpret_cast<const float*>(gr) + c0, reinterpret_cast<float*>(da) + 2 * c0,
                     reinterpret_cast<float*>(db) + 2 * c0);
      if (c0 < ow && ow >= 16) {  // tail: redo the last 16 (writes, not adds: idempotent)
        c0 = ow - 16;
        max2x2_bwd16(reinterpret_cast<const float*>(a) + 2 * c0,
                     reinterpret_cast<const float*>(b) + 2 * c0,
                     reinterpret_cast<const float*>(gr) + c0, reinterpret_cast<float*>(da) + 2 * c0,
                     reinterpret_cast<float*>(db) + 2 * c0);
        c0 = ow;
      }
    }
#elif defined(__AVX2__)
    if constexpr (sizeof(T) == 4) {
      const float* af = reinterpret_cast<const float*>(a);
      const float* bf = reinterpret_cast<const float*>(b);
      const float* gf = reinterpret_cast<const float*>(gr);
      float* daf = reinterpret_cast<float*>(da);
      float* dbf = reinterpret_cast<float*>(db);
      for (; c0 + 8 <= ow; c0 += 8)
        max2x2_bwd8(af + 2 * c0, bf + 2 * c0, gf + c0, daf + 2 * c0, dbf + 2 * c0);
      if (c0 < ow && ow >= 8) {  // tail: redo the last 8 (writes, not adds: idempotent)
        c0 = ow - 8;
        max2x2_bwd8(af + 2 * c0, bf + 2 * c0, gf + c0, daf + 2 * c0, dbf + 2 * c0);
        c0 = ow;
      }
    }
#endif
    for (int64_t c = c0; c < ow; ++c) {
      const T x0 = a[2 * c], x1 = a[2 * c + 1], x2 = b[2 * c], x3 = b[2 * c + 1];
      T m = x0;
      m = takes(x1, m) ? x1 : m;
      m = takes(x2, m) ? x2 : m;
      m = takes(x3, m) ? x3 : m;
      // The forward's winner: the first value equal to the max, or the last NaN.
      const bool mn = m != m;
      const bool n0 = x0 != x0, n1 = x1 != x1, n2 = x2 != x2, n3 = x3 != x3;
      const bool e0 = x0 == m, e1 = x1 == m, e2 = x2 == m;
      const bool s3 = (mn & n3) | (!mn & !e0 & !e1 & !e2);
      const bool s2 = (mn & n2 & !n3) | (!mn & e2 & !e0 & !e1);
      const bool s1 = (mn & n1 & !n2 & !n3) | (!mn & e1 & !e0);
      const bool s0 = (mn & n0 & !n1 & !n2 & !n3) | (!mn & e0);
      const T gv = gr[c];
      da[2 * c] = s0 ? gv : T(0);
      da[2 * c + 1] = s1 ? gv : T(0);
      db[2 * c] = s2 ? gv : T(0);
      db[2 * c + 1] = s3 ? gv : T(0);
    }
    for (int64_t c = 2 * ow; c < iw; ++c) da[c] = db[c] = T(0);
  }
  if (2 * oh < ih) std::memset(dx + 2 * oh * iw, 0, sizeof(T) * (ih - 2 * oh) * iw);
}

#if defined(__AVX512F__)
// The gradient of max2x2_narrow: the forward's comparison chain replayed on masks (winner =
// last position that took), the 4 x 16 gradient lanes permuted back into 64 inputs.
void max2x2_narrow_backward(const float* x, const float* g, float* dx, int64_t rows,
                            int64_t ow) {
  Narrow2x2 t;
  narrow_tables(ow, t);
  const int64_t n = rows * ow, full = n / 16 * 16;
  for (int64_t o = 0; o < full; o += 16) {
    const float* a = x + 4 * o;
    const __m512 z0 = _mm512_loadu_ps(a), z1 = _mm512_loadu_ps(a + 16);
    const __m512 z2 = _mm512_loadu_ps(a + 32), z3 = _mm512_loadu_ps(a + 48);
    __m512 m = pick4(z0, z1, z2, z3, t.lo[0], t.hi[0]);
    __mmask16 tk[4] = {0, 0, 0, 0};
    for (int k = 1; k < 4; ++k) {
      const __m512 v = pick4(z0, z1, z2, z3, t.lo[k], t.hi[k]);
      tk[k] = takes16(v, m);
      m = _mm512_mask_mov_ps(m, tk[k], v);
    }
    const __mmask16 w3 = tk[3], w2 = tk[2] & ~tk[3], w1 = tk[1] & ~tk[2] & ~tk[3];
    const __mmask16 w0 = static_cast<__mmask16>(~(tk[1] | tk[2] | tk[3]));
    const __m512 gv = _mm512_loadu_ps(g + o);
    const __m512 y0 = _mm512_maskz_mov_ps(w0, gv), y1 = _mm512_maskz_mov_ps(w1, gv);
    const __m512 y2 = _mm512_maskz_mov_ps(w2, gv), y3 = _mm512_maskz_mov_ps(w3, gv);
    float* d = dx + 4 * o;
    for (int q = 0; q < 4; ++q)
      _mm512_storeu_ps(d + 16 * q, pick4(y0, y1, y2, y3, t.inv[q], t.inv_hi[q]));
  }
  if (full < n)
    max2x2_backward_plane(x + 4 * full, g + full, dx + 4 * full, 2 * ((n - full) / ow), 2 * ow,
                          (n - full) / ow, ow);
}
#endif

// Average of 2x2 blocks, stride 2 (divisor d): forward and its gradient (written, not added).
template <class T>
void avg2x2_plane(const T* __restrict x, T* __restrict y, int64_t iw, int64_t oh, int64_t ow, T d) {
  for (int64_t r = 0; r < oh; ++r) {
    const T* a = x + 2 * r * iw;
    const T* b = a + iw;
    T* o = y + r * ow;
    for (int64_t c = 0; c < ow; ++c) o[c] = ((a[2 * c] + a[2 * c + 1]) + (b[2 * c] + b[2 * c + 1])) / d;
  }
}

template <class T>
void avg2x2_backward_plane(const T* __restrict g, T* __restrict dx, int64_t ih, int64_t iw,
                           int64_t oh, int64_t ow, T d) {
  for (int64_t r = 0; r < oh; ++r) {
    T* da = dx + 2 * r * iw;
    T* db = da + iw;
    const T* gr = g + r * ow;
    for (int64_t c = 0; c < ow; ++c) {
      const T v = gr[c] / d;
      da[2 * c] = v;
      da[2 * c + 1] = v;
      db[2 * c] = v;
      db[2 * c + 1] = v;
    }
    for (int64_t c = 2 * ow; c < iw; ++c) da[c] = db[c] = T(0);
  }
  if (2 * oh < ih) std::memset(dx + 2 * oh * iw, 0, sizeof(T) * (ih - 2 * oh) * iw);
}

// Argmax (flat index into the plane) of output (r, c) of a 2x2/stride-2 pool.
template <class T>
inline int64_t arg2x2(const T* x, int64_t iw, int64_t r, int64_t c) {
  int64_t base = 2 * r * iw + 2 * c, best = base;
  T m = x[base];
  const int64_t cand[3] = {base + 1, base + iw, base + iw + 1};
  for (int k = 0; k < 3; ++k)
    if (takes(x[cand[k]], m)) { m = x[cand[k]]; best = cand[k]; }
  return best;
}

template <class T>
inline int64_t arg_window(const T* x, int64_t iw, int64_t h0, int64_t h1, int64_t w0, int64_t w1,
                          int64_t dh, int64_t dw, T* value) {
  int64_t best = h0 * iw + w0;
  T m = -__builtin_huge_val();
  for (int64_t h = h0; h < h1; h += dh)
    for (int64_t w = w0; w < w1; w += dw) {
      T v = x[h * iw + w];
      if (takes(v, m)) { m = v; best = h * iw + w; }
    }
  *value = m;
  return best;
}

template <class T>
void max_fwd(const T* x, T* y, int64_t* idx, int64_t p0, int64_t p1, int64_t ih, int64_t iw,
             int64_t oh, int64_t ow, const int64_t* hs, const int64_t* he, const int64_t* ws,
             const int64_t* we, int64_t dh, int64_t dw, bool fast2x2) {
#if defined(__AVX512F__)
  if constexpr (sizeof(T) == 4) {
    if (fast2x2 && !idx && iw == 2 * ow && ih == 2 * oh && ow <= 16 && 16 % ow == 0) {
      max2x2_narrow(reinterpret_cast<const float*>(x) + p0 * ih * iw,
                    reinterpret_cast<float*>(y) + p0 * oh * ow, (p1 - p0) * oh, ow);
      return;
    }
  }
#endif
  for (int64_t p = p0; p < p1; ++p) {
    const T* xp = x + p * ih * iw;
    T* yp = y + p * oh * ow;
    if (fast2x2 && !idx) {
      max2x2_plane(xp, yp, iw, oh, ow);
      continue;
    }
    int64_t* ip = idx ? idx + p * oh * ow : nullptr;
    for (int64_t r = 0; r < oh; ++r)
      for (int64_t c = 0; c < ow; ++c) {
        T m;
        int64_t a = arg_window(xp, iw, hs[r], he[r], ws[c], we[c], dh, dw, &m);
        yp[r * ow + c] = m;
        if (ip) ip[r * ow + c] = a;
      }
  }
}

template <class T>
void max_bwd(const T* x, const T* dy, T* dx, int64_t p0, int64_t p1, int64_t ih, int64_t iw,
             int64_t oh, int64_t ow, const int64_t* hs, const int64_t* he, const int64_t* ws,
             const int64_t* we, int64_t dh, int64_t dw, bool fast2x2) {
#if defined(__AVX512F__)
  if constexpr (sizeof(T) == 4) {
    if (fast2x2 && iw == 2 * ow && ih == 2 * oh && ow <= 16 && 16 % ow == 0) {
      max2x2_narrow_backward(reinterpret_cast<const float*>(x) + p0 * ih * iw,
                             reinterpret_cast<const float*>(dy) + p0 * oh * ow,
                             reinterpret_cast<float*>(dx) + p0 * ih * iw, (p1 - p0) * oh, ow);
      return;
    }
  }
#endif
  for (int64_t p = p0; p < p1; ++p) {
    const T* xp = x + p * ih * iw;
    const T* gp = dy + p * oh * ow;
    T* dp = dx + p * ih * iw;
    if (fast2x2) {
      max2x2_backward_plane(xp, gp, dp, ih, iw, oh, ow);
      continue;
    }
    std::memset(dp, 0, sizeof(T) * ih * iw);
    for (int64_t r = 0; r < oh; ++r)
      for (int64_t c = 0; c < ow; ++c) {
        int64_t a;
        if (fast2x2) {
          a = arg2x2(xp, iw, r, c);
        } else {
          T m;
          a = arg_window(xp, iw, hs[r], he[r], ws[c], we[c], dh, dw, &m);
        }
        dp[a] += gp[r * ow + c];
      }
  }
}

// Global average pooling: y[p] = sum(plane p) / d for planes [p0, p1) of n values. The
// AVX-512 path sums 16 lanes with a masked tail and reduces them in the intrinsic's fixed
// order, so small planes (7x7 at the end of a CNN) cost a few instructions each.
template <class T>
void global_avg(const T* x, T* y, int64_t p0, int64_t p1, int64_t n, T d) {
  for (int64_t p = p0; p < p1; ++p) y[p] = span_sum(x + p * n, n) / d;
}
#if defined(__AVX512F__)
// (GCC 12 flags the reduce intrinsic's own undefined pass-through operand.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
template <>
void global_avg<float>(const float* x, float* y, int64_t p0, int64_t p1, int64_t n, float d) {
  const int64_t full = n / 16 * 16;
  const __mmask16 tail = static_cast<__mmask16>((1u << (n - full)) - 1);
  for (int64_t p = p0; p < p1; ++p) {
    const float* xp = x + p * n;
    __m512 a = _mm512_setzero_ps(), b = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= full; i += 32) {
      a = _mm512_add_ps(a, _mm512_loadu_ps(xp + i));
      b = _mm512_add_ps(b, _mm512_loadu_ps(xp + i + 16));
    }
    if (i < full) a = _mm512_add_ps(a, _mm512_loadu_ps(xp + i));
    if (tail) b = _mm512_add_ps(b, _mm512_maskz_loadu_ps(tail, xp + full));
    y[p] = _mm512_reduce_add_ps(_mm512_add_ps(a, b)) / d;
  }
}
#pragma GCC diagnostic pop
#endif

template <class T>
void avg_fwd(const T* x, T* y, int64_t p0, int64_t p1, int64_t ih, int64_t iw, int64_t oh,
             int64_t ow, const int64_t* hs, const int64_t* he, const int64_t* ws, const int64_t* we,
             const int64_t* fh, const int64_t* fw, int64_t divisor, bool fast2x2) {
  if (oh == 1 && ow == 1 && hs[0] == 0 && he[0] == ih && ws[0] == 0 && we[0] == iw) {
    global_avg(x, y, p0, p1, ih * iw, static_cast<T>(divisor ? divisor : fh[0] * fw[0]));
    return;
  }
  for (int64_t p = p0; p < p1; ++p) {
    const T* xp = x + p * ih * iw;
    T* yp = y + p * oh * ow;
    if (fast2x2) {
      avg2x2_plane(xp, yp, iw, oh, ow, static_cast<T>(divisor ? divisor : 4));
      continue;
    }
    for (int64_t r = 0; r < oh; ++r)
      for (int64_t c = 0; c < ow; ++c) {
        T s = 0;
        if (ws[c] == 0 && we[c] == iw) {
          s = span_sum(xp + hs[r] * iw, (he[r] - hs[r]) * iw);  // whole rows: one span
        } else if (we[c] - ws[c] == 2) {
          for (int64_t h = hs[r]; h < he[r]; ++h) s += xp[h * iw + ws[c]] + xp[h * iw + ws[c] + 1];
        } else {
          for (int64_t h = hs[r]; h < he[r]; ++h)
            for (int64_t w = ws[c]; w < we[c]; ++w) s += xp[h * iw + w];
        }
        int64_t d = divisor ? divisor : fh[r] * fw[c];
        yp[r * ow + c] = s / static_cast<T>(d);
      }
  }
}

template <class T>
void avg_bwd(const T* dy, T* dx, int64_t p0, int64_t p1, int64_t ih, int64_t iw, int64_t oh,
             int64_t ow, const int64_t* hs, const int64_t* he, const int64_t* ws, const int64_t* we,
             const int64_t* fh, const int64_t* fw, int64_t divisor, bool fast2x2) {
  for (int64_t p = p0; p < p1; ++p) {
    const T* gp = dy + p * oh * ow;
    T* dp = dx + p * ih * iw;
    if (fast2x2) {
      avg2x2_backward_plane(gp, dp, ih, iw, oh, ow, static_cast<T>(divisor ? divisor : 4));
      continue;
    }
    if (oh == 1 && ow == 1 && hs[0] == 0 && he[0] == ih && ws[0] == 0 && we[0] == iw) {
      const T v = gp[0] / static_cast<T>(divisor ? divisor : fh[0] * fw[0]);  // global pool
      for (int64_t i = 0; i < ih * iw; ++i) dp[i] = v;
      continue;
    }
    std::memset(dp, 0, sizeof(T) * ih * iw);
    for (int64_t r = 0; r < oh; ++r)
      for (int64_t c = 0; c < ow; ++c) {
        int64_t d = divisor ? divisor : fh[r] * fw[c];
        T g = gp[r * ow + c] / static_cast<T>(d);
        for (int64_t h = hs[r]; h < he[r]; ++h)
          for (int64_t w = ws[c]; w < we[c]; ++w) dp[h * iw + w] += g;
      }
  }
}

}  // namespace

#define EMBER_POOL_DEFINE(T)                                                                     \
  void pool_max_forward(const T* x, T* y, int64_t* idx, int64_t p0, int64_t p1, int64_t ih,      \
                        int64_t iw, int64_t oh, int64_t ow, const int64_t* hs, const int64_t* he, \
                        const int64_t* ws, const int64_t* we, int64_t dh, int64_t dw, bool f) {  \
    max_fwd(x, y, idx, p0, p1, ih, iw, oh, ow, hs, he, ws, we, dh, dw, f);                       \
  }                                                                                              \
  void pool_max_backward(const T* x, const T* dy, T* dx, int64_t p0, int64_t p1, int64_t ih,     \
                         int64_t iw, int64_t oh, int64_t ow, const int64_t* hs, const int64_t* he, \
                         const int64_t* ws, const int64_t* we, int64_t dh, int64_t dw, bool f) { \
    max_bwd(x, dy, dx, p0, p1, ih, iw, oh, ow, hs, he, ws, we, dh, dw, f);                       \
  }                                                                                              \
  void pool_avg_forward(const T* x, T* y, int64_t p0, int64_t p1, int64_t ih, int64_t iw,        \
                        int64_t oh, int64_t ow, const int64_t* hs, const int64_t* he,            \
                        const int64_t* ws, const int64_t* we, const int64_t* fh,                 \
                        const int64_t* fw, int64_t divisor, bool f) {                            \
    avg_fwd(x, y, p0, p1, ih, iw, oh, ow, hs, he, ws, we, fh, fw, divisor, f);                   \
  }                                                                                              \
  void pool_avg_backward(const T* dy, T* dx, int64_t p0, int64_t p1, int64_t ih, int64_t iw,     \
                         int64_t oh, int64_t ow, const int64_t* hs, const int64_t* he,           \
                         const int64_t* ws, const int64_t* we, const int64_t* fh,                \
                         const int64_t* fw, int64_t divisor, bool f) {                           \
    avg_bwd(dy, dx, p0, p1, ih, iw, oh, ow, hs, he, ws, we, fh, fw, divisor, f);                 \
  }

EMBER_POOL_DEFINE(float)
EMBER_POOL_DEFINE(double)

}  // namespace ember::cpu::EMBER_ISA
