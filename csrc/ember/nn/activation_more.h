// More activation layers with PyTorch's arguments and repr: Hardtanh (and ReLU6, its
// subclass), Hardsigmoid, Hardswish, Mish, SELU, CELU, LogSigmoid, Softsign, Tanhshrink,
// Hardshrink, Softshrink, Threshold, Softmin, Softmax2d, GLU and PReLU (parameter weight).
#pragma once
#include <optional>
#include <string>

#include "ember/nn/module.h"

namespace ember::nn {

class Hardtanh : public Module {
 public:
  EMBER_MODULE_COPY(Hardtanh)
  // ValueError unless min_val <= max_val (PyTorch asserts max_val > min_val).
  explicit Hardtanh(double min_val = -1.0, double max_val = 1.0, bool inplace = false);
  std::string name() const override { return "Hardtanh"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  double min_val, max_val;
  bool inplace;
};

class ReLU6 : public Hardtanh {
 public:
  EMBER_MODULE_COPY(ReLU6)
  explicit ReLU6(bool inplace = false) : Hardtanh(0.0, 6.0, inplace) {}
  std::string name() const override { return "ReLU6"; }
  std::string extra_repr() const override { return inplace ? "inplace=True" : ""; }
};

// A parameter-free activation whose only option is inplace (shown in repr when show_inplace).
#define EMBER_INPLACE_ACTIVATION(Class, show_inplace)                                   \
  class Class : public Module {                                                          \
   public:                                                                               \
    EMBER_MODULE_COPY(Class)                                                             \
    explicit Class(bool inplace = false) : inplace(inplace) {}                           \
    std::string name() const override { return #Class; }                                 \
    std::string extra_repr() const override {                                            \
      return (show_inplace) && inplace ? "inplace=True" : "";                            \
    }                                                                                    \
    Tensor forward(const Tensor& input) override;                                        \
    bool inplace;                                                                        \
  };
EMBER_INPLACE_ACTIVATION(Hardsigmoid, false)
EMBER_INPLACE_ACTIVATION(Hardswish, false)
EMBER_INPLACE_ACTIVATION(Mish, true)
EMBER_INPLACE_ACTIVATION(SELU, true)
#undef EMBER_INPLACE_ACTIVATION

// An activation without options.
#define EMBER_PLAIN_ACTIVATION(Class)                    \
  class Class : public Module {                          \
   public:                                               \
    EMBER_MODULE_COPY(Class)                             \
    std::string name() const override { return #Class; } \
    Tensor forward(const Tensor& input) override;        \
  };
EMBER_PLAIN_ACTIVATION(LogSigmoid)
EMBER_PLAIN_ACTIVATION(Softsign)
EMBER_PLAIN_ACTIVATION(Tanhshrink)
// softmax over the channel dim (-3) of a 3-D or 4-D input.
EMBER_PLAIN_ACTIVATION(Softmax2d)
#undef EMBER_PLAIN_ACTIVATION

class CELU : public Module {
 public:
  EMBER_MODULE_COPY(CELU)
  explicit CELU(double alpha = 1.0, bool inplace = false) : alpha(alpha), inplace(inplace) {}
  std::string name() const override { return "CELU"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  double alpha;
  bool inplace;
};

class Hardshrink : public Module {
 public:
  EMBER_MODULE_COPY(Hardshrink)
  explicit Hardshrink(double lambd = 0.5) : lambd(lambd) {}
  std::string name() const override { return "Hardshrink"; }
  std::string extra_repr() const override { return float_repr(lambd); }
  Tensor forward(const Tensor& input) override;
  double lambd;
};

class Softshrink : public Module {
 public:
  EMBER_MODULE_COPY(Softshrink)
  explicit Softshrink(double lambd = 0.5) : lambd(lambd) {}
  std::string name() const override { return "Softshrink"; }
  std::string extra_repr() const override { return float_repr(lambd); }
  Tensor forward(const Tensor& input) override;
  double lambd;
};

class Threshold : public Module {
 public:
  EMBER_MODULE_COPY(Threshold)
  Threshold(double threshold, double value, bool inplace = false)
      : threshold(threshold), value(value), inplace(inplace) {}
  std::string name() const override { return "Threshold"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  double threshold, value;
  bool inplace;
};

// dim=None: PyTorch's legacy implicit dim (as Softmax).
class Softmin : public Module {
 public:
  EMBER_MODULE_COPY(Softmin)
  explicit Softmin(std::optional<int64_t> dim = std::nullopt) : dim(dim) {}
  std::string name() const override { return "Softmin"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  std::optional<int64_t> dim;
};

class GLU : public Module {
 public:
  EMBER_MODULE_COPY(GLU)
  explicit GLU(int64_t dim = -1) : dim(dim) {}
  std::string name() const override { return "GLU"; }
  std::string extra_repr() const override { return "dim=" + std::to_string(dim); }
  Tensor forward(const Tensor& input) override;
  int64_t dim;
};

// weight (num_parameters,) filled with init; num_parameters 1 or the input's channel count.
class PReLU : public Module {
 public:
  EMBER_MODULE_COPY(PReLU)
  explicit PReLU(int64_t num_parameters = 1, double init = 0.25);
  std::string name() const override { return "PReLU"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  void reset_parameters();
  const Tensor& weight() const { return param(weight_); }
  int64_t num_parameters;
  double init;

 private:
  size_t weight_;
};

}  // namespace ember::nn
