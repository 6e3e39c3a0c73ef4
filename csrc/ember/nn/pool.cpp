// Pooling layers (and the other layers of nn/pool.h): thin wrappers over the ops.
#include "ember/nn/pool.h"

namespace ember::nn {

std::string size_repr(const IntList& v, bool tuple) {
  auto item = [](int64_t x) { return x == -1 ? std::string("None") : std::to_string(x); };
  if (v.size() == 1 && !tuple) return item(v[0]);
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + item(v[i]);
  return s + (v.size() == 1 ? ",)" : ")");
}

static const char* bool_str(bool b) { return b ? "True" : "False"; }

MaxPool::MaxPool(int64_t sd, IntList kernel_size, IntList stride, IntList padding,
                 IntList dilation, bool return_indices, bool ceil_mode)
    : sd(sd), kernel_size(std::move(kernel_size)), stride(std::move(stride)),
      padding(std::move(padding)), dilation(std::move(dilation)),
      return_indices(return_indices), ceil_mode(ceil_mode) {
  if (this->stride.empty()) this->stride = this->kernel_size;
}

std::string MaxPool::extra_repr() const {
  return "kernel_size=" + size_repr(kernel_size) + ", stride=" + size_repr(stride) +
         ", padding=" + size_repr(padding) + ", dilation=" + size_repr(dilation) +
         ", ceil_mode=" + bool_str(ceil_mode);
}

MaxUnpool::MaxUnpool(int64_t sd, IntList kernel_size, IntList stride, IntList padding)
    : sd(sd), kernel_size(std::move(kernel_size)), stride(std::move(stride)),
      padding(std::move(padding)) {
  if (this->stride.empty()) this->stride = this->kernel_size;
}

std::string MaxUnpool::extra_repr() const {
  return "kernel_size=" + size_repr(kernel_size) + ", stride=" + size_repr(stride) +
         ", padding=" + size_repr(padding);
}

Tensor MaxUnpool::forward(const Tensor&) {
  EMBER_THROW(TypeError, "[", name(), "] forward() expects (input, indices[, output_size])");
}

Tensor MaxUnpool::forward(const Tensor& input, const Tensor& indices, const IntList& output_size) {
  if (sd == 1) return max_unpool1d(input, indices, kernel_size, stride, padding, output_size);
  return max_unpool2d(input, indices, kernel_size, stride, padding, output_size);
}

std::pair<Tensor, Tensor> MaxPool::forward_with_indices(const Tensor& input) {
  if (sd == 1) {
    if (return_indices)
      return max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode);
    return {max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode), Tensor()};
  }
  if (return_indices)
    return max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode);
  return {max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode), Tensor()};
}

AvgPool::AvgPool(int64_t sd, IntList kernel_size, IntList stride, IntList padding,
                 bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override)
    : sd(sd), kernel_size(std::move(kernel_size)), stride(std::move(stride)),
      padding(std::move(padding)), ceil_mode(ceil_mode), count_include_pad(count_include_pad),
      divisor_override(divisor_override) {
  if (this->stride.empty()) this->stride = this->kernel_size;
}

std::string AvgPool::extra_repr() const {
  bool t = sd == 1;  // PyTorch's AvgPool1d stores its sizes as 1-tuples
  return "kernel_size=" + size_repr(kernel_size, t) + ", stride=" + size_repr(stride, t) +
         ", padding=" + size_repr(padding, t);
}

Tensor AvgPool::forward(const Tensor& input) {
  if (sd == 1) return avg_pool1d(input, kernel_size, stride, padding, ceil_mode, count_include_pad);
  return avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                    divisor_override);
}

std::string AdaptivePool::name() const {
  return std::string("Adaptive") + (max ? "Max" : "Avg") + "Pool" + (sd == 1 ? "1d" : "2d");
}

std::string AdaptivePool::extra_repr() const { return "output_size=" + size_repr(output_size); }

std::pair<Tensor, Tensor> AdaptivePool::forward_with_indices(const Tensor& input) {
  if (!max)
    return {sd == 1 ? adaptive_avg_pool1d(input, output_size)
                    : adaptive_avg_pool2d(input, output_size), Tensor()};
  if (return_indices)
    return sd == 1 ? adaptive_max_pool1d_with_indices(input, output_size)
                   : adaptive_max_pool2d_with_indices(input, output_size);
  return {sd == 1 ? adaptive_max_pool1d(input, output_size)
                  : adaptive_max_pool2d(input, output_size), Tensor()};
}

}  // namespace ember::nn

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "ember/nn/init.h"
#include "ember/ops/creation.h"
#include "ember/ops/dropout.h"
#include "ember/ops/view.h"

