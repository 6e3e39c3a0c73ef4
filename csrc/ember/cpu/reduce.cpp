// CPU reductions: threading, dtype dispatch and the plain templated kernels (float64, int64,
// bool, and the column cases the float32 SIMD kernels in isa/reduce_kernel.cpp do not cover).
// Two layouts run without copies: rows (inner == 1) and columns (inner > 1, reduce over the
// middle dim with a contiguous inner run).
#include "ember/cpu/reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/parallel.h"
#include "ember/cpu/isa.h"

namespace ember::cpu {

EMBER_ISA_DECLARE(float, sum_f32, (const float* x, int64_t n))
EMBER_ISA_DECLARE(float, sum_sqdev_f32, (const float* x, int64_t n, float mean))
EMBER_ISA_DECLARE(float, sum_exp_f32, (const float* x, int64_t n, float m))
EMBER_ISA_DECLARE(float, extreme_f32, (const float* x, int64_t n, int is_max))
EMBER_ISA_DECLARE(int64_t, arg_extreme_f32, (const float* x, int64_t n, int is_max, float* value))
EMBER_ISA_DECLARE(void, softmax_row_f32, (const float* x, float* y, int64_t n, int log))
EMBER_ISA_DECLARE(void, col_sum_f32, (const float* x, int64_t nrows, int64_t stride, int64_t w,
                                      float* out, const float* mean, int mode))
EMBER_ISA_DECLARE(void, softmax_backward_row_f32, (const float* y, const float* g, float* dx,
                                                   int64_t n, int log))
EMBER_ISA_DECLARE(void, col_softmax_f32, (const float* x, float* y, int64_t nrows, int64_t stride,
                                          int64_t w, int log))
EMBER_ISA_DECLARE(void, col_logsumexp_f32, (const float* x, int64_t nrows, int64_t stride, int64_t w,
                                            float* out))
EMBER_ISA_DECLARE(void, col_extreme_f32, (const float* x, int64_t nrows, int64_t stride, int64_t w,
                                          float* out, int is_max))

namespace {

constexpr int64_t kColW = 256;  // columns per task in the column layout

// Rows [0, rows) of length len: chunk(r, b, e) -> P for fixed chunks of each row, then
// finish(r, parts, nparts) in row order. Chunking depends only on len.
template <class P, class ChunkF, class FinishF>
void rows_chunked(int64_t rows, int64_t len, const ChunkF& chunk, const FinishF& finish) {
  const int64_t np = len <= kReduceChunk ? 1 : (len + kReduceChunk - 1) / kReduceChunk;
  if (np == 1) {
    parallel_for(rows, std::max<int64_t>(1, kReduceChunk / std::max<int64_t>(len, 1)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t r = b; r < e; ++r) {
                     P p = chunk(r, int64_t{0}, len);
                     finish(r, &p, int64_t{1});
                   }
                 });
    return;
  }
  std::vector<P> parts(static_cast<size_t>(rows * np));
  parallel_for(rows * np, 1, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      int64_t r = t / np, c = t % np;
      parts[static_cast<size_t>(t)] = chunk(r, c * kReduceChunk, std::min(len, (c + 1) * kReduceChunk));
    }
  });
  parallel_for(rows, 16, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) finish(r, parts.data() + r * np, np);
  });
}

// Column tasks: f(o, j0, w) for each outer index and block of kColW inner columns.
template <class F>
void cols(const ReduceLayout& l, const F& f) {
  const int64_t width = kColW;
  const int64_t nb = (l.inner + width - 1) / width;
  const int64_t work = std::max<int64_t>(1, l.len * std::min(l.inner, width));
  parallel_for(l.outer * nb, std::max<int64_t>(1, kReduceChunk / work), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      int64_t o = t / nb, j0 = (t % nb) * width;
      f(o, j0, std::min(width, l.inner - j0));
    }
  });
}

template <class A>
A pairwise_combine(const A* p, int64_t n) {
  if (n == 1) return p[0];
  int64_t h = n / 2;
  return pairwise_combine(p, h) + pairwise_combine(p + h, n - h);
}

