// float32 reduction kernels, compiled once per ISA (cpu/isa.h): row sums (blocked pairwise),
// max/min (NaN propagates), arg max/min, sum of squared deviations, softmax/log_softmax rows,
// and column kernels for "reduce over an outer dim, inner dim contiguous". Single-threaded;
// the caller in cpu/reduce.cpp cuts work into fixed chunks. GCC vector types fix the lane
// layout, so the summation order is the same at every ISA.
#include <cstdint>
#include <cstring>

#include "ember/cpu/isa/vec_math.h"

// The vector helpers below are internal and inlined, so the ABI note does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace ember::cpu::EMBER_ISA {

namespace {

typedef float v16 __attribute__((vector_size(64)));
typedef int32_t m16 __attribute__((vector_size(64)));

constexpr int64_t kBlock = 4096;  // pairwise base block: 128 lanes x at most 32 adds each

[[gnu::always_inline]] inline v16 load(const float* p) {
  v16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
[[gnu::always_inline]] inline v16 splat(float f) { return v16{} + f; }

[[gnu::always_inline]] inline float hsum(v16 v) {
  float a[16];
  std::memcpy(a, &v, sizeof a);
  for (int w = 8; w >= 1; w /= 2)
    for (int k = 0; k < w; ++k) a[k] += a[k + w];
  return a[0];
}

// NaN-propagating max/min (NaN counts as the extreme, like PyTorch).
[[gnu::always_inline]] inline v16 vext(v16 m, v16 x, bool is_max) {
  m16 take = is_max ? ((x > m) | (x != x)) : ((x < m) | (x != x));
  return take ? x : m;
}
float sext(float m, float x, bool is_max) {
  bool take = is_max ? (x > m || x != x) : (x < m || x != x);
  return take ? x : m;
}

// e^x on 16 lanes, the Cephes polynomial of vec_math.h's exp_f32 written on vector types:
// GCC 12 does not vectorise loops over the scalar exp_f32 (control flow), this always is.
[[gnu::always_inline]] inline v16 vexp(v16 x) {
  const v16 hi = splat(88.3762626647949f), lo = splat(-87.33654475f);
  v16 c = x < hi ? x : hi;
  c = c > lo ? c : lo;
  v16 fx = c * 1.44269504088896341f + 0.5f;
  v16 n = __builtin_convertvector(__builtin_convertvector(fx, m16), v16);
  n = n > fx ? n - 1.0f : n;  // floor
  v16 r = c - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  v16 z = r * r;
  v16 y = splat(1.9875691500E-4f);
  y = y * r + 1.3981999507E-3f;
  y = y * r + 8.3334519073E-3f;
  y = y * r + 4.1665795894E-2f;
  y = y * r + 1.6666665459E-1f;
  y = y * r + 5.0000001201E-1f;
  y = y * z + r + 1.0f;
  m16 bits = (__builtin_convertvector(n, m16) + 127) << 23;
  v16 p;
  std::memcpy(&p, &bits, sizeof p);
  v16 out = y * p;
  out = x > hi ? splat(__builtin_inff()) : out;
  out = x < lo ? splat(0.0f) : out;
  return x != x ? x : out;
}

// y[i] = e^(x[i] - m); a short tail goes through a padded buffer so every lane is vexp.
void exp_shift(const float* x, float* y, int64_t n, float m) {
  const v16 vm = splat(m);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    v16 e = vexp(load(x + i) - vm);
    std::memcpy(y + i, &e, sizeof e);
  }
  if (i < n) {
    float buf[16] = {};
    std::memcpy(buf, x + i, static_cast<size_t>(n - i) * sizeof(float));
    v16 e = vexp(load(buf) - vm);
    std::memcpy(buf, &e, sizeof e);
    std::memcpy(y + i, buf, static_cast<size_t>(n - i) * sizeof(float));
  }
}

// y[j] = e^(x[j] - m[j]) for j < n.
void exp_sub(const float* x, const float* m, float* y, int64_t n) {
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    v16 e = vexp(load(x + j) - load(m + j));
    std::memcpy(y + j, &e, sizeof e);
  }
  if (j < n) {
    float bx[16] = {}, bm[16] = {};
    const size_t k = static_cast<size_t>(n - j) * sizeof(float);
    std::memcpy(bx, x + j, k);
    std::memcpy(bm, m + j, k);
    v16 e = vexp(load(bx) - load(bm));
    std::memcpy(bx, &e, sizeof e);
    std::memcpy(y + j, bx, k);
  }
}

