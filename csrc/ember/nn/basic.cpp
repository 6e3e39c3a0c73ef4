// Identity, Flatten, Unflatten; see basic.h. The shape maths is ember::flatten/unflatten.
#include "ember/nn/basic.h"

#include "ember/ops/view.h"

namespace ember::nn {

std::string Flatten::extra_repr() const {
  return detail::cat("start_dim=", start_dim, ", end_dim=", end_dim);
}

Unflatten::Unflatten(int64_t dim, std::vector<int64_t> unflattened_size)
    : dim(dim), unflattened_size(std::move(unflattened_size)) {
  EMBER_CHECK(!this->unflattened_size.empty(), ValueError,
              "[Unflatten] expected a non-empty unflattened_size");
}

std::string Unflatten::extra_repr() const {
  return detail::cat("dim=", dim, ", unflattened_size=", shape_str(unflattened_size));
}

}  // namespace ember::nn
