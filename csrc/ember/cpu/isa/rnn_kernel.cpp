// float32 gate kernels of the fused RNN layer, compiled once per ISA (cpu/isa.h): the
// templates of rnn_gates.inc instantiated with vec_math.h's sigmoid and tanh. Single-threaded
// over a block of rows; cpu/rnn.cpp does the threading.
// As in elementwise_kernel.cpp: non-trapping comparisons let GCC if-convert vec_math's
// NaN-safe selects (else the loops stay scalar); no reassociation, results unchanged.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math", "no-math-errno")
#endif
#include <cstdint>

#include "ember/cpu/isa/vec_math.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace ember::cpu::EMBER_ISA {

namespace {
inline float act_sigmoid(float x) { return sigmoid_f32(x); }
inline float act_tanh(float x) { return tanh_f32(x); }
#include "ember/cpu/isa/rnn_gates.inc"
}  // namespace

void rnn_lstm_forward(int64_t rows, int64_t H, int64_t W, float* g, int64_t gs, float* c,
                      float* cprev, float* tanhc, float* h, int64_t hs) {
  lstm_forward_rows<float>(rows, H, W, g, gs, c, cprev, tanhc, h, hs);
}
void rnn_lstm_backward(int64_t rows, int64_t H, const float* a, int64_t gs, const float* cprev,
                       const float* tanhc, const float* dh, float* dc, float* dg) {
  lstm_backward_rows<float>(rows, H, a, gs, cprev, tanhc, dh, dc, dg);
}
void rnn_gru_forward(int64_t rows, int64_t H, int64_t W, float* g, int64_t gs, const float* gh,
                     const float* bhn, const float* hprev, int64_t ps, float* hn_save, float* h,
                     int64_t hs) {
  gru_forward_rows<float>(rows, H, W, g, gs, gh, bhn, hprev, ps, hn_save, h, hs);
}
void rnn_gru_backward(int64_t rows, int64_t H, const float* a, int64_t gs, const float* hn,
                      const float* hprev, int64_t ps, float* dh, float* dg, float* dgh) {
  gru_backward_rows<float>(rows, H, a, gs, hn, hprev, ps, dh, dg, dgh);
}
void rnn_simple_forward(int64_t rows, int64_t H, bool relu, float* g, int64_t gs, float* h,
                        int64_t hs) {
  simple_forward_rows<float>(rows, H, relu, g, gs, h, hs);
}
void rnn_simple_backward(int64_t rows, int64_t H, bool relu, const float* a, int64_t gs,
                         const float* dh, float* dg) {
  simple_backward_rows<float>(rows, H, relu, a, gs, dh, dg);
}

}  // namespace ember::cpu::EMBER_ISA

namespace ember::cpu::EMBER_ISA {

namespace {
// y[j] = beta * y[j] + sum_k x[k] B[k, j] for the columns of one packed B panel range: the
// panels (kc x NRC, k-major, as gemm_pack_b lays them out) are walked per K slice and the
// sum per column runs over k in order, so the result depends on the sizes alone.
template <int NRC>
void gemv_packed_panels(int64_t K, int64_t KC, int64_t slice_stride, int64_t p0, int64_t p1,
                        int64_t Nc, const float* x, const float* Bp, float beta, float* y) {
  for (int64_t p = p0; p < p1; ++p) {
    float acc[NRC];
    const int64_t j0 = p * NRC, cols = Nc - j0 < NRC ? Nc - j0 : NRC;
    for (int q = 0; q < NRC; ++q) acc[q] = 0.0f;
    for (int64_t pc = 0; pc < K; pc += KC) {
      const int64_t kc = K - pc < KC ? K - pc : KC;
      const float* b = Bp + (pc / KC) * slice_stride + p * kc * NRC;
      const float* xs = x + pc;
      for (int64_t k = 0; k < kc; ++k) {
        const float xv = xs[k];
        for (int q = 0; q < NRC; ++q) acc[q] += xv * b[k * NRC + q];
      }
    }
    if (beta == 0.0f)
      for (int64_t q = 0; q < cols; ++q) y[j0 + q] = acc[q];
    else
      for (int64_t q = 0; q < cols; ++q) y[j0 + q] = acc[q] + beta * y[j0 + q];
  }
}

}  // namespace

// One-row product against a B packed once by gemm_pack_b in K slices of KC rows (slice s
// starts at Bp + s * slice_stride): the latency path of the recurrent step (batch of one).
void rnn_gemv_packed(int64_t K, int64_t KC, int64_t nr, int64_t slice_stride, int64_t p0,
                     int64_t p1, int64_t Nc, const float* x, const float* Bp, float beta,
                     float* y) {
  if (nr == 32)
    gemv_packed_panels<32>(K, KC, slice_stride, p0, p1, Nc, x, Bp, beta, y);
  else if (nr == 16)
    gemv_packed_panels<16>(K, KC, slice_stride, p0, p1, Nc, x, Bp, beta, y);
  else
    gemv_packed_panels<8>(K, KC, slice_stride, p0, p1, Nc, x, Bp, beta, y);
}

}  // namespace ember::cpu::EMBER_ISA

