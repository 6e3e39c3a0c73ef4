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
