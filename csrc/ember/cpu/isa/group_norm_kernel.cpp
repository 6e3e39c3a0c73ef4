// Fused float32 group-norm row kernels, compiled per ISA: one (sample, group) row of cg
// channels x l positions, contiguous. Forward: one pass for the statistics (double
// accumulators in 16 lanes, combined in a fixed order), one pass normalise + affine. Backward:
// one pass for the per-channel sums, one pass writing dx. Single-threaded.
#include <cmath>
#include <cstdint>

namespace ember::cpu::EMBER_ISA {

namespace {

constexpr int kLanes = 16;

// Fixed-order pairwise combine of the 16 lane accumulators.
double combine16(double* a) {
  for (int w = kLanes / 2; w > 0; w /= 2)
    for (int i = 0; i < w; ++i) a[i] += a[i + w];
  return a[0];
}

// s += sum x[i], q += sum x[i]^2 (lane-wise, then combined), in double.
void sums_sq(const float* x, int64_t n, double& s, double& q) {
  float a[kLanes] = {}, b[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int k = 0; k < kLanes; ++k) {
      const float v = x[i + k];
      a[k] += v;
      b[k] += v * v;
    }
  for (int k = 0; i + k < n; ++k) {
    const float v = x[i + k];
    a[k] += v;
    b[k] += v * v;
  }
  double da[kLanes], db[kLanes];
  for (int k = 0; k < kLanes; ++k) {
    da[k] = a[k];
    db[k] = b[k];
  }
  s += combine16(da);
  q += combine16(db);
}

// sa = sum g[i], sb = sum g[i] * (x[i] - mu), in double.
void grad_sums(const float* g, const float* x, int64_t n, float mu, double& sa, double& sb) {
  float a[kLanes] = {}, b[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int k = 0; k < kLanes; ++k) {
      const float gv = g[i + k];
      a[k] += gv;
      b[k] += gv * (x[i + k] - mu);
    }
  for (int k = 0; i + k < n; ++k) {
    const float gv = g[i + k];
    a[k] += gv;
    b[k] += gv * (x[i + k] - mu);
  }
  double da[kLanes], db[kLanes];
  for (int k = 0; k < kLanes; ++k) {
    da[k] = a[k];
    db[k] = b[k];
  }
  sa = combine16(da);
  sb = combine16(db);
}

}  // namespace

// y = (x - mean) * rstd * w[k] + b[k] over the row x (cg channels of l values); w / b may be
// null (1 / 0). Writes the row's mean and rstd = 1 / sqrt(biased var + eps).
void group_norm_row_forward_f32(const float* x, int64_t cg, int64_t l, const float* w,
                                const float* b, double eps, float* y, float* mean,
                                float* rstd) {
  const int64_t d = cg * l;
  double s = 0.0, q = 0.0;
  for (int64_t k = 0; k < cg; ++k) sums_sq(x + k * l, l, s, q);  // per channel: fixed order
  const double mu = s / static_cast<double>(d);
  double var = q / static_cast<double>(d) - mu * mu;
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
    grad_sums(dy + k * l, x + k * l, l, mean, sa, sb);
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
