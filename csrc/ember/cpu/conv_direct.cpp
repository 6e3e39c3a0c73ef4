// The float32 direct convolution path (see conv_direct.h): the border path (unpadded input
// or phase planes, padding by lane masks), the zero-padded input copy and panel geometry of
// the others, and the threaded drivers of the per-ISA tile kernels in
// isa/conv_direct_kernel.cpp. Items own whole outputs (forward) or sum fixed chunks in order
// (weight gradient), so results are bitwise identical for any thread count.
#include "ember/cpu/conv_direct.h"
#include "ember/cpu/conv_util.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "ember/core/parallel.h"
#include "ember/cpu/gemm.h"
#include "ember/cpu/isa.h"

namespace ember::cpu {

EMBER_ISA_DECLARE(void, conv_direct_tile_f32,
                  (const float* w, int64_t ldw, int64_t kn, const float* col,
                   const int64_t* roff, int64_t nq, int64_t ckk, const float* bias, float* dst,
                   int64_t ldd))
EMBER_ISA_DECLARE(void, conv_direct_rows_f32,
                  (const float* w, int64_t ldw, int64_t kn, const float* col,
                   const int64_t* roff, int64_t nq, int64_t ckk, const float* bias, float* dst,
                   int64_t ldd, int64_t q0, int64_t Wp, int64_t OW))
EMBER_ISA_DECLARE(void, conv_direct_border_f32,
                  (const float* w, int64_t ldw, int64_t kn, const float* x,
                   const int64_t* roff, const int64_t* tap, int64_t ckk, const float* bias,
                   float* dst, int64_t ldd, int64_t p0, int64_t np, int64_t H, int64_t W,
                   int64_t KH, int64_t KW, const int64_t* rsh, const int64_t* csh))
EMBER_ISA_DECLARE(void, conv_strided_copy_f32,
                  (const float* src, int64_t sw, int64_t n, float* dst))
EMBER_ISA_DECLARE(void, conv_im2col_rows_f32,
                  (const float* xp, int64_t Hp, int64_t Wp, int64_t nc, int64_t KH, int64_t KW,
                   int64_t sh, int64_t sw, int64_t dh, int64_t dw, int64_t OW, int64_t p0,
                   int64_t np, float* col, int64_t ld))
EMBER_ISA_DECLARE(void, conv_wgrad_tile_f32,
                  (const float* dy, int64_t ldy, int64_t kn, const float* col, int64_t ldc,
                   int64_t ckk, int64_t nq, float* acc, int64_t sk, int64_t sr, bool add))

namespace {

using conv_util::ceil_div;
using conv_util::grain_for;
using conv_util::kMinChunkWork;
int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }
float* scratch(size_t n, std::atomic<bool>& failed) { return conv_util::scratch<float>(n, failed); }

void gemm1(int64_t M, int64_t N, int64_t K, MatView<const float> A, MatView<const float> B,
           float beta, MatView<float> C) {
  const int64_t z = 0;
  gemm_batched<float>(1, &z, &z, &z, M, N, K, 1.0f, A, B, beta, C);
}

bool is_pointwise(const ConvGeom& g) {
  return g.KH == 1 && g.KW == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0 &&
         g.OH == g.H && g.OW == g.W;
}

// Scratch for the padded input, owned by the calling thread: kept between calls up to
// 16 MiB (a fresh buffer of that size costs more in page faults than the padding itself),
// larger ones are freed on return. Never read before written.
struct PadBuffer {
  std::unique_ptr<float[]> big;
  size_t big_n = 0;
  float* get(size_t n) {
    thread_local std::unique_ptr<float[]> kept;
    thread_local size_t kept_n = 0;
    if (n <= (size_t{1} << 22)) {
      if (kept_n < n) {
        kept.reset(new (std::nothrow) float[n]);
        kept_n = kept ? n : 0;
      }
      return kept.get();
    }
    if (big_n < n) {
      big.reset(new (std::nothrow) float[n]);
      big_n = big ? n : 0;
    }
    return big.get();
  }
};

// Zero-padded copy of the input, each plane Hp x Wp, so that every tap of every output
// position lies inside (one pass; the panels read each element about KK times). Returns x
// itself when no padding is needed (unless `slack`), nullptr when out of memory. `slack`
// zeros follow the last plane (the padded-row path reads a little past it).
const float* pad_input(const ConvGeom& g, const float* x, PadBuffer& buf, int64_t& Hp,
                       int64_t& Wp, int64_t slack = 0) {
  const int64_t HW = g.H * g.W;
  Hp = std::max(g.H + g.ph, (g.OH - 1) * g.sh + (g.KH - 1) * g.dh + 1);
  Wp = std::max(g.W + g.pw, (g.OW - 1) * g.sw + (g.KW - 1) * g.dw + 1);
  if (Hp == g.H && Wp == g.W && g.ph == 0 && g.pw == 0 && slack == 0) return x;
  float* xpad = buf.get(static_cast<size_t>(g.N * g.C * Hp * Wp + slack));
  if (!xpad) return nullptr;
  std::fill(xpad + g.N * g.C * Hp * Wp, xpad + g.N * g.C * Hp * Wp + slack, 0.0f);
  const int64_t hp = Hp, wp = Wp;
  // A copy is memory-bound: threads only for inputs of several chunks of ~256 KiB.
  parallel_for(g.N * g.C, std::max<int64_t>(1, 65536 / (hp * wp)), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      float* d = xpad + t * hp * wp;
      const float* s0 = x + t * HW;
      // Rows of zeros, then per input row: left zeros, the row, right zeros.
      const int64_t h0 = std::min(g.ph, hp), h1 = std::min(hp, g.ph + g.H);
      const int64_t w0 = std::min(g.pw, wp), nw = std::min(g.W, wp - w0);
      std::fill(d, d + h0 * wp, 0.0f);
      for (int64_t h = h0; h < h1; ++h) {
        float* dr = d + h * wp;
        std::fill(dr, dr + w0, 0.0f);
        std::memcpy(dr + w0, s0 + (h - g.ph) * g.W, static_cast<size_t>(nw) * sizeof(float));
        std::fill(dr + w0 + nw, dr + wp, 0.0f);
      }
      std::fill(d + h1 * wp, d + hp * wp, 0.0f);
    }
  });
  return xpad;
}

