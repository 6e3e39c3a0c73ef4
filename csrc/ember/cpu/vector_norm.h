// Per-ISA float32 kernel of linalg.vector_norm (cpu/isa/vector_norm_kernel.cpp).
#pragma once
#include <cstdint>

#include "ember/cpu/isa.h"

namespace ember::cpu {

// sum of x[i]^2 over n contiguous floats (float lanes per 256-element block, blocks in double).
EMBER_ISA_DECLARE(double, sumsq_f32, (const float* x, int64_t n))

}  // namespace ember::cpu
