// Per-ISA rotary kernel (cpu/isa/rotary_kernel.cpp): rotates `rows` contiguous rows of x
// (length 2 * half) into y; row r uses table row (r % L) of cos/sin (L, half), contiguous.
// Single-threaded: the caller splits rows over threads.
#pragma once
#include <cstdint>

#include "ember/cpu/isa.h"

#define EMBER_ROTARY_DECLARE(T)                                                            \
  EMBER_ISA_DECLARE(void, rotary_forward, (const T* x, const T* cos, const T* sin, T* y,   \
                    int64_t row0, int64_t rows, int64_t L, int64_t half, bool interleaved))

namespace ember::cpu {
EMBER_ROTARY_DECLARE(float)
EMBER_ROTARY_DECLARE(double)
}  // namespace ember::cpu
