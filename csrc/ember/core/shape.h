// Shape and stride arithmetic shared by every op: contiguity, element counts with overflow
// checks, dim normalisation and NumPy broadcasting. Strides are in elements, not bytes.
#pragma once
#include <cstdint>
#include <vector>

namespace ember {

using Shape = std::vector<int64_t>;

// Product of sizes; raises ValueError on a negative size and MemoryError on overflow.
int64_t numel_of(const Shape& shape, const char* op);

Shape contiguous_strides(const Shape& shape);

// Wraps a possibly negative dim into [0, ndim); raises IndexError naming op otherwise.
// A 0-d tensor accepts dims -1 and 0, like PyTorch.
int64_t normalize_dim(int64_t dim, int64_t ndim, const char* op);

// NumPy broadcasting of two shapes; raises ValueError naming op when they do not broadcast.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

// Strides that read `shape`-shaped data broadcast to `target` (0 on broadcast dims).
Shape broadcast_strides(const Shape& shape, const Shape& strides, const Shape& target);

}  // namespace ember
