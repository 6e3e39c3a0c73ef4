// Convolution kernels (see conv.h). float32 with C_in / G * kh * kw <= 640 runs the direct
// channel-major path (conv_forward_direct / conv_backward_weight_direct: im2col panels of
// a zero-padded input, several small images per panel); longer filters with many output
// channels the position-major implicit GEMM (conv_forward_pos_major); stride-1
// backward-data runs either as a forward with the flipped weight. Work is cut into items
// that each own whole output elements (forward: (n, group, tile of positions);
// backward-data: (n, group, channel block)); backward-weight sums per-chunk partials in
// chunk order, with chunk sizes fixed by the problem size. So results are bitwise identical
// for any thread count.
#include "ember/cpu/conv.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "ember/core/error.h"
#include "ember/core/parallel.h"
#include "ember/cpu/gemm.h"
#include "ember/cpu/gemm_kernels.h"
#include "ember/cpu/isa.h"

namespace ember::cpu {

EMBER_ISA_DECLARE(void, depthwise_conv_plane_f32,
                  (const float* x, int64_t H, int64_t W, const float* w, int64_t KH, int64_t KW,
                   float bias, float* out, int64_t OH, int64_t OW, int64_t sh, int64_t sw,
                   int64_t ph, int64_t pw, int64_t dh, int64_t dw))

EMBER_ISA_DECLARE(void, depthwise_conv_plane_bwd_input_f32,
                  (const float* dy, int64_t OH, int64_t OW, const float* w, int64_t KH,
                   int64_t KW, float* dx, int64_t H, int64_t W, int64_t sh, int64_t sw,
                   int64_t ph, int64_t pw, int64_t dh, int64_t dw))
EMBER_ISA_DECLARE(void, depthwise_conv_plane_bwd_weight_f32,
                  (const float* x, int64_t H, int64_t W, const float* dy, int64_t OH,
                   int64_t OW, int64_t KH, int64_t KW, int64_t sh, int64_t sw, int64_t ph,
                   int64_t pw, int64_t dh, int64_t dw, float* acc, float* out))

EMBER_ISA_DECLARE(void, conv_pack_a_f32,
                  (const float* x, int64_t H, int64_t W, int64_t KH, int64_t KW, int64_t sh,
                   int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw, int64_t OW,
                   int64_t p0, int64_t np, int64_t k0, int64_t kc, int64_t mr, float* dst))
EMBER_ISA_DECLARE(void, conv_direct_tile_f32,
                  (const float* w, int64_t ldw, int64_t kn, const float* col,
                   const int64_t* roff, int64_t nq, int64_t ckk, const float* bias, float* dst,
                   int64_t ldd))
EMBER_ISA_DECLARE(void, conv_im2col_rows_f32,
                  (const float* xp, int64_t Hp, int64_t Wp, int64_t nc, int64_t KH, int64_t KW,
                   int64_t sh, int64_t sw, int64_t dh, int64_t dw, int64_t OW, int64_t p0,
                   int64_t np, float* col, int64_t ld))
EMBER_ISA_DECLARE(void, conv_wgrad_tile_f32,
                  (const float* dy, int64_t ldy, int64_t kn, const float* col, int64_t ldc,
                   int64_t ckk, int64_t nq, float* acc, int64_t sk, int64_t sr, bool add))
EMBER_ISA_DECLARE(void, conv_store_tile_f32,
                  (const float* c, int64_t ldc, int64_t np, int64_t kn, const float* bias,
                   float* out, int64_t P))

namespace {

// Scratch panel size target (elements): the packed im2col tile stays in L2.
constexpr int64_t kPanelElems = 64 * 1024;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Multiply-adds per parallel chunk below which waking threads costs more than it gives.
constexpr int64_t kMinChunkWork = int64_t{1} << 20;
int64_t grain_for(int64_t item_work) {
  return std::max<int64_t>(1, kMinChunkWork / std::max<int64_t>(item_work, 1));
}

// Positions per tile for a panel of `rows` rows: a multiple of 16, at least 16.
int64_t tile_for(int64_t rows, int64_t P) {
  int64_t t = kPanelElems / std::max<int64_t>(rows, 1);
  t = std::max<int64_t>(16, t / 16 * 16);
  return std::min(t, P);
}

template <class T>
T* scratch(size_t n, std::atomic<bool>& failed) {
  thread_local std::vector<T> buf;
  try {
    if (buf.size() < n) buf.resize(n);
  } catch (...) {
    failed = true;
    return nullptr;
  }
  return buf.data();
}

template <class T>
void gemm1(int64_t M, int64_t N, int64_t K, MatView<const T> A, MatView<const T> B, T beta,
           MatView<T> C) {
  const int64_t z = 0;
  gemm_batched<T>(1, &z, &z, &z, M, N, K, T(1), A, B, beta, C);
}

// The ow range [lo, hi) within [ow0, ow1) whose input column ow * sw + off lies in [0, W).
inline void valid_cols(int64_t off, int64_t sw, int64_t W, int64_t ow0, int64_t ow1,
                       int64_t& lo, int64_t& hi) {
  lo = off >= 0 ? 0 : ceil_div(-off, sw);
  hi = W - 1 - off >= 0 ? (W - 1 - off) / sw + 1 : 0;
  lo = std::max(lo, ow0);
  hi = std::min(hi, ow1);
  if (hi < lo) hi = lo;
}

// col[r][p - p0] = x[c][oh * sh - ph + i * dh][ow * sw - pw + j * dw] (0 outside), for rows
// r = (c, i, j) of `nc` channels of x and positions p in [p0, p1); rows ld apart (default
// p1 - p0).
template <class T>
void im2col_tile(const ConvGeom& g, const T* x, int64_t nc, int64_t p0, int64_t p1, T* col,
                 int64_t ld = 0) {
  const int64_t np = ld > 0 ? ld : p1 - p0, HW = g.H * g.W;
  int64_t r = 0;
  for (int64_t c = 0; c < nc; ++c)
    for (int64_t i = 0; i < g.KH; ++i)
      for (int64_t j = 0; j < g.KW; ++j, ++r) {
        T* dst = col + r * np;
        const int64_t off = j * g.dw - g.pw;
        for (int64_t p = p0; p < p1;) {
          const int64_t oh = p / g.OW, ow0 = p % g.OW;
          const int64_t ow1 = std::min(g.OW, ow0 + (p1 - p));
          T* d = dst + (p - p0) - ow0;
          const int64_t ih = oh * g.sh - g.ph + i * g.dh;
          if (ih < 0 || ih >= g.H) {
            for (int64_t ow = ow0; ow < ow1; ++ow) d[ow] = T(0);
          } else {
            const T* src = x + c * HW + ih * g.W + off;
            int64_t lo, hi;
            valid_cols(off, g.sw, g.W, ow0, ow1, lo, hi);
            for (int64_t ow = ow0; ow < lo; ++ow) d[ow] = T(0);
            if (g.sw == 1)
              for (int64_t ow = lo; ow < hi; ++ow) d[ow] = src[ow];
            else
              for (int64_t ow = lo; ow < hi; ++ow) d[ow] = src[ow * g.sw];
            for (int64_t ow = hi; ow < ow1; ++ow) d[ow] = T(0);
          }
          p += ow1 - ow0;
        }
      }
}

// The reverse of im2col_tile: dx[c][ih][iw] += col[r][p - p0].
template <class T>
void col2im_tile(const ConvGeom& g, const T* col, int64_t nc, int64_t p0, int64_t p1, T* dx) {
  const int64_t np = p1 - p0, HW = g.H * g.W;
  int64_t r = 0;
  for (int64_t c = 0; c < nc; ++c)
    for (int64_t i = 0; i < g.KH; ++i)
      for (int64_t j = 0; j < g.KW; ++j, ++r) {
        const T* srcrow = col + r * np;
        const int64_t off = j * g.dw - g.pw;
        for (int64_t p = p0; p < p1;) {
          const int64_t oh = p / g.OW, ow0 = p % g.OW;
          const int64_t ow1 = std::min(g.OW, ow0 + (p1 - p));
          const int64_t ih = oh * g.sh - g.ph + i * g.dh;
          if (ih >= 0 && ih < g.H) {
            const T* s = srcrow + (p - p0) - ow0;
            T* d = dx + c * HW + ih * g.W + off;
            int64_t lo, hi;
            valid_cols(off, g.sw, g.W, ow0, ow1, lo, hi);
            if (g.sw == 1)
              for (int64_t ow = lo; ow < hi; ++ow) d[ow] += s[ow];
            else
              for (int64_t ow = lo; ow < hi; ++ow) d[ow * g.sw] += s[ow];
          }
          p += ow1 - ow0;
        }
      }
}

bool is_pointwise(const ConvGeom& g) {
  return g.KH == 1 && g.KW == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0 &&
         g.OH == g.H && g.OW == g.W;
}

template <class T>
void add_bias(const ConvGeom& g, const T* bias, T* out) {
  const int64_t P = g.OH * g.OW;
  parallel_for(g.N * g.K, std::max<int64_t>(1, 262144 / std::max<int64_t>(P, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t t = b; t < e; ++t) {
                   T* o = out + t * P;
                   const T v = bias[t % g.K];
                   for (int64_t p = 0; p < P; ++p) o[p] += v;
                 }
               });
}

void oom(const char* what) {
  EMBER_THROW(MemoryError, "[", what, "] out of memory for the convolution scratch buffer");
}


int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// float32 forward as out^T = im2col(x)^T W^T per (image, group, block of positions): the
// positions are the GEMM's M (so the micro-kernel's 12-row tiles waste nothing but the
// block's last tile) and the output channels its N (whole 32-wide panels when Kg % 32 ==
// 0). W^T is packed once for the whole call; the im2col block is packed straight from the
// image tile; partial sums over K slices accumulate in an L2-resident scratch C, and the
// epilogue adds the bias while transposing into NCHW. Each output element is owned by one
// item whose blocking depends on the sizes alone, so any thread count gives the same bits.
// Returns false when scratch memory runs out (nothing useful was written then).
// Position-major forward when its N-edge waste (Kg against 32-wide panels) is no worse than
// the channel-major GEMM's M-edge waste (Kg against 12-row tiles).
bool use_pos_major(const ConvGeom& g) {
  int64_t MR = 0, NR = 0;
  EMBER_ISA_CALL(gemm_kernel_shape, &MR, &NR);
  const int64_t Kg = g.K / g.G;
  // Strided columns need gathers to pack, slower than the channel-major im2col path.
  if (g.sw != 1) return false;
  return round_up(Kg, MR) >= round_up(Kg, NR) || 4 * Kg >= 3 * round_up(Kg, NR);
}

bool conv_forward_pos_major(const ConvGeom& g, const float* x, const float* w,
                            const float* bias, float* out) {
  int64_t MR = 0, NR = 0;
  EMBER_ISA_CALL(gemm_kernel_shape, &MR, &NR);
  const int64_t Cg = g.C / g.G, Kg = g.K / g.G, KK = g.KH * g.KW, CKK = Cg * KK;
  const int64_t HW = g.H * g.W, P = g.OH * g.OW, NRup = round_up(Kg, NR);
  const int64_t KC = 256;                                  // K slice (matches gemm.cpp)
  const int64_t PB = std::min(round_up(P, MR), 12 * MR);  // positions per item
  const int64_t nb = ceil_div(P, PB);
  const size_t wn = static_cast<size_t>(g.G * CKK * NRup);
  float* wp = static_cast<float*>(std::aligned_alloc(64, (wn * sizeof(float) + 63) / 64 * 64));
  if (!wp) return false;
  for (int64_t gi = 0; gi < g.G; ++gi)
    for (int64_t pc = 0; pc < CKK; pc += KC)
      EMBER_ISA_CALL(gemm_pack_b, std::min(KC, CKK - pc), Kg, w + gi * Kg * CKK + pc, 1, CKK,
                     wp + gi * CKK * NRup + pc * NRup);
  std::atomic<bool> failed{false};
  const size_t ap_n = static_cast<size_t>(PB * KC);
  parallel_for(g.N * g.G * nb, grain_for(Kg * CKK * PB), [&](int64_t b, int64_t e) {
    float* ap = scratch<float>(ap_n + static_cast<size_t>(PB * NRup), failed);
    if (!ap) return;
    float* cb = ap + ap_n;
    for (int64_t t = b; t < e; ++t) {
      const int64_t bi = t % nb, gi = (t / nb) % g.G, n = t / (nb * g.G);
      const int64_t p0 = bi * PB, p1 = std::min(P, p0 + PB), np = p1 - p0;
      const int64_t mp = round_up(np, MR);
      const float* xg = x + (n * g.C + gi * Cg) * HW;
      const float* wg = wp + gi * CKK * NRup;
      for (int64_t pc = 0; pc < CKK; pc += KC) {
        const int64_t kc = std::min(KC, CKK - pc);
        EMBER_ISA_CALL(conv_pack_a_f32, xg, g.H, g.W, g.KH, g.KW, g.sh, g.sw, g.ph, g.pw, g.dh,
                       g.dw, g.OW, p0, np, pc, kc, MR, ap);
        EMBER_ISA_CALL(gemm_macro, mp, NRup, kc, ap, wg + pc * NRup, cb, NRup, 1, 1.0f,
                       pc == 0 ? 0.0f : 1.0f);
      }
      EMBER_ISA_CALL(conv_store_tile_f32, cb, NRup, np, Kg, bias ? bias + gi * Kg : nullptr,
                     out + (n * g.K + gi * Kg) * P + p0, P);
    }
  });
  std::free(wp);
  return !failed;
}

// Scratch for the padded input, owned by the calling thread: kept between calls up to
// 16 MiB (a fresh buffer of that size costs more in page faults than the padding itself),
// larger ones are freed on return. Never read before written.
struct PadBuffer {
  std::unique_ptr<float[]> big;
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
    big.reset(new (std::nothrow) float[n]);
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
  parallel_for(g.N * g.C, std::max<int64_t>(1, 65536 / (hp * wp)), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      float* d = xpad + t * hp * wp;
      const float* s0 = x + t * HW;
      for (int64_t h = 0; h < hp; ++h) {
        float* dr = d + h * wp;
        const int64_t ih = h - g.ph;
        if (ih < 0 || ih >= g.H) {
          for (int64_t v = 0; v < wp; ++v) dr[v] = 0.0f;
          continue;
        }
        const float* sr = s0 + ih * g.W;
        for (int64_t v = 0; v < wp; ++v) {
          const int64_t iw = v - g.pw;
          dr[v] = iw >= 0 && iw < g.W ? sr[iw] : 0.0f;
        }
      }
    }
  });
  return xpad;
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

// The direct path for small filter volumes (CKK = C_in / G * kh * kw): a GEMM with K =
// CKK of tens spends its time packing and on edge tiles, so here one im2col panel (CKK x
// a tile of positions, the positions possibly spanning several images) is built per item
// and multiplied by the weight rows as they are, the positions being the vector lanes; the
// result lands in NCHW rows directly with the bias fused. Items own whole output elements
// and the tile size depends on the sizes alone: deterministic for any thread count.
bool use_direct(const ConvGeom& g) {
  // Measured on Zen 4 against the position-major GEMM: as fast or faster up to C_in * 9 =
  // 576 (3x3, 64 channels) on 4x4 to 56x56 maps; longer filters go to the blocked GEMM.
  return !is_pointwise(g) && g.C / g.G * g.KH * g.KW <= 640;
}

bool conv_forward_direct(const ConvGeom& g, const float* x, const float* w, const float* bias,
                         float* out) {
  const int64_t Cg = g.C / g.G, Kg = g.K / g.G, KK = g.KH * g.KW, CKK = Cg * KK;
  const int64_t P = g.OH * g.OW;
  // Panel of CKK x TQ floats within ~128 KiB (L2).
  const Panels pn = panels(g, std::max<int64_t>(32, 32768 / CKK / 32 * 32));
  const int64_t TQ = pn.TQ, P16 = pn.P16, ipt = pn.ipt, tpi = pn.tpi, width = pn.width;
  const int64_t LD = pn.LD;
  int64_t nb = pn.nb;
  // Padded rows: with unit strides, tap (c, i, j) of the positions oh * Wp + ow of the
  // padded grid is the contiguous run of the padded plane starting at c * Hp * Wp + i * dh
  // * Wp + j * dw, so the kernel reads the padded input in place (no im2col) and computes
  // Wp - OW junk columns per row, dropped on the way out. Used for wide maps (junk <= 1/16;
  // at 16x16 with 1/9 junk the im2col panel was still faster).
  const int64_t Wp0 = std::max(g.W + g.pw, (g.OW - 1) + (g.KW - 1) * g.dw + 1);
  const bool rowwise = g.sh == 1 && g.sw == 1 && ipt == 1 && 16 * (Wp0 - g.OW) <= Wp0;
  int64_t Hp = 0, Wp = 0;
  PadBuffer xpad;
  const float* xp = pad_input(g, x, xpad, Hp, Wp, rowwise ? g.KW * g.dw + 64 : 0);
  if (!xp) return false;
  const int64_t HWp = Hp * Wp, PW = g.OH * Wp;  // PW: padded-grid positions per image
  const int64_t tpw = ceil_div(PW, TQ);            // their tiles per image
  if (rowwise) nb = g.N * tpw;
  std::vector<int64_t> roff(static_cast<size_t>(CKK));
  for (int64_t c = 0, r = 0; c < Cg; ++c)
    for (int64_t i = 0; i < g.KH; ++i)
      for (int64_t j = 0; j < g.KW; ++j, ++r)
        roff[r] = rowwise ? c * HWp + i * g.dh * Wp + j * g.dw : r * LD;
  // The weight, per group in blocks of 8 output channels, tap-major (see the kernel).
  const int64_t KB = ceil_div(Kg, 8), WB = 8 * CKK;
  std::vector<float> wpk;
  try {
    wpk.assign(static_cast<size_t>(g.G * KB * WB), 0.0f);
  } catch (...) {
    return false;
  }
  for (int64_t gi = 0; gi < g.G; ++gi)
    for (int64_t k = 0; k < Kg; ++k)
      for (int64_t t = 0; t < CKK; ++t)
        wpk[static_cast<size_t>((gi * KB + k / 8) * WB + t * 8 + k % 8)] =
            w[(gi * Kg + k) * CKK + t];
  std::atomic<bool> failed{false};
  parallel_for(g.G * nb, grain_for(Kg * CKK * width), [&](int64_t b, int64_t e) {
    float* col = scratch<float>(static_cast<size_t>((CKK + Kg) * LD), failed);
    if (!col) return;
    float* cbuf = col + CKK * LD;
    for (int64_t t = b; t < e; ++t) {
      const int64_t gi = t / nb, it = t % nb;
      const float* wg = wpk.data() + gi * KB * WB;
      const float* bg = bias ? bias + gi * Kg : nullptr;
      if (rowwise) {
        const int64_t n = it / tpw, q0 = (it % tpw) * TQ, nq = std::min(PW, q0 + TQ) - q0;
        EMBER_ISA_CALL(conv_direct_tile_f32, wg, WB, Kg, xp + (n * g.C + gi * Cg) * HWp + q0,
                       roff.data(), nq, CKK, bg, cbuf, LD);
        for (int64_t q = q0; q < q0 + nq;) {  // the valid columns of each padded row
          const int64_t oh = q / Wp, ow = q % Wp, e = std::min(q0 + nq, (oh + 1) * Wp);
          const int64_t n_ok = std::min(e - q, std::max<int64_t>(0, g.OW - ow));
          for (int64_t k = 0; k < Kg && n_ok > 0; ++k)
            std::memcpy(out + (n * g.K + gi * Kg + k) * P + oh * g.OW + ow,
                        cbuf + k * LD + (q - q0), static_cast<size_t>(n_ok) * sizeof(float));
          q = e;
        }
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
  const int64_t TQ = pn.TQ, P16 = pn.P16, ipt = pn.ipt, tpi = pn.tpi, width = pn.width;
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
    float* col = scratch<float>(static_cast<size_t>((CKK + Kg) * LD), failed);
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
            gemm1<float>(CKK, Kg, wq, MatView<const float>{col, LD, 1}, B,
                         it == i0 ? 0.0f : 1.0f, MatView<float>{acc + gi * Kg * CKK, Kg, 1});
        }
    }
  });
  if (failed) return false;
  // dw[gi][k][r] = sum over chunks, in chunk order, of part[c][gi][r][k].
  parallel_for(g.G * Kg, std::max<int64_t>(1, 65536 / CKK), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t gi = t / Kg, k = t % Kg;
      float* d = dw + t * CKK;
      const float* s0 = part.data() + gi * Kg * CKK + k;
      for (int64_t r = 0; r < CKK; ++r) d[r] = s0[r * Kg];
      for (int64_t c = 1; c < nchunk; ++c) {
        const float* s = s0 + c * WN;
        for (int64_t r = 0; r < CKK; ++r) d[r] += s[r * Kg];
      }
    }
  });
  return true;
}

}  // namespace

