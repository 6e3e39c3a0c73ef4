// SGD with momentum, dampening, Nesterov, weight decay and maximize, matching PyTorch's
// torch.optim.SGD (foreach=False formulas). float32 uses the fused SIMD kernel.
#pragma once
#include "ember/optim/optimizer.h"

namespace ember::optim {

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  bool maximize = false;
};

class SGD : public Optimizer {
 public:
  SGD(const std::vector<ParamGroup>& groups, const SGDOptions& options = {});
  SGD(const std::vector<Tensor>& params, const SGDOptions& options = {})
      : SGD(detail::single_group(params), options) {}

 protected:
  void check_group(const ParamGroup& group, bool ranges = true) const override;
  void step_group(ParamGroup& group) override;
};

}  // namespace ember::optim