// Blocked pairwise sum of f(i), i < n: accuracy O(log n), fixed order.
template <class A, class F>
A pairwise_sum(int64_t b, int64_t n, const F& f) {
  if (n <= 64) {
    A acc[8] = {};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
      for (int k = 0; k < 8; ++k) acc[k] += f(b + i + k);
    A s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < n; ++i) s += f(b + i);
    return s;
  }
  int64_t h = (n / 2 + 7) / 8 * 8;
  return pairwise_sum<A>(b, h, f) + pairwise_sum<A>(b + h, n - h, f);
}

template <class T>
bool takes(T cur, T x, bool is_max) {
  if constexpr (std::is_floating_point_v<T>) {
    if (cur != cur) return false;
    if (x != x) return true;
  }
  return is_max ? x > cur : x < cur;
}

// Generic column sum (two-level: blocks of 64 rows) for w columns starting at p.
template <class T>
void col_sum_generic(const T* p, int64_t len, int64_t stride, int64_t w, T* out, const T* mean) {
  T blk[kColW], mid[kColW];
  std::fill(out, out + w, T(0));
  for (int64_t r0 = 0; r0 < len; r0 += 4096) {
    std::fill(mid, mid + w, T(0));
    for (int64_t r1 = r0; r1 < std::min(len, r0 + 4096); r1 += 64) {
      std::fill(blk, blk + w, T(0));
      for (int64_t r = r1; r < std::min(len, r1 + 64); ++r) {
        const T* row = p + r * stride;
        if (mean) {
          for (int64_t j = 0; j < w; ++j) { T d = row[j] - mean[j]; blk[j] += d * d; }
        } else {
          for (int64_t j = 0; j < w; ++j) blk[j] += row[j];
        }
      }
      for (int64_t j = 0; j < w; ++j) mid[j] += blk[j];
    }
    for (int64_t j = 0; j < w; ++j) out[j] += mid[j];
  }
}

}  // namespace

void sum(const Tensor& x, const ReduceLayout& l, Tensor& out) {
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) {
      EMBER_THROW(TypeError, "[sum] internal: bool input reached the kernel");
    } else {
      const T* in = x.data<T>();
      T* o = out.data<T>();
      if (l.inner == 1) {
        rows_chunked<T>(l.outer, l.len,
            [&](int64_t r, int64_t b, int64_t e) -> T {
              const T* p = in + r * l.len + b;
              if constexpr (std::is_same_v<T, float>) return EMBER_ISA_CALL(sum_f32, p, e - b);
              else return pairwise_sum<T>(0, e - b, [p](int64_t i) { return p[i]; });
            },
            [&](int64_t r, const T* parts, int64_t n) { o[r] = pairwise_combine(parts, n); });
        return;
      }
      cols(l, [&](int64_t oi, int64_t j0, int64_t w) {
        const T* p = in + oi * l.len * l.inner + j0;
        T* dst = o + oi * l.inner + j0;
        if constexpr (std::is_same_v<T, float>)
          EMBER_ISA_CALL(col_sum_f32, p, l.len, l.inner, w, dst, nullptr, 0);
        else col_sum_generic<T>(p, l.len, l.inner, w, dst, nullptr);
      });
    }
  });
}