template <class T>
void conv2d_forward(const ConvGeom& g, const T* x, const T* w, const T* bias, T* out) {
  const int64_t Cg = g.C / g.G, Kg = g.K / g.G, KK = g.KH * g.KW, CKK = Cg * KK;
  const int64_t HW = g.H * g.W, P = g.OH * g.OW;
  if (g.N == 0 || P == 0 || g.K == 0) return;
  if constexpr (std::is_same_v<T, float>) {
    if (Cg == 1 && Kg == 1) {  // depthwise: direct SIMD loops per (n, c) plane
      parallel_for(g.N * g.C, std::max<int64_t>(1, (kMinChunkWork / 8) / std::max<int64_t>(P * KK, 1)),
                   [&](int64_t b, int64_t e) {
                     for (int64_t t = b; t < e; ++t)
                       EMBER_ISA_CALL(depthwise_conv_plane_f32, x + t * HW, g.H, g.W,
                                      w + (t % g.C) * KK, g.KH, g.KW,
                                      bias ? bias[t % g.C] : 0.0f, out + t * P, g.OH, g.OW,
                                      g.sh, g.sw, g.ph, g.pw, g.dh, g.dw);
                   });
      return;
    }
    if (use_direct(g)) {
      if (!conv_forward_direct(g, x, w, bias, out)) oom("conv2d");
      return;
    }
    if (!is_pointwise(g) && use_pos_major(g)) {
      if (!conv_forward_pos_major(g, x, w, bias, out)) oom("conv2d");
      return;
    }
  }
  if (is_pointwise(g)) {  // 1x1: one GEMM per (n, group), no im2col
    std::vector<int64_t> ao(g.N * g.G), bo(g.N * g.G), co(g.N * g.G);
    for (int64_t n = 0; n < g.N; ++n)
      for (int64_t gi = 0; gi < g.G; ++gi) {
        ao[n * g.G + gi] = gi * Kg * Cg;
        bo[n * g.G + gi] = (n * g.C + gi * Cg) * HW;
        co[n * g.G + gi] = (n * g.K + gi * Kg) * P;
      }
    gemm_batched<T>(g.N * g.G, ao.data(), bo.data(), co.data(), Kg, P, Cg, T(1),
                    MatView<const T>{w, Cg, 1}, MatView<const T>{x, HW, 1}, T(0),
                    MatView<T>{out, P, 1});
  } else {
    const int64_t tile = tile_for(CKK, P), nt = ceil_div(P, tile);
    std::atomic<bool> failed{false};
    parallel_for(g.N * g.G * nt, grain_for(Kg * CKK * tile), [&](int64_t b, int64_t e) {
      T* col = scratch<T>(static_cast<size_t>(CKK * tile), failed);
      if (!col) return;
      for (int64_t t = b; t < e; ++t) {
        const int64_t ti = t % nt, gi = (t / nt) % g.G, n = t / (nt * g.G);
        const int64_t p0 = ti * tile, p1 = std::min(P, p0 + tile), np = p1 - p0;
        im2col_tile<T>(g, x + (n * g.C + gi * Cg) * HW, Cg, p0, p1, col);
        gemm1<T>(Kg, np, CKK, MatView<const T>{w + gi * Kg * CKK, CKK, 1},
                 MatView<const T>{col, np, 1}, T(0),
                 MatView<T>{out + (n * g.K + gi * Kg) * P + p0, P, 1});
      }
    });
    if (failed) oom("conv2d");
  }
  if (bias) add_bias(g, bias, out);
}

