// Tensor: a cheap handle (shared_ptr) to TensorImpl = shared Storage + shape + strides (in
// elements) + offset + dtype, plus the autograd fields. Copying a Tensor aliases it, as in
// PyTorch. The maths lives in ember/ops; this file holds only metadata and access.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "ember/core/device.h"
#include "ember/core/dtype.h"
#include "ember/core/shape.h"
#include "ember/core/storage.h"

namespace ember {

namespace autograd {
class Node;
struct Hooks;
}
struct TensorImpl;

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // Uninitialised contiguous tensor; raises MemoryError when it cannot be allocated.
  static Tensor empty(const Shape& shape, DType dtype = default_float, Device device = {});
  // A tensor over existing storage (a view); no copy, no autograd.
  static Tensor view_of(const std::shared_ptr<Storage>& storage, const Shape& shape,
                        const Shape& strides, int64_t offset, DType dtype);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  const Shape& strides() const;
  int64_t offset() const;
  int64_t dim() const { return static_cast<int64_t>(shape().size()); }
  int64_t numel() const;
  int64_t size(int64_t d) const;  // negative d counts from the end
  int64_t stride(int64_t d) const;
  DType dtype() const;
  Device device() const;
  size_t itemsize() const { return ember::itemsize(dtype()); }
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const;

  // Pointer to element [0, ..., 0]. Checks T against dtype.
  template <class T>
  T* data() const {
    EMBER_CHECK(dtype_of<T>() == dtype(), TypeError, "[data] tensor is ", dtype_name(dtype()),
                ", accessed as ", dtype_name(dtype_of<T>()));
    return static_cast<T*>(raw_data());
  }
  void* raw_data() const;

  // Autograd state.
  bool requires_grad() const;
  Tensor& set_requires_grad(bool r);  // only on leaves, like PyTorch's requires_grad_
  const Tensor& grad() const;
  void set_grad(const Tensor& g) const;
  const std::shared_ptr<autograd::Node>& grad_fn() const;
  uint32_t output_nr() const;
  bool is_leaf() const;
  void retain_grad() const;
  bool retains_grad() const;
  uint64_t version() const;
  void bump_version() const;  // called by every in-place op

  // Same data, no autograd history; shares storage and version counter.
  Tensor detach() const;
  // Accumulates gradients of this tensor into the .grad of the leaves it depends on.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false,
                bool create_graph = false) const;

  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape, strides;
  int64_t offset = 0;
  int64_t numel = 0;
  DType dtype = default_float;

  bool requires_grad = false;
  bool retains_grad = false;
  Tensor grad;
  std::shared_ptr<autograd::Node> grad_fn;  // null for leaves
  uint32_t output_nr = 0;                   // which output of grad_fn this is
  std::weak_ptr<autograd::Node> grad_accumulator;  // leaves only; created on demand
  bool is_parameter = false;  // set by nn::Module::register_parameter / ember.nn.Parameter
  // Views (made by as_strided, so by every view op): the root tensor viewed, and its grad_fn
  // when this view's history was set; when they differ the base was modified in place and
  // the view's history is regenerated on its next use (autograd/views.cpp).
  std::shared_ptr<TensorImpl> view_base;
  std::shared_ptr<autograd::Node> view_base_fn;
  std::shared_ptr<autograd::Hooks> grad_hooks;  // leaves only: register_hook (autograd/hooks.h)
};

inline const Shape& Tensor::shape() const { return impl_->shape; }
inline const Shape& Tensor::strides() const { return impl_->strides; }
inline int64_t Tensor::offset() const { return impl_->offset; }
inline int64_t Tensor::numel() const { return impl_->numel; }
inline DType Tensor::dtype() const { return impl_->dtype; }
inline Device Tensor::device() const { return impl_->storage->device; }
inline const std::shared_ptr<Storage>& Tensor::storage() const { return impl_->storage; }
inline void* Tensor::raw_data() const {
  return static_cast<char*>(impl_->storage->data) + impl_->offset * static_cast<int64_t>(itemsize());
}
inline bool Tensor::requires_grad() const {
  // A view whose base gained a history in place requires grad before it is regenerated.
  const TensorImpl& i = *impl_;
  return i.requires_grad ||
         (i.view_base && i.view_base->grad_fn != i.view_base_fn && i.view_base->requires_grad);
}
inline const Tensor& Tensor::grad() const { return impl_->grad; }
inline const std::shared_ptr<autograd::Node>& Tensor::grad_fn() const { return impl_->grad_fn; }
inline uint32_t Tensor::output_nr() const { return impl_->output_nr; }
inline bool Tensor::is_leaf() const { return impl_->grad_fn == nullptr; }
inline bool Tensor::retains_grad() const { return impl_->retains_grad; }
inline uint64_t Tensor::version() const { return impl_->storage->version; }
inline void Tensor::bump_version() const { ++impl_->storage->version; }

// Raises ValueError naming op when t is undefined (a null handle from C++ callers).
void check_defined(const Tensor& t, const char* op, const char* arg = "input");

}  // namespace ember
