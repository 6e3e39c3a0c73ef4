// Running a module call between its hooks (Module::operator(), Module::call), and the
// backward hooks of one call; see hooks.h.
#include "ember/nn/hooks.h"

#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "ember/autograd/function.h"
#include "ember/autograd/grad_mode.h"
#include "ember/nn/module.h"

namespace ember::nn {

struct BackwardHookCall::State {
  Module* module;
  std::weak_ptr<ModuleHooks> owner;  // expired: the module is gone
  std::vector<ModuleHooks::BackPre> pre;
  std::vector<ModuleHooks::Back> hooks;
  size_t n_inputs = 0;
  bool inputs_wrapped = false;
  bool have_grad_output = false;
  std::vector<Tensor> grad_output;
};

namespace {

using GradMap = std::function<std::vector<Tensor>(std::vector<Tensor> grads)>;

bool any_requires_grad(const std::vector<Tensor>& ts) {
  for (const Tensor& t : ts)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

// Passes the tensors of ts that require grad through one identity node; its backward hands
// the gradients, positional over ts (undefined elsewhere), to map and passes on its result.
std::vector<Tensor> identity_node(const std::vector<Tensor>& ts, GradMap map) {
  std::vector<Tensor> out = ts, in, alias;
  std::vector<size_t> where;
  for (size_t i = 0; i < ts.size(); ++i) {
    if (!ts[i].defined() || !ts[i].requires_grad()) continue;
    in.push_back(ts[i]);
    alias.push_back(ts[i].detach());
    where.push_back(i);
    out[i] = alias.back();
  }
  const size_t n = ts.size();
  autograd::record("BackwardHookFunctionBackward", in, alias,
                   [map = std::move(map), where, n](const std::vector<Tensor>& grads,
                                                    const autograd::Node&) {
                     std::vector<Tensor> full(n);
                     for (size_t k = 0; k < where.size(); ++k) full[where[k]] = grads[k];
                     full = map(std::move(full));
                     std::vector<Tensor> r(where.size());
                     for (size_t k = 0; k < where.size(); ++k) r[k] = full[where[k]];
                     return r;
                   });
  return out;
}

// A hook's replacement gradients: as many as before, and each keeps its shape.
void check_replacement(const Module& m, const std::vector<Tensor>& before,
                       const std::vector<Tensor>& after, const char* what) {
  EMBER_CHECK(after.size() == before.size(), RuntimeError, "[", m.name(), "] backward ",
              what, " returned ", after.size(), " gradients, expected ", before.size());
  for (size_t i = 0; i < after.size(); ++i)
    EMBER_CHECK(!after[i].defined() || !before[i].defined() ||
                    after[i].shape() == before[i].shape(), RuntimeError, "[", m.name(),
                "] backward ", what, " returned a gradient of shape ",
                shape_str(after[i].shape()), " at position ", i, ", expected ",
                shape_str(before[i].shape()));
}

}  // namespace

BackwardHookCall::BackwardHookCall(Module& module, const std::shared_ptr<ModuleHooks>& owner)
    : state_(std::make_shared<State>()) {
  state_->module = &module;
  state_->owner = owner;
  state_->pre = owner->backward_pre;
  state_->hooks = owner->backward;
}

std::vector<Tensor> BackwardHookCall::wrap_inputs(const std::vector<Tensor>& inputs) {
  state_->n_inputs = inputs.size();
  if (!autograd::GradMode::is_enabled() || !any_requires_grad(inputs)) return inputs;
  state_->inputs_wrapped = true;
  return identity_node(inputs, [st = state_](std::vector<Tensor> grad_input) {
    if (!st->have_grad_output || st->owner.expired()) return grad_input;
    for (const auto& h : st->hooks) {
      std::vector<Tensor> r = (*h.fn)(*st->module, grad_input, st->grad_output);
      if (r.empty()) continue;
      check_replacement(*st->module, grad_input, r, "hook");
      grad_input = std::move(r);
    }
    st->have_grad_output = false;
    st->grad_output.clear();
    return grad_input;
  });
}

std::vector<Tensor> BackwardHookCall::wrap_outputs(const std::vector<Tensor>& outputs) {
  if (!autograd::GradMode::is_enabled() || !any_requires_grad(outputs)) return outputs;
  return identity_node(outputs, [st = state_](std::vector<Tensor> grad_output) {
    if (st->owner.expired()) return grad_output;
    for (const auto& h : st->pre) {
      std::vector<Tensor> r = (*h.fn)(*st->module, grad_output);
      if (r.empty()) continue;
      check_replacement(*st->module, grad_output, r, "pre-hook");
      grad_output = std::move(r);
    }
    if (st->inputs_wrapped) {
      st->grad_output = grad_output;
      st->have_grad_output = true;
      return grad_output;
    }
    const std::vector<Tensor> none(st->n_inputs);  // no input requires grad: run them now
    for (const auto& h : st->hooks) {
      std::vector<Tensor> r = (*h.fn)(*st->module, none, grad_output);
      for (const Tensor& t : r)
        EMBER_CHECK(!t.defined(), RuntimeError, "[", st->module->name(), "] a backward hook of "
                    "a module whose inputs do not require grad must return None (or only "
                    "Nones) for grad_input");
    }
    return grad_output;
  });
}

// ---- forward hooks

std::vector<Tensor> ForwardPreHook::call(Module& module, const std::vector<Tensor>& inputs) {
  Tensor r = (*this)(module, inputs.at(0));
  if (!r.defined()) return {};
  std::vector<Tensor> out = inputs;
  out[0] = r;
  return out;
}

std::vector<Tensor> ForwardHook::call(Module& module, const std::vector<Tensor>& inputs,
                                      const std::vector<Tensor>& outputs) {
  Tensor r = (*this)(module, inputs.at(0), outputs.empty() ? Tensor() : outputs[0]);
  if (!r.defined() || outputs.empty()) return {};
  std::vector<Tensor> out = outputs;
  out[0] = r;
  return out;
}

namespace {

// A hook's replacement tensors: as many as it was given.
std::vector<Tensor> replacement(std::vector<Tensor> r, size_t n, const Module& m,
                                const char* what) {
  EMBER_CHECK(r.size() == n, ValueError, "[", m.name(), "] a ", what, " returned ", r.size(),
              " tensors for a call with ", n);
  return r;
}

}  // namespace

Tensor Module::operator()(const Tensor& input) {
  if (!hooks_.lists || hooks_.lists->empty()) return forward(input);
  return call({input}, [this](const std::vector<Tensor>& a) {
    return std::vector<Tensor>{forward(a[0])};
  })[0];
}

std::vector<Tensor> Module::call(std::vector<Tensor> args, const Forward& forward) {
  if (!hooks_.lists || hooks_.lists->empty()) return forward(args);
  EMBER_CHECK(!args.empty(), ValueError, "[", name(), "] a hooked call needs an input tensor");
  const ModuleHooks hooks = *hooks_.lists;  // a hook may add or remove hooks
  for (const auto& h : hooks.pre)
    if (auto r = h.fn->call(*this, args); !r.empty())
      args = replacement(std::move(r), args.size(), *this, "forward pre-hook");
  std::optional<BackwardHookCall> backward_hooks;
  if (hooks.has_backward() && autograd::GradMode::is_enabled()) {
    backward_hooks.emplace(*this, hooks_.lists);
    args = backward_hooks->wrap_inputs(args);
  }
  std::vector<Tensor> out;
  try {
    out = forward(args);
  } catch (...) {
    for (const auto& h : hooks.post) {
      if (!h.always_call) continue;
      try {
        h.fn->call(*this, args, {});
      } catch (...) {  // forward's exception is the one to report
      }
    }
    throw;
  }
  for (const auto& h : hooks.post)
    if (auto r = h.fn->call(*this, args, out); !r.empty())
      out = replacement(std::move(r), out.size(), *this, "forward hook");
  if (backward_hooks) out = backward_hooks->wrap_outputs(out);
  return out;
}

}  // namespace ember::nn
