// local_response_norm, lp_pool1d / lp_pool2d and channel_shuffle as compositions of pad,
// avg_pool and elementwise / view ops (so autograd comes from the parts), with checks.
#include "ember/ops/pool_extra.h"

#include "ember/ops/elementwise.h"
#include "ember/ops/pad.h"
#include "ember/ops/pool.h"
#include "ember/ops/view.h"

namespace ember {

namespace {
void check_float(const Tensor& input, const char* op) {
  check_defined(input, op);
  EMBER_CHECK(is_floating(input.dtype()), TypeError, "[", op,
              "] expected a float32 or float64 input, got ", dtype_name(input.dtype()));
}

// sign(s) * relu(|s|) * window, to the power 1 / p: PyTorch's lp_pool tail.
Tensor lp_finish(const Tensor& avg, double norm_type, int64_t window) {
  return pow(mul(mul(sign(avg), relu(abs(avg))), Scalar(static_cast<double>(window))),
             Scalar(1.0 / norm_type));
}

void check_norm_type(double norm_type, const char* op) {
  EMBER_CHECK(norm_type != 0.0, ValueError, "[", op, "] expected a non-zero norm_type, got 0");
}
}  // namespace

Tensor local_response_norm(const Tensor& input, int64_t size, double alpha, double beta,
                           double k) {
  check_float(input, "local_response_norm");
  EMBER_CHECK(input.dim() >= 3, ValueError, "[local_response_norm] expected input of 3 or more "
              "dims (N, C, *), got shape ", shape_str(input.shape()));
  EMBER_CHECK(size > 0, ValueError, "[local_response_norm] expected size > 0, got ", size);
  if (input.numel() == 0) return input;
  const int64_t N = input.size(0), C = input.size(1);
  // (N, 1, C, rest): the channel window is a (size, 1) average over the padded C dim.
  Tensor sq = reshape(mul(input, input), {N, 1, C, input.numel() / (N * C)});
  sq = pad(sq, {0, 0, size / 2, (size - 1) / 2});
  Tensor win = reshape(avg_pool2d(sq, {size, 1}, {1, 1}), input.shape());
  return div(input, pow(add(mul(win, Scalar(alpha)), Scalar(k)), Scalar(beta)));
}

Tensor lp_pool1d(const Tensor& input, double norm_type, const std::vector<int64_t>& kernel_size,
                 const std::vector<int64_t>& stride, bool ceil_mode) {
  check_float(input, "lp_pool1d");
  check_norm_type(norm_type, "lp_pool1d");
  Tensor avg = avg_pool1d(pow(input, Scalar(norm_type)), kernel_size, stride, {0}, ceil_mode);
  return lp_finish(avg, norm_type, kernel_size.at(0));
}

Tensor lp_pool2d(const Tensor& input, double norm_type, const std::vector<int64_t>& kernel_size,
                 const std::vector<int64_t>& stride, bool ceil_mode) {
  check_float(input, "lp_pool2d");
  check_norm_type(norm_type, "lp_pool2d");
  Tensor avg = avg_pool2d(pow(input, Scalar(norm_type)), kernel_size, stride, {0}, ceil_mode);
  const int64_t window = kernel_size.size() == 1 ? kernel_size[0] * kernel_size[0]
                                                 : kernel_size.at(0) * kernel_size.at(1);
  return lp_finish(avg, norm_type, window);
}

Tensor channel_shuffle(const Tensor& input, int64_t groups) {
  check_defined(input, "channel_shuffle");
  EMBER_CHECK(input.dim() >= 3, ValueError, "[channel_shuffle] expected input of 3 or more dims "
              "(N, C, *), got shape ", shape_str(input.shape()));
  EMBER_CHECK(groups > 0, ValueError, "[channel_shuffle] expected groups > 0, got ", groups);
  const int64_t C = input.size(1);
  EMBER_CHECK(C % groups == 0, ValueError, "[channel_shuffle] expected the number of channels ",
              C, " to be divisible by groups=", groups);
  Shape split = input.shape();
  split[1] = C / groups;
  split.insert(split.begin() + 1, groups);
  return reshape(contiguous(transpose(reshape(input, split), 1, 2)), input.shape());
}

}  // namespace ember
