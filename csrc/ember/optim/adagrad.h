// Adagrad with lr decay, weight decay, initial accumulator value and maximize, matching
// PyTorch's torch.optim.Adagrad (dense, foreach=False formulas). State is created eagerly
// in the constructor, as torch does.
#pragma once
#include "ember/optim/optimizer.h"

namespace ember::optim {

struct AdagradOptions {
  double lr = 1e-2;
  double lr_decay = 0.0;
  double weight_decay = 0.0;
  double initial_accumulator_value = 0.0;
  double eps = 1e-10;
  bool maximize = false;
};

class Adagrad : public Optimizer {
 public:
  Adagrad(const std::vector<ParamGroup>& groups, const AdagradOptions& options = {});
  Adagrad(const std::vector<Tensor>& params, const AdagradOptions& options = {})
      : Adagrad(detail::single_group(params), options) {}

 protected:
  void check_group(const ParamGroup& group, bool ranges = true) const override;
  void step_group(ParamGroup& group) override;
  void init_state(const ParamGroup& group);
};

}  // namespace ember::optim
