// Module registries, traversal, state_dict save/load and repr; see module.h. Everything is
// per-module state (no globals), so different modules may be used from different threads.
#include "ember/nn/module.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>
#include <typeinfo>
#include <unordered_set>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/creation.h"
#include "ember/ops/view.h"

namespace ember::nn {

namespace {

enum Kind { kParam = 0, kBuffer = 1, kChild = 2 };

template <class T>
T* find_live(std::vector<Slot<T>>& v, const std::string& name) {
  for (auto& s : v)
    if (s.live && s.name == name) return &s.value;
  return nullptr;
}

template <class T>
bool has_live(const std::vector<Slot<T>>& v, const std::string& name) {
  for (const auto& s : v)
    if (s.live && s.name == name) return true;
  return false;
}

// Index of the entry named name (live or dead), or v.size().
template <class T>
size_t slot_of(const std::vector<Slot<T>>& v, const std::string& name) {
  size_t i = 0;
  for (; i < v.size(); ++i)
    if (v[i].name == name) break;
  return i;
}

// Inserts or replaces name in v; a dead slot of the same name is revived in place.
template <class T>
size_t put(std::vector<Slot<T>>& v, const std::string& name, T value, bool persistent) {
  size_t i = slot_of(v, name);
  if (i == v.size()) v.push_back(Slot<T>{name, T(), true, true});
  v[i].value = std::move(value);
  v[i].persistent = persistent;
  v[i].live = true;
  return i;
}

std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

}  // namespace

Tensor Module::forward(const Tensor&) {
  EMBER_THROW(NotImplementedError, "[Module] forward is not implemented for ", name(),
              "; define forward() in the subclass");
}

const std::shared_ptr<ModuleHooks>& Module::hook_lists() {
  if (!hooks_.lists) hooks_.lists = std::make_shared<ModuleHooks>();
  return hooks_.lists;
}

namespace {
// Adds e to v (first when prepend) and returns the handle that erases it again.
template <class E>
autograd::HookHandle add_hook(const std::shared_ptr<ModuleHooks>& lists, std::vector<E> ModuleHooks::*v,
                              E e, bool prepend) {
  auto& list = (*lists).*v;
  list.insert(prepend ? list.begin() : list.end(), e);
  std::weak_ptr<ModuleHooks> owner = lists;
  return autograd::HookHandle([owner, v](uint64_t id) {
    if (auto l = owner.lock()) {
      auto& list = (*l).*v;
      list.erase(std::remove_if(list.begin(), list.end(), [id](const E& x) { return x.id == id; }),
                 list.end());
    }
  }, e.id);
}

struct FunctionPreHook : ForwardPreHook {
  std::function<Tensor(Module&, const Tensor&)> fn;
  Tensor operator()(Module& m, const Tensor& x) override { return fn(m, x); }
};
struct FunctionHook : ForwardHook {
  std::function<Tensor(Module&, const Tensor&, const Tensor&)> fn;
  Tensor operator()(Module& m, const Tensor& x, const Tensor& y) override { return fn(m, x, y); }
};
}  // namespace

autograd::HookHandle Module::register_forward_pre_hook(std::shared_ptr<ForwardPreHook> hook,
                                                       bool prepend) {
  EMBER_CHECK(hook != nullptr, ValueError, "[register_forward_pre_hook] expected a hook, got null");
  return add_hook(hook_lists(), &ModuleHooks::pre,
                  ModuleHooks::Pre{autograd::next_hook_id(), std::move(hook)}, prepend);
}

autograd::HookHandle Module::register_forward_hook(std::shared_ptr<ForwardHook> hook, bool prepend,
                                                   bool always_call) {
  EMBER_CHECK(hook != nullptr, ValueError, "[register_forward_hook] expected a hook, got null");
  return add_hook(hook_lists(), &ModuleHooks::post,
                  ModuleHooks::Post{autograd::next_hook_id(), std::move(hook), always_call},
                  prepend);
}

autograd::HookHandle Module::register_full_backward_pre_hook(
    std::shared_ptr<BackwardPreHook> hook, bool prepend) {
  EMBER_CHECK(hook != nullptr, ValueError, "[register_full_backward_pre_hook] expected a hook, "
              "got null");
  return add_hook(hook_lists(), &ModuleHooks::backward_pre,
                  ModuleHooks::BackPre{autograd::next_hook_id(), std::move(hook)}, prepend);
}

autograd::HookHandle Module::register_full_backward_hook(std::shared_ptr<BackwardHook> hook,
                                                         bool prepend) {
  EMBER_CHECK(hook != nullptr, ValueError, "[register_full_backward_hook] expected a hook, "
              "got null");
  return add_hook(hook_lists(), &ModuleHooks::backward,
                  ModuleHooks::Back{autograd::next_hook_id(), std::move(hook)}, prepend);
}

autograd::HookHandle Module::register_forward_pre_hook(
    std::function<Tensor(Module&, const Tensor&)> hook, bool prepend) {
  EMBER_CHECK(bool(hook), ValueError, "[register_forward_pre_hook] expected a hook, got none");
  auto h = std::make_shared<FunctionPreHook>();
  h->fn = std::move(hook);
  return register_forward_pre_hook(std::shared_ptr<ForwardPreHook>(std::move(h)), prepend);
}

autograd::HookHandle Module::register_forward_hook(
    std::function<Tensor(Module&, const Tensor&, const Tensor&)> hook, bool prepend,
    bool always_call) {
  EMBER_CHECK(bool(hook), ValueError, "[register_forward_hook] expected a hook, got none");
  auto h = std::make_shared<FunctionHook>();
  h->fn = std::move(hook);
  return register_forward_hook(std::shared_ptr<ForwardHook>(std::move(h)), prepend, always_call);
}

ModulePtr Module::shallow_copy() const {
  ModulePtr m = copy_self();
  // A class without EMBER_MODULE_COPY would inherit its base's copy_self and lose its type.
  EMBER_CHECK(m != nullptr && typeid(*m) == typeid(*this), NotImplementedError,
              "[deepcopy] ", name(), " cannot be copied: its class does not declare "
              "EMBER_MODULE_COPY(", name(), ")");
  return m;
}

void Module::check_new_name(const std::string& n, const char* kind, int own_kind) const {
  EMBER_CHECK(!n.empty(), KeyError, kind, " name can't be empty string \"\"");
  EMBER_CHECK(n.find('.') == std::string::npos, KeyError, kind, " name can't contain \".\", got: ",
              n);
  bool clash = (own_kind != kParam && has_live(params_, n)) ||
               (own_kind != kBuffer && has_live(buffers_, n)) ||
               (own_kind != kChild && has_live(children_, n));
  EMBER_CHECK(!clash, KeyError, "attribute '", n, "' already exists");
}

size_t Module::register_parameter(const std::string& n, Tensor t, bool requires_grad) {
  check_new_name(n, "parameter", kParam);
  if (t.defined()) {
    t.impl()->is_parameter = true;
    if (t.requires_grad() != requires_grad) t.set_requires_grad(requires_grad);
  }
  return put(params_, n, std::move(t), true);
}

size_t Module::register_buffer(const std::string& n, Tensor t, bool persistent) {
  check_new_name(n, "buffer", kBuffer);
  return put(buffers_, n, std::move(t), persistent);
}

size_t Module::register_module(const std::string& n, ModulePtr module) {
  check_new_name(n, "module", kChild);
  check_no_cycle(module, n);
  return put(children_, n, std::move(module), true);
}

void Module::check_no_cycle(const ModulePtr& child, const std::string& n) const {
  if (!child) return;
  for (Module* m : child->modules())
    EMBER_CHECK(m != this, ValueError, "[register_module] adding '", n, "' to ", name(),
                " would make the module tree a cycle (a module cannot contain itself)");
}

Tensor* Module::find_parameter(const std::string& n) { return find_live(params_, n); }
Tensor* Module::find_buffer(const std::string& n) { return find_live(buffers_, n); }
ModulePtr* Module::find_child(const std::string& n) { return find_live(children_, n); }

bool Module::is_persistent_buffer(const std::string& n) const {
  for (const auto& s : buffers_)
    if (s.live && s.name == n) return s.persistent;
  return false;
}

bool Module::remove(const std::string& n) {
  auto kill = [&](auto& v) {
    for (auto& s : v)
      if (s.live && s.name == n) {
        s.live = false;
        s.value = {};
        return true;
      }
    return false;
  };
  return kill(params_) || kill(buffers_) || kill(children_);
}

bool Module::set_removed_parameter(const std::string& n, Tensor value) {
  for (auto& s : params_)
    if (!s.live && s.name == n) {
      s.value = std::move(value);
      return true;
    }
  return false;
}

// ---- traversal

namespace {

template <class Get>
NamedTensors collect(Module& self, const std::string& prefix, bool recurse, bool remove_duplicate,
                     Get get) {
  NamedTensors out;
  std::unordered_set<const TensorImpl*> seen;
  std::vector<std::pair<std::string, Module*>> mods;
  if (recurse) mods = self.named_modules(prefix, remove_duplicate);
  else mods = {{prefix, &self}};
  for (auto& [mprefix, m] : mods)
    for (const auto& s : get(*m)) {
      if (!s.live || !s.value.defined()) continue;
      if (remove_duplicate && !seen.insert(s.value.impl()).second) continue;
      out.emplace_back(join(mprefix, s.name), s.value);
    }
  return out;
}

}  // namespace

NamedTensors Module::named_parameters(const std::string& prefix, bool recurse,
                                      bool remove_duplicate) const {
  return collect(const_cast<Module&>(*this), prefix, recurse, remove_duplicate,
                 [](const Module& m) -> const auto& { return m.parameter_slots(); });
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters("", recurse)) out.push_back(t);
  return out;
}

