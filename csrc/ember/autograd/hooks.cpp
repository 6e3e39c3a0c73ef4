// Gradient hooks; see hooks.h.
#include "ember/autograd/hooks.h"

#include <algorithm>
#include <atomic>

#include "ember/autograd/node.h"

namespace ember::autograd {

namespace {
std::atomic<uint64_t> g_next_hook_id{1};
}

void Hooks::run(std::vector<Tensor>& grads) const {
  const std::vector<Entry> snapshot = entries;  // a hook may remove itself or add others
  for (const Entry& e : snapshot) {
    Tensor& g = grads[e.output_nr];
    Tensor r = e.fn(g);
    if (!r.defined()) continue;
    EMBER_CHECK(r.shape() == g.shape(), ValueError, "[register_hook] a hook changed the shape "
                "of the gradient from ", shape_str(g.shape()), " to ", shape_str(r.shape()));
    EMBER_CHECK(r.dtype() == g.dtype(), TypeError, "[register_hook] a hook changed the dtype "
                "of the gradient from ", dtype_name(g.dtype()), " to ", dtype_name(r.dtype()));
    g = r;
  }
}

void HookHandle::remove() {
  if (!remover_) return;
  Remover r = std::move(remover_);
  remover_ = nullptr;
  r(id_);
}

uint64_t next_hook_id() { return g_next_hook_id.fetch_add(1, std::memory_order_relaxed); }

HookHandle register_hook(const Tensor& t, GradHook hook) {
  check_defined(t, "register_hook");
  EMBER_CHECK(t.requires_grad(), RuntimeError, "[register_hook] cannot register a hook on a "
              "tensor that does not require grad");
  Edge e = gradient_edge(t);
  std::shared_ptr<Hooks>& slot = t.grad_fn() ? e.fn->hooks() : t.impl()->grad_hooks;
  if (!slot) slot = std::make_shared<Hooks>();
  uint64_t id = next_hook_id();
  slot->entries.push_back({id, e.input_nr, std::move(hook)});
  std::weak_ptr<Hooks> owner = slot;
  return HookHandle([owner](uint64_t id) {
    if (auto hooks = owner.lock())
      hooks->entries.erase(std::remove_if(hooks->entries.begin(), hooks->entries.end(),
                                          [id](const Hooks::Entry& e) { return e.id == id; }),
                           hooks->entries.end());
  }, id);
}

}  // namespace ember::autograd