// Strided inputs split into phases: plane (c, pi, pj) of Hq x Wq holds the zero-padded
// input's elements [sh * u + pi][sw * v + pj], so that tap (i, j) of output (oh, ow) is
// element [oh + i * dh / sh][ow + j * dw / sw] of plane (c, i * dh % sh, j * dw % sw): a
// strided convolution becomes a unit-stride one over sh * sw times as many planes, which
// the padded-row kernel reads in place. Returns nullptr when out of memory.
const float* pad_phases(const ConvGeom& g, const float* x, PadBuffer& buf, int64_t Hq,
                        int64_t Wq) {
  const int64_t S = g.sh * g.sw, HWq = Hq * Wq, HW = g.H * g.W;
  float* xq = buf.get(static_cast<size_t>(g.N * g.C * S * HWq));
  if (!xq) return nullptr;
  parallel_for(g.N * g.C, std::max<int64_t>(1, 262144 / (S * HWq)), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t)
      for (int64_t pi = 0; pi < g.sh; ++pi)
        for (int64_t pj = 0; pj < g.sw; ++pj) {
          float* d = xq + ((t * g.sh + pi) * g.sw + pj) * HWq;
          // Columns v whose input column sw * v + pj - pw lies in [0, W).
          const int64_t a = g.pw - pj, bnd = g.W - 1 + g.pw - pj;
          const int64_t v0 = std::min(Wq, a <= 0 ? int64_t{0} : ceil_div(a, g.sw));
          const int64_t v1 = std::max(v0, std::min(Wq, bnd < 0 ? int64_t{0} : bnd / g.sw + 1));
          for (int64_t u = 0; u < Hq; ++u) {
            float* dr = d + u * Wq;
            const int64_t ih = g.sh * u + pi - g.ph;
            if (ih < 0 || ih >= g.H) {
              std::fill(dr, dr + Wq, 0.0f);
              continue;
            }
            const float* sr = x + t * HW + ih * g.W + pj - g.pw;
            std::fill(dr, dr + v0, 0.0f);
            EMBER_ISA_CALL(conv_strided_copy_f32, sr + v0 * g.sw, g.sw, v1 - v0, dr + v0);
            std::fill(dr + v1, dr + Wq, 0.0f);
          }
        }
  });
  return xq;
}

