// Gradient clipping like torch.nn.utils: clip_grad_norm_ (p-norms, inf and -inf, as if all
// grads were one vector; deterministic reduction order) and clip_grad_value_. Parameters
// without a grad are skipped. Both run under no-grad and modify the grads in place.
#pragma once
#include <vector>

#include "ember/core/tensor.h"

namespace ember::optim {

// Norm of the per-grad norms; a 0-d tensor of the grads' promoted dtype (float32 0 when no
// parameter has a grad).
Tensor get_total_norm(const std::vector<Tensor>& tensors, double norm_type = 2.0,
                      bool error_if_nonfinite = false);
// Scales every grad by min(1, max_norm / (total_norm + 1e-6)); returns total_norm.
Tensor clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm,
                       double norm_type = 2.0, bool error_if_nonfinite = false);
// Clamps every grad to [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);

}  // namespace ember::optim
