// Direct (channel-major) convolution tile for float32, compiled per ISA: out rows (output
// channels) = weight rows x an im2col panel whose positions are the wide, vectorised
// dimension. Meant for small filter volumes (C_in * kh * kw of tens to a few hundred, e.g.
// first layers with 3 input channels) where a packed GEMM spends its time on packing and
// edge tiles. Single-threaded; the caller builds the panel and threads over tiles.
#include <cstdint>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace ember::cpu::EMBER_ISA {

namespace {

#if defined(__AVX512F__)
// Where the results of one 16-column vector go: lanes in m1 to dst + o1 + lane, lanes in m2
// to dst + o2 + lane (a vector of the padded grid can end one output row and start the
// next; the padding columns between belong to neither mask).
struct VecOut {
  int64_t o1, o2;
  __mmask16 m1, m2;
};

// R output channels x V 16-column vectors: R * V accumulators in registers; per filter tap
// V panel loads and R weight broadcasts feed R * V FMAs. `last` masks the final vector's
// panel loads (columns past the tile's end). Results go to dst + r * ldd + 16 * v (stores
// of the last vector masked by `last`), or through `map` when given.
template <int R, int V>
void block(const float* w, const float* col, const int64_t* roff, int64_t ckk,
           const float* bias, float* dst, int64_t ldd, __mmask16 last, bool more,
           const VecOut* map) {
  __m512 acc[R][V];
  if (more) {  // continue the sums left in dst by the previous slice of taps
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      if (map) {
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v)
          acc[r][v] = _mm512_mask_loadu_ps(
              _mm512_maskz_loadu_ps(map[v].m1, dst + r * ldd + map[v].o1), map[v].m2,
              dst + r * ldd + map[v].o2);
        continue;
      }
#pragma GCC unroll 4
      for (int v = 0; v < V - 1; ++v) acc[r][v] = _mm512_loadu_ps(dst + r * ldd + 16 * v);
      acc[r][V - 1] = _mm512_maskz_loadu_ps(last, dst + r * ldd + 16 * (V - 1));
    }
  } else {
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m512 b = _mm512_set1_ps(bias ? bias[r] : 0.0f);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[r][v] = b;
    }
  }
  for (int64_t t = 0; t < ckk; ++t) {
    __m512 c[V];
#pragma GCC unroll 4
    for (int v = 0; v < V - 1; ++v) c[v] = _mm512_loadu_ps(col + roff[t] + 16 * v);
    c[V - 1] = _mm512_maskz_loadu_ps(last, col + roff[t] + 16 * (V - 1));
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m512 wv = _mm512_set1_ps(w[t * 8 + r]);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[r][v] = _mm512_fmadd_ps(wv, c[v], acc[r][v]);
    }
  }
  if (map) {
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) {
        _mm512_mask_storeu_ps(dst + r * ldd + map[v].o1, map[v].m1, acc[r][v]);
        if (map[v].m2) _mm512_mask_storeu_ps(dst + r * ldd + map[v].o2, map[v].m2, acc[r][v]);
      }
    return;
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < V - 1; ++v) _mm512_storeu_ps(dst + r * ldd + 16 * v, acc[r][v]);
    _mm512_mask_storeu_ps(dst + r * ldd + 16 * (V - 1), last, acc[r][V - 1]);
  }
}

template <int V>
void rows(int64_t kn, const float* w, int64_t ldw, const float* col, const int64_t* roff,
          int64_t ckk, const float* bias, float* dst, int64_t ldd, __mmask16 last, bool more,
          const VecOut* map) {
  int64_t k = 0;
  for (; k + 8 <= kn; k += 8)
    block<8, V>(w + k / 8 * ldw, col, roff, ckk, bias ? bias + k : nullptr, dst + k * ldd, ldd,
                last, more, map);
  const float* wk = w + k / 8 * ldw;
  const float* bk = bias ? bias + k : nullptr;
  float* dk = dst + k * ldd;
  switch (kn - k) {
    case 7: block<7, V>(wk, col, roff, ckk, bk, dk, ldd, last, more, map); break;
    case 6: block<6, V>(wk, col, roff, ckk, bk, dk, ldd, last, more, map); break;
    case 5: block<5, V>(wk, col, roff, ckk, bk, dk, ldd, last, more, map); break;
    case 4: block<4, V>(wk, col, roff, ckk, bk, dk, ldd, last, more, map); break;
    case 3: block<3, V>(wk, col, roff, ckk, bk, dk, ldd, last, more, map); break;
    case 2: block<2, V>(wk, col, roff, ckk, bk, dk, ldd, last, more, map); break;
    case 1: block<1, V>(wk, col, roff, ckk, bk, dk, ldd, last, more, map); break;
    default: break;
  }
}