NamedTensors Module::named_buffers(const std::string& prefix, bool recurse,
                                   bool remove_duplicate) const {
  return collect(const_cast<Module&>(*this), prefix, recurse, remove_duplicate,
                 [](const Module& m) -> const auto& { return m.buffer_slots(); });
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_buffers("", recurse)) out.push_back(t);
  return out;
}

std::vector<std::pair<std::string, ModulePtr>> Module::named_children() const {
  std::vector<std::pair<std::string, ModulePtr>> out;
  std::unordered_set<const Module*> seen;
  for (const auto& s : children_)
    if (s.live && s.value && seen.insert(s.value.get()).second) out.emplace_back(s.name, s.value);
  return out;
}

std::vector<ModulePtr> Module::children() const {
  std::vector<ModulePtr> out;
  for (auto& [n, m] : named_children()) out.push_back(m);
  return out;
}

namespace {
void walk(Module* m, const std::string& prefix, bool remove_duplicate,
          std::unordered_set<const Module*>& seen,
          std::vector<std::pair<std::string, Module*>>& out) {
  if (remove_duplicate && !seen.insert(m).second) return;
  out.emplace_back(prefix, m);
  for (const auto& s : m->child_slots())
    if (s.live && s.value) walk(s.value.get(), join(prefix, s.name), remove_duplicate, seen, out);
}
}  // namespace

