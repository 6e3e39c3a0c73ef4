// OpenMP-backed thread pool control; a serial fallback when built without OpenMP.
#include "ember/core/parallel.h"

#include <atomic>

#include "ember/core/error.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace ember {

namespace {
std::atomic<int> g_threads{0};  // 0 = not yet read from the OpenMP default
}

int get_num_threads() {
  int n = g_threads.load(std::memory_order_relaxed);
  if (n > 0) return n;
#ifdef _OPENMP
  n = omp_get_max_threads();
#else
  n = 1;
#endif
  g_threads.store(n, std::memory_order_relaxed);
  return n;
}

void set_num_threads(int n) {
  EMBER_CHECK(n >= 1, ValueError, "[set_num_threads] expected a positive thread count, got ", n);
  g_threads.store(n, std::memory_order_relaxed);
}

bool openmp_enabled() {
#ifdef _OPENMP
  return true;
#else
  return false;
#endif
}

namespace detail {
void run_chunks(int64_t nchunks, void (*body)(void*, int64_t), void* ctx) {
#ifdef _OPENMP
  int threads = get_num_threads();
  if (threads > 1 && !omp_in_parallel()) {
    if (nchunks < threads) threads = static_cast<int>(nchunks);
#pragma omp parallel for schedule(static) num_threads(threads)
    for (int64_t c = 0; c < nchunks; ++c) body(ctx, c);
    return;
  }
#endif
  for (int64_t c = 0; c < nchunks; ++c) body(ctx, c);
}
}  // namespace detail

}  // namespace ember