template <class T>
void conv2d_backward_input(const ConvGeom& g, const T* dy, const T* w, T* dx) {
  const int64_t Cg = g.C / g.G, Kg = g.K / g.G, KK = g.KH * g.KW, CKK = Cg * KK;
  const int64_t HW = g.H * g.W, P = g.OH * g.OW;
  if (g.N == 0 || g.C == 0 || HW == 0) return;
  if constexpr (std::is_same_v<T, float>) {
    if (Cg == 1 && Kg == 1 && g.sh == 1 && g.sw == 1) {
      // depthwise, stride 1: dx is the forward conv of dy with the flipped filter (padding
      // the dilated extent minus ph, pw; negative is fine), a gather with register
      // accumulation instead of a scatter into dx.
      std::vector<float> wf(static_cast<size_t>(g.C * KK));
      for (int64_t c = 0; c < g.C; ++c)
        for (int64_t r = 0; r < KK; ++r) wf[c * KK + r] = w[c * KK + KK - 1 - r];
      const int64_t fph = g.dh * (g.KH - 1) - g.ph, fpw = g.dw * (g.KW - 1) - g.pw;
      parallel_for(g.N * g.C, std::max<int64_t>(1, (kMinChunkWork / 8) / std::max<int64_t>(HW * KK, 1)),
                   [&](int64_t b, int64_t e) {
                     for (int64_t t = b; t < e; ++t)
                       EMBER_ISA_CALL(depthwise_conv_plane_f32, dy + t * P, g.OH, g.OW,
                                      wf.data() + (t % g.C) * KK, g.KH, g.KW, 0.0f, dx + t * HW,
                                      g.H, g.W, 1, 1, fph, fpw, g.dh, g.dw);
                   });
      return;
    }
    if (Cg == 1 && Kg == 1) {  // depthwise: direct loops per (n, c) plane
      parallel_for(g.N * g.C, std::max<int64_t>(1, (kMinChunkWork / 8) / std::max<int64_t>(P * KK, 1)),
                   [&](int64_t b, int64_t e) {
                     for (int64_t t = b; t < e; ++t)
                       EMBER_ISA_CALL(depthwise_conv_plane_bwd_input_f32, dy + t * P, g.OH, g.OW,
                                      w + (t % g.C) * KK, g.KH, g.KW, dx + t * HW, g.H, g.W,
                                      g.sh, g.sw, g.ph, g.pw, g.dh, g.dw);
                   });
      return;
    }
    // Stride 1: the input gradient is itself a convolution of dy (padded by the dilated
    // kernel extent minus the padding) with the flipped, channel-transposed weight, so it
    // runs on the implicit-GEMM forward with no col2im scatter.
    const ConvGeom t{g.N, g.K, g.OH, g.OW, g.C, g.KH, g.KW, g.H, g.W, 1, 1,
                     g.dh * (g.KH - 1) - g.ph, g.dw * (g.KW - 1) - g.pw, g.dh, g.dw, g.G};
    if (!is_pointwise(g) && g.sh == 1 && g.sw == 1 && t.ph >= 0 && t.pw >= 0 && g.K > 0 &&
        P > 0 && (use_direct(t) || use_pos_major(t))) {
      std::vector<float> wt(static_cast<size_t>(g.C * Kg * KK));
      for (int64_t gi = 0; gi < g.G; ++gi)
        for (int64_t c = 0; c < Cg; ++c)
          for (int64_t k = 0; k < Kg; ++k) {
            const float* src = w + ((gi * Kg + k) * Cg + c) * KK;
            float* dst = wt.data() + ((gi * Cg + c) * Kg + k) * KK;
            for (int64_t r = 0; r < KK; ++r) dst[r] = src[KK - 1 - r];
          }
      const bool ok = use_direct(t) ? conv_forward_direct(t, dy, wt.data(), nullptr, dx)
                                    : conv_forward_pos_major(t, dy, wt.data(), nullptr, dx);
      if (!ok) oom("conv2d_backward");
      return;
    }
  }
  if (is_pointwise(g)) {
    std::vector<int64_t> ao(g.N * g.G), bo(g.N * g.G), co(g.N * g.G);
    for (int64_t n = 0; n < g.N; ++n)
      for (int64_t gi = 0; gi < g.G; ++gi) {
        ao[n * g.G + gi] = gi * Kg * Cg;
        bo[n * g.G + gi] = (n * g.K + gi * Kg) * P;
        co[n * g.G + gi] = (n * g.C + gi * Cg) * HW;
      }
    gemm_batched<T>(g.N * g.G, ao.data(), bo.data(), co.data(), Cg, HW, Kg, T(1),
                    MatView<const T>{w, 1, Cg}, MatView<const T>{dy, P, 1}, T(0),
                    MatView<T>{dx, HW, 1});
    return;
  }
  // Items own whole channel blocks of dx, so the col2im scatter never races.
  const int64_t ng = g.N * g.G;
  const int64_t ncb0 = std::max<int64_t>(
      1, std::min<int64_t>({Cg, ceil_div(8, ng), Cg * KK / 96}));
  const int64_t cb = ceil_div(Cg, ncb0), ncb = ceil_div(Cg, cb);
  const int64_t tile = tile_for(cb * KK, P), nt = ceil_div(P, tile);
  std::atomic<bool> failed{false};
  parallel_for(ng * ncb, grain_for(cb * KK * Kg * P), [&](int64_t b, int64_t e) {
    T* col = scratch<T>(static_cast<size_t>(cb * KK * tile), failed);
    if (!col) return;
    for (int64_t t = b; t < e; ++t) {
      const int64_t ci = t % ncb, gi = (t / ncb) % g.G, n = t / (ncb * g.G);
      const int64_t c0 = ci * cb, nc = std::min(Cg, c0 + cb) - c0;
      T* dxb = dx + (n * g.C + gi * Cg + c0) * HW;
      std::fill(dxb, dxb + nc * HW, T(0));
      if (g.K == 0 || P == 0) continue;
      for (int64_t ti = 0; ti < nt; ++ti) {
        const int64_t p0 = ti * tile, p1 = std::min(P, p0 + tile), np = p1 - p0;
        gemm1<T>(nc * KK, np, Kg, MatView<const T>{w + gi * Kg * CKK + c0 * KK, 1, CKK},
                 MatView<const T>{dy + (n * g.K + gi * Kg) * P + p0, P, 1}, T(0),
                 MatView<T>{col, np, 1});
        col2im_tile<T>(g, col, nc, p0, p1, dxb);
      }
    }
  });
  if (failed) oom("conv2d_backward");
}

