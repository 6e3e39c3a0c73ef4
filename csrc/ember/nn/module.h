// ember::nn::Module: the base of every layer. Ordered registries of parameters, buffers and
// child modules, recursive traversal (named_parameters, state_dict, train/eval, apply) and
// state_dict loading with PyTorch's names and error messages. Usable without Python; the
// same class is ember.nn.Module in Python (csrc/python/nn.cpp), so Python models and C++
// layers mix in one tree. Modules are not thread-safe to mutate, but nothing here is global:
// different modules may run forward concurrently on different threads.
//
// Recipe: adding a C++ layer and its binding (about 30 lines)
//   1. csrc/ember/nn/<layer>.h/.cpp:
//        class Linear : public Module {
//         public:
//          Linear(int64_t in, int64_t out, bool bias = true) : in_(in), out_(out) {
//            weight_ = register_parameter("weight", empty({out, in}));
//            bias_ = register_parameter("bias", bias ? empty({out}) : Tensor());
//            reset_parameters();
//          }
//          std::string name() const override { return "Linear"; }
//          std::string extra_repr() const override;        // "in_features=4, ..."
//          Tensor forward(const Tensor& x) override {       // read params through the slot,
//            return linear(x, param(weight_), param(bias_)); // never a cached copy, so
//          }                                                 // `layer.weight = P(...)` works
//         private:
//          int64_t in_, out_;
//          size_t weight_, bias_;  // registry slots
//        };
//      Add the header to csrc/ember/ember.h.
//   2. Binding (csrc/python/nn_<topic>.cpp, called after bind_nn in module.cpp):
//        py::module_ nn = m.attr("nn").cast<py::module_>();
//        py::class_<nn::Linear, nn::Module, std::shared_ptr<nn::Linear>>(nn, "Linear")
//            .def(py::init<int64_t, int64_t, bool>(), py::arg("in_features"),
//                 py::arg("out_features"), py::arg("bias") = true)
//            .def_property_readonly("in_features", ...);
//      Nothing else: forward, __call__, attribute access to weight/bias, repr, state_dict,
//      train/eval come from the Module binding (forward dispatches virtually). To let Python
//      subclasses of the layer override forward / extra_repr also when called from C++
//      (inside Sequential), add the trampoline of csrc/python/nn.h:
//        py::class_<nn::Linear, nn::Module, python::PyModule<nn::Linear>,
//                   std::shared_ptr<nn::Linear>>
//      (py::init<...> then builds the trampoline only for Python subclasses). A layer that
//      takes modules from Python (TransformerEncoder(layer)) converts them with
//      python::module_ptr(obj, "op"), which keeps the Python object alive.
//   3. Re-export it in python/ember/nn/__init__.py.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ember/autograd/hooks.h"
#include "ember/core/error.h"
#include "ember/core/tensor.h"
#include "ember/nn/hooks.h"

namespace ember {

// Missing or clashing names in a module registry; Python KeyError (a ValueError in C++ code
// that does not know the type).
struct KeyError : ValueError { using ValueError::ValueError; };

namespace nn {

class Module;
using ModulePtr = std::shared_ptr<Module>;
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// One registry entry. Removed entries stay as dead slots so the slot numbers that C++
// layers hold stay valid; re-registering the same name revives the slot.
template <class T>
struct Slot {
  std::string name;
  T value;  // undefined Tensor / null module: registered as None (like PyTorch)
  bool persistent = true;  // buffers only: part of state_dict
  bool live = true;
};

struct LoadResult {
  std::vector<std::string> missing_keys, unexpected_keys;
};

// A double printed as Python's repr would (shortest round-trip digits): for extra_repr.
std::string float_repr(double v);

class Module : public std::enable_shared_from_this<Module> {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module& operator=(const Module&) = delete;

  // Class name shown by repr and in error messages.
  virtual std::string name() const { return "Module"; }
  // Text inside the parentheses of repr (e.g. "in_features=4, out_features=3").
  virtual std::string extra_repr() const { return ""; }
  // The single-tensor forward used by Sequential; raises NotImplementedError by default.
  virtual Tensor forward(const Tensor& input);
  // Calls forward between the forward hooks (nn/hooks.h): how containers and layers call
  // their children, so that hooks fire as in PyTorch.
  Tensor operator()(const Tensor& input);
  // The same for a forward of several tensors: forward(args) runs between the hooks, which see
  // args (the positional tensors; undefined for None) and forward's outputs. Layers with such
  // a forward give it an operator() of the same signature built on this.
  using Forward = std::function<std::vector<Tensor>(const std::vector<Tensor>& args)>;
  std::vector<Tensor> call(std::vector<Tensor> args, const Forward& forward);

