// Convolution layers: Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d with PyTorch's
// arguments, parameter names / layouts, default init and extra_repr. Non-'zeros'
// padding_mode (reflect / replicate / circular) pads explicitly, then convolves unpadded.
// Limit: ConvTranspose forward takes no output_size argument. Also Unfold / Fold (ops im2col /
// col2im), which keep their size arguments as given (one value or one per dim).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "ember/nn/module.h"

namespace ember::nn {

class ConvNd : public Module {
 public:
  EMBER_MODULE_COPY(ConvNd)
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

// The concrete layers take PyTorch's arguments in PyTorch's order (one value per spatial
// dim, or a single value used for every dim). Padding "valid" / "same" goes through the
// full ConvNd constructor, which they also accept.
#define EMBER_CONV_LAYER(Name, NSP)                                                          \
  class Name : public ConvNd {                                                               \
   public:                                                                                   \
    EMBER_MODULE_COPY(Name)                                                                  \
    using ConvNd::ConvNd;                                                                    \
    Name(int64_t in_channels, int64_t out_channels, std::vector<int64_t> kernel_size,       \
         std::vector<int64_t> stride = {1}, std::vector<int64_t> padding = {0},              \
         std::vector<int64_t> dilation = {1}, int64_t groups = 1, bool bias = true,          \
         std::string padding_mode = "zeros")                                                 \
        : ConvNd(NSP, false, in_channels, out_channels, std::move(kernel_size),              \
                 std::move(stride), std::move(padding), "", {0}, std::move(dilation), groups, \
                 bias, std::move(padding_mode)) {}                                           \
    std::string name() const override { return #Name; }                                    \
  };
#define EMBER_CONV_TRANSPOSE_LAYER(Name, NSP)                                                \
  class Name : public ConvNd {                                                               \
   public:                                                                                   \
    EMBER_MODULE_COPY(Name)                                                                  \
    using ConvNd::ConvNd;                                                                    \
    Name(int64_t in_channels, int64_t out_channels, std::vector<int64_t> kernel_size,       \
         std::vector<int64_t> stride = {1}, std::vector<int64_t> padding = {0},              \
         std::vector<int64_t> output_padding = {0}, int64_t groups = 1, bool bias = true,    \
         std::vector<int64_t> dilation = {1}, std::string padding_mode = "zeros")            \
        : ConvNd(NSP, true, in_channels, out_channels, std::move(kernel_size),               \
                 std::move(stride), std::move(padding), "", std::move(output_padding),        \
                 std::move(dilation), groups, bias, std::move(padding_mode)) {}              \
    std::string name() const override { return #Name; }                                    \
  };
EMBER_CONV_LAYER(Conv1d, 1)
EMBER_CONV_LAYER(Conv2d, 2)
EMBER_CONV_TRANSPOSE_LAYER(ConvTranspose1d, 1)
EMBER_CONV_TRANSPOSE_LAYER(ConvTranspose2d, 2)
#undef EMBER_CONV_LAYER
#undef EMBER_CONV_TRANSPOSE_LAYER

// F.unfold as a layer: (N, C, H, W) -> (N, C * prod(kernel_size), L).
class Unfold : public Module {
 public:
  EMBER_MODULE_COPY(Unfold)
  Unfold(std::vector<int64_t> kernel_size, std::vector<int64_t> dilation = {1},
         std::vector<int64_t> padding = {0}, std::vector<int64_t> stride = {1})
      : kernel_size(std::move(kernel_size)), dilation(std::move(dilation)),
        padding(std::move(padding)), stride(std::move(stride)) {}
  std::string name() const override { return "Unfold"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  std::vector<int64_t> kernel_size, dilation, padding, stride;
};

// F.fold as a layer: (N, C * prod(kernel_size), L) -> (N, C, output_size...).
class Fold : public Module {
 public:
  EMBER_MODULE_COPY(Fold)
  Fold(std::vector<int64_t> output_size, std::vector<int64_t> kernel_size,
       std::vector<int64_t> dilation = {1}, std::vector<int64_t> padding = {0},
       std::vector<int64_t> stride = {1})
      : output_size(std::move(output_size)), kernel_size(std::move(kernel_size)),
        dilation(std::move(dilation)), padding(std::move(padding)), stride(std::move(stride)) {}
  std::string name() const override { return "Fold"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  std::vector<int64_t> output_size, kernel_size, dilation, padding, stride;
};

}  // namespace ember::nn
