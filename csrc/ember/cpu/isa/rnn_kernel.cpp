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

void rnn_lstm_forward(int64_t rows, int64_t H, float* g, int64_t gs, float* c, float* cprev,
                      float* tanhc, float* h, int64_t hs) {
  lstm_forward_rows<float>(rows, H, g, gs, c, cprev, tanhc, h, hs);
}
void rnn_lstm_backward(int64_t rows, int64_t H, const float* a, int64_t gs, const float* cprev,
                       const float* tanhc, const float* dh, float* dc, float* dg) {
  lstm_backward_rows<float>(rows, H, a, gs, cprev, tanhc, dh, dc, dg);
}
void rnn_gru_forward(int64_t rows, int64_t H, float* g, int64_t gs, const float* gh,
                     const float* bhn, const float* hprev, int64_t ps, float* hn_save, float* h,
                     int64_t hs) {
  gru_forward_rows<float>(rows, H, g, gs, gh, bhn, hprev, ps, hn_save, h, hs);
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
