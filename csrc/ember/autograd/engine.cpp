// Reverse-mode execution of the recorded graph; see engine.h.
#include "ember/autograd/engine.h"

#include <queue>
#include <unordered_map>

#include "ember/autograd/grad_mode.h"
#include "ember/autograd/node.h"
#include "ember/ops/creation.h"
#include "ember/ops/elementwise.h"

namespace ember::autograd {

namespace {

struct NewestFirst {
  bool operator()(const Node* a, const Node* b) const { return a->sequence_nr() < b->sequence_nr(); }
};

Tensor root_gradient(const Tensor& root, const Tensor& g, size_t i) {
  if (g.defined()) {
    EMBER_CHECK(g.shape() == root.shape(), ValueError, "[backward] gradient for output ", i,
                " has shape ", shape_str(g.shape()), " but the output has shape ",
                shape_str(root.shape()));
    EMBER_CHECK(g.dtype() == root.dtype(), TypeError, "[backward] gradient for output ", i,
                " has dtype ", dtype_name(g.dtype()), " but the output has dtype ",
                dtype_name(root.dtype()));
    return g;
  }
  EMBER_CHECK(root.numel() == 1, RuntimeError, "[backward] grad can be implicitly created only "
              "for outputs with one element; output ", i, " has shape ", shape_str(root.shape()),
              ", pass a gradient");
  return ones(root.shape(), root.dtype());
}

// Runs the graph from roots. When `captures` is non-empty, gradients arriving at those
// edges are returned instead of being accumulated into leaves.
std::vector<Tensor> run(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_roots,
                        bool retain_graph, bool create_graph, const std::vector<Edge>& captures) {
  EMBER_CHECK(grad_roots.empty() || grad_roots.size() == roots.size(), ValueError,
              "[backward] got ", grad_roots.size(), " gradients for ", roots.size(), " outputs");
  std::unordered_map<Node*, std::vector<Tensor>> buffers;
  std::unordered_map<Node*, int> deps;
  std::vector<std::shared_ptr<Node>> keep;  // keeps nodes alive while we run

  auto add_grad = [&](Node* node, uint32_t slot, const Tensor& g) {
    auto& buf = buffers[node];
    if (buf.empty()) buf.resize(node->num_outputs());
    buf[slot] = buf[slot].defined() ? add(buf[slot], g) : g;
  };

  std::vector<Node*> stack;
  for (size_t i = 0; i < roots.size(); ++i) {
    const Tensor& r = roots[i];
    check_defined(r, "backward", "output");
    Edge e = gradient_edge(r);
    EMBER_CHECK(e.valid(), RuntimeError, "[backward] output ", i,
                " does not require grad and does not have a grad_fn");
    Tensor g = root_gradient(r, grad_roots.empty() ? Tensor() : grad_roots[i], i);
    add_grad(e.fn.get(), e.input_nr, g);
    if (deps.emplace(e.fn.get(), 0).second) {
      keep.push_back(e.fn);
      stack.push_back(e.fn.get());
    }
  }
  // Count, for every reachable node, how many edges lead into it.
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next_edges()) {
      if (!e.valid()) continue;
      auto [it, fresh] = deps.emplace(e.fn.get(), 0);
      ++it->second;
      if (fresh) {
        keep.push_back(e.fn);
        stack.push_back(e.fn.get());
      }
    }
  }

  std::unordered_map<Node*, std::vector<std::pair<uint32_t, size_t>>> capture_at;
  for (size_t i = 0; i < captures.size(); ++i)
    if (captures[i].valid()) capture_at[captures[i].fn.get()].push_back({captures[i].input_nr, i});
  std::vector<Tensor> captured(captures.size());
  // With captures only nodes with a captured edge somewhere below them run: grad() never
  // executes the history of its inputs or branches that cannot reach them.
  std::unordered_map<Node*, bool> reaches_capture;
  if (!captures.empty()) {
    std::vector<std::pair<Node*, size_t>> dfs;  // node, next edge to visit (post-order)
    for (auto& [n, d] : deps)
      if (d == 0 && reaches_capture.emplace(n, false).second) dfs.push_back({n, 0});
    while (!dfs.empty()) {
      Node* n = dfs.back().first;
      const auto& edges = n->next_edges();
      size_t i = dfs.back().second++;
      if (i < edges.size()) {
        Node* c = edges[i].fn.get();
        if (edges[i].valid() && reaches_capture.emplace(c, false).second) dfs.push_back({c, 0});
        continue;
      }
      bool below = false;
      for (const Edge& e : edges)
        if (e.valid()) below = below || capture_at.count(e.fn.get()) || reaches_capture[e.fn.get()];
      reaches_capture[n] = below;
      dfs.pop_back();
    }
  }

  GradModeGuard mode(create_graph);
  std::priority_queue<Node*, std::vector<Node*>, NewestFirst> ready;
  for (auto& [n, d] : deps)
    if (d == 0) ready.push(n);
  while (!ready.empty()) {
    Node* node = ready.top();
    ready.pop();
    std::vector<Tensor> grads;
    auto it = buffers.find(node);
    if (it != buffers.end()) {
      grads = std::move(it->second);
      buffers.erase(it);
    }
    bool any = false;
    for (const Tensor& g : grads) any = any || g.defined();
    std::vector<Tensor> out;
    if (any) {
      for (size_t i = 0; i < grads.size(); ++i)
        if (!grads[i].defined()) grads[i] = node->zeros_for_output(i);
      node->run_hooks(grads);
      node->store_retained(grads);
      auto cap = capture_at.find(node);
      if (cap != capture_at.end())
        for (auto [slot, idx] : cap->second) captured[idx] = grads[slot];
      if (captures.empty() || reaches_capture[node]) {
        out = node->apply(grads);
        if (!retain_graph) node->release();
      }
    }
    const auto& edges = node->next_edges();
    for (size_t i = 0; i < edges.size(); ++i) {
      const Edge& e = edges[i];
      if (!e.valid()) continue;
      if (i < out.size() && out[i].defined()) add_grad(e.fn.get(), e.input_nr, out[i]);
      if (--deps[e.fn.get()] == 0) ready.push(e.fn.get());
    }
  }
  return captured;
}

}  // namespace

void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_roots,
              bool retain_graph, bool create_graph) {
  run(roots, grad_roots, retain_graph || create_graph, create_graph, {});
}

std::vector<Tensor> grad(const std::vector<Tensor>& roots, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_roots, bool retain_graph,
                         bool create_graph, bool allow_unused) {
  std::vector<Edge> captures;
  for (size_t i = 0; i < inputs.size(); ++i) {
    check_defined(inputs[i], "grad", "input");
    EMBER_CHECK(inputs[i].requires_grad(), RuntimeError, "[grad] input ", i,
                " does not require grad");
    captures.push_back(gradient_edge(inputs[i]));
  }
  std::vector<Tensor> result = run(roots, grad_roots, retain_graph || create_graph,
                                   create_graph, captures);
  for (size_t i = 0; i < result.size(); ++i) {
    EMBER_CHECK(result[i].defined() || allow_unused, RuntimeError, "[grad] input ", i,
                " was not used in the graph; pass allow_unused=True to get None for it");
  }
  return result;
}

}  // namespace ember::autograd
