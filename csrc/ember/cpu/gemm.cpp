// GEMM driver: BLIS-style blocking (K in KC slices, A in MC x KC blocks, B in KC x TN
// panels) over the per-ISA packing and micro-kernels of isa/gemm_kernel.cpp, threaded over
// a grid of C tiles fixed by the shapes alone (never over K), plus the plain loops used for
// float64/int64 and as the reference. Limit: C must not overlap A or B.
#include "ember/cpu/gemm.h"

#include <cstdlib>
#include <cstring>
#include <tuple>
#include <type_traits>

#include "ember/core/parallel.h"
#include "ember/cpu/gemm_kernels.h"
#include "ember/cpu/isa.h"

namespace ember::cpu {

EMBER_ISA_DECLARE(void, gemv, (int64_t m, int64_t k, float alpha, const float* A, int64_t a_rs,
                               int64_t a_cs, const float* x, int64_t incx, float beta, float* y,
                               int64_t incy))

namespace {

// Blocking for a core with 32 KiB L1d and 1 MiB L2 (AMD Zen 4; fine on most x86-64):
// a KC x NR micro-panel of B stays in L1 while the MC x KC block of A streams from L2 and
// the packed KC x TN panel of B from L2. C is cut into tiles of at most TM x TN, and a
// product large enough to share into at least min_tiles tiles (default: the thread count).
// EMBER_GEMM_BLOCKING="mc,kc,tn,tm,min_tiles" overrides them (tuning aid, read once). Only
// kc changes the rounding of results (it fixes where partial sums over K are merged).
struct Blocking {
  int64_t mr, nr, mc, kc, tn, tm, min_tiles;
};

int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }
int64_t ceil_div(int64_t x, int64_t m) { return (x + m - 1) / m; }

const Blocking& blocking() {
  static const Blocking b = [] {
    Blocking r{};
    EMBER_ISA_CALL(gemm_kernel_shape, &r.mr, &r.nr);
    int64_t mc = 144, kc = 256, tn = 512, tm = 1152;
    r.min_tiles = 0;  // 0: one tile per thread
    if (const char* env = std::getenv("EMBER_GEMM_BLOCKING")) {
      long v[5] = {0, 0, 0, 0, 0};
      char* p = const_cast<char*>(env);
      for (int i = 0; i < 5 && *p; ++i) {
        v[i] = std::strtol(p, &p, 10);
        if (*p == ',') ++p;
      }
      if (v[0] > 0) mc = v[0];
      if (v[1] > 0) kc = v[1];
      if (v[2] > 0) tn = v[2];
      if (v[3] > 0) tm = v[3];
      if (v[4] > 0) r.min_tiles = v[4];
    }
    r.mc = round_up(mc, r.mr);
    r.kc = kc;
    r.tn = round_up(tn, r.nr);
    r.tm = round_up(tm < r.mc ? r.mc : tm, r.mc);
    return r;
  }();
  return b;
}

thread_local PackBuffer tl_pack_a, tl_pack_b;

// Work per parallel chunk below which threads cost more than they give (multiply-adds,
// about 10-20 us on one core): waking a second thread costs microseconds when it is idle
// and a whole scheduler time slice when the machine is busy.
constexpr int64_t kMinChunkWork = int64_t{1} << 20;

int64_t grain_for(int64_t task_work) {
  if (task_work <= 0) return 1;
  int64_t g = kMinChunkWork / task_work;
  return g < 1 ? 1 : g;
}

template <class T>
void scale_c(int64_t M, int64_t N, T beta, MatView<T> C) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      T& c = C.p[i * C.rs + j * C.cs];
      c = beta == T(0) ? T(0) : beta * c;
    }
}

// One tile of C with the blocked float32 kernel.
void gemm_tile_f32(int64_t M, int64_t N, int64_t K, float alpha, MatView<const float> A,
                   MatView<const float> B, float beta, MatView<float> C) {
  const Blocking& bk = blocking();
  float* bp = tl_pack_b.get(static_cast<size_t>(bk.kc * round_up(N, bk.nr)));
  float* ap = tl_pack_a.get(static_cast<size_t>(bk.mc * bk.kc));
  if (!bp || !ap) {  // out of memory for 1 MiB of buffers: fall back, never throw here
    gemm_reference<float>(M, N, K, alpha, A, B, beta, C);
    return;
  }
  for (int64_t pc = 0; pc < K; pc += bk.kc) {
    const int64_t kc = K - pc < bk.kc ? K - pc : bk.kc;
    const float b_eff = pc == 0 ? beta : 1.0f;
    EMBER_ISA_CALL(gemm_pack_b, kc, N, B.p + pc * B.rs, B.rs, B.cs, bp);
    for (int64_t ic = 0; ic < M; ic += bk.mc) {
      const int64_t mc = M - ic < bk.mc ? M - ic : bk.mc;
      EMBER_ISA_CALL(gemm_pack_a, mc, kc, A.p + ic * A.rs + pc * A.cs, A.rs, A.cs, ap);
      EMBER_ISA_CALL(gemm_macro, mc, N, kc, ap, bp, C.p + ic * C.rs, C.rs, C.cs, alpha, b_eff);
    }
  }
}

