// Distances and similarities with PyTorch semantics: normalize, cosine_similarity,
// pairwise_distance, cdist and dist (torch.nn.functional / torch). Floating inputs (or int64
// / bool promoted to float32 where PyTorch accepts them); all differentiable.
#pragma once
#include <string>

#include "ember/core/tensor.h"

namespace ember {

// input / max(||input||_p over dim, eps).
Tensor normalize(const Tensor& input, double p = 2.0, int64_t dim = 1, double eps = 1e-12);
// sum over dim of (x1 / max(||x1||, eps)) * (x2 / max(||x2||, eps)), x1 and x2 broadcast;
// the clamp is PyTorch's: it changes the value, not the gradient path through the norm.
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim = 1, double eps = 1e-8);
// ||x1 - x2 + eps||_p over the last dim of the broadcast shape.
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p = 2.0, double eps = 1e-6,
                         bool keepdim = false);
// p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M): (..., P, R), batch
// dims broadcast. p = 2 uses ||a||^2 - 2 a.b + ||b||^2 through bmm when P > 25 or R > 25
// (compute_mode as PyTorch's); its gradient is 0 at zero distance, like PyTorch's. For
// p = inf every entry tied at the max gets the full gradient, as in PyTorch's cdist.
Tensor cdist(const Tensor& x1, const Tensor& x2, double p = 2.0,
             const std::string& compute_mode = "use_mm_for_euclid_dist_if_necessary");
// ||input - other||_p over all elements (broadcast).
Tensor dist(const Tensor& input, const Tensor& other, double p = 2.0);

}  // namespace ember
