// Standalone test of the tuned float32 GEMM against the plain reference loop: many shapes
// (odd sizes, 1 x N, N x 1, K = 1, K = 0), transposed and strided operands, alpha/beta,
// batched with broadcast offsets, and bitwise equality across thread counts.
// Returns non-zero on failure. Optional: `test_gemm bench N` times an N x N x N product.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "ember/core/parallel.h"
#include "ember/cpu/gemm.h"

using ember::cpu::MatView;

namespace {

int failures = 0;

std::vector<float> random_vec(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// Operand layout: 0 row-major, 1 column-major (transposed), 2 strided rows and columns.
MatView<const float> layout(const std::vector<float>& buf, int64_t rows, int64_t cols, int kind) {
  switch (kind) {
    case 0: return {buf.data(), cols, 1};
    case 1: return {buf.data(), 1, rows};
    default: return {buf.data(), 2 * cols * 3, 3};
  }
}
size_t extent(int64_t rows, int64_t cols, int kind) {
  return kind == 2 ? static_cast<size_t>(rows * cols * 6 + 8) : static_cast<size_t>(rows * cols + 1);
}

void check_case(int64_t M, int64_t N, int64_t K, int ka, int kb, int kc, float alpha, float beta,
                std::mt19937& rng) {
  auto a = random_vec(extent(M, K, ka), rng), b = random_vec(extent(K, N, kb), rng);
  auto c0 = random_vec(extent(M, N, kc), rng);
  auto c1 = c0;
  MatView<const float> A = layout(a, M, K, ka), B = layout(b, K, N, kb);
  MatView<const float> C0c = layout(c0, M, N, kc);
  MatView<float> C0{c0.data(), C0c.rs, C0c.cs}, C1{c1.data(), C0c.rs, C0c.cs};
  ember::cpu::gemm_reference<float>(M, N, K, alpha, A, B, beta, C0);
  ember::cpu::gemm_strided(M, N, K, alpha, A, B, beta, C1);
  double worst = 0;
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      double r = C0.p[i * C0.rs + j * C0.cs], t = C1.p[i * C1.rs + j * C1.cs];
      double err = std::fabs(r - t) / (1.0 + std::sqrt(static_cast<double>(K)));
      if (!(err <= worst)) worst = err;  // NaN counts as a failure too
    }
  // Elements outside the matrix (strided layouts) must be untouched.
  for (size_t i = 0; i < c0.size(); ++i)
    if (c0[i] != c1[i] && std::fabs(c0[i] - c1[i]) > 1e-3f * (1 + std::sqrt(float(K)))) {
      worst = 1e9;
      break;
    }
  if (!(worst < 1e-5)) {
    std::printf("FAIL M=%lld N=%lld K=%lld layouts %d%d%d alpha=%g beta=%g err=%g\n",
                (long long)M, (long long)N, (long long)K, ka, kb, kc, alpha, beta, worst);
    ++failures;
  }
}

void check_threads(int64_t M, int64_t N, int64_t K, std::mt19937& rng) {
  auto a = random_vec(M * K, rng), b = random_vec(K * N, rng);
  std::vector<float> c1(M * N), c3(M * N);
  ember::set_num_threads(1);
  ember::cpu::gemm(false, true, M, N, K, 1.0f, a.data(), K, b.data(), K, 0.0f, c1.data(), N);
  ember::set_num_threads(3);
  ember::cpu::gemm(false, true, M, N, K, 1.0f, a.data(), K, b.data(), K, 0.0f, c3.data(), N);
  ember::set_num_threads(2);
  if (std::memcmp(c1.data(), c3.data(), c1.size() * sizeof(float)) != 0) {
    std::printf("FAIL thread determinism M=%lld N=%lld K=%lld\n", (long long)M, (long long)N,
                (long long)K);
    ++failures;
  }
}

void check_batched(std::mt19937& rng) {
  // 3 products of (5 x 7) (7 x 9); B broadcast (same offset for every batch).
  const int64_t M = 5, N = 9, K = 7, batch = 3;
  auto a = random_vec(batch * M * K, rng), b = random_vec(K * N, rng);
  std::vector<float> c(batch * M * N), r(batch * M * N);
  int64_t ao[3] = {0, M * K, 2 * M * K}, bo[3] = {0, 0, 0}, co[3] = {0, M * N, 2 * M * N};
  ember::cpu::gemm_batched<float>(batch, ao, bo, co, M, N, K, 1.0f, {a.data(), K, 1},
                                  {b.data(), N, 1}, 0.0f, {c.data(), N, 1});
  for (int64_t i = 0; i < batch; ++i)
    ember::cpu::gemm_reference<float>(M, N, K, 1.0f, {a.data() + ao[i], K, 1}, {b.data(), N, 1},
                                      0.0f, {r.data() + co[i], N, 1});
  for (size_t i = 0; i < c.size(); ++i)
    if (std::fabs(c[i] - r[i]) > 1e-5f) {
      std::printf("FAIL batched at %zu\n", i);
      ++failures;
      return;
    }
}

void bench(int64_t n, int reps) {
  std::mt19937 rng(1);
  auto a = random_vec(n * n, rng), b = random_vec(n * n, rng);
  std::vector<float> c(n * n);
  ember::cpu::gemm(false, false, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    ember::cpu::gemm(false, false, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
    double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (dt < best) best = dt;
  }
  std::printf("n=%lld threads=%d: %.1f GFLOP/s\n", (long long)n, ember::get_num_threads(),
              2.0 * n * n * n / best * 1e-9);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && !std::strcmp(argv[1], "bench")) {
    bench(std::atoll(argv[2]), argc >= 4 ? std::atoi(argv[3]) : 5);
    return 0;
  }
  std::mt19937 rng(42);
  const int64_t sizes[][3] = {{1, 1, 1},    {1, 17, 5},   {17, 1, 5},   {1, 300, 257},
                              {300, 1, 257}, {5, 7, 1},    {13, 37, 29}, {12, 32, 256},
                              {24, 64, 257}, {37, 70, 300}, {145, 33, 513}, {2, 2, 1000},
                              {100, 600, 3}, {290, 530, 70}, {7, 7, 0},    {1, 5, 0}};
  for (auto& s : sizes)
    for (int ka = 0; ka < 3; ++ka)
      for (int kb = 0; kb < 3; ++kb)
        for (int kc = 0; kc < 3; kc += 2) {
          check_case(s[0], s[1], s[2], ka, kb, kc, 1.0f, 0.0f, rng);
          if (ka == kb) check_case(s[0], s[1], s[2], ka, kb, kc, 0.5f, -1.5f, rng);
          if (ka == kb && kc == 0) check_case(s[0], s[1], s[2], ka, kb, kc, 2.0f, 1.0f, rng);
        }
  check_batched(rng);
  check_threads(300, 500, 700, rng);
  check_threads(1, 700, 300, rng);
  check_threads(700, 1, 300, rng);
  if (failures) {
    std::printf("%d failures\n", failures);
    return 1;
  }
  std::printf("test_gemm: all passed\n");
  return 0;
}