// Panel geometry of the direct paths: large images are cut into tiles of TQ positions;
// small ones are grouped, ipt whole images per item, each image's columns starting at a
// multiple of 16 (vectors never straddle two images). Depends on the sizes alone.
struct Panels {
  int64_t TQ, P16, ipt, tpi, width, nb, LD;
};
Panels panels(const ConvGeom& g, int64_t TQ) {
  Panels q;
  const int64_t P = g.OH * g.OW;
  q.TQ = TQ;
  q.P16 = round_up(P, 16);
  q.ipt = q.P16 >= TQ ? 1 : std::min(g.N, TQ / q.P16);
  q.tpi = q.P16 >= TQ ? ceil_div(P, TQ) : 1;        // tiles per image
  q.width = q.P16 >= TQ ? TQ : q.ipt * q.P16;         // panel columns
  q.nb = ceil_div(g.N, q.ipt) * q.tpi;                // items per group
  // Panel rows LD apart, an odd multiple of 16 floats: rows a power-of-two multiple of
  // 4 KiB apart would all map to the same L1 sets.
  q.LD = round_up(q.width, 32) + 16;
  return q;
}

// The weight, per group in blocks of 8 output channels, tap-major (see the kernel): block
// (gi, k / 8) at (gi * ceil(Kg / 8) + k / 8) * 8 * CKK. False when out of memory.
// With `perm`, packed tap t is filter tap perm[t].
bool pack_weight(const ConvGeom& g, const float* w, std::vector<float>& wpk,
                 const int64_t* perm = nullptr) {
  const int64_t Kg = g.K / g.G, CKK = g.C / g.G * g.KH * g.KW;
  const int64_t KB = ceil_div(Kg, 8), WB = 8 * CKK;
  try {
    wpk.assign(static_cast<size_t>(g.G * KB * WB), 0.0f);
  } catch (...) {
    return false;
  }
  // ~16K elements per chunk: the packing is serial work beside a parallel kernel.
  parallel_for(g.G * Kg, std::max<int64_t>(1, 16384 / std::max<int64_t>(CKK, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t gk = b; gk < e; ++gk) {
                   const int64_t gi = gk / Kg, k = gk % Kg;
                   float* d = wpk.data() + (gi * KB + k / 8) * WB + k % 8;
                   const float* src = w + gk * CKK;
                   if (perm)
                     for (int64_t t = 0; t < CKK; ++t) d[t * 8] = src[perm[t]];
                   else
                     for (int64_t t = 0; t < CKK; ++t) d[t * 8] = src[t];
                 }
               });
  return true;
}

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Whether conv_forward_border serves this geometry: stride 1 with OW == W (the input's rows
// are the output's), or strides whose phase planes fit in OH x OW (every input row / column
// lands in one, i.e. ceil(H / sh) <= OH and ceil(W / sw) <= OW: 'same'-style padding).
// Rows of at least 16 (a vector spans at most two).
bool border_ok(const ConvGeom& g) {
  if (g.OW < 16) return false;
  if (g.sh == 1 && g.sw == 1) return g.OW == g.W;
  return ceil_div(g.H, g.sh) <= g.OH && ceil_div(g.W, g.sw) <= g.OW;
}

// Phase planes of OH x OW: plane (n, c, pi, pj) holds x[n][c][sh * u + pi][sw * v + pj] at
// [u][v] (0 past the input's edge), so that tap (i, j) of output (oh, ow) is element
// [oh + floor((i * dh - ph) / sh)][ow + floor((j * dw - pw) / sw)] of plane (c, (i * dh - ph)
// mod sh, (j * dw - pw) mod sw), or padding when outside the plane. nullptr when out of memory.
const float* phase_planes(const ConvGeom& g, const float* x, PadBuffer& buf) {
  const int64_t S = g.sh * g.sw, PP = g.OH * g.OW, HW = g.H * g.W;
  float* xq = buf.get(static_cast<size_t>(g.N * g.C * S * PP));
  if (!xq) return nullptr;
  // Items: plane rows, ~16K elements per chunk (the copy is serial work beside a parallel
  // kernel: a single 224x224 image would otherwise fill its planes on one thread).
  const int64_t rows = g.N * g.C * S * g.OH;
  parallel_for(rows, std::max<int64_t>(1, 16384 / g.OW), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t u = r % g.OH, pl = r / g.OH, t = pl / S, pi = pl % S / g.sw, pj = pl % g.sw;
      float* dr = xq + pl * PP + u * g.OW;
      const int64_t nv = pj < g.W ? std::min(g.OW, ceil_div(g.W - pj, g.sw)) : 0;
      const int64_t ih = g.sh * u + pi;
      if (ih >= g.H) {
        std::fill(dr, dr + g.OW, 0.0f);
        continue;
      }
      EMBER_ISA_CALL(conv_strided_copy_f32, x + t * HW + ih * g.W + pj, g.sw, nv, dr);
      std::fill(dr + nv, dr + g.OW, 0.0f);
    }
  });
  return xq;
}

