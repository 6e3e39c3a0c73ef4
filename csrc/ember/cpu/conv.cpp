// Convolution kernels (see conv.h). float32 with C_in / G * kh * kw <= 640 runs the direct
// channel-major path on AVX-512 and AVX2 CPUs (conv_direct.{h,cpp}: im2col panels of a zero-padded
// input, several small images per panel), and so does the float32 1x1 forward; longer filters with many output channels the position-major
// implicit GEMM (conv_forward_pos_major); stride-1 backward-data runs either as a forward
// with the flipped weight. Depthwise stride-1 maps with OW == W run as flat vectors
// with per-tap lane masks (depthwise_flat), others per plane and row. Work is cut into items
// that each own whole output elements (forward: (n, group, tile of positions);
// backward-data: (n, group, channel block)); backward-weight sums per-chunk partials in
// chunk order, with chunk sizes fixed by the problem size. So results are bitwise identical
// for any thread count.
#include "ember/cpu/conv.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "ember/core/error.h"
#include "ember/core/parallel.h"
#include "ember/cpu/conv_direct.h"
#include "ember/cpu/conv_util.h"
#include "ember/cpu/gemm.h"
#include "ember/cpu/gemm_kernels.h"
#include "ember/cpu/isa.h"

namespace ember::cpu {

EMBER_ISA_DECLARE(void, depthwise_conv_plane_f32,
                  (const float* x, int64_t H, int64_t W, const float* w, int64_t KH, int64_t KW,
                   float bias, float* out, int64_t OH, int64_t OW, int64_t sh, int64_t sw,
                   int64_t ph, int64_t pw, int64_t dh, int64_t dw))

EMBER_ISA_DECLARE(void, depthwise_flat_f32,
                  (const float* x, const float* w, int64_t KK, const int64_t* toff,
                   const uint16_t* mk, float bias, float* out, int64_t P))
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
EMBER_ISA_DECLARE(void, conv_store_tile_f32,
                  (const float* c, int64_t ldc, int64_t np, int64_t kn, const float* bias,
                   float* out, int64_t P))

namespace {

// Scratch panel size target (elements): the packed im2col tile stays in L2.
constexpr int64_t kPanelElems = 64 * 1024;

using conv_util::ceil_div;
using conv_util::grain_for;
using conv_util::kMinChunkWork;
using conv_util::scratch;

// Positions per tile for a panel of `rows` rows: a multiple of 16, at least 16.
int64_t tile_for(int64_t rows, int64_t P) {
  int64_t t = kPanelElems / std::max<int64_t>(rows, 1);
  t = std::max<int64_t>(16, t / 16 * 16);
  return std::min(t, P);
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

}  // namespace

// Depthwise stride-1 planes whose output rows are as wide as the input's (OW == W, e.g.
// 3x3 pad 1) on depthwise_flat_f32: the per-tap lane masks depend on the plane geometry
// alone, so they are built once for all N * C planes. nplanes planes of H x W in x (filter
// t % C per plane, KH x KW each, in wt) give planes of OH x W in out. False when the mask
// table would be large, and on AVX2 (then the per-plane kernel runs): there masked loads
// cost more than plain ones, and the per-plane kernel, whose interior column chunks load
// plainly, ran 1.25x (28x28) to 2x (56x56) faster on Zen 2.
bool depthwise_flat(const float* x, int64_t H, int64_t W, int64_t OH, const float* wt,
                    int64_t C, int64_t KH, int64_t KW, int64_t ph, int64_t pw, int64_t dh,
                    int64_t dw, const float* bias, float* out, int64_t nplanes) {
  const int64_t KK = KH * KW, P = OH * W, nvec = ceil_div(P, 16);
  if (nvec * KK > 65536 || active_isa() == Isa::Avx2) return false;
  std::vector<int64_t> toff(static_cast<size_t>(KK));
  std::vector<uint16_t> mk(static_cast<size_t>(nvec * KK), 0);
  for (int64_t i = 0; i < KH; ++i)
    for (int64_t j = 0; j < KW; ++j) toff[i * KW + j] = (i * dh - ph) * W + j * dw - pw;
  for (int64_t p = 0; p < P; ++p) {
    const int64_t oh = p / W, ow = p % W;
    for (int64_t i = 0; i < KH; ++i)
      for (int64_t j = 0; j < KW; ++j) {
        const int64_t ih = oh + i * dh - ph, iw = ow + j * dw - pw;
        if (ih >= 0 && ih < H && iw >= 0 && iw < W)
          mk[(p / 16) * KK + i * KW + j] |= static_cast<uint16_t>(1u << (p % 16));
      }
  }
  parallel_for(nplanes, std::max<int64_t>(1, (kMinChunkWork / 8) / std::max<int64_t>(P * KK, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t t = b; t < e; ++t)
                   EMBER_ISA_CALL(depthwise_flat_f32, x + t * H * W, wt + (t % C) * KK, KK,
                                  toff.data(), mk.data(), bias ? bias[t % C] : 0.0f,
                                  out + t * P, P);
               });
  return true;
}

template <class T>
void conv2d_forward(const ConvGeom& g, const T* x, const T* w, const T* bias, T* out) {
  const int64_t Cg = g.C / g.G, Kg = g.K / g.G, KK = g.KH * g.KW, CKK = Cg * KK;
  const int64_t HW = g.H * g.W, P = g.OH * g.OW;
  if (g.N == 0 || P == 0 || g.K == 0) return;
  if constexpr (std::is_same_v<T, float>) {
    if (Cg == 1 && Kg == 1 && g.sh == 1 && g.sw == 1 && g.OW == g.W &&
        depthwise_flat(x, g.H, g.W, g.OH, w, g.C, g.KH, g.KW, g.ph, g.pw, g.dh, g.dw, bias,
                       out, g.N * g.C))
      return;
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
    if (is_pointwise(g) && pointwise_direct()) {
      if (!conv_forward_pointwise(g, x, w, bias, out)) oom("conv2d");
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
      if (g.W == g.OW && depthwise_flat(dy, g.OH, g.OW, g.H, wf.data(), g.C, g.KH, g.KW, fph,
                                        fpw, g.dh, g.dw, nullptr, dx, g.N * g.C))
        return;
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
    if (is_pointwise(g) && g.K > 0 && pointwise_direct()) {  // 1x1: a 1x1 forward of dy, w^T
      std::vector<float> wt(static_cast<size_t>(g.C * Kg));
      for (int64_t gi = 0; gi < g.G; ++gi)
        for (int64_t k = 0; k < Kg; ++k)
          for (int64_t c = 0; c < Cg; ++c)
            wt[(gi * Cg + c) * Kg + k] = w[(gi * Kg + k) * Cg + c];
      const ConvGeom t{g.N, g.K, g.H, g.W, g.C, 1, 1, g.H, g.W, 1, 1, 0, 0, 1, 1, g.G};
      if (!conv_forward_pointwise(t, dy, wt.data(), nullptr, dx)) oom("conv2d_backward");
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
    if (use_direct_wgrad(g)) {
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
  // Sum the chunk partials in chunk order (the same for any thread count).
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
  conv_util::sum_transposed_partials(part.data(), g.G, Kg, CKK, nchunk, dw);
}

template <class T>
void im2col(const ConvGeom& g, const T* x, T* col) {
  const int64_t P = g.OH * g.OW, HW = g.H * g.W, rows = g.KH * g.KW;
  parallel_for(g.N * g.C, grain_for(rows * P), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) im2col_tile<T>(g, x + t * HW, 1, 0, P, col + t * rows * P);
  });
}

template <class T>
void col2im(const ConvGeom& g, const T* col, T* out) {
  const int64_t P = g.OH * g.OW, HW = g.H * g.W, rows = g.KH * g.KW;
  parallel_for(g.N * g.C, grain_for(rows * P), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      std::fill(out + t * HW, out + (t + 1) * HW, T(0));
      col2im_tile<T>(g, col + t * rows * P, 1, 0, P, out + t * HW);
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
  template void conv2d_reference<T>(const ConvGeom&, const T*, const T*, const T*, T*);      \
  template void im2col<T>(const ConvGeom&, const T*, T*);                                    \
  template void col2im<T>(const ConvGeom&, const T*, T*);
EMBER_CONV_INST(float)
EMBER_CONV_INST(double)

}  // namespace ember::cpu
