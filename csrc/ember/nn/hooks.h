// Module hooks (PyTorch's register_forward_pre_hook / register_forward_hook /
// register_full_backward_pre_hook / register_full_backward_hook). They run when a module is
// called through Module::operator() (containers and layers call their children that way) or
// through Python's __call__; forward() itself runs none. C++ forward hooks see one input
// tensor and one output tensor; Python hooks (csrc/python/nn_hooks.cpp) subclass these
// interfaces and also see the argument tuples of multi-argument forwards.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::nn {

class Module;

// Runs before forward; returns a replacement input, or an undefined tensor to keep it.
struct ForwardPreHook {
  virtual ~ForwardPreHook() = default;
  virtual Tensor operator()(Module& module, const Tensor& input) = 0;
  // A call with the positional tensors inputs (an undefined one stands for None): returns
  // replacements (as many) or an empty vector to keep them. The default runs the
  // single-tensor form on the first input.
  virtual std::vector<Tensor> call(Module& module, const std::vector<Tensor>& inputs);
};

// Runs after forward; returns a replacement output, or an undefined tensor to keep it.
// An always_call hook also runs when forward throws, with an undefined output (what it
// throws then is ignored, and the original exception propagates).
struct ForwardHook {
  virtual ~ForwardHook() = default;
  virtual Tensor operator()(Module& module, const Tensor& input, const Tensor& output) = 0;
  // A call with several tensors: returns replacement outputs (as many) or an empty vector to
  // keep them; outputs is empty for an always_call hook after a failed forward. The default
  // runs the single-tensor form on the first input and output.
  virtual std::vector<Tensor> call(Module& module, const std::vector<Tensor>& inputs,
                                   const std::vector<Tensor>& outputs);
};

// Runs once the gradients of the module's outputs are known, before the module's own
// backward: grad_output has one entry per output (undefined for a non-tensor). Returns
// replacement gradients (as many) or an empty vector to keep them.
struct BackwardPreHook {
  virtual ~BackwardPreHook() = default;
  virtual std::vector<Tensor> operator()(Module& module, const std::vector<Tensor>& grad_output) = 0;
};

// Runs once the gradients of the module's inputs are computed: grad_input has one entry per
// input (undefined where none is needed or for a non-tensor). Returns replacement input
// gradients (as many) or an empty vector to keep them. When no input requires grad it runs
// after the pre-hooks with undefined grad_input, and must return an empty vector.
struct BackwardHook {
  virtual ~BackwardHook() = default;
  virtual std::vector<Tensor> operator()(Module& module, const std::vector<Tensor>& grad_input,
                                         const std::vector<Tensor>& grad_output) = 0;
};

// A module's hooks in calling order.
struct ModuleHooks {
  struct Pre {
    uint64_t id;
    std::shared_ptr<ForwardPreHook> fn;
  };
  struct Post {
    uint64_t id;
    std::shared_ptr<ForwardHook> fn;
    bool always_call;
  };
  struct BackPre {
    uint64_t id;
    std::shared_ptr<BackwardPreHook> fn;
  };
  struct Back {
    uint64_t id;
    std::shared_ptr<BackwardHook> fn;
  };
  std::vector<Pre> pre;
  std::vector<Post> post;
  std::vector<BackPre> backward_pre;
  std::vector<Back> backward;
  bool empty() const { return pre.empty() && post.empty() && !has_backward(); }
  bool has_backward() const { return !backward_pre.empty() || !backward.empty(); }
};

// One call's backward hooks (PyTorch's BackwardHook): the inputs and then the outputs of the
// call pass through identity graph nodes. The output node runs the backward pre-hooks and
// keeps grad_output; the input node runs the backward hooks with both. Entries that are
// undefined (non-tensors) or do not require grad pass through unchanged. The hooks are
// those registered when the call started; nothing runs once the module is gone.
class BackwardHookCall {
 public:
  // owner: the module's hook lists (its liveness stands for the module's).
  BackwardHookCall(Module& module, const std::shared_ptr<ModuleHooks>& owner);
  std::vector<Tensor> wrap_inputs(const std::vector<Tensor>& inputs);
  std::vector<Tensor> wrap_outputs(const std::vector<Tensor>& outputs);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace ember::nn