namespace ember::cpu::EMBER_ISA {

// The recurrent product of a small batch (M = batch rows, e.g. 32) against a B packed once by
// gemm_pack_b: the GEMM's 12-row tile would compute 36 rows for 32 (and run the last tile
// through a scratch copy), so AVX-512 gets its own 8 x 32 tile (16 accumulators) over the same
// B panels. Each element is the same sum as the GEMM micro-kernel's (k in order from zero,
// then c = acc + beta * c with one rounding), so results do not depend on the tiling. Other
// ISAs report 0 rows and the caller keeps the GEMM path.
#if defined(__AVX512F__)
namespace {
constexpr int64_t SMR = 8, SNR = 32;

__attribute__((noinline)) void step_tile(int64_t kc, const float* __restrict a,
                                         const float* __restrict b, float* c, int64_t rs,
                                         float beta) {
  __m512 acc[SMR][2];
#pragma GCC unroll 8
  for (int i = 0; i < SMR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int i = 0; i < SMR; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * rs), _MM_HINT_T0);
  for (int64_t k = 0; k < kc; ++k) {
    __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
    _mm_prefetch(reinterpret_cast<const char*>(b + 8 * SNR), _MM_HINT_T0);
#pragma GCC unroll 8
    for (int i = 0; i < SMR; ++i) {
      __m512 av = _mm512_set1_ps(a[i]);
      acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);
    }
    a += SMR;
    b += SNR;
  }
  const __m512 one = _mm512_set1_ps(1.0f), vb = _mm512_set1_ps(beta);
#pragma GCC unroll 8
  for (int i = 0; i < SMR; ++i) {
    float* ci = c + i * rs;
    __m512 r0 = acc[i][0], r1 = acc[i][1];
    if (beta != 0.0f) {
      __m512 c0 = _mm512_loadu_ps(ci), c1 = _mm512_loadu_ps(ci + 16);
      if (beta != 1.0f) {
        c0 = _mm512_mul_ps(vb, c0);
        c1 = _mm512_mul_ps(vb, c1);
      }
      r0 = _mm512_fmadd_ps(one, r0, c0);  // as the GEMM micro-kernel: one rounding of the sum
      r1 = _mm512_fmadd_ps(one, r1, c1);
    }
    _mm512_storeu_ps(ci, r0);
    _mm512_storeu_ps(ci + 16, r1);
  }
}
}  // namespace

void rnn_step_rows(int64_t* mr) { *mr = SMR; }

// Packs rows [0, m) x columns [0, kc) of A (row stride lda, unit column stride) into 8-row
// panels, each kc x 8 (k-major), zero-padding the last panel.
void rnn_step_pack_a(int64_t m, int64_t kc, const float* A, int64_t lda, float* dst) {
  for (int64_t p = 0; p < m; p += SMR) {
    const int64_t rows = m - p < SMR ? m - p : SMR;
    for (int64_t i = 0; i < rows; ++i) {
      const float* s = A + (p + i) * lda;
      for (int64_t k = 0; k < kc; ++k) dst[k * SMR + i] = s[k];
    }
    for (int64_t i = rows; i < SMR; ++i)
      for (int64_t k = 0; k < kc; ++k) dst[k * SMR + i] = 0.0f;
    dst += kc * SMR;
  }
}

// C[mc x nc] (row stride ldc) = Ap Bp + beta * C; Ap from rnn_step_pack_a, Bp the nc columns
// of gemm_pack_b's 32-column panels for this K slice.
void rnn_step_macro(int64_t mc, int64_t nc, int64_t kc, const float* Ap, const float* Bp,
                    float* C, int64_t ldc, float beta) {
  alignas(64) float tile[SMR * SNR];
  for (int64_t j = 0; j < nc; j += SNR) {
    const int64_t cols = nc - j < SNR ? nc - j : SNR;
    const float* b = Bp + (j / SNR) * kc * SNR;
    for (int64_t i = 0; i < mc; i += SMR) {
      const int64_t rows = mc - i < SMR ? mc - i : SMR;
      const float* a = Ap + (i / SMR) * kc * SMR;
      float* c = C + i * ldc + j;
      if (rows == SMR && cols == SNR) {
        step_tile(kc, a, b, c, ldc, beta);
        continue;
      }
      if (beta != 0.0f)
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t q = 0; q < cols; ++q) tile[r * SNR + q] = c[r * ldc + q];
      step_tile(kc, a, b, tile, SNR, beta);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t q = 0; q < cols; ++q) c[r * ldc + q] = tile[r * SNR + q];
    }
  }
}
#else
void rnn_step_rows(int64_t* mr) { *mr = 0; }
void rnn_step_pack_a(int64_t, int64_t, const float*, int64_t, float*) {}
void rnn_step_macro(int64_t, int64_t, int64_t, const float*, const float*, float*, int64_t,
                    float) {}
