// RMSprop (optionally centered, with momentum, weight decay, maximize), matching PyTorch's
// torch.optim.RMSprop (foreach=False formulas). float32 uses the fused SIMD kernel.
#pragma once
#include "ember/optim/optimizer.h"

namespace ember::optim {

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.0;
  bool centered = false;
  bool maximize = false;
};

class RMSprop : public Optimizer {
 public:
  RMSprop(const std::vector<ParamGroup>& groups, const RMSpropOptions& options = {});
  RMSprop(const std::vector<Tensor>& params, const RMSpropOptions& options = {})
      : RMSprop(detail::single_group(params), options) {}

 protected:
  void check_group(const ParamGroup& group, bool ranges = true) const override;
  void step_group(ParamGroup& group) override;
};

}  // namespace ember::optim
