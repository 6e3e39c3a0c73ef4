// Bindings of recurrent ops (ops/rnn.h): the cells as ember.rnn_tanh_cell / rnn_relu_cell /
// lstm_cell / gru_cell (torch's names and arguments) and the private per-layer ops
// ember._C._rnn_layer / _rnn_layer_reference used by ember.nn's RNN, LSTM and GRU.
#include "bind.h"

namespace ember::python {

namespace {

Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }

RNNMode parse_mode(const std::string& mode) {
  if (mode == "RNN_TANH") return RNNMode::tanh;
  if (mode == "RNN_RELU") return RNNMode::relu;
  if (mode == "LSTM") return RNNMode::lstm;
  if (mode == "GRU") return RNNMode::gru;
  EMBER_THROW(ValueError, "[rnn_layer] expected mode 'RNN_TANH', 'RNN_RELU', 'LSTM' or 'GRU', got '",
              mode, "'");
}

py::list to_list(const std::vector<Tensor>& ts) {
  py::list out;
  for (const Tensor& t : ts) out.append(t.defined() ? py::cast(t) : py::none());
  return out;
}

using LayerFn = std::vector<Tensor> (*)(RNNMode, const Tensor&, const Tensor&, const Tensor&,
                                        const RNNWeights&, const std::vector<int64_t>&, bool);

template <LayerFn fn>
py::list layer(const std::string& mode, const Tensor& input, std::optional<Tensor> h0,
               std::optional<Tensor> c0, const Tensor& w_ih, const Tensor& w_hh,
               std::optional<Tensor> b_ih, std::optional<Tensor> b_hh,
               std::optional<Tensor> w_hr, const std::vector<int64_t>& lengths, bool reverse) {
  RNNMode m = parse_mode(mode);
  RNNWeights w{w_ih, w_hh, opt(b_ih), opt(b_hh), opt(w_hr)};
  std::vector<Tensor> out;
  {
    py::gil_scoped_release release;
    out = fn(m, input, opt(h0), opt(c0), w, lengths, reverse);
  }
  return to_list(out);
}

py::list layer_bidirectional(const std::string& mode, const Tensor& input,
                             std::optional<Tensor> h0_f, std::optional<Tensor> c0_f,
                             const std::vector<std::optional<Tensor>>& w_f,
                             std::optional<Tensor> h0_b, std::optional<Tensor> c0_b,
                             const std::vector<std::optional<Tensor>>& w_b,
                             const std::vector<int64_t>& lengths) {
  RNNMode m = parse_mode(mode);
  auto weights = [](const std::vector<std::optional<Tensor>>& w) {
    EMBER_CHECK(w.size() == 5, ValueError, "[rnn_layer_bidirectional] expected 5 weights "
                "(w_ih, w_hh, b_ih, b_hh, w_hr) per direction, got ", w.size());
    return RNNWeights{opt(w[0]), opt(w[1]), opt(w[2]), opt(w[3]), opt(w[4])};
  };
  RNNWeights wf = weights(w_f), wb = weights(w_b);
  std::vector<Tensor> out;
  {
    py::gil_scoped_release release;
    out = rnn_layer_bidirectional(m, input, opt(h0_f), opt(c0_f), wf, opt(h0_b), opt(c0_b), wb,
                                  lengths);
  }
  return to_list(out);
}

}  // namespace

void bind_rnn(py::module_& m, TensorClass& cls) {
  (void)cls;  // torch has no Tensor methods for these
  m.def("rnn_tanh_cell", [](const Tensor& x, const Tensor& hx, const Tensor& w_ih,
                            const Tensor& w_hh, std::optional<Tensor> b_ih,
                            std::optional<Tensor> b_hh) {
    return rnn_tanh_cell(x, hx, w_ih, w_hh, opt(b_ih), opt(b_hh));
  }, py::arg("input"), py::arg("hx"), py::arg("w_ih"), py::arg("w_hh"),
     py::arg("b_ih") = py::none(), py::arg("b_hh") = py::none(),
     py::call_guard<py::gil_scoped_release>());
  m.def("rnn_relu_cell", [](const Tensor& x, const Tensor& hx, const Tensor& w_ih,
                            const Tensor& w_hh, std::optional<Tensor> b_ih,
                            std::optional<Tensor> b_hh) {
    return rnn_relu_cell(x, hx, w_ih, w_hh, opt(b_ih), opt(b_hh));
  }, py::arg("input"), py::arg("hx"), py::arg("w_ih"), py::arg("w_hh"),
     py::arg("b_ih") = py::none(), py::arg("b_hh") = py::none(),
     py::call_guard<py::gil_scoped_release>());
  m.def("gru_cell", [](const Tensor& x, const Tensor& hx, const Tensor& w_ih,
                       const Tensor& w_hh, std::optional<Tensor> b_ih,
                       std::optional<Tensor> b_hh) {
    return gru_cell(x, hx, w_ih, w_hh, opt(b_ih), opt(b_hh));
  }, py::arg("input"), py::arg("hx"), py::arg("w_ih"), py::arg("w_hh"),
     py::arg("b_ih") = py::none(), py::arg("b_hh") = py::none(),
     py::call_guard<py::gil_scoped_release>());
  // hx is the pair (h, c), as in torch.lstm_cell.
  m.def("lstm_cell", [](const Tensor& x, const std::vector<Tensor>& hx, const Tensor& w_ih,
                        const Tensor& w_hh, std::optional<Tensor> b_ih,
                        std::optional<Tensor> b_hh) {
    EMBER_CHECK(hx.size() == 2, ValueError, "[lstm_cell] expected hx as a pair (h, c), got ",
                hx.size(), " tensors");
    auto hc = lstm_cell(x, hx[0], hx[1], w_ih, w_hh, opt(b_ih), opt(b_hh));
    return std::make_tuple(hc.first, hc.second);
  }, py::arg("input"), py::arg("hx"), py::arg("w_ih"), py::arg("w_hh"),
     py::arg("b_ih") = py::none(), py::arg("b_hh") = py::none(),
     py::call_guard<py::gil_scoped_release>());

  const char* doc =
      "One layer in one direction over a (L, N, I) sequence; returns [output, h_n, c_n or None].";
  m.def("_rnn_layer", &layer<&rnn_layer>, doc, py::arg("mode"), py::arg("input"),
        py::arg("h0"), py::arg("c0"), py::arg("w_ih"), py::arg("w_hh"), py::arg("b_ih"),
        py::arg("b_hh"), py::arg("w_hr"), py::arg("lengths") = std::vector<int64_t>{},
        py::arg("reverse") = false);
  m.def("_rnn_layer_reference", &layer<&rnn_layer_reference>, doc, py::arg("mode"),
        py::arg("input"), py::arg("h0"), py::arg("c0"), py::arg("w_ih"), py::arg("w_hh"),
        py::arg("b_ih"), py::arg("b_hh"), py::arg("w_hr"),
        py::arg("lengths") = std::vector<int64_t>{}, py::arg("reverse") = false);
  m.def("_rnn_layer_bidirectional", &layer_bidirectional,
        "Both directions of one layer over a (L, N, I) sequence; w_f / w_b are [w_ih, w_hh, "
        "b_ih, b_hh, w_hr] (None where absent); returns [y_f, h_n_f, c_n_f, y_b, h_n_b, c_n_b].",
        py::arg("mode"), py::arg("input"), py::arg("h0_f"), py::arg("c0_f"), py::arg("w_f"),
        py::arg("h0_b"), py::arg("c0_b"), py::arg("w_b"),
        py::arg("lengths") = std::vector<int64_t>{});
}

}  // namespace ember::python