  // ---- hooks (nn/hooks.h), in registration order (prepend: before the others of its kind).
  // The handle removes the hook from this module only (a copy keeps its own hooks).
  using HookHandle = autograd::HookHandle;
  HookHandle register_forward_pre_hook(std::shared_ptr<ForwardPreHook> hook, bool prepend = false);
  HookHandle register_forward_hook(std::shared_ptr<ForwardHook> hook, bool prepend = false,
                                   bool always_call = false);
  // Lambda forms: hook(module, input) / hook(module, input, output) -> Tensor (undefined:
  // keep the input / output).
  HookHandle register_forward_pre_hook(std::function<Tensor(Module&, const Tensor&)> hook,
                                       bool prepend = false);
  HookHandle register_forward_hook(std::function<Tensor(Module&, const Tensor&, const Tensor&)> hook,
                                   bool prepend = false, bool always_call = false);
  // Backward hooks (PyTorch's register_full_backward_pre_hook / register_full_backward_hook).
  HookHandle register_full_backward_pre_hook(std::shared_ptr<BackwardPreHook> hook,
                                             bool prepend = false);
  HookHandle register_full_backward_hook(std::shared_ptr<BackwardHook> hook, bool prepend = false);
  // All hooks (null when none was ever registered), for the bindings.
  const std::shared_ptr<ModuleHooks>& hooks() const { return hooks_.lists; }
  // Replaces this module's hooks by a copy of other's (what copying a module does).
  void copy_hooks(const Module& other) { hooks_.lists = HookSlot(other.hooks_).lists; }

  // ---- registration: name must be non-empty, without '.', not used by another kind.
  // Registering an existing name of the same kind replaces the value in its slot.
  // register_parameter marks t as a parameter and sets requires_grad (if t is defined).
  size_t register_parameter(const std::string& name, Tensor t, bool requires_grad = true);
  size_t register_buffer(const std::string& name, Tensor t, bool persistent = true);
  // Layers with children keep the slot and use child_as<M>(slot) in forward (Python may
  // replace the child).
  size_t register_module(const std::string& name, ModulePtr module);

  // ---- slot access (what layers use in forward)
  const Tensor& param(size_t slot) const { return params_.at(slot).value; }
  const Tensor& buffer(size_t slot) const { return buffers_.at(slot).value; }
  Module* child(size_t slot) const { return children_.at(slot).value.get(); }
  // The child in slot as type M; TypeError when it was replaced by another type.
  template <class M>
  M& child_as(size_t slot) const {
    M* m = dynamic_cast<M*>(child(slot));
    EMBER_CHECK(m != nullptr, TypeError, "[", name(), "] child '", children_.at(slot).name,
                "' is missing or not of the expected type");
    return *m;
  }

  // ---- lookup by name (nullptr when absent; a present entry may hold None)
  Tensor* find_parameter(const std::string& name);
  Tensor* find_buffer(const std::string& name);
  ModulePtr* find_child(const std::string& name);
  bool is_persistent_buffer(const std::string& name) const;
  // Removes a parameter, buffer or child; returns false when no entry has that name.
  bool remove(const std::string& name);
  // For parametrizations (ember.nn.utils.parametrize): sets the value that param(slot) gives
  // for the removed parameter `name` (it stays out of parameters() and state_dict), so the
  // layer's forward reads the computed tensor. False when no dead parameter slot has the name.
  bool set_removed_parameter(const std::string& name, Tensor value);
  // Direct entries in registration order (live ones), for bindings and containers.
  const std::vector<Slot<Tensor>>& parameter_slots() const { return params_; }
  const std::vector<Slot<Tensor>>& buffer_slots() const { return buffers_; }
  const std::vector<Slot<ModulePtr>>& child_slots() const { return children_; }

