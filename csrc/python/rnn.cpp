// Bindings of recurrent ops (ops/rnn.h): rnn layers and cells.
#include "bind.h"

namespace ember::python {

void bind_rnn(py::module_& m, TensorClass& cls) {
  (void)m;
  (void)cls;
}

}  // namespace ember::python
