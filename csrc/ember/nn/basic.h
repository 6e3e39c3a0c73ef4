// Parameter-free shape layers: Identity, Flatten(start_dim=1, end_dim=-1) and
// Unflatten(dim, unflattened_size). All return views when the strides allow (reshape).
#pragma once
#include <vector>

#include "ember/nn/module.h"
#include "ember/ops/view.h"

namespace ember::nn {

class Identity : public Module {
 public:
  EMBER_MODULE_COPY(Identity)
  std::string name() const override { return "Identity"; }
  Tensor forward(const Tensor& input) override { return input; }
};

class Flatten : public Module {
 public:
  EMBER_MODULE_COPY(Flatten)
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1)
      : start_dim(start_dim), end_dim(end_dim) {}
  std::string name() const override { return "Flatten"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override { return ember::flatten(input, start_dim, end_dim); }
  int64_t start_dim, end_dim;
};

class Unflatten : public Module {
 public:
  EMBER_MODULE_COPY(Unflatten)
  Unflatten(int64_t dim, std::vector<int64_t> unflattened_size);
  std::string name() const override { return "Unflatten"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override { return ember::unflatten(input, dim, unflattened_size); }
  int64_t dim;
  std::vector<int64_t> unflattened_size;
};

}  // namespace ember::nn
