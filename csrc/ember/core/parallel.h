// Thread control and the two parallel loops every kernel uses. Work is cut into chunks
// whose boundaries depend only on the problem size and the grain, never on the thread
// count, and reductions combine chunk results in chunk order: so results are bitwise
// identical for any number of threads (DESIGN.md, point 3).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ember {

// Threads used by ember kernels. Defaults to OpenMP's default (OMP_NUM_THREADS). The
// setting is process-wide, so it also holds for threads of a host program that embeds us.
int get_num_threads();
void set_num_threads(int n);  // n >= 1; raises ValueError otherwise
bool openmp_enabled();

namespace detail {
// Runs body(chunk) for chunk in [0, nchunks) on up to get_num_threads() threads.
// Runs serially when nested in another parallel region or when nchunks == 1.
void run_chunks(int64_t nchunks, void (*body)(void*, int64_t), void* ctx);
}  // namespace detail

// Calls f(begin, end) over [0, n) cut into chunks of `grain` elements. f must not throw
// (an exception cannot leave an OpenMP region): check arguments before the loop.
template <class F>
void parallel_for(int64_t n, int64_t grain, const F& f) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  int64_t nchunks = (n + grain - 1) / grain;
  if (nchunks == 1) return f(int64_t{0}, n);
  struct Ctx { const F* f; int64_t n, grain; } ctx{&f, n, grain};
  detail::run_chunks(nchunks, [](void* p, int64_t c) {
    auto* x = static_cast<Ctx*>(p);
    int64_t b = c * x->grain, e = b + x->grain < x->n ? b + x->grain : x->n;
    (*x->f)(b, e);
  }, &ctx);
}

// Reduces [0, n) cut into chunks of `grain`: partial = f(begin, end) per chunk, then
// combine(acc, partial) left to right in chunk order starting from init.
template <class T, class F, class C>
T parallel_reduce(int64_t n, int64_t grain, T init, const F& f, const C& combine) {
  if (n <= 0) return init;
  if (grain < 1) grain = 1;
  int64_t nchunks = (n + grain - 1) / grain;
  std::vector<T> partial(static_cast<size_t>(nchunks), init);
  parallel_for(nchunks, 1, [&](int64_t cb, int64_t ce) {
    for (int64_t c = cb; c < ce; ++c) {
      int64_t b = c * grain, e = b + grain < n ? b + grain : n;
      partial[static_cast<size_t>(c)] = f(b, e);
    }
  });
  T acc = init;
  for (const T& p : partial) acc = combine(acc, p);
  return acc;
}

}  // namespace ember
