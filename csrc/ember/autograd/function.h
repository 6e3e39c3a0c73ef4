// How an op joins the graph. After computing its outputs eagerly, an op calls
//
//   if (autograd::any_requires_grad({a, b}))
//     autograd::record("MulBackward", {a, b}, {out},
//                      [sa = SavedTensor(a), sb = SavedTensor(b)](const auto& g, const auto& node) {
//                        return std::vector<Tensor>{...grad wrt a..., ...grad wrt b...};
//                      });
//
// The closure receives one gradient per output and returns one per input (it may leave
// undefined those with !node.needs_input_grad(i)). Backward formulas are written with
// ember ops, so they are differentiable themselves (create_graph=True works); a fused
// backward kernel instead hands over to composite_backward when grad mode is on.
#pragma once
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "ember/autograd/grad_mode.h"
#include "ember/autograd/node.h"

namespace ember::autograd {

// True when grad mode is on and some input requires grad.
bool any_requires_grad(std::initializer_list<Tensor> inputs);
bool any_requires_grad(const std::vector<Tensor>& inputs);

// Creates the node and marks outputs as its results (requires_grad, grad_fn, output_nr).
void record(std::string name, const std::vector<Tensor>& inputs,
            const std::vector<Tensor>& outputs, BackwardFn fn);

// In-place ops call this first: a leaf that requires grad cannot be modified in place
// while grad mode is on (its gradient would be wrong), like PyTorch.
void check_inplace(const Tensor& self, const char* op);

// After an in-place op computed `result` out of place (recorded as usual) and wrote it into
// self's memory, self takes over result's place in the graph; when self is a view, its base
// is rebased too (autograd/views.h), like PyTorch.
void rebase_history(Tensor& self, const Tensor& result);

// Sums a broadcast gradient back to `shape` (the reverse of broadcasting).
Tensor sum_to(const Tensor& grad, const Shape& shape);

// For the backward of a fused kernel under create_graph=True: recomputes the op as
// `composite` (the same function written with differentiable ember ops) on the op's saved
// inputs (the originals, not detached copies) and differentiates that, so the gradients it
// returns carry their own graph (double backward). One gradient per input, undefined where
// !node.needs_input_grad(i). Slower than the fused backward; used only when grad mode is on.
using Composite = std::function<std::vector<Tensor>(const std::vector<Tensor>& inputs)>;
std::vector<Tensor> composite_backward(const Composite& composite,
                                       const std::vector<Tensor>& inputs,
                                       const std::vector<Tensor>& grads, const Node& node);

}  // namespace ember::autograd
