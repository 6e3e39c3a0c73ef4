// Direct (channel-major) convolution tile for float32, compiled per ISA: out rows (output
// channels) = weight rows x an im2col panel whose positions are the wide, vectorised
// dimension. Meant for small filter volumes (C_in * kh * kw of tens to a few hundred, e.g.
// first layers with 3 input channels) where a packed GEMM spends its time on packing and
// edge tiles. Single-threaded; the caller builds the panel and threads over tiles.
#include <cstdint>
#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#include "ember/cpu/isa/simd.h"

namespace ember::cpu::EMBER_ISA {

namespace {

#if defined(EMBER_SIMD_VEC)
// Register blocking: kR output channels x kV vectors of accumulators (AVX-512: 8 x 3 of 32
// zmm; AVX2: 4 x 3 of 16 ymm, plus kV panel loads and a broadcast). The weight stays packed
// by 8 rows; AVX2 takes each block of 8 as two halves.
constexpr int kR = kW == 16 ? 8 : 4;
constexpr int kV = 3;

// Where the results of one kW-column vector go: lanes in m1 to dst + o1 + lane, lanes in m2
// (when h2) to dst + o2 + lane (a vector of the padded grid can end one output row and
// start the next; the padding columns between belong to neither mask).
struct VecOut {
  int64_t o1, o2;
  vm m1, m2;
  bool h2;
};

// R output channels x V kW-column vectors: R * V accumulators in registers; per filter tap
// V panel loads and R weight broadcasts feed R * V FMAs. `last` masks the final vector's
// panel loads (columns past the tile's end). Results go to dst + r * ldd + kW * v (stores
// of the last vector masked by `last`), or through `map` when given.
// LM: the last vector is masked (always on AVX-512, where masked loads cost nothing; on
// AVX2 only when partial: masked loads and stores cost more there).
template <int R, int V, bool LM>
void block(const float* w, const float* col, const int64_t* roff, int64_t ckk,
           const float* bias, float* dst, int64_t ldd, vm last, bool more,
           const VecOut* map) {
  vf acc[R][V];
  if (more) {  // continue the sums left in dst by the previous slice of taps
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      if (map) {
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v)
          acc[r][v] = vmask_load(vmaskz_load(map[v].m1, dst + r * ldd + map[v].o1), map[v].m2,
                                 dst + r * ldd + map[v].o2);
        continue;
      }
#pragma GCC unroll 4
      for (int v = 0; v < V - 1; ++v) acc[r][v] = vload(dst + r * ldd + kW * v);
      acc[r][V - 1] = LM ? vmaskz_load(last, dst + r * ldd + kW * (V - 1))
                         : vload(dst + r * ldd + kW * (V - 1));
    }
  } else {
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const vf b = vset1(bias ? bias[r] : 0.0f);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[r][v] = b;
    }
  }
  for (int64_t t = 0; t < ckk; ++t) {
    vf c[V];
#pragma GCC unroll 4
    for (int v = 0; v < V - 1; ++v) c[v] = vload(col + roff[t] + kW * v);
    c[V - 1] = LM ? vmaskz_load(last, col + roff[t] + kW * (V - 1))
                  : vload(col + roff[t] + kW * (V - 1));
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const vf wv = vset1(w[t * 8 + r]);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[r][v] = vfma(wv, c[v], acc[r][v]);
    }
  }
  if (map) {
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) {
        vmask_store(dst + r * ldd + map[v].o1, map[v].m1, acc[r][v]);
        if (map[v].h2) vmask_store(dst + r * ldd + map[v].o2, map[v].m2, acc[r][v]);
      }
    return;
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < V - 1; ++v) vstore(dst + r * ldd + kW * v, acc[r][v]);
    if (LM)
      vmask_store(dst + r * ldd + kW * (V - 1), last, acc[r][V - 1]);
    else
      vstore(dst + r * ldd + kW * (V - 1), acc[r][V - 1]);
  }
}

// Rows k of the packed weight (blocks of 8, tap-major) start at w + (k / 8) * ldw + k % 8.
inline const float* wrow(const float* w, int64_t ldw, int64_t k) { return w + k / 8 * ldw + k % 8; }

