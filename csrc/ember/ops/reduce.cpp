// Reductions; see reduce.h.
#include "ember/ops/reduce.h"

#include <algorithm>

#include "ember/autograd/function.h"
#include "ember/core/parallel.h"
#include "ember/ops/view.h"


namespace ember {

using Grads = std::vector<Tensor>;

std::vector<int64_t> reduction_dims(const Tensor& t, const std::vector<int64_t>& dims,
                                    const char* op) {
  std::vector<int64_t> out;
  if (dims.empty()) {
    for (int64_t i = 0; i < t.dim(); ++i) out.push_back(i);
    return out;
  }
  for (int64_t d : dims) {
    int64_t n = normalize_dim(d, t.dim(), op);
    EMBER_CHECK(std::find(out.begin(), out.end(), n) == out.end(), ValueError, "[", op,
                "] dim ", d, " appears more than once in the reduction dims");
    out.push_back(n);
  }
  if (t.dim() == 0) out.clear();
  std::sort(out.begin(), out.end());
  return out;
}

Shape reduced_shape(const Shape& shape, const std::vector<int64_t>& dims, bool keepdim) {
  Shape out;
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i) {
    bool r = std::find(dims.begin(), dims.end(), i) != dims.end();
    if (!r) out.push_back(shape[i]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

namespace {

// Moves the reduced dims last and makes the data contiguous: each output element then
// reduces one contiguous row of length R.
Tensor rows_last(const Tensor& t, const std::vector<int64_t>& dims) {
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < t.dim(); ++i)
    if (std::find(dims.begin(), dims.end(), i) == dims.end()) perm.push_back(i);
  for (int64_t d : dims) perm.push_back(d);
  return contiguous(permute(t, perm));
}

// Blocked pairwise sum of a contiguous row: accuracy O(log n) and a fixed order.
template <class T, class A>
A row_sum(const T* x, int64_t n) {
  if (n <= 64) {
    A acc[8] = {};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
      for (int k = 0; k < 8; ++k) acc[k] += static_cast<A>(x[i + k]);
    A s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < n; ++i) s += static_cast<A>(x[i]);
    return s;
  }
  int64_t h = (n / 2 + 7) / 8 * 8;
  return row_sum<T, A>(x, h) + row_sum<T, A>(x + h, n - h);
}

}  // namespace

Tensor sum(const Tensor& t, const std::vector<int64_t>& dims_in, bool keepdim,
           std::optional<DType> dtype) {
  check_defined(t, "sum");
  std::vector<int64_t> dims = reduction_dims(t, dims_in, "sum");
  DType out_dtype = dtype.value_or(is_floating(t.dtype()) ? t.dtype() : DType::Int64);
  Shape out_shape = reduced_shape(t.shape(), dims, keepdim);
  Tensor out = Tensor::empty(out_shape, out_dtype);
  {
    autograd::NoGradGuard guard;
    Tensor x = to_dtype(rows_last(t, dims), out_dtype);
    const int64_t rows = out.numel(), len = rows ? x.numel() / std::max<int64_t>(rows, 1) : 0;
    dispatch(out_dtype, [&](auto tag) {
      using T = decltype(tag);
      using A = std::conditional_t<std::is_same_v<T, bool>, int64_t, T>;
      const T* in = x.data<T>();
      T* o = out.data<T>();
      if (rows == 1 && len > 0) {
        constexpr int64_t kChunk = 1 << 16;  // fixed chunk: same sum for any thread count
        A s = parallel_reduce<A>(len, kChunk, A(0),
            [&](int64_t b, int64_t e) { return row_sum<T, A>(in + b, e - b); },
            [](A a, A b) { return a + b; });
        o[0] = static_cast<T>(s);
        return;
      }
      parallel_for(rows, std::max<int64_t>(1, 32768 / std::max<int64_t>(len, 1)),
                   [&](int64_t b, int64_t e) {
                     for (int64_t r = b; r < e; ++r) o[r] = static_cast<T>(row_sum<T, A>(in + r * len, len));
                   });
    });
  }
  if (autograd::any_requires_grad({t}) && is_floating(out_dtype))
    autograd::record("SumBackward", {t}, {out},
           [in_shape = t.shape(), dims, keepdim](const Grads& g, const auto&) {
             Tensor gr = g[0];
             if (!keepdim) {
               Shape kept = reduced_shape(in_shape, dims, true);
               gr = reshape(gr, kept);
             }
             return Grads{expand(gr, in_shape)};
           });
  return out;
}

}  // namespace ember
