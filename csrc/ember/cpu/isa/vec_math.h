// Branch-free float32 maths for cpu/isa/ kernels: written as plain scalar code that GCC
// vectorises at whatever ISA the including file is compiled for (Cephes-style polynomials,
// about 1-2 ulp). Lives in the per-ISA namespace so each ISA gets its own copy (isa.h).
#pragma once
#ifndef EMBER_ISA
#error "vec_math.h is only for files under cpu/isa/ (compiled once per ISA)"
#endif
#include <cstdint>
#include <cstring>

namespace ember::cpu::EMBER_ISA {

inline float bits_to_float(int32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}
inline int32_t float_to_bits(float f) {
  int32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

// e^c from n = round(c / ln 2) (a whole number): 2^n times the Cephes polynomial for e^r,
// r = c - n ln 2 (ln 2 split in two for accuracy). No range handling: the callers clamp c.
inline float exp_reduced_f32(float c, float n) {
  float r = c - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float z = r * r;
  float y = 1.9875691500E-4f;
  y = y * r + 1.3981999507E-3f;
  y = y * r + 8.3334519073E-3f;
  y = y * r + 4.1665795894E-2f;
  y = y * r + 1.6666665459E-1f;
  y = y * r + 5.0000001201E-1f;
  y = y * z + r + 1.0f;
  return y * bits_to_float((static_cast<int32_t>(n) + 127) << 23);
}

// e^x; exact 0 below about -87.3 (denormal range), +inf above 88.72, NaN stays NaN.
inline float exp_f32(float x) {
  const float hi = 88.3762626647949f, lo = -87.33654475f;
  float c = x < hi ? x : hi;
  c = c > lo ? c : lo;
  float fx = c * 1.44269504088896341f + 0.5f;
  // floor without SSE4.1, corrected in integers: this form lets GCC vectorise the caller.
  int32_t k = static_cast<int32_t>(fx);
  k -= static_cast<float>(k) > fx;
  float n = static_cast<float>(k);
  float out = exp_reduced_f32(c, n);
  // Overflow -> inf, underflow -> 0, NaN -> NaN as bit masks: plain selects here keep GCC
  // from vectorising loops that call this.
  int32_t ob = float_to_bits(out);
  int32_t over = -static_cast<int32_t>(x > hi), under = -static_cast<int32_t>(x < lo);
  int32_t nan = -static_cast<int32_t>(x != x);
  ob = (ob & ~over) | (0x7f800000 & over);
  ob &= ~under;
  ob = (ob & ~nan) | (float_to_bits(x) & nan);
  return bits_to_float(ob);
}

// e^x for softmax arguments (x <= 0 up to rounding; wrong above 88.7, no overflow handling):
// exact 0 below about -87.3 (so -inf and masked scores give 0), NaN stays NaN. Leaner than
// exp_f32 (a rounding instruction, no upper clamp or overflow select): the exponentials are
// a fifth of the flash-attention forward.
inline float exp_softmax_f32(float x) {
  const float lo = -87.33654475f;
  float c = x > lo ? x : lo;
  float n = __builtin_rintf(c * 1.44269504088896341f);
  float out = exp_reduced_f32(c, n);
  out = x < lo ? 0.0f : out;
  return x != x ? x : out;
}

// Natural log; -inf at 0, NaN below 0, +inf at +inf, NaN stays NaN.
inline float log_f32(float x) {
  float v = x > 1.17549435e-38f ? x : 1.17549435e-38f;  // denormals treated as the min normal
  int32_t b = float_to_bits(v);
  float e = static_cast<float>((b >> 23) - 126);
  float m = bits_to_float((b & 0x807fffff) | 0x3f000000);  // in [0.5, 1)
  bool small = m < 0.707106781186547524f;
  e -= small ? 1.0f : 0.0f;
  float t = small ? m + m - 1.0f : m - 1.0f;
  float z = t * t;
  float y = 7.0376836292E-2f;
  y = y * t - 1.1514610310E-1f;
  y = y * t + 1.1676998740E-1f;
  y = y * t - 1.2420140846E-1f;
  y = y * t + 1.4249322787E-1f;
  y = y * t - 1.6668057665E-1f;
  y = y * t + 2.0000714765E-1f;
  y = y * t - 2.4999993993E-1f;
  y = y * t + 3.3333331174E-1f;
  y = y * t * z;
  y += e * -2.12194440e-4f;
  y += -0.5f * z;
  float out = t + y + e * 0.693359375f;
  out = x == __builtin_inff() ? x : out;
  out = x == 0.0f ? -__builtin_inff() : out;
  out = x < 0.0f ? __builtin_nanf("") : out;
  return x != x ? x : out;
}

// tanh: odd polynomial near 0, 1 - 2/(e^{2|x|} + 1) elsewhere.
inline float tanh_f32(float x) {
  float a = x < 0.0f ? -x : x;
  float z = x * x;
  float p = -5.70498872745E-3f;
  p = p * z + 2.06390887954E-2f;
  p = p * z - 5.37397155531E-2f;
  p = p * z + 1.33314422036E-1f;
  p = p * z - 3.33332819422E-1f;
  float small = x + x * z * p;
  float big = 1.0f - 2.0f / (exp_f32(2.0f * (a < 44.0f ? a : 44.0f)) + 1.0f);
  big = x < 0.0f ? -big : big;
  float r = a < 0.625f ? small : big;
  return x != x ? x : r;  // NaN would otherwise take the clamped branch
}

inline float sigmoid_f32(float x) { return 1.0f / (1.0f + exp_f32(-x)); }

// log(1 + x) without losing small x: the rounding of 1 + x is undone by x / (u - 1).
inline float log1p_f32(float x) {
  float u = 1.0f + x;
  float d = u - 1.0f;
  float r = log_f32(u) * (x / (d == 0.0f ? 1.0f : d));
  r = d == 0.0f ? x : r;
  return x == __builtin_inff() ? x : r;
}

// erfc for x >= 0 by a Chebyshev-fitted exp(-x^2 + poly(t)), t = 1 / (1 + x / 2): about
// 1.2e-7 relative error over the whole range (so its far tail stays accurate, which
// gelu(x) for x << 0 needs).
// The two halves of erfc_pos_f32 (so a kernel can run them as separate vectorised passes):
// t = 1 / (1 + x / 2), and the exponent -x^2 + poly(t).
inline float erfc_t_f32(float x) { return 1.0f / (1.0f + 0.5f * x); }
inline float erfc_exponent_f32(float x, float t) {
  float p = 0.17087277f;
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  return p - x * x;
}

inline float erfc_pos_f32(float x) {
  float t = erfc_t_f32(x);
  return t * exp_f32(erfc_exponent_f32(x, t));  // underflows to exactly 0 past x = 9.3
}

inline float erfc_f32(float x) {
  float a = x < 0.0f ? -x : x;
  float r = erfc_pos_f32(a);
  r = x < 0.0f ? 2.0f - r : r;
  return x != x ? x : r;
}

// erf: odd Taylor series below 0.5 (relative accuracy near 0), 1 - erfc above.
inline float erf_f32(float x) {
  float a = x < 0.0f ? -x : x;
  float z = x * x;
  float p = 1.0f / 9360.0f;
  p = p * z - 1.0f / 1320.0f;
  p = p * z + 1.0f / 216.0f;
  p = p * z - 1.0f / 42.0f;
  p = p * z + 0.1f;
  p = p * z - 1.0f / 3.0f;
  p = p * z + 1.0f;
  float small = 1.12837916709551257f * x * p;
  float big = 1.0f - erfc_pos_f32(a);
  big = x < 0.0f ? -big : big;
  float r = a < 0.5f ? small : big;
  return x != x ? x : r;
}

// gelu(x) = x * Phi(x) = x * erfc(-x / sqrt(2)) / 2, accurate in the negative tail too.
inline float gelu_f32(float x) { return 0.5f * x * erfc_f32(-0.707106781186547524f * x); }

inline float gelu_tanh_f32(float x) {
  float inner = 0.797884560802865356f * (x + 0.044715f * x * x * x);
  return 0.5f * x * (1.0f + tanh_f32(inner));
}

inline float silu_f32(float x) { return x * sigmoid_f32(x); }

// softplus(x) = log(1 + exp(beta x)) / beta, or x where beta x > threshold (PyTorch).
inline float softplus_f32(float x, float beta, float threshold) {
  float bx = beta * x;
  float r = log1p_f32(exp_f32(bx)) / beta;
  return bx > threshold ? x : r;
}

}  // namespace ember::cpu::EMBER_ISA
