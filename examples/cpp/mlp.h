// The model shared by the C++ examples: a two-layer perceptron written as ember::nn::Module
// subclasses that register their own parameters (fc1.weight, fc1.bias, fc2.weight,
// fc2.bias: PyTorch's names for two nn.Linear layers), built from the ops linear and relu.
// examples/cpp/mlp.py defines the same model in Python; both load the same safetensors file.
#pragma once
#include <cmath>
#include <memory>

#include <ember/ember.h>

namespace example {

// y = x W^T + b, initialised like torch.nn.Linear (kaiming_uniform_ with a = sqrt(5)).
class Dense : public ember::nn::Module {
 public:
  Dense(int64_t in, int64_t out) {
    weight_ = register_parameter("weight", ember::empty({out, in}));
    bias_ = register_parameter("bias", ember::empty({out}));
    ember::autograd::NoGradGuard no_grad;
    ember::Tensor w = param(weight_), b = param(bias_);
    ember::nn::init::kaiming_uniform_(w, std::sqrt(5.0));
    double bound = 1.0 / std::sqrt(static_cast<double>(in));
    ember::nn::init::uniform_(b, -bound, bound);
  }
  std::string name() const override { return "Dense"; }
  ember::Tensor forward(const ember::Tensor& x) override {
    return ember::linear(x, param(weight_), param(bias_));  // read through the slots
  }

 private:
  size_t weight_, bias_;
};

class MLP : public ember::nn::Module {
 public:
  MLP(int64_t in, int64_t hidden, int64_t out) {
    fc1_ = register_module("fc1", std::make_shared<Dense>(in, hidden));
    fc2_ = register_module("fc2", std::make_shared<Dense>(hidden, out));
  }
  std::string name() const override { return "MLP"; }
  ember::Tensor forward(const ember::Tensor& x) override {
    return child_as<Dense>(fc2_)(ember::relu(child_as<Dense>(fc1_)(x)));
  }

 private:
  size_t fc1_, fc2_;
};

}  // namespace example