// The tile loop shared by both entry points: strips of 48 columns (8 x 3 accumulators:
// 11 loads per 24 FMAs; narrower at the tile's end) over which every row block of the
// weights passes. Taps in slices of at most 640 (the whole filter on the direct path; sums
// carry over in dst, so each element still adds its taps in order): measured on Zen 4,
// slices of 128 that kept the strip in L1 cost more in reloading and storing the sums (5%
// at 576 taps) than the L2 reads they saved. With Wp > 0
// column q of the tile is padded-grid position q0 + q (rows Wp wide, the first OW of each
// valid) and results go to dst[k * ldd + oh * OW + ow].
void tile(const float* w, int64_t ldw, int64_t kn, const float* col, const int64_t* roff,
          int64_t nq, int64_t ckk, const float* bias, float* dst, int64_t ldd, int64_t q0,
          int64_t Wp, int64_t OW) {
  // Even slices (1000 taps as 500 + 500, not 640 + 360). Never changes a result.
  const int64_t ns = (ckk + 639) / 640, KC = (ckk + ns - 1) / ns;
  VecOut map[3];
  for (int64_t t0 = 0; t0 < ckk; t0 += KC) {
    const int64_t kc = ckk - t0 < KC ? ckk - t0 : KC;
    const bool more = t0 > 0;
    const float* wt = w + t0 * 8;
    const int64_t* ro = roff + t0;
    for (int64_t q = 0; q < nq;) {
      const int64_t rest = nq - q;
      const int64_t nv = rest >= 48 ? 3 : rest > 16 ? 2 : 1;
      const int64_t tail = rest >= 48 ? 16 : rest >= 32 ? 16 : rest > 16 ? rest - 16 : rest;
      const __mmask16 last = static_cast<__mmask16>(tail == 16 ? 0xFFFF : (1u << tail) - 1);
      const VecOut* mp = nullptr;
      float* d = dst + q;
      if (Wp > 0) {
        for (int64_t v = 0; v < nv; ++v) {
          const int64_t qs = q0 + q + 16 * v, oh = qs / Wp, ow = qs % Wp;
          const unsigned live = v == nv - 1 ? last : 0xFFFFu;
          VecOut& m = map[v];
          if (Wp == OW) {  // no padding columns: the identity
            m = VecOut{qs, 0, static_cast<__mmask16>(live), 0};
            continue;
          }
          // Wp >= 16 here (the caller's condition), so a vector spans at most two rows.
          const int64_t n1 = OW - ow <= 0 ? 0 : OW - ow >= 16 ? 16 : OW - ow;
          const int64_t s2 = Wp - ow;  // first lane of the next row
          unsigned m2 = 0;
          if (s2 < 16) {
            const int64_t e2 = s2 + OW < 16 ? s2 + OW : 16;
            m2 = ((1u << e2) - 1) & ~((1u << s2) - 1);
          }
          m = VecOut{oh * OW + ow, (oh + 1) * OW + ow - Wp,
                     static_cast<__mmask16>(((1u << n1) - 1) & live),
                     static_cast<__mmask16>(m2 & live)};
        }
        mp = map;
        d = dst;
      }
      if (nv == 3)
        rows<3>(kn, wt, ldw, col + q, ro, kc, bias, d, ldd, last, more, mp);
      else if (nv == 2)
        rows<2>(kn, wt, ldw, col + q, ro, kc, bias, d, ldd, last, more, mp);
      else
        rows<1>(kn, wt, ldw, col + q, ro, kc, bias, d, ldd, last, more, mp);
      q += 16 * nv;
    }
  }
}