// Convolutions with 'same'-style padding (border_ok) read from unpadded planes as wide as
// the output rows: stride 1 reads the input itself (position oh * W + ow, tap (c, i, j) at
// element oh * W + ow + (i * dh - ph) * W + j * dw - pw of plane c, a run of positions being
// a run of the input); strides read phase planes of OH x OW. The kernel zeroes the lanes
// whose tap falls in the padding through masks: no padded copy, no padding columns (the
// padded-row path computed KW - 1 dropped columns per row). Items (image, group, tile of
// ~6 vectors of positions), the tile count even so that 2 threads get equal shares of one
// image; each item owns whole output elements.
bool conv_forward_border(const ConvGeom& g, const float* x, const float* w, const float* bias,
                         float* out) {
  const int64_t Cg = g.C / g.G, Kg = g.K / g.G, CKK = Cg * g.KH * g.KW, P = g.OH * g.OW;
  const bool phased = g.sh > 1 || g.sw > 1;
  const int64_t S = g.sh * g.sw, PH = phased ? g.OH : g.H, PW = phased ? g.OW : g.W;
  const int64_t cst = S * PH * PW;  // input channels apart
  std::vector<int64_t> rsh(static_cast<size_t>(g.KH)), rph(static_cast<size_t>(g.KH));
  std::vector<int64_t> csh(static_cast<size_t>(g.KW)), cph(static_cast<size_t>(g.KW));
  for (int64_t i = 0; i < g.KH; ++i) {
    rsh[i] = floor_div(i * g.dh - g.ph, g.sh);
    rph[i] = i * g.dh - g.ph - rsh[i] * g.sh;
  }
  for (int64_t j = 0; j < g.KW; ++j) {
    csh[j] = floor_div(j * g.dw - g.pw, g.sw);
    cph[j] = j * g.dw - g.pw - csh[j] * g.sw;
  }
  // Taps column-major (j, c, i): the kernel's masks then change once per column j on all
  // strips away from the top and bottom rows. perm: each tap's index in the filter.
  std::vector<int64_t> roff(static_cast<size_t>(CKK)), tap(static_cast<size_t>(CKK)),
      perm(static_cast<size_t>(CKK));
  for (int64_t j = 0, r = 0; j < g.KW; ++j)
    for (int64_t c = 0; c < Cg; ++c)
      for (int64_t i = 0; i < g.KH; ++i, ++r) {
        roff[r] = ((c * g.sh + rph[i]) * g.sw + cph[j]) * PH * PW + rsh[i] * PW + csh[j];
        tap[r] = 4 * (i * g.KW + j);
        perm[r] = (c * g.KH + i) * g.KW + j;
      }
  const int64_t KB = ceil_div(Kg, 8), WB = 8 * CKK;
  std::vector<float> wpk;
  if (!pack_weight(g, w, wpk, perm.data())) return false;
  const int64_t nvec = ceil_div(P, 16);
  int64_t nt = ceil_div(nvec, 6);
  if (nt > 1) nt += nt % 2;
  // Large phase-plane sets are built and convolved one image at a time (they stay in L2).
  const int64_t nsl = phased && g.C * cst >= 65536 ? 1 : g.N;
  PadBuffer buf;
  for (int64_t ns0 = 0; ns0 < g.N; ns0 += nsl) {
    ConvGeom gs = g;
    gs.N = std::min(nsl, g.N - ns0);
    const float* xs = x + ns0 * g.C * g.H * g.W;
    const float* xp = phased ? phase_planes(gs, xs, buf) : xs;
    if (!xp) return false;
    float* const outs = out + ns0 * g.K * P;
    parallel_for(gs.N * g.G * nt, grain_for(Kg * CKK * 96), [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) {
        const int64_t n = t / (g.G * nt), gi = t / nt % g.G, it = t % nt;
        const int64_t p0 = it * nvec / nt * 16, p1 = std::min(P, (it + 1) * nvec / nt * 16);
        EMBER_ISA_CALL(conv_direct_border_f32, wpk.data() + gi * KB * WB, WB, Kg,
                       xp + (n * g.C + gi * Cg) * cst + p0, roff.data(), tap.data(), CKK,
                       bias ? bias + gi * Kg : nullptr, outs + (n * g.K + gi * Kg) * P + p0, P,
                       p0, p1 - p0, PH, PW, g.KH, g.KW, rsh.data(), csh.data());
      }
    });
  }
  return true;
}

}  // namespace

