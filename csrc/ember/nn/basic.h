// Parameter-free shape layers: Identity, Flatten(start_dim=1, end_dim=-1) and
// Unflatten(dim, unflattened_size). All return views when the strides allow (reshape).
#pragma once
#include <vector>

#include "ember/nn/module.h"

namespace ember::nn {

// Flattens dims start_dim..end_dim of t into one (a 0-d tensor becomes 1-d), like
// torch.flatten; a view when possible.
Tensor flatten(const Tensor& t, int64_t start_dim = 0, int64_t end_dim = -1);
// Splits dim of t into sizes (one entry may be -1), like torch.unflatten.
Tensor unflatten(const Tensor& t, int64_t dim, const std::vector<int64_t>& sizes);

class Identity : public Module {
 public:
  std::string name() const override { return "Identity"; }
  Tensor forward(const Tensor& input) override { return input; }
};

class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1)
      : start_dim(start_dim), end_dim(end_dim) {}
  std::string name() const override { return "Flatten"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override { return flatten(input, start_dim, end_dim); }
  int64_t start_dim, end_dim;
};

class Unflatten : public Module {
 public:
  Unflatten(int64_t dim, std::vector<int64_t> unflattened_size);
  std::string name() const override { return "Unflatten"; }
  std::string extra_repr() const override;
  Tensor forward(const Tensor& input) override { return unflatten(input, dim, unflattened_size); }
  int64_t dim;
  std::vector<int64_t> unflattened_size;
};

}  // namespace ember::nn
