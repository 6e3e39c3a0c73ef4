// Bindings of positional encodings, rotary embeddings and the KV cache.
#include "bind.h"

namespace ember::python {

void bind_nn_position(py::module_& m, TensorClass& cls) {
  (void)m;
  (void)cls;
}

}  // namespace ember::python
