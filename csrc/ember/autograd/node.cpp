// Nodes, saved tensors and op recording; see node.h and function.h.
#include "ember/autograd/node.h"

#include <atomic>

#include "ember/autograd/engine.h"
#include "ember/autograd/function.h"
#include "ember/autograd/grad_mode.h"
#include "ember/autograd/hooks.h"
#include "ember/autograd/views.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/reduce.h"
#include "ember/ops/view.h"

namespace ember::autograd {

namespace {
std::atomic<uint64_t> g_next_sequence_nr{0};
}

Node::Node() : sequence_nr_(g_next_sequence_nr.fetch_add(1, std::memory_order_relaxed)) {}

uint32_t Node::add_output(const Tensor& out) {
  output_meta_.push_back({out.shape(), out.dtype()});
  return static_cast<uint32_t>(output_meta_.size() - 1);
}

Tensor Node::zeros_for_output(size_t i) const {
  return zeros(output_meta_[i].shape, output_meta_[i].dtype);
}

void Node::retain_output(uint32_t output_nr, const std::shared_ptr<TensorImpl>& t) {
  retained_.emplace_back(output_nr, t);
}

void Node::store_retained(const std::vector<Tensor>& grads) const {
  for (const auto& [nr, weak] : retained_) {
    auto impl = weak.lock();
    if (!impl || !grads[nr].defined()) continue;
    Tensor g = GradMode::is_enabled() ? grads[nr] : grads[nr].detach();
    impl->grad = impl->grad.defined() ? add(impl->grad, g) : clone(g);
  }
}

void Node::run_hooks(std::vector<Tensor>& grads) const {
  if (hooks_) hooks_->run(grads);
}

void AccumulateGrad::run_hooks(std::vector<Tensor>& grads) const {
  Node::run_hooks(grads);
  if (variable_->grad_hooks) variable_->grad_hooks->run(grads);
}

SavedTensor::SavedTensor(const Tensor& t, bool is_output)
    : t_(is_output && t.defined() ? t.detach() : t), version_(t.defined() ? t.version() : 0) {}

const Tensor& SavedTensor::get() const {
  EMBER_CHECK(!t_.defined() || t_.version() == version_, RuntimeError,
              "[backward] one of the tensors needed for gradient computation has been modified "
              "by an in-place operation: a tensor of shape ", shape_str(t_.shape()),
              " is at version ", t_.version(), "; expected version ", version_);
  return t_;
}

std::vector<Tensor> FunctionNode::apply(const std::vector<Tensor>& grads) {
  EMBER_CHECK(fn_ != nullptr, RuntimeError, "[backward] trying to backward through the graph a "
              "second time (through ", name_, "): its saved tensors were freed after the first "
              "backward; pass retain_graph=True to the first backward if you need to");
  return fn_(grads, *this);
}

std::vector<Tensor> AccumulateGrad::apply(const std::vector<Tensor>& grads) {
  const Tensor& g = grads[0];
  TensorImpl& v = *variable_;
  if (GradMode::is_enabled()) {  // create_graph: keep the gradient's own graph
    v.grad = v.grad.defined() ? add(v.grad, g) : g;
  } else if (!v.grad.defined()) {
    // .grad gets its own contiguous memory: g itself when nothing else can see g or its
    // storage (like PyTorch, which steals an unshared gradient), else a copy (g may alias
    // a root gradient, a saved tensor or a view).
    const bool unshared = g.impl_ptr().use_count() == 1 && g.storage().use_count() == 1 &&
                          g.is_contiguous() && !g.requires_grad();
    v.grad = unshared ? g.detach() : clone(g.detach());
  } else if (v.grad.requires_grad()) {
    v.grad = add(v.grad.detach(), g.detach());
  } else {
    add_(v.grad, g.detach());
  }
  return {};
}

Edge gradient_edge(const Tensor& t) {
  if (!t.requires_grad()) return {};
  refresh_view(t);
  if (t.grad_fn()) return {t.grad_fn(), t.output_nr()};
  TensorImpl* impl = t.impl();
  auto acc = impl->grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(t.impl_ptr());
    acc->add_output(t);
    impl->grad_accumulator = acc;
  }
  return {acc, 0};
}

