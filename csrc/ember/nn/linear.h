// Dense layers: Linear(in_features, out_features, bias) and Bilinear(in1, in2, out, bias),
// PyTorch's parameter names, layouts and default initialisation (kaiming_uniform_(a=sqrt(5))
// / uniform(+-1/sqrt(fan_in))). Bilinear takes two inputs: use forward(x1, x2).
#pragma once
#include "ember/nn/module.h"

namespace ember::nn {

class Linear : public Module {
 public:
  EMBER_MODULE_COPY(Linear)
  Linear(int64_t in_features, int64_t out_features, bool bias = true);
  std::string name() const override { return "Linear"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  void reset_parameters();
  const Tensor& weight() const { return param(weight_); }
  const Tensor& bias() const { return param(bias_); }
  int64_t in_features, out_features;

 private:
  size_t weight_, bias_;
};

class Bilinear : public Module {
 public:
  EMBER_MODULE_COPY(Bilinear)
  Bilinear(int64_t in1_features, int64_t in2_features, int64_t out_features, bool bias = true);
  std::string name() const override { return "Bilinear"; }
  std::string extra_repr() const override;
  // The single-input forward raises TypeError (Bilinear needs two inputs).
  Tensor forward(const Tensor& input) override;
  Tensor forward(const Tensor& input1, const Tensor& input2);
  void reset_parameters();
  int64_t in1_features, in2_features, out_features;

 private:
  size_t weight_, bias_;
};

}  // namespace ember::nn
