// NAdam, RAdam and Adamax, matching PyTorch's torch.optim classes (foreach=False formulas,
// state keys and param-group keys in torch's order). Plain C++ elementwise updates
// (optim/update.h); differentiable=True raises NotImplementedError.
#pragma once
#include "ember/optim/optimizer.h"

namespace ember::optim {

struct NAdamOptions {
  double lr = 2e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
  double momentum_decay = 4e-3;
  bool decoupled_weight_decay = false, maximize = false;
};

class NAdam : public Optimizer {
 public:
  NAdam(const std::vector<ParamGroup>& groups, const NAdamOptions& options = {});
  NAdam(const std::vector<Tensor>& params, const NAdamOptions& options = {})
      : NAdam(detail::single_group(params), options) {}
 protected:
  void check_group(const ParamGroup& group, bool ranges = true) const override;
  void step_group(ParamGroup& group) override;
};

struct RAdamOptions {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
  bool decoupled_weight_decay = false, maximize = false;
};

class RAdam : public Optimizer {
 public:
  RAdam(const std::vector<ParamGroup>& groups, const RAdamOptions& options = {});
  RAdam(const std::vector<Tensor>& params, const RAdamOptions& options = {})
      : RAdam(detail::single_group(params), options) {}
 protected:
  void check_group(const ParamGroup& group, bool ranges = true) const override;
  void step_group(ParamGroup& group) override;
};

struct AdamaxOptions {
  double lr = 2e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
  bool maximize = false;
};

class Adamax : public Optimizer {
 public:
  Adamax(const std::vector<ParamGroup>& groups, const AdamaxOptions& options = {});
  Adamax(const std::vector<Tensor>& params, const AdamaxOptions& options = {})
      : Adamax(detail::single_group(params), options) {}
 protected:
  void check_group(const ParamGroup& group, bool ranges = true) const override;
  void step_group(ParamGroup& group) override;
};

}  // namespace ember::optim
