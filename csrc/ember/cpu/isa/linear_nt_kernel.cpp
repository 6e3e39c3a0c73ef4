// Small-M linear kernels, compiled per ISA: C (M x N) = A (M x K) W^T (W is N x K, rows
// contiguous along K) + bias [+ residual] [relu], computed as C^T = W A^T so that the weight
// is read in place as the broadcast operand and only the small A is packed (no per-call
// transposing copy of the weight). One source over simd.h for AVX-512 and AVX2; baseline
// reports it unavailable and the caller uses the blocked GEMM. Single-threaded;
// cpu/linear_nt.cpp packs and threads.
#include <cstdint>

#include "ember/cpu/isa/simd.h"
#include "ember/cpu/isa/transpose.h"

namespace ember::cpu::EMBER_ISA {

#if defined(__AVX512F__) || defined(__AVX2__)

static_assert(kTransposeW == kW, "transpose blocks are one vector wide");

// GCC 12 flags the intrinsics' own undefined pass-through operand (in _mm512_max_ps).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

namespace {

constexpr int64_t kRows = 6;    // rows of W (columns of C) per micro-tile
constexpr int64_t kPanel = 64;  // rows of A (of C) per packed panel
// Vectors of a panel one micro-tile covers: 6 x 4 accumulators of 16 lanes on AVX-512 (of
// 32 registers), 6 x 2 of 8 lanes on AVX2 (of 16); a panel takes kPanel / kW / kNV tiles.
constexpr int kNV = kW == 16 ? 4 : 2;

// tile[r * kPanel + i] = bias[r] + sum_k w[r * ldw + k] * ap[k * kPanel + i] for r < R and
// the first kW * NV values of i. Every element is one chain of FMAs over k in order, then one
// add of the bias: the same arithmetic whatever R, NV or the tiling, so results never depend
// on blocking or threads. Kept out of line so exactly one copy of that arithmetic exists.
template <int R, int NV>
__attribute__((noinline)) void nt_micro(int64_t K, const float* __restrict w, int64_t ldw,
                                        const float* __restrict ap, const float* bias,
                                        float* __restrict tile) {
  vf acc[R][NV];
  const float* wr[R];
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) {
    wr[r] = w + r * ldw;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = vzero();
  }
  for (int64_t k = 0; k < K; ++k) {
    vf b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) b[v] = vload(ap + kW * v);
    __builtin_prefetch(ap + 8 * kPanel, 0, 3);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const vf a = vset1(wr[r][k]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = vfma(a, b[v], acc[r][v]);
    }
    ap += kPanel;
  }
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) {
    const vf bv = vset1(bias ? bias[r] : 0.0f);
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v)
      vstore(tile + r * kPanel + kW * v, bias ? vadd(acc[r][v], bv) : acc[r][v]);
  }
}

using Micro = void (*)(int64_t, const float*, int64_t, const float*, const float*, float*);

template <int R>
constexpr Micro pick_nv(int nv) {
  if constexpr (kNV == 2) {
    return nv == 1 ? nt_micro<R, 1> : nt_micro<R, 2>;
  } else {
    return nv == 1 ? nt_micro<R, 1> : nv == 2 ? nt_micro<R, 2> : nv == 3 ? nt_micro<R, 3>
                                                                       : nt_micro<R, 4>;
  }
}

Micro pick(int rows, int nv) {
  switch (rows) {
    case 1: return pick_nv<1>(nv);
    case 2: return pick_nv<2>(nv);
    case 3: return pick_nv<3>(nv);
    case 4: return pick_nv<4>(nv);
    case 5: return pick_nv<5>(nv);
    default: return pick_nv<6>(nv);
  }
}

}  // namespace

bool linear_nt_available() { return true; }
void linear_nt_shape(int64_t* rows, int64_t* panel) {
  *rows = kRows;
  *panel = kPanel;
}

