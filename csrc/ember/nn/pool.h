// Pooling, padding, upsampling and group-norm layers over the ops of ops/pool.h, ops/pad.h,
// ops/upsample.h and ops/group_norm.h, with PyTorch's constructor arguments and extra_repr.
// Sizes keep the form they were given in (one entry prints as an int, like PyTorch).
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/nn/module.h"
#include "ember/ops/group_norm.h"
#include "ember/ops/pad.h"
#include "ember/ops/pool.h"
#include "ember/ops/upsample.h"

namespace ember::nn {

class MaxPool : public Module {
 public:
  EMBER_MODULE_COPY(MaxPool)
  MaxPool(int64_t sd, IntList kernel_size, IntList stride, IntList padding, IntList dilation,
          bool return_indices, bool ceil_mode);
  std::string name() const override { return sd == 1 ? "MaxPool1d" : "MaxPool2d"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override { return forward_with_indices(input).first; }
  std::pair<Tensor, Tensor> forward_with_indices(const Tensor& input);
  int64_t sd;
  IntList kernel_size, stride, padding, dilation;
  bool return_indices, ceil_mode;
};
struct MaxPool1d : MaxPool {
  EMBER_MODULE_COPY(MaxPool1d)
  MaxPool1d(IntList k, IntList s = {}, IntList p = {0}, IntList d = {1}, bool ri = false,
            bool ceil = false) : MaxPool(1, k, s, p, d, ri, ceil) {}
};
struct MaxPool2d : MaxPool {
  EMBER_MODULE_COPY(MaxPool2d)
  MaxPool2d(IntList k, IntList s = {}, IntList p = {0}, IntList d = {1}, bool ri = false,
            bool ceil = false) : MaxPool(2, k, s, p, d, ri, ceil) {}
};

// MaxUnpool1d / MaxUnpool2d: forward(input, indices, output_size) (see ops max_unpool*d);
// the one-tensor forward of Module raises (indices are required).
class MaxUnpool : public Module {
 public:
  EMBER_MODULE_COPY(MaxUnpool)
  MaxUnpool(int64_t sd, IntList kernel_size, IntList stride, IntList padding);
  std::string name() const override { return sd == 1 ? "MaxUnpool1d" : "MaxUnpool2d"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  Tensor forward(const Tensor& input, const Tensor& indices, const IntList& output_size = {});
  int64_t sd;
  IntList kernel_size, stride, padding;
};
struct MaxUnpool1d : MaxUnpool {
  EMBER_MODULE_COPY(MaxUnpool1d)
  MaxUnpool1d(IntList k, IntList s = {}, IntList p = {0}) : MaxUnpool(1, k, s, p) {}
};
struct MaxUnpool2d : MaxUnpool {
  EMBER_MODULE_COPY(MaxUnpool2d)
  MaxUnpool2d(IntList k, IntList s = {}, IntList p = {0}) : MaxUnpool(2, k, s, p) {}
};

class AvgPool : public Module {
 public:
  EMBER_MODULE_COPY(AvgPool)
  AvgPool(int64_t sd, IntList kernel_size, IntList stride, IntList padding, bool ceil_mode,
          bool count_include_pad, std::optional<int64_t> divisor_override);
  std::string name() const override { return sd == 1 ? "AvgPool1d" : "AvgPool2d"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  int64_t sd;
  IntList kernel_size, stride, padding;
  bool ceil_mode, count_include_pad;
  std::optional<int64_t> divisor_override;
};
struct AvgPool1d : AvgPool {
  EMBER_MODULE_COPY(AvgPool1d)
  AvgPool1d(IntList k, IntList s = {}, IntList p = {0}, bool ceil = false, bool cip = true)
      : AvgPool(1, k, s, p, ceil, cip, std::nullopt) {}
};
struct AvgPool2d : AvgPool {
  EMBER_MODULE_COPY(AvgPool2d)
  AvgPool2d(IntList k, IntList s = {}, IntList p = {0}, bool ceil = false, bool cip = true,
            std::optional<int64_t> div = std::nullopt) : AvgPool(2, k, s, p, ceil, cip, div) {}
};

// Adaptive average (max=false) or max pooling; output_size entries of -1 mean None.
class AdaptivePool : public Module {
 public:
  EMBER_MODULE_COPY(AdaptivePool)
  AdaptivePool(int64_t sd, bool max, IntList output_size, bool return_indices = false)
      : sd(sd), max(max), output_size(std::move(output_size)), return_indices(return_indices) {}
  std::string name() const override;
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override { return forward_with_indices(input).first; }
  std::pair<Tensor, Tensor> forward_with_indices(const Tensor& input);
  int64_t sd;
  bool max;
  IntList output_size;
  bool return_indices;
};
struct AdaptiveAvgPool1d : AdaptivePool {
  EMBER_MODULE_COPY(AdaptiveAvgPool1d)
  explicit AdaptiveAvgPool1d(IntList o) : AdaptivePool(1, false, std::move(o)) {}
};
struct AdaptiveAvgPool2d : AdaptivePool {
  EMBER_MODULE_COPY(AdaptiveAvgPool2d)
  explicit AdaptiveAvgPool2d(IntList o) : AdaptivePool(2, false, std::move(o)) {}
};
struct AdaptiveMaxPool1d : AdaptivePool {
  EMBER_MODULE_COPY(AdaptiveMaxPool1d)
  explicit AdaptiveMaxPool1d(IntList o, bool ri = false) : AdaptivePool(1, true, std::move(o), ri) {}
};
struct AdaptiveMaxPool2d : AdaptivePool {
  EMBER_MODULE_COPY(AdaptiveMaxPool2d)
  explicit AdaptiveMaxPool2d(IntList o, bool ri = false) : AdaptivePool(2, true, std::move(o), ri) {}
};

// "2" for one entry, "(2, 3)" otherwise; tuple=true always prints a tuple ("(2,)").
std::string size_repr(const IntList& v, bool tuple = false);

}  // namespace ember::nn

namespace ember::nn {


class GroupNorm : public Module {
 public:
  EMBER_MODULE_COPY(GroupNorm)
  GroupNorm(int64_t num_groups, int64_t num_channels, double eps = 1e-5, bool affine = true,
            bool bias = true);
  std::string name() const override { return "GroupNorm"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override {
    return group_norm(input, num_groups, param(weight_), param(bias_), eps);
  }
  void reset_parameters();
  int64_t num_groups, num_channels;
  double eps;
  bool affine, bias;

 private:
  size_t weight_, bias_;
};

// InstanceNorm1d (sd = 1, input (N, C, L) or (C, L)) and InstanceNorm2d (sd = 2).
class InstanceNorm : public Module {
 public:
  EMBER_MODULE_COPY(InstanceNorm)
  InstanceNorm(int64_t sd, int64_t num_features, double eps, double momentum, bool affine,
               bool track_running_stats, bool bias);
  std::string name() const override { return sd == 1 ? "InstanceNorm1d" : "InstanceNorm2d"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  int64_t sd, num_features;
  double eps, momentum;
  bool affine, track_running_stats, bias;

 private:
  size_t weight_, bias_, mean_, var_, count_;
};
struct InstanceNorm1d : InstanceNorm {
  EMBER_MODULE_COPY(InstanceNorm1d)
  explicit InstanceNorm1d(int64_t n, double eps = 1e-5, double momentum = 0.1, bool affine = false,
                          bool track = false, bool bias = true)
      : InstanceNorm(1, n, eps, momentum, affine, track, bias) {}
};
struct InstanceNorm2d : InstanceNorm {
  EMBER_MODULE_COPY(InstanceNorm2d)
  explicit InstanceNorm2d(int64_t n, double eps = 1e-5, double momentum = 0.1, bool affine = false,
                          bool track = false, bool bias = true)
      : InstanceNorm(2, n, eps, momentum, affine, track, bias) {}
};

// Upsample: exactly one of size / scale_factor (one entry or one per spatial dim).
class Upsample : public Module {
 public:
  EMBER_MODULE_COPY(Upsample)
  Upsample(IntList size, std::vector<double> scale_factor, std::string mode = "nearest",
           std::optional<bool> align_corners = std::nullopt);
  std::string name() const override { return "Upsample"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override {
    return interpolate(input, size, scale_factor, mode, align_corners);
  }
  IntList size;
  std::vector<double> scale_factor;
  std::string mode;
  std::optional<bool> align_corners;
};

class PixelShuffle : public Module {
 public:
  EMBER_MODULE_COPY(PixelShuffle)
  explicit PixelShuffle(int64_t upscale_factor) : upscale_factor(upscale_factor) {}
  std::string name() const override { return "PixelShuffle"; }
  std::string extra_repr() const override { return "upscale_factor=" + std::to_string(upscale_factor); }
  Tensor forward(const Tensor& input) override { return pixel_shuffle(input, upscale_factor); }
  int64_t upscale_factor;
};

class PixelUnshuffle : public Module {
 public:
  EMBER_MODULE_COPY(PixelUnshuffle)
  explicit PixelUnshuffle(int64_t downscale_factor) : downscale_factor(downscale_factor) {}
  std::string name() const override { return "PixelUnshuffle"; }
  std::string extra_repr() const override {
    return "downscale_factor=" + std::to_string(downscale_factor);
  }
  Tensor forward(const Tensor& input) override { return pixel_unshuffle(input, downscale_factor); }
  int64_t downscale_factor;
};

// Zeroes whole channels of (N, C, H, W) with probability p in training (ops/dropout.h).
class Dropout2d : public Module {
 public:
  EMBER_MODULE_COPY(Dropout2d)
  explicit Dropout2d(double p = 0.5, bool inplace = false);
  std::string name() const override { return "Dropout2d"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  double p;
  bool inplace;
};

// ConstantPad{1,2}d, ZeroPad{1,2}d, ReflectionPad{1,2}d, ReplicationPad{1,2}d,
// CircularPad{1,2}d: padding holds 2 * sd entries (an int given is repeated).
class PadLayer : public Module {
 public:
  EMBER_MODULE_COPY(PadLayer)
  PadLayer(std::string cls, std::string mode, int64_t sd, IntList padding, double value = 0.0);
  std::string name() const override { return cls; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override { return pad(input, padding, mode, value); }
  std::string cls, mode;
  IntList padding;
  double value;
};

// One C++ type per padding layer (each is its own Python class).
#define EMBER_PAD_LAYER(Name, mode, sd)                                                   \
  struct Name : PadLayer {                                                               \
    EMBER_MODULE_COPY(Name)                                                              \
    explicit Name(IntList padding, double value = 0.0)                                   \
        : PadLayer(#Name, mode, sd, std::move(padding), value) {}                        \
  };
EMBER_PAD_LAYER(ConstantPad1d, "constant", 1)
EMBER_PAD_LAYER(ConstantPad2d, "constant", 2)
EMBER_PAD_LAYER(ZeroPad1d, "constant", 1)
EMBER_PAD_LAYER(ZeroPad2d, "constant", 2)
EMBER_PAD_LAYER(ReflectionPad1d, "reflect", 1)
EMBER_PAD_LAYER(ReflectionPad2d, "reflect", 2)
EMBER_PAD_LAYER(ReplicationPad1d, "replicate", 1)
EMBER_PAD_LAYER(ReplicationPad2d, "replicate", 2)
EMBER_PAD_LAYER(CircularPad1d, "circular", 1)
EMBER_PAD_LAYER(CircularPad2d, "circular", 2)
#undef EMBER_PAD_LAYER

}  // namespace ember::nn
