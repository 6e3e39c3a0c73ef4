// Layers of activation_more.h; each forward is one ember op (the in-place op when inplace).
#include "ember/nn/activation_more.h"

#include "ember/autograd/grad_mode.h"
#include "ember/nn/activation.h"
#include "ember/ops/activation_more.h"
#include "ember/ops/creation.h"
#include "ember/ops/softmax.h"

namespace ember::nn {

namespace {
std::string inplace_suffix(bool inplace) { return inplace ? ", inplace=True" : ""; }
}  // namespace

Hardtanh::Hardtanh(double min_val, double max_val, bool inplace)
    : min_val(min_val), max_val(max_val), inplace(inplace) {
  EMBER_CHECK(min_val <= max_val, ValueError, "[Hardtanh] expected min_val <= max_val, got "
              "min_val=", min_val, " and max_val=", max_val);
}

std::string Hardtanh::extra_repr() const {
  return "min_val=" + float_repr(min_val) + ", max_val=" + float_repr(max_val) +
         inplace_suffix(inplace);
}

Tensor Hardtanh::forward(const Tensor& input) {
  if (!inplace) return hardtanh(input, min_val, max_val);
  Tensor x = input;
  return hardtanh_(x, min_val, max_val);
}

Tensor Hardsigmoid::forward(const Tensor& input) {
  if (!inplace) return hardsigmoid(input);
  Tensor x = input;
  return hardsigmoid_(x);
}

Tensor Hardswish::forward(const Tensor& input) {
  if (!inplace) return hardswish(input);
  Tensor x = input;
  return hardswish_(x);
}

Tensor Mish::forward(const Tensor& input) {
  if (!inplace) return mish(input);
  Tensor x = input;
  return mish_(x);
}

Tensor SELU::forward(const Tensor& input) {
  if (!inplace) return selu(input);
  Tensor x = input;
  return selu_(x);
}

std::string CELU::extra_repr() const { return "alpha=" + float_repr(alpha) + inplace_suffix(inplace); }

Tensor CELU::forward(const Tensor& input) {
  if (!inplace) return celu(input, alpha);
  Tensor x = input;
  return celu_(x, alpha);
}

Tensor LogSigmoid::forward(const Tensor& input) { return logsigmoid(input); }
Tensor Softsign::forward(const Tensor& input) { return softsign(input); }
Tensor Tanhshrink::forward(const Tensor& input) { return tanhshrink(input); }

Tensor Softmax2d::forward(const Tensor& input) {
  check_defined(input, "Softmax2d");
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4, ValueError, "[Softmax2d] expected input to "
              "be 3D or 4D, got ", input.dim(), "D instead");
  return softmax(input, -3);
}

Tensor Hardshrink::forward(const Tensor& input) { return hardshrink(input, lambd); }
Tensor Softshrink::forward(const Tensor& input) { return softshrink(input, lambd); }

std::string Threshold::extra_repr() const {
  return "threshold=" + float_repr(threshold) + ", value=" + float_repr(value) +
         inplace_suffix(inplace);
}

Tensor Threshold::forward(const Tensor& input) {
  if (!inplace) return ember::threshold(input, threshold, value);
  Tensor x = input;
  return threshold_(x, threshold, value);
}

std::string Softmin::extra_repr() const {
  return "dim=" + (dim ? std::to_string(*dim) : std::string("None"));
}

Tensor Softmin::forward(const Tensor& input) {
  check_defined(input, "Softmin");
  return softmin(input, dim ? *dim : implicit_softmax_dim(input.dim()));
}

Tensor GLU::forward(const Tensor& input) { return glu(input, dim); }

PReLU::PReLU(int64_t num_parameters, double init) : num_parameters(num_parameters), init(init) {
  EMBER_CHECK(num_parameters >= 1, ValueError, "[PReLU] expected num_parameters >= 1, got ",
              num_parameters);
  weight_ = register_parameter("weight", empty({num_parameters}));
  reset_parameters();
}

void PReLU::reset_parameters() {
  autograd::NoGradGuard guard;
  Tensor w = param(weight_);
  if (w.defined()) fill_(w, Scalar(init));
}

std::string PReLU::extra_repr() const { return "num_parameters=" + std::to_string(num_parameters); }

Tensor PReLU::forward(const Tensor& input) {
  const Tensor& w = param(weight_);
  EMBER_CHECK(w.defined(), RuntimeError, "[PReLU] weight is None");
  return prelu(input, w);
}

}  // namespace ember::nn
