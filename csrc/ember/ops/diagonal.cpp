// Diagonal views and their scatter; see diagonal.h.
#include "ember/ops/diagonal.h"

#include <algorithm>
#include <vector>

#include "ember/autograd/function.h"
#include "ember/autograd/grad_mode.h"
#include "ember/core/error.h"
#include "ember/ops/creation.h"
#include "ember/ops/reduce.h"
#include "ember/ops/view.h"

namespace ember {

namespace {

struct Diag {
  int64_t offset, d1, d2;
};

Diag check_diag(const Tensor& t, int64_t offset, int64_t dim1, int64_t dim2, const char* op) {
  check_defined(t, op);
  EMBER_CHECK(t.dim() >= 2, ValueError, "[", op, "] expected a tensor of at least 2 dims, got "
              "shape ", shape_str(t.shape()));
  const int64_t d1 = normalize_dim(dim1, t.dim(), op), d2 = normalize_dim(dim2, t.dim(), op);
  EMBER_CHECK(d1 != d2, ValueError, "[", op, "] diagonal dimensions cannot be identical: ", dim1,
              " and ", dim2);
  return {offset, d1, d2};
}

// The diagonal as a strided view (no autograd).
Tensor raw_diagonal(const Tensor& t, const Diag& g) {
  Shape shape, strides;
  for (int64_t i = 0; i < t.dim(); ++i)
    if (i != g.d1 && i != g.d2) {
      shape.push_back(t.size(i));
      strides.push_back(t.stride(i));
    }
  const int64_t n1 = t.size(g.d1), n2 = t.size(g.d2);
  const int64_t len = std::max<int64_t>(
      0, g.offset >= 0 ? std::min(n1, n2 - g.offset) : std::min(n1 + g.offset, n2));
  shape.push_back(len);
  strides.push_back(t.stride(g.d1) + t.stride(g.d2));
  int64_t start = t.offset();
  if (len > 0) start += g.offset >= 0 ? g.offset * t.stride(g.d2) : -g.offset * t.stride(g.d1);
  return as_strided(t, shape, strides, start);
}

Tensor scatter_impl(const Tensor& base, const Tensor& src, const Diag& g) {
  Tensor out;
  {
    autograd::NoGradGuard guard;
    out = clone(base);
    Tensor region = raw_diagonal(out, g);
    EMBER_CHECK(src.shape() == region.shape(), ValueError, "[diagonal_scatter] expected src of "
                "shape ", shape_str(region.shape()), " (the diagonal), got ", shape_str(src.shape()));
    copy_(region, src);
  }
  if (autograd::any_requires_grad({base, src}))
    autograd::record("DiagonalScatterBackward", {base, src}, {out},
                     [g, sd = src.dtype()](const std::vector<Tensor>& grads, const auto& node) {
                       std::vector<Tensor> r(2);
                       const Tensor& gr = grads[0];
                       if (node.needs_input_grad(0))
                         r[0] = scatter_impl(gr, zeros(raw_diagonal(gr, g).shape(), gr.dtype()), g);
                       if (node.needs_input_grad(1)) r[1] = to_dtype(diagonal(gr, g.offset, g.d1, g.d2), sd);
                       return r;
                     });
  return out;
}

}  // namespace

Tensor diagonal(const Tensor& t, int64_t offset, int64_t dim1, int64_t dim2) {
  const Diag g = check_diag(t, offset, dim1, dim2, "diagonal");
  Tensor out = raw_diagonal(t, g);
  if (autograd::any_requires_grad({t}))
    autograd::record("DiagonalBackward", {t}, {out},
                     [g, shape = t.shape()](const std::vector<Tensor>& grads, const auto&) {
                       return std::vector<Tensor>{
                           scatter_impl(zeros(shape, grads[0].dtype()), grads[0], g)};
                     });
  return out;
}

Tensor diagonal_scatter(const Tensor& base, const Tensor& src, int64_t offset, int64_t dim1,
                        int64_t dim2) {
  check_defined(src, "diagonal_scatter", "src");
  return scatter_impl(base, src, check_diag(base, offset, dim1, dim2, "diagonal_scatter"));
}

Tensor diag(const Tensor& t, int64_t k) {
  check_defined(t, "diag");
  EMBER_CHECK(t.dim() == 1 || t.dim() == 2, ValueError, "[diag] expected a 1-D or 2-D tensor, "
              "got shape ", shape_str(t.shape()));
  if (t.dim() == 2) return clone(diagonal(t, k, 0, 1));
  return diag_embed(t, k, 0, 1);
}

Tensor diag_embed(const Tensor& t, int64_t offset, int64_t dim1, int64_t dim2) {
  check_defined(t, "diag_embed");
  EMBER_CHECK(t.dim() >= 1, ValueError, "[diag_embed] expected a tensor of at least 1 dim, got "
              "a 0-D tensor");
  const int64_t n = t.size(-1) + (offset < 0 ? -offset : offset);
  Shape shape(t.shape().begin(), t.shape().end() - 1);
  const int64_t rank = t.dim() + 1;
  const int64_t d1 = normalize_dim(dim1, rank, "diag_embed"), d2 = normalize_dim(dim2, rank, "diag_embed");
  EMBER_CHECK(d1 != d2, ValueError, "[diag_embed] diagonal dimensions cannot be identical: ",
              dim1, " and ", dim2);
  for (int64_t d : {std::min(d1, d2), std::max(d1, d2)}) shape.insert(shape.begin() + d, n);
  return scatter_impl(zeros(shape, t.dtype()), t, {offset, d1, d2});
}

Tensor trace(const Tensor& t) {
  check_defined(t, "trace");
  EMBER_CHECK(t.dim() == 2, ValueError, "[trace] expected a 2-D tensor, got shape ",
              shape_str(t.shape()));
  return sum(diagonal(t, 0, 0, 1));
}

}  // namespace ember
