// Bindings for the linalg ops.
#include "bind.h"

namespace ember::python {

void bind_linalg(py::module_& m, TensorClass& cls) {}

}  // namespace ember::python
