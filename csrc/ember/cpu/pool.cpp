// Padding and bilinear/nearest resampling kernels (see cpu/pool.h). Backward kernels
// accumulate within one plane in a fixed order, so they are deterministic when planes are
// split over threads.
#include "ember/cpu/pool.h"

#include <cstring>

namespace ember::cpu {

namespace {

template <class T>
void pad_rec(const T* x, T* y, int64_t j, int64_t m, const int64_t* in, const int64_t* out,
             const int64_t* istr, const int64_t* ostr, const int64_t* const* maps, T value) {
  const int64_t* map = maps[j];
  if (j == m - 1) {
    for (int64_t o = 0; o < out[j]; ++o) y[o] = map[o] < 0 ? value : x[map[o]];
    return;
  }
  for (int64_t o = 0; o < out[j]; ++o) {
    T* yo = y + o * ostr[j];
    if (map[o] < 0) {
      for (int64_t k = 0; k < ostr[j]; ++k) yo[k] = value;
    } else {
      pad_rec(x + map[o] * istr[j], yo, j + 1, m, in, out, istr, ostr, maps, value);
    }
  }
}

template <class T>
void pad_back_rec(const T* dy, T* dx, int64_t j, int64_t m, const int64_t* in, const int64_t* out,
                  const int64_t* istr, const int64_t* ostr, const int64_t* const* maps) {
  const int64_t* map = maps[j];
  for (int64_t o = 0; o < out[j]; ++o) {
    if (map[o] < 0) continue;
    if (j == m - 1)
      dx[map[o]] += dy[o];
    else
      pad_back_rec(dy + o * ostr[j], dx + map[o] * istr[j], j + 1, m, in, out, istr, ostr, maps);
  }
}

void strides(int64_t m, const int64_t* s, int64_t* st) {
  int64_t acc = 1;
  for (int64_t j = m - 1; j >= 0; --j) { st[j] = acc; acc *= s[j]; }
}

}  // namespace

template <class T>
void pad_forward(const T* x, T* y, int64_t p0, int64_t p1, int64_t m, const int64_t* in,
                 const int64_t* out, const int64_t* const* maps, T value) {
  int64_t istr[16], ostr[16];
  strides(m, in, istr);
  strides(m, out, ostr);
  const int64_t isz = istr[0] * in[0], osz = ostr[0] * out[0];
  for (int64_t p = p0; p < p1; ++p)
    pad_rec(x + p * isz, y + p * osz, 0, m, in, out, istr, ostr, maps, value);
}

template <class T>
void pad_backward(const T* dy, T* dx, int64_t p0, int64_t p1, int64_t m, const int64_t* in,
                  const int64_t* out, const int64_t* const* maps) {
  int64_t istr[16], ostr[16];
  strides(m, in, istr);
  strides(m, out, ostr);
  const int64_t isz = istr[0] * in[0], osz = ostr[0] * out[0];
  std::memset(dx + p0 * isz, 0, sizeof(T) * (p1 - p0) * isz);
  for (int64_t p = p0; p < p1; ++p)
    pad_back_rec(dy + p * osz, dx + p * isz, 0, m, in, out, istr, ostr, maps);
}

template <class T>
void resample_forward(const T* x, T* y, int64_t p0, int64_t p1, const ResampleTables& t) {
  for (int64_t p = p0; p < p1; ++p) {
    const T* xp = x + p * t.ih * t.iw;
    T* yp = y + p * t.oh * t.ow;
    for (int64_t r = 0; r < t.oh; ++r) {
      const T* a = xp + t.h0[r] * t.iw;
      T* o = yp + r * t.ow;
      if (t.nearest) {
        for (int64_t c = 0; c < t.ow; ++c) o[c] = a[t.w0[c]];
        continue;
      }
      const T* b = xp + t.h1[r] * t.iw;
      const T lh0 = static_cast<T>(t.lh0[r]), lh1 = static_cast<T>(t.lh1[r]);
      for (int64_t c = 0; c < t.ow; ++c) {
        const T lw0 = static_cast<T>(t.lw0[c]), lw1 = static_cast<T>(t.lw1[c]);
        T top = lw0 * a[t.w0[c]] + lw1 * a[t.w1[c]];
        if (lh1 == T(0)) { o[c] = top; continue; }  // 1-D or exact rows: no 0 * inf
        o[c] = lh0 * top + lh1 * (lw0 * b[t.w0[c]] + lw1 * b[t.w1[c]]);
      }
    }
  }
}

template <class T>
void resample_backward(const T* dy, T* dx, int64_t p0, int64_t p1, const ResampleTables& t) {
  std::memset(dx + p0 * t.ih * t.iw, 0, sizeof(T) * (p1 - p0) * t.ih * t.iw);
  for (int64_t p = p0; p < p1; ++p) {
    const T* gp = dy + p * t.oh * t.ow;
    T* dp = dx + p * t.ih * t.iw;
    for (int64_t r = 0; r < t.oh; ++r) {
      T* a = dp + t.h0[r] * t.iw;
      const T* g = gp + r * t.ow;
      if (t.nearest) {
        for (int64_t c = 0; c < t.ow; ++c) a[t.w0[c]] += g[c];
        continue;
      }
      T* b = dp + t.h1[r] * t.iw;
      const T lh0 = static_cast<T>(t.lh0[r]), lh1 = static_cast<T>(t.lh1[r]);
      for (int64_t c = 0; c < t.ow; ++c) {
        const T lw0 = static_cast<T>(t.lw0[c]), lw1 = static_cast<T>(t.lw1[c]);
        a[t.w0[c]] += lh0 * lw0 * g[c];
        a[t.w1[c]] += lh0 * lw1 * g[c];
        if (lh1 == T(0)) continue;
        b[t.w0[c]] += lh1 * lw0 * g[c];
        b[t.w1[c]] += lh1 * lw1 * g[c];
      }
    }
  }
}

#define EMBER_PAD_INSTANTIATE(T)                                                               \
  template void pad_forward<T>(const T*, T*, int64_t, int64_t, int64_t, const int64_t*,       \
                               const int64_t*, const int64_t* const*, T);                     \
  template void pad_backward<T>(const T*, T*, int64_t, int64_t, int64_t, const int64_t*,      \
                                const int64_t*, const int64_t* const*);                       \
  template void resample_forward<T>(const T*, T*, int64_t, int64_t, const ResampleTables&);   \
  template void resample_backward<T>(const T*, T*, int64_t, int64_t, const ResampleTables&);

EMBER_PAD_INSTANTIATE(float)
EMBER_PAD_INSTANTIATE(double)

}  // namespace ember::cpu
