// Bindings of MultiheadAttention and the Transformer layers of ember._C.nn.
#include "bind.h"

namespace ember::python {

void bind_nn_transformer(py::module_& m, TensorClass& cls) {
  (void)m;
  (void)cls;
}

}  // namespace ember::python