bool any_requires_grad(std::initializer_list<Tensor> inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

void record(std::string name, const std::vector<Tensor>& inputs,
            const std::vector<Tensor>& outputs, BackwardFn fn) {
  auto node = std::make_shared<FunctionNode>(std::move(name), std::move(fn));
  std::vector<Edge> edges;
  edges.reserve(inputs.size());
  for (const Tensor& t : inputs) edges.push_back(t.defined() ? gradient_edge(t) : Edge{});
  node->set_next_edges(std::move(edges));
  for (const Tensor& out : outputs) {
    TensorImpl* impl = out.impl();
    impl->output_nr = node->add_output(out);
    impl->grad_fn = node;
    impl->requires_grad = is_floating(out.dtype());
  }
}

void check_inplace(const Tensor& self, const char* op) {
  if (!GradMode::is_enabled()) return;
  EMBER_CHECK(!(self.is_leaf() && self.requires_grad()), RuntimeError,
              "[", op, "] a leaf tensor that requires grad is being used in an in-place "
              "operation; wrap it in ember.no_grad() or use an out-of-place op");
  const TensorImpl* base = self.impl()->view_base.get();
  EMBER_CHECK(!(base && !base->grad_fn && base->requires_grad), RuntimeError,
              "[", op, "] a view of a leaf tensor that requires grad is being used in an "
              "in-place operation; wrap it in ember.no_grad() or use an out-of-place op");
}

void rebase_history(Tensor& self, const Tensor& result) {
  if (!result.requires_grad()) return;
  if (self.impl()->view_base) return rebase_view(self, result);
  TensorImpl* impl = self.impl();
  impl->grad_fn = result.grad_fn();
  impl->output_nr = result.output_nr();
  impl->requires_grad = true;
}

Tensor sum_to(const Tensor& grad, const Shape& shape) {
  if (grad.shape() == shape) return grad;
  std::vector<int64_t> dims;
  int64_t lead = grad.dim() - static_cast<int64_t>(shape.size());
  for (int64_t i = 0; i < grad.dim(); ++i) {
    if (i < lead || (shape[i - lead] == 1 && grad.shape()[i] != 1)) dims.push_back(i);
  }
  Tensor s = dims.empty() ? grad : sum(grad, dims, /*keepdim=*/true);
  return reshape(s, shape);
}

std::vector<Tensor> composite_backward(const Composite& composite,
                                       const std::vector<Tensor>& inputs,
                                       const std::vector<Tensor>& grads, const Node& node) {
  std::vector<Tensor> outs = composite(inputs);
  std::vector<Tensor> roots, root_grads, wrt;
  for (size_t i = 0; i < outs.size() && i < grads.size(); ++i)
    if (outs[i].defined() && outs[i].requires_grad() && grads[i].defined()) {
      roots.push_back(outs[i]);
      root_grads.push_back(grads[i]);
    }
  std::vector<size_t> slot;
  for (size_t i = 0; i < inputs.size(); ++i)
    if (node.needs_input_grad(i) && inputs[i].defined() && inputs[i].requires_grad()) {
      wrt.push_back(inputs[i]);
      slot.push_back(i);
    }
  std::vector<Tensor> result(inputs.size());
  if (roots.empty() || wrt.empty()) return result;
  std::vector<Tensor> g = grad(roots, wrt, root_grads, /*retain_graph=*/true,
                               /*create_graph=*/true, /*allow_unused=*/true);
  for (size_t k = 0; k < slot.size(); ++k) result[slot[k]] = g[k];
  return result;
}

}  // namespace ember::autograd
