// Tensor metadata and autograd field access; see tensor.h.
#include "ember/core/tensor.h"

#include "ember/autograd/engine.h"
#include "ember/autograd/node.h"

namespace ember {

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  int64_t n = numel_of(shape, "empty");
  EMBER_CHECK(static_cast<uint64_t>(n) <= (uint64_t{1} << 62) / ember::itemsize(dtype),
              MemoryError, "[empty] shape ", shape_str(shape), " needs too many bytes");
  auto storage = allocate_storage(static_cast<size_t>(n) * ember::itemsize(dtype), device);
  return view_of(storage, shape, contiguous_strides(shape), 0, dtype);
}

Tensor Tensor::view_of(const std::shared_ptr<Storage>& storage, const Shape& shape,
                       const Shape& strides, int64_t offset, DType dtype) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = storage;
  impl->shape = shape;
  impl->strides = strides;
  impl->offset = offset;
  impl->numel = numel_of(shape, "view");
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

int64_t Tensor::size(int64_t d) const { return shape()[normalize_dim(d, dim(), "size")]; }
int64_t Tensor::stride(int64_t d) const { return strides()[normalize_dim(d, dim(), "stride")]; }

bool Tensor::is_contiguous() const {
  if (numel() == 0) return true;  // like PyTorch: no element is out of place
  int64_t expected = 1;
  for (size_t i = shape().size(); i-- > 0;) {
    if (shape()[i] == 1) continue;
    if (strides()[i] != expected) return false;
    expected *= shape()[i];
  }
  return true;
}

Tensor& Tensor::set_requires_grad(bool r) {
  EMBER_CHECK(is_leaf(), RuntimeError,
              "[requires_grad_] you can only change requires_grad of leaf tensors; use "
              "detach() to get a leaf from a non-leaf");
  EMBER_CHECK(!r || is_floating(dtype()), RuntimeError,
              "[requires_grad_] only floating point tensors can require gradients, got ",
              dtype_name(dtype()));
  impl_->requires_grad = r;
  return *this;
}

void Tensor::set_grad(const Tensor& g) const {
  if (g.defined()) {
    EMBER_CHECK(g.shape() == shape(), ValueError, "[grad] assigned grad has shape ",
                shape_str(g.shape()), " but the tensor has shape ", shape_str(shape()));
    EMBER_CHECK(g.dtype() == dtype(), TypeError, "[grad] assigned grad has dtype ",
                dtype_name(g.dtype()), " but the tensor has dtype ", dtype_name(dtype()));
  }
  impl_->grad = g;
}

void Tensor::retain_grad() const {
  EMBER_CHECK(requires_grad(), RuntimeError,
              "[retain_grad] can't retain_grad on a tensor that does not require grad");
  if (is_leaf() || impl_->retains_grad) return;
  impl_->retains_grad = true;
  impl_->grad_fn->retain_output(impl_->output_nr, impl_);
}

Tensor Tensor::detach() const {
  Tensor t = view_of(storage(), shape(), strides(), offset(), dtype());
  return t;
}

void Tensor::backward(const Tensor& gradient, bool retain_graph, bool create_graph) const {
  autograd::backward({*this}, {gradient}, retain_graph, create_graph);
}

void check_defined(const Tensor& t, const char* op, const char* arg) {
  EMBER_CHECK(t.defined(), ValueError, "[", op, "] ", arg, " is an undefined tensor");
}

}  // namespace ember