void var(const Tensor& x, const ReduceLayout& l, double correction, bool take_sqrt, Tensor& out) {
  dispatch_float(x.dtype(), "var", [&](auto tag) {
    using T = decltype(tag);
    const T* in = x.data<T>();
    T* o = out.data<T>();
    const T denom = static_cast<T>(std::max(0.0, static_cast<double>(l.len) - correction));
    const T n = static_cast<T>(l.len);
    auto fin = [&](T ss) { T v = ss / denom; return take_sqrt ? std::sqrt(v) : v; };
    if (l.inner == 1) {
      std::vector<T> mean(static_cast<size_t>(l.outer));
      rows_chunked<T>(l.outer, l.len,
          [&](int64_t r, int64_t b, int64_t e) -> T {
            const T* p = in + r * l.len + b;
            if constexpr (std::is_same_v<T, float>) return EMBER_ISA_CALL(sum_f32, p, e - b);
            else return pairwise_sum<T>(0, e - b, [p](int64_t i) { return p[i]; });
          },
          [&](int64_t r, const T* parts, int64_t k) { mean[r] = pairwise_combine(parts, k) / n; });
      rows_chunked<T>(l.outer, l.len,
          [&](int64_t r, int64_t b, int64_t e) -> T {
            const T* p = in + r * l.len + b;
            const T m = mean[r];
            if constexpr (std::is_same_v<T, float>) return EMBER_ISA_CALL(sum_sqdev_f32, p, e - b, m);
            else return pairwise_sum<T>(0, e - b, [p, m](int64_t i) { T d = p[i] - m; return d * d; });
          },
          [&](int64_t r, const T* parts, int64_t k) { o[r] = fin(pairwise_combine(parts, k)); });
      return;
    }
    cols(l, [&](int64_t oi, int64_t j0, int64_t w) {
      const T* p = in + oi * l.len * l.inner + j0;
      T* dst = o + oi * l.inner + j0;
      T mean[kColW];
      if constexpr (std::is_same_v<T, float>) {
        EMBER_ISA_CALL(col_sum_f32, p, l.len, l.inner, w, mean, nullptr, 0);
        for (int64_t j = 0; j < w; ++j) mean[j] /= n;
        EMBER_ISA_CALL(col_sum_f32, p, l.len, l.inner, w, dst, mean, 1);
      } else {
        col_sum_generic<T>(p, l.len, l.inner, w, mean, nullptr);
        for (int64_t j = 0; j < w; ++j) mean[j] /= n;
        col_sum_generic<T>(p, l.len, l.inner, w, dst, mean);
      }
      for (int64_t j = 0; j < w; ++j) dst[j] = fin(dst[j]);
    });
  });
}

void extreme(const Tensor& x, const ReduceLayout& l, bool is_max, Tensor* values, Tensor* indices) {
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* in = x.data<T>();
    T* ov = values ? values->data<T>() : nullptr;
    int64_t* oi = indices ? indices->data<int64_t>() : nullptr;
    if (l.inner == 1) {
      using P = std::pair<T, int64_t>;
      rows_chunked<P>(l.outer, l.len,
          [&](int64_t r, int64_t b, int64_t e) -> P {
            const T* p = in + r * l.len + b;
            if constexpr (std::is_same_v<T, float>) {
              if (!oi) return {EMBER_ISA_CALL(extreme_f32, p, e - b, is_max ? 1 : 0), b};
              float v;
              int64_t i = EMBER_ISA_CALL(arg_extreme_f32, p, e - b, is_max ? 1 : 0, &v);
              return {v, b + i};
            } else {
              T best = p[0];
              int64_t bi = 0;
              for (int64_t i = 1; i < e - b; ++i)
                if (takes(best, p[i], is_max)) { best = p[i]; bi = i; }
              return {best, b + bi};
            }
          },
          [&](int64_t r, const P* parts, int64_t k) {
            P best = parts[0];
            for (int64_t c = 1; c < k; ++c)
              if (takes(best.first, parts[c].first, is_max)) best = parts[c];
            if (ov) ov[r] = best.first;
            if (oi) oi[r] = best.second;
          });
      return;
    }
    cols(l, [&](int64_t o, int64_t j0, int64_t w) {
      const T* p = in + o * l.len * l.inner + j0;
      const int64_t base = o * l.inner + j0;
      if constexpr (std::is_same_v<T, float>) {
        if (!oi) {
          EMBER_ISA_CALL(col_extreme_f32, p, l.len, l.inner, w, ov + base, is_max ? 1 : 0);
          return;
        }
      }
      T best[kColW];
      int64_t bi[kColW] = {};
      std::copy(p, p + w, best);
      for (int64_t r = 1; r < l.len; ++r) {
        const T* row = p + r * l.inner;
        for (int64_t j = 0; j < w; ++j)
          if (takes(best[j], row[j], is_max)) { best[j] = row[j]; bi[j] = r; }
      }
      if (ov) std::copy(best, best + w, ov + base);
      if (oi) std::copy(bi, bi + w, oi + base);
    });
  });
}