// 1x1 convolutions (stride 1, no padding) on the direct kernel: each image's input planes
// are the panel as they are (tap c at c * H * W, no copy, no packing of the input), the
// weight is packed once for the whole batch, and the results land in the output with the
// bias fused. Items: (image, group, block of output channels, tile of positions), cut by
// the sizes alone; each owns whole output elements.
bool conv_forward_pointwise(const ConvGeom& g, const float* x, const float* w,
                            const float* bias, float* out) {
  const int64_t Cg = g.C / g.G, Kg = g.K / g.G, P = g.H * g.W;
  const int64_t KB = ceil_div(Kg, 8), WB = 8 * Cg;
  std::vector<float> wpk;
  if (!pack_weight(g, w, wpk)) return false;
  std::vector<int64_t> roff(static_cast<size_t>(Cg));
  for (int64_t c = 0; c < Cg; ++c) roff[c] = c * P;
  // Position tiles of up to 512 (the kernel walks them in 32-column strips); output
  // channels split into blocks (multiples of 8) until there are at least 8 items, so that
  // a single image still spreads over the threads.
  const int64_t TQ = 512, nt = ceil_div(P, TQ);
  int64_t kb = KB;  // blocks of 8 channels per item
  while (kb > 1 && g.N * g.G * nt * ceil_div(KB, kb) < 8 && kb * 8 * Cg * std::min(P, TQ) >= 2 * kMinChunkWork)
    kb = ceil_div(kb, 2);
  const int64_t nkb = ceil_div(KB, kb);
  parallel_for(g.N * g.G * nkb * nt, grain_for(kb * 8 * Cg * std::min(P, TQ)),
               [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t ti = t % nt, ki = (t / nt) % nkb, gi = (t / (nt * nkb)) % g.G;
      const int64_t n = t / (nt * nkb * g.G);
      const int64_t q0 = ti * TQ, nq = std::min(P, q0 + TQ) - q0;
      const int64_t k0 = ki * kb * 8, kn = std::min(Kg, k0 + kb * 8) - k0;
      EMBER_ISA_CALL(conv_direct_tile_f32, wpk.data() + (gi * KB + ki * kb) * WB, WB, kn,
                     x + (n * g.C + gi * Cg) * P + q0, roff.data(), nq, Cg,
                     bias ? bias + gi * Kg + k0 : nullptr,
                     out + (n * g.K + gi * Kg + k0) * P + q0, P);
    }
  });
  return true;
}

// The direct path for small filter volumes (CKK = C_in / G * kh * kw): a GEMM with K =
// CKK of tens spends its time packing and on edge tiles, so here one im2col panel (CKK x
// a tile of positions, the positions possibly spanning several images) is built per item
// and multiplied by the weight rows as they are, the positions being the vector lanes; the
// result lands in NCHW rows directly with the bias fused. Items own whole output elements
// and the tile size depends on the sizes alone: deterministic for any thread count.
bool direct_vectorised() { return active_isa() != Isa::Baseline; }

// On AVX2 (Zen 2) the 1x1 GEMM (gemm_batched) measured about 1.5x faster than the direct
// kernel with its 4 x 3 register tile.
bool pointwise_direct() { return active_isa() == Isa::Avx512; }

bool use_direct(const ConvGeom& g) {
  // Measured on Zen 4 against the position-major GEMM: as fast or faster up to C_in * 9 =
  // 576 (3x3, 64 channels) on 4x4 to 56x56 maps; longer filters go to the blocked GEMM.
  return direct_vectorised() && !is_pointwise(g) && g.C / g.G * g.KH * g.KW <= 640;
}

