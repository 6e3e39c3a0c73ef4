// Activation layers and Dropout; see activation.h. Each forward is one ember op.
#include "ember/nn/activation.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "ember/ops/activation_extra.h"
#include "ember/ops/dropout.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/elementwise_impl.h"
#include "ember/ops/softmax.h"

namespace ember::nn {


Tensor ReLU::forward(const Tensor& input) {
  if (!inplace) return relu(input);
  Tensor x = input;
  return relu_(x);
}

std::string LeakyReLU::extra_repr() const {
  return "negative_slope=" + float_repr(negative_slope) + (inplace ? ", inplace=True" : "");
}

Tensor LeakyReLU::forward(const Tensor& input) {
  if (!inplace) return leaky_relu(input, negative_slope);
  Tensor x = input;
  return leaky_relu_(x, negative_slope);
}

std::string ELU::extra_repr() const {
  return "alpha=" + float_repr(alpha) + (inplace ? ", inplace=True" : "");
}

Tensor ELU::forward(const Tensor& input) {
  if (!inplace) return elu(input, alpha);
  Tensor x = input;
  return elu_(x, alpha);
}

GELU::GELU(std::string approximate) : approximate(std::move(approximate)) {
  EMBER_CHECK(this->approximate == "none" || this->approximate == "tanh", ValueError,
              "[GELU] expected approximate 'none' or 'tanh', got '", this->approximate, "'");
}

Tensor GELU::forward(const Tensor& input) { return gelu(input, approximate); }

Tensor SiLU::forward(const Tensor& input) {
  if (!inplace) return silu(input);
  Tensor x = input;
  return detail::inplace(x, [](const Tensor& t) { return silu(t); }, "silu_");
}

Tensor Tanh::forward(const Tensor& input) { return ember::tanh(input); }
Tensor Sigmoid::forward(const Tensor& input) { return sigmoid(input); }

std::string Softplus::extra_repr() const {
  return "beta=" + float_repr(beta) + ", threshold=" + float_repr(threshold);
}

Tensor Softplus::forward(const Tensor& input) {
  return softplus(input, Scalar(beta), Scalar(threshold));
}

int64_t implicit_softmax_dim(int64_t ndim) { return (ndim == 0 || ndim == 1 || ndim == 3) ? 0 : 1; }

namespace {
std::string dim_repr(const std::optional<int64_t>& d) {
  return "dim=" + (d ? std::to_string(*d) : std::string("None"));
}
}  // namespace

std::string Softmax::extra_repr() const { return dim_repr(dim); }
Tensor Softmax::forward(const Tensor& input) {
  check_defined(input, "Softmax");
  return softmax(input, dim ? *dim : implicit_softmax_dim(input.dim()));
}

std::string LogSoftmax::extra_repr() const { return dim_repr(dim); }
Tensor LogSoftmax::forward(const Tensor& input) {
  check_defined(input, "LogSoftmax");
  return log_softmax(input, dim ? *dim : implicit_softmax_dim(input.dim()));
}

Dropout::Dropout(double p, bool inplace) : p(p), inplace(inplace) {
  EMBER_CHECK(p >= 0.0 && p <= 1.0, ValueError,
              "[Dropout] dropout probability has to be between 0 and 1, but got ", p);
}

std::string Dropout::extra_repr() const {
  return "p=" + float_repr(p) + ", inplace=" + (inplace ? "True" : "False");
}

Tensor Dropout::forward(const Tensor& input) {
  if (!inplace || !is_training() || p == 0.0) return dropout(input, p, is_training());
  check_defined(input, "Dropout");
  EMBER_CHECK(is_floating(input.dtype()), TypeError, "[Dropout] expected a floating point "
              "input, got ", dtype_name(input.dtype()));
  Tensor x = input;
  return mul_(x, dropout_mask(input.shape(), p, input.dtype()));
}

}  // namespace ember::nn
