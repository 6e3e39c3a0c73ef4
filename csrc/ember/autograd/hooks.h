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

// Removes its hook; a no-op once removed or once the hook's owner (a tensor's graph, a
// module) is gone: owners hand over a remover that holds them weakly. Shared by tensor
// gradient hooks and module hooks (Python's RemovableHandle).
class HookHandle {
 public:
  using Remover = std::function<void(uint64_t id)>;
  HookHandle() = default;
  HookHandle(Remover remover, uint64_t id) : remover_(std::move(remover)), id_(id) {}
  void remove();
  uint64_t id() const { return id_; }

 private:
  Remover remover_;
  uint64_t id_ = 0;
};

// A process-wide unique hook id (ids order hooks of one owner by registration).
uint64_t next_hook_id();

// RuntimeError when t does not require grad.
HookHandle register_hook(const Tensor& t, GradHook hook);

}  // namespace ember::autograd
