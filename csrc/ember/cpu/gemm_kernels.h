// The float32 GEMM building blocks of isa/gemm_kernel.cpp (one set per ISA): micro-kernel
// shape, A / B panel packing and the macro-kernel over packed panels. gemm.cpp builds the
// GEMM from them; conv.cpp and rnn.cpp reuse them to pack an operand once per call.
#pragma once
#include <cstdint>

#include "ember/cpu/isa.h"

namespace ember::cpu {

EMBER_ISA_DECLARE(void, gemm_kernel_shape, (int64_t* mr, int64_t* nr))
EMBER_ISA_DECLARE(void, gemm_pack_a, (int64_t mc, int64_t kc, const float* A, int64_t rs,
                                      int64_t cs, float* dst))
EMBER_ISA_DECLARE(void, gemm_pack_b, (int64_t kc, int64_t nc, const float* B, int64_t rs,
                                      int64_t cs, float* dst))
EMBER_ISA_DECLARE(void, gemm_macro, (int64_t mc, int64_t nc, int64_t kc, const float* Ap,
                                     const float* Bp, float* C, int64_t c_rs, int64_t c_cs,
                                     float alpha, float beta))

}  // namespace ember::cpu
