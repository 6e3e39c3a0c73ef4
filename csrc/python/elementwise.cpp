// Bindings for elementwise ops and the Tensor arithmetic operators.
#include "bind.h"

namespace ember::python {

void bind_elementwise(py::module_& m, TensorClass& cls) {
  using R = py::call_guard<py::gil_scoped_release>;
  m.def("add", py::overload_cast<const Tensor&, const Tensor&>(&add), R());
  m.def("mul", py::overload_cast<const Tensor&, const Tensor&>(&mul), R());
  cls.def("__add__", py::overload_cast<const Tensor&, const Tensor&>(&add), R());
  cls.def("__mul__", py::overload_cast<const Tensor&, const Tensor&>(&mul), R());
}

}  // namespace ember::python
