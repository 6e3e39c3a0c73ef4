// Normalisation layers: LayerNorm, RMSNorm, BatchNorm1d / BatchNorm2d with PyTorch's
// arguments, parameter and buffer names (running_mean, running_var, num_batches_tracked) and
// momentum=None (cumulative moving average). The maths is ops/norm.h.
#pragma once
#include <optional>

#include "ember/nn/module.h"

namespace ember::nn {

class LayerNorm : public Module {
 public:
  EMBER_MODULE_COPY(LayerNorm)
  explicit LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true,
                     bool bias = true);
  std::string name() const override { return "LayerNorm"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  void reset_parameters();
  Shape normalized_shape;
  double eps;
  bool elementwise_affine;

 private:
  size_t weight_, bias_;
};

class RMSNorm : public Module {
 public:
  EMBER_MODULE_COPY(RMSNorm)
  explicit RMSNorm(Shape normalized_shape, std::optional<double> eps = std::nullopt,
                   bool elementwise_affine = true);
  std::string name() const override { return "RMSNorm"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  void reset_parameters();
  Shape normalized_shape;
  std::optional<double> eps;
  bool elementwise_affine;

 private:
  size_t weight_;
};

// Shared by BatchNorm1d and BatchNorm2d, which differ only in the input ranks accepted.
class BatchNorm : public Module {
 public:
  BatchNorm(int64_t num_features, double eps, std::optional<double> momentum, bool affine,
            bool track_running_stats, bool bias = true);
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override;
  void reset_running_stats();
  void reset_parameters();
  int64_t num_features;
  double eps;
  std::optional<double> momentum;  // nullopt: cumulative moving average
  bool affine, track_running_stats;

 protected:
  virtual void check_input_dim(const Tensor& input) const = 0;

 private:
  size_t weight_, bias_, mean_, var_, count_;
};

class BatchNorm1d : public BatchNorm {
 public:
  EMBER_MODULE_COPY(BatchNorm1d)
  explicit BatchNorm1d(int64_t num_features, double eps = 1e-5,
                       std::optional<double> momentum = 0.1, bool affine = true,
                       bool track_running_stats = true, bool bias = true)
      : BatchNorm(num_features, eps, momentum, affine, track_running_stats, bias) {}
  std::string name() const override { return "BatchNorm1d"; }

 protected:
  void check_input_dim(const Tensor& input) const override;  // (N, C) or (N, C, L)
};

class BatchNorm2d : public BatchNorm {
 public:
  EMBER_MODULE_COPY(BatchNorm2d)
  explicit BatchNorm2d(int64_t num_features, double eps = 1e-5,
                       std::optional<double> momentum = 0.1, bool affine = true,
                       bool track_running_stats = true, bool bias = true)
      : BatchNorm(num_features, eps, momentum, affine, track_running_stats, bias) {}
  std::string name() const override { return "BatchNorm2d"; }

 protected:
  void check_input_dim(const Tensor& input) const override;  // (N, C, H, W)
};

}  // namespace ember::nn
