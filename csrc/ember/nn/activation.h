// Parameter-free activation layers (ReLU, LeakyReLU, ELU, GELU, SiLU, Tanh, Sigmoid,
// Softplus, Softmax, LogSoftmax) and Dropout, with PyTorch's arguments and repr. inplace=True
// runs the in-place op (relu_, leaky_relu_, elu_, mul_ by the dropout mask) on the input.
#pragma once
#include <optional>
#include <string>

#include "ember/nn/module.h"

namespace ember::nn {


class ReLU : public Module {
 public:
  EMBER_MODULE_COPY(ReLU)
  explicit ReLU(bool inplace = false) : inplace(inplace) {}
  std::string name() const override { return "ReLU"; }
  std::string extra_repr() const override { return inplace ? "inplace=True" : ""; }
  Tensor forward(const Tensor& input) override;
  bool inplace;
};

class LeakyReLU : public Module {
 public:
  EMBER_MODULE_COPY(LeakyReLU)
  explicit LeakyReLU(double negative_slope = 0.01, bool inplace = false)
      : negative_slope(negative_slope), inplace(inplace) {}
  std::string name() const override { return "LeakyReLU"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  double negative_slope;
  bool inplace;
};

class ELU : public Module {
 public:
  EMBER_MODULE_COPY(ELU)
  explicit ELU(double alpha = 1.0, bool inplace = false) : alpha(alpha), inplace(inplace) {}
  std::string name() const override { return "ELU"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  double alpha;
  bool inplace;
};

class GELU : public Module {
 public:
  EMBER_MODULE_COPY(GELU)
  explicit GELU(std::string approximate = "none");
  std::string name() const override { return "GELU"; }
  std::string extra_repr() const override { return "approximate='" + approximate + "'"; }
  Tensor forward(const Tensor& input) override;
  std::string approximate;
};

// inplace=True is accepted for PyTorch compatibility but computes out of place and copies
// the result into the input.
class SiLU : public Module {
 public:
  EMBER_MODULE_COPY(SiLU)
  explicit SiLU(bool inplace = false) : inplace(inplace) {}
  std::string name() const override { return "SiLU"; }
  std::string extra_repr() const override { return inplace ? "inplace=True" : ""; }
  Tensor forward(const Tensor& input) override;
  bool inplace;
};

class Tanh : public Module {
 public:
  EMBER_MODULE_COPY(Tanh)
  std::string name() const override { return "Tanh"; }
  Tensor forward(const Tensor& input) override;
};

class Sigmoid : public Module {
 public:
  EMBER_MODULE_COPY(Sigmoid)
  std::string name() const override { return "Sigmoid"; }
  Tensor forward(const Tensor& input) override;
};

class Softplus : public Module {
 public:
  EMBER_MODULE_COPY(Softplus)
  explicit Softplus(double beta = 1.0, double threshold = 20.0) : beta(beta), threshold(threshold) {}
  std::string name() const override { return "Softplus"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  double beta, threshold;
};

// PyTorch's legacy implicit dim for softmax with dim=None: 0 for 0-, 1- and 3-dim inputs,
// else 1.
int64_t implicit_softmax_dim(int64_t ndim);

class Softmax : public Module {
 public:
  EMBER_MODULE_COPY(Softmax)
  explicit Softmax(std::optional<int64_t> dim = std::nullopt) : dim(dim) {}
  std::string name() const override { return "Softmax"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  std::optional<int64_t> dim;
};

class LogSoftmax : public Module {
 public:
  EMBER_MODULE_COPY(LogSoftmax)
  explicit LogSoftmax(std::optional<int64_t> dim = std::nullopt) : dim(dim) {}
  std::string name() const override { return "LogSoftmax"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  std::optional<int64_t> dim;
};

// Zeroes elements with probability p and scales the rest by 1/(1-p) while training;
// identity in eval mode.
class Dropout : public Module {
 public:
  EMBER_MODULE_COPY(Dropout)
  explicit Dropout(double p = 0.5, bool inplace = false);
  std::string name() const override { return "Dropout"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  double p;
  bool inplace;
};

}  // namespace ember::nn