template <int V, bool LM>
void rows(int64_t kn, const float* w, int64_t ldw, const float* col, const int64_t* roff,
          int64_t ckk, const float* bias, float* dst, int64_t ldd, vm last, bool more,
          const VecOut* map) {
  int64_t k = 0;
  for (; k + kR <= kn; k += kR)
    block<kR, V, LM>(wrow(w, ldw, k), col, roff, ckk, bias ? bias + k : nullptr, dst + k * ldd, ldd,
                 last, more, map);
  const float* wk = wrow(w, ldw, k);
  const float* bk = bias ? bias + k : nullptr;
  float* dk = dst + k * ldd;
  switch (kn - k) {
    case 7: block<7 < kR ? 7 : 1, V, LM>(wk, col, roff, ckk, bk, dk, ldd, last, more, map); break;
    case 6: block<6 < kR ? 6 : 1, V, LM>(wk, col, roff, ckk, bk, dk, ldd, last, more, map); break;
    case 5: block<5 < kR ? 5 : 1, V, LM>(wk, col, roff, ckk, bk, dk, ldd, last, more, map); break;
    case 4: block<4 < kR ? 4 : 1, V, LM>(wk, col, roff, ckk, bk, dk, ldd, last, more, map); break;
    case 3: block<3, V, LM>(wk, col, roff, ckk, bk, dk, ldd, last, more, map); break;
    case 2: block<2, V, LM>(wk, col, roff, ckk, bk, dk, ldd, last, more, map); break;
    case 1: block<1, V, LM>(wk, col, roff, ckk, bk, dk, ldd, last, more, map); break;
    default: break;
  }
}
// The tile loop shared by both entry points: strips of kV * kW columns (kR x kV
// accumulators; narrower at the tile's end) over which every row block of the weights
// passes. Taps in slices of at most 640 (the whole filter on the direct path; sums carry
// over in dst, so each element still adds its taps in order): measured on Zen 4, slices of
// 128 that kept the strip in L1 cost more in reloading and storing the sums (5% at 576
// taps) than the L2 reads they saved. With Wp > 0 column q of the tile is padded-grid
// position q0 + q (rows Wp wide, the first OW of each valid) and results go to
// dst[k * ldd + oh * OW + ow].
void tile(const float* w, int64_t ldw, int64_t kn, const float* col, const int64_t* roff,
          int64_t nq, int64_t ckk, const float* bias, float* dst, int64_t ldd, int64_t q0,
          int64_t Wp, int64_t OW) {
  // Even slices (1000 taps as 500 + 500, not 640 + 360). Never changes a result.
  const int64_t ns = (ckk + 639) / 640, KC = (ckk + ns - 1) / ns;
  VecOut map[kV];
  for (int64_t t0 = 0; t0 < ckk; t0 += KC) {
    const int64_t kc = ckk - t0 < KC ? ckk - t0 : KC;
    const bool more = t0 > 0;
    const float* wt = w + t0 * 8;
    const int64_t* ro = roff + t0;
    for (int64_t q = 0; q < nq;) {
      const int64_t rest = nq - q;
      const int64_t nv = rest >= kV * kW ? kV : (rest + kW - 1) / kW;
      const int64_t tail = rest >= nv * kW ? kW : rest - (nv - 1) * kW;
      const unsigned lastb = vbits(tail);
      const vm last = vmask(lastb);
      const VecOut* mp = nullptr;
      float* d = dst + q;
      if (Wp > 0) {
        for (int64_t v = 0; v < nv; ++v) {
          const int64_t qs = q0 + q + kW * v, oh = qs / Wp, ow = qs % Wp;
          const unsigned live = v == nv - 1 ? lastb : kFull;
          VecOut& m = map[v];
          if (Wp == OW) {  // no padding columns: the identity
            m = VecOut{qs, 0, vmask(live), vmask(0), false};
            continue;
          }
          // Wp >= kW here (the caller's condition), so a vector spans at most two rows.
          const int64_t n1 = OW - ow <= 0 ? 0 : OW - ow >= kW ? kW : OW - ow;
          const int64_t s2 = Wp - ow;  // first lane of the next row
          unsigned m2 = 0;
          if (s2 < kW) {
            const int64_t e2 = s2 + OW < kW ? s2 + OW : kW;
            m2 = vbits(e2) & ~vbits(s2);
          }
          m = VecOut{oh * OW + ow, (oh + 1) * OW + ow - Wp, vmask(vbits(n1) & live),
                     vmask(m2 & live), (m2 & live) != 0};
        }
        mp = map;
        d = dst;
      }
      if (kW == 16 || lastb != kFull) {
        if (nv == 3)
          rows<3, true>(kn, wt, ldw, col + q, ro, kc, bias, d, ldd, last, more, mp);
        else if (nv == 2)
          rows<2, true>(kn, wt, ldw, col + q, ro, kc, bias, d, ldd, last, more, mp);
        else
          rows<1, true>(kn, wt, ldw, col + q, ro, kc, bias, d, ldd, last, more, mp);
      } else if (nv == 3) {
        rows<3, false>(kn, wt, ldw, col + q, ro, kc, bias, d, ldd, last, more, mp);
      } else if (nv == 2) {
        rows<2, false>(kn, wt, ldw, col + q, ro, kc, bias, d, ldd, last, more, mp);
      } else {
        rows<1, false>(kn, wt, ldw, col + q, ro, kc, bias, d, ldd, last, more, mp);
      }
      q += kW * nv;
    }
  }
}

