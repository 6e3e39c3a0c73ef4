// Gradient hooks (PyTorch's Tensor.register_hook): functions of a tensor's gradient, run in
// registration order when backward (or autograd.grad) computes that gradient. A hook may
// replace the gradient by returning a tensor of the same shape and dtype, or leave it by
// returning an undefined tensor. A non-leaf's hooks live on its grad_fn (keyed by which
// output it is), a leaf's on the tensor; they run before .grad accumulation, retain_grad
// and autograd.grad's capture, like PyTorch's.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::autograd {

using GradHook = std::function<Tensor(const Tensor& grad)>;

struct Hooks {
  struct Entry {
    uint64_t id;
    uint32_t output_nr;
    GradHook fn;
  };
  std::vector<Entry> entries;
  // Applies the hooks to grads (one per output of the node they belong to).
  void run(std::vector<Tensor>& grads) const;
};

// Removes its hook (a no-op once removed or once the tensor's graph is gone).
class HookHandle {
 public:
  HookHandle() = default;
  HookHandle(std::weak_ptr<Hooks> hooks, uint64_t id) : hooks_(std::move(hooks)), id_(id) {}
  void remove();
  uint64_t id() const { return id_; }

 private:
  std::weak_ptr<Hooks> hooks_;
  uint64_t id_ = 0;
};

// RuntimeError when t does not require grad.
HookHandle register_hook(const Tensor& t, GradHook hook);

}  // namespace ember::autograd
