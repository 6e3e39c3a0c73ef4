// Indexing (basic views and advanced copies, getitem/setitem), joining and splitting, and
// gathering/scattering along a dim, all with autograd. Index tensors are int64; bounds are
// checked before any kernel runs. Basic indexing always returns a view (no copy).
#pragma once
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "ember/core/tensor.h"
#include "ember/ops/scalar.h"

namespace ember {

// ---- basic indexing: a per-dim description of a strided view, independent of strides ----

// What happens to one input dim: keep `length` elements from `start` every `step`, or pick
// element `start` and drop the dim (drop = true).
struct DimSlice {
  int64_t start = 0, step = 1, length = 0;
  bool drop = false;
};

// A basic index of a tensor of rank dims.size(): one DimSlice per input dim, plus the output
// positions where new size-1 dims are inserted (None), ascending.
struct BasicIndex {
  std::vector<DimSlice> dims;
  std::vector<int64_t> new_axes;
};

// The view t[spec] (shares storage); differentiable (backward: basic_index_scatter).
Tensor basic_index(const Tensor& t, const BasicIndex& spec);
// A copy of base (or zeros of `shape` when base is undefined) with src (broadcast, converted)
// written into the region spec selects. Differentiable in base and src; its backward is
// basic_index again. Generalises PyTorch's slice_scatter / select_scatter.
Tensor basic_index_scatter(const Tensor& base, const Shape& shape, const Tensor& src,
                           const BasicIndex& spec);

Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length);
Tensor select(const Tensor& t, int64_t dim, int64_t index);
// PyTorch slicing t[start:end:step] along dim; start/end clamp like Python; step >= 1.
constexpr int64_t kSliceNone = std::numeric_limits<int64_t>::min();
Tensor slice(const Tensor& t, int64_t dim, int64_t start = kSliceNone, int64_t end = kSliceNone,
             int64_t step = 1);
Tensor slice_scatter(const Tensor& t, const Tensor& src, int64_t dim = 0,
                     int64_t start = kSliceNone, int64_t end = kSliceNone, int64_t step = 1);
Tensor select_scatter(const Tensor& t, const Tensor& src, int64_t dim, int64_t index);

// ---- Python-style indexing (t[...] and t[...] = v); the bindings parse into these ----

struct TensorIndex {
  enum class Kind : uint8_t { Int, Slice, None, Ellipsis, Tensor, Bool };
  Kind kind = Kind::None;
  int64_t i = 0;                                   // Int; Bool value in i (0/1)
  int64_t start = kSliceNone, stop = kSliceNone, step = 1;  // Slice (kSliceNone = omitted)
  ember::Tensor tensor;                            // Tensor (int64 or bool)
};

// setitem writes in place; when t or value requires grad, t's history becomes an out-of-place
// scatter of value into t (basic_index_scatter / index_put). Limit: when t is itself a view
// (y = x[0]; y[1] = v), x's history is not updated (ember does not track view bases).
Tensor getitem(const Tensor& t, const std::vector<TensorIndex>& index);
void setitem(Tensor& t, const std::vector<TensorIndex>& index, const Tensor& value);
void setitem(Tensor& t, const std::vector<TensorIndex>& index, const Scalar& value);

// ---- advanced indexing (PyTorch's aten::index / index_put) ----

// indices[d] indexes dim d (int64 tensors, broadcast together); undefined = the whole dim.
// Adjacent index tensors put the broadcast index shape in their place, otherwise first.
Tensor index(const Tensor& t, const std::vector<Tensor>& indices);
// Copy of t with values (broadcast to index(t, indices)'s shape) written (or added when
// accumulate; duplicates then add up) at the indexed positions.
Tensor index_put(const Tensor& t, const std::vector<Tensor>& indices, const Tensor& values,
                 bool accumulate = false);
Tensor& index_put_(Tensor& t, const std::vector<Tensor>& indices, const Tensor& values,
                   bool accumulate = false);

Tensor index_select(const Tensor& t, int64_t dim, const Tensor& index);
Tensor index_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source,
                 const Scalar& alpha = Scalar(int64_t{1}));
Tensor masked_select(const Tensor& t, const Tensor& mask);
Tensor nonzero(const Tensor& t);  // (n, ndim) int64, row-major order
// (index_extra.cpp) Copies of t with source's slices (index_copy) or value (index_fill)
// written at the 1-D int64 index along dim; masked_scatter writes source's first elements,
// in order, where the (broadcast) mask is true; take / put read / write the flattened t at
// int64 indices (negative ones count from the end; put accumulates when asked).
Tensor index_copy(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source);
Tensor index_fill(const Tensor& t, int64_t dim, const Tensor& index, const Scalar& value);
Tensor index_fill(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& value);
Tensor masked_scatter(const Tensor& t, const Tensor& mask, const Tensor& source);
Tensor take(const Tensor& t, const Tensor& index);
Tensor put(const Tensor& t, const Tensor& index, const Tensor& source, bool accumulate = false);

// ---- gather / scatter along one dim ----

Tensor gather(const Tensor& t, int64_t dim, const Tensor& index);
Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Scalar& value);
Tensor scatter_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src);
Tensor& scatter_(Tensor& t, int64_t dim, const Tensor& index, const Tensor& src);
Tensor& scatter_(Tensor& t, int64_t dim, const Tensor& index, const Scalar& value);
Tensor& scatter_add_(Tensor& t, int64_t dim, const Tensor& index, const Tensor& src);
// src reduced into a copy of t at index along dim: reduce "sum", "prod", "mean", "amax" or
// "amin" (NaN propagates); include_self = false leaves t's values out where src lands.
// Gradients as PyTorch's (prod exact with zeros; amax / amin shared among ties).
Tensor scatter_reduce(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src,
                      const std::string& reduce, bool include_self = true);
// gather with broadcasting of t and indices over dims other than dim; dim none: flattened.
Tensor take_along_dim(const Tensor& t, const Tensor& indices, std::optional<int64_t> dim);
Tensor one_hot(const Tensor& t, int64_t num_classes = -1);

// ---- joining and splitting ----

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& t, int64_t split_size, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& t, const std::vector<int64_t>& sections, int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& t, int64_t chunks, int64_t dim = 0);
std::vector<Tensor> tensor_split(const Tensor& t, int64_t sections, int64_t dim = 0);
std::vector<Tensor> unbind(const Tensor& t, int64_t dim = 0);
Tensor repeat(const Tensor& t, const std::vector<int64_t>& repeats);
Tensor tile(const Tensor& t, const std::vector<int64_t>& reps);
Tensor flip(const Tensor& t, const std::vector<int64_t>& dims);
Tensor roll(const Tensor& t, const std::vector<int64_t>& shifts, const std::vector<int64_t>& dims);

}  // namespace ember