std::vector<std::pair<std::string, Module*>> Module::named_modules(const std::string& prefix,
                                                                   bool remove_duplicate) {
  std::vector<std::pair<std::string, Module*>> out;
  std::unordered_set<const Module*> seen;
  walk(this, prefix, remove_duplicate, seen, out);
  return out;
}

std::vector<Module*> Module::modules() {
  std::vector<Module*> out;
  for (auto& [n, m] : named_modules()) out.push_back(m);
  return out;
}

// ---- state

Module& Module::train(bool on) {
  training_ = on;
  for (auto& c : children()) c->train(on);
  return *this;
}

void Module::zero_grad(bool set_to_none) {
  for (Tensor& p : parameters()) {
    const Tensor& g = p.grad();
    if (!g.defined()) continue;
    if (set_to_none) {
      p.set_grad(Tensor());
    } else if (g.grad_fn() || g.requires_grad()) {
      Tensor d = g.detach();  // drop the graph of a create_graph gradient, keep the memory
      zero_(d);
      p.set_grad(d);
    } else {
      Tensor d = g;
      zero_(d);
    }
  }
}

Module& Module::requires_grad_(bool requires_grad) {
  for (Tensor& p : parameters()) p.set_requires_grad(requires_grad);
  return *this;
}

Module& Module::apply(const std::function<void(Module&)>& fn) {
  for (auto& c : children()) c->apply(fn);
  fn(*this);
  return *this;
}