  // ---- traversal (entries holding None are skipped, like PyTorch)
  NamedTensors named_parameters(const std::string& prefix = "", bool recurse = true,
                                bool remove_duplicate = true) const;
  std::vector<Tensor> parameters(bool recurse = true) const;
  NamedTensors named_buffers(const std::string& prefix = "", bool recurse = true,
                             bool remove_duplicate = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  std::vector<std::pair<std::string, ModulePtr>> named_children() const;  // each once
  std::vector<ModulePtr> children() const;
  // Self first with name prefix, then depth first with dotted names.
  std::vector<std::pair<std::string, Module*>> named_modules(const std::string& prefix = "",
                                                             bool remove_duplicate = true);
  std::vector<Module*> modules();

  // ---- state
  Module& train(bool on = true);  // recursive
  Module& eval() { return train(false); }
  bool is_training() const { return training_; }
  void set_training(bool on) { training_ = on; }  // this module only
  void zero_grad(bool set_to_none = true);
  Module& requires_grad_(bool requires_grad = true);
  // Calls fn on every child (recursively, children first) and then on this module.
  Module& apply(const std::function<void(Module&)>& fn);
  // Converts floating point parameters and buffers (and their grads) to dtype in place:
  // the same TensorImpl gets the new storage, so every holder sees the conversion.
  Module& to(DType dtype);
  Module& float_() { return to(DType::Float32); }
  Module& double_() { return to(DType::Float64); }

  // Parameters then persistent buffers of each module, recursively, dotted names; values
  // are detached and share memory (keep_vars keeps the registered tensors themselves).
  NamedTensors state_dict(const std::string& prefix = "", bool keep_vars = false) const;
  // Copies values into the existing tensors (in place, no grad, dtype converted). Raises
  // RuntimeError listing every problem (missing / unexpected keys when strict, and shape
  // mismatches always), PyTorch's message; nothing is copied when it raises.
  LoadResult load_state_dict(const NamedTensors& state, bool strict = true);
  LoadResult load_state_dict(const std::map<std::string, Tensor>& state, bool strict = true);

  // PyTorch's nested repr. child_repr gives the text of a child (bindings pass Python's
  // repr); type_name and extra are this module's class name and extra_repr().
  using ReprFn = std::function<std::string(const ModulePtr&)>;
  virtual std::string repr_with(const ReprFn& child_repr, const std::string& type_name,
                                const std::string& extra) const;
  std::string repr() const;

  // A new module of the same class and configuration whose registries hold this module's
  // tensors and children (shared, not copied): the first step of a deep copy, which then
  // replaces them by copies (Python's copy.deepcopy does). NotImplementedError for a class
  // without EMBER_MODULE_COPY (never a copy of the wrong class).
  ModulePtr shallow_copy() const;

 protected:
  // Copies configuration and registry entries; layers inherit it (EMBER_MODULE_COPY).
  Module(const Module&) = default;
  // Override through EMBER_MODULE_COPY(Class); the base has none (nullptr).
  virtual ModulePtr copy_self() const { return nullptr; }
  // Containers edit their children directly (renumbering after insert / delete).
  std::vector<Slot<ModulePtr>>& mutable_child_slots() { return children_; }
  void check_new_name(const std::string& name, const char* kind, int own_kind) const;
  // Raises ValueError when adding child under this module would make the tree a cycle.
  void check_no_cycle(const ModulePtr& child, const std::string& name) const;

 private:
  std::vector<Slot<Tensor>> params_;
  std::vector<Slot<Tensor>> buffers_;
  std::vector<Slot<ModulePtr>> children_;
  bool training_ = true;
  // A copy of a module gets copies of the hook lists, so handles only touch the original.
  struct HookSlot {
    std::shared_ptr<ModuleHooks> lists;
    HookSlot() = default;
    HookSlot(const HookSlot& o)
        : lists(o.lists ? std::make_shared<ModuleHooks>(*o.lists) : nullptr) {}
    HookSlot& operator=(const HookSlot&) = delete;
  };
  HookSlot hooks_;
  const std::shared_ptr<ModuleHooks>& hook_lists();  // created on first use
};

// Declares a layer copyable (in its public section): Module::shallow_copy uses the copy
// constructor of exactly this class.
#define EMBER_MODULE_COPY(Class)                                                         \
  ::ember::nn::ModulePtr copy_self() const override { return std::make_shared<Class>(*this); }

// PyTorch's _addindent: indents every line but the first by n spaces.
std::string add_indent(const std::string& s, int n);

}  // namespace nn
}  // namespace ember
