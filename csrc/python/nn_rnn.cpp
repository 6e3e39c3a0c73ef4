// Bindings of the recurrent layers of ember._C.nn (RNN, LSTM, GRU, their cells) and of the
// packed-sequence helpers behind ember.nn.utils.rnn (_pack_padded_sequence, ...). A Python
// PackedSequence (ember.nn.utils.rnn, a namedtuple) crosses as its four fields.
#include <optional>

#include "nn.h"

namespace ember::python {

namespace {

using nn::Module;
template <class C, class B>
using LayerClass = py::class_<C, B, PyModule<C>, std::shared_ptr<C>>;
using R = py::call_guard<py::gil_scoped_release>;

py::object or_none(const Tensor& t) { return t.defined() ? py::cast(t) : py::object(py::none()); }

Tensor tensor_arg(const py::handle& o, const std::string& op, const char* arg) {
  if (o.is_none()) return Tensor();
  if (!py::isinstance<Tensor>(o))
    throw py::type_error("[" + op + "] expected " + arg + " to be a Tensor or None, got " +
                         std::string(py::str(py::type::of(o).attr("__name__"))));
  return o.cast<Tensor>();
}

bool is_packed(const py::handle& o) {
  return !py::isinstance<Tensor>(o) && py::hasattr(o, "batch_sizes") && py::hasattr(o, "data");
}

nn::PackedSequence to_packed(const py::handle& o, const std::string& op) {
  nn::PackedSequence p;
  p.data = tensor_arg(o.attr("data"), op, "data");
  p.batch_sizes = tensor_arg(o.attr("batch_sizes"), op, "batch_sizes");
  if (py::hasattr(o, "sorted_indices"))
    p.sorted_indices = tensor_arg(o.attr("sorted_indices"), op, "sorted_indices");
  if (py::hasattr(o, "unsorted_indices"))
    p.unsorted_indices = tensor_arg(o.attr("unsorted_indices"), op, "unsorted_indices");
  return p;
}

py::tuple fields(const nn::PackedSequence& p) {
  return py::make_tuple(or_none(p.data), or_none(p.batch_sizes), or_none(p.sorted_indices),
                        or_none(p.unsorted_indices));
}

py::object from_packed(const nn::PackedSequence& p) {
  py::object cls = py::module_::import("ember.nn.utils.rnn").attr("PackedSequence");
  return cls(*fields(p));
}

// A layer's input: a Tensor or a PackedSequence (TypeError otherwise).
void check_input(const py::handle& input, const std::string& op) {
  if (!py::isinstance<Tensor>(input) && !is_packed(input))
    throw py::type_error("[" + op + "] expected input to be a Tensor or a PackedSequence, got " +
                         std::string(py::str(py::type::of(input).attr("__name__"))));
}

// forward(input, hx) of RNN / GRU (hx a Tensor) and LSTM (hx a tuple (h_0, c_0)).
py::tuple layer_forward(nn::RNNBase& l, const py::object& input, const py::object& hx) {
  std::string op = l.name();
  check_input(input, op);
  bool lstm = l.mode == RNNMode::lstm;
  Tensor h0, c0;
  if (lstm && !hx.is_none()) {
    if (!py::isinstance<py::tuple>(hx) || py::len(hx) != 2)
      throw py::type_error("[" + op + "] expected hx to be a tuple (h_0, c_0), got " +
                           std::string(py::str(py::type::of(hx).attr("__name__"))));
    h0 = tensor_arg(hx[py::int_(0)], op, "h_0");
    c0 = tensor_arg(hx[py::int_(1)], op, "c_0");
  } else {
    h0 = tensor_arg(hx, op, "hx");
  }
  py::object out;
  Tensor hn, cn;
  if (is_packed(input)) {
    nn::PackedSequence p = to_packed(input, op);
    nn::PackedRNNResult r;
    {
      py::gil_scoped_release release;
      r = l.nn::RNNBase::forward(p, h0, c0);
    }
    out = from_packed(r.output);
    hn = r.h_n;
    cn = r.c_n;
  } else {
    Tensor x = input.cast<Tensor>();
    nn::RNNResult r;
    {
      py::gil_scoped_release release;
      r = l.nn::RNNBase::forward(x, h0, c0);
    }
    out = py::cast(r.output);
    hn = r.h_n;
    cn = r.c_n;
  }
  if (lstm) return py::make_tuple(out, py::make_tuple(hn, cn));
  return py::make_tuple(out, hn);
}

void bind_layers(py::module_& nn) {
  py::class_<nn::RNNBase, Module, std::shared_ptr<nn::RNNBase>>(
      nn, "RNNBase", "Base of RNN, LSTM and GRU: the shared stacking of layers and directions.")
      .def("forward", &layer_forward, py::arg("input"), py::arg("hx") = py::none())
      .def("reset_parameters", &nn::RNNBase::reset_parameters)
      .def("flatten_parameters", &nn::RNNBase::flatten_parameters)
      .def_property_readonly("mode", [](const nn::RNNBase& l) -> std::string {
        switch (l.mode) {
          case RNNMode::lstm: return "LSTM";
          case RNNMode::gru: return "GRU";
          case RNNMode::relu: return "RNN_RELU";
          default: return "RNN_TANH";
        }
      })
      .def_readonly("input_size", &nn::RNNBase::input_size)
      .def_readonly("hidden_size", &nn::RNNBase::hidden_size)
      .def_readonly("num_layers", &nn::RNNBase::num_layers)
      .def_readonly("bias", &nn::RNNBase::bias)
      .def_readonly("batch_first", &nn::RNNBase::batch_first)
      .def_readonly("dropout", &nn::RNNBase::dropout)
      .def_readonly("bidirectional", &nn::RNNBase::bidirectional)
      .def_readonly("proj_size", &nn::RNNBase::proj_size);

  LayerClass<nn::RNN, nn::RNNBase>(
      nn, "RNN", "Elman RNN: h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), act tanh or relu.")
      .def(py::init([](int64_t i, int64_t h, int64_t n, std::string nl, bool b, bool bf, double d,
                       bool bi, py::object dev, py::object dt) {
             return factory(make<nn::RNN>(false, i, h, n, nl, b, bf, d, bi), dev, dt, "RNN");
           }, [](int64_t i, int64_t h, int64_t n, std::string nl, bool b, bool bf, double d,
                 bool bi, py::object dev, py::object dt) {
             return factory(make<nn::RNN>(true, i, h, n, nl, b, bf, d, bi), dev, dt, "RNN");
           }), py::arg("input_size"), py::arg("hidden_size"), py::arg("num_layers") = 1,
           py::arg("nonlinearity") = "tanh", py::arg("bias") = true, py::arg("batch_first") = false,
           py::arg("dropout") = 0.0, py::arg("bidirectional") = false,
           py::arg("device") = py::none(), py::arg("dtype") = py::none())
      .def_readonly("nonlinearity", &nn::RNN::nonlinearity);

  LayerClass<nn::LSTM, nn::RNNBase>(
      nn, "LSTM", "Long short-term memory; gates i, f, g, o; proj_size > 0 projects h_t.")
      .def(py::init([](int64_t i, int64_t h, int64_t n, bool b, bool bf, double d, bool bi,
                       int64_t p, py::object dev, py::object dt) {
             return factory(make<nn::LSTM>(false, i, h, n, b, bf, d, bi, p), dev, dt, "LSTM");
           }, [](int64_t i, int64_t h, int64_t n, bool b, bool bf, double d, bool bi, int64_t p,
                 py::object dev, py::object dt) {
             return factory(make<nn::LSTM>(true, i, h, n, b, bf, d, bi, p), dev, dt, "LSTM");
           }), py::arg("input_size"), py::arg("hidden_size"), py::arg("num_layers") = 1,
           py::arg("bias") = true, py::arg("batch_first") = false, py::arg("dropout") = 0.0,
           py::arg("bidirectional") = false, py::arg("proj_size") = 0,
           py::arg("device") = py::none(), py::arg("dtype") = py::none());

  LayerClass<nn::GRU, nn::RNNBase>(nn, "GRU", "Gated recurrent unit; gates r, z, n.")
      .def(py::init([](int64_t i, int64_t h, int64_t n, bool b, bool bf, double d, bool bi,
                       py::object dev, py::object dt) {
             return factory(make<nn::GRU>(false, i, h, n, b, bf, d, bi), dev, dt, "GRU");
           }, [](int64_t i, int64_t h, int64_t n, bool b, bool bf, double d, bool bi,
                 py::object dev, py::object dt) {
             return factory(make<nn::GRU>(true, i, h, n, b, bf, d, bi), dev, dt, "GRU");
           }), py::arg("input_size"), py::arg("hidden_size"), py::arg("num_layers") = 1,
           py::arg("bias") = true, py::arg("batch_first") = false, py::arg("dropout") = 0.0,
           py::arg("bidirectional") = false, py::arg("device") = py::none(),
           py::arg("dtype") = py::none());
}

void bind_cells(py::module_& nn) {
  py::class_<nn::RNNCellBase, Module, std::shared_ptr<nn::RNNCellBase>>(
      nn, "RNNCellBase", "Base of RNNCell, LSTMCell and GRUCell.")
      .def("reset_parameters", &nn::RNNCellBase::reset_parameters)
      .def_readonly("input_size", &nn::RNNCellBase::input_size)
      .def_readonly("hidden_size", &nn::RNNCellBase::hidden_size)
      .def_readonly("bias", &nn::RNNCellBase::bias);

  LayerClass<nn::RNNCell, nn::RNNCellBase>(nn, "RNNCell", "One step of an Elman RNN.")
      .def(py::init([](int64_t i, int64_t h, bool b, std::string nl, py::object dev, py::object dt) {
             return factory(make<nn::RNNCell>(false, i, h, b, nl), dev, dt, "RNNCell");
           }, [](int64_t i, int64_t h, bool b, std::string nl, py::object dev, py::object dt) {
             return factory(make<nn::RNNCell>(true, i, h, b, nl), dev, dt, "RNNCell");
           }), py::arg("input_size"), py::arg("hidden_size"), py::arg("bias") = true,
           py::arg("nonlinearity") = "tanh", py::arg("device") = py::none(),
           py::arg("dtype") = py::none())
      .def("forward", [](nn::RNNCell& c, const Tensor& x, std::optional<Tensor> hx) {
             return c.nn::RNNCell::forward(x, hx ? *hx : Tensor());
           }, py::arg("input"), py::arg("hx") = py::none(), R())
      .def_readonly("nonlinearity", &nn::RNNCell::nonlinearity);

  LayerClass<nn::LSTMCell, nn::RNNCellBase>(nn, "LSTMCell", "One LSTM step; returns (h_1, c_1).")
      .def(py::init([](int64_t i, int64_t h, bool b, py::object dev, py::object dt) {
             return factory(make<nn::LSTMCell>(false, i, h, b), dev, dt, "LSTMCell");
           }, [](int64_t i, int64_t h, bool b, py::object dev, py::object dt) {
             return factory(make<nn::LSTMCell>(true, i, h, b), dev, dt, "LSTMCell");
           }), py::arg("input_size"), py::arg("hidden_size"), py::arg("bias") = true,
           py::arg("device") = py::none(), py::arg("dtype") = py::none())
      .def("forward", [](nn::LSTMCell& c, const Tensor& x, const py::object& hx) {
             Tensor h, cc;
             if (!hx.is_none()) {
               if (!py::isinstance<py::tuple>(hx) || py::len(hx) != 2)
                 throw py::type_error("[" + c.name() + "] expected hx to be a tuple (h_0, c_0), got " +
                                      std::string(py::str(py::type::of(hx).attr("__name__"))));
               h = tensor_arg(hx[py::int_(0)], c.name(), "h_0");
               cc = tensor_arg(hx[py::int_(1)], c.name(), "c_0");
             }
             py::gil_scoped_release release;
             return c.nn::LSTMCell::forward(x, h, cc);
           }, py::arg("input"), py::arg("hx") = py::none());

  LayerClass<nn::GRUCell, nn::RNNCellBase>(nn, "GRUCell", "One GRU step.")
      .def(py::init([](int64_t i, int64_t h, bool b, py::object dev, py::object dt) {
             return factory(make<nn::GRUCell>(false, i, h, b), dev, dt, "GRUCell");
           }, [](int64_t i, int64_t h, bool b, py::object dev, py::object dt) {
             return factory(make<nn::GRUCell>(true, i, h, b), dev, dt, "GRUCell");
           }), py::arg("input_size"), py::arg("hidden_size"), py::arg("bias") = true,
           py::arg("device") = py::none(), py::arg("dtype") = py::none())
      .def("forward", [](nn::GRUCell& c, const Tensor& x, std::optional<Tensor> hx) {
             return c.nn::GRUCell::forward(x, hx ? *hx : Tensor());
           }, py::arg("input"), py::arg("hx") = py::none(), R());
}

void bind_utils(py::module_& nn) {
  nn.def("_pack_padded_sequence", [](const Tensor& input, std::vector<int64_t> lengths,
                                     bool batch_first, bool enforce_sorted) {
    nn::PackedSequence p;
    {
      py::gil_scoped_release release;
      p = nn::pack_padded_sequence(input, lengths, batch_first, enforce_sorted);
    }
    return fields(p);
  }, py::arg("input"), py::arg("lengths"), py::arg("batch_first") = false,
     py::arg("enforce_sorted") = true);
  nn.def("_pad_packed_sequence", [](const py::object& seq, bool batch_first, double padding_value,
                                    std::optional<int64_t> total_length) {
    nn::PackedSequence p = to_packed(seq, "pad_packed_sequence");
    py::gil_scoped_release release;
    return nn::pad_packed_sequence(p, batch_first, padding_value, total_length);
  }, py::arg("sequence"), py::arg("batch_first") = false, py::arg("padding_value") = 0.0,
     py::arg("total_length") = py::none());
  nn.def("_pad_sequence", [](const std::vector<Tensor>& seqs, bool batch_first, double padding_value,
                             const std::string& padding_side) {
    return nn::pad_sequence(seqs, batch_first, padding_value, padding_side);
  }, py::arg("sequences"), py::arg("batch_first") = false, py::arg("padding_value") = 0.0,
     py::arg("padding_side") = "right", R());
  nn.def("_pack_sequence", [](const std::vector<Tensor>& seqs, bool enforce_sorted) {
    nn::PackedSequence p;
    {
      py::gil_scoped_release release;
      p = nn::pack_sequence(seqs, enforce_sorted);
    }
    return fields(p);
  }, py::arg("sequences"), py::arg("enforce_sorted") = true);
}

}  // namespace

void bind_nn_rnn(py::module_& m, TensorClass& cls) {
  (void)cls;
  py::module_ nn = m.attr("nn").cast<py::module_>();
  bind_layers(nn);
  bind_cells(nn);
  bind_utils(nn);
}

}  // namespace ember::python
