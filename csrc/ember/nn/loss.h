// Loss modules, PyTorch's torch.nn loss classes: thin holders of the options of the
// functional losses in ops/loss.h, with a two-input forward(input, target). Weights are
// buffers named like PyTorch's ('weight', 'pos_weight'; None when absent, so not in
// state_dict). repr is "MSELoss()" etc. as in PyTorch (no extra_repr).
#pragma once
#include <string>

#include "ember/nn/module.h"
#include "ember/ops/loss.h"

namespace ember::nn {

// Base of the loss modules: the reduction string ('none' | 'mean' | 'sum', or also
// 'batchmean' for KLDivLoss), checked when forward runs (like PyTorch).
class Loss : public Module {
 public:
  explicit Loss(std::string reduction = "mean") : reduction(std::move(reduction)) {}
  using Module::forward;  // the single-input form raises NotImplementedError
  virtual Tensor forward(const Tensor& input, const Tensor& target) = 0;
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
  std::string reduction;

 protected:
  Reduction parsed(const char* op) const { return parse_reduction(reduction, op); }
};

// A loss with an optional class/element weight buffer named 'weight'.
class WeightedLoss : public Loss {
 public:
  WeightedLoss(const Tensor& weight, std::string reduction)
      : Loss(std::move(reduction)), weight_(register_buffer("weight", weight)) {}
  const Tensor& weight() const { return buffer(weight_); }

 private:
  size_t weight_;
};

class CrossEntropyLoss : public WeightedLoss {
 public:
  EMBER_MODULE_COPY(CrossEntropyLoss)
  explicit CrossEntropyLoss(const Tensor& weight = {}, int64_t ignore_index = -100,
                            std::string reduction = "mean", double label_smoothing = 0.0)
      : WeightedLoss(weight, std::move(reduction)), ignore_index(ignore_index),
        label_smoothing(label_smoothing) {}
  std::string name() const override { return "CrossEntropyLoss"; }
  Tensor forward(const Tensor& input, const Tensor& target) override;
  int64_t ignore_index;
  double label_smoothing;
};

class NLLLoss : public WeightedLoss {
 public:
  EMBER_MODULE_COPY(NLLLoss)
  explicit NLLLoss(const Tensor& weight = {}, int64_t ignore_index = -100,
                   std::string reduction = "mean")
      : WeightedLoss(weight, std::move(reduction)), ignore_index(ignore_index) {}
  std::string name() const override { return "NLLLoss"; }
  Tensor forward(const Tensor& input, const Tensor& target) override;
  int64_t ignore_index;
};

class MSELoss : public Loss {
 public:
  EMBER_MODULE_COPY(MSELoss)
  using Loss::Loss;
  std::string name() const override { return "MSELoss"; }
  Tensor forward(const Tensor& input, const Tensor& target) override;
};

class L1Loss : public Loss {
 public:
  EMBER_MODULE_COPY(L1Loss)
  using Loss::Loss;
  std::string name() const override { return "L1Loss"; }
  Tensor forward(const Tensor& input, const Tensor& target) override;
};

class SmoothL1Loss : public Loss {
 public:
  EMBER_MODULE_COPY(SmoothL1Loss)
  explicit SmoothL1Loss(std::string reduction = "mean", double beta = 1.0)
      : Loss(std::move(reduction)), beta(beta) {}
  std::string name() const override { return "SmoothL1Loss"; }
  Tensor forward(const Tensor& input, const Tensor& target) override;
  double beta;
};

class HuberLoss : public Loss {
 public:
  EMBER_MODULE_COPY(HuberLoss)
  explicit HuberLoss(std::string reduction = "mean", double delta = 1.0)
      : Loss(std::move(reduction)), delta(delta) {}
  std::string name() const override { return "HuberLoss"; }
  Tensor forward(const Tensor& input, const Tensor& target) override;
  double delta;
};

class BCELoss : public WeightedLoss {
 public:
  EMBER_MODULE_COPY(BCELoss)
  explicit BCELoss(const Tensor& weight = {}, std::string reduction = "mean")
      : WeightedLoss(weight, std::move(reduction)) {}
  std::string name() const override { return "BCELoss"; }
  Tensor forward(const Tensor& input, const Tensor& target) override;
};

class BCEWithLogitsLoss : public WeightedLoss {
 public:
  EMBER_MODULE_COPY(BCEWithLogitsLoss)
  explicit BCEWithLogitsLoss(const Tensor& weight = {}, std::string reduction = "mean",
                             const Tensor& pos_weight = {})
      : WeightedLoss(weight, std::move(reduction)),
        pos_weight_(register_buffer("pos_weight", pos_weight)) {}
  std::string name() const override { return "BCEWithLogitsLoss"; }
  Tensor forward(const Tensor& input, const Tensor& target) override;
  const Tensor& pos_weight() const { return buffer(pos_weight_); }

 private:
  size_t pos_weight_;
};

class KLDivLoss : public Loss {
 public:
  EMBER_MODULE_COPY(KLDivLoss)
  explicit KLDivLoss(std::string reduction = "mean", bool log_target = false)
      : Loss(std::move(reduction)), log_target(log_target) {}
  std::string name() const override { return "KLDivLoss"; }
  Tensor forward(const Tensor& input, const Tensor& target) override;
  bool log_target;
};

}  // namespace ember::nn