// float64 / int64: i-k-j loops over one block of rows (vectorises when B rows are
// contiguous). c = beta * c + sum_k (alpha * a_ik) * b_kj.
template <class T>
void gemm_rows_loop(int64_t i0, int64_t i1, int64_t N, int64_t K, T alpha, MatView<const T> A,
                    MatView<const T> B, T beta, MatView<T> C) {
  for (int64_t i = i0; i < i1; ++i) {
    T* c = C.p + i * C.rs;
    for (int64_t j = 0; j < N; ++j) c[j * C.cs] = beta == T(0) ? T(0) : beta * c[j * C.cs];
    for (int64_t k = 0; k < K; ++k) {
      const T a = alpha * A.p[i * A.rs + k * A.cs];
      const T* b = B.p + k * B.rs;
      if (B.cs == 1 && C.cs == 1) {
        for (int64_t j = 0; j < N; ++j) c[j] += a * b[j];
      } else {
        for (int64_t j = 0; j < N; ++j) c[j * C.cs] += a * b[j * B.cs];
      }
    }
  }
}

}  // namespace

template <class T>
void gemm_reference(int64_t M, int64_t N, int64_t K, T alpha, MatView<const T> A,
                    MatView<const T> B, T beta, MatView<T> C) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      T s = T(0);
      for (int64_t k = 0; k < K; ++k) s += A.p[i * A.rs + k * A.cs] * B.p[k * B.rs + j * B.cs];
      T& c = C.p[i * C.rs + j * C.cs];
      c = beta == T(0) ? alpha * s : alpha * s + beta * c;
    }
}

