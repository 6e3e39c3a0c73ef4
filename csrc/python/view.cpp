// Bindings for the view ops.
#include "bind.h"

namespace ember::python {

void bind_view(py::module_& m, TensorClass& cls) {}

}  // namespace ember::python
