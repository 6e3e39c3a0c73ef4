// Adadelta, ASGD (averaged SGD) and Rprop, matching PyTorch's torch.optim classes
// (foreach=False formulas, state keys and param-group keys in torch's order). Plain C++
// elementwise updates (optim/update.h); differentiable=True raises NotImplementedError.
#pragma once
#include "ember/optim/optimizer.h"

namespace ember::optim {

struct AdadeltaOptions {
  double lr = 1.0, rho = 0.9, eps = 1e-6, weight_decay = 0.0;
  bool maximize = false;
};

class Adadelta : public Optimizer {
 public:
  Adadelta(const std::vector<ParamGroup>& groups, const AdadeltaOptions& options = {});
  Adadelta(const std::vector<Tensor>& params, const AdadeltaOptions& options = {})
      : Adadelta(detail::single_group(params), options) {}
 protected:
  void check_group(const ParamGroup& group, bool ranges = true) const override;
  void step_group(ParamGroup& group) override;
};

struct ASGDOptions {
  double lr = 1e-2, lambd = 1e-4, alpha = 0.75, t0 = 1e6, weight_decay = 0.0;
  bool maximize = false;
};

// State per parameter: step, eta, mu (numbers, float32 like torch's) and ax (the average).
class ASGD : public Optimizer {
 public:
  ASGD(const std::vector<ParamGroup>& groups, const ASGDOptions& options = {});
  ASGD(const std::vector<Tensor>& params, const ASGDOptions& options = {})
      : ASGD(detail::single_group(params), options) {}
 protected:
  void check_group(const ParamGroup& group, bool ranges = true) const override;
  void step_group(ParamGroup& group) override;
};

struct RpropOptions {
  double lr = 1e-2, etaminus = 0.5, etaplus = 1.2, step_size_min = 1e-6, step_size_max = 50.0;
  bool maximize = false;
};

class Rprop : public Optimizer {
 public:
  Rprop(const std::vector<ParamGroup>& groups, const RpropOptions& options = {});
  Rprop(const std::vector<Tensor>& params, const RpropOptions& options = {})
      : Rprop(detail::single_group(params), options) {}
 protected:
  void check_group(const ParamGroup& group, bool ranges = true) const override;
  void step_group(ParamGroup& group) override;
};

}  // namespace ember::optim
