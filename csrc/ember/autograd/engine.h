// The backward engine: runs the graph in reverse topological order (ready nodes first by
// newest sequence number, so the order is deterministic) and accumulates into leaves.
#pragma once
#include <vector>

#include "ember/core/tensor.h"

namespace ember::autograd {

// Tensor.backward for several roots at once. An undefined gradient means ones for a
// single-element root and is an error otherwise.
void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_roots,
              bool retain_graph = false, bool create_graph = false);

// ember.autograd.grad: gradients of roots with respect to inputs, without touching .grad.
// allow_unused=false raises when an input is not reachable from the roots.
std::vector<Tensor> grad(const std::vector<Tensor>& roots, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_roots, bool retain_graph = false,
                         bool create_graph = false, bool allow_unused = false);

}  // namespace ember::autograd
