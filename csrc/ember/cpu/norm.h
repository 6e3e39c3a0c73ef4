// Per-ISA normalisation kernels (cpu/isa/norm_kernel.cpp). Layouts: layer/RMS norm work on
// `rows` contiguous rows of length d; batch norm on a contiguous (N, C, L) tensor over the
// channel range [c0, c1). Backward kernels write dw/db partials for their block of rows.
#pragma once
#include <cstdint>

#include "ember/cpu/isa.h"

#define EMBER_NORM_DECLARE(T)                                                                  \
  EMBER_ISA_DECLARE(void, layer_norm_forward, (const T* x, const T* w, const T* b, T* y,      \
                    T* mean, T* rstd, int64_t rows, int64_t d, double eps, bool rms))          \
  EMBER_ISA_DECLARE(void, layer_norm_backward, (const T* dy, const T* x, const T* mean,       \
                    const T* rstd, const T* w, T* dx, T* dw_part, T* db_part, int64_t rows,   \
                    int64_t d, bool rms))                                                      \
  EMBER_ISA_DECLARE(void, batch_norm_stats, (const T* x, int64_t n, int64_t c, int64_t l,     \
                    int64_t c0, int64_t c1, T* mean, T* var))                                  \
  EMBER_ISA_DECLARE(void, batch_norm_apply, (const T* x, const T* mean, const T* invstd,      \
                    const T* w, const T* b, T* y, int64_t n, int64_t c, int64_t l, int64_t c0, \
                    int64_t c1))                                                               \
  EMBER_ISA_DECLARE(void, batch_norm_backward, (const T* dy, const T* x, const T* mean,       \
                    const T* invstd, const T* w, T* dx, T* dw, T* db, int64_t n, int64_t c,   \
                    int64_t l, int64_t c0, int64_t c1, bool training))

namespace ember::cpu {
EMBER_NORM_DECLARE(float)
EMBER_NORM_DECLARE(double)
}  // namespace ember::cpu