// As block<R, V> without `map` or `more`, for the border path: tap t's V panel loads come
// from x + roff[t] + kW * v through lane masks (zero where the tap falls in the padding;
// masked lanes never fault, so the address may lie outside the input). PT: per-tap masks
// cm[tap[t] + v] (a mask register loaded per tap costs ~10% on Zen 4). Else the taps form
// groups of glen sharing the masks cm[4 * group + v], loaded once per group. Masks are
// kept as lane bits.
template <int R, int V, bool PT>
void mblock(const float* w, const float* x, const int64_t* roff, const int64_t* tap,
            const uint16_t* cm, int64_t ckk, int64_t glen, const float* bias, float* dst,
            int64_t ldd, vm last, bool lastfull) {
  vf acc[R][V];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    const vf b = vset1(bias ? bias[r] : 0.0f);
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[r][v] = b;
  }
  for (int64_t g0 = 0; g0 < ckk; g0 += glen) {
    vm mk[V];
    bool full = kW < 16 && !PT;  // AVX2: all lanes of the group live, loaded plainly
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      mk[v] = vmask(PT ? 0 : cm[4 * (g0 / glen) + v]);
      full = full && cm[4 * (g0 / glen) + v] == kFull;
    }
    const int64_t ge = ckk - g0 < glen ? ckk : g0 + glen;
    if (full) {
      for (int64_t t = g0; t < ge; ++t) {
        const float* p = x + roff[t];
        vf c[V];
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) c[v] = vload(p + kW * v);
#pragma GCC unroll 8
        for (int r = 0; r < R; ++r) {
          const vf wv = vset1(w[t * 8 + r]);
#pragma GCC unroll 4
          for (int v = 0; v < V; ++v) acc[r][v] = vfma(wv, c[v], acc[r][v]);
        }
      }
      continue;
    }
    // AVX2: per vector, a plain load where all its lanes are live (the same every tap of
    // the group, so the branches predict).
    bool fv[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) fv[v] = kW < 16 && !PT && cm[4 * (g0 / glen) + v] == kFull;
    for (int64_t t = g0; t < ge; ++t) {
      const float* p = x + roff[t];
      vf c[V];
      if (kW < 16 && !PT) {
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) c[v] = fv[v] ? vload(p + kW * v) : vmaskz_load(mk[v], p + kW * v);
      } else if (PT) {
        const uint16_t* m = cm + tap[t];
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) c[v] = vmaskz_load(vmask(m[v]), p + kW * v);
      } else {
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) c[v] = vmaskz_load(mk[v], p + kW * v);
      }
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        const vf wv = vset1(w[t * 8 + r]);
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) acc[r][v] = vfma(wv, c[v], acc[r][v]);
      }
    }
  }
  const bool lm = kW == 16 || !lastfull;
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (int v = 0; v < V - 1; ++v) vstore(dst + r * ldd + kW * v, acc[r][v]);
    if (lm)
      vmask_store(dst + r * ldd + kW * (V - 1), last, acc[r][V - 1]);
    else
      vstore(dst + r * ldd + kW * (V - 1), acc[r][V - 1]);
  }
}

