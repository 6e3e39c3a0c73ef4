// Per-ISA pooling kernels (cpu/isa/pool_kernel.cpp) over contiguous (planes, IH, IW) inputs.
// Windows are described per output row/column by tables built in ops/pool.cpp: [hs, he) with
// step dh for rows (clamped to the input), [ws, we) with step dw for columns, so one kernel
// serves plain, dilated, padded, ceil-mode and adaptive pooling. Each call handles planes
// [p0, p1) serially; the caller splits planes over threads, so results never depend on it.
#pragma once
#include <cstdint>

#include "ember/cpu/isa.h"

#define EMBER_POOL_DECLARE(T)                                                                   \
  EMBER_ISA_DECLARE(void, pool_max_forward, (const T* x, T* y, int64_t* idx, int64_t p0,       \
                    int64_t p1, int64_t ih, int64_t iw, int64_t oh, int64_t ow, const int64_t* hs, \
                    const int64_t* he, const int64_t* ws, const int64_t* we, int64_t dh,        \
                    int64_t dw, bool fast2x2))                                                  \
  EMBER_ISA_DECLARE(void, pool_max_backward, (const T* x, const T* dy, T* dx, int64_t p0,      \
                    int64_t p1, int64_t ih, int64_t iw, int64_t oh, int64_t ow, const int64_t* hs, \
                    const int64_t* he, const int64_t* ws, const int64_t* we, int64_t dh,        \
                    int64_t dw, bool fast2x2))                                                  \
  EMBER_ISA_DECLARE(void, pool_avg_forward, (const T* x, T* y, int64_t p0, int64_t p1,         \
                    int64_t ih, int64_t iw, int64_t oh, int64_t ow, const int64_t* hs,          \
                    const int64_t* he, const int64_t* ws, const int64_t* we, const int64_t* fh, \
                    const int64_t* fw, int64_t divisor, bool fast2x2))                          \
  EMBER_ISA_DECLARE(void, pool_avg_backward, (const T* dy, T* dx, int64_t p0, int64_t p1,      \
                    int64_t ih, int64_t iw, int64_t oh, int64_t ow, const int64_t* hs,          \
                    const int64_t* he, const int64_t* ws, const int64_t* we, const int64_t* fh, \
                    const int64_t* fw, int64_t divisor, bool fast2x2))

namespace ember::cpu {
EMBER_POOL_DECLARE(float)
EMBER_POOL_DECLARE(double)
}  // namespace ember::cpu

// Padding and resampling kernels (cpu/pool.cpp; plain C++, float32/float64). Planes
// [p0, p1) of contiguous tensors; one call is serial, the caller splits planes over threads.
namespace ember::cpu {

// Pads the last m dims of each plane: maps[j][o] is the input index read for output index o
// of padded dim j, or -1 for the constant `value`. in/out hold the m sizes.
template <class T>
void pad_forward(const T* x, T* y, int64_t p0, int64_t p1, int64_t m, const int64_t* in,
                 const int64_t* out, const int64_t* const* maps, T value);
// dx (zeroed here) += dy routed back through the same maps.
template <class T>
void pad_backward(const T* dy, T* dx, int64_t p0, int64_t p1, int64_t m, const int64_t* in,
                  const int64_t* out, const int64_t* const* maps);

// Separable 2-D resampling of (ih, iw) planes to (oh, ow): output (r, c) reads rows h0[r],
// h1[r] with weights lh0[r], lh1[r] and columns likewise. nearest=true reads (h0, w0) only.
struct ResampleTables {
  int64_t ih, iw, oh, ow;
  bool nearest;
  const int64_t *h0, *h1, *w0, *w1;
  const double *lh0, *lh1, *lw0, *lw1;
};
template <class T>
void resample_forward(const T* x, T* y, int64_t p0, int64_t p1, const ResampleTables& t);
template <class T>
void resample_backward(const T* dy, T* dx, int64_t p0, int64_t p1, const ResampleTables& t);

}  // namespace ember::cpu
