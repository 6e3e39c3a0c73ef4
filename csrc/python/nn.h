// Helpers shared by the nn binding files: the trampoline that lets Python subclasses
// override forward / extra_repr when a module is called from C++ (inside Sequential), make
// and factory for layer constructors, and module_ptr, which turns a Python module into a
// shared_ptr that keeps the Python object (its __dict__ and Python forward) alive while C++
// holds it; PyRef, every strong reference C++ keeps to a Python object.
#pragma once
#include <memory>
#include <string>
#include <utility>

#include "bind.h"
#include "ember/nn/module.h"

namespace ember::python {

// A strong reference to a Python object held by C++ (a hook's callable, the Python module
// behind a child registered from Python, a callable activation): dropped under the GIL.
// Modules report the ones they own to Python's garbage collector (module_gc.cpp), so that
// cycles through them are collected.
class PyRef {
 public:
  explicit PyRef(py::object obj) : obj_(std::move(obj)) {}
  ~PyRef() { reset(); }
  PyRef(const PyRef&) = delete;
  PyRef& operator=(const PyRef&) = delete;
  const py::object& get() const { return obj_; }
  void reset();

 private:
  py::object obj_;
};

// What every Python module hook is (nn_hooks.cpp): module_gc.cpp finds its callable.
struct PyHookBase {
  virtual ~PyHookBase() = default;
  virtual PyRef& callable() = 0;
};

// The PyRef keeping a module alive when it was registered from Python (module_ptr), else
// nullptr.
const PyRef* python_owner(const nn::ModulePtr& module);

template <class Base = nn::Module>
class PyModule : public Base {
 public:
  using Base::Base;
  Tensor forward(const Tensor& input) override { PYBIND11_OVERRIDE(Tensor, Base, forward, input); }
  std::string extra_repr() const override { PYBIND11_OVERRIDE(std::string, Base, extra_repr, ); }
  // The Python class name (type(self).__name__), for error messages of C++ code.
  std::string name() const override {
    py::gil_scoped_acquire gil;
    py::object self = py::cast(static_cast<const Base*>(this), py::return_value_policy::reference);
    return py::str(py::type::of(self).attr("__name__"));
  }
};

// The plain C++ class for exact types, the trampoline for Python subclasses: C++ callers of
// a plain module never touch the GIL (py::init(class_factory, alias_factory) picks).
template <class C, class... A>
std::shared_ptr<C> make(bool alias, A&&... a) {
  if (alias) return std::make_shared<PyModule<C>>(std::forward<A>(a)...);
  return std::make_shared<C>(std::forward<A>(a)...);
}

// Applies PyTorch's factory kwargs to a new layer: device None / 'cpu', dtype None or floating.
template <class C>
std::shared_ptr<C> factory(std::shared_ptr<C> m, const py::object& device, const py::object& dtype,
                           const char* op) {
  if (!device.is_none() && std::string(py::str(device)).rfind("cpu", 0) != 0)
    throw py::value_error(std::string("[") + op + "] only device='cpu' is supported, got " +
                          std::string(py::str(device)));
  if (auto dt = dtype_arg(dtype, op)) m->to(*dt);
  return m;
}

// The C++ module of self, or nullptr when self is not a Module or its Module.__init__() has
// not run yet.
nn::Module* maybe_module(const py::handle& self);

using ModuleClass = py::class_<nn::Module, PyModule<nn::Module>, std::shared_ptr<nn::Module>>;

// Adds register_forward_pre_hook / register_forward_hook to Module (nn_hooks.cpp).
void bind_module_hooks(ModuleClass& mod);

// Lets Python's garbage collector see the references modules of type module_type (and its
// subclasses bound so far) hold through C++ (module_gc.cpp).
void enable_module_gc(const py::handle& module_type);

// Module.__call__: forward between the module's forward hooks (csrc/python/nn_hooks.cpp).
py::object call_module(const py::handle& self, py::args args, py::kwargs kwargs);

// The module held by obj (any ember.nn.Module), sharing ownership with the Python object.
// TypeError when obj is not a Module or its Module.__init__() was not called.
nn::ModulePtr module_ptr(const py::handle& obj, const char* op);

}  // namespace ember::python