// Mode 0: x, 1: (x - c)^2, 2: exp(x - c). n <= kBlock.
float block_sum(const float* x, int64_t n, int mode, float c) {
  float tmp[kBlock];
  if (mode == 2) {
    exp_shift(x, tmp, n, c);
    x = tmp;
    c = 0.0f;
  }
  // Eight independent accumulators keep the adder pipelines full (latency 4, 2 per cycle).
  v16 a[8] = {};
  const v16 vc = splat(c);
  int64_t i = 0;
  if (mode == 1) {
    for (; i + 128 <= n; i += 128)
      for (int k = 0; k < 8; ++k) {
        v16 d = load(x + i + 16 * k) - vc;
        a[k] += d * d;
      }
    for (; i + 16 <= n; i += 16) { v16 d = load(x + i) - vc; a[0] += d * d; }
  } else {
    for (; i + 128 <= n; i += 128)
      for (int k = 0; k < 8; ++k) a[k] += load(x + i + 16 * k);
    for (; i + 16 <= n; i += 16) a[0] += load(x + i);
  }
  float t = 0.0f;
  for (; i < n; ++i) {
    float v = mode == 1 ? (x[i] - c) * (x[i] - c) : x[i];
    t += v;
  }
  return hsum(((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))) + t;
}

float pairwise(const float* x, int64_t n, int mode, float c) {
  if (n <= kBlock) return block_sum(x, n, mode, c);
  int64_t h = (n / 2 + kBlock - 1) / kBlock * kBlock;
  return pairwise(x, h, mode, c) + pairwise(x + h, n - h, mode, c);
}

}  // namespace

float sum_f32(const float* x, int64_t n) { return pairwise(x, n, 0, 0.0f); }
float sum_sqdev_f32(const float* x, int64_t n, float mean) { return pairwise(x, n, 1, mean); }
float sum_exp_f32(const float* x, int64_t n, float m) { return pairwise(x, n, 2, m); }

float extreme_f32(const float* x, int64_t n, int is_max) {
  const bool mx = is_max != 0;
  if (n < 64) {
    float m = x[0];
    for (int64_t i = 1; i < n; ++i) m = sext(m, x[i], mx);
    return m;
  }
  v16 a0 = load(x), a1 = load(x + 16), a2 = load(x + 32), a3 = load(x + 48);
  int64_t i = 64;
  for (; i + 64 <= n; i += 64) {
    a0 = vext(a0, load(x + i), mx); a1 = vext(a1, load(x + i + 16), mx);
    a2 = vext(a2, load(x + i + 32), mx); a3 = vext(a3, load(x + i + 48), mx);
  }
  a0 = vext(vext(a0, a1, mx), vext(a2, a3, mx), mx);
  float a[16];
  std::memcpy(a, &a0, sizeof a);
  float m = a[0];
  for (int k = 1; k < 16; ++k) m = sext(m, a[k], mx);
  for (; i < n; ++i) m = sext(m, x[i], mx);
  return m;
}

// Index of the first extreme (first NaN when there is one), like PyTorch.
int64_t arg_extreme_f32(const float* x, int64_t n, int is_max, float* value) {
  float m = extreme_f32(x, n, is_max);
  *value = m;
  if (m != m) {
    for (int64_t i = 0; i < n; ++i)
      if (x[i] != x[i]) return i;
  }
  for (int64_t i = 0; i < n; ++i)
    if (x[i] == m) return i;
  return 0;
}

// y = softmax(x) (log: log_softmax) over one contiguous row; y may alias nothing of x.
void softmax_row_f32(const float* x, float* y, int64_t n, int log) {
  const float m = extreme_f32(x, n, 1);
  // A row of -inf (or +inf) gives NaN, like PyTorch: (-inf) - (-inf) is NaN.
  exp_shift(x, y, n, m);
  const float s = pairwise(y, n, 0, 0.0f);
  if (log) {
    const float ls = log_f32(s);  // (x - m) is exact near the max, so subtract in two steps
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) - ls;
  } else {
    const float r = 1.0f / s;
    for (int64_t i = 0; i < n; ++i) y[i] *= r;
  }
}

// Fused backward over one row: softmax dx = y * (g - sum(g * y)); log_softmax
// dx = g - exp(y) * sum(g). dx may not alias y or g.
void softmax_backward_row_f32(const float* y, const float* g, float* dx, int64_t n, int log) {
  if (log) {
    const float s = pairwise(g, n, 0, 0.0f);
    exp_shift(y, dx, n, 0.0f);
    for (int64_t i = 0; i < n; ++i) dx[i] = g[i] - dx[i] * s;
  } else {
    for (int64_t i = 0; i < n; ++i) dx[i] = g[i] * y[i];
    const float d = pairwise(dx, n, 0, 0.0f);
    for (int64_t i = 0; i < n; ++i) dx[i] -= y[i] * d;
  }
}

