// torch.nn.CosineSimilarity and torch.nn.PairwiseDistance: holders of the options of
// ops/distance.h with a two-input forward(x1, x2). No parameters; repr as PyTorch's
// ("CosineSimilarity()", "PairwiseDistance()").
#pragma once
#include <string>

#include "ember/nn/module.h"
#include "ember/ops/distance.h"

namespace ember::nn {

class CosineSimilarity : public Module {
 public:
  EMBER_MODULE_COPY(CosineSimilarity)
  explicit CosineSimilarity(int64_t dim = 1, double eps = 1e-8) : dim(dim), eps(eps) {}
  std::string name() const override { return "CosineSimilarity"; }
  using Module::forward;  // the single-input form raises NotImplementedError
  Tensor forward(const Tensor& x1, const Tensor& x2) { return cosine_similarity(x1, x2, dim, eps); }
  Tensor operator()(const Tensor& x1, const Tensor& x2) { return forward(x1, x2); }
  int64_t dim;
  double eps;
};

class PairwiseDistance : public Module {
 public:
  EMBER_MODULE_COPY(PairwiseDistance)
  explicit PairwiseDistance(double p = 2.0, double eps = 1e-6, bool keepdim = false)
      : norm(p), eps(eps), keepdim(keepdim) {}
  std::string name() const override { return "PairwiseDistance"; }
  using Module::forward;
  Tensor forward(const Tensor& x1, const Tensor& x2) {
    return pairwise_distance(x1, x2, norm, eps, keepdim);
  }
  Tensor operator()(const Tensor& x1, const Tensor& x2) { return forward(x1, x2); }
  double norm;  // PyTorch's attribute name for p
  double eps;
  bool keepdim;
};

}  // namespace ember::nn
