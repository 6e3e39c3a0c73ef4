// Identity, Flatten, Unflatten and the flatten / unflatten functions; see basic.h.
#include "ember/nn/basic.h"

#include "ember/ops/view.h"

namespace ember::nn {

Tensor flatten(const Tensor& t, int64_t start_dim, int64_t end_dim) {
  check_defined(t, "flatten");
  if (t.dim() == 0) return reshape(t, {1});
  int64_t s = normalize_dim(start_dim, t.dim(), "flatten");
  int64_t e = normalize_dim(end_dim, t.dim(), "flatten");
  EMBER_CHECK(s <= e, ValueError, "[flatten] expected start_dim <= end_dim, got start_dim=",
              start_dim, " and end_dim=", end_dim, " for a tensor of ", t.dim(), " dims");
  if (s == e) return t;
  Shape shape(t.shape().begin(), t.shape().begin() + s);
  int64_t n = 1;
  for (int64_t d = s; d <= e; ++d) n *= t.shape()[d];
  shape.push_back(n);
  shape.insert(shape.end(), t.shape().begin() + e + 1, t.shape().end());
  return reshape(t, shape);
}

Tensor unflatten(const Tensor& t, int64_t dim, const std::vector<int64_t>& sizes) {
  check_defined(t, "unflatten");
  EMBER_CHECK(t.dim() > 0, ValueError, "[unflatten] expected a tensor of at least 1 dim, got 0-d");
  int64_t d = normalize_dim(dim, t.dim(), "unflatten");
  EMBER_CHECK(!sizes.empty(), ValueError, "[unflatten] expected a non-empty unflattened_size");
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == -1) {
      EMBER_CHECK(infer < 0, ValueError, "[unflatten] only one size may be -1, got ",
                  shape_str(sizes));
      infer = static_cast<int64_t>(i);
    } else {
      EMBER_CHECK(sizes[i] >= 0, ValueError, "[unflatten] expected sizes >= 0 (or one -1), got ",
                  shape_str(sizes));
      known *= sizes[i];
    }
  }
  int64_t n = t.shape()[d];
  Shape sz(sizes.begin(), sizes.end());
  if (infer >= 0) {
    EMBER_CHECK(known != 0 && n % known == 0, ValueError, "[unflatten] sizes ", shape_str(sizes),
                " can't divide dim ", dim, " of size ", n);
    sz[infer] = n / known;
  } else {
    EMBER_CHECK(known == n, ValueError, "[unflatten] sizes ", shape_str(sizes),
                " don't multiply up to the size of dim ", dim, " (", n, ") of input shape ",
                shape_str(t.shape()));
  }
  Shape shape(t.shape().begin(), t.shape().begin() + d);
  shape.insert(shape.end(), sz.begin(), sz.end());
  shape.insert(shape.end(), t.shape().begin() + d + 1, t.shape().end());
  return reshape(t, shape);
}

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
