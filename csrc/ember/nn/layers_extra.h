// Small layers over ops/dropout.h and ops/pool_extra.h, with PyTorch's arguments, defaults
// and extra_repr: Dropout1d, Dropout3d, AlphaDropout, FeatureAlphaDropout (random in
// training, identity in eval), RReLU, LocalResponseNorm, ChannelShuffle, LPPool1d / LPPool2d,
// UpsamplingNearest2d / UpsamplingBilinear2d (Upsample with a fixed mode).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "ember/nn/module.h"
#include "ember/nn/pool.h"
#include "ember/ops/dropout.h"

namespace ember::nn {

// p and inplace of the dropout layers; `op` applies the layer's dropout.
class DropoutBase : public Module {
 public:
  using Op = Tensor (*)(const Tensor&, double, bool);
  DropoutBase(const char* cls, Op op, double p, bool inplace);
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override { return op_(input, p, is_training()); }
  double p;
  bool inplace;

 private:
  Op op_;
};

#define EMBER_DROPOUT_LAYER(Name, OP)                                            \
  class Name : public DropoutBase {                                              \
   public:                                                                       \
    EMBER_MODULE_COPY(Name)                                                      \
    explicit Name(double p = 0.5, bool inplace = false)                          \
        : DropoutBase(#Name, OP, p, inplace) {}                                  \
    std::string name() const override { return #Name; }                         \
  };
EMBER_DROPOUT_LAYER(Dropout1d, &dropout1d)
EMBER_DROPOUT_LAYER(Dropout3d, &dropout3d)
EMBER_DROPOUT_LAYER(AlphaDropout, &alpha_dropout)
EMBER_DROPOUT_LAYER(FeatureAlphaDropout, &feature_alpha_dropout)
#undef EMBER_DROPOUT_LAYER

class RReLU : public Module {
 public:
  EMBER_MODULE_COPY(RReLU)
  explicit RReLU(double lower = 1.0 / 8, double upper = 1.0 / 3, bool inplace = false);
  std::string name() const override { return "RReLU"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  double lower, upper;
  bool inplace;
};

class LocalResponseNorm : public Module {
 public:
  EMBER_MODULE_COPY(LocalResponseNorm)
  explicit LocalResponseNorm(int64_t size, double alpha = 1e-4, double beta = 0.75,
                             double k = 1.0)
      : size(size), alpha(alpha), beta(beta), k(k) {}
  std::string name() const override { return "LocalResponseNorm"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  int64_t size;
  double alpha, beta, k;
};

class ChannelShuffle : public Module {
 public:
  EMBER_MODULE_COPY(ChannelShuffle)
  explicit ChannelShuffle(int64_t groups) : groups(groups) {}
  std::string name() const override { return "ChannelShuffle"; }
  std::string extra_repr() const override { return "groups=" + std::to_string(groups); }
  Tensor forward(const Tensor& input) override;
  int64_t groups;
};

// LPPool1d / LPPool2d; empty stride: None (stride = kernel_size).
class LPPool : public Module {
 public:
  EMBER_MODULE_COPY(LPPool)
  LPPool(int64_t sd, double norm_type, IntList kernel_size, IntList stride = {},
         bool ceil_mode = false)
      : sd(sd), norm_type(norm_type), kernel_size(std::move(kernel_size)),
        stride(std::move(stride)), ceil_mode(ceil_mode) {}
  std::string name() const override { return sd == 1 ? "LPPool1d" : "LPPool2d"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  int64_t sd;
  double norm_type;
  IntList kernel_size, stride;
  bool ceil_mode;
};
struct LPPool1d : LPPool {
  EMBER_MODULE_COPY(LPPool1d)
  LPPool1d(double n, IntList k, IntList s = {}, bool c = false) : LPPool(1, n, std::move(k), std::move(s), c) {}
};
struct LPPool2d : LPPool {
  EMBER_MODULE_COPY(LPPool2d)
  LPPool2d(double n, IntList k, IntList s = {}, bool c = false) : LPPool(2, n, std::move(k), std::move(s), c) {}
};

struct UpsamplingNearest2d : Upsample {
  EMBER_MODULE_COPY(UpsamplingNearest2d)
  UpsamplingNearest2d(IntList size, std::vector<double> scale_factor)
      : Upsample(std::move(size), std::move(scale_factor), "nearest") {}
  std::string name() const override { return "UpsamplingNearest2d"; }
};
struct UpsamplingBilinear2d : Upsample {
  EMBER_MODULE_COPY(UpsamplingBilinear2d)
  UpsamplingBilinear2d(IntList size, std::vector<double> scale_factor)
      : Upsample(std::move(size), std::move(scale_factor), "bilinear", true) {}
  std::string name() const override { return "UpsamplingBilinear2d"; }
};

}  // namespace ember::nn
