// Dropout via a scaled Philox mask and ordinary (differentiable) elementwise ops: the
// channel-wise forms draw a mask of shape (N, C, 1, ...), alpha dropout an affine of a 0 / 1
// mask, rrelu a uniform slope per element.
#include "ember/ops/dropout.h"

#include <cmath>

#include "ember/core/parallel.h"
#include "ember/core/random.h"
#include "ember/ops/activation_extra.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/random.h"

namespace ember {

namespace {
void check_p(double p, const char* op) {
  EMBER_CHECK(p >= 0.0 && p <= 1.0, ValueError, "[", op,
              "] dropout probability has to be between 0 and 1, but got ", p);
}

// 0 with probability p, else keep_scale, from the Philox stream (one draw per element).
Tensor mask_of(const Shape& shape, double p, double keep_scale, DType dtype) {
  Tensor mask = Tensor::empty(shape, dtype);
  const int64_t n = mask.numel();
  auto [seed, first] = default_generator().reserve(static_cast<uint64_t>(n));
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

// The dims from index `from` on set to 1: one mask entry per (N, C).
Shape channel_shape(const Shape& s, size_t from) {
  Shape m = s;
  for (size_t i = from; i < m.size(); ++i) m[i] = 1;
  return m;
}

void check_float_input(const Tensor& input, const char* op) {
  EMBER_CHECK(is_floating(input.dtype()), TypeError, "[", op, "] expected a floating point "
              "input, got ", dtype_name(input.dtype()));
}

// Dropout of whole channels of a (C, *spatial) or (N, C, *spatial) input.
Tensor channel_dropout(const char* op, const Tensor& input, double p, bool training,
                       int64_t nsp, const char* layout) {
  check_defined(input, op);
  check_p(p, op);
  EMBER_CHECK(input.dim() == nsp + 1 || input.dim() == nsp + 2, ValueError, "[", op,
              "] expected input of ", nsp + 1, " or ", nsp + 2, " dims ", layout, ", got shape ",
              shape_str(input.shape()));
  if (!training || p == 0.0) return input;
  check_float_input(input, op);
  return mul(input, dropout_mask(channel_shape(input.shape(), input.dim() - nsp), p,
                                 input.dtype()));
}

// x * a * keep + alpha' * a * (p - 1 + keep), keep a 0 / 1 mask of shape mshape (PyTorch's
// formula with alpha' = lambda * alpha of SELU).
Tensor alpha_impl(const char* op, const Tensor& input, double p, bool training, bool feature) {
  check_defined(input, op);
  check_p(p, op);
  EMBER_CHECK(!feature || input.dim() >= 2, ValueError, "[", op, "] expected input of at least "
              "2 dims (N, C, *), got shape ", shape_str(input.shape()));
  if (!training || p == 0.0) return input;
  check_float_input(input, op);
  if (p == 1.0) return mul(input, Scalar(0.0));
  constexpr double alpha = 1.7580993408473766;
  const double a = 1.0 / std::sqrt((alpha * alpha * p + 1) * (1 - p));
  Tensor keep = mask_of(feature ? channel_shape(input.shape(), 2) : input.shape(), p, 1.0,
                        input.dtype());
  Tensor shift = add(mul(keep, Scalar(alpha * a)), Scalar(alpha * a * (p - 1)));
  return add(mul(input, mul(keep, Scalar(a))), shift);
}
}  // namespace

Tensor dropout_mask(const Shape& shape, double p, DType dtype) {
  check_p(p, "dropout");
  return mask_of(shape, p, p < 1.0 ? 1.0 / (1.0 - p) : 0.0, dtype);
}

Tensor dropout1d(const Tensor& input, double p, bool training) {
  return channel_dropout("dropout1d", input, p, training, 1, "(C, L) or (N, C, L)");
}

Tensor dropout3d(const Tensor& input, double p, bool training) {
  return channel_dropout("dropout3d", input, p, training, 3, "(C, D, H, W) or (N, C, D, H, W)");
}

Tensor alpha_dropout(const Tensor& input, double p, bool training) {
  return alpha_impl("alpha_dropout", input, p, training, false);
}

Tensor feature_alpha_dropout(const Tensor& input, double p, bool training) {
  return alpha_impl("feature_alpha_dropout", input, p, training, true);
}

Tensor rrelu(const Tensor& input, double lower, double upper, bool training) {
  check_defined(input, "rrelu");
  check_float_input(input, "rrelu");
  EMBER_CHECK(lower <= upper, ValueError, "[rrelu] expected lower <= upper, got lower=", lower,
              " and upper=", upper);
  if (!training) return leaky_relu(input, (lower + upper) / 2);
  Tensor slopes = Tensor::empty(input.shape(), input.dtype());
  uniform_(slopes, lower, upper);
  return mul(input, where(gt(input, Scalar(0.0)), Scalar(1.0), slopes));
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
  return channel_dropout("dropout2d", input, p, training, 2, "(C, H, W) or (N, C, H, W)");
}

}  // namespace ember