template <int V, bool PT>
void mrows(int64_t kn, const float* w, int64_t ldw, const float* x, const int64_t* roff,
           const int64_t* tap, const uint16_t* cm, int64_t ckk, int64_t glen,
           const float* bias, float* dst, int64_t ldd, vm last, bool lastfull) {
  int64_t k = 0;
  for (; k + kR <= kn; k += kR)
    mblock<kR, V, PT>(wrow(w, ldw, k), x, roff, tap, cm, ckk, glen, bias ? bias + k : nullptr,
                      dst + k * ldd, ldd, last, lastfull);
  const float* wk = wrow(w, ldw, k);
  const float* bk = bias ? bias + k : nullptr;
  float* dk = dst + k * ldd;
  switch (kn - k) {
    case 7: mblock<7 < kR ? 7 : 1, V, PT>(wk, x, roff, tap, cm, ckk, glen, bk, dk, ldd, last, lastfull); break;
    case 6: mblock<6 < kR ? 6 : 1, V, PT>(wk, x, roff, tap, cm, ckk, glen, bk, dk, ldd, last, lastfull); break;
    case 5: mblock<5 < kR ? 5 : 1, V, PT>(wk, x, roff, tap, cm, ckk, glen, bk, dk, ldd, last, lastfull); break;
    case 4: mblock<4 < kR ? 4 : 1, V, PT>(wk, x, roff, tap, cm, ckk, glen, bk, dk, ldd, last, lastfull); break;
    case 3: mblock<3, V, PT>(wk, x, roff, tap, cm, ckk, glen, bk, dk, ldd, last, lastfull); break;
    case 2: mblock<2, V, PT>(wk, x, roff, tap, cm, ckk, glen, bk, dk, ldd, last, lastfull); break;
    case 1: mblock<1, V, PT>(wk, x, roff, tap, cm, ckk, glen, bk, dk, ldd, last, lastfull); break;
    default: break;
  }
}