namespace ember::nn {


GroupNorm::GroupNorm(int64_t num_groups, int64_t num_channels, double eps, bool affine, bool bias)
    : num_groups(num_groups), num_channels(num_channels), eps(eps), affine(affine), bias(bias) {
  EMBER_CHECK(num_groups > 0 && num_channels >= 0 && num_channels % num_groups == 0, ValueError,
              "[GroupNorm] num_channels must be divisible by num_groups, got num_groups=",
              num_groups, ", num_channels=", num_channels);
  weight_ = register_parameter("weight", affine ? ones({num_channels}) : Tensor());
  bias_ = register_parameter("bias", affine && bias ? zeros({num_channels}) : Tensor());
}

void GroupNorm::reset_parameters() {
  Tensor w = param(weight_), b = param(bias_);
  if (w.defined()) init::ones_(w);
  if (b.defined()) init::zeros_(b);
}

std::string GroupNorm::extra_repr() const {
  return std::to_string(num_groups) + ", " + std::to_string(num_channels) + ", eps=" +
         float_repr(eps) + ", affine=" + bool_str(affine) + ", bias=" + bool_str(affine && bias);
}

InstanceNorm::InstanceNorm(int64_t sd, int64_t num_features, double eps, double momentum,
                           bool affine, bool track_running_stats, bool bias)
    : sd(sd), num_features(num_features), eps(eps), momentum(momentum), affine(affine),
      track_running_stats(track_running_stats), bias(bias) {
  weight_ = register_parameter("weight", affine ? ones({num_features}) : Tensor());
  bias_ = register_parameter("bias", affine && bias ? zeros({num_features}) : Tensor());
  mean_ = register_buffer("running_mean", track_running_stats ? zeros({num_features}) : Tensor());
  var_ = register_buffer("running_var", track_running_stats ? ones({num_features}) : Tensor());
  count_ = register_buffer("num_batches_tracked",
                           track_running_stats ? zeros({}, DType::Int64) : Tensor());
}

std::string InstanceNorm::extra_repr() const {
  return std::to_string(num_features) + ", eps=" + float_repr(eps) + ", momentum=" +
         float_repr(momentum) + ", affine=" + bool_str(affine) + ", bias=" +
         bool_str(affine && bias) + ", track_running_stats=" + bool_str(track_running_stats);
}

Tensor InstanceNorm::forward(const Tensor& input) {
  check_defined(input, name().c_str());
  EMBER_CHECK(input.dim() == sd + 1 || input.dim() == sd + 2, ValueError, "[", name(),
              "] expected input of ", sd + 1, " or ", sd + 2, " dims, got shape ",
              shape_str(input.shape()));
  const bool unbatched = input.dim() == sd + 1;
  Tensor x = unbatched ? unsqueeze(input, 0) : input;
  const bool use_input_stats = is_training() || !track_running_stats;
  Tensor y = instance_norm(x, buffer(mean_), buffer(var_), param(weight_), param(bias_),
                           use_input_stats, momentum, eps);
  return unbatched ? squeeze(y, std::vector<int64_t>{0}) : y;
}

Upsample::Upsample(IntList size, std::vector<double> scale_factor, std::string mode,
                   std::optional<bool> align_corners)
    : size(std::move(size)), scale_factor(std::move(scale_factor)), mode(std::move(mode)),
      align_corners(align_corners) {}

std::string Upsample::extra_repr() const {
  std::string s;
  if (!scale_factor.empty()) {
    s = "scale_factor=";
    if (scale_factor.size() == 1) {
      s += float_repr(scale_factor[0]);
    } else {
      s += "(";
      for (size_t i = 0; i < scale_factor.size(); ++i)
        s += (i ? ", " : "") + float_repr(scale_factor[i]);
      s += ")";
    }
  } else {
    s = "size=" + size_repr(size);
  }
  return s + ", mode='" + mode + "'";
}

Dropout2d::Dropout2d(double p, bool inplace) : p(p), inplace(inplace) {
  EMBER_CHECK(p >= 0 && p <= 1, ValueError, "[Dropout2d] dropout probability has to be between "
              "0 and 1, but got ", p);
}

std::string Dropout2d::extra_repr() const {
  return "p=" + float_repr(p) + ", inplace=" + bool_str(inplace);
}

Tensor Dropout2d::forward(const Tensor& input) { return dropout2d(input, p, is_training()); }

PadLayer::PadLayer(std::string cls, std::string mode, int64_t sd, IntList padding, double value)
    : cls(std::move(cls)), mode(std::move(mode)), value(value) {
  EMBER_CHECK(padding.size() == 1 || static_cast<int64_t>(padding.size()) == 2 * sd, ValueError,
              "[", this->cls, "] padding must be an int or a tuple of ", 2 * sd, " ints, got ",
              size_repr(padding, true));
  this->padding = padding.size() == 1 ? IntList(2 * sd, padding[0]) : padding;
}

std::string PadLayer::extra_repr() const {
  if (cls.rfind("ConstantPad", 0) == 0)
    return "padding=" + size_repr(padding, true) + ", value=" + float_repr(value);
  return size_repr(padding, true);
}

}  // namespace ember::nn