void logsumexp(const Tensor& x, const ReduceLayout& l, Tensor& out) {
  dispatch_float(x.dtype(), "logsumexp", [&](auto tag) {
    using T = decltype(tag);
    const T* in = x.data<T>();
    T* o = out.data<T>();
    if (l.inner == 1) {
      using P = std::pair<T, T>;  // (max, sum of exp(x - max)) of one chunk
      rows_chunked<P>(l.outer, l.len,
          [&](int64_t r, int64_t b, int64_t e) -> P {
            const T* p = in + r * l.len + b;
            const int64_t n = e - b;
            if (n == 0) return {-std::numeric_limits<T>::infinity(), T(0)};
            T m;
            if constexpr (std::is_same_v<T, float>) m = EMBER_ISA_CALL(extreme_f32, p, n, 1);
            else {
              m = p[0];
              for (int64_t i = 1; i < n; ++i) if (takes(m, p[i], true)) m = p[i];
            }
            if (!std::isfinite(m)) return {m, T(1)};
            T s;
            if constexpr (std::is_same_v<T, float>) s = EMBER_ISA_CALL(sum_exp_f32, p, n, m);
            else s = pairwise_sum<T>(0, n, [p, m](int64_t i) { return std::exp(p[i] - m); });
            return {m, s};
          },
          [&](int64_t r, const P* parts, int64_t k) {
            T m = parts[0].first;
            for (int64_t c = 1; c < k; ++c) if (takes(m, parts[c].first, true)) m = parts[c].first;
            if (!std::isfinite(m)) { o[r] = m; return; }  // NaN, +inf, or all -inf
            T s = 0;
            for (int64_t c = 0; c < k; ++c)
              if (parts[c].first != -std::numeric_limits<T>::infinity())
                s += parts[c].second * std::exp(parts[c].first - m);
            o[r] = m + std::log(s);
          });
      return;
    }
    cols(l, [&](int64_t oi, int64_t j0, int64_t w) {
      const T* p = in + oi * l.len * l.inner + j0;
      if constexpr (std::is_same_v<T, float>) {
        EMBER_ISA_CALL(col_logsumexp_f32, p, l.len, l.inner, w, o + oi * l.inner + j0);
        return;
      }
      T m[kColW], s[kColW];
      std::copy(p, p + w, m);
      for (int64_t r = 1; r < l.len; ++r)
        for (int64_t j = 0; j < w; ++j) if (takes(m[j], p[r * l.inner + j], true)) m[j] = p[r * l.inner + j];
      for (int64_t j = 0; j < w; ++j) if (!std::isfinite(m[j])) m[j] = m[j] != m[j] ? m[j] : T(0);
      std::fill(s, s + w, T(0));
      for (int64_t r = 0; r < l.len; ++r)
        for (int64_t j = 0; j < w; ++j) s[j] += std::exp(p[r * l.inner + j] - m[j]);
      for (int64_t j = 0; j < w; ++j) o[oi * l.inner + j0 + j] = m[j] + std::log(s[j]);
    });
  });
}

void softmax(const Tensor& x, const ReduceLayout& l, bool log, Tensor& out) {
  dispatch_float(x.dtype(), log ? "log_softmax" : "softmax", [&](auto tag) {
    using T = decltype(tag);
    const T* in = x.data<T>();
    T* o = out.data<T>();
    if (l.inner == 1) {
      parallel_for(l.outer, std::max<int64_t>(1, 16384 / std::max<int64_t>(l.len, 1)),
                   [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r) {
          const T* p = in + r * l.len;
          T* y = o + r * l.len;
          if constexpr (std::is_same_v<T, float>) {
            EMBER_ISA_CALL(softmax_row_f32, p, y, l.len, log ? 1 : 0);
          } else {
            T m = p[0];
            for (int64_t i = 1; i < l.len; ++i) if (takes(m, p[i], true)) m = p[i];
            for (int64_t i = 0; i < l.len; ++i) y[i] = std::exp(p[i] - m);
            T s = pairwise_sum<T>(0, l.len, [y](int64_t i) { return y[i]; });
            if (log) { T ls = std::log(s); for (int64_t i = 0; i < l.len; ++i) y[i] = (p[i] - m) - ls; }
            else for (int64_t i = 0; i < l.len; ++i) y[i] /= s;
          }
        }
      });
      return;
    }
    cols(l, [&](int64_t oi, int64_t j0, int64_t w) {
      const int64_t off = oi * l.len * l.inner + j0;
      const T* p = in + off;
      T* y = o + off;
      if constexpr (std::is_same_v<T, float>) {
        EMBER_ISA_CALL(col_softmax_f32, p, y, l.len, l.inner, w, log ? 1 : 0);
        return;
      }
      T m[kColW], s[kColW];
      std::copy(p, p + w, m);
      for (int64_t r = 1; r < l.len; ++r)
        for (int64_t j = 0; j < w; ++j) if (takes(m[j], p[r * l.inner + j], true)) m[j] = p[r * l.inner + j];
      std::fill(s, s + w, T(0));
      for (int64_t r = 0; r < l.len; ++r)
        for (int64_t j = 0; j < w; ++j) {
          T e = std::exp(p[r * l.inner + j] - m[j]);
          y[r * l.inner + j] = e;
          s[j] += e;
        }
      for (int64_t j = 0; j < w; ++j) s[j] = log ? std::log(s[j]) : T(1) / s[j];
      for (int64_t r = 0; r < l.len; ++r)
        for (int64_t j = 0; j < w; ++j) {
          T& v = y[r * l.inner + j];
          v = log ? (p[r * l.inner + j] - m[j]) - s[j] : v * s[j];
        }
    });
  });
}