template <bool PT>
void mstrip(int64_t nv, int64_t kn, const float* w, int64_t ldw, const float* x,
            const int64_t* roff, const int64_t* tap, const uint16_t* cm, int64_t ckk,
            int64_t glen, const float* bias, float* dst, int64_t ldd, vm last,
            bool lastfull) {
  if (nv == 3)
    mrows<3, PT>(kn, w, ldw, x, roff, tap, cm, ckk, glen, bias, dst, ldd, last, lastfull);
  else if (nv == 2)
    mrows<2, PT>(kn, w, ldw, x, roff, tap, cm, ckk, glen, bias, dst, ldd, last, lastfull);
  else
    mrows<1, PT>(kn, w, ldw, x, roff, tap, cm, ckk, glen, bias, dst, ldd, last, lastfull);
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
#if defined(EMBER_SIMD_VEC)
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
#if defined(EMBER_SIMD_VEC)
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
#if defined(EMBER_SIMD_VEC)
  uint16_t cm[640 * 4];  // per-tap lane bits cm[4 * (i * KW + j) + v], or per column j
  uint16_t rb[640][kV], cb[640][kV];  // rows i / columns j inside the plane, per vector
  const int64_t glen = ckk / KW;
  for (int64_t q = 0; q < np;) {
    const int64_t rest = np - q;
    const int64_t nv = rest >= kV * kW ? kV : (rest + kW - 1) / kW;
    const int64_t tail = rest >= nv * kW ? kW : rest - (nv - 1) * kW;
    const unsigned lastb = vbits(tail);
    bool inner = true;  // every live lane has all KH rows inside the plane
    for (int64_t v = 0; v < nv; ++v) {
      const int64_t ps = p0 + q + kW * v;
      const unsigned live = v == nv - 1 ? lastb : kFull;
      // Lanes span at most two rows (W >= kW): columns past W wrap into the next row.
      int64_t ohl[kW], owl[kW];
      for (int l = 0; l < kW; ++l) {
        const int64_t ow = ps % W + l, wrap = ow >= W;
        owl[l] = wrap ? ow - W : ow;
        ohl[l] = ps / W + wrap;
      }
      for (int64_t i = 0; i < KH; ++i) {
        unsigned bits = 0;
        for (int l = 0; l < kW; ++l) {
          const int64_t ih = ohl[l] + rsh[i];
          bits |= static_cast<unsigned>(ih >= 0 && ih < H) << l;
        }
        rb[i][v] = static_cast<uint16_t>(bits & live);
        if (rb[i][v] != live) inner = false;
      }
      for (int64_t j = 0; j < KW; ++j) {
        unsigned bits = 0;
        for (int l = 0; l < kW; ++l) {
          const int64_t iw = owl[l] + csh[j];
          bits |= static_cast<unsigned>(iw >= 0 && iw < W) << l;
        }
        cb[j][v] = static_cast<uint16_t>(bits & live);
      }
    }
    const vm last = vmask(lastb);
    if (inner) {
      for (int64_t j = 0; j < KW; ++j)
        for (int64_t v = 0; v < nv; ++v) cm[4 * j + v] = cb[j][v];
      mstrip<false>(nv, kn, w, ldw, x + q, roff, tap, cm, ckk, glen, bias, dst + q, ldd, last,
                    lastb == kFull);
    } else {
      for (int64_t i = 0; i < KH; ++i)
        for (int64_t j = 0; j < KW; ++j)
          for (int64_t v = 0; v < nv; ++v)
            cm[4 * (i * KW + j) + v] = static_cast<uint16_t>(rb[i][v] & cb[j][v]);
      mstrip<true>(nv, kn, w, ldw, x + q, roff, tap, cm, ckk, ckk, bias, dst + q, ldd, last,
                   lastb == kFull);
    }
    q += kW * nv;
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
// (oh = p / OW, ow = p % OW). Per kW positions the lane offsets are computed once; each tap
// is then up to 4 masked loads with unit stride (one per output row the lanes touch), else
// one gather (AVX2: lane by lane). Lanes from np to the next multiple of 16 are written as 0.
void conv_im2col_rows_f32(const float* xp, int64_t Hp, int64_t Wp, int64_t nc, int64_t KH,
                          int64_t KW, int64_t sh, int64_t sw, int64_t dh, int64_t dw,
                          int64_t OW, int64_t p0, int64_t np, float* col, int64_t ld) {
  const int64_t HWp = Hp * Wp;
#if defined(EMBER_SIMD_VEC)
  const int64_t npad = (np + 15) / 16 * 16;  // kW divides 16
  for (int64_t q0 = 0; q0 < npad; q0 += kW) {
    const int64_t lanes = np - q0 < kW ? (np > q0 ? np - q0 : 0) : kW;
    const unsigned liveb = vbits(lanes);
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
    unsigned rmb[4] = {0, 0, 0, 0};
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
        rmb[nrun - 1] |= 1u << l;
      }
    }
    vm rm[4];
    for (int k = 0; k < 4; ++k) rm[k] = vmask(rmb[k]);
#if defined(__AVX512F__)
    const __mmask16 live = static_cast<__mmask16>(liveb);
    const __m512i vo = _mm512_load_si512(off);
    // Stride 2 with all lanes in one output row: input elements off[0] + 2 * l.
    const bool even = sw == 2 && off[lanes - 1] == off[0] + 2 * (lanes - 1);
    const int64_t span = 2 * lanes - 1;  // inputs read
    const __mmask16 m0 = static_cast<__mmask16>(span >= 16 ? 0xFFFF : (1u << span) - 1);
    const __mmask16 m1 = static_cast<__mmask16>(span > 16 ? (1u << (span - 16)) - 1 : 0);
    const __m512i ev = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
#else
    (void)liveb;
#endif
    float* d = col + q0;
    int64_t r = 0;
    for (int64_t c = 0; c < nc; ++c)
      for (int64_t i = 0; i < KH; ++i)
        for (int64_t j = 0; j < KW; ++j, ++r) {
          const float* src = xp + c * HWp + i * dh * Wp + j * dw;
          vf v;
          if (sw == 1 && nrun <= 4) {
            v = vmaskz_load(rm[0], src + ro[0]);
            for (int64_t k = 1; k < nrun; ++k) v = vmask_load(v, rm[k], src + ro[k]);
#if defined(__AVX512F__)
          } else if (even) {  // stride 2 within one row: two loads, keep the even elements
            const float* s0 = src + off[0];
            v = _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(m0, s0), ev,
                                       _mm512_maskz_loadu_ps(m1, s0 + 16));
          } else {
            v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), live, vo, src, 4);
          }
