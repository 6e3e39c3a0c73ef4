// Forward hooks of a Module (PyTorch's register_forward_pre_hook / register_forward_hook).
// They run when a module is called through Module::operator() (containers and layers call
// their children that way) or through Python's __call__; forward() itself runs none. C++
// hooks see one input tensor and one output tensor; Python hooks (csrc/python/nn_hooks.cpp)
// subclass these interfaces and also see the argument tuples of multi-argument forwards.
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
};

// Runs after forward; returns a replacement output, or an undefined tensor to keep it.
// An always_call hook also runs when forward throws, with an undefined output (what it
// throws then is ignored, and the original exception propagates).
struct ForwardHook {
  virtual ~ForwardHook() = default;
  virtual Tensor operator()(Module& module, const Tensor& input, const Tensor& output) = 0;
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
  std::vector<Pre> pre;
  std::vector<Post> post;
  bool empty() const { return pre.empty() && post.empty(); }
};

}  // namespace ember::nn
