// Row kernels for layer norm, RMS norm and batch norm (float32 and float64), compiled per
// ISA. Callers split rows/channels over threads; each call here is single-threaded and
// sums in a fixed order, so results never depend on the thread count.
#include <cmath>
#include <cstdint>

#include "ember/cpu/norm.h"

namespace ember::cpu::EMBER_ISA {

namespace {

// Sum with 8 independent accumulators (vectorises) combined pairwise: a fixed order.
template <class T>
double row_sum(const T* x, int64_t n) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += static_cast<double>(x[i + k]);
  double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; ++i) s += static_cast<double>(x[i]);
  return s;
}

template <class T>
double row_sq_dev(const T* x, int64_t n, double mean) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) {
      double d = static_cast<double>(x[i + k]) - mean;
      acc[k] += d * d;
    }
  double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; ++i) {
    double d = static_cast<double>(x[i]) - mean;
    s += d * d;
  }
  return s;
}

// Two dot products of g with (1, xhat) per row, where xhat = (x - mean) * rstd.
template <class T>
void row_dots(const T* dy, const T* w, const T* x, double mean, double rstd, int64_t n,
              double& sum_g, double& sum_gx) {
  double a[4] = {0, 0, 0, 0}, b[4] = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int k = 0; k < 4; ++k) {
      double g = static_cast<double>(dy[i + k]) * (w ? static_cast<double>(w[i + k]) : 1.0);
      a[k] += g;
      b[k] += g * (static_cast<double>(x[i + k]) - mean) * rstd;
    }
  sum_g = (a[0] + a[1]) + (a[2] + a[3]);
  sum_gx = (b[0] + b[1]) + (b[2] + b[3]);
  for (; i < n; ++i) {
    double g = static_cast<double>(dy[i]) * (w ? static_cast<double>(w[i]) : 1.0);
    sum_g += g;
    sum_gx += g * (static_cast<double>(x[i]) - mean) * rstd;
  }
}

template <class T>
void layer_norm_fwd(const T* x, const T* w, const T* b, T* y, T* mean_out, T* rstd_out,
                    int64_t rows, int64_t d, double eps, bool rms) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * d;
    T* yr = y + r * d;
    double mean = rms ? 0.0 : row_sum(xr, d) / static_cast<double>(d);
    double var = row_sq_dev(xr, d, mean) / static_cast<double>(d);
    double rstd = 1.0 / std::sqrt(var + eps);
    const T m = static_cast<T>(mean), s = static_cast<T>(rstd);
    for (int64_t i = 0; i < d; ++i) {
      T v = (xr[i] - m) * s;
      if (w) v *= w[i];
      if (b) v += b[i];
      yr[i] = v;
    }
    if (mean_out) mean_out[r] = m;
    rstd_out[r] = s;
  }
}

// dx for a block of rows, and this block's partial sums of dy*xhat (dw) and dy (db).
template <class T>
void layer_norm_bwd(const T* dy, const T* x, const T* mean, const T* rstd, const T* w, T* dx,
                    T* dw_part, T* db_part, int64_t rows, int64_t d, bool rms) {
  for (int64_t i = 0; i < d; ++i) {
    if (dw_part) dw_part[i] = 0;
    if (db_part) db_part[i] = 0;
  }
  const double inv_d = 1.0 / static_cast<double>(d);
  for (int64_t r = 0; r < rows; ++r) {
    const T* dyr = dy + r * d;
    const T* xr = x + r * d;
    const double m = rms ? 0.0 : static_cast<double>(mean[r]);
    const double s = static_cast<double>(rstd[r]);
    if (dx) {
      double sum_g, sum_gx;
      row_dots(dyr, w, xr, m, s, d, sum_g, sum_gx);
      const T a = static_cast<T>(rms ? 0.0 : sum_g * inv_d), c = static_cast<T>(sum_gx * inv_d);
      const T mt = static_cast<T>(m), st = static_cast<T>(s);
      T* dxr = dx + r * d;
      for (int64_t i = 0; i < d; ++i) {
        T g = w ? dyr[i] * w[i] : dyr[i];
        T xhat = (xr[i] - mt) * st;
        dxr[i] = st * (g - a - xhat * c);
      }
    }
    if (dw_part) {
      const T mt = static_cast<T>(m), st = static_cast<T>(s);
      for (int64_t i = 0; i < d; ++i) dw_part[i] += dyr[i] * ((xr[i] - mt) * st);
    }
    if (db_part)
      for (int64_t i = 0; i < d; ++i) db_part[i] += dyr[i];
  }
}

