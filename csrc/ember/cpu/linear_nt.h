// Small-M float32 linear on the CPU: C = A W^T + bias [+ residual] [relu] for a weight W
// (N x K) whose rows are contiguous, computed transposed so that W is read in place and only
// A is packed (isa/linear_nt_kernel.cpp). Used where M is small enough that packing W would
// cost a large share of the product (transformer inference). Bitwise identical for any
// thread count: every element is one FMA chain over K, whatever the split.
#pragma once
#include <cstdint>

namespace ember::cpu {

// True when this CPU has the kernel (AVX-512 or AVX2) and the shape is one it serves well.
bool linear_nt_suits(int64_t M, int64_t N, int64_t K);

// C[i * c_rs + j] = sum_k A[i * a_rs + k * a_cs] W[j * w_rs + k] + bias[j]
//                   (+ R[i * r_rs + j]) (relu when relu), bias / R optional (null).
// Requires linear_nt_suits(M, N, K). C must not overlap A, W or R.
void linear_nt(int64_t M, int64_t N, int64_t K, const float* A, int64_t a_rs, int64_t a_cs,
               const float* W, int64_t w_rs, const float* bias, const float* R, int64_t r_rs,
               bool relu, float* C, int64_t c_rs);

}  // namespace ember::cpu