namespace {
void convert_in_place(const Tensor& t, DType dtype) {
  if (!t.defined() || !is_floating(t.dtype()) || t.dtype() == dtype) return;
  Tensor c = to_dtype(t.detach(), dtype);
  TensorImpl* impl = t.impl();
  impl->storage = c.storage();
  impl->shape = c.shape();
  impl->strides = c.strides();
  impl->offset = c.offset();
  impl->dtype = dtype;
}
}  // namespace

Module& Module::to(DType dtype) {
  EMBER_CHECK(is_floating(dtype), TypeError,
              "[Module.to] expected a floating point dtype (float32 or float64), got ",
              dtype_name(dtype));
  autograd::NoGradGuard guard;
  for (auto& [n, m] : named_modules()) {
    for (const auto& s : m->parameter_slots()) {
      if (!s.live || !s.value.defined()) continue;
      convert_in_place(s.value, dtype);
      const Tensor& g = s.value.grad();
      if (g.defined() && g.dtype() != s.value.dtype()) s.value.impl()->grad = to_dtype(g.detach(), dtype);
    }
    for (const auto& s : m->buffer_slots())
      if (s.live) convert_in_place(s.value, dtype);
  }
  return *this;
}

namespace {
void state_walk(const Module& m, const std::string& prefix, bool keep_vars, NamedTensors& out) {
  for (const auto& s : m.parameter_slots())
    if (s.live && s.value.defined())
      out.emplace_back(prefix + s.name, keep_vars ? s.value : s.value.detach());
  for (const auto& s : m.buffer_slots())
    if (s.live && s.persistent && s.value.defined())
      out.emplace_back(prefix + s.name, keep_vars ? s.value : s.value.detach());
  for (const auto& s : m.child_slots())
    if (s.live && s.value) state_walk(*s.value, prefix + s.name + ".", keep_vars, out);
}
}  // namespace

NamedTensors Module::state_dict(const std::string& prefix, bool keep_vars) const {
  NamedTensors out;
  state_walk(*this, prefix.empty() ? prefix : prefix + ".", keep_vars, out);
  return out;
}

LoadResult Module::load_state_dict(const std::map<std::string, Tensor>& state, bool strict) {
  return load_state_dict(NamedTensors(state.begin(), state.end()), strict);
}

