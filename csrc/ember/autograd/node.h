// Graph nodes of the dynamic tape. An op that records itself creates a FunctionNode whose
// backward closure maps output gradients to input gradients; leaves get an AccumulateGrad
// node. Tensors an op saves for backward are wrapped in SavedTensor, which detects in-place
// modification (version counter) and is freed after backward unless retain_graph.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::autograd {

class Node;

struct Edge {
  std::shared_ptr<Node> fn;
  uint32_t input_nr = 0;
  bool valid() const { return fn != nullptr; }
};

class Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  virtual ~Node() = default;
  // grads[i] is the gradient of output i (zeros for outputs that got none); returns one
  // gradient per input (undefined where the input needs none).
  virtual std::vector<Tensor> apply(const std::vector<Tensor>& grads) = 0;
  virtual std::string name() const = 0;
  virtual void release() {}  // frees saved tensors after a backward without retain_graph

  uint64_t sequence_nr() const { return sequence_nr_; }
  const std::vector<Edge>& next_edges() const { return next_edges_; }
  size_t num_outputs() const { return output_meta_.size(); }
  bool needs_input_grad(size_t i) const { return i < next_edges_.size() && next_edges_[i].valid(); }

  void set_next_edges(std::vector<Edge> edges) { next_edges_ = std::move(edges); }
  // Records output metadata (to make zero gradients for outputs that received none).
  uint32_t add_output(const Tensor& out);
  Tensor zeros_for_output(size_t i) const;
  void retain_output(uint32_t output_nr, const std::shared_ptr<TensorImpl>& t);
  // Stores grad into the .grad of outputs on which retain_grad() was called.
  void store_retained(const std::vector<Tensor>& grads) const;
  // Gradient hooks of this node's outputs (autograd/hooks.h), created on first use.
  std::shared_ptr<Hooks>& hooks() { return hooks_; }
  // Runs the gradient hooks on grads before the node uses them (a leaf's accumulator also
  // runs its tensor's hooks).
  virtual void run_hooks(std::vector<Tensor>& grads) const;

 private:
  struct OutputMeta {
    Shape shape;
    DType dtype;
  };
  uint64_t sequence_nr_;
  std::vector<Edge> next_edges_;
  std::vector<OutputMeta> output_meta_;
  std::vector<std::pair<uint32_t, std::weak_ptr<TensorImpl>>> retained_;
  std::shared_ptr<Hooks> hooks_;
};

// A tensor saved for backward. Inputs are kept as they are (so create_graph can build
// higher-order graphs through them); outputs are kept detached to avoid a reference cycle.
class SavedTensor {
 public:
  SavedTensor() = default;
  SavedTensor(const Tensor& t, bool is_output = false);
  // Raises RuntimeError when the tensor was modified in place after it was saved.
  const Tensor& get() const;
  bool defined() const { return t_.defined(); }

 private:
  Tensor t_;
  uint64_t version_ = 0;
};

using BackwardFn = std::function<std::vector<Tensor>(const std::vector<Tensor>& grads,
                                                     const Node& node)>;

class FunctionNode : public Node {
 public:
  FunctionNode(std::string name, BackwardFn fn) : name_(std::move(name)), fn_(std::move(fn)) {}
  std::vector<Tensor> apply(const std::vector<Tensor>& grads) override;
  std::string name() const override { return name_; }
  void release() override { fn_ = nullptr; }  // drops the closure and its saved tensors

 private:
  std::string name_;
  BackwardFn fn_;
};

class AccumulateGrad : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> variable) : variable_(std::move(variable)) {}
  std::vector<Tensor> apply(const std::vector<Tensor>& grads) override;
  std::string name() const override { return "AccumulateGrad"; }
  void run_hooks(std::vector<Tensor>& grads) const override;
  Tensor variable() const { return Tensor(variable_); }

 private:
  std::shared_ptr<TensorImpl> variable_;
};

// The edge through which gradient flows into t: its grad_fn, or its leaf accumulator.
// Invalid when t does not require grad.
Edge gradient_edge(const Tensor& t);

}  // namespace ember::autograd