template <class T>
void conv2d_backward_weight(const ConvGeom& g, const T* x, const T* dy, T* dw) {
  const int64_t Cg = g.C / g.G, Kg = g.K / g.G, KK = g.KH * g.KW, CKK = Cg * KK;
  const int64_t HW = g.H * g.W, P = g.OH * g.OW, WN = g.K * CKK;
  if (WN == 0) return;
  if (g.N == 0 || P == 0) {
    std::fill(dw, dw + WN, T(0));
    return;
  }
  if constexpr (std::is_same_v<T, float>) {
    if (Cg == 1 && Kg == 1) {  // depthwise: per-plane sums, then over the batch in order
      std::vector<float> part(static_cast<size_t>(g.N * g.C * KK));
      std::atomic<bool> failed{false};
      parallel_for(g.N * g.C, std::max<int64_t>(1, (kMinChunkWork / 8) / std::max<int64_t>(P * KK, 1)),
                   [&](int64_t b, int64_t e) {
                     float* acc = scratch<float>(static_cast<size_t>(g.OW), failed);
                     if (!acc) return;
                     for (int64_t t = b; t < e; ++t)
                       EMBER_ISA_CALL(depthwise_conv_plane_bwd_weight_f32, x + t * HW, g.H, g.W,
                                      dy + t * P, g.OH, g.OW, g.KH, g.KW, g.sh, g.sw, g.ph, g.pw,
                                      g.dh, g.dw, acc, part.data() + t * KK);
                   });
      if (failed) oom("conv2d_backward");
      for (int64_t i = 0; i < WN; ++i) dw[i] = part[i];
      for (int64_t n = 1; n < g.N; ++n)
        for (int64_t i = 0; i < WN; ++i) dw[i] += part[n * WN + i];
      return;
    }
  }
  if constexpr (std::is_same_v<T, float>) {
    if (use_direct(g)) {
      if (!conv_backward_weight_direct(g, x, dy, dw)) oom("conv2d_backward");
      return;
    }
  }
  const bool pw1 = is_pointwise(g);
  // longer tiles than the forward: each GEMM call re-reads and re-writes all of dw
  const int64_t tile = pw1 ? P : std::min(P, 4 * tile_for(CKK, P)), nt = ceil_div(P, tile);
  const int64_t items = g.N * nt;
  // Chunk count fixed by the sizes (never the thread count); partials bounded to ~64 MiB.
  const int64_t cap = std::max<int64_t>(1, (int64_t{1} << 24) / WN);
  const int64_t by_work = std::max<int64_t>(1, Kg * g.G * CKK * tile * items / kMinChunkWork);
  const int64_t per = ceil_div(items, std::min<int64_t>({items, 16, cap, by_work}));
  const int64_t nchunk = ceil_div(items, per);
  // Every chunk accumulates dw^T (per group CKK x Kg, row-major) so that the GEMM writes
  // whole micro-tiles in place; the combine below transposes back. Not for 1x1 kernels:
  // there Kg x CKK is large and the strided transposing combine costs more than it saves.
  const bool tr = !pw1;
  std::vector<T> part;
  part.resize(static_cast<size_t>(nchunk * WN));
  std::atomic<bool> failed{false};
  parallel_for(nchunk, 1, [&](int64_t b, int64_t e) {
    T* col = pw1 ? nullptr : scratch<T>(static_cast<size_t>(CKK * tile), failed);
    if (!pw1 && !col) return;
    for (int64_t c = b; c < e; ++c) {
      T* acc = part.data() + c * WN;
      const int64_t i0 = c * per, i1 = std::min(items, i0 + per);
      for (int64_t it = i0; it < i1; ++it) {
        const int64_t n = it / nt, ti = it % nt;
        const int64_t p0 = ti * tile, p1 = std::min(P, p0 + tile), np = p1 - p0;
        for (int64_t gi = 0; gi < g.G; ++gi) {
          const T* xg = x + (n * g.C + gi * Cg) * HW;
          // dw^T (CKK x Kg) += col (CKK x np) dy^T (np x Kg): the transposed (gathered)
          // operand is dy, Kg rows, rather than the CKK-row panel.
          MatView<const T> A{nullptr, 0, 0};
          if (pw1) {
            A = MatView<const T>{xg + p0, HW, 1};
          } else {
            im2col_tile<T>(g, xg, Cg, p0, p1, col);
            A = MatView<const T>{col, np, 1};
          }
          gemm1<T>(CKK, Kg, np, A, MatView<const T>{dy + (n * g.K + gi * Kg) * P + p0, 1, P},
                   it == i0 ? T(0) : T(1),
                   tr ? MatView<T>{acc + gi * Kg * CKK, Kg, 1} : MatView<T>{acc + gi * Kg * CKK, 1, CKK});
        }
      }
    }
  });
  if (failed) oom("conv2d_backward");
  // dw[gi][k][r] = sum over chunks, in chunk order, of part[c][gi][r][k].
  if (!tr) {
    parallel_for(WN, 262144, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) dw[i] = part[i];
      for (int64_t c = 1; c < nchunk; ++c) {
        const T* s = part.data() + c * WN;
        for (int64_t i = b; i < e; ++i) dw[i] += s[i];
      }
    });
    return;
  }
  parallel_for(g.G * Kg, std::max<int64_t>(1, 65536 / CKK), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t gi = t / Kg, k = t % Kg;
      T* d = dw + t * CKK;
      const T* s0 = part.data() + gi * Kg * CKK + k;
      for (int64_t r = 0; r < CKK; ++r) d[r] = s0[r * Kg];
      for (int64_t c = 1; c < nchunk; ++c) {
        const T* s = s0 + c * WN;
        for (int64_t r = 0; r < CKK; ++r) d[r] += s[r * Kg];
      }
    }
  });
}