// As block<R, V> without `map` or `more`, for the border path: tap t's V panel loads come
// from x + roff[t] + 16 * v through lane masks (zero where the tap falls in the padding;
// masked lanes never fault, so the address may lie outside the input). PT: per-tap masks
// cm[tap[t] + v] (a mask register loaded per tap costs ~10% on Zen 4). Else the taps form
// groups of glen sharing the masks cm[4 * group + v], loaded once per group.
template <int R, int V, bool PT>
void mblock(const float* w, const float* x, const int64_t* roff, const int64_t* tap,
            const __mmask16* cm, int64_t ckk, int64_t glen, const float* bias, float* dst,
            int64_t ldd, __mmask16 last) {
  __m512 acc[R][V];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    const __m512 b = _mm512_set1_ps(bias ? bias[r] : 0.0f);
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[r][v] = b;
  }
  for (int64_t g0 = 0; g0 < ckk; g0 += glen) {
    __mmask16 mk[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) mk[v] = PT ? 0 : cm[4 * (g0 / glen) + v];
    const int64_t ge = ckk - g0 < glen ? ckk : g0 + glen;
    for (int64_t t = g0; t < ge; ++t) {
      const float* p = x + roff[t];
      __m512 c[V];
      if (PT) {
        const __mmask16* m = cm + tap[t];
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) c[v] = _mm512_maskz_loadu_ps(m[v], p + 16 * v);
      } else {
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) c[v] = _mm512_maskz_loadu_ps(mk[v], p + 16 * v);
      }
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        const __m512 wv = _mm512_set1_ps(w[t * 8 + r]);
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) acc[r][v] = _mm512_fmadd_ps(wv, c[v], acc[r][v]);
      }
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < V - 1; ++v) _mm512_storeu_ps(dst + r * ldd + 16 * v, acc[r][v]);
    _mm512_mask_storeu_ps(dst + r * ldd + 16 * (V - 1), last, acc[r][V - 1]);
  }
}

template <int V, bool PT>
void mrows(int64_t kn, const float* w, int64_t ldw, const float* x, const int64_t* roff,
           const int64_t* tap, const __mmask16* cm, int64_t ckk, int64_t glen,
           const float* bias, float* dst, int64_t ldd, __mmask16 last) {
  int64_t k = 0;
  for (; k + 8 <= kn; k += 8)
    mblock<8, V, PT>(w + k / 8 * ldw, x, roff, tap, cm, ckk, glen, bias ? bias + k : nullptr,
                     dst + k * ldd, ldd, last);
  const float* wk = w + k / 8 * ldw;
  const float* bk = bias ? bias + k : nullptr;
  float* dk = dst + k * ldd;
  switch (kn - k) {
    case 7: mblock<7, V, PT>(wk, x, roff, tap, cm, ckk, glen, bk, dk, ldd, last); break;
    case 6: mblock<6, V, PT>(wk, x, roff, tap, cm, ckk, glen, bk, dk, ldd, last); break;
    case 5: mblock<5, V, PT>(wk, x, roff, tap, cm, ckk, glen, bk, dk, ldd, last); break;
    case 4: mblock<4, V, PT>(wk, x, roff, tap, cm, ckk, glen, bk, dk, ldd, last); break;
    case 3: mblock<3, V, PT>(wk, x, roff, tap, cm, ckk, glen, bk, dk, ldd, last); break;
    case 2: mblock<2, V, PT>(wk, x, roff, tap, cm, ckk, glen, bk, dk, ldd, last); break;
    case 1: mblock<1, V, PT>(wk, x, roff, tap, cm, ckk, glen, bk, dk, ldd, last); break;
    default: break;
  }
}

template <bool PT>
void mstrip(int64_t nv, int64_t kn, const float* w, int64_t ldw, const float* x,
            const int64_t* roff, const int64_t* tap, const __mmask16* cm, int64_t ckk,
            int64_t glen, const float* bias, float* dst, int64_t ldd, __mmask16 last) {
  if (nv == 3)
    mrows<3, PT>(kn, w, ldw, x, roff, tap, cm, ckk, glen, bias, dst, ldd, last);
  else if (nv == 2)
    mrows<2, PT>(kn, w, ldw, x, roff, tap, cm, ckk, glen, bias, dst, ldd, last);
  else
    mrows<1, PT>(kn, w, ldw, x, roff, tap, cm, ckk, glen, bias, dst, ldd, last);
}
#endif

}  // namespace

