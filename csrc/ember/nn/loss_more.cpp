// More loss modules; see loss_more.h. Each forward reads its options (and its 'weight'
// buffer through the registry slot) and calls the functional loss.
#include "ember/nn/loss_more.h"

namespace ember::nn {

Tensor MarginRankingLoss::forward(const Tensor& input1, const Tensor& input2,
                                  const Tensor& target) {
  return margin_ranking_loss(input1, input2, target, margin, parsed("margin_ranking_loss"));
}

Tensor CosineEmbeddingLoss::forward(const Tensor& input1, const Tensor& input2,
                                    const Tensor& target) {
  return cosine_embedding_loss(input1, input2, target, margin, parsed("cosine_embedding_loss"));
}

Tensor TripletMarginLoss::forward(const Tensor& anchor, const Tensor& positive,
                                  const Tensor& negative) {
  return triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                             parsed("triplet_margin_loss"));
}

Tensor GaussianNLLLoss::forward(const Tensor& input, const Tensor& target, const Tensor& var) {
  return gaussian_nll_loss(input, target, var, full, eps, parsed("gaussian_nll_loss"));
}

Tensor HingeEmbeddingLoss::forward(const Tensor& input, const Tensor& target) {
  return hinge_embedding_loss(input, target, margin, parsed("hinge_embedding_loss"));
}

Tensor SoftMarginLoss::forward(const Tensor& input, const Tensor& target) {
  return soft_margin_loss(input, target, parsed("soft_margin_loss"));
}

Tensor MultiLabelSoftMarginLoss::forward(const Tensor& input, const Tensor& target) {
  return multilabel_soft_margin_loss(input, target, weight(),
                                     parsed("multilabel_soft_margin_loss"));
}

Tensor MultiMarginLoss::forward(const Tensor& input, const Tensor& target) {
  return multi_margin_loss(input, target, p, margin, weight(), parsed("multi_margin_loss"));
}

Tensor MultiLabelMarginLoss::forward(const Tensor& input, const Tensor& target) {
  return multilabel_margin_loss(input, target, parsed("multilabel_margin_loss"));
}

Tensor PoissonNLLLoss::forward(const Tensor& input, const Tensor& target) {
  return poisson_nll_loss(input, target, log_input, full, eps, parsed("poisson_nll_loss"));
}

Tensor CTCLoss::forward(const Tensor& log_probs, const Tensor& targets,
                        const Tensor& input_lengths, const Tensor& target_lengths) {
  return ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                  parse_reduction(reduction, "ctc_loss"), zero_infinity);
}

Tensor CTCLoss::forward(const Tensor& log_probs, const Tensor& targets,
                        const std::vector<int64_t>& input_lengths,
                        const std::vector<int64_t>& target_lengths) {
  return ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                  parse_reduction(reduction, "ctc_loss"), zero_infinity);
}

}  // namespace ember::nn