#else
          } else {  // lane by lane (dead lanes read src + 0, then are zeroed)
            alignas(32) float g[kW];
            for (int l = 0; l < kW; ++l) g[l] = l < lanes ? src[off[l]] : 0.0f;
            v = vload(g);
          }
#endif
          vstore(d + r * ld, v);
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
// The sums run along the positions in kW lanes, blocks of 4 channels x 6 taps (24 registers;
// AVX2: 3 x 4 of 16; edge blocks repeat their last row and drop it), then each lane vector is added up in lane
// order: fixed by the sizes. Nothing is read past nq.
void conv_wgrad_tile_f32(const float* dy, int64_t ldy, int64_t kn, const float* col,
                         int64_t ldc, int64_t ckk, int64_t nq, float* acc, int64_t sk,
                         int64_t sr, bool add) {
#if defined(EMBER_SIMD_VEC)
  // AVX-512: 4 x 6 accumulators; AVX2: 3 x 4 (12 of 16 ymm, plus the 3 + 1 loads).
  constexpr int KA = kW == 16 ? 4 : 3, KB = kW == 16 ? 6 : 4;
  const int64_t full = nq / kW * kW;
  const unsigned tailb = vbits(nq - full);
  const vm tail = vmask(tailb);
  for (int64_t k0 = 0; k0 < kn; k0 += KA)
    for (int64_t r0 = 0; r0 < ckk; r0 += KB) {
      const float* gp[KA];
      const float* cp[KB];
      for (int a = 0; a < KA; ++a) gp[a] = dy + (k0 + a < kn ? k0 + a : kn - 1) * ldy;
      for (int b = 0; b < KB; ++b) cp[b] = col + (r0 + b < ckk ? r0 + b : ckk - 1) * ldc;
      vf v[KA][KB];
#pragma GCC unroll 4
      for (int a = 0; a < KA; ++a)
#pragma GCC unroll 6
        for (int b = 0; b < KB; ++b) v[a][b] = vzero();
      for (int64_t q = 0; q < full; q += kW) {
        vf gv[KA];
#pragma GCC unroll 4
        for (int a = 0; a < KA; ++a) gv[a] = vload(gp[a] + q);
#pragma GCC unroll 6
        for (int b = 0; b < KB; ++b) {
          const vf cv = vload(cp[b] + q);
#pragma GCC unroll 4
          for (int a = 0; a < KA; ++a) v[a][b] = vfma(gv[a], cv, v[a][b]);
        }
      }
      if (tailb) {
        vf gv[KA];
#pragma GCC unroll 4
        for (int a = 0; a < KA; ++a) gv[a] = vmaskz_load(tail, gp[a] + full);
#pragma GCC unroll 6
        for (int b = 0; b < KB; ++b) {
          const vf cv = vmaskz_load(tail, cp[b] + full);
#pragma GCC unroll 4
          for (int a = 0; a < KA; ++a) v[a][b] = vfma(gv[a], cv, v[a][b]);
        }
      }
      for (int a = 0; a < KA && k0 + a < kn; ++a)
        for (int b = 0; b < KB && r0 + b < ckk; ++b) {
          const float t = vsum_ordered(v[a][b]);
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
