// Linear and Bilinear; see linear.h. Forward reads the parameters through their registry
// slots, so `layer.weight = Parameter(...)` from Python is honoured.
#include "ember/nn/linear.h"

#include <cmath>

#include "ember/autograd/grad_mode.h"
#include "ember/nn/init.h"
#include "ember/ops/activation_extra.h"
#include "ember/ops/creation.h"
#include "ember/ops/linalg.h"

namespace ember::nn {

namespace {
void check_features(int64_t v, const char* layer, const char* arg) {
  EMBER_CHECK(v >= 0, ValueError, "[", layer, "] expected ", arg, " >= 0, got ", v);
}
const char* bool_str(bool b) { return b ? "True" : "False"; }
}  // namespace

Linear::Linear(int64_t in, int64_t out, bool bias) : in_features(in), out_features(out) {
  check_features(in, "Linear", "in_features");
  check_features(out, "Linear", "out_features");
  weight_ = register_parameter("weight", empty({out, in}));
  bias_ = register_parameter("bias", bias ? empty({out}) : Tensor());
  reset_parameters();
}

void Linear::reset_parameters() {
  autograd::NoGradGuard guard;
  Tensor w = param(weight_);
  init::kaiming_uniform_(w, std::sqrt(5.0));
  Tensor b = param(bias_);
  if (b.defined()) {
    int64_t fan_in = init::calculate_fan_in_and_fan_out(w).first;
    double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    init::uniform_(b, -bound, bound);
  }
}

std::string Linear::extra_repr() const {
  return detail::cat("in_features=", in_features, ", out_features=", out_features,
                     ", bias=", bool_str(param(bias_).defined()));
}

Tensor Linear::forward(const Tensor& input) {
  check_defined(input, "Linear");
  const Tensor& w = param(weight_);
  EMBER_CHECK(w.defined(), RuntimeError, "[Linear] weight is None");
  EMBER_CHECK(input.dim() >= 1 && input.size(-1) == w.size(1), ValueError,
              "[Linear] expected input of shape (*, ", w.size(1), ") (in_features=", w.size(1),
              "), got shape ", shape_str(input.shape()), "; mat1 and mat2 shapes cannot be "
              "multiplied (input ", shape_str(input.shape()), ", weight ", shape_str(w.shape()), ")");
  return linear(input, w, param(bias_));
}

Bilinear::Bilinear(int64_t in1, int64_t in2, int64_t out, bool bias)
    : in1_features(in1), in2_features(in2), out_features(out) {
  check_features(in1, "Bilinear", "in1_features");
  check_features(in2, "Bilinear", "in2_features");
  check_features(out, "Bilinear", "out_features");
  weight_ = register_parameter("weight", empty({out, in1, in2}));
  bias_ = register_parameter("bias", bias ? empty({out}) : Tensor());
  reset_parameters();
}

void Bilinear::reset_parameters() {
  autograd::NoGradGuard guard;
  Tensor w = param(weight_);
  double bound = w.size(1) > 0 ? 1.0 / std::sqrt(static_cast<double>(w.size(1))) : 0.0;
  init::uniform_(w, -bound, bound);
  Tensor b = param(bias_);
  if (b.defined()) init::uniform_(b, -bound, bound);
}

std::string Bilinear::extra_repr() const {
  return detail::cat("in1_features=", in1_features, ", in2_features=", in2_features,
                     ", out_features=", out_features, ", bias=", bool_str(param(bias_).defined()));
}

Tensor Bilinear::forward(const Tensor&) {
  EMBER_THROW(TypeError, "[Bilinear] forward takes two inputs (input1, input2), got one");
}

Tensor Bilinear::forward(const Tensor& input1, const Tensor& input2) {
  return bilinear(input1, input2, param(weight_), param(bias_));
}

}  // namespace ember::nn
