// cumsum: each row along dim is a serial running sum (rows in parallel, so the bits never
// depend on the thread count). The gradient is the reversed cumulative sum of the incoming
// gradient, written with cumsum and flip so double backward works. See cumsum.h.
#include "ember/ops/cumsum.h"

#include <algorithm>

#include "ember/autograd/function.h"
#include "ember/core/parallel.h"
#include "ember/ops/creation.h"
#include "ember/ops/index.h"
#include "ember/ops/view.h"

namespace ember {

namespace {

// The accumulator type: double for floating types (float32 rows sum in double), int64 else.
template <class T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

// out (contiguous, rows of len along the last dim) = running sums of x's rows.
void running_sums(const Tensor& x, Tensor& out, int64_t len) {
  const int64_t nrows = len == 0 ? 0 : x.numel() / len;
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 15) / std::max<int64_t>(len, 1));
  dispatch(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* in = x.data<T>();
    T* o = out.data<T>();
    parallel_for(nrows, grain, [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        Acc<T> acc = 0;
        for (int64_t i = r * len; i < (r + 1) * len; ++i) {
          acc += static_cast<Acc<T>>(in[i]);
          o[i] = static_cast<T>(acc);
        }
      }
    });
  });
}

}  // namespace

Tensor cumsum(const Tensor& t, int64_t dim_in, std::optional<DType> dtype) {
  check_defined(t, "cumsum");
  const int64_t dim = normalize_dim(dim_in, t.dim(), "cumsum");
  DType out_dtype = dtype ? *dtype : is_floating(t.dtype()) ? t.dtype() : DType::Int64;
  EMBER_CHECK(out_dtype != DType::Bool, TypeError, "[cumsum] expected a numeric result dtype, "
              "got bool");
  Tensor out;
  {
    autograd::NoGradGuard guard;
    Tensor x = t.dim() == 0 ? reshape(t, {1}) : movedim(t, {dim}, {-1});
    x = contiguous(to(x, std::nullopt, out_dtype));
    Tensor rows = Tensor::empty(x.shape(), out_dtype);
    running_sums(x, rows, x.shape().back());
    out = t.dim() == 0 ? reshape(rows, {}) : contiguous(movedim(rows, {-1}, {dim}));
  }
  if (autograd::any_requires_grad({t}) && is_floating(t.dtype()) && is_floating(out_dtype))
    autograd::record("CumsumBackward", {t}, {out},
                     [dim, in_dtype = t.dtype(), scalar = t.dim() == 0](
                         const std::vector<Tensor>& g, const auto&) {
                       Tensor r = scalar ? g[0] : flip(cumsum(flip(g[0], {dim}), dim), {dim});
                       return std::vector<Tensor>{to(r, std::nullopt, in_dtype)};
                     });
  return out;
}

}  // namespace ember