// Column kernels: rows r < nrows at x + r * stride, columns j < w (w <= 256).
// out[j] = sum_r x[r][j] (mode 0) or sum_r (x[r][j] - mean[j])^2 (mode 1), blocked by 64
// rows so the error grows like nrows / 64 + 64 rather than nrows.
void col_sum_f32(const float* x, int64_t nrows, int64_t stride, int64_t w, float* out,
                 const float* mean, int mode) {
  // Three levels (64 rows, 64 blocks, the rest): error grows like 64 + 64 + nrows / 4096.
  float blk[256], mid[256];
  for (int64_t j = 0; j < w; ++j) out[j] = 0.0f;
  for (int64_t r0 = 0; r0 < nrows; r0 += 4096) {
    const int64_t r0e = r0 + 4096 < nrows ? r0 + 4096 : nrows;
    for (int64_t j = 0; j < w; ++j) mid[j] = 0.0f;
    for (int64_t r1 = r0; r1 < r0e; r1 += 64) {
      const int64_t r1e = r1 + 64 < r0e ? r1 + 64 : r0e;
      for (int64_t j = 0; j < w; ++j) blk[j] = 0.0f;
      for (int64_t r = r1; r < r1e; ++r) {
        const float* row = x + r * stride;
        if (mode == 1) {
          for (int64_t j = 0; j < w; ++j) {
            float d = row[j] - mean[j];
            blk[j] += d * d;
          }
        } else {
          for (int64_t j = 0; j < w; ++j) blk[j] += row[j];
        }
      }
      for (int64_t j = 0; j < w; ++j) mid[j] += blk[j];
    }
    for (int64_t j = 0; j < w; ++j) out[j] += mid[j];
  }
}

void col_extreme_f32(const float* x, int64_t nrows, int64_t stride, int64_t w, float* out,
                     int is_max) {
  const bool mx = is_max != 0;
  for (int64_t j = 0; j < w; ++j) out[j] = x[j];
  for (int64_t r = 1; r < nrows; ++r) {
    const float* row = x + r * stride;
    for (int64_t j = 0; j < w; ++j) out[j] = sext(out[j], row[j], mx);
  }
}

// softmax / log_softmax along rows for a block of w <= 256 columns (row r at x + r * stride).
void col_softmax_f32(const float* x, float* y, int64_t nrows, int64_t stride, int64_t w, int log) {
  float m[256], s[256], blk[256];
  col_extreme_f32(x, nrows, stride, w, m, 1);
  for (int64_t j = 0; j < w; ++j) s[j] = 0.0f;
  for (int64_t r0 = 0; r0 < nrows; r0 += 64) {
    const int64_t r1 = r0 + 64 < nrows ? r0 + 64 : nrows;
    for (int64_t j = 0; j < w; ++j) blk[j] = 0.0f;
    for (int64_t r = r0; r < r1; ++r) {
      float* yr = y + r * stride;
      exp_sub(x + r * stride, m, yr, w);
      for (int64_t j = 0; j < w; ++j) blk[j] += yr[j];
    }
    for (int64_t j = 0; j < w; ++j) s[j] += blk[j];
  }
  for (int64_t j = 0; j < w; ++j) s[j] = log ? log_f32(s[j]) : 1.0f / s[j];
  for (int64_t r = 0; r < nrows; ++r) {
    const float* xr = x + r * stride;
    float* yr = y + r * stride;
    if (log) {
      for (int64_t j = 0; j < w; ++j) yr[j] = (xr[j] - m[j]) - s[j];
    } else {
      for (int64_t j = 0; j < w; ++j) yr[j] *= s[j];
    }
  }
}

// out[j] = log(sum_r e^x[r][j]) with the column max subtracted; a non-finite max is the answer.
void col_logsumexp_f32(const float* x, int64_t nrows, int64_t stride, int64_t w, float* out) {
  float m[256], ms[256], s[256], blk[256], e[256];
  col_extreme_f32(x, nrows, stride, w, m, 1);
  for (int64_t j = 0; j < w; ++j) {
    bool fin = m[j] - m[j] == 0.0f;  // false for inf and NaN
    ms[j] = fin ? m[j] : 0.0f;
    s[j] = 0.0f;
  }
  for (int64_t r0 = 0; r0 < nrows; r0 += 64) {
    const int64_t r1 = r0 + 64 < nrows ? r0 + 64 : nrows;
    for (int64_t j = 0; j < w; ++j) blk[j] = 0.0f;
    for (int64_t r = r0; r < r1; ++r) {
      exp_sub(x + r * stride, ms, e, w);
      for (int64_t j = 0; j < w; ++j) blk[j] += e[j];
    }
    for (int64_t j = 0; j < w; ++j) s[j] += blk[j];
  }
  for (int64_t j = 0; j < w; ++j)
    out[j] = m[j] - m[j] == 0.0f ? m[j] + log_f32(s[j]) : m[j];
}

}  // namespace ember::cpu::EMBER_ISA