template <class T>
void conv2d_reference(const ConvGeom& g, const T* x, const T* w, const T* bias, T* out) {
  const int64_t Cg = g.C / g.G, Kg = g.K / g.G;
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t k = 0; k < g.K; ++k) {
      const int64_t gi = k / Kg;
      for (int64_t oh = 0; oh < g.OH; ++oh)
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          T s = bias ? bias[k] : T(0);
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t i = 0; i < g.KH; ++i)
              for (int64_t j = 0; j < g.KW; ++j) {
                const int64_t ih = oh * g.sh - g.ph + i * g.dh, iw = ow * g.sw - g.pw + j * g.dw;
                if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
                s += x[((n * g.C + gi * Cg + c) * g.H + ih) * g.W + iw] *
                     w[((k * Cg + c) * g.KH + i) * g.KW + j];
              }
          out[((n * g.K + k) * g.OH + oh) * g.OW + ow] = s;
        }
    }
}

#define EMBER_CONV_INST(T)                                                                   \
  template void conv2d_forward<T>(const ConvGeom&, const T*, const T*, const T*, T*);        \
  template void conv2d_backward_input<T>(const ConvGeom&, const T*, const T*, T*);           \
  template void conv2d_backward_weight<T>(const ConvGeom&, const T*, const T*, T*);          \
  template void conv2d_reference<T>(const ConvGeom&, const T*, const T*, const T*, T*);
EMBER_CONV_INST(float)
EMBER_CONV_INST(double)

}  // namespace ember::cpu