bool use_direct_wgrad(const ConvGeom& g) {
  // On AVX2 (Zen 2) only where the lane-wise tile serves (CKK <= 64 or Kg <= 16: 1.4x at
  // N32 C3 32x32 K16); its panel GEMMs ran 6 to 10% slower than the generic path there.
  const int64_t CKK = g.C / g.G * g.KH * g.KW;
  return use_direct(g) && (active_isa() == Isa::Avx512 || CKK <= 64 || g.K / g.G <= 16);
}

bool conv_forward_direct(const ConvGeom& g, const float* x, const float* w, const float* bias,
                         float* out) {
  const int64_t Cg = g.C / g.G, Kg = g.K / g.G, KK = g.KH * g.KW, CKK = Cg * KK;
  const int64_t P = g.OH * g.OW;
  // Panel of CKK x TQ floats within ~128 KiB (L2).
  const Panels pn = panels(g, std::max<int64_t>(32, 32768 / CKK / 32 * 32));
  int64_t TQ = pn.TQ; const int64_t P16 = pn.P16, ipt = pn.ipt, tpi = pn.tpi, width = pn.width;
  int64_t nb = pn.nb, LD = pn.LD;
  // 'Same'-style geometries of large maps: no padded copy, no padding columns.
  if (border_ok(g) && ipt == 1) return conv_forward_border(g, x, w, bias, out);
  // Padded rows: with unit strides, tap (c, i, j) of the positions oh * Wp + ow of the
  // padded grid is the contiguous run of the padded plane starting at c * Hp * Wp + i * dh
  // * Wp + j * dw, so the kernel reads the padded input in place (no im2col) and computes
  // Wp - OW junk columns per row, dropped on the way out. Used for wide maps (junk <= 1/16;
  // at 16x16 with 1/9 junk the im2col panel was still faster).
  // Strided maps run the same way on their phase planes (pad_phases), rows Wq wide.
  const int64_t Wp0 = std::max(g.W + g.pw, (g.OW - 1) + (g.KW - 1) * g.dw + 1);
  const int64_t Wq = g.OW + (g.KW - 1) * g.dw / g.sw, Hq = g.OH + (g.KH - 1) * g.dh / g.sh;
  const bool phased = (g.sh > 1 || g.sw > 1) && ipt == 1 && 16 * (Wq - g.OW) <= Wq;
  const bool rowwise =
      phased || (g.sh == 1 && g.sw == 1 && ipt == 1 && 16 * (Wp0 - g.OW) <= Wp0);
  int64_t Hp = Hq, Wp = Wq;
  if (!phased) {  // the padded plane's size (pad_input's formula)
    Hp = std::max(g.H + g.ph, (g.OH - 1) * g.sh + (g.KH - 1) * g.dh + 1);
    Wp = std::max(g.W + g.pw, (g.OW - 1) * g.sw + (g.KW - 1) * g.dw + 1);
  }
  const int64_t HWp = Hp * Wp, PW = g.OH * Wp;  // PW: padded-grid positions per image
  const int64_t cst = phased ? g.sh * g.sw * HWp : HWp;  // input channels apart
  // Large padded images are padded and convolved one at a time, so that each stays in L2
  // between its padding and its use (8 images of 64 x 58 x 58: 7 MiB otherwise).
  const int64_t nsl = rowwise && g.C * cst >= 65536 ? 1 : g.N;  // images per pass
  int64_t tpw = ceil_div(PW, TQ);            // their tiles per image
  if (rowwise) {  // tiles of the padded grid, written straight into the output rows
    // Two 48-column strips (the kernel's widest register tile): a 56x56 map cuts into 34
    // tiles, so 2 threads get equal shares.
    TQ = 96;
    tpw = ceil_div(PW, TQ);
    nb = nsl * tpw;
  }
  std::vector<int64_t> roff(static_cast<size_t>(CKK));
  for (int64_t c = 0, r = 0; c < Cg; ++c)
    for (int64_t i = 0; i < g.KH; ++i)
      for (int64_t j = 0; j < g.KW; ++j, ++r)
        roff[r] = !rowwise ? r * LD
                  : phased ? (c * g.sh * g.sw + i * g.dh % g.sh * g.sw + j * g.dw % g.sw) * HWp +
                                 i * g.dh / g.sh * Wp + j * g.dw / g.sw
                           : c * HWp + i * g.dh * Wp + j * g.dw;
  const int64_t KB = ceil_div(Kg, 8), WB = 8 * CKK;
  std::vector<float> wpk;
  if (!pack_weight(g, w, wpk)) return false;
  std::atomic<bool> failed{false};
  PadBuffer xpad;
  for (int64_t ns0 = 0; ns0 < g.N; ns0 += nsl) {
    ConvGeom gs = g;
    gs.N = nsl;
    int64_t hp = 0, wp = 0;
    const float* xs = x + ns0 * g.C * g.H * g.W;
    const float* xp = phased ? pad_phases(gs, xs, xpad, Hq, Wq) : pad_input(gs, xs, xpad, hp, wp);
    if (!xp) return false;
    float* const outs = out + ns0 * g.K * P;
    parallel_for(g.G * nb, grain_for(Kg * CKK * (rowwise ? TQ : width)), [&](int64_t b, int64_t e) {
      float* col = rowwise ? nullptr : scratch(static_cast<size_t>((CKK + Kg) * LD), failed);
      if (!rowwise && !col) return;
      float* cbuf = rowwise ? nullptr : col + CKK * LD;
      for (int64_t t = b; t < e; ++t) {
        const int64_t gi = t / nb, it = t % nb;
        const float* wg = wpk.data() + gi * KB * WB;
        const float* bg = bias ? bias + gi * Kg : nullptr;
        if (rowwise) {
          const int64_t n = it / tpw, q0 = (it % tpw) * TQ, nq = std::min(PW, q0 + TQ) - q0;
          EMBER_ISA_CALL(conv_direct_rows_f32, wg, WB, Kg, xp + (n * g.C + gi * Cg) * cst + q0,
                         roff.data(), nq, CKK, bg, outs + (n * g.K + gi * Kg) * P, P, q0, Wp,
                         g.OW);
          continue;
        }
        if (ipt == 1) {  // one image (or a piece of it): straight into its output rows
          const int64_t n = it / tpi, p0 = (it % tpi) * TQ, np = std::min(P, p0 + TQ) - p0;
          EMBER_ISA_CALL(conv_im2col_rows_f32, xp + (n * g.C + gi * Cg) * HWp, Hp, Wp, Cg, g.KH,
                         g.KW, g.sh, g.sw, g.dh, g.dw, g.OW, p0, np, col, LD);
          EMBER_ISA_CALL(conv_direct_tile_f32, wg, WB, Kg, col, roff.data(), np, CKK, bg,
                         out + (n * g.K + gi * Kg) * P + p0, P);
          continue;
        }
        const int64_t n0 = it * ipt, n1 = std::min(g.N, n0 + ipt);
        for (int64_t n = n0; n < n1; ++n)
          EMBER_ISA_CALL(conv_im2col_rows_f32, xp + (n * g.C + gi * Cg) * HWp, Hp, Wp, Cg, g.KH,
                         g.KW, g.sh, g.sw, g.dh, g.dw, g.OW, 0, P, col + (n - n0) * P16, LD);
        EMBER_ISA_CALL(conv_direct_tile_f32, wg, WB, Kg, col, roff.data(), (n1 - n0) * P16, CKK, bg,
                       cbuf, LD);
        for (int64_t n = n0; n < n1; ++n)
          for (int64_t k = 0; k < Kg; ++k)
            std::memcpy(out + (n * g.K + gi * Kg + k) * P, cbuf + k * LD + (n - n0) * P16,
                        static_cast<size_t>(P) * sizeof(float));
      }
    });
  }
  return !failed;
}

