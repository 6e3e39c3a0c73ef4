// Dropout via a scaled Philox mask and an ordinary (differentiable) multiply.
#include "ember/ops/dropout.h"

#include "ember/core/parallel.h"
#include "ember/core/random.h"
#include "ember/ops/elementwise.h"

namespace ember {

namespace {
void check_p(double p, const char* op) {
  EMBER_CHECK(p >= 0.0 && p <= 1.0, ValueError, "[", op,
              "] dropout probability has to be between 0 and 1, but got ", p);
}
}  // namespace

Tensor dropout_mask(const Shape& shape, double p, DType dtype) {
  check_p(p, "dropout");
  Tensor mask = Tensor::empty(shape, dtype);
  const int64_t n = mask.numel();
  auto [seed, first] = default_generator().reserve(static_cast<uint64_t>(n));
  const double keep_scale = p < 1.0 ? 1.0 / (1.0 - p) : 0.0;
  dispatch_float(dtype, "dropout", [&](auto tag) {
    using T = decltype(tag);
    T* m = mask.data<T>();
    const T scale = static_cast<T>(keep_scale);
    parallel_for(n, 16384, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        auto w = philox4x32(seed, first + static_cast<uint64_t>(i));
        m[i] = uniform_double(w[0], w[1]) >= p ? scale : T(0);
      }
    });
  });
  return mask;
}

Tensor dropout(const Tensor& input, double p, bool training) {
  check_defined(input, "dropout");
  check_p(p, "dropout");
  if (!training || p == 0.0) return input;
  EMBER_CHECK(is_floating(input.dtype()), TypeError, "[dropout] expected a floating point "
              "input, got ", dtype_name(input.dtype()));
  return mul(input, dropout_mask(input.shape(), p, input.dtype()));
}

Tensor dropout2d(const Tensor& input, double p, bool training) {
  check_defined(input, "dropout2d");
  check_p(p, "dropout2d");
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4, ValueError, "[dropout2d] expected input of "
              "3 dims (C, H, W) or 4 dims (N, C, H, W), got shape ", shape_str(input.shape()));
  if (!training || p == 0.0) return input;
  EMBER_CHECK(is_floating(input.dtype()), TypeError, "[dropout2d] expected a floating point "
              "input, got ", dtype_name(input.dtype()));
  Shape mshape = input.shape();
  for (size_t i = mshape.size() - 2; i < mshape.size(); ++i) mshape[i] = 1;
  return mul(input, dropout_mask(mshape, p, input.dtype()));
}

}  // namespace ember