// dst[k * ldd + q] = (bias ? bias[k] : 0) + sum over t < ckk of W[k][t] * col[roff[t] + q],
// for k < kn and q < nq. W is packed in blocks of 8 rows, tap-major: W[k][t] =
// w[(k / 8) * ldw + t * 8 + k % 8] (ldw >= 8 * ckk), so the 8 broadcasts of a tap share a
// cache line. Nothing past nq is read or written (so col may be the input itself). The
// sum runs over t in order for every element (fixed by the sizes).
void conv_direct_tile_f32(const float* w, int64_t ldw, int64_t kn, const float* col,
                          const int64_t* roff, int64_t nq, int64_t ckk, const float* bias,
                          float* dst, int64_t ldd) {
#if defined(__AVX512F__)
  tile(w, ldw, kn, col, roff, nq, ckk, bias, dst, ldd, 0, 0, 0);
#else
  for (int64_t k = 0; k < kn; ++k) {
    float* d = dst + k * ldd;
    const float b = bias ? bias[k] : 0.0f;
    for (int64_t q = 0; q < nq; ++q) d[q] = b;
    for (int64_t t = 0; t < ckk; ++t) {
      const float wv = w[k / 8 * ldw + t * 8 + k % 8];
      const float* c = col + roff[t];
      for (int64_t q = 0; q < nq; ++q) d[q] += wv * c[q];  // c: row t
    }
  }
#endif
}


// conv_direct_tile_f32 over a tile of the padded grid written straight into the output:
// column q is padded position q0 + q, in rows of Wp of which the first OW are outputs, and
// its result goes to dst[k * ldd + oh * OW + ow] (oh = (q0 + q) / Wp, ow = (q0 + q) % Wp < OW);
// the other columns are computed and dropped. Needs Wp == OW or Wp >= 16. Same sums, in the
// same order, as conv_direct_tile_f32.
void conv_direct_rows_f32(const float* w, int64_t ldw, int64_t kn, const float* col,
                          const int64_t* roff, int64_t nq, int64_t ckk, const float* bias,
                          float* dst, int64_t ldd, int64_t q0, int64_t Wp, int64_t OW) {
#if defined(__AVX512F__)
  tile(w, ldw, kn, col, roff, nq, ckk, bias, dst, ldd, q0, Wp, OW);
#else
  for (int64_t k = 0; k < kn; ++k) {
    const float b = bias ? bias[k] : 0.0f;
    for (int64_t q = 0; q < nq; ++q) {
      const int64_t oh = (q0 + q) / Wp, ow = (q0 + q) % Wp;
      if (ow >= OW) continue;
      float acc = b;
      for (int64_t t = 0; t < ckk; ++t) acc += w[k / 8 * ldw + t * 8 + k % 8] * col[roff[t] + q];
      dst[k * ldd + oh * OW + ow] = acc;
    }
  }
#endif
}

