// float32 forward and backward loops of the pointwise activations (cpu/activation.h), one per op with the
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

namespace {
// Two passes each (the transcendental into gi, then the product): written as one loop, GCC
// left these scalar ("control flow in loop"), even as separate functions.
void elu_backward(const float* x, const float* g, float* gi, int64_t n, float p0, float p1,
                  float p2) {
  const float neg = p1 * p0 * p2;
  for (int64_t i = 0; i < n; ++i) gi[i] = exp_f32(fmin0(x[i], 0.0f) * p2);
  for (int64_t i = 0; i < n; ++i) gi[i] = g[i] * (x[i] > 0.0f ? p1 : gi[i] * neg);
}

void tanhshrink_backward(const float* x, const float* g, float* gi, int64_t n) {
  for (int64_t i = 0; i < n; ++i) gi[i] = tanh_f32(x[i]);
  for (int64_t i = 0; i < n; ++i) gi[i] = g[i] * (gi[i] * gi[i]);
}
}  // namespace

void activation_backward_f32(int op, const float* x, const float* g, float* gi, int64_t n,
                             float p0, float p1, float p2) {
  switch (op) {
    case 0:  // LeakyRelu
      for (int64_t i = 0; i < n; ++i) gi[i] = x[i] > 0.0f ? g[i] : g[i] * p0;
      break;
    case 1:  // Elu: x <= 0 takes the exponential side (PyTorch)
      elu_backward(x, g, gi, n, p0, p1, p2);
      break;
    case 2:  // Hardtanh: 1 strictly inside the bounds
      for (int64_t i = 0; i < n; ++i) gi[i] = ((x[i] > p0) & (x[i] < p1)) ? g[i] : 0.0f;
      break;
    case 3:  // Hardsigmoid
      for (int64_t i = 0; i < n; ++i)
        gi[i] = ((x[i] > -3.0f) & (x[i] < 3.0f)) ? g[i] / 6.0f : 0.0f;
      break;
    case 4:  // Hardswish: 0 for x <= -3, x / 3 + 1/2 inside, 1 for x >= 3
      for (int64_t i = 0; i < n; ++i) {
        float v = x[i];
        float mid = g[i] * (v / 3.0f + 0.5f);
        gi[i] = v <= -3.0f ? 0.0f : (v < 3.0f ? mid : g[i]);
      }
      break;
    case 5:  // Mish: t + x sigmoid(x) (1 - t^2), t = tanh(softplus(x)) as in the forward
      for (int64_t i = 0; i < n; ++i) {
        float v = x[i];
        float e = exp_f32(fmin0(v, 20.0f));
        float p = e * (e + 2.0f);
        float t = p / (p + 2.0f);
        float s = e / (1.0f + e);
        gi[i] = g[i] * (t + v * s * (1.0f - t * t));
      }
      break;
    case 6:  // Softsign: 1 / (1 + |x|)^2
      for (int64_t i = 0; i < n; ++i) {
        float d = 1.0f + fabs0(x[i]);
        gi[i] = g[i] / (d * d);
      }
      break;
    case 7:  // Hardshrink and
    case 8:  // Softshrink: 0 on [-lambda, lambda]
      for (int64_t i = 0; i < n; ++i) gi[i] = ((x[i] >= -p0) & (x[i] <= p0)) ? 0.0f : g[i];
      break;
    case 9:  // Threshold
      for (int64_t i = 0; i < n; ++i) gi[i] = x[i] <= p0 ? 0.0f : g[i];
      break;
    case 10:  // LogSigmoid: sigmoid(-x) = 1 / (1 + e^x) (e^x = inf gives 0)
      for (int64_t i = 0; i < n; ++i) gi[i] = g[i] / (1.0f + exp_f32(x[i]));
      break;
    case 11:  // Tanhshrink: tanh(x)^2
      tanhshrink_backward(x, g, gi, n);
      break;
    default:
      break;
  }
}

}  // namespace ember::cpu::EMBER_ISA