template <class T>
void gemm_batched(int64_t batch, const int64_t* a_off, const int64_t* b_off,
                  const int64_t* c_off, int64_t M, int64_t N, int64_t K, T alpha,
                  MatView<const T> A, MatView<const T> B, T beta, MatView<T> C) {
  if (batch <= 0 || M <= 0 || N <= 0) return;
  auto at = [&](int64_t b) {
    return std::make_tuple(MatView<const T>{A.p + a_off[b], A.rs, A.cs},
                           MatView<const T>{B.p + b_off[b], B.rs, B.cs},
                           MatView<T>{C.p + c_off[b], C.rs, C.cs});
  };
  if (K == 0) {
    parallel_for(batch, grain_for(M * N), [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) scale_c(M, N, beta, MatView<T>{C.p + c_off[b], C.rs, C.cs});
    });
    return;
  }
  if constexpr (std::is_same_v<T, float>) {
    if (M == 1 || N == 1) {
      // Matrix-vector: y = op x with op = A (N == 1) or B^T (M == 1), in row blocks.
      const int64_t rows = N == 1 ? M : N;
      const int64_t rb = 256, nrb = ceil_div(rows, rb);
      parallel_for(batch * nrb, grain_for(rb * K), [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t) {
          auto [a, b, c] = at(t / nrb);
          const int64_t r0 = (t % nrb) * rb, n = rows - r0 < rb ? rows - r0 : rb;
          if (N == 1)
            EMBER_ISA_CALL(gemv, n, K, alpha, a.p + r0 * a.rs, a.rs, a.cs, b.p, b.rs, beta,
                           c.p + r0 * c.rs, c.rs);
          else
            EMBER_ISA_CALL(gemv, n, K, alpha, b.p + r0 * b.cs, b.cs, b.rs, a.p, a.cs, beta,
                           c.p + r0 * c.cs, c.cs);
        }
      });
      return;
    }
    // Grid of C tiles per matrix; tile size depends on the shapes and blocking only.
    const Blocking& bk = blocking();
    // Tiles of at most tm x tn, spread evenly (so no thin leftover tile).
    int64_t tm = M <= bk.tm ? M : round_up(ceil_div(M, ceil_div(M, bk.tm)), bk.mr);
    int64_t tn = N <= bk.tn ? N : round_up(ceil_div(N, ceil_div(N, bk.tn)), bk.nr);
    // A product big enough to share gets a tile per thread; split the longer side, keeping
    // tiles whole micro-tiles. The tiling may follow the thread count because it cannot change
    // a single bit of C: K is never split and every element, wherever its tile falls, goes
    // through the same out-of-line micro-kernel (isa/gemm_kernel.cpp). Cutting tiles for
    // threads that are not there would only repeat packing work (about 8% at n = 256).
    const int64_t min_tiles = bk.min_tiles > 0 ? bk.min_tiles : get_num_threads();
    while (batch * ceil_div(M, tm) * ceil_div(N, tn) < min_tiles &&
           tm * tn * K >= 2 * kMinChunkWork && (tm > bk.mr || tn > bk.nr)) {
      if (tm > bk.mr && (tm >= tn || tn <= bk.nr)) tm = round_up(ceil_div(tm, 2), bk.mr);
      else tn = round_up(ceil_div(tn, 2), bk.nr);  // here tn > nr, so tn shrinks
    }
    const int64_t gm = ceil_div(M, tm), gn = ceil_div(N, tn), per = gm * gn;
    parallel_for(batch * per, grain_for(tm * tn * K), [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        auto [a, b, c] = at(t / per);
        const int64_t r = t % per, jn = r / gm, im = r % gm;  // walk M fastest: B panel shared
        const int64_t i0 = im * tm, j0 = jn * tn;
        const int64_t m = M - i0 < tm ? M - i0 : tm, n = N - j0 < tn ? N - j0 : tn;
        gemm_tile_f32(m, n, K, alpha, MatView<const float>{a.p + i0 * a.rs, a.rs, a.cs},
                      MatView<const float>{b.p + j0 * b.cs, b.rs, b.cs}, beta,
                      MatView<float>{c.p + i0 * c.rs + j0 * c.cs, c.rs, c.cs});
      }
    });
  } else {
    const int64_t rb = 64, nrb = ceil_div(M, rb);
    parallel_for(batch * nrb, grain_for(rb * N * K), [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        auto [a, b, c] = at(t / nrb);
        const int64_t r0 = (t % nrb) * rb, r1 = r0 + rb < M ? r0 + rb : M;
        gemm_rows_loop<T>(r0, r1, N, K, alpha, a, b, beta, c);
      }
    });
  }
}

void gemm_strided(int64_t M, int64_t N, int64_t K, float alpha, MatView<const float> A,
                  MatView<const float> B, float beta, MatView<float> C) {
  const int64_t zero = 0;
  gemm_batched<float>(1, &zero, &zero, &zero, M, N, K, alpha, A, B, beta, C);
}

void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
          const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
          int64_t ldc) {
  MatView<const float> a = trans_a ? MatView<const float>{A, 1, lda} : MatView<const float>{A, lda, 1};
  MatView<const float> b = trans_b ? MatView<const float>{B, 1, ldb} : MatView<const float>{B, ldb, 1};
  gemm_strided(M, N, K, alpha, a, b, beta, MatView<float>{C, ldc, 1});
}

template void gemm_batched<float>(int64_t, const int64_t*, const int64_t*, const int64_t*, int64_t,
                                  int64_t, int64_t, float, MatView<const float>,
                                  MatView<const float>, float, MatView<float>);
template void gemm_batched<double>(int64_t, const int64_t*, const int64_t*, const int64_t*,
                                   int64_t, int64_t, int64_t, double, MatView<const double>,
                                   MatView<const double>, double, MatView<double>);
template void gemm_batched<int64_t>(int64_t, const int64_t*, const int64_t*, const int64_t*,
                                    int64_t, int64_t, int64_t, int64_t, MatView<const int64_t>,
                                    MatView<const int64_t>, int64_t, MatView<int64_t>);
template void gemm_reference<float>(int64_t, int64_t, int64_t, float, MatView<const float>,
                                    MatView<const float>, float, MatView<float>);
template void gemm_reference<double>(int64_t, int64_t, int64_t, double, MatView<const double>,
                                     MatView<const double>, double, MatView<double>);
template void gemm_reference<int64_t>(int64_t, int64_t, int64_t, int64_t, MatView<const int64_t>,
                                      MatView<const int64_t>, int64_t, MatView<int64_t>);

}  // namespace ember::cpu