// A convolution read from unpadded H x W planes as wide as the output rows (W >= 16): the
// input itself for stride 1 with OW == W, or phase planes for strides. Output positions p
// in [p0, p0 + np) (p = oh * W + ow) of kn channels: dst[k * ldd + p - p0] = bias[k] + sum
// over taps t < ckk, in order, of W[k][t] * (x[p - p0 + roff[t]], or 0 where tap (i, j)
// = ((tap[t] / 4) / KW, (tap[t] / 4) % KW) falls outside the plane: row oh + rsh[i] or
// column ow + csh[j] outside [0, H) x [0, W)). Taps come column-major (the caller orders
// them j, then channel, then i: ckk / KW taps per column), so on a strip whose every lane
// has all KH rows inside the plane the masks change only once per column. x and dst point at
// position p0; W packed by 8 rows as in conv_direct_tile_f32, in this tap order. Needs KH *
// KW <= 640. No padding is computed.
void conv_direct_border_f32(const float* w, int64_t ldw, int64_t kn, const float* x,
                            const int64_t* roff, const int64_t* tap, int64_t ckk,
                            const float* bias, float* dst, int64_t ldd, int64_t p0, int64_t np,
                            int64_t H, int64_t W, int64_t KH, int64_t KW, const int64_t* rsh,
                            const int64_t* csh) {
#if defined(__AVX512F__)
  __mmask16 cm[640 * 4];  // per-tap masks cm[4 * (i * KW + j) + v], or per column j
  __mmask16 rb[640][3], cb[640][3];  // rows i / columns j inside the plane, per vector
  const int64_t glen = ckk / KW;
  const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i vW = _mm512_set1_epi32(static_cast<int>(W));
  const __m512i vH = _mm512_set1_epi32(static_cast<int>(H));
  const __m512i zero = _mm512_setzero_si512();
  for (int64_t q = 0; q < np;) {
    const int64_t rest = np - q;
    const int64_t nv = rest >= 48 ? 3 : rest > 16 ? 2 : 1;
    const int64_t tail = rest >= 48 ? 16 : rest >= 32 ? 16 : rest > 16 ? rest - 16 : rest;
    const __mmask16 last = static_cast<__mmask16>(tail == 16 ? 0xFFFF : (1u << tail) - 1);
    bool inner = true;  // every live lane has all KH rows inside the plane
    for (int64_t v = 0; v < nv; ++v) {
      const int64_t ps = p0 + q + 16 * v;
      const __mmask16 live = v == nv - 1 ? last : static_cast<__mmask16>(0xFFFF);
      // Lanes span at most two rows (W >= 16): wrap the columns past W into the next row.
      __m512i ow = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(ps % W)), iota);
      const __mmask16 wrap = _mm512_cmpge_epi32_mask(ow, vW);
      ow = _mm512_mask_sub_epi32(ow, wrap, ow, vW);
      const __m512i oh0 = _mm512_set1_epi32(static_cast<int>(ps / W));
      const __m512i oh = _mm512_mask_add_epi32(oh0, wrap, oh0, _mm512_set1_epi32(1));
      for (int64_t i = 0; i < KH; ++i) {
        const __m512i ih = _mm512_add_epi32(oh, _mm512_set1_epi32(static_cast<int>(rsh[i])));
        rb[i][v] = static_cast<__mmask16>(
            _mm512_mask_cmpge_epi32_mask(_mm512_cmplt_epi32_mask(ih, vH), ih, zero) & live);
        if (rb[i][v] != live) inner = false;
      }
      for (int64_t j = 0; j < KW; ++j) {
        const __m512i iw = _mm512_add_epi32(ow, _mm512_set1_epi32(static_cast<int>(csh[j])));
        cb[j][v] = static_cast<__mmask16>(
            _mm512_mask_cmpge_epi32_mask(_mm512_cmplt_epi32_mask(iw, vW), iw, zero) & live);
      }
    }
    if (inner) {
      for (int64_t j = 0; j < KW; ++j)
        for (int64_t v = 0; v < nv; ++v) cm[4 * j + v] = cb[j][v];
      mstrip<false>(nv, kn, w, ldw, x + q, roff, tap, cm, ckk, glen, bias, dst + q, ldd, last);
    } else {
      for (int64_t i = 0; i < KH; ++i)
        for (int64_t j = 0; j < KW; ++j)
          for (int64_t v = 0; v < nv; ++v) cm[4 * (i * KW + j) + v] = rb[i][v] & cb[j][v];
      mstrip<true>(nv, kn, w, ldw, x + q, roff, tap, cm, ckk, ckk, bias, dst + q, ldd, last);
    }
    q += 16 * nv;
  }
#else
  for (int64_t k = 0; k < kn; ++k) {
    const float b = bias ? bias[k] : 0.0f;
    for (int64_t q = 0; q < np; ++q) {
      const int64_t oh = (p0 + q) / W, ow = (p0 + q) % W;
      float acc = b;
      for (int64_t t = 0; t < ckk; ++t) {
        const int64_t i = tap[t] / 4 / KW, j = tap[t] / 4 % KW;
        const int64_t ih = oh + rsh[i], iw = ow + csh[j];
        const float v = ih >= 0 && ih < H && iw >= 0 && iw < W ? x[q + roff[t]] : 0.0f;
        acc += w[k / 8 * ldw + t * 8 + k % 8] * v;
      }
      dst[k * ldd + q] = acc;
    }
  }
#endif
}


// dst[v] = src[v * sw] for v < n (one row of a phase plane); stride 2 as two loads and a
// permute per 16 outputs. Reads nothing past src[(n - 1) * sw].
void conv_strided_copy_f32(const float* src, int64_t sw, int64_t n, float* dst) {
  int64_t v = 0;
#if defined(__AVX512F__)
  if (sw == 2) {
    const __m512i ev = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    for (; v + 16 <= n; v += 16) {
      const float* s0 = src + 2 * v;
      const __mmask16 hi = static_cast<__mmask16>(v + 16 == n ? 0x7FFF : 0xFFFF);
      _mm512_storeu_ps(dst + v, _mm512_permutex2var_ps(_mm512_loadu_ps(s0), ev,
                                                       _mm512_maskz_loadu_ps(hi, s0 + 16)));
    }
  }
#endif
  for (; v < n; ++v) dst[v] = src[v * sw];
}

