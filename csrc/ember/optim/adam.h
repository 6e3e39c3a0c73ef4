// Adam and AdamW (decoupled weight decay), with amsgrad and maximize, matching PyTorch's
// torch.optim.Adam / AdamW (foreach=False formulas, bias correction as torch orders it).
#pragma once
#include "ember/optim/optimizer.h"

namespace ember::optim {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;  // AdamW's constructor uses 1e-2 when not given
  bool amsgrad = false;
  bool maximize = false;
};

class Adam : public Optimizer {
 public:
  Adam(const std::vector<ParamGroup>& groups, const AdamOptions& options = {});
  Adam(const std::vector<Tensor>& params, const AdamOptions& options = {})
      : Adam(detail::single_group(params), options) {}

 protected:
  Adam(const std::vector<ParamGroup>& groups, const AdamOptions& options, bool decoupled,
       const char* name);
  void check_group(const ParamGroup& group, bool ranges = true) const override;
  void step_group(ParamGroup& group) override;
};

class AdamW : public Adam {
 public:
  static AdamOptions default_options() {
    AdamOptions o;
    o.weight_decay = 1e-2;
    return o;
  }
  AdamW(const std::vector<ParamGroup>& groups, const AdamOptions& options = default_options())
      : Adam(groups, options, true, "AdamW") {}
  AdamW(const std::vector<Tensor>& params, const AdamOptions& options = default_options())
      : AdamW(detail::single_group(params), options) {}
};

}  // namespace ember::optim
