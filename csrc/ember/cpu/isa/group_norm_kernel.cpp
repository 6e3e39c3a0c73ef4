// Fused float32 group-norm row kernels, compiled per ISA: one (sample, group) row of cg
// channels x l positions, contiguous. Forward: two passes for the statistics (the mean, then
// the centred sum of squares, so the variance stays accurate for inputs with a large mean),
// one pass normalise + affine; the row is small enough to stay in cache between passes.
// Backward: one pass for the per-channel sums, one pass writing dx. Single-threaded.
#include <algorithm>
#include <cmath>
#include <cstdint>
#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#include "ember/cpu/isa/simd.h"

namespace ember::cpu::EMBER_ISA {

namespace {

constexpr int kLanes = 16;

// Fixed-order pairwise combine of the 16 lane accumulators, in double.
double combine16(const float* lanes) {
  double a[kLanes];
  for (int k = 0; k < kLanes; ++k) a[k] = lanes[k];
  for (int w = kLanes / 2; w > 0; w /= 2)
    for (int i = 0; i < w; ++i) a[i] += a[i + w];
  return a[0];
}

// The row sums below keep element i in float lane i % 16 (of two 16-lane accumulators
// when unrolled: element i in accumulator (i / 16) % 2) and combine the lanes in double.
// A 16-lane accumulator is kN = 16 / kW vectors, so AVX2 sums exactly as AVX-512 does.
#if defined(EMBER_SIMD_VEC)
constexpr int kN = kLanes / kW;

double combine(const vf* v) {
  alignas(64) float t[kLanes];
  for (int h = 0; h < kN; ++h) vstore(t + h * kW, v[h]);
  return combine16(t);
}

// The lanes of 16 values from x + i (the first n of them; masked-off lanes never read).
inline vm tail_mask(int64_t n, int h) {
  const int64_t r = n - h * kW;
  return vmask(vbits(r < 0 ? 0 : r));
}

// sum x[i]
double lane_sum(const float* x, int64_t n) {
  vf a0[kN], a1[kN];
  for (int h = 0; h < kN; ++h) a0[h] = a1[h] = vzero();
  int64_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes)
    for (int h = 0; h < kN; ++h) {
      a0[h] = vadd(a0[h], vload(x + i + h * kW));
      a1[h] = vadd(a1[h], vload(x + i + kLanes + h * kW));
    }
  for (; i < n; i += kLanes)
    for (int h = 0; h < kN; ++h)
      a0[h] = vadd(a0[h], vmaskz_load(tail_mask(n - i, h), x + i + h * kW));
  for (int h = 0; h < kN; ++h) a0[h] = vadd(a0[h], a1[h]);
  return combine(a0);
}

// sum (x[i] - mu)^2
double lane_sq_dev(const float* x, int64_t n, float mu) {
  const vf m = vset1(mu);
  vf a0[kN], a1[kN];
  for (int h = 0; h < kN; ++h) a0[h] = a1[h] = vzero();
  int64_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes)
    for (int h = 0; h < kN; ++h) {
      const vf d0 = vsub(vload(x + i + h * kW), m);
      const vf d1 = vsub(vload(x + i + kLanes + h * kW), m);
      a0[h] = vfma(d0, d0, a0[h]);
      a1[h] = vfma(d1, d1, a1[h]);
    }
  for (; i < n; i += kLanes)
    for (int h = 0; h < kN; ++h) {
      const vm k = tail_mask(n - i, h);
      const vf d = vmaskz_sub(k, vmaskz_load(k, x + i + h * kW), m);
      a0[h] = vfma(d, d, a0[h]);
    }
  for (int h = 0; h < kN; ++h) a0[h] = vadd(a0[h], a1[h]);
  return combine(a0);
}

// sa = sum g[i], sb = sum g[i] * (x[i] - mu)
void lane_grad_sums(const float* g, const float* x, int64_t n, float mu, double& sa, double& sb) {
  const vf m = vset1(mu);
  vf a[kN], b[kN];
  for (int h = 0; h < kN; ++h) a[h] = b[h] = vzero();
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int h = 0; h < kN; ++h) {
      const vf gv = vload(g + i + h * kW);
      a[h] = vadd(a[h], gv);
      b[h] = vfma(gv, vsub(vload(x + i + h * kW), m), b[h]);
    }
  if (i < n)
    for (int h = 0; h < kN; ++h) {
      const vm k = tail_mask(n - i, h);
      const vf gv = vmaskz_load(k, g + i + h * kW);
      a[h] = vadd(a[h], gv);
      b[h] = vfma(gv, vmaskz_sub(k, vmaskz_load(k, x + i + h * kW), m), b[h]);
    }
  sa = combine(a);
  sb = combine(b);
}
#else
double lane_sum(const float* x, int64_t n) {
  float a[kLanes] = {};
  for (int64_t i = 0; i < n; ++i) a[i % kLanes] += x[i];
  return combine16(a);
}

