// Bindings of the recurrent layers of ember._C.nn (RNN, LSTM, GRU, cells).
#include "bind.h"

namespace ember::python {

void bind_nn_rnn(py::module_& m, TensorClass& cls) {
  (void)m;
  (void)cls;
}

}  // namespace ember::python