LoadResult Module::load_state_dict(const NamedTensors& state, bool strict) {
  NamedTensors own = state_dict("", /*keep_vars=*/true);
  std::map<std::string, size_t> given;
  for (size_t i = 0; i < state.size(); ++i) given.emplace(state[i].first, i);
  std::set<std::string> expected;
  LoadResult r;
  std::vector<std::string> errors;
  std::vector<std::pair<Tensor, Tensor>> copies;  // (destination, source)
  for (auto& [key, t] : own) {
    expected.insert(key);
    auto it = given.find(key);
    if (it == given.end()) {
      r.missing_keys.push_back(key);
      continue;
    }
    const Tensor& src = state[it->second].second;
    if (!src.defined()) {
      errors.push_back(detail::cat("While copying the parameter named \"", key,
                                   "\", the value in the checkpoint is None."));
      continue;
    }
    if (src.shape() != t.shape()) {
      errors.push_back(detail::cat("size mismatch for ", key, ": copying a param with shape ",
                                   shape_str(src.shape()),
                                   " from checkpoint, the shape in current model is ",
                                   shape_str(t.shape()), "."));
      continue;
    }
    copies.emplace_back(t, src);
  }
  for (const auto& [key, t] : state)
    if (!expected.count(key)) r.unexpected_keys.push_back(key);

  if (strict) {
    auto quoted = [](const std::vector<std::string>& keys) {
      std::string s;
      for (size_t i = 0; i < keys.size(); ++i) s += (i ? ", \"" : "\"") + keys[i] + "\"";
      return s;
    };
    if (!r.unexpected_keys.empty())
      errors.insert(errors.begin(),
                    "Unexpected key(s) in state_dict: " + quoted(r.unexpected_keys) + ". ");
    if (!r.missing_keys.empty())
      errors.insert(errors.begin(),
                    "Missing key(s) in state_dict: " + quoted(r.missing_keys) + ". ");
  }
  if (!errors.empty()) {
    std::string msg = "Error(s) in loading state_dict for " + name() + ":";
    for (const auto& e : errors) msg += "\n\t" + e;
    throw RuntimeError(msg);
  }
  autograd::NoGradGuard guard;
  for (auto& [dst, src] : copies) {
    Tensor d = dst.detach();  // same storage; a detached view so leaves requiring grad accept it
    copy_(d, src.detach());
  }
  return r;
}

// ---- repr

std::string add_indent(const std::string& s, int n) {
  if (s.find('\n') == std::string::npos) return s;
  std::string out, pad(n, ' ');
  for (char c : s) {
    out += c;
    if (c == '\n') out += pad;
  }
  return out;
}

std::string Module::repr_with(const ReprFn& child_repr, const std::string& type_name,
                              const std::string& extra) const {
  std::vector<std::string> extra_lines, child_lines;
  if (!extra.empty()) {
    std::istringstream in(extra);
    std::string line;
    while (std::getline(in, line)) extra_lines.push_back(line);
    if (extra.back() == '\n') extra_lines.push_back("");
  }
  for (const auto& s : children_)
    if (s.live) child_lines.push_back("(" + s.name + "): " + add_indent(child_repr(s.value), 2));
  std::string out = type_name + "(";
  if (!extra_lines.empty() || !child_lines.empty()) {
    if (extra_lines.size() == 1 && child_lines.empty()) {
      out += extra_lines[0];
    } else {
      out += "\n  ";
      bool first = true;
      for (const auto* group : {&extra_lines, &child_lines})
        for (const auto& l : *group) {
          if (!first) out += "\n  ";
          out += l;
          first = false;
        }
      out += "\n";
    }
  }
  return out + ")";
}

std::string Module::repr() const {
  return repr_with([](const ModulePtr& c) { return c ? c->repr() : std::string("None"); }, name(),
                   extra_repr());
}

std::string float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  // Shortest digits that read back as v (what Python's repr picks).
  char buf[64];
  int prec = 1;
  for (; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s(buf);  // [-]d[.ddd]e[+-]xx
  bool neg = s[0] == '-';
  if (neg) s = s.substr(1);
  size_t epos = s.find('e');
  int exp10 = std::atoi(s.c_str() + epos + 1);
  std::string digits;
  for (size_t i = 0; i < epos; ++i)
    if (s[i] != '.') digits += s[i];
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out;
  if (exp10 >= -4 && exp10 < 16) {  // Python's repr: fixed notation for 1e-4 <= |v| < 1e16
    if (exp10 < 0) {
      out = "0." + std::string(static_cast<size_t>(-exp10 - 1), '0') + digits;
    } else if (static_cast<int>(digits.size()) <= exp10 + 1) {
      out = digits + std::string(static_cast<size_t>(exp10 + 1 - static_cast<int>(digits.size())), '0') + ".0";
    } else {
      out = digits.substr(0, static_cast<size_t>(exp10 + 1)) + "." + digits.substr(static_cast<size_t>(exp10 + 1));
    }
  }
  if (out.empty()) {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char e[16];
    std::snprintf(e, sizeof e, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
    out += e;
  }
  return neg ? "-" + out : out;
}

}  // namespace ember::nn
