// Bindings for the creation ops.
#include "bind.h"

namespace ember::python {

void bind_creation(py::module_& m, TensorClass& cls) {}

}  // namespace ember::python
