// Bindings of scaled_dot_product_attention (ops/attention.h).
#include "bind.h"

namespace ember::python {

void bind_attention(py::module_& m, TensorClass& cls) {
  (void)m;
  (void)cls;
}

}  // namespace ember::python
