// Loss modules; see loss.h. Each forward reads its buffers through the registry slot (so
// `loss.weight = ...` and load_state_dict are seen) and calls the functional loss.
#include "ember/nn/loss.h"

namespace ember::nn {

Tensor CrossEntropyLoss::forward(const Tensor& input, const Tensor& target) {
  return cross_entropy(input, target, weight(), ignore_index, parsed("cross_entropy"),
                       label_smoothing);
}

Tensor NLLLoss::forward(const Tensor& input, const Tensor& target) {
  return nll_loss(input, target, weight(), ignore_index, parsed("nll_loss"));
}

Tensor MSELoss::forward(const Tensor& input, const Tensor& target) {
  return mse_loss(input, target, parsed("mse_loss"));
}

Tensor L1Loss::forward(const Tensor& input, const Tensor& target) {
  return l1_loss(input, target, parsed("l1_loss"));
}

Tensor SmoothL1Loss::forward(const Tensor& input, const Tensor& target) {
  return smooth_l1_loss(input, target, parsed("smooth_l1_loss"), beta);
}

Tensor HuberLoss::forward(const Tensor& input, const Tensor& target) {
  return huber_loss(input, target, parsed("huber_loss"), delta);
}

Tensor BCELoss::forward(const Tensor& input, const Tensor& target) {
  return binary_cross_entropy(input, target, weight(), parsed("binary_cross_entropy"));
}

Tensor BCEWithLogitsLoss::forward(const Tensor& input, const Tensor& target) {
  return binary_cross_entropy_with_logits(input, target, weight(), pos_weight(),
                                          parsed("binary_cross_entropy_with_logits"));
}

Tensor KLDivLoss::forward(const Tensor& input, const Tensor& target) {
  return kl_div(input, target, reduction, log_target);
}

}  // namespace ember::nn