// Packs A (M x K, element (i, k) at A[i * rs + k * cs]) into ceil(M / 64) panels, each
// K x 64 (k-major, 64-byte aligned when dst is), rows past M zero.
void linear_nt_pack(int64_t M, int64_t K, const float* A, int64_t rs, int64_t cs, float* dst) {
  for (int64_t p = 0; p < M; p += kPanel) {
    float* d = dst + (p / kPanel) * K * kPanel;
    for (int64_t h = 0; h < kPanel; h += kW) {
      const int64_t rows = M - p - h >= kW ? kW : (M - p - h > 0 ? M - p - h : 0);
      const float* src = A + (p + h) * rs;
      int64_t k0 = 0;
      if (rows == kW && cs == 1)
        for (; k0 + kW <= K; k0 += kW) transpose_w(src + k0, rs, kW, d + k0 * kPanel + h, kPanel);
      for (int64_t k = k0; k < K; ++k) {
        float* o = d + k * kPanel + h;
        for (int64_t i = 0; i < rows; ++i) o[i] = src[i * rs + k * cs];
        for (int64_t i = rows; i < kW; ++i) o[i] = 0.0f;
      }
    }
  }
}

// Columns [n0, n1) of C (all M rows) from the packed A panels Ap (linear_nt_pack) and W rows
// n0..n1 (W + j * ldw): C[i, j] = (sum_k A[i, k] W[j, k] + bias[j]) [+ R[i, j]], then relu
// if asked. bias / R may be null. C must not overlap A, W or R. The transposed micro-tiles
// are staged kStage columns wide and written out in whole rows: stores of a few floats
// straight into C at a row stride of 4 KiB (N = 1024) would thrash one L1 set.
void linear_nt_block(int64_t n0, int64_t n1, int64_t M, int64_t K, const float* Ap,
                     const float* W, int64_t ldw, const float* bias, const float* R, int64_t r_rs,
                     int relu, float* C, int64_t c_rs) {
  constexpr int64_t kStage = 8 * kRows;  // 48 columns: 3 vectors of 16, 6 of 8
  alignas(64) float tile[kRows * kPanel];
  alignas(64) float stage[kPanel * kStage];
  for (int64_t s0 = n0; s0 < n1; s0 += kStage) {
    const int64_t s1 = n1 - s0 < kStage ? n1 : s0 + kStage, width = s1 - s0;
    for (int64_t p = 0; p < M; p += kPanel) {
      const int64_t m = M - p < kPanel ? M - p : kPanel;
      const int nv = static_cast<int>((m + kW - 1) / kW);
      const float* ap = Ap + (p / kPanel) * K * kPanel;
      for (int64_t j = s0; j < s1; j += kRows) {
        const int rows = static_cast<int>(s1 - j < kRows ? s1 - j : kRows);
        for (int v0 = 0; v0 < nv; v0 += kNV)
          pick(rows, nv - v0 < kNV ? nv - v0 : kNV)(K, W + j * ldw, ldw, ap + kW * v0,
                                                    bias ? bias + j : nullptr, tile + kW * v0);
        for (int v = 0; v < nv; ++v)  // rows past M land in unused stage rows
          transpose_w(tile + kW * v, kPanel, rows, stage + kW * v * kStage + (j - s0), kStage);
      }
      for (int64_t i = 0; i < m; ++i) {
        const float* src = stage + i * kStage;
        float* c = C + (p + i) * c_rs + s0;
        const float* r = R ? R + (p + i) * r_rs + s0 : nullptr;
        for (int64_t q = 0; q < width; q += kW) {
          const int n = static_cast<int>(width - q < kW ? width - q : kW);
          vf x = vload(src + q);
          if (r) x = vadd(x, vloadn(r + q, n));
          if (relu) x = vmax(vzero(), x);  // NaN stays NaN
          vstoren(c + q, x, n);
        }
      }
    }
  }
}

#pragma GCC diagnostic pop

#else  // baseline: the blocked GEMM serves every shape

bool linear_nt_available() { return false; }
void linear_nt_shape(int64_t* rows, int64_t* panel) {
  *rows = 6;
  *panel = 64;
}
void linear_nt_pack(int64_t, int64_t, const float*, int64_t, int64_t, float*) {}
void linear_nt_block(int64_t, int64_t, int64_t, int64_t, const float*, const float*, int64_t,
                     const float*, const float*, int64_t, int, float*, int64_t) {}

#endif

}  // namespace ember::cpu::EMBER_ISA
