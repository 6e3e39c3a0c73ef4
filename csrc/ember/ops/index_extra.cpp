// index_copy, index_fill, masked_scatter, take and put as compositions of index_put, gather
// and views (gradients from those); see index.h. Indices are checked here, before any copy.
#include <algorithm>

#include "ember/core/error.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"
#include "ember/ops/unique_search.h"
#include "ember/ops/view.h"

namespace ember {

namespace {

// index as a 1-D int64 tensor of entries in [0, size) (negative ones wrap when allowed).
Tensor checked_index(const Tensor& index, int64_t size, bool wrap, bool one_d, const char* op) {
  check_defined(index, op, "index");
  EMBER_CHECK(index.dtype() == DType::Int64, TypeError, "[", op, "] expected an int64 index, got ",
              dtype_name(index.dtype()));
  EMBER_CHECK(!one_d || index.dim() <= 1, ValueError, "[", op, "] expected a 0-D or 1-D index, got "
              "shape ", shape_str(index.shape()));
  Tensor out = clone(reshape(index.detach(), {-1}));
  int64_t* p = out.data<int64_t>();
  for (int64_t i = 0, n = out.numel(); i < n; ++i) {
    EMBER_CHECK(p[i] < size && p[i] >= (wrap ? -size : 0), IndexError, "[", op, "] index ", p[i],
                " is out of bounds for size ", size);
    if (p[i] < 0) p[i] += size;
  }
  return out;
}

// index_put's index list selecting `index` along dim (all of the other dims).
std::vector<Tensor> along(int64_t dim, const Tensor& index) {
  std::vector<Tensor> idx(static_cast<size_t>(dim + 1));
  idx[dim] = index;
  return idx;
}

Tensor fill_along(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& value) {
  EMBER_CHECK(value.dim() == 0, ValueError, "[index_fill] expected a 0-d value tensor, got shape ",
              shape_str(value.shape()));
  Tensor x = t.dim() == 0 ? reshape(t, {1}) : t;
  const int64_t d = normalize_dim(dim, t.dim(), "index_fill");
  // Unique positions: each filled element then passes its gradient to value once.
  Tensor idx = unique(checked_index(index, x.shape()[d], true, true, "index_fill")).values;
  return reshape(index_put(x, along(d, idx), to_dtype(value, t.dtype())), t.shape());
}

}  // namespace

Tensor index_copy(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& source) {
  check_defined(t, "index_copy");
  check_defined(source, "index_copy", "source");
  EMBER_CHECK(source.dtype() == t.dtype(), TypeError, "[index_copy] expected source of the input's "
              "dtype (", dtype_name(t.dtype()), "), got ", dtype_name(source.dtype()));
  Tensor x = t.dim() == 0 ? reshape(t, {1}) : t;
  const int64_t d = normalize_dim(dim, t.dim(), "index_copy");
  Tensor idx = checked_index(index, x.shape()[d], false, true, "index_copy");
  Shape want = x.shape();
  want[d] = idx.numel();
  Tensor src = source.dim() == 0 && t.dim() == 0 ? reshape(source, {1}) : source;
  EMBER_CHECK(src.shape() == want, ValueError, "[index_copy] expected source of shape ",
              shape_str(want), " (input's with dim ", d, " of the index's length), got ",
              shape_str(source.shape()));
  return reshape(index_put(x, along(d, idx), src), t.shape());
}

Tensor index_fill(const Tensor& t, int64_t dim, const Tensor& index, const Scalar& value) {
  check_defined(t, "index_fill");
  return fill_along(t, dim, index, scalar_tensor(value, t.dtype()));
}

Tensor index_fill(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& value) {
  check_defined(t, "index_fill");
  check_defined(value, "index_fill", "value");
  return fill_along(t, dim, index, value);
}

Tensor masked_scatter(const Tensor& t, const Tensor& mask, const Tensor& source) {
  check_defined(t, "masked_scatter");
  check_defined(mask, "masked_scatter", "mask");
  check_defined(source, "masked_scatter", "source");
  EMBER_CHECK(mask.dtype() == DType::Bool, TypeError, "[masked_scatter] expected a bool mask, got ",
              dtype_name(mask.dtype()));
  EMBER_CHECK(source.dtype() == t.dtype(), TypeError, "[masked_scatter] expected source of the "
              "input's dtype (", dtype_name(t.dtype()), "), got ", dtype_name(source.dtype()));
  const Shape shape = broadcast_shapes(t.shape(), mask.shape(), "masked_scatter");
  Tensor pos = reshape(nonzero(reshape(contiguous(expand(mask.detach(), shape)), {-1})), {-1});
  const int64_t k = pos.numel();
  EMBER_CHECK(source.numel() >= k, ValueError, "[masked_scatter] expected source with at least ", k,
              " elements (the number of true mask entries), got ", source.numel());
  Tensor flat = reshape(expand(t, shape), {-1});
  Tensor vals = narrow(reshape(source, {-1}), 0, 0, k);
  return reshape(index_put(flat, {pos}, vals), shape);
}

Tensor take(const Tensor& t, const Tensor& index) {
  check_defined(t, "take");
  Tensor idx = checked_index(index, t.numel(), true, false, "take");
  return reshape(gather(reshape(t, {-1}), 0, idx), index.shape());
}

Tensor put(const Tensor& t, const Tensor& index, const Tensor& source, bool accumulate) {
  check_defined(t, "put");
  check_defined(source, "put", "source");
  EMBER_CHECK(source.dtype() == t.dtype(), TypeError, "[put] expected source of the input's dtype (",
              dtype_name(t.dtype()), "), got ", dtype_name(source.dtype()));
  Tensor idx = checked_index(index, t.numel(), true, false, "put");
  EMBER_CHECK(source.numel() == idx.numel(), ValueError, "[put] expected source with as many "
              "elements as index (", idx.numel(), "), got ", source.numel());
  return reshape(index_put(reshape(t, {-1}), {idx}, reshape(source, {-1}), accumulate), t.shape());
}

}  // namespace ember
