// In-place autograd through views; see views.h. The view's elements are addressed by their
// flat positions in the (contiguous) base, so the two maps between base and view are a
// gather and a scatter-add: differentiable ember ops (double backward works).
#include "ember/autograd/views.h"

#include <vector>

#include "ember/autograd/function.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/index.h"
#include "ember/ops/view.h"

namespace ember::autograd {

namespace {

// Flat base positions of the view's elements (int64, the view's shape).
Tensor view_positions(const Tensor& view, const Tensor& base, const char* what) {
  EMBER_CHECK(base.is_contiguous(), NotImplementedError, "[", what, "] in-place autograd "
              "through a view needs a contiguous base tensor, got a base of shape ",
              shape_str(base.shape()), " and strides ", shape_str(base.strides()));
  Tensor pos = Tensor::empty(view.shape(), DType::Int64);
  int64_t* p = pos.data<int64_t>();
  const int64_t nd = view.dim(), n = view.numel();
  std::vector<int64_t> idx(static_cast<size_t>(nd), 0);
  int64_t off = view.offset() - base.offset();
  for (int64_t i = 0; i < n; ++i) {
    p[i] = off;
    for (int64_t d = nd - 1; d >= 0; --d) {  // odometer over the view's index
      off += view.strides()[d];
      if (++idx[d] < view.shape()[d]) break;
      off -= view.strides()[d] * view.shape()[d];
      idx[d] = 0;
    }
  }
  return pos;
}

// The view's values from a tensor shaped like the base, and the adjoint map.
Tensor take_view(const Tensor& whole, const Tensor& pos) {
  return reshape(gather(reshape(whole, {-1}), 0, reshape(pos, {-1})), pos.shape());
}
Tensor put_view(const Tensor& part, const Tensor& pos, const Shape& base_shape) {
  Tensor flat = zeros({numel_of(base_shape, "view")}, part.dtype());
  return reshape(scatter_add(flat, 0, reshape(pos, {-1}), reshape(part, {-1})), base_shape);
}

// view's history: a view of base's current history.
void set_view_history(const Tensor& view, const Tensor& base, const Tensor& pos) {
  TensorImpl* impl = view.impl();
  impl->view_base_fn = base.grad_fn();
  if (!base.requires_grad()) return;
  record("AsStridedBackward", {base}, {view},
         [pos, shape = base.shape()](const std::vector<Tensor>& g, const Node&) {
           return std::vector<Tensor>{put_view(g[0], pos, shape)};
         });
}

}  // namespace

void rebase_view(Tensor& self, const Tensor& result) {
  Tensor base(self.impl()->view_base);
  for (int64_t d = 0; d < self.dim(); ++d)
    EMBER_CHECK(self.strides()[d] != 0 || self.shape()[d] <= 1, RuntimeError, "[in-place] "
                "more than one element of the written-to tensor refers to a single memory "
                "location (an expanded view); clone it before the in-place operation");
  Tensor pos = view_positions(self, base, "in-place");
  // base's old value survives outside the view; result's value inside it.
  record("CopySlices", {base, result}, {base},
         [pos](const std::vector<Tensor>& g, const Node& node) {
           std::vector<Tensor> r(2);
           if (node.needs_input_grad(0)) {
             Tensor keep;  // 1 outside the view, 0 inside (made here: not kept in the graph)
             {
               NoGradGuard no_grad;
               keep = sub(ones(g[0].shape(), g[0].dtype()),
                          put_view(ones(pos.shape(), g[0].dtype()), pos, g[0].shape()));
             }
             r[0] = mul(g[0], keep);
           }
           if (node.needs_input_grad(1)) r[1] = take_view(g[0], pos);
           return r;
         });
  set_view_history(self, base, pos);
}

void refresh_view(const Tensor& t) {
  TensorImpl* impl = t.impl();
  if (!impl->view_base || impl->view_base->grad_fn == impl->view_base_fn) return;
  Tensor base(impl->view_base);
  set_view_history(t, base, view_positions(t, base, "view"));
}

}  // namespace ember::autograd
