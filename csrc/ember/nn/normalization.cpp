// LayerNorm, RMSNorm, BatchNorm1d/2d; see normalization.h. BatchNorm follows PyTorch's
// _BatchNorm.forward: num_batches_tracked counts training steps, momentum=None averages
// with factor 1/num_batches_tracked, eval mode uses the running stats when tracked.
#include "ember/nn/normalization.h"

#include "ember/autograd/grad_mode.h"
#include "ember/nn/activation.h"
#include "ember/nn/init.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/norm.h"

namespace ember::nn {

namespace {
const char* bool_str(bool b) { return b ? "True" : "False"; }

std::string tuple_str(const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + (s.size() == 1 ? ",)" : ")");
}

void check_shape(const Shape& s, const char* layer) {
  for (int64_t v : s)
    EMBER_CHECK(v >= 0, ValueError, "[", layer, "] expected non-negative normalized_shape, got ",
                shape_str(s));
}

// The trailing dims of input must equal normalized_shape (PyTorch's layer_norm message).
void check_trailing(const Tensor& input, const Shape& ns, const char* layer) {
  check_defined(input, layer);
  const int64_t k = static_cast<int64_t>(ns.size());
  bool ok = input.dim() >= k;
  for (int64_t i = 0; ok && i < k; ++i) ok = input.size(input.dim() - k + i) == ns[i];
  EMBER_CHECK(ok, ValueError, "[", layer, "] expected input with shape [*, ",
              shape_str(ns).substr(1, shape_str(ns).size() - 2), "] (normalized_shape ",
              shape_str(ns), "), got shape ", shape_str(input.shape()));
}
}  // namespace

LayerNorm::LayerNorm(Shape ns, double eps, bool affine, bool bias)
    : normalized_shape(std::move(ns)), eps(eps), elementwise_affine(affine) {
  check_shape(normalized_shape, "LayerNorm");
  weight_ = register_parameter("weight", affine ? empty(normalized_shape) : Tensor());
  bias_ = register_parameter("bias", affine && bias ? empty(normalized_shape) : Tensor());
  reset_parameters();
}

void LayerNorm::reset_parameters() {
  autograd::NoGradGuard guard;
  Tensor w = param(weight_), b = param(bias_);
  if (w.defined()) init::ones_(w);
  if (b.defined()) init::zeros_(b);
}

std::string LayerNorm::extra_repr() const {
  return tuple_str(normalized_shape) + ", eps=" + float_repr(eps) +
         ", elementwise_affine=" + bool_str(elementwise_affine) + ", bias=" +
         bool_str(param(bias_).defined());
}

Tensor LayerNorm::forward(const Tensor& input) {
  check_trailing(input, normalized_shape, "LayerNorm");
  return layer_norm(input, normalized_shape, param(weight_), param(bias_), eps);
}

RMSNorm::RMSNorm(Shape ns, std::optional<double> eps, bool affine)
    : normalized_shape(std::move(ns)), eps(eps), elementwise_affine(affine) {
  check_shape(normalized_shape, "RMSNorm");
  weight_ = register_parameter("weight", affine ? empty(normalized_shape) : Tensor());
  reset_parameters();
}

void RMSNorm::reset_parameters() {
  autograd::NoGradGuard guard;
  Tensor w = param(weight_);
  if (w.defined()) init::ones_(w);
}

std::string RMSNorm::extra_repr() const {
  return tuple_str(normalized_shape) + ", eps=" + (eps ? float_repr(*eps) : "None") +
         ", elementwise_affine=" + bool_str(elementwise_affine);
}

Tensor RMSNorm::forward(const Tensor& input) {
  check_trailing(input, normalized_shape, "RMSNorm");
  return rms_norm(input, normalized_shape, param(weight_), eps);
}

BatchNorm::BatchNorm(int64_t num_features, double eps, std::optional<double> momentum,
                     bool affine, bool track, bool bias)
    : num_features(num_features), eps(eps), momentum(momentum), affine(affine),
      track_running_stats(track) {
  EMBER_CHECK(num_features > 0, ValueError, "[BatchNorm] expected num_features > 0, got ",
              num_features);
  weight_ = register_parameter("weight", affine ? empty({num_features}) : Tensor());
  bias_ = register_parameter("bias", affine && bias ? empty({num_features}) : Tensor());
  mean_ = register_buffer("running_mean", track ? zeros({num_features}) : Tensor());
  var_ = register_buffer("running_var", track ? ones({num_features}) : Tensor());
  count_ = register_buffer("num_batches_tracked", track ? zeros({}, DType::Int64) : Tensor());
  reset_parameters();
}

void BatchNorm::reset_running_stats() {
  autograd::NoGradGuard guard;
  Tensor m = buffer(mean_), v = buffer(var_), c = buffer(count_);
  if (m.defined()) fill_(m, Scalar(0.0));
  if (v.defined()) fill_(v, Scalar(1.0));
  if (c.defined()) fill_(c, Scalar(int64_t{0}));
}

void BatchNorm::reset_parameters() {
  reset_running_stats();
  autograd::NoGradGuard guard;
  Tensor w = param(weight_), b = param(bias_);
  if (w.defined()) init::ones_(w);
  if (b.defined()) init::zeros_(b);
}

std::string BatchNorm::extra_repr() const {
  return detail::cat(num_features, ", eps=", float_repr(eps), ", momentum=",
                     momentum ? float_repr(*momentum) : std::string("None"), ", affine=",
                     bool_str(affine), ", bias=", bool_str(param(bias_).defined()),
                     ", track_running_stats=", bool_str(track_running_stats));
}

Tensor BatchNorm::forward(const Tensor& input) {
  check_defined(input, name().c_str());
  check_input_dim(input);
  double factor = momentum ? *momentum : 0.0;
  Tensor count = buffer(count_);
  if (is_training() && track_running_stats && count.defined()) {
    {
      autograd::NoGradGuard guard;
      add_(count, Scalar(int64_t{1}));
    }
    if (!momentum) factor = 1.0 / static_cast<double>(count.data<int64_t>()[0]);
  }
  Tensor rm = buffer(mean_), rv = buffer(var_);
  const bool bn_training = is_training() || (!rm.defined() && !rv.defined());
  // In training without tracking, the running stats (if any) are neither used nor updated.
  const bool pass_stats = !is_training() || track_running_stats;
  return batch_norm(input, pass_stats ? rm : Tensor(), pass_stats ? rv : Tensor(),
                    param(weight_), param(bias_), bn_training, factor, eps);
}

void BatchNorm1d::check_input_dim(const Tensor& input) const {
  EMBER_CHECK(input.dim() == 2 || input.dim() == 3, ValueError, "[", name(),
              "] expected 2D or 3D input (got ", input.dim(), "D input)");
}

void BatchNorm2d::check_input_dim(const Tensor& input) const {
  EMBER_CHECK(input.dim() == 4, ValueError, "[", name(), "] expected 4D input (got ",
              input.dim(), "D input)");
}

}  // namespace ember::nn