// col[r * ld + q] = xp[c][oh * sh + i * dh][ow * sw + j * dw] for taps r = (c, i, j) of nc
// channels and positions p = p0 + q < p0 + np of one image already zero-padded to Hp x Wp
// (oh = p / OW, ow = p % OW). Per 16 positions the lane offsets are computed once; each tap
// is then one masked load when the 16 lie in one output row with unit stride, else one
// gather. Lanes from np to the next multiple of 16 are written as 0.
void conv_im2col_rows_f32(const float* xp, int64_t Hp, int64_t Wp, int64_t nc, int64_t KH,
                          int64_t KW, int64_t sh, int64_t sw, int64_t dh, int64_t dw,
                          int64_t OW, int64_t p0, int64_t np, float* col, int64_t ld) {
  const int64_t HWp = Hp * Wp;
#if defined(__AVX512F__)
  for (int64_t q0 = 0; q0 < np; q0 += 16) {
    const int64_t lanes = np - q0 < 16 ? np - q0 : 16;
    const __mmask16 live = static_cast<__mmask16>(lanes == 16 ? 0xFFFF : (1u << lanes) - 1);
    alignas(64) int32_t off[16] = {0};
    const int64_t pf = p0 + q0, oh0 = pf / OW, ow0 = pf % OW;
    int64_t oh = oh0, ow = ow0;
    for (int64_t l = 0; l < lanes; ++l) {
      off[l] = static_cast<int32_t>(oh * sh * Wp + ow * sw);
      if (++ow == OW) {
        ow = 0;
        ++oh;
      }
    }
    // Unit stride: the lanes form runs, one per output row; up to 4 runs load as masked
    // loads (each lane from its own address), cheaper than a gather.
    int64_t nrun = 0;
    __mmask16 rm[4] = {0, 0, 0, 0};
    int64_t ro[4] = {0, 0, 0, 0};
    if (sw == 1) {
      for (int64_t l = 0; l < lanes; ++l) {
        if (l == 0 || off[l] != off[l - 1] + 1) {
          if (nrun == 4) {
            nrun = 5;
            break;
          }
          ro[nrun++] = off[l] - l;
        }
        rm[nrun - 1] = static_cast<__mmask16>(rm[nrun - 1] | (1u << l));
      }
    }
    const __m512i vo = _mm512_load_si512(off);
    // Stride 2 with all lanes in one output row: input elements off[0] + 2 * l.
    const bool even = sw == 2 && off[lanes - 1] == off[0] + 2 * (lanes - 1);
    const int64_t span = 2 * lanes - 1;  // inputs read
    const __mmask16 m0 = static_cast<__mmask16>(span >= 16 ? 0xFFFF : (1u << span) - 1);
    const __mmask16 m1 = static_cast<__mmask16>(span > 16 ? (1u << (span - 16)) - 1 : 0);
    const __m512i ev = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    float* d = col + q0;
    int64_t r = 0;
    for (int64_t c = 0; c < nc; ++c)
      for (int64_t i = 0; i < KH; ++i)
        for (int64_t j = 0; j < KW; ++j, ++r) {
          const float* src = xp + c * HWp + i * dh * Wp + j * dw;
          __m512 v;
          if (sw == 1 && nrun <= 4) {
            v = _mm512_maskz_loadu_ps(rm[0], src + ro[0]);
            for (int64_t k = 1; k < nrun; ++k) v = _mm512_mask_loadu_ps(v, rm[k], src + ro[k]);
          } else if (even) {  // stride 2 within one row: two loads, keep the even elements
            const float* s0 = src + off[0];
            v = _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(m0, s0), ev,
                                       _mm512_maskz_loadu_ps(m1, s0 + 16));
          } else {
            v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), live, vo, src, 4);
          }
          _mm512_storeu_ps(d + r * ld, v);
        }
  }