#endif

}  // namespace ember::cpu::EMBER_ISA

namespace ember::cpu::EMBER_ISA {

// The batch-of-one recurrent step on the weights in PyTorch's layout (no packing): y[j] =
// dot(W[j, 0:K], x) (+ y[j] when accumulate) for rows j in [0, n) (row stride ldw). Each
// row's dot product is 16 lane sums (lane l takes k = l mod 16, k in order) added by the
// fixed tree ((l + l+8) + (.. + 4)) + (.. + 2)) + (.. + 1): the AVX-512 kernel reduces 16
// rows at once with that tree, and the portable one writes it out, so a row's result does
// not depend on which rows share its group (any split of the rows gives the same bits).
#if defined(__AVX512F__)
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12 warns on _mm512_undefined_ps() inside its own shuffle intrinsics (a false positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
namespace {
// The 16 lane sums of each of acc[0..15], by the tree of rnn_rowdot, in order: lane i of the
// result is the sum of acc[i]'s lanes.
inline __m512 reduce16(const __m512* acc) {
  // Level 1: lanes l + l+8 (rows i and i+8 in one vector), 2: + 4, 3: + 2, 4: + 1.
  __m512 b[8], c[4], d[2];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i)
    b[i] = _mm512_add_ps(_mm512_shuffle_f32x4(acc[i], acc[i + 8], 0x44),
                         _mm512_shuffle_f32x4(acc[i], acc[i + 8], 0xEE));
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i)
    c[i] = _mm512_add_ps(_mm512_shuffle_f32x4(b[i], b[i + 4], 0x88),
                         _mm512_shuffle_f32x4(b[i], b[i + 4], 0xDD));
#pragma GCC unroll 2
  for (int i = 0; i < 2; ++i)
    d[i] = _mm512_add_ps(_mm512_shuffle_ps(c[i], c[i + 2], 0x44),
                         _mm512_shuffle_ps(c[i], c[i + 2], 0xEE));
  const __m512 e = _mm512_add_ps(_mm512_shuffle_ps(d[0], d[1], 0x88), _mm512_shuffle_ps(d[0], d[1], 0xDD));
  const __m512i order = _mm512_setr_epi32(0, 2, 1, 3, 8, 10, 9, 11, 4, 6, 5, 7, 12, 14, 13, 15);
  return _mm512_permutexvar_ps(order, e);  // back to row order
}
}  // namespace

void rnn_rowdot(int64_t n, int64_t K, const float* W, int64_t ldw, const float* x, float* y,
                bool accumulate) {
  const int64_t kfull = K / 16 * 16;
  const __mmask16 ktail = static_cast<__mmask16>((1u << (K - kfull)) - 1u);
  for (int64_t j0 = 0; j0 < n; j0 += 16) {
    const int64_t rows = n - j0 < 16 ? n - j0 : 16;
    const float* w = W + j0 * ldw;
    // Row after row (the group's rows are one sequential stream of memory); each row's
    // products are one dependent chain, which the out-of-order core overlaps with the next
    // rows' chains. x is re-read from L1 for every row.
    __m512 acc[16];
#pragma GCC unroll 16
    for (int r = 0; r < 16; ++r) {
      const float* p = w + (r < rows ? r : rows - 1) * ldw;
      __m512 s = _mm512_setzero_ps();
#pragma GCC unroll 8
      for (int64_t k = 0; k < kfull; k += 16)
        s = _mm512_fmadd_ps(_mm512_loadu_ps(p + k), _mm512_loadu_ps(x + k), s);
      if (ktail)
        s = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(ktail, p + kfull),
                            _mm512_maskz_loadu_ps(ktail, x + kfull), s);
      acc[r] = s;
    }
    const __m512 e = reduce16(acc);
    const __mmask16 m = static_cast<__mmask16>((1u << rows) - 1u);
    _mm512_mask_storeu_ps(y + j0, m,
                          accumulate ? _mm512_add_ps(_mm512_maskz_loadu_ps(m, y + j0), e) : e);
  }
}

