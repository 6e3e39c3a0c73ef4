// Helpers shared by the nn binding files: the trampoline that lets Python subclasses
// override forward / extra_repr when a module is called from C++ (inside Sequential), and
// module_ptr, which turns a Python module into a shared_ptr that keeps the Python object
// (its __dict__ and Python forward) alive while C++ holds it.
#pragma once
#include <string>

#include "bind.h"
#include "ember/nn/module.h"

namespace ember::python {

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

// The module held by obj (any ember.nn.Module), sharing ownership with the Python object.
// TypeError when obj is not a Module or its Module.__init__() was not called.
nn::ModulePtr module_ptr(const py::handle& obj, const char* op);

}  // namespace ember::python