// Weight gradient on the direct path's panels: dw^T (CKK x Kg per group) = sum over panels
// of col (CKK x width) dy^T (width x Kg), one GEMM per panel. Small images are batched
// into one panel (dy copied beside them, zero in the padding columns), so a 4x4 map does
// not pay a GEMM call per image. Panels are summed per chunk, then over chunks in order;
// chunk boundaries depend on the sizes alone.
bool conv_backward_weight_direct(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  const int64_t Cg = g.C / g.G, Kg = g.K / g.G, KK = g.KH * g.KW, CKK = Cg * KK;
  const int64_t P = g.OH * g.OW, WN = g.K * CKK;
  int64_t Hp = 0, Wp = 0;
  PadBuffer xpad;
  const float* xp = pad_input(g, x, xpad, Hp, Wp);
  if (!xp) return false;
  const int64_t HWp = Hp * Wp;
  // Longer panels than the forward: each GEMM re-reads and re-writes the CKK x Kg sums.
  const Panels pn = panels(g, std::max<int64_t>(32, 4 * 32768 / CKK / 32 * 32));
  int64_t TQ = pn.TQ; const int64_t P16 = pn.P16, ipt = pn.ipt, tpi = pn.tpi, width = pn.width;
  const int64_t items = pn.nb, LD = pn.LD;
  const bool small = CKK <= 64 || Kg <= 16;
  const int64_t cap = std::max<int64_t>(1, (int64_t{1} << 24) / WN);
  const int64_t by_work = std::max<int64_t>(1, g.K * CKK * width * items / kMinChunkWork);
  const int64_t per = ceil_div(items, std::min<int64_t>({items, 16, cap, by_work}));
  const int64_t nchunk = ceil_div(items, per);
  std::vector<float> part;
  try {
    part.resize(static_cast<size_t>(nchunk * WN));
  } catch (...) {
    return false;
  }
  std::atomic<bool> failed{false};
  parallel_for(nchunk, 1, [&](int64_t b, int64_t e) {
    float* col = scratch(static_cast<size_t>((CKK + Kg) * LD), failed);
    if (!col) return;
    float* dyp = col + CKK * LD;
    for (int64_t c = b; c < e; ++c) {
      float* acc = part.data() + c * WN;
      const int64_t i0 = c * per, i1 = std::min(items, i0 + per);
      for (int64_t it = i0; it < i1; ++it)
        for (int64_t gi = 0; gi < g.G; ++gi) {
          MatView<const float> B{nullptr, 0, 0};  // dy^T: (position, channel)
          int64_t wq = 0;  // panel columns summed over
          if (ipt == 1) {
            const int64_t n = it / tpi, p0 = (it % tpi) * TQ, np = std::min(P, p0 + TQ) - p0;
            EMBER_ISA_CALL(conv_im2col_rows_f32, xp + (n * g.C + gi * Cg) * HWp, Hp, Wp, Cg,
                           g.KH, g.KW, g.sh, g.sw, g.dh, g.dw, g.OW, p0, np, col, LD);
            B = MatView<const float>{dy + (n * g.K + gi * Kg) * P + p0, 1, P};
            wq = np;
          } else {
            const int64_t n0 = it * ipt, n1 = std::min(g.N, n0 + ipt);
            for (int64_t n = n0; n < n1; ++n) {
              EMBER_ISA_CALL(conv_im2col_rows_f32, xp + (n * g.C + gi * Cg) * HWp, Hp, Wp, Cg,
                             g.KH, g.KW, g.sh, g.sw, g.dh, g.dw, g.OW, 0, P,
                             col + (n - n0) * P16, LD);
              for (int64_t k = 0; k < Kg; ++k) {
                float* d = dyp + k * LD + (n - n0) * P16;
                std::memcpy(d, dy + (n * g.K + gi * Kg + k) * P, static_cast<size_t>(P) * sizeof(float));
                for (int64_t q = P; q < P16; ++q) d[q] = 0.0f;
              }
            }
            B = MatView<const float>{dyp, 1, LD};
            wq = (n1 - n0) * P16;
          }
          if (small)  // lane-wise sums: a GEMM with M = CKK, N = Kg this small wastes tiles
            EMBER_ISA_CALL(conv_wgrad_tile_f32, B.p, B.cs, Kg, col, LD, CKK, wq,
                           acc + gi * Kg * CKK, 1, Kg, it != i0);
          else
            gemm1(CKK, Kg, wq, MatView<const float>{col, LD, 1}, B,
                         it == i0 ? 0.0f : 1.0f, MatView<float>{acc + gi * Kg * CKK, Kg, 1});
        }
    }
  });
  if (failed) return false;
  conv_util::sum_transposed_partials(part.data(), g.G, Kg, CKK, nchunk, dw);
  return true;
}

}  // namespace ember::cpu
