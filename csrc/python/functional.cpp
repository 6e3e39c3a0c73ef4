// Bindings for the functional forms of layers (ember.nn.functional): normalisation, ...
#include "bind.h"

namespace ember::python {

namespace {
Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }
Shape as_shape(const py::object& s) {
  if (py::isinstance<py::int_>(s)) return {s.cast<int64_t>()};
  return s.cast<Shape>();
}
}  // namespace

void bind_functional(py::module_& m, TensorClass& cls) {
  m.def("layer_norm", [](const Tensor& x, const py::object& shape, std::optional<Tensor> w,
                         std::optional<Tensor> b, double eps) {
    Shape s = as_shape(shape);
    py::gil_scoped_release release;
    return layer_norm(x, s, opt(w), opt(b), eps);
  }, py::arg("input"), py::arg("normalized_shape"), py::arg("weight") = py::none(),
     py::arg("bias") = py::none(), py::arg("eps") = 1e-5);
  m.def("rms_norm", [](const Tensor& x, const py::object& shape, std::optional<Tensor> w,
                       std::optional<double> eps) {
    Shape s = as_shape(shape);
    py::gil_scoped_release release;
    return rms_norm(x, s, opt(w), eps);
  }, py::arg("input"), py::arg("normalized_shape"), py::arg("weight") = py::none(),
     py::arg("eps") = py::none());
  m.def("batch_norm", [](const Tensor& x, std::optional<Tensor> rm, std::optional<Tensor> rv,
                         std::optional<Tensor> w, std::optional<Tensor> b, bool training,
                         double momentum, double eps) {
    return batch_norm(x, opt(rm), opt(rv), opt(w), opt(b), training, momentum, eps);
  }, py::arg("input"), py::arg("running_mean"), py::arg("running_var"),
     py::arg("weight") = py::none(), py::arg("bias") = py::none(), py::arg("training") = false,
     py::arg("momentum") = 0.1, py::arg("eps") = 1e-5, py::call_guard<py::gil_scoped_release>());
  m.def("cross_entropy", [](const Tensor& input, const Tensor& target, std::optional<Tensor> weight,
                            int64_t ignore_index, const std::string& reduction,
                            double label_smoothing) {
    return cross_entropy(input, target, opt(weight), ignore_index,
                         parse_reduction(reduction, "cross_entropy"), label_smoothing);
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(),
     py::arg("ignore_index") = -100, py::arg("reduction") = "mean",
     py::arg("label_smoothing") = 0.0, py::call_guard<py::gil_scoped_release>());
  m.def("nll_loss", [](const Tensor& input, const Tensor& target, std::optional<Tensor> weight,
                       int64_t ignore_index, const std::string& reduction) {
    return nll_loss(input, target, opt(weight), ignore_index,
                    parse_reduction(reduction, "nll_loss"));
  }, py::arg("input"), py::arg("target"), py::arg("weight") = py::none(),
     py::arg("ignore_index") = -100, py::arg("reduction") = "mean",
     py::call_guard<py::gil_scoped_release>());
  m.def("dropout", &dropout, py::arg("input"), py::arg("p") = 0.5, py::arg("training") = true,
        py::call_guard<py::gil_scoped_release>());
  m.def("dropout2d", &dropout2d, py::arg("input"), py::arg("p") = 0.5,
        py::arg("training") = true, py::call_guard<py::gil_scoped_release>());
  m.def("embedding", [](const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx,
                        std::optional<double> max_norm, double norm_type) {
    return embedding(input, weight, padding_idx, max_norm, norm_type);
  }, py::arg("input"), py::arg("weight"), py::arg("padding_idx") = py::none(),
     py::arg("max_norm") = py::none(), py::arg("norm_type") = 2.0,
     py::call_guard<py::gil_scoped_release>());
}

}  // namespace ember::python
