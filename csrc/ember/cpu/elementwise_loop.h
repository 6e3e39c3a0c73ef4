// for_each_run: StridedLoop with a fast path for the common elementwise case where every
// operand is contiguous over the whole output or a single broadcast element; then no
// stride bookkeeping is built (it matters for tiny tensors, where it is the whole cost).
// inner gets (char* ptr[N], const int64_t byte_stride[N], int64_t n) like StridedLoop.
#pragma once
#include <array>

#include "ember/cpu/loop.h"

namespace ember::cpu {

template <size_t N, class F>
void for_each_run(const Shape& shape, const std::array<const Tensor*, N>& operands,
                  const F& inner) {
  const int64_t n = operands[0]->numel();
  if (n == 0) return;
  std::array<char*, N> base;
  std::array<int64_t, N> step;
  bool flat = true;
  for (size_t k = 0; k < N && flat; ++k) {
    const Tensor& t = *operands[k];
    base[k] = static_cast<char*>(t.raw_data());
    if (t.numel() == 1) step[k] = 0;
    else if (t.numel() == n && t.is_contiguous()) step[k] = static_cast<int64_t>(t.itemsize());
    else flat = false;
  }
  if (!flat) return StridedLoop<N>(shape, operands).run(inner);
  parallel_for(n, kElementwiseGrain, [&](int64_t b, int64_t e) {
    std::array<char*, N> p;
    for (size_t k = 0; k < N; ++k) p[k] = base[k] + b * step[k];
    inner(p.data(), step.data(), e - b);
  });
}

}  // namespace ember::cpu
