// Bindings for reductions.
#include "bind.h"

namespace ember::python {

void bind_reduce(py::module_& m, TensorClass& cls) {
  m.def("sum", [](const Tensor& t) { return sum(t); }, py::call_guard<py::gil_scoped_release>());
}

}  // namespace ember::python