void softmax_backward(const Tensor& yt, const Tensor& gt, const ReduceLayout& l, bool log, Tensor& dxt) {
  dispatch_float(yt.dtype(), log ? "log_softmax_backward" : "softmax_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* y = yt.data<T>();
    const T* g = gt.data<T>();
    T* dx = dxt.data<T>();
    if (l.inner == 1) {
      parallel_for(l.outer, std::max<int64_t>(1, 16384 / std::max<int64_t>(l.len, 1)),
                   [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r) {
          const int64_t off = r * l.len;
          if constexpr (std::is_same_v<T, float>) {
            EMBER_ISA_CALL(softmax_backward_row_f32, y + off, g + off, dx + off, l.len, log ? 1 : 0);
          } else {
            const T* yr = y + off;
            const T* gr = g + off;
            T* d = dx + off;
            if (log) {
              T s = pairwise_sum<T>(0, l.len, [gr](int64_t i) { return gr[i]; });
              for (int64_t i = 0; i < l.len; ++i) d[i] = gr[i] - std::exp(yr[i]) * s;
            } else {
              T s = pairwise_sum<T>(0, l.len, [gr, yr](int64_t i) { return gr[i] * yr[i]; });
              for (int64_t i = 0; i < l.len; ++i) d[i] = yr[i] * (gr[i] - s);
            }
          }
        }
      });
      return;
    }
    cols(l, [&](int64_t oi, int64_t j0, int64_t w) {
      const int64_t off = oi * l.len * l.inner + j0;
      const T* yr = y + off;
      const T* gr = g + off;
      T* d = dx + off;
      T s[kColW];
      std::fill(s, s + w, T(0));
      for (int64_t r = 0; r < l.len; ++r)
        for (int64_t j = 0; j < w; ++j) {
          const int64_t k = r * l.inner + j;
          s[j] += log ? gr[k] : gr[k] * yr[k];
        }
      for (int64_t r = 0; r < l.len; ++r)
        for (int64_t j = 0; j < w; ++j) {
          const int64_t k = r * l.inner + j;
          d[k] = log ? gr[k] - std::exp(yr[k]) * s[j] : yr[k] * (gr[k] - s[j]);
        }
    });
  });
}

void any_all(const Tensor& x, const ReduceLayout& l, bool is_any, Tensor& out) {
  const bool* in = x.data<bool>();
  bool* o = out.data<bool>();
  if (l.inner == 1) {
    rows_chunked<char>(l.outer, l.len,
        [&](int64_t r, int64_t b, int64_t e) -> char {
          const bool* p = in + r * l.len;
          for (int64_t i = b; i < e; ++i) if (p[i] == is_any) return is_any;
          return !is_any;
        },
        [&](int64_t r, const char* parts, int64_t k) {
          bool v = !is_any;
          for (int64_t c = 0; c < k; ++c) if (static_cast<bool>(parts[c]) == is_any) v = is_any;
          o[r] = v;
        });
    return;
  }
  cols(l, [&](int64_t oi, int64_t j0, int64_t w) {
    const bool* p = in + oi * l.len * l.inner + j0;
    bool* dst = o + oi * l.inner + j0;
    std::fill(dst, dst + w, !is_any);
    for (int64_t r = 0; r < l.len; ++r)
      for (int64_t j = 0; j < w; ++j) if (p[r * l.inner + j] == is_any) dst[j] = is_any;
  });
}

}  // namespace ember::cpu
