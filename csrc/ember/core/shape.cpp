// Shape helpers; see shape.h.
#include "ember/core/shape.h"

#include <algorithm>
#include <limits>

#include "ember/core/error.h"

namespace ember {

std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

int64_t numel_of(const Shape& shape, const char* op) {
  int64_t n = 1;
  for (int64_t s : shape) {
    EMBER_CHECK(s >= 0, ValueError, "[", op, "] sizes must be non-negative, got shape ",
                shape_str(shape));
  }
  for (int64_t s : shape) {
    if (s == 0) return 0;
  }
  for (int64_t s : shape) {
    EMBER_CHECK(n <= std::numeric_limits<int64_t>::max() / s, MemoryError, "[", op,
                "] shape ", shape_str(shape), " has too many elements");
    n *= s;
  }
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t st = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = st;
    st *= shape[i] > 0 ? shape[i] : 1;
  }
  return strides;
}

int64_t normalize_dim(int64_t dim, int64_t ndim, const char* op) {
  int64_t n = ndim > 0 ? ndim : 1;
  EMBER_CHECK(dim >= -n && dim < n, IndexError, "[", op, "] dim ", dim,
              " is out of range for a tensor of ", ndim, " dims (expected in [", -n, ", ",
              n - 1, "])");
  return dim < 0 ? dim + n : dim;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t x = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t y = i < n - b.size() ? 1 : b[i - (n - b.size())];
    EMBER_CHECK(x == y || x == 1 || y == 1, ValueError, "[", op, "] shapes ", shape_str(a),
                " and ", shape_str(b), " do not broadcast (dim ", i, ": ", x, " vs ", y, ")");
    out[i] = x == 1 ? y : x;
  }
  return out;
}

Shape broadcast_strides(const Shape& shape, const Shape& strides, const Shape& target) {
  Shape out(target.size(), 0);
  size_t off = target.size() - shape.size();
  for (size_t i = 0; i < shape.size(); ++i) out[off + i] = shape[i] == 1 ? 0 : strides[i];
  return out;
}

}  // namespace ember
