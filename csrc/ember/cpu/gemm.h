// General matrix multiply on the CPU: C = alpha * op(A) op(B) + beta * C. float32 runs the
// BLIS-style blocked kernel (packing + per-ISA micro-kernel); float64 and int64 run a plain
// loop (they serve gradient checks and index maths). Operands are read through arbitrary
// element strides, so transposed or permuted views need no copy. C must not overlap A or B.
// Results are bitwise identical for any thread count: K is never split across threads.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>

namespace ember::cpu {

// A packing buffer for one thread (declare it thread_local): 64-byte aligned, grown on demand
// and reused across calls; get returns null when the allocation fails.
struct PackBuffer {
  float* p = nullptr;
  size_t n = 0;
  PackBuffer() = default;
  PackBuffer(const PackBuffer&) = delete;
  PackBuffer& operator=(const PackBuffer&) = delete;
  ~PackBuffer() { std::free(p); }
  float* get(size_t want) {
    if (want > n) {
      std::free(p);
      size_t bytes = (want * sizeof(float) + 63) / 64 * 64;
      p = static_cast<float*>(std::aligned_alloc(64, bytes));
      n = p ? want : 0;
    }
    return p;
  }
};

// A matrix operand: element (i, j) lives at p[i * rs + j * cs].
template <class T>
struct MatView {
  T* p;
  int64_t rs, cs;
};

// C (M x N) = alpha * A (M x K) B (K x N) + beta * C, strided. C is not read when beta == 0
// (so NaNs there do not propagate, as in BLAS).
void gemm_strided(int64_t M, int64_t N, int64_t K, float alpha, MatView<const float> A,
                  MatView<const float> B, float beta, MatView<float> C);

// Row-major BLAS-style entry: op(X) = X^T when trans_x; lda/ldb/ldc are row strides.
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
          const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
          int64_t ldc);

// batch products: matrix b uses A.p + a_off[b], B.p + b_off[b], C.p + c_off[b] (offsets in
// elements; broadcast batch dims repeat offsets). Parallel over batch x tiles of C.
template <class T>
void gemm_batched(int64_t batch, const int64_t* a_off, const int64_t* b_off,
                  const int64_t* c_off, int64_t M, int64_t N, int64_t K, T alpha,
                  MatView<const T> A, MatView<const T> B, T beta, MatView<T> C);

// Plain triple loop (the reference the tuned kernel is tested against), single-threaded.
template <class T>
void gemm_reference(int64_t M, int64_t N, int64_t K, T alpha, MatView<const T> A,
                    MatView<const T> B, T beta, MatView<T> C);

}  // namespace ember::cpu
