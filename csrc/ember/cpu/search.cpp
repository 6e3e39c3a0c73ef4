// Binary-search membership kernel (see search.h).
#include "ember/cpu/search.h"

#include <algorithm>

#include "ember/cpu/loop.h"

namespace ember::cpu {

void isin_sorted(Tensor& out, const Tensor& values, const Tensor& sorted, bool invert) {
  dispatch(values.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* v = values.data<T>();
    const T* s = sorted.data<T>();
    const int64_t m = sorted.numel();
    bool* o = out.data<bool>();
    parallel_for(values.numel(), 4096, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const T* it = std::lower_bound(s, s + m, v[i]);
        o[i] = (it != s + m && *it == v[i]) != invert;
      }
    });
  });
}

}  // namespace ember::cpu
