// float32 forward loops of the pointwise activations (cpu/activation.h), one per op with the
// switch outside the loop, written branch-free (min / max / selects and vec_math's exp, log1p
// and tanh) so GCC vectorises each at the ISA this copy is compiled for.
#include <cstdint>

#include "ember/cpu/isa/vec_math.h"

namespace ember::cpu::EMBER_ISA {

namespace {
// Local min / max (std:: ones come from shared headers; see isa.h). NaN in x propagates:
// x < b is false for NaN, so x is returned.
inline float fmax0(float x, float b) { return x < b ? b : x; }
inline float fmin0(float x, float b) { return b < x ? b : x; }
inline float fabs0(float x) { return x < 0.0f ? -x : x; }
}  // namespace

void activation_f32(int op, const float* x, float* y, int64_t n, float p0, float p1, float p2) {
  switch (op) {
    case 0:  // LeakyRelu
      for (int64_t i = 0; i < n; ++i) y[i] = fmax0(x[i], 0.0f) + p0 * fmin0(x[i], 0.0f);
      break;
    case 1:  // Elu: exp of min(x, 0) so the positive side cannot overflow; exp - 1 as in
             // PyTorch's vectorised kernel.
      for (int64_t i = 0; i < n; ++i) {
        float v = x[i];
        y[i] = p1 * (fmax0(v, 0.0f) + p0 * (exp_f32(fmin0(v, 0.0f) * p2) - 1.0f));
      }
      break;
    case 2:  // Hardtanh
      for (int64_t i = 0; i < n; ++i) y[i] = fmin0(fmax0(x[i], p0), p1);
      break;
    case 3:  // Hardsigmoid, PyTorch's order of operations
      for (int64_t i = 0; i < n; ++i) y[i] = fmin0(fmax0(x[i] + 3.0f, 0.0f), 6.0f) / 6.0f;
      break;
    case 4:  // Hardswish
      for (int64_t i = 0; i < n; ++i) {
        float v = x[i];
        y[i] = v * fmin0(fmax0(v + 3.0f, 0.0f), 6.0f) / 6.0f;
      }
      break;
    case 5:  // Mish: tanh(log1p(e)) = e (e + 2) / (e (e + 2) + 2), one exp instead of exp,
             // log1p and tanh; above 20 the ratio is 1 in float32 (and e^x would overflow).
      for (int64_t i = 0; i < n; ++i) {
        float v = x[i];
        float e = exp_f32(fmin0(v, 20.0f));
        float p = e * (e + 2.0f);
        y[i] = v * (p / (p + 2.0f));
      }
      break;
    case 6:  // Softsign
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] / (1.0f + fabs0(x[i]));
      break;
    case 7:  // Hardshrink
      for (int64_t i = 0; i < n; ++i) {
        float v = x[i];
        y[i] = ((v >= -p0) & (v <= p0)) ? 0.0f : v;
      }
      break;
    case 8:  // Softshrink: exactly 0 inside (v - v), v -/+ lambda outside, NaN stays NaN.
      for (int64_t i = 0; i < n; ++i) {
        float v = x[i];
        y[i] = v - fmax0(fmin0(v, p0), -p0);
      }
      break;
    case 9:  // Threshold
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] <= p0 ? p1 : x[i];
      break;
    case 10:  // LogSigmoid, stable for any sign
      for (int64_t i = 0; i < n; ++i) {
        float v = x[i];
        y[i] = fmin0(v, 0.0f) - log1p_f32(exp_f32(-fabs0(v)));
      }
      break;
    case 11:  // Tanhshrink
      for (int64_t i = 0; i < n; ++i) y[i] = x[i] - tanh_f32(x[i]);
      break;
    default:
      break;
  }
}

}  // namespace ember::cpu::EMBER_ISA
