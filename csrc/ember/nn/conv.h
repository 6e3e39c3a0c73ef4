// Convolution layers: Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d with PyTorch's
// arguments, parameter names / layouts, default init and extra_repr. Non-'zeros'
// padding_mode (reflect / replicate / circular) pads explicitly, then convolves unpadded.
// Limit: ConvTranspose forward takes no output_size argument.
#pragma once
#include <string>
#include <vector>

#include "ember/nn/module.h"

namespace ember::nn {

class ConvNd : public Module {
 public:
  // padding_str: "" when padding holds sizes, else "valid" / "same" (non-transposed only).
  ConvNd(int nsp, bool transposed, int64_t in_channels, int64_t out_channels,
         std::vector<int64_t> kernel_size, std::vector<int64_t> stride,
         std::vector<int64_t> padding, std::string padding_str,
         std::vector<int64_t> output_padding, std::vector<int64_t> dilation, int64_t groups,
         bool bias, std::string padding_mode);
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  void reset_parameters();

  int nsp;
  bool transposed;
  int64_t in_channels, out_channels, groups;
  std::vector<int64_t> kernel_size, stride, padding, output_padding, dilation;
  std::string padding_str, padding_mode;

 protected:
  size_t weight_, bias_;
};

class Conv1d : public ConvNd {
 public:
  using ConvNd::ConvNd;
  std::string name() const override { return "Conv1d"; }
};
class Conv2d : public ConvNd {
 public:
  using ConvNd::ConvNd;
  std::string name() const override { return "Conv2d"; }
};
class ConvTranspose1d : public ConvNd {
 public:
  using ConvNd::ConvNd;
  std::string name() const override { return "ConvTranspose1d"; }
};
class ConvTranspose2d : public ConvNd {
 public:
  using ConvNd::ConvNd;
  std::string name() const override { return "ConvTranspose2d"; }
};

}  // namespace ember::nn