double lane_sq_dev(const float* x, int64_t n, float mu) {
  float a[kLanes] = {};
  for (int64_t i = 0; i < n; ++i) {
    const float d = x[i] - mu;
    a[i % kLanes] += d * d;
  }
  return combine16(a);
}

void lane_grad_sums(const float* g, const float* x, int64_t n, float mu, double& sa, double& sb) {
  float a[kLanes] = {}, b[kLanes] = {};
  for (int64_t i = 0; i < n; ++i) {
    a[i % kLanes] += g[i];
    b[i % kLanes] += g[i] * (x[i] - mu);
  }
  sa = combine16(a);
  sb = combine16(b);
}
#endif

}  // namespace

// y = (x - mean) * rstd * w[k] + b[k] over the row x (cg channels of l values); w / b may be
// null (1 / 0). Writes the row's mean and rstd = 1 / sqrt(biased var + eps).
void group_norm_row_forward_f32(const float* x, int64_t cg, int64_t l, const float* w,
                                const float* b, double eps, float* y, float* mean,
                                float* rstd) {
  const int64_t d = cg * l;
  double s = 0.0, q = 0.0;
  for (int64_t k = 0; k < cg; ++k) s += lane_sum(x + k * l, l);  // per channel: fixed order
  const double mu = s / static_cast<double>(d);
  const float muf = static_cast<float>(mu);
  for (int64_t k = 0; k < cg; ++k) q += lane_sq_dev(x + k * l, l, muf);
  // q was taken around muf, not mu: correct by the (tiny) offset, var = E[(x - mu)^2].
  const double off = static_cast<double>(muf) - mu;
  double var = q / static_cast<double>(d) - off * off;
  if (var < 0.0) var = 0.0;
  const double rs = 1.0 / std::sqrt(var + eps);
  *mean = static_cast<float>(mu);
  *rstd = static_cast<float>(rs);
  for (int64_t k = 0; k < cg; ++k) {
    const double wk = w ? w[k] : 1.0, bk = b ? b[k] : 0.0;
    const float scale = static_cast<float>(rs * wk), shift = static_cast<float>(bk - mu * rs * wk);
    const float* xk = x + k * l;
    float* yk = y + k * l;
    for (int64_t i = 0; i < l; ++i) yk[i] = xk[i] * scale + shift;
  }
}

// Backward of one row given its saved mean / rstd. dw / db (per channel of the row, may be
// null) get sum dy * xhat and sum dy; dx (may be null) the input gradient:
// dx = rstd * (w dy - mean(w dy) - xhat * mean(w dy xhat)).
void group_norm_row_backward_f32(const float* dy, const float* x, int64_t cg, int64_t l,
                                 const float* w, float mean, float rstd, float* dx, float* dw,
                                 float* db) {
  const int64_t d = cg * l;
  const double mu = mean, rs = rstd;
  double A = 0.0, B = 0.0;  // sum w dy, sum w dy (x - mu)
  for (int64_t k = 0; k < cg; ++k) {
    double sa, sb;
    lane_grad_sums(dy + k * l, x + k * l, l, mean, sa, sb);
    if (dw) dw[k] = static_cast<float>(sb * rs);
    if (db) db[k] = static_cast<float>(sa);
    const double wk = w ? w[k] : 1.0;
    A += wk * sa;
    B += wk * sb;
  }
  if (!dx) return;
  const double inv_d = 1.0 / static_cast<double>(d);
  // dx = c1_k dy + c2 x + c3
  const double c2 = -rs * rs * rs * B * inv_d;
  const double c3 = -rs * A * inv_d - c2 * mu;
  const float f2 = static_cast<float>(c2), f3 = static_cast<float>(c3);
  for (int64_t k = 0; k < cg; ++k) {
    const float f1 = static_cast<float>(rs * (w ? w[k] : 1.0));
    const float* dyk = dy + k * l;
    const float* xk = x + k * l;
    float* dxk = dx + k * l;
    for (int64_t i = 0; i < l; ++i) dxk[i] = f1 * dyk[i] + (f2 * xk[i] + f3);
  }
}

}  // namespace ember::cpu::EMBER_ISA