// Channel c of an (N, C, L) tensor: N runs of L elements, stride C*L between runs.
template <class T>
void batch_norm_stats(const T* x, int64_t n, int64_t c, int64_t l, int64_t c0, int64_t c1,
                      T* mean_out, T* var_out) {
  const double count = static_cast<double>(n * l);
  for (int64_t ch = c0; ch < c1; ++ch) {
    double s = 0;
    for (int64_t b = 0; b < n; ++b) s += row_sum(x + (b * c + ch) * l, l);
    double mean = s / count, q = 0;
    for (int64_t b = 0; b < n; ++b) q += row_sq_dev(x + (b * c + ch) * l, l, mean);
    mean_out[ch] = static_cast<T>(mean);
    var_out[ch] = static_cast<T>(q / count);
  }
}

template <class T>
void batch_norm_apply(const T* x, const T* mean, const T* invstd, const T* w, const T* b, T* y,
                      int64_t n, int64_t c, int64_t l, int64_t c0, int64_t c1) {
  for (int64_t ch = c0; ch < c1; ++ch) {
    T scale = invstd[ch] * (w ? w[ch] : T(1));
    T shift = (b ? b[ch] : T(0)) - mean[ch] * scale;
    for (int64_t bb = 0; bb < n; ++bb) {
      const T* xr = x + (bb * c + ch) * l;
      T* yr = y + (bb * c + ch) * l;
      for (int64_t i = 0; i < l; ++i) yr[i] = xr[i] * scale + shift;
    }
  }
}

template <class T>
void batch_norm_bwd(const T* dy, const T* x, const T* mean, const T* invstd, const T* w, T* dx,
                    T* dw, T* db, int64_t n, int64_t c, int64_t l, int64_t c0, int64_t c1,
                    bool training) {
  const double count = static_cast<double>(n * l);
  for (int64_t ch = c0; ch < c1; ++ch) {
    const double m = static_cast<double>(mean[ch]), s = static_cast<double>(invstd[ch]);
    double sum_dy = 0, sum_dy_xhat = 0;
    for (int64_t bb = 0; bb < n; ++bb) {
      double g, gx;
      row_dots<T>(dy + (bb * c + ch) * l, nullptr, x + (bb * c + ch) * l, m, s, l, g, gx);
      sum_dy += g;
      sum_dy_xhat += gx;
    }
    if (dw) dw[ch] = static_cast<T>(sum_dy_xhat);
    if (db) db[ch] = static_cast<T>(sum_dy);
    if (!dx) continue;
    const T scale = static_cast<T>(s * (w ? static_cast<double>(w[ch]) : 1.0));
    const T a = static_cast<T>(training ? sum_dy / count : 0.0);
    const T cc = static_cast<T>(training ? sum_dy_xhat / count : 0.0);
    const T mt = static_cast<T>(m), st = static_cast<T>(s);
    for (int64_t bb = 0; bb < n; ++bb) {
      const T* dyr = dy + (bb * c + ch) * l;
      const T* xr = x + (bb * c + ch) * l;
      T* dxr = dx + (bb * c + ch) * l;
      for (int64_t i = 0; i < l; ++i) dxr[i] = scale * (dyr[i] - a - (xr[i] - mt) * st * cc);
    }
  }
}

}  // namespace

#define EMBER_NORM_DEFINE(T)                                                                   \
  void layer_norm_forward(const T* x, const T* w, const T* b, T* y, T* mean, T* rstd,          \
                          int64_t rows, int64_t d, double eps, bool rms) {                     \
    layer_norm_fwd(x, w, b, y, mean, rstd, rows, d, eps, rms);                                 \
  }                                                                                            \
  void layer_norm_backward(const T* dy, const T* x, const T* mean, const T* rstd, const T* w,  \
                           T* dx, T* dw_part, T* db_part, int64_t rows, int64_t d, bool rms) { \
    layer_norm_bwd(dy, x, mean, rstd, w, dx, dw_part, db_part, rows, d, rms);                  \
  }                                                                                            \
  void batch_norm_stats(const T* x, int64_t n, int64_t c, int64_t l, int64_t c0, int64_t c1,   \
                        T* mean, T* var) {                                                     \
    batch_norm_stats<T>(x, n, c, l, c0, c1, mean, var);                                        \
  }                                                                                            \
  void batch_norm_apply(const T* x, const T* mean, const T* invstd, const T* w, const T* b,    \
                        T* y, int64_t n, int64_t c, int64_t l, int64_t c0, int64_t c1) {       \
    batch_norm_apply<T>(x, mean, invstd, w, b, y, n, c, l, c0, c1);                            \
  }                                                                                            \
  void batch_norm_backward(const T* dy, const T* x, const T* mean, const T* invstd,            \
                           const T* w, T* dx, T* dw, T* db, int64_t n, int64_t c, int64_t l,   \
                           int64_t c0, int64_t c1, bool training) {                            \
    batch_norm_bwd<T>(dy, x, mean, invstd, w, dx, dw, db, n, c, l, c0, c1, training);          \
  }

EMBER_NORM_DEFINE(float)
EMBER_NORM_DEFINE(double)

}  // namespace ember::cpu::EMBER_ISA
