// More loss modules (PyTorch's torch.nn classes) over the functional losses of
// ops/loss_margin.cpp and ops/ctc_loss.cpp. Two-input losses derive from Loss; those with
// three inputs from TernaryLoss; CTCLoss takes four. Class weights are 'weight' buffers.
#pragma once
#include <string>
#include <vector>

#include "ember/nn/loss.h"

namespace ember::nn {

// Base of the three-input losses (input1, input2, target) / (anchor, positive, negative) /
// (input, target, var).
class TernaryLoss : public Module {
 public:
  explicit TernaryLoss(std::string reduction = "mean") : reduction(std::move(reduction)) {}
  using Module::forward;
  virtual Tensor forward(const Tensor& a, const Tensor& b, const Tensor& c) = 0;
  Tensor operator()(const Tensor& a, const Tensor& b, const Tensor& c) { return forward(a, b, c); }
  std::string reduction;

 protected:
  Reduction parsed(const char* op) const { return parse_reduction(reduction, op); }
};

class MarginRankingLoss : public TernaryLoss {
 public:
  EMBER_MODULE_COPY(MarginRankingLoss)
  explicit MarginRankingLoss(double margin = 0.0, std::string reduction = "mean")
      : TernaryLoss(std::move(reduction)), margin(margin) {}
  std::string name() const override { return "MarginRankingLoss"; }
  Tensor forward(const Tensor& input1, const Tensor& input2, const Tensor& target) override;
  double margin;
};

class CosineEmbeddingLoss : public TernaryLoss {
 public:
  EMBER_MODULE_COPY(CosineEmbeddingLoss)
  explicit CosineEmbeddingLoss(double margin = 0.0, std::string reduction = "mean")
      : TernaryLoss(std::move(reduction)), margin(margin) {}
  std::string name() const override { return "CosineEmbeddingLoss"; }
  Tensor forward(const Tensor& input1, const Tensor& input2, const Tensor& target) override;
  double margin;
};

class TripletMarginLoss : public TernaryLoss {
 public:
  EMBER_MODULE_COPY(TripletMarginLoss)
  explicit TripletMarginLoss(double margin = 1.0, double p = 2.0, double eps = 1e-6,
                             bool swap = false, std::string reduction = "mean")
      : TernaryLoss(std::move(reduction)), margin(margin), p(p), eps(eps), swap(swap) {}
  std::string name() const override { return "TripletMarginLoss"; }
  Tensor forward(const Tensor& anchor, const Tensor& positive, const Tensor& negative) override;
  double margin, p, eps;
  bool swap;
};

class GaussianNLLLoss : public TernaryLoss {
 public:
  EMBER_MODULE_COPY(GaussianNLLLoss)
  explicit GaussianNLLLoss(bool full = false, double eps = 1e-6, std::string reduction = "mean")
      : TernaryLoss(std::move(reduction)), full(full), eps(eps) {}
  std::string name() const override { return "GaussianNLLLoss"; }
  Tensor forward(const Tensor& input, const Tensor& target, const Tensor& var) override;
  bool full;
  double eps;
};

class HingeEmbeddingLoss : public Loss {
 public:
  EMBER_MODULE_COPY(HingeEmbeddingLoss)
  explicit HingeEmbeddingLoss(double margin = 1.0, std::string reduction = "mean")
      : Loss(std::move(reduction)), margin(margin) {}
  std::string name() const override { return "HingeEmbeddingLoss"; }
  Tensor forward(const Tensor& input, const Tensor& target) override;
  double margin;
};

class SoftMarginLoss : public Loss {
 public:
  EMBER_MODULE_COPY(SoftMarginLoss)
  using Loss::Loss;
  std::string name() const override { return "SoftMarginLoss"; }
  Tensor forward(const Tensor& input, const Tensor& target) override;
};

class MultiLabelSoftMarginLoss : public WeightedLoss {
 public:
  EMBER_MODULE_COPY(MultiLabelSoftMarginLoss)
  explicit MultiLabelSoftMarginLoss(const Tensor& weight = {}, std::string reduction = "mean")
      : WeightedLoss(weight, std::move(reduction)) {}
  std::string name() const override { return "MultiLabelSoftMarginLoss"; }
  Tensor forward(const Tensor& input, const Tensor& target) override;
};

class MultiMarginLoss : public WeightedLoss {
 public:
  EMBER_MODULE_COPY(MultiMarginLoss)
  explicit MultiMarginLoss(int64_t p = 1, double margin = 1.0, const Tensor& weight = {},
                           std::string reduction = "mean")
      : WeightedLoss(weight, std::move(reduction)), p(p), margin(margin) {}
  std::string name() const override { return "MultiMarginLoss"; }
  Tensor forward(const Tensor& input, const Tensor& target) override;
  int64_t p;
  double margin;
};

class MultiLabelMarginLoss : public Loss {
 public:
  EMBER_MODULE_COPY(MultiLabelMarginLoss)
  using Loss::Loss;
  std::string name() const override { return "MultiLabelMarginLoss"; }
  Tensor forward(const Tensor& input, const Tensor& target) override;
};

class PoissonNLLLoss : public Loss {
 public:
  EMBER_MODULE_COPY(PoissonNLLLoss)
  explicit PoissonNLLLoss(bool log_input = true, bool full = false, double eps = 1e-8,
                          std::string reduction = "mean")
      : Loss(std::move(reduction)), log_input(log_input), full(full), eps(eps) {}
  std::string name() const override { return "PoissonNLLLoss"; }
  Tensor forward(const Tensor& input, const Tensor& target) override;
  bool log_input, full;
  double eps;
};

class CTCLoss : public Module {
 public:
  EMBER_MODULE_COPY(CTCLoss)
  explicit CTCLoss(int64_t blank = 0, std::string reduction = "mean", bool zero_infinity = false)
      : blank(blank), reduction(std::move(reduction)), zero_infinity(zero_infinity) {}
  std::string name() const override { return "CTCLoss"; }
  using Module::forward;
  Tensor forward(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                 const Tensor& target_lengths);
  Tensor forward(const Tensor& log_probs, const Tensor& targets,
                 const std::vector<int64_t>& input_lengths,
                 const std::vector<int64_t>& target_lengths);
  int64_t blank;
  std::string reduction;
  bool zero_infinity;
};

}  // namespace ember::nn