// rnn_rowdot for S vectors at once: Y[s * ldy + j] = dot(W[j, :], X[s * ldx + :]) (+ Y[..]
// when accumulate), each element bitwise equal to rnn_rowdot's. Tiles of 4 rows x 4
// vectors (16 chains, 8 loads per 16 multiply-adds: the input projection of a block of
// steps, where rnn_rowdot would re-read W for every step).
void rnn_rowdot_steps(int64_t n, int64_t K, const float* W, int64_t ldw, int64_t S,
                      const float* X, int64_t ldx, float* Y, int64_t ldy, bool accumulate) {
  const int64_t kfull = K / 16 * 16;
  const __mmask16 ktail = static_cast<__mmask16>((1u << (K - kfull)) - 1u);
  const int64_t S4 = S / 4 * 4;  // the last S % 4 vectors go one at a time (no wasted lanes)
  for (int64_t v = S4; v < S; ++v) rnn_rowdot(n, K, W, ldw, X + v * ldx, Y + v * ldy, accumulate);
  S = S4;
  for (int64_t j0 = 0; j0 < n; j0 += 4) {
    const int64_t rows = n - j0 < 4 ? n - j0 : 4;
    const float* w[4];
    for (int r = 0; r < 4; ++r) w[r] = W + (j0 + (r < rows ? r : rows - 1)) * ldw;
    for (int64_t s0 = 0; s0 < S; s0 += 4) {
      const int64_t vecs = S - s0 < 4 ? S - s0 : 4;
      const float* x[4];
      for (int v = 0; v < 4; ++v) x[v] = X + (s0 + (v < vecs ? v : vecs - 1)) * ldx;
      __m512 acc[16];
#pragma GCC unroll 16
      for (int i = 0; i < 16; ++i) acc[i] = _mm512_setzero_ps();
      for (int64_t k = 0; k < kfull; k += 16) {
        __m512 wv[4], xv[4];
#pragma GCC unroll 4
        for (int r = 0; r < 4; ++r) wv[r] = _mm512_loadu_ps(w[r] + k);
#pragma GCC unroll 4
        for (int v = 0; v < 4; ++v) xv[v] = _mm512_loadu_ps(x[v] + k);
#pragma GCC unroll 4
        for (int r = 0; r < 4; ++r)
#pragma GCC unroll 4
          for (int v = 0; v < 4; ++v) acc[r * 4 + v] = _mm512_fmadd_ps(wv[r], xv[v], acc[r * 4 + v]);
      }
      if (ktail) {
        __m512 wv[4], xv[4];
        for (int r = 0; r < 4; ++r) wv[r] = _mm512_maskz_loadu_ps(ktail, w[r] + kfull);
        for (int v = 0; v < 4; ++v) xv[v] = _mm512_maskz_loadu_ps(ktail, x[v] + kfull);
        for (int r = 0; r < 4; ++r)
          for (int v = 0; v < 4; ++v) acc[r * 4 + v] = _mm512_fmadd_ps(wv[r], xv[v], acc[r * 4 + v]);
      }
      alignas(64) float out[16];
      _mm512_store_ps(out, reduce16(acc));
      for (int64_t v = 0; v < vecs; ++v)
        for (int64_t r = 0; r < rows; ++r) {
          float* yp = Y + (s0 + v) * ldy + j0 + r;
          *yp = accumulate ? *yp + out[r * 4 + v] : out[r * 4 + v];
        }
    }
  }
}
#else
void rnn_rowdot(int64_t n, int64_t K, const float* W, int64_t ldw, const float* x, float* y,
                bool accumulate) {
  for (int64_t j = 0; j < n; ++j) {
    const float* w = W + j * ldw;
    float lane[16] = {};
    for (int64_t k = 0; k < K; ++k) lane[k % 16] += w[k] * x[k];
    for (int l = 0; l < 8; ++l) lane[l] += lane[l + 8];
    for (int l = 0; l < 4; ++l) lane[l] += lane[l + 4];
    for (int l = 0; l < 2; ++l) lane[l] += lane[l + 2];
    const float s = lane[0] + lane[1];
    y[j] = accumulate ? y[j] + s : s;
  }
}
void rnn_rowdot_steps(int64_t n, int64_t K, const float* W, int64_t ldw, int64_t S,
                      const float* X, int64_t ldx, float* Y, int64_t ldy, bool accumulate) {
  for (int64_t v = 0; v < S; ++v) rnn_rowdot(n, K, W, ldw, X + v * ldx, Y + v * ldy, accumulate);
}
#endif

}  // namespace ember::cpu::EMBER_ISA
