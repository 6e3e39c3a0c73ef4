// Box-Muller transform for float32 normal fills, compiled once per ISA (cpu/isa.h): random
// words in, normals out, in a loop GCC vectorises (log from vec_math.h, sin/cos by
// Cephes-style polynomials). Single-threaded over raw pointers; the caller splits the work.
// With FMA the last bit of a value may differ between ISAs (never between thread counts).
#include <cstdint>

#include "ember/cpu/isa/vec_math.h"

namespace ember::cpu::EMBER_ISA {

namespace {
// log(x) for x in [2^-24, 1] only (the uniforms below): vec_math's log_f32 without its
// special cases (0, inf, NaN, denormals), whose selects stop GCC vectorising this loop.
inline float log_unit(float x) {
  int32_t b = float_to_bits(x);
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
  return t + y + e * 0.693359375f;
}
}  // namespace

// For each pair p: u1 = 1 - words[2p] * 2^-24 in (0, 1], u2 = words[2p+1] * 2^-24;
// out[2p] = mean + std * r cos(2 pi u2), out[2p+1] = mean + std * r sin(2 pi u2),
// r = sqrt(-2 log u1). n_pairs pairs; words and out hold 2 * n_pairs values.
void box_muller_f32(const uint32_t* words, int64_t n_pairs, float mean, float std, float* out) {
  const float kScale = 5.9604644775390625e-8f;  // 2^-24
  for (int64_t p = 0; p < n_pairs; ++p) {
    float u1 = 1.0f - static_cast<float>(words[2 * p] >> 8) * kScale;
    float u2 = static_cast<float>(words[2 * p + 1] >> 8) * kScale;
    // sqrt(y) as y * rsqrt(y) (bit estimate + 3 Newton steps): no libm call, so it vectorises.
    float y = -2.0f * log_unit(u1);
    float ys = y > 1e-30f ? y : 1e-30f;
    float g = bits_to_float(0x5f3759df - (float_to_bits(ys) >> 1));
    g = g * (1.5f - 0.5f * ys * g * g);
    g = g * (1.5f - 0.5f * ys * g * g);
    g = g * (1.5f - 0.5f * ys * g * g);
    float r = y > 0.0f ? y * g : 0.0f;
    // 2 pi u2 = q * pi/2 + x with x in [-pi/4, pi/4]: q = round(4 u2) in 0..4.
    int32_t qi = static_cast<int32_t>(4.0f * u2 + 0.5f);  // truncation = floor: positive
    float x = (u2 - 0.25f * static_cast<float>(qi)) * 6.28318530717958647692f;
    int32_t q = qi & 3;
    float z = x * x;
    float s = ((-1.9515295891E-4f * z + 8.3321608736E-3f) * z - 1.6666654611E-1f) * z * x + x;
    float c = ((2.443315711809948E-5f * z - 1.388731625493765E-3f) * z + 4.166664568298827E-2f) * z * z -
              0.5f * z + 1.0f;
    // Rotate by q quarter turns: (cos, sin) of x + q pi/2.
    // Branch-free (the loop must vectorise): signs from the bits of q.
    bool odd = (q & 1) != 0;
    float cs = (odd ? s : c) * (1.0f - static_cast<float>((q + 1) & 2));
    float sn = (odd ? c : s) * (1.0f - static_cast<float>(q & 2));
    out[2 * p] = mean + std * (r * cs);
    out[2 * p + 1] = mean + std * (r * sn);
  }
}

}  // namespace ember::cpu::EMBER_ISA