#else
  const int64_t npad = (np + 15) / 16 * 16;
  int64_t r = 0;
  for (int64_t c = 0; c < nc; ++c)
    for (int64_t i = 0; i < KH; ++i)
      for (int64_t j = 0; j < KW; ++j, ++r) {
        float* d = col + r * ld;
        const float* src = xp + c * HWp + i * dh * Wp + j * dw;
        int64_t oh = p0 / OW, ow = p0 % OW;
        for (int64_t q = 0; q < np; ++q) {
          d[q] = src[oh * sh * Wp + ow * sw];
          if (++ow == OW) {
            ow = 0;
            ++oh;
          }
        }
        for (int64_t q = np; q < npad; ++q) d[q] = 0.0f;
      }
#endif
}


// Weight-gradient tile for small filter volumes: acc[k * sk + r * sr] (+)= sum over q < nq of
// dy[k * ldy + q] * col[r * ldc + q] for k < kn, r < ckk (added when `add`, else stored).
// The sums run along the positions in 16 lanes, blocks of 4 channels x 6 taps (24 registers;
// edge blocks repeat their last row and drop it), then each lane vector is added up in lane
// order: fixed by the sizes. Nothing is read past nq.
void conv_wgrad_tile_f32(const float* dy, int64_t ldy, int64_t kn, const float* col,
                         int64_t ldc, int64_t ckk, int64_t nq, float* acc, int64_t sk,
                         int64_t sr, bool add) {
#if defined(__AVX512F__)
  const int64_t full = nq / 16 * 16;
  const __mmask16 tail = static_cast<__mmask16>((1u << (nq - full)) - 1);
  for (int64_t k0 = 0; k0 < kn; k0 += 4)
    for (int64_t r0 = 0; r0 < ckk; r0 += 6) {
      const float* gp[4];
      const float* cp[6];
      for (int a = 0; a < 4; ++a) gp[a] = dy + (k0 + a < kn ? k0 + a : kn - 1) * ldy;
      for (int b = 0; b < 6; ++b) cp[b] = col + (r0 + b < ckk ? r0 + b : ckk - 1) * ldc;
      __m512 v[4][6];
#pragma GCC unroll 4
      for (int a = 0; a < 4; ++a)
#pragma GCC unroll 6
        for (int b = 0; b < 6; ++b) v[a][b] = _mm512_setzero_ps();
      for (int64_t q = 0; q < full; q += 16) {
        __m512 gv[4];
#pragma GCC unroll 4
        for (int a = 0; a < 4; ++a) gv[a] = _mm512_loadu_ps(gp[a] + q);
#pragma GCC unroll 6
        for (int b = 0; b < 6; ++b) {
          const __m512 cv = _mm512_loadu_ps(cp[b] + q);
#pragma GCC unroll 4
          for (int a = 0; a < 4; ++a) v[a][b] = _mm512_fmadd_ps(gv[a], cv, v[a][b]);
        }
      }
      if (tail) {
        __m512 gv[4];
#pragma GCC unroll 4
        for (int a = 0; a < 4; ++a) gv[a] = _mm512_maskz_loadu_ps(tail, gp[a] + full);
#pragma GCC unroll 6
        for (int b = 0; b < 6; ++b) {
          const __m512 cv = _mm512_maskz_loadu_ps(tail, cp[b] + full);
#pragma GCC unroll 4
          for (int a = 0; a < 4; ++a) v[a][b] = _mm512_fmadd_ps(gv[a], cv, v[a][b]);
        }
      }
      for (int a = 0; a < 4 && k0 + a < kn; ++a)
        for (int b = 0; b < 6 && r0 + b < ckk; ++b) {
          float lanes[16];
          _mm512_storeu_ps(lanes, v[a][b]);
          float t = 0.0f;
          for (int l = 0; l < 16; ++l) t += lanes[l];
          float* o = acc + (k0 + a) * sk + (r0 + b) * sr;
          *o = add ? *o + t : t;
        }
    }
#else
  for (int64_t k = 0; k < kn; ++k)
    for (int64_t r = 0; r < ckk; ++r) {
      float t = 0.0f;
      for (int64_t q = 0; q < nq; ++q) t += dy[k * ldy + q] * col[r * ldc + q];
      float* o = acc + k * sk + r * sr;
      *o = add ? *o + t : t;
    }
#endif
}

}  // namespace ember::cpu::EMBER_ISA
